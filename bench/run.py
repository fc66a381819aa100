"""The dashboard's performance benchmark: one command, a table, and bench/results/latest.json.

    python bench/run.py            # full run, about 10 minutes on a 2-core machine
    python bench/run.py --quick    # smoke run, under 3 minutes, fewer samples
    python bench/run.py --only engine memory

Every figure compares the app (streamlit_app.py) with a floor (bench/floor_app.py: one number
input and one radio) served by the same Streamlit, config and working directory, started here.
bench/README.md says how each figure is measured. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for p in (str(BENCH), str(REPO_ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

import load  # noqa: E402
from wsclient import learn_target  # noqa: E402

from tests.browser.helpers import APP_SCRIPT, CHROMIUM_PATH, free_port, start_streamlit  # noqa: E402

FLOOR_SCRIPT = BENCH / "floor_app.py"
RESULTS = BENCH / "results"
SECTIONS = ("engine", "browser", "load", "memory", "soak", "scaleout", "profile")
INTAKE_WEEKS = "Current gestational age: weeks"
BUSY_SHARE = 0.10  # other processes above this share of the machine make a section's figures suspect


@dataclass(frozen=True)
class Plan:
    browser_changes: int = 40
    browser_warmup: int = 2
    cold_samples: int = 5
    steps: tuple[int, ...] = (1, 5, 10, 20, 40)
    step_s: float = 16.0
    single_step_s: float = 30.0  # the baseline step runs longer so its p95 rests on 15 changes
    interval_s: float = 2.0
    saturation_clients: int = 8
    saturation_s: float = 12.0
    gc_diagnostic: bool = True
    idle_sessions: int = 20
    soak: int = 500
    soak_cases: int = 50_000  # bench/soak.py: distinct cases through the engine (tracemalloc on)
    soak_warmup: int = 10_000
    soak_changes: int = 1_000  # widget changes through a server
    scale_s: float = 12.0
    engine_s: float = 2.0
    kb_samples: int = 5
    profile_changes: int = 20


FULL = Plan()
QUICK = Plan(
    browser_changes=6,
    browser_warmup=1,
    cold_samples=1,
    steps=(1, 5, 20),
    step_s=5.0,
    single_step_s=8.0,
    saturation_s=5.0,
    gc_diagnostic=False,
    soak=50,
    soak_cases=3_000,
    soak_warmup=1_000,
    soak_changes=100,
    scale_s=5.0,
    engine_s=1.0,
    kb_samples=3,
    profile_changes=0,
)


# --------------------------------------------------------------------------- figures


def pct(values: list[float], q: int) -> float:
    """The q-th percentile, linear interpolation between closest ranks (statistics.quantiles, inclusive)."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Figures:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(
        self,
        fid: str,
        name: str,
        value: float,
        unit: str,
        samples: int,
        method: str,
        *,
        floor: float | None = None,
        target: str | None = None,
        check: Callable[[float, float | None], bool] | None = None,
        section: str = "",
        note: str | None = None,
    ) -> dict:
        row = {
            "id": fid,
            "section": section,
            "name": name,
            "value": value,
            "unit": unit,
            "samples": samples,
            "method": method,
        }
        if floor is not None:
            row["floor"] = floor
            row["ratio_to_floor"] = value / floor if floor else None
        if target is not None:
            row["target"] = target
            row["met"] = bool(check(value, floor)) if check else None
        if note:
            row["note"] = note
        self.rows.append(row)
        return row


def ratio_at_most(k: float) -> Callable[[float, float | None], bool]:
    return lambda v, f: f is not None and v <= k * f


def ratio_at_least(k: float) -> Callable[[float, float | None], bool]:
    return lambda v, f: f is not None and v >= k * f


def ms(values: list[float]) -> list[float]:
    return [round(v * 1000, 2) for v in values]


# --------------------------------------------------------------------------- machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM_PATH, "--version"], capture_output=True, text=True, timeout=30)
        m = re.search(r"Chromium\s+([\d.]+)", out.stdout)
        return m.group(1) if m else out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not found"


def configured_post_script_gc() -> bool:
    """The app's ``runner.postScriptGC`` (Streamlit's default is true), read from .streamlit/config.toml."""
    import tomllib

    try:
        config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return True
    return bool(config.get("runner", {}).get("postScriptGC", True))


