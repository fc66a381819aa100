"""Profile every script run of a Streamlit server (benchmark only; loaded through PYTHONPATH).

`bench/profile.py` starts a server with this directory first on PYTHONPATH and
BENCH_PROFILE_OUT set. Python imports `sitecustomize` at start-up; this one wraps
`ScriptRunner._run_script` (the whole rerun: the script, widget registration, delta
serialisation and enqueueing) in one cProfile profiler, on the script thread only, and writes
the accumulated stats after every run. A file BENCH_PROFILE_OUT + ".reset" makes the next run
start a fresh profile (so start-up and the first runs can be left out). Without
BENCH_PROFILE_OUT it does nothing.
"""

import os

_OUT = os.environ.get("BENCH_PROFILE_OUT")

if _OUT:
    import cProfile

    from streamlit.runtime.scriptrunner import script_runner as _sr

    _profiler = cProfile.Profile()
    _original = _sr.ScriptRunner._run_script

    def _profiled_run_script(self, *args, **kwargs):
        global _profiler
        if os.path.exists(_OUT + ".reset"):
            os.remove(_OUT + ".reset")
            _profiler = cProfile.Profile()
        _profiler.enable()
        try:
            return _original(self, *args, **kwargs)
        finally:
            _profiler.disable()
            _profiler.dump_stats(_OUT)

    _sr.ScriptRunner._run_script = _profiled_run_script
