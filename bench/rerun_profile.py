"""Where a rerun's server time goes: cProfile of real script runs in a real Streamlit server.

The server is started by ``start_streamlit`` with ``bench/server_hook`` first on PYTHONPATH and
BENCH_PROFILE_OUT set, so its ``sitecustomize`` wraps every script run in one profiler (script
thread only). A light client loads the page, the profile is reset, then it commits changes at a
person's pace; the stats are read back and grouped. cProfile slows Python code several-fold, so
the shares are what matters here, not the absolute times (built-ins such as ``gc.collect`` are
timed without that overhead).
"""

from __future__ import annotations

import os
import pstats
import tempfile
import time
from pathlib import Path

from wsclient import LightClient, learn_target

from tests.browser.helpers import REPO_ROOT, start_streamlit

HOOK_DIR = Path(__file__).resolve().parent / "server_hook"


CATEGORIES = (
    # (name, test on the profiled function's file and name), first match wins
    ("gc.collect after each run (runner.postScriptGC)", lambda f, n: "gc.collect" in n),
    ("app code (pages/, dashboard/, streamlit_app.py)", lambda f, n: f.startswith(str(REPO_ROOT))),
    ("Streamlit elements and widgets", lambda f, n: "/streamlit/elements/" in f or "/streamlit/delta_generator" in f),
    ("Streamlit session and widget state", lambda f, n: "/streamlit/runtime/state/" in f),
    (
        "sending messages to the event loop",
        lambda f, n: (
            "'send' of '_socket.socket'" in n
            or "/asyncio/" in f
            or "forward_msg" in f
            or "signal_util" in f
            or "app_session" in f
        ),
    ),
    ("protobuf", lambda f, n: "protobuf" in f or "google" in f or "Message" in n),
    ("pandas and Styler", lambda f, n: "/pandas/" in f or "/jinja2/" in f),
    ("other Streamlit", lambda f, n: "/streamlit/" in f),
)


def start_hooked(script: Path, env: dict[str, str], extra_args: tuple[str, ...] = ()):
    """``start_streamlit`` with bench/server_hook on PYTHONPATH and the hook's variables set."""
    names = ("PYTHONPATH", *env)
    saved = {k: os.environ.get(k) for k in names}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HOOK_DIR), saved["PYTHONPATH"]) if p)
    os.environ.update(env)
    try:
        return start_streamlit(script, extra_args=extra_args)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def summarise(path: Path, runs: int, top: int = 12) -> dict:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values())
    groups: dict[str, float] = {name: 0.0 for name, _ in CATEGORIES}
    groups["other (Python, stdlib, libraries)"] = 0.0
    for (file, _line, name), (_cc, _nc, tt, _ct, _callers) in entries.items():
        for cat, test in CATEGORIES:
            if test(file, name):
                groups[cat] += tt
                break
        else:
            groups["other (Python, stdlib, libraries)"] += tt
    app_funcs = [
        (f"{Path(file).relative_to(REPO_ROOT)}:{line} {name}", ct)
        for (file, line, name), (_cc, _nc, _tt, ct, _callers) in entries.items()
        if file.startswith(str(REPO_ROOT)) and name != "<module>"
    ]
    app_funcs.sort(key=lambda x: -x[1])
    hot = sorted(
        ((f"{Path(file).name}:{line} {name}", tt) for (file, line, name), (_cc, _nc, tt, _ct, _c) in entries.items()),
        key=lambda x: -x[1],
    )
    return {
        "runs": runs,
        "profiled_ms_per_run": 1000 * total / runs,
        "share_by_category": {k: v / total for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "ms_per_run_by_category": {k: 1000 * v / runs for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_app_functions_cumulative_ms_per_run": [(n, 1000 * ct / runs) for n, ct in app_funcs[:top]],
        "top_functions_own_time_ms_per_run": [(n, 1000 * tt / runs) for n, tt in hot[:top]],
    }


def profile_pages(script: Path, pages: dict[str, tuple[str, str, str, list]], pause_s: float = 0.4) -> dict:
    """Profile changes on each page; ``pages`` maps a name to (url path, element, label, values)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    out = tmp / "runs.prof"
    server = start_hooked(script, {"BENCH_PROFILE_OUT": str(out)})
    results = {}
    try:
        for name, (url_pathname, element, label, values) in pages.items():
            target = learn_target(server.url, url_pathname, element, label)
            with LightClient(server.url) as client:
                client.run(target.page_script_hash)
                client.change(target, values[-1])
                (tmp / "runs.prof.reset").touch()
                for value in values:
                    client.change(target, value)
                    time.sleep(pause_s)
            time.sleep(1.5)  # the last run's gc.collect and stats dump happen after script_finished
            results[name] = summarise(out, len(values))
    finally:
        server.stop()
    return results
