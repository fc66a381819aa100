"""The benchmark's soak runs: its engine part, on 300 distinct cases (the figures come from bench/soak.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SOAK = Path(__file__).resolve().parents[1] / "bench" / "soak.py"


def _soak():
    spec = importlib.util.spec_from_file_location("bench_soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_soak_makes_distinct_valid_cases_the_same_way_each_time() -> None:
    """The soak's generator gives the same 300 distinct, valid cases for the same seed."""
    soak = _soak()
    first = [case.model_dump_json() for case, _ in soak.distinct_cases(300, seed=3)]
    again = [case.model_dump_json() for case, _ in soak.distinct_cases(300, seed=3)]
    assert first == again and len(set(first)) == 300


def test_the_engine_soak_runs_and_reports_memory_and_cache_sizes() -> None:
    """300 cases through the engine soak: memory sampled at intervals, every cache within its bound."""
    result = _soak().engine_soak(cases=300, every=100, warmup=100, traced=True)
    assert [point["cases"] for point in result["curve"]] == [0, 100, 200, 300]
    assert {"rss_growth_after_warmup_mb", "traced_growth_after_warmup_mb", "caches_end"} <= result.keys()
    assert result["caches_over_bound"] == []
    assert result["caches_end"]["rule_results"]["entries"] > 0


def test_gray_steps_move_one_widget_at_a_time_and_never_repeat_a_state() -> None:
    """Each step of the server soak's plan changes one widget to a neighbouring value; no state comes twice."""
    soak = _soak()
    digits, seen = [0, 0, 0], {(0, 0, 0)}
    for j, value in soak.gray_steps([3, 2, 4]):
        assert abs(value - digits[j]) == 1
        digits[j] = value
        seen.add(tuple(digits))
    assert len(seen) == 3 * 2 * 4
