"""Engine figures, run by bench/run.py in a subprocess pinned to one CPU core.

* Throughput: the scenario corpus (tests/scenarios/*.json, read once with ``case_from_json``)
  assessed round after round for a fixed time; ``assess_all`` (all three guidelines and their
  disagreements) and ``assess`` per guideline, as calls per second of wall-clock time.
* Knowledge-base load: ``dashboard.kb.load_knowledge_base()`` timed in a fresh interpreter per
  sample (imports done first and not counted; the YAML reading, validation and indexing are).
  The app pays this once per server process (``st.cache_resource``).

Usage: python bench/engine.py SECONDS KB_SAMPLES   (prints one JSON object)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

KB_PROBE = (
    "import time, dashboard.kb as k, dashboard.assess, dashboard.case\n"
    "t = time.perf_counter(); k.load_knowledge_base(); a = time.perf_counter() - t\n"
    "t = time.perf_counter(); k.load_knowledge_base(); b = time.perf_counter() - t\n"
    "print(a, b)\n"
)


def pin_to_one_core() -> int | None:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return cpus[-1]
    except (AttributeError, OSError):
        return None


def throughput(seconds: float) -> dict:
    from dashboard.assess import assess, assess_all
    from dashboard.case import case_from_json
    from dashboard.kb import GUIDELINES, default_knowledge_base

    kb = default_knowledge_base()
    files = sorted((REPO_ROOT / "tests" / "scenarios").glob("*.json"))
    cases = [case_from_json(f.read_bytes()) for f in files]
    for case in cases:  # warm-up round: lazy caches in the engine are filled before timing
        assess_all(case, kb)

    def rate(call) -> tuple[float, int]:
        n = 0
        t0 = time.perf_counter()
        deadline = t0 + seconds
        while time.perf_counter() < deadline:
            for case in cases:
                call(case)
            n += len(cases)
        return n / (time.perf_counter() - t0), n

    out = {"corpus_cases": len(cases)}
    out["assess_all_per_s"], out["assess_all_calls"] = rate(lambda c: assess_all(c, kb))
    for g in GUIDELINES:
        out[f"assess_{g}_per_s"], out[f"assess_{g}_calls"] = rate(lambda c, g=g: assess(c, g, kb))
    out.update(first_sight(cases, seconds))
    return out


def first_sight(cases: list, seconds: float) -> dict:
    """``assess_all`` on cases the engine has not seen: each round runs against a freshly loaded
    knowledge base, whose outcome caches start empty (the corpus repeats, so the rounds above
    mostly reuse remembered rule outcomes). The load and the per-knowledge-base preparation are
    done before each round's clock starts; cases within a round still share what they share."""
    from dashboard.assess import assess_all, prepare
    from dashboard.kb import load_knowledge_base

    n, spent = 0, 0.0
    deadline = time.perf_counter() + 2 * seconds
    while time.perf_counter() < deadline or n == 0:
        kb = load_knowledge_base()
        prepare(kb)
        t0 = time.perf_counter()
        for case in cases:
            assess_all(case, kb)
        spent += time.perf_counter() - t0
        n += len(cases)
    return {"assess_all_first_sight_per_s": n / spent, "assess_all_first_sight_calls": n}


def kb_load(samples: int, cpu: int | None) -> dict:
    first, second = [], []
    for _ in range(samples):
        cmd = [sys.executable, "-c", KB_PROBE]
        if cpu is not None and os.path.exists("/usr/bin/taskset"):
            cmd = ["/usr/bin/taskset", "-c", str(cpu), *cmd]
        out = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
        a, b = (float(x) for x in out.stdout.split())
        first.append(a)
        second.append(b)
    return {
        "kb_load_cold_s": first,
        "kb_load_warm_s": second,
        "kb_load_cold_median_s": statistics.median(first),
        "kb_load_warm_median_s": statistics.median(second),
    }


def yaml_parse(rounds: int = 3) -> dict:
    """Where the load goes: the YAML parsing inside ``load_knowledge_base()``, and libyaml on the same text.

    ``dashboard.kb.parse_yaml`` (the loader's one way of reading a file) is wrapped with a timer
    while the knowledge base loads, so this is the parsing of exactly the files the loader reads.
    """
    import yaml

    import dashboard.kb as kb

    texts: list[str] = []
    spent = [0.0]
    original = kb.parse_yaml

    def timed(text: str):
        t0 = time.perf_counter()
        try:
            return original(text)
        finally:
            spent[0] += time.perf_counter() - t0
            texts.append(text)

    in_loader, totals = [], []
    try:
        kb.parse_yaml = timed
        for _ in range(rounds):
            texts.clear()
            spent[0] = 0.0
            t0 = time.perf_counter()
            kb.load_knowledge_base()
            totals.append(time.perf_counter() - t0)
            in_loader.append(spent[0])
    finally:
        kb.parse_yaml = original
    out = {"yaml_texts": len(texts), "yaml_bytes": sum(len(t.encode()) for t in texts)}
    out["yaml_parse_in_loader_s"] = statistics.median(in_loader)
    out["kb_load_in_process_s"] = statistics.median(totals)
    out["yaml_share_of_load"] = statistics.median(y / t for y, t in zip(in_loader, totals, strict=True))
    if texts and getattr(yaml, "__with_libyaml__", False):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for text in texts:
                yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe C loader
            times.append(time.perf_counter() - t0)
        out["yaml_parse_libyaml_s"] = statistics.median(times)
    return out


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cpu = pin_to_one_core()
    result = {"cpu": cpu, "seconds_per_figure": seconds}
    result.update(kb_load(samples, cpu))
    result.update(yaml_parse())
    result.update(throughput(seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