def speed_probe_ms() -> float:
    """A fixed pure-Python loop, best of 5, in ms: how fast this (shared, virtual) machine runs Python now.

    The same code on the same machine has measured up to 2-3x apart at different hours; this puts
    a number on it, so runs can be compared (lower is faster).
    """
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        sum(i * i for i in range(200_000))
        best = min(best, time.perf_counter() - t0)
    return round(1000 * best, 1)


def machine_info() -> dict:
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    import streamlit

    def version(pkg: str) -> str:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "dashboard", "pages", "streamlit_app.py", "data"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    nginx = load.nginx_path()
    return {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_model": model.group(1).strip() if model else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(int(meminfo.group(1)) / 1024 / 1024, 1) if meminfo else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "chromium": chromium_version(),
        "playwright": version("playwright"),
        "websocket_client": version("websocket-client"),
        "nginx": load.nginx_version(nginx) if nginx else "not installed",
        "git_commit": commit.stdout.strip(),
        "app_tree_has_uncommitted_changes": bool(dirty.stdout.strip()),
        "load_average_at_start": list(os.getloadavg()),
        "speed_probe_ms_start": speed_probe_ms(),
    }


class CpuMeter:
    """How much of the machine other people's processes used while a section ran.

    A thread reads every process's CPU time (/proc/<pid>/stat) twice a second and sorts each
    process into ours (this process and its descendants, e.g. servers, Chromium's renderers,
    nginx) or others'. The others' CPU seconds over the section's wall time x cores is their
    share of the machine; a busy machine slows every figure. Processes that start and end
    between two reads are missed, so this is a lower bound.
    """

    INTERVAL_S = 0.5

    def __init__(self) -> None:
        self.me = os.getpid()
        self.first: dict[tuple[int, int], int] = {}
        self.last: dict[tuple[int, int], int] = {}
        self.ours: set[tuple[int, int]] = set()
        self.stop = threading.Event()

    @staticmethod
    def _snapshot() -> dict[tuple[int, int], tuple[int, int]]:
        procs = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            rest = stat[stat.rindex(")") + 2 :].split()
            # fields after the command: state ppid ... utime(11) stime(12) ... starttime(19)
            procs[(int(entry), int(rest[19]))] = (int(rest[1]), int(rest[11]) + int(rest[12]))
        return procs

    def _sample(self, initial: bool = False) -> None:
        snap = self._snapshot()
        parent = {pid: ppid for (pid, _start), (ppid, _cpu) in snap.items()}
        for key, (_ppid, cpu) in snap.items():
            pid, hops = key[0], 0
            while pid > 1 and pid != self.me and hops < 64:
                pid, hops = parent.get(pid, 0), hops + 1
            if pid == self.me:
                self.ours.add(key)
            self.first.setdefault(key, cpu if initial else 0)
            self.last[key] = cpu

    def _loop(self) -> None:
        while not self.stop.wait(self.INTERVAL_S):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self.t0, self.load0 = time.monotonic(), os.getloadavg()[0]
        self._sample(initial=True)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self._sample()
        wall = time.monotonic() - self.t0
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        tick = os.sysconf("SC_CLK_TCK")
        others = sum(self.last[k] - self.first[k] for k in self.last if k not in self.ours) / tick
        own = sum(self.last[k] - self.first[k] for k in self.last if k in self.ours) / tick
        self.result = {
            "wall_s": round(wall, 1),
            "own_cpu_s": round(own, 1),
            "other_processes_cpu_s": round(others, 1),
            "other_processes_share_of_machine": round(others / (wall * cores), 3) if wall else 0.0,
            "load_average_1min_start_end": [round(self.load0, 2), round(os.getloadavg()[0], 2)],
        }


# --------------------------------------------------------------------------- sections


@contextlib.contextmanager
def hooked_server(script: Path, extra: tuple[str, ...], env: dict[str, str]):
    """One server; with ``env`` it gets bench/server_hook (benchmark-only diagnostics)."""
    if not env:
        with servers((script, extra)) as (server,):
            yield server
        return
    import rerun_profile

    server = rerun_profile.start_hooked(script, env, extra)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def servers(*specs: tuple[Path, tuple[str, ...]]):
    started = []
    try:
        for script, extra in specs:
            started.append(start_streamlit(script, extra_args=extra))
        yield started
    finally:
        for s in started:
            s.stop()


