"""Benchmark-only hooks for a Streamlit server, loaded through PYTHONPATH (never by the app).

`bench/run.py` starts some servers with this directory first on PYTHONPATH; Python imports
`sitecustomize` at start-up. Each hook is off unless its environment variable is set:

* BENCH_PROFILE_OUT=PATH: wrap `ScriptRunner._run_script` (the whole rerun: the script, widget
  registration, delta serialisation and enqueueing, Streamlit's post-run `gc.collect`) in one
  cProfile profiler, on the script thread only, and write the accumulated stats to PATH after
  every run. A file PATH + ".reset" makes the next run start a fresh profile.
* BENCH_GC_FREEZE_AFTER_RUNS=N: after the N-th script run of the process, `gc.collect()` then
  `gc.freeze()`, so the objects that exist by then (imports, the knowledge base) move to the
  permanent generation and later collections skip them. A diagnostic of one possible fix.
"""

import os

_OUT = os.environ.get("BENCH_PROFILE_OUT")
_FREEZE_AFTER = int(os.environ.get("BENCH_GC_FREEZE_AFTER_RUNS") or 0)

if _OUT or _FREEZE_AFTER:
    from streamlit.runtime.scriptrunner import script_runner as _sr

    _original = _sr.ScriptRunner._run_script
    _runs = [0]
    _profiler = None

    if _OUT:
        import cProfile

        _profiler = cProfile.Profile()

    def _hooked_run_script(self, *args, **kwargs):
        global _profiler
        if _OUT and os.path.exists(_OUT + ".reset"):
            os.remove(_OUT + ".reset")
            _profiler = cProfile.Profile()
        if _profiler is not None:
            _profiler.enable()
        try:
            return _original(self, *args, **kwargs)
        finally:
            if _profiler is not None:
                _profiler.disable()
                _profiler.dump_stats(_OUT)
            _runs[0] += 1
            if _runs[0] == _FREEZE_AFTER:
                import gc

                gc.collect()
                gc.freeze()

    _sr.ScriptRunner._run_script = _hooked_run_script
