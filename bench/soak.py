"""The soak: does memory stay bounded when the engine and the server meet ever new input?

* **Engine.** ``cases`` distinct valid cases (50,000 by default), made from a seeded random
  generator over the case model (``soak_case``), go through ``dashboard.assess.assess_all`` with
  the default knowledge base, one after the other. Every ``every`` cases: a full ``gc.collect()``,
  then VmRSS (``/proc/self/status``), the memory ``tracemalloc`` sees allocated, and the size of
  every engine cache (``dashboard.assess.cache_sizes``). The bound: after the first
  ``warmup`` cases (the caches fill up), traced memory may grow by at most
  ``ENGINE_GROWTH_BOUND_MB`` over the rest, and no cache may hold more than its bound.
* **Server.** One app server (``tests.browser.helpers.start_streamlit``, as ``bench/run.py``
  starts it); one light-client session (``bench/wsclient.py``) loads Intake and commits
  ``changes`` widget changes (1,000 by default) to its radios, ``None of these`` buttons and
  number inputs, each value new to the session where the widget allows. Server VmRSS
  (median of 3 reads) is taken after the session's first run and every 100 changes; then
  ``sessions`` more sessions each load Intake and commit one change, and stay connected, for the
  memory per session. The bound: ``SERVER_GROWTH_BOUND_MB`` over the second half of the changes.

Both parts report the figures and whether they kept within their bound; a bound passed is
reported (and the exit status is 1), never hidden. ``bench/run.py`` runs the soak as its
``soak`` section; alone:

    python bench/soak.py                       # both parts, the full counts (about 4 minutes)
    python bench/soak.py --cases 2000 --changes 100 --only engine

``tests/test_soak.py`` runs the engine part on 300 cases to prove that it runs (not timed).
"""

from __future__ import annotations