def run_engine(plan: Plan, figs: Figures, raw: dict) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH / "engine.py"), str(plan.engine_s), str(plan.kb_samples)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    e = json.loads(out.stdout)
    raw["engine"] = e
    core = f"one core (pinned to CPU {e['cpu']})"
    n = e["corpus_cases"]
    figs.add(
        "engine.assess_all",
        "Engine: assess_all (3 guidelines) per second",
        e["assess_all_per_s"],
        "calls/s",
        e["assess_all_calls"],
        f"{n} scenario cases in rounds for {plan.engine_s:g} s, {core}",
        section="engine",
    )
    if "assess_all_first_sight_per_s" in e:
        figs.add(
            "engine.assess_all_first_sight",
            "Engine: assess_all per second, cases not seen before",
            e["assess_all_first_sight_per_s"],
            "calls/s",
            e["assess_all_first_sight_calls"],
            f"{n} scenario cases per round, each round on a freshly loaded knowledge base (empty outcome "
            f"caches; load and preparation not timed), {core}",
            section="engine",
        )
    # The target: at least 5,000 assessments (one case under one guideline) per second.
    figs.add(
        "engine.assessments_all_guidelines",
        "Engine: assessments per second, all guidelines",
        3 * e["assess_all_per_s"],
        "per s",
        3 * e["assess_all_calls"],
        "3 × assess_all per second: each call assesses the case under ACOG, RCOG and NICE (and compares "
        f"them); {n} scenario cases in rounds for {plan.engine_s:g} s, {core}",
        target="≥ 5,000/s",
        check=lambda v, f: v >= 5000,
        section="engine",
    )
    for g in ("acog", "rcog", "nice"):
        figs.add(
            f"engine.assess_{g}",
            f"Engine: assess({g}) per second",
            e[f"assess_{g}_per_s"],
            "calls/s",
            e[f"assess_{g}_calls"],
            f"{n} scenario cases in rounds for {plan.engine_s:g} s, {core}",
            target="≥ 5,000/s",
            check=lambda v, f: v >= 5000,
            section="engine",
        )
    figs.add(
        "engine.kb_load_cold",
        "Knowledge base load, cold (once per process)",
        1000 * e["kb_load_cold_median_s"],
        "ms",
        len(e["kb_load_cold_s"]),
        "median; load_knowledge_base() first call in a fresh interpreter, imports excluded, " + core,
        target="≤ 100 ms",
        check=lambda v, f: v <= 100,
        section="engine",
    )
    if e.get("yaml_texts"):
        figs.add(
            "engine.yaml_in_loader",
            "  YAML parsing within one load",
            1000 * e["yaml_parse_in_loader_s"],
            "ms",
            3,
            f"median of 3 in-process loads; dashboard.kb.parse_yaml timed inside load_knowledge_base() "
            f"({e['yaml_texts']} files, {e['yaml_bytes'] // 1024} KB); the rest is validation and indexing",
            section="engine",
            note=f"{e['yaml_share_of_load']:.0%} of an in-process load of {1000 * e['kb_load_in_process_s']:.0f} ms"
            + (
                f"; PyYAML's CSafeLoader would take {1000 * e['yaml_parse_libyaml_s']:.0f} ms"
                if "yaml_parse_libyaml_s" in e
                else ""
            ),
        )


