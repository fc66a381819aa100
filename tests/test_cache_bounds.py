"""Every cache the app keeps between runs holds at most its bound, however many distinct inputs arrive."""

from __future__ import annotations

import gc
import weakref

import pytest

import dashboard.assess as engine
import dashboard.logic as logic
from dashboard.assess import assess_all, cache_sizes
from dashboard.case import Case
from dashboard.kb import KNOWLEDGE_BASES_KEPT, PerKnowledgeBase, default_knowledge_base, load_knowledge_base


def _distinct_cases(n: int) -> list[Case]:
    """Cases whose measurements are all different: new values for every test that reads them."""
    return [
        Case.model_validate({
            "gestational_age": {"weeks": 14 + i % 12, "days": i % 7},
            "fetuses": 1 + i % 2,
            "ultrasound": {"cervical_lengths": [{"gestational_age": {"weeks": 14, "days": 0},
                                                 "cervical_length_mm": round(i * 0.07 % 60, 2)}]},
            "exam": {"cervical_dilation_cm": round(i * 0.017 % 10, 2)},
        })
        for i in range(n)
    ]  # fmt: skip


def test_each_test_remembers_at_most_its_bound_of_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's memory of the values it has seen stays within VALUES_PER_TEST over 600 distinct measurements."""
    monkeypatch.setattr(logic, "VALUES_PER_TEST", 40)
    fresh = load_knowledge_base()
    for case in _distinct_cases(600):
        assess_all(case, fresh)
    sizes = [len(memo) for memo in engine._static(fresh).value_memos]
    assert max(sizes) <= 40 and sum(size >= 20 for size in sizes) >= 3  # bounded, and really in use


def test_results_are_the_same_when_the_value_memory_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for a single remembered value per test, every assessment reads as before."""
    cases = _distinct_cases(40)
    expected = [assess_all(case, load_knowledge_base()).to_dict() for case in cases]
    monkeypatch.setattr(logic, "VALUES_PER_TEST", 1)
    fresh = load_knowledge_base()
    assert [assess_all(case, fresh).to_dict() for case in cases] == expected


def test_the_engine_keeps_only_the_most_recent_knowledge_bases() -> None:
    """Five freshly loaded knowledge bases leave the engine's preparation of the last two only."""
    loaded = [load_knowledge_base() for _ in range(5)]
    for kb in loaded:
        engine.prepare(kb)
    assert len(engine._static) == KNOWLEDGE_BASES_KEPT == 2
    assert cache_sizes()["knowledge_bases"]["largest"] <= KNOWLEDGE_BASES_KEPT
    kept = engine._static.values()
    assert [engine._static(kb) for kb in loaded[-2:]] == kept  # the last two, served without rebuilding
    engine.prepare(default_knowledge_base())  # leave the shipped one prepared for later tests


def test_a_kept_build_holds_its_knowledge_base_until_dropped() -> None:
    """What is kept holds its knowledge base alive (so its id is not reused) and lets go once dropped."""
    memo: PerKnowledgeBase[int] = PerKnowledgeBase(lambda kb: len(kb.rules), keep=2)
    first = load_knowledge_base()
    alive = weakref.ref(first)
    memo(first)
    del first
    gc.collect()
    assert alive() is not None  # still kept: its id cannot pass to a new object
    newer = [load_knowledge_base() for _ in range(2)]
    for kb in newer:
        memo(kb)
    gc.collect()
    assert alive() is None and len(memo) == 2


def test_a_kept_build_never_serves_another_object() -> None:
    """Each knowledge-base object gets what was built from it, never another one's."""
    built: list[object] = []
    memo: PerKnowledgeBase[object] = PerKnowledgeBase(lambda kb: built.append(kb) or kb, keep=1)
    for _ in range(6):  # freed one after another, so ids may well repeat
        kb = load_knowledge_base()
        assert memo(kb) is kb
    assert len(built) == 6 and len(memo) == 1


def test_field_names_are_remembered_within_their_bound() -> None:
    """The engine's memory of field labels and sections stays bounded for any number of distinct paths."""
    for i in range(engine._FIELD_NAMES_KEPT + 300):
        engine._label(f"history.second_trimester_losses[{i}].gestational_age")
        engine._section(f"exam.field_{i}")
    sizes = cache_sizes()
    assert sizes["field_labels"]["largest"] <= engine._FIELD_NAMES_KEPT
    assert sizes["field_sections"]["largest"] <= engine._FIELD_NAMES_KEPT


def test_every_engine_cache_is_within_its_bound_after_many_distinct_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """With small bounds, 400 distinct cases leave every cache cache_sizes reports at or below its bound."""
    monkeypatch.setattr(engine, "_RESULTS_PER_RULE", 30)
    monkeypatch.setattr(logic, "VALUES_PER_TEST", 30)
    fresh = load_knowledge_base()
    for case in _distinct_cases(400):
        assess_all(case, fresh)
    sizes = cache_sizes()
    assert sizes["rule_results"]["bound"] == 30 and sizes["test_values"]["bound"] == 30
    for name, kind in sizes.items():
        assert kind["largest"] <= kind["bound"], name
    engine.prepare(default_knowledge_base())


def test_the_views_memo_stays_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A builder memoised per knowledge base keeps at most MEMO_BOUND results."""
    import dashboard.views as views

    monkeypatch.setattr(views, "MEMO_BOUND", 16)
    square = views.once_per_knowledge_base(lambda kb, n: n * n)
    kb = default_knowledge_base()
    assert [square(kb, n) for n in range(100)] == [n * n for n in range(100)]
    assert 0 < len(square.memo) <= 16  # type: ignore[attr-defined]


def test_the_forest_plot_is_kept_for_the_most_recent_knowledge_bases_only() -> None:
    """The forest plot and its spec are kept for at most two knowledge bases, each its own."""
    from dashboard import charts

    for _ in range(4):
        kb = load_knowledge_base()
        assert charts.forest_spec(kb) == charts.forest_spec(kb)
    assert len(charts._FOREST) <= KNOWLEDGE_BASES_KEPT and len(charts._FOREST_SPEC) <= KNOWLEDGE_BASES_KEPT


def test_the_app_caches_its_knowledge_base_as_a_single_entry() -> None:
    """The Streamlit cache of the knowledge base is bounded to one entry (it takes no arguments)."""
    from dashboard.ui import knowledge_base

    assert knowledge_base._info.max_entries == 1  # type: ignore[attr-defined]  # no public handle in 1.67
