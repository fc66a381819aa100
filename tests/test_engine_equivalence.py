"""The engine's fast paths give exactly what the plain definitions give.

The engine caches each test's answer per fact value and each rule's result per input, settles
a guideline's rules in one pass and fills its frozen result objects without their field-by-field
constructor. None of that may change a single answer, trace line or field, so each is checked
here against the reference: the interpreter ``logic.evaluate`` and the dataclasses' own
constructors.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from dashboard.assess import Assessment, RuleTrace, _Evaluator, _static, assess, assess_all
from dashboard.case import Case, case_from_json
from dashboard.facts import compute_facts
from dashboard.kb import GUIDELINES, KnowledgeBase, default_knowledge_base, load_knowledge_base
from dashboard.logic import Used, evaluate
from tests.strategies import cases

KB = default_knowledge_base()
SCENARIOS = [case_from_json(p.read_bytes()) for p in sorted((Path(__file__).parent / "scenarios").glob("*.json"))]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dataclasses_in(value: Any) -> list[Any]:
    """Every dataclass instance inside an assessment, depth first."""
    out = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(value)
        for f in dataclasses.fields(value):
            out += _dataclasses_in(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            out += _dataclasses_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            out += _dataclasses_in(item)
    return out


def _reference(kb: KnowledgeBase, case: Case) -> Any:
    """A function giving a rule's trace lines as the reference interpreter reads them."""
    facts = compute_facts(case)
    memo: dict[str, Any] = {}

    def outcome(ref: str) -> Any:
        if ref not in memo:
            memo[ref] = evaluate(kb.conditions[ref], facts, outcome, [])
        return memo[ref]

    def lines(rule_id: str) -> list[tuple[str, str, str, bool | None]]:
        used: list[Used] = []
        evaluate(kb.conditions[rule_id], facts, outcome, used)
        return [(u.label, u.needs, u.value, u.result) for u in used]

    return lines


def _check_case(kb: KnowledgeBase, case: Case) -> None:
    result = assess_all(case, kb)
    for obj in _dataclasses_in(result):
        names = [f.name for f in dataclasses.fields(obj)]
        assert sorted(vars(obj)) == sorted(names), type(obj).__name__
        assert dataclasses.replace(obj) == obj, type(obj).__name__
    verdict = {True: "met", False: "not_met", None: "insufficient_data"}
    reference = _reference(kb, case)
    for trace in (o for o in _dataclasses_in(result) if isinstance(o, RuleTrace)):
        expected = [(label, needs, value, verdict[r]) for label, needs, value, r in reference(trace.rule_id)]
        assert [(v.label, v.needs, v.value, v.result) for v in trace.values] == expected, trace.rule_id


def test_fast_paths_match_the_reference_on_every_scenario() -> None:
    """Trace lines and result objects on every scenario case equal their reference definitions."""
    for case in SCENARIOS:
        _check_case(KB, case)


@PROPERTY
@given(case=cases())
def test_fast_paths_match_the_reference_on_generated_cases(case: Case) -> None:
    """Trace lines and result objects on generated cases equal their reference definitions."""
    _check_case(KB, case)


def test_results_do_not_depend_on_which_cases_came_before() -> None:
    """A case gives the same assessment with a freshly loaded knowledge base as after the whole corpus."""
    warm = [json.dumps(assess_all(case, KB).to_dict()) for case in SCENARIOS]
    for case in reversed(SCENARIOS):
        assess_all(case, KB)
    fresh = load_knowledge_base()
    assert [json.dumps(assess_all(case, fresh).to_dict()) for case in SCENARIOS] == warm


def test_each_guideline_alone_matches_its_part_of_assess_all() -> None:
    """assess(case, g) on a fresh evaluator equals the same guideline inside assess_all, on every scenario."""
    for case in SCENARIOS:
        together = assess_all(case, KB)
        for g in GUIDELINES:
            alone: Assessment = assess(case, g, KB)
            assert json.dumps(alone.to_dict()) == json.dumps(together.guidelines[g].to_dict())


def test_one_pass_settles_every_rule_a_guideline_asks_about() -> None:
    """Each guideline's rule order lists a rule only after the rules its condition refers to."""
    static = _static(KB)
    for plan in static.plans.values():
        seen: set[str] = set()
        for rule_id in plan.order:
            assert set(static.refs[rule_id]) <= seen, rule_id
            seen.add(rule_id)


def test_evaluator_outcome_agrees_with_the_settled_pass() -> None:
    """Asking one rule at a time gives the same outcomes as settling a guideline's rules in one pass."""
    static = _static(KB)
    for case in SCENARIOS:
        for plan in static.plans.values():
            one_pass = _Evaluator(KB, case).settle(plan)
            single = _Evaluator(KB, case)
            assert {rule_id: single.outcome(rule_id) for rule_id in plan.order} == {r: one_pass[r] for r in plan.order}


def test_results_are_the_same_when_the_per_rule_memory_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for a single remembered result per rule, every scenario is assessed exactly as before."""
    import dashboard.assess as engine

    expected = [json.dumps(assess_all(case, KB).to_dict()) for case in SCENARIOS]
    monkeypatch.setattr(engine, "_RESULTS_PER_RULE", 1)
    fresh = load_knowledge_base()
    assert [json.dumps(assess_all(case, fresh).to_dict()) for case in SCENARIOS] == expected


def test_the_per_rule_memory_never_holds_more_than_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived server meets ever new cases: each rule remembers at most its bound of results,
    however many distinct cases go through (here 600 against a bound of 50)."""
    import dashboard.assess as engine

    monkeypatch.setattr(engine, "_RESULTS_PER_RULE", 50)
    fresh = load_knowledge_base()
    for n in range(600):
        doc = {
            "gestational_age": {"weeks": 14 + n % 12, "days": n % 7},
            "fetuses": 1,
            "ultrasound": {"cervical_lengths": [{"gestational_age": {"weeks": 14, "days": 0},
                                                 "cervical_length_mm": 10 + (n % 400) / 10}]},
            "exam": {"cervical_dilation_cm": (n % 20) / 2},
        }  # fmt: skip
        assess_all(Case.model_validate(doc), fresh)
    sizes = [len(results) for results in _static(fresh).results.values()]
    assert max(sizes) <= 50 and sum(sizes) > 50 * 3  # bounded, and the memory was really in use