def run_browser(plan: Plan, figs: Figures, raw: dict, machine: dict) -> None:
    import browser as B
    from playwright.sync_api import sync_playwright

    with servers((APP_SCRIPT, ()), (FLOOR_SCRIPT, ())) as (app, floor), sync_playwright() as pw:
        br = B.launch(pw)
        machine["chromium_playwright_reports"] = br.version
        try:
            # In-page timing (the figures with targets) first, then the harness's view of the
            # same changes; app and floor alternate so the machine's drift hits both alike.
            lat = {}
            for method in B.METHODS:
                lat[method] = (
                    B.app_latency(br, app.url, plan.browser_changes, plan.browser_warmup, method=method),
                    B.floor_latency(br, floor.url, plan.browser_changes, plan.browser_warmup, method=method),
                )
            c = B.cold_loads(br, app.url, floor.url, plan.cold_samples)
        finally:
            br.close()
    raw["browser_latency_ms"] = {
        method: {"app": {k: ms(v) for k, v in a.items()}, "floor": {k: ms(v) for k, v in f.items()}}
        for method, (a, f) in lat.items()
    }
    raw["cold_load_ms"] = {k: ms(v) for k, v in c.items()}
    hows = {
        "page": (
            "headless Chromium; timed inside the page: the Enter keydown's or mousedown's timeStamp to the "
            "arrival of the final script_finished frame on the page's websocket (a wrapped WebSocket reads "
            "each frame); nothing relayed to Python during the change"
        ),
        "harness": (
            "headless Chromium; timed in Python: just before the Playwright input call to Python holding the "
            "final script_finished frame (page.on('websocket'), framereceived), so it includes relaying "
            "every frame of the rerun through Playwright; information only"
        ),
    }
    for method, (a, f) in lat.items():
        how = f"{hows[method]}; 300-500 ms pause between changes; {plan.browser_warmup} warm-up change(s) not counted"
        suffix, label_suffix = ("", "") if method == "page" else (".harness", ", seen by the harness")
        pairs = (
            ("intake", "Intake: weeks typed + Enter", a["intake_number"], f["number"], "floor number input"),
            ("criteria", "Criteria: sidebar guideline radio", a["criteria_radio"], f["radio"], "floor radio"),
        )
        for key, label, app_v, floor_v, versus in pairs:
            for q, k in ((50, 1.3), (95, 1.5)):
                target = {"target": f"≤ {k}× floor", "check": ratio_at_most(k)} if method == "page" else {}
                figs.add(
                    f"browser.{key}.p{q}{suffix}",
                    f"{label}, p{q}{label_suffix}",
                    1000 * pct(app_v, q),
                    "ms",
                    len(app_v),
                    f"{how}; p{q} by linear interpolation; vs {versus}",
                    floor=1000 * pct(floor_v, q),
                    section="browser",
                    **target,
                )
    cold = (
        "median; page.goto in a fresh browser context to the element visible; app Intake, app Overview and floor "
        "loads interleaved, after one unrecorded load of each server"
    )
    fl = 1000 * B.median(c["floor"])
    for fid, name, series, target in (
        ("cold.intake", "Cold load: Intake (/intake) to weeks input visible", "app_intake", True),
        ("cold.overview", "Cold load: Overview first paint (title visible)", "app_overview_title", True),
        ("cold.overview_widget", "Cold load: Overview sidebar radio visible", "app_overview_widget", False),
    ):
        figs.add(
            fid,
            name,
            1000 * B.median(c[series]),
            "ms",
            len(c[series]),
            cold,
            floor=fl,
            **({"target": "≤ 1.5× floor", "check": ratio_at_most(1.5)} if target else {}),
            section="cold",
        )