import argparse
import array
import gc
import hashlib
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
for p in (str(BENCH), str(REPO_ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

ENGINE_GROWTH_BOUND_MB = 4.0  # traced memory after the warm-up, over the rest of the cases
SERVER_GROWTH_BOUND_MB = 10.0  # server RSS over the second half of the changes
MB = 1_000_000
MIB = 1.048576  # MB per MiB

TRI = ("present", "absent", "unknown")
RISK_FACTORS = (
    "conization_or_leep", "repeated_mechanical_dilation", "obstetric_cervical_laceration", "mullerian_anomaly",
    "connective_tissue_disorder", "in_utero_des_exposure",
)  # fmt: skip
SYMPTOMS = ("pelvic_pressure", "cramping", "backache", "discharge_change", "mild_contractions")
EXCLUSIONS = ("labour", "bleeding_or_abruption", "ruptured_membranes", "clinical_chorioamnionitis")
FETAL = ("fetal_demise", "lethal_anomaly", "fetal_compromise")
GA_MAX_DAYS = 42 * 7 + 6


# --------------------------------------------------------------------------- distinct cases


def _ga(total_days: int) -> dict[str, int]:
    return {"weeks": total_days // 7, "days": total_days % 7}


def _maybe(rng: random.Random, p_none: float, value: Any) -> Any:
    return None if rng.random() < p_none else value


def _tri(rng: random.Random) -> str:
    return rng.choice(TRI)


def _measure(rng: random.Random, high: float) -> float:
    """A measurement as a clinician might record it: whole, to a tenth, or to a hundredth."""
    return round(rng.uniform(0.0, high), rng.choice((0, 1, 1, 2)))


def soak_case(rng: random.Random) -> dict[str, Any]:
    """One valid case document (case format 2), every field drawn, unknowns included.

    The same draws as ``tests/strategies.py``'s ``case_dicts`` in spirit (scans never after today,
    no cerclage details without a cerclage, no membranes through a closed os), with measurements
    spread over their whole range so that values keep being new to the engine.
    """
    today = _maybe(rng, 0.1, rng.randint(0, GA_MAX_DAYS))
    scans = []
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        day = rng.randint(0, GA_MAX_DAYS if today is None else today)
        scans.append({"gestational_age": _ga(day), "cervical_length_mm": _measure(rng, 60.0)})
    losses = _maybe(rng, 0.3, [
        {"gestational_age": _maybe(rng, 0.2, _ga(rng.randint(13 * 7, 27 * 7 + 6))), "painless": _tri(rng)}
        for _ in range(rng.randint(0, 4))
    ])  # fmt: skip
    births = _maybe(rng, 0.3, [
        {"gestational_age": _maybe(rng, 0.2, _ga(rng.randint(16 * 7, 36 * 7 + 6)))} for _ in range(rng.randint(0, 4))
    ])  # fmt: skip
    prior = _tri(rng)
    details = (
        (rng.choice(("painless_dilation", "history", "ultrasound", "unknown")),
         rng.choice(("transvaginal", "transabdominal", "unknown")), _tri(rng))
        if prior == "present" else ("unknown", "unknown", "unknown")
    )  # fmt: skip
    dilation = _maybe(rng, 0.3, _measure(rng, 10.0))
    membranes = rng.choice(("absent", "unknown")) if dilation == 0 else _tri(rng)
    in_place = _tri(rng)
    cerclage: dict[str, Any] = {"in_place": in_place, "route": "unknown", "indication": "unknown", "placed_at": None}
    if in_place == "present":
        placed = _maybe(rng, 0.3, rng.randint(0, GA_MAX_DAYS if today is None else today))
        cerclage.update(
            route=rng.choice(("transvaginal", "transabdominal", "unknown")),
            indication=rng.choice(("history", "ultrasound", "physical_exam", "unknown")),
            placed_at=None if placed is None else _ga(placed),
        )
    return {
        "format_version": "2",
        "gestational_age": None if today is None else _ga(today),
        "fetuses": _maybe(rng, 0.15, rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 5, 6))),
        "history": {
            "second_trimester_losses": losses,
            "spontaneous_preterm_births": births,
            "prior_cerclage": prior,
            "prior_cerclage_reason": details[0],
            "prior_cerclage_route": details[1],
            "prior_cerclage_failed": details[2],
        },
        "risk_factors": {name: _tri(rng) for name in RISK_FACTORS},
        "symptoms": {name: _tri(rng) for name in SYMPTOMS},
        "exam": {"cervical_dilation_cm": dilation, "membranes_at_or_beyond_os": membranes},
        "ultrasound": {"cervical_lengths": scans, "funneling": _tri(rng)},
        "exclusions": {
            **{name: _tri(rng) for name in EXCLUSIONS},
            "amniocentesis": rng.choice(("infection_found", "no_infection", "not_done", "unknown")),
        },
        "fetal": {name: _tri(rng) for name in FETAL},
        "cerclage": cerclage,
    }


class Seen:
    """Which documents were made already: a fixed-size open-addressing table of 64-bit digests.

    Its memory is taken once, before the first measurement, so checking that every case is new
    adds nothing to the growth the soak measures (a Python set would grow with every case).
    """

    def __init__(self, capacity: int) -> None:
        size = 1 << max(4, (2 * capacity - 1).bit_length())
        self.mask = size - 1
        self.slots = array.array("Q", bytes(8 * size))
        self.count = 0

    def add(self, doc: dict[str, Any]) -> bool:
        """True if ``doc`` is new (and now remembered), False if it was made before."""
        text = json.dumps(doc, sort_keys=True).encode()
        digest = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") or 1
        i = digest & self.mask
        while self.slots[i]:
            if self.slots[i] == digest:
                return False
            i = (i + 1) & self.mask
        if self.count >= self.mask // 2:
            raise OverflowError("more documents than the table was made for")
        self.slots[i] = digest
        self.count += 1
        return True


def distinct_cases(n: int, seed: int = 11):
    """``n`` distinct valid cases, the same ones for the same seed; (case, repeats skipped so far)."""
    from dashboard.case import Case

    rng = random.Random(seed)
    seen = Seen(n)
    made = repeats = 0
    while made < n:
        doc = soak_case(rng)
        if not seen.add(doc):
            repeats += 1
            continue
        made += 1
        yield Case.model_validate(doc), repeats


# --------------------------------------------------------------------------- engine part


def rss_mb(pid: int | str = "self") -> float:
    """VmRSS of a process from /proc, in MB (10⁶ bytes)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MB
    raise RuntimeError(f"no VmRSS for {pid}")


def engine_soak(cases: int = 50_000, every: int = 5_000, warmup: int = 10_000, traced: bool = True) -> dict:
    """Run ``cases`` distinct cases through ``assess_all``; memory and cache sizes every ``every`` cases."""
    from dashboard.assess import assess_all, cache_sizes, prepare
    from dashboard.kb import default_knowledge_base

    kb = default_knowledge_base()
    prepare(kb)
    every = max(1, min(every, cases))
    warmup = min(warmup, cases)
    cases_iter = distinct_cases(cases)
    if traced:
        tracemalloc.start()
    curve: list[dict] = []

    def sample(done: int, repeats: int, elapsed: float) -> None:
        gc.collect()
        point = {"cases": done, "rss_mb": round(rss_mb(), 2), "elapsed_s": round(elapsed, 1)}
        point.update(repeats_skipped=repeats, allocated_blocks=sys.getallocatedblocks())
        if traced:
            point["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / MB, 3)
        point["caches"] = cache_sizes()
        curve.append(point)

    t0 = time.perf_counter()
    try:
        sample(0, 0, 0.0)
        done = repeats = 0
        for case, repeats in cases_iter:
            assess_all(case, kb)
            done += 1
            if done % every == 0 or done == cases or done == warmup:
                sample(done, repeats, time.perf_counter() - t0)
        peak = tracemalloc.get_traced_memory()[1] / MB if traced else None
    finally:
        if traced:
            tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    at_warmup = next(p for p in curve if p["cases"] == warmup)
    end = curve[-1]
    over = {name: c for name, c in end["caches"].items() if c["largest"] > c["bound"]}
    ever_over = sorted({name for p in curve for name, c in p["caches"].items() if c["largest"] > c["bound"]})
    out = {
        "cases": cases,
        "distinct": True,  # by construction: Seen refuses a repeat
        "repeats_skipped": end["repeats_skipped"],
        "warmup_cases": warmup,
        "every": every,
        "tracemalloc": traced,
        "elapsed_s": round(elapsed, 1),
        "cases_per_s": round(cases / elapsed, 1) if elapsed else None,
        "rss_start_mb": curve[0]["rss_mb"],
        "rss_end_mb": end["rss_mb"],
        "rss_growth_mb": round(end["rss_mb"] - curve[0]["rss_mb"], 2),
        "rss_growth_after_warmup_mb": round(end["rss_mb"] - at_warmup["rss_mb"], 2),
        "bound_after_warmup_mb": ENGINE_GROWTH_BOUND_MB,
        "caches_end": end["caches"],
        "caches_over_bound": ever_over,
        "curve": curve,
    }
    if traced:
        out["traced_growth_mb"] = round(end["traced_mb"] - curve[0]["traced_mb"], 3)
        out["traced_growth_after_warmup_mb"] = round(end["traced_mb"] - at_warmup["traced_mb"], 3)
        out["traced_peak_mb"] = round(peak, 3)
        growth = out["traced_growth_after_warmup_mb"]
    else:
        growth = out["rss_growth_after_warmup_mb"]
    out["within_bound"] = growth < ENGINE_GROWTH_BOUND_MB and not over and not ever_over
    return out


# --------------------------------------------------------------------------- server part

INTAKE = "intake"
GUIDELINE_RADIO = "Guideline in use"


def gray_steps(radices: list[int]):
    """Mixed-radix reflected Gray code: each step moves one digit by one, and no state comes twice.

    Yields (digit, new value) until every state has been visited (the product of the radices).
    """
    digits, directions = [0] * len(radices), [1] * len(radices)
    while True:
        for j, radix in enumerate(radices):
            moved = digits[j] + directions[j]
            if 0 <= moved < radix:
                digits[j] = moved
                yield j, moved
                break
            directions[j] = -directions[j]
        else:
            return


def send_value(client: Any, choice: Any, value: Any) -> float:
    """Commit one widget value and wait for the run to finish; seconds from send to script_finished.

    The one place a value is sent: a widget whose kind changes (a number input becoming a text
    input, typed text parsed by the app) is adapted here and in ``wsclient.VALUE_KINDS``.
    """
    return client.change(choice.target, value)


def server_soak(base_url: str, pid: int, changes: int = 1_000, every: int = 100, sessions: int = 20) -> dict:
    """``changes`` widget changes in one session on Intake, then ``sessions`` more sessions; server RSS."""
    import load
    from wsclient import LightClient, learn_choices

    choices = learn_choices(base_url, INTAKE)
    if not choices:
        raise RuntimeError("no radio, selectbox or checkbox on the Intake page")
    # The lowest digits move most: answers from across the page in a fixed shuffled order, and
    # last the sidebar's guideline radio, which changes the view but not the case.
    random.Random(5).shuffle(choices)
    choices.sort(key=lambda choice: choice.label == GUIDELINE_RADIO)
    # Each choice is a digit counted from the value it shows first; the Gray code then makes every
    # change one widget's move to a neighbouring value, and every case the session holds a new one.
    orders = [choice.options[choice.current:] + choice.options[: choice.current] for choice in choices]
    steps = gray_steps([len(order) for order in orders])
    latencies: list[float] = []
    curve: list[tuple[int, float]] = []
    moved: dict[str, int] = {}
    with LightClient(base_url) as client:
        client.run(choices[0].target.page_script_hash)
        start = MIB * load._rss_mib(pid)
        curve.append((0, start))
        t0 = time.perf_counter()
        for i in range(1, changes + 1):
            j, value = next(steps)
            latencies.append(send_value(client, choices[j], orders[j][value]))
            moved[choices[j].label] = moved.get(choices[j].label, 0) + 1
            time.sleep(0.01)
            if i % every == 0 or i == changes:
                curve.append((i, round(rss_mb(pid), 2)))
        elapsed = time.perf_counter() - t0
        end = MIB * load._rss_mib(pid)
    half = min(curve, key=lambda point: abs(point[0] - changes // 2))[1]
    time.sleep(1.0)

    def one_change(c: LightClient, k: int) -> None:
        send_value(c, choices[k % len(choices)], orders[k % len(choices)][1])

    page = choices[0].target.page_script_hash
    rss = load.rss_with_sessions(base_url, pid, page, sessions, one_change)
    before_sessions, after_sessions = MIB * rss[0], MIB * rss[1]
    latencies.sort()
    out = {
        "changes": changes,
        "widgets": len(choices),
        "widgets_moved": moved,
        "kinds": sorted({choice.element for choice in choices}),
        "elapsed_s": round(elapsed, 1),
        "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "latency_p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "rss_start_mb": round(start, 2),
        "rss_end_mb": round(end, 2),
        "rss_growth_mb": round(end - start, 2),
        "rss_growth_second_half_mb": round(end - half, 2),
        "bound_second_half_mb": SERVER_GROWTH_BOUND_MB,
        "sessions": sessions,
        "rss_before_sessions_mb": round(before_sessions, 2),
        "rss_after_sessions_mb": round(after_sessions, 2),
        "per_session_mb": round((after_sessions - before_sessions) / sessions, 3) if sessions else None,
        "curve": curve,
    }
    out["within_bound"] = out["rss_growth_second_half_mb"] < SERVER_GROWTH_BOUND_MB
    return out


def run_server_soak(changes: int, sessions: int) -> dict:
    """The server part against a fresh app server, started as ``bench/run.py`` starts its servers."""
    from tests.browser.helpers import APP_SCRIPT, start_streamlit

    server = start_streamlit(APP_SCRIPT)
    try:
        return server_soak(server.url, server.proc.pid, changes, sessions=sessions)
    finally:
        server.stop()


# --------------------------------------------------------------------------- command


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("engine", "server"), help="run one part only")
    ap.add_argument("--cases", type=int, default=50_000, help="distinct cases through the engine")
    ap.add_argument("--every", type=int, default=5_000, help="cases between samples")
    ap.add_argument("--warmup", type=int, default=10_000, help="cases before the bound applies")
    ap.add_argument("--no-tracemalloc", action="store_true", help="RSS only (about 7x faster)")
    ap.add_argument("--changes", type=int, default=1_000, help="widget changes through the server")
    ap.add_argument("--sessions", type=int, default=20, help="extra sessions for the memory per session")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "soak.json")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {}
    if args.only in (None, "engine"):
        result["engine"] = engine_soak(args.cases, args.every, args.warmup, traced=not args.no_tracemalloc)
    if args.only in (None, "server"):
        result["server"] = run_server_soak(args.changes, args.sessions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({part: {k: v for k, v in r.items() if k != "curve"} for part, r in result.items()}, indent=2))
    return 0 if all(r["within_bound"] for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