def run_load(plan: Plan, figs: Figures, raw: dict) -> None:
    paced_raw, sat_raw = {}, {}
    # Paced steps on one server, with one pool of sessions that grows step by step.
    with servers((APP_SCRIPT, ())) as (app,):
        target = learn_target(app.url, "intake", "text_input", INTAKE_WEEKS)
        with load.Pool(app.url, target) as pool:
            for n in plan.steps:
                duration = plan.single_step_s if n == 1 else plan.step_s
                r = load.paced(pool, n, duration, plan.interval_s)
                paced_raw[n] = {
                    "latencies_ms": ms(r.latencies_s),
                    "errors": r.errors,
                    "duration_s": duration,
                    "p50_ms": 1000 * pct(r.latencies_s, 50),
                    "p95_ms": 1000 * pct(r.latencies_s, 95),
                    "max_ms": 1000 * max(r.latencies_s, default=float("nan")),
                    "changes_per_s": len(r.latencies_s) / duration,
                }
    # Saturation on fresh servers, one at a time, so neither carries the other's sessions.
    specs = [("app", APP_SCRIPT, (), {}, "intake", INTAKE_WEEKS), ("floor", FLOOR_SCRIPT, (), {}, "", "Value")]
    gc_on = configured_post_script_gc()
    raw["configured_runner_postScriptGC"] = gc_on
    if plan.gc_diagnostic:
        specs += [
            (
                "app_postScriptGC_flipped",
                APP_SCRIPT,
                ("--runner.postScriptGC", str(not gc_on).lower()),
                {},
                "intake",
                INTAKE_WEEKS,
            ),
            ("app_gc_freeze", APP_SCRIPT, (), {"BENCH_GC_FREEZE_AFTER_RUNS": "3"}, "intake", INTAKE_WEEKS),
        ]
    for name, script, extra, env, page, label in specs:
        with hooked_server(script, extra, env) as server:
            t = learn_target(server.url, page, "text_input", label)
            r = load.saturate(server.url, t, plan.saturation_clients, plan.saturation_s)
            sat_raw[name] = {
                "throughput": r.throughput,
                "completed": r.completed_in_window,
                "errors": r.errors,
                "p50_ms": 1000 * pct(r.latencies_s, 50),
                "p95_ms": 1000 * pct(r.latencies_s, 95),
            }
    raw["paced_load"] = paced_raw
    raw["saturation"] = sat_raw
    base = paced_raw[plan.steps[0]]["p95_ms"]
    how = (
        "light websocket clients (one thread each), each commits a new Intake weeks value every "
        f"{plan.interval_s:g} s, starts spread over the interval; BackMsg rerun_script to script_finished"
    )
    for n in plan.steps:
        p = paced_raw[n]
        extra = {}
        if n == 20:
            extra = {"floor": None, "target": "≤ 2× p95 at 1 session", "check": lambda v, f: v <= 2 * base}
        row = figs.add(
            f"load.paced.{n}.p95",
            f"Light clients, {n} session(s) at one change / {plan.interval_s:g} s, p95",
            p["p95_ms"],
            "ms",
            len(p["latencies_ms"]),
            f"{how}; {p['duration_s']:g} s; p95 interpolated",
            section="load",
            note=f"p50 {p['p50_ms']:.0f} ms, max {p['max_ms']:.0f} ms, "
            f"{p['changes_per_s']:.1f} changes/s" + (f", errors: {p['errors'][:2]}" if p["errors"] else ""),
            **{k: v for k, v in extra.items() if k != "floor"},
        )
        if n == 20:
            row["ratio_to_single_session"] = p["p95_ms"] / base if base else None
    sat = (
        f"{plan.saturation_clients} light clients committing Intake weeks changes back to back for "
        f"{plan.saturation_s:g} s on a fresh server; changes finished in the window / window"
    )
    figs.add(
        "load.saturation",
        "Saturation throughput, one process (Intake vs floor)",
        sat_raw["app"]["throughput"],
        "changes/s",
        sat_raw["app"]["completed"],
        sat,
        floor=sat_raw["floor"]["throughput"],
        target="≥ 0.5× floor",
        check=ratio_at_least(0.5),
        section="load",
        note=f"p50 under saturation: app {sat_raw['app']['p50_ms']:.0f} ms, floor {sat_raw['floor']['p50_ms']:.0f} ms",
    )
    if "app_postScriptGC_flipped" in sat_raw:
        d = sat_raw["app_postScriptGC_flipped"]
        figs.add(
            "load.saturation_postscriptgc_flipped",
            f"  diagnostic: same, app with runner.postScriptGC={str(not gc_on).lower()} (config: {str(gc_on).lower()})",
            d["throughput"],
            "changes/s",
            d["completed"],
            sat + f"; a separate server started with --runner.postScriptGC {str(not gc_on).lower()}, the opposite "
            "of .streamlit/config.toml, to show what Streamlit's full gc.collect after every run costs",
            floor=sat_raw["floor"]["throughput"],
            section="load",
        )
    if "app_gc_freeze" in sat_raw:
        d = sat_raw["app_gc_freeze"]
        figs.add(
            "load.saturation_gc_freeze",
            "  diagnostic: same, app with gc.freeze() after warm-up",
            d["throughput"],
            "changes/s",
            d["completed"],
            sat + "; a separate server whose bench/server_hook calls gc.collect(); gc.freeze() after its 3rd run "
            "(imports and knowledge base loaded); Streamlit's post-run GC stays on",
            floor=sat_raw["floor"]["throughput"],
            section="load",
        )


def run_memory(plan: Plan, figs: Figures, raw: dict) -> None:
    with servers((APP_SCRIPT, ())) as (app,):
        target = learn_target(app.url, "intake", "text_input", INTAKE_WEEKS)
        idle = load.idle_session_memory(app.url, app.proc.pid, target, plan.idle_sessions)
        soak = load.soak(app.url, app.proc.pid, target, plan.soak)
    raw["memory"] = {"idle": idle, "soak": soak}
    mib_to_mb = 1.048576
    figs.add(
        "memory.idle_session",
        "Server RSS per extra idle session",
        idle["per_session_mib"] * mib_to_mb,
        "MB",
        idle["sessions"],
        f"VmRSS (/proc/<pid>/status, median of 3 reads) before and after {idle['sessions']} "
        "light-client sessions that each ran Intake once and stayed connected; delta / sessions; fresh server",
        target="≤ 1 MB",
        check=lambda v, f: v <= 1.0,
        section="memory",
        note=f"RSS {idle['rss_before_mib'] * mib_to_mb:.0f} → {idle['rss_after_mib'] * mib_to_mb:.0f} MB",
    )
    figs.add(
        "memory.soak",
        f"Server RSS growth over {soak['interactions']} changes in one session",
        soak["growth_mib"] * mib_to_mb,
        "MB",
        soak["interactions"],
        "VmRSS after the session's first run vs after the last change (10 ms apart, Intake weeks value cycling)",
        target="< 20 MB",
        check=lambda v, f: v < 20.0,
        section="memory",
        note=f"second half {soak['growth_second_half_mib'] * mib_to_mb:+.1f} MB; {soak['elapsed_s']:.0f} s",
    )


def run_soak(plan: Plan, figs: Figures, raw: dict) -> None:
    """bench/soak.py in a subprocess of its own (its RSS is the engine's alone)."""
    out_path = RESULTS / "soak.json"
    every = max(1, plan.soak_cases // 10)
    out_path.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, str(BENCH / "soak.py"), "--cases", str(plan.soak_cases), "--every", str(every),
         "--warmup", str(plan.soak_warmup), "--changes", str(plan.soak_changes), "--out", str(out_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    if done.returncode not in (0, 1):  # 1: a bound was passed, which the figures report
        raise RuntimeError(f"bench/soak.py exited {done.returncode}: {done.stderr[-2000:]}")
    result = json.loads(out_path.read_text(encoding="utf-8"))
    raw["soak"] = result
    e, srv = result["engine"], result["server"]
    rest = e["cases"] - e["warmup_cases"]
    caches = e["caches_end"]
    figs.add(
        "soak.engine_traced_growth",
        f"Engine: traced memory growth over {rest:,} distinct cases after {e['warmup_cases']:,}",
        e["traced_growth_after_warmup_mb"],
        "MB",
        e["cases"],
        "bench/soak.py: seeded distinct valid cases through assess_all (default knowledge base), gc.collect() "
        "and tracemalloc's traced memory every " + f"{e['every']:,} cases; end minus the sample after the warm-up",
        target=f"< {e['bound_after_warmup_mb']:g} MB, every cache within its bound",
        check=lambda v, f: v < e["bound_after_warmup_mb"] and not e["caches_over_bound"],
        section="soak",
        note=f"RSS {e['rss_start_mb']:.0f} → {e['rss_end_mb']:.0f} MB ({e['rss_growth_after_warmup_mb']:+.1f} after "
        f"the warm-up); traced peak {e['traced_peak_mb']:.1f} MB; rule results {caches['rule_results']['entries']:,}, "
        f"test values {caches['test_values']['entries']:,}; {e['cases_per_s']:.0f} cases/s under tracemalloc",
    )
    figs.add(
        "soak.server_growth",
        f"Server RSS growth over the second half of {srv['changes']:,} radio changes in one session",
        srv["rss_growth_second_half_mb"],
        "MB",
        srv["changes"],
        "bench/soak.py: one light-client session on Intake; each change moves one radio (mixed-radix Gray code "
        "over every radio, so no case comes twice); VmRSS at the middle vs after the last change",
        target=f"< {srv['bound_second_half_mb']:g} MB",
        check=lambda v, f: v < srv["bound_second_half_mb"],
        section="soak",
        note=f"whole run {srv['rss_growth_mb']:+.1f} MB ({srv['rss_start_mb']:.0f} → {srv['rss_end_mb']:.0f}); "
        f"{srv['per_session_mb']:.2f} MB per extra session ({srv['sessions']}); p50 {srv['latency_p50_ms']:.0f} ms",
    )


def ensure_nginx() -> str | None:
    binary = load.nginx_path()
    if binary or os.geteuid() != 0 or not os.path.exists("/usr/bin/apt-get"):
        return binary
    print("nginx missing: apt-get install -y nginx-light (Debian package)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "install", "-y", "-q", "nginx-light"],
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "nginx-light"],
    ):
        subprocess.run(cmd, env=env, capture_output=True, timeout=300)
        if load.nginx_path():
            break
    return load.nginx_path()


def run_scaleout(plan: Plan, figs: Figures, raw: dict) -> None:
    binary = ensure_nginx()
    if not binary:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx-light); scale-out not measured")
    res = {}
    with servers((APP_SCRIPT, ()), (APP_SCRIPT, ())) as (s1, s2):
        for label, ports in (("one", [s1.port]), ("two", [s1.port, s2.port])):
            proxy = load.Nginx(binary, free_port(), ports)
            try:
                target = learn_target(proxy.url, "intake", "text_input", INTAKE_WEEKS)
                ids, split = load.balanced_client_ids(proxy.url, plan.saturation_clients // len(ports), len(ports))
                r = load.saturate(proxy.url, target, plan.saturation_clients, plan.scale_s, client_ids=ids)
                res[label] = {
                    "throughput": r.throughput,
                    "completed": r.completed_in_window,
                    "errors": r.errors,
                    "sessions_per_upstream": r.upstreams,
                    "p50_ms": 1000 * pct(r.latencies_s, 50),
                }
            finally:
                proxy.stop()
    raw["scaleout"] = res
    how = (
        f"{plan.saturation_clients} light clients back to back for {plan.scale_s:g} s through nginx "
        "(hash $arg_client consistent; ?client=ID on each websocket; ids probed so sessions split evenly)"
    )
    one = res["one"]["throughput"]
    figs.add(
        "scale.one",
        "Scale-out: 1 process behind nginx",
        one,
        "changes/s",
        res["one"]["completed"],
        how,
        section="scaleout",
        note=f"sessions per process {res['one']['sessions_per_upstream']}",
    )
    figs.add(
        "scale.two",
        "Scale-out: 2 processes behind nginx",
        res["two"]["throughput"],
        "changes/s",
        res["two"]["completed"],
        how,
        section="scaleout",
        note=f"{res['two']['throughput'] / one:.2f}× one process; sessions per process "
        f"{res['two']['sessions_per_upstream']}; both processes and the clients share the 2 cores",
    )


def run_profile(plan: Plan, figs: Figures, raw: dict) -> None:
    if plan.profile_changes <= 0:
        return
    import rerun_profile

    n = plan.profile_changes
    pages = {
        "intake": ("intake", "text_input", INTAKE_WEEKS, [str(14 + (i % 16)) for i in range(n)]),
        "criteria": ("criteria", "radio", "Guideline in use", [("RCOG (UK)", "ACOG (US)")[i % 2] for i in range(n)]),
    }
    raw["profile"] = rerun_profile.profile_pages(APP_SCRIPT, pages)


# --------------------------------------------------------------------------- report


def fmt(v: float | None, unit: str = "") -> str:
    if v is None or v != v:
        return "-"
    if unit in ("ms", "calls/s") or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def table(rows: list[dict]) -> str:
    head = ("Figure", "App", "Floor", "Ratio", "Unit", "n", "Target", "Met")
    lines = [head]
    for r in rows:
        ratio = r.get("ratio_to_floor") or r.get("ratio_to_single_session")
        met = r.get("met")
        lines.append(
            (
                r["name"],
                fmt(r["value"], r["unit"]),
                fmt(r.get("floor"), r["unit"]),
                f"{ratio:.2f}×" if ratio else "",
                r["unit"],
                str(r["samples"]),
                r.get("target", ""),
                "" if met is None else ("yes" if met else "NO"),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for i, line in enumerate(lines):
        out.append(
            "  ".join(
                c.ljust(w) if j in (0, 4, 6) else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def profile_text(prof: dict) -> str:
    out = []
    for page, p in prof.items():
        out.append(
            f"Profile of {p['runs']} reruns of {page} (cProfile, script thread; Python code runs slower "
            f"under it, so read the shares): {p['profiled_ms_per_run']:.0f} ms per run profiled"
        )
        for cat, share in p["share_by_category"].items():
            if share >= 0.02:
                out.append(f"  {share:5.1%}  {p['ms_per_run_by_category'][cat]:6.1f} ms/run  {cat}")
        out.append("  app functions, cumulative ms per run:")
        for name, v in p["top_app_functions_cumulative_ms_per_run"][:6]:
            out.append(f"    {v:6.1f}  {name}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer samples, shorter windows (< 3 min)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    ap.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="leave these sections out")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where to write the JSON results")
    args = ap.parse_args(argv)
    plan = QUICK if args.quick else FULL
    chosen = [s for s in (args.only or SECTIONS) if s not in args.skip]
    if plan.profile_changes <= 0 and "profile" in chosen and not args.only:
        chosen.remove("profile")  # the quick run leaves the profile out

    t_start = time.monotonic()
    machine = machine_info()
    print(
        f"Benchmark ({'quick' if args.quick else 'full'}) on {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB; Python {machine['python']}, Streamlit {machine['streamlit']}, "
        f"Chromium {machine['chromium']}; {machine['date_utc']}; speed probe {machine['speed_probe_ms_start']} ms",
        flush=True,
    )
    figs, raw, errors, timings = Figures(), {}, {}, {}
    runners = {
        "engine": lambda: run_engine(plan, figs, raw),
        "browser": lambda: run_browser(plan, figs, raw, machine),
        "load": lambda: run_load(plan, figs, raw),
        "memory": lambda: run_memory(plan, figs, raw),
        "soak": lambda: run_soak(plan, figs, raw),
        "scaleout": lambda: run_scaleout(plan, figs, raw),
        "profile": lambda: run_profile(plan, figs, raw),
    }
    contention: dict[str, dict] = {}
    for name in chosen:
        print(f"[{time.monotonic() - t_start:5.0f} s] {name} ...", flush=True)
        meter = CpuMeter()
        with meter:
            try:
                runners[name]()
            except Exception as exc:  # noqa: BLE001 - one failed section must not lose the others' figures
                errors[name] = "".join(traceback.format_exception(exc))[-3000:]
                print(f"  {name} FAILED: {exc!r}", flush=True)
        timings[name] = meter.result["wall_s"]
        contention[name] = meter.result
        share = meter.result["other_processes_share_of_machine"]
        if share > BUSY_SHARE:
            print(f"  warning: other processes used {share:.0%} of the machine during {name}", flush=True)

    busy = sorted(n for n, c in contention.items() if c["other_processes_share_of_machine"] > BUSY_SHARE)
    result = {
        "mode": "quick" if args.quick else "full",
        "machine": machine,
        "plan": asdict(plan),
        "figures": figs.rows,
        "targets": {
            "met": [r["id"] for r in figs.rows if r.get("met") is True],
            "missed": [r["id"] for r in figs.rows if r.get("met") is False],
        },
        "raw": raw,
        "errors": errors,
        "section_seconds": timings,
        "speed_probe_ms_end": speed_probe_ms(),
        "other_processes_during_sections": contention,
        "machine_was_busy": busy,
        "total_seconds": round(time.monotonic() - t_start, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    args.out.write_text(text + "\n", encoding="utf-8")
    stamp = machine["date_utc"].replace(":", "").replace("-", "")[:15]
    (args.out.parent / f"{stamp}-{result['mode']}.json").write_text(text + "\n", encoding="utf-8")

    print()
    print(table(figs.rows))
    notes = [r for r in figs.rows if r.get("note")]
    if notes:
        print()
        for r in notes:
            print(f"- {r['name'].strip()}: {r['note']}")
    if "profile" in raw:
        print()
        print(profile_text(raw["profile"]))
    missed = result["targets"]["missed"]
    print()
    print(
        f"Targets met: {len(result['targets']['met'])}; missed: {len(missed)}"
        + (f" ({', '.join(missed)})" if missed else "")
    )
    if busy:
        print(
            f"WARNING: other processes used more than {BUSY_SHARE:.0%} of the machine during: "
            + ", ".join(f"{n} ({contention[n]['other_processes_share_of_machine']:.0%})" for n in busy)
            + ". Those figures are slowed by someone else's work; run again on a quiet machine."
        )
    for name, err in errors.items():
        print(f"Section {name} failed:\n{err}")
    print(
        f"Speed probe (pure-Python loop, lower is faster): {machine['speed_probe_ms_start']} ms at the start, "
        f"{result['speed_probe_ms_end']} ms at the end"
    )
    print(f"Wrote {args.out} in {result['total_seconds']:.0f} s")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
