"""Guideline rules, one by one: every condition can be met and missed, and the thresholds sit where
the guidelines put them.

The generic tests build their cases from each rule's parsed condition (tests/strategies.py,
``case_for_outcome``); the hand-written ones pin the clinical boundaries a reviewer would check
first: 25 mm (ACOG below, RCOG and NICE at or below), 24+0, 34+0, 16+0, three pregnancies for
RCOG, 1 cm of dilation and the edges of the second trimester.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.assess import _Evaluator, assess
from dashboard.case import case_from_dict
from dashboard.kb import GUIDELINES, KnowledgeBase, default_knowledge_base
from dashboard.logic import Truth
from tests.strategies import births, case_for_outcome, ga, scan

_KB = default_knowledge_base()
SCENARIOS = Path(__file__).parent / "scenarios"
CONDITIONAL_RULES = [r.id for r in _KB.rules if _KB.conditions[r.id] is not None]
UNCONDITIONAL_RULES = [r.id for r in _KB.rules if _KB.conditions[r.id] is None]


def outcome(kb: KnowledgeBase, rule_id: str, **doc: Any) -> Truth:
    """The rule's outcome on the case file ``doc`` (True met, False not met, None undecided)."""
    return _Evaluator(kb, case_from_dict(doc)).outcome(rule_id)


# A singleton at 25+0 with an earlier spontaneous preterm birth at 30+0 and one cervical-length scan.
def with_history_and_scan(mm: float, at: str = "20+0", **history: Any) -> dict[str, Any]:
    return {
        "gestational_age": ga("25+0"),
        "fetuses": 1,
        "history": {"painless_second_trimester_losses": [], "spontaneous_preterm_births": births("30+0")} | history,
        "ultrasound": {"cervical_lengths": [scan(at, mm)]},
    }


# Painless dilation at 20 weeks in a live singleton, every exclusion known to be absent.
def acute_picture(at: str = "20+0", dilation_cm: float = 2.0, membranes: str = "absent") -> dict[str, Any]:
    return {
        "gestational_age": ga(at),
        "fetuses": 1,
        "exam": {"cervical_dilation_cm": dilation_cm, "membranes_at_or_beyond_os": membranes},
        "exclusions": {
            "labour": "absent",
            "bleeding_or_abruption": "absent",
            "ruptured_membranes": "absent",
            "clinical_chorioamnionitis": "absent",
            "amniocentesis": "not_done",
        },
        "fetal": {"fetal_demise": "absent", "lethal_anomaly": "absent", "fetal_compromise": "absent"},
    }


# --------------------------------------------------------------------------- every rule


@pytest.mark.parametrize("rule_id", CONDITIONAL_RULES)
def test_rule_is_met_on_a_case_built_from_its_condition(kb: KnowledgeBase, rule_id: str) -> None:
    """A case built to satisfy the rule's condition makes the rule met."""
    case = case_for_outcome(kb, rule_id, want=True)
    assert _Evaluator(kb, case).outcome(rule_id) is True


@pytest.mark.parametrize("rule_id", CONDITIONAL_RULES)
def test_rule_is_not_met_on_a_case_built_to_miss_its_condition(kb: KnowledgeBase, rule_id: str) -> None:
    """A case built to violate the rule's condition makes the rule not met (not merely undecided)."""
    case = case_for_outcome(kb, rule_id, want=False)
    assert _Evaluator(kb, case).outcome(rule_id) is False


@pytest.mark.parametrize("rule_id", UNCONDITIONAL_RULES)
def test_rule_without_condition_is_an_otherwise_status_a_definition_or_a_window(
    kb: KnowledgeBase, rule_id: str
) -> None:
    """A rule without a condition is a definition, a timing window or an 'otherwise' treatment status."""
    rule = kb.rule(rule_id)
    assert rule.kind in ("definition", "timing_window", "treatment_status")
    if rule.kind == "treatment_status":
        for treatment in rule.treatments or []:
            for guideline in GUIDELINES if rule.guideline == "all" else (rule.guideline,):
                tried = sorted(
                    (r for r in kb.rules_of("treatment_status", guideline) if treatment in (r.treatments or [])),
                    key=lambda r: r.priority,
                )
                assert tried[-1].id == rule_id, f"{rule_id} is not the last status tried for {treatment} ({guideline})"


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_every_treatment_status_list_ends_with_an_unconditional_rule(kb: KnowledgeBase, guideline: str) -> None:
    """For every treatment under every guideline the last status rule tried has no condition."""
    for treatment in kb.treatments:
        tried = sorted(
            (r for r in kb.rules_of("treatment_status", guideline) if treatment in (r.treatments or [])),
            key=lambda r: r.priority,
        )
        assert tried, f"no status rule for {treatment} under {guideline}"
        assert kb.conditions[tried[-1].id] is None, f"{treatment} under {guideline} can end without a status"


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_status_rules_for_one_treatment_have_distinct_priorities(kb: KnowledgeBase, guideline: str) -> None:
    """No two status rules for the same treatment and guideline share a priority, so order never rests on file order."""
    for treatment in kb.treatments:
        priorities = [
            r.priority for r in kb.rules_of("treatment_status", guideline) if treatment in (r.treatments or [])
        ]
        assert len(priorities) == len(set(priorities)), f"{treatment} under {guideline}: {sorted(priorities)}"


# --------------------------------------------------------------------------- cervical length: 25 mm


@pytest.mark.parametrize(("mm", "met"), [(24.9, True), (25.0, False)])
def test_acog_ultrasound_indication_needs_a_cervix_below_25_mm(kb: KnowledgeBase, mm: float, met: bool) -> None:
    """ACOG's ultrasound-indicated cerclage needs a cervix below 25 mm: 24.9 qualifies, 25 does not."""
    assert outcome(kb, "ACOG-USI", **with_history_and_scan(mm)) is met


@pytest.mark.parametrize(("mm", "met"), [(25.0, True), (25.1, False)])
def test_rcog_ultrasound_indication_takes_25_mm_or_less(kb: KnowledgeBase, mm: float, met: bool) -> None:
    """RCOG's ultrasound-indicated cerclage takes a cervix of 25 mm or less: 25 qualifies, 25.1 does not."""
    assert outcome(kb, "RCOG-USI", **with_history_and_scan(mm)) is met


@pytest.mark.parametrize(("mm", "met"), [(25.0, True), (25.1, False)])
def test_nice_ultrasound_indication_takes_25_mm_or_less(kb: KnowledgeBase, mm: float, met: bool) -> None:
    """NICE's prophylactic cerclage or progesterone takes a cervix of 25 mm or less: 25 qualifies, 25.1 does not."""
    assert outcome(kb, "NICE-USI", **with_history_and_scan(mm)) is met


@pytest.mark.parametrize(
    ("rule_id", "mm", "short"),
    [
        ("ACOG-SHORT-CERVIX", 24.9, True),
        ("ACOG-SHORT-CERVIX", 25.0, False),
        ("RCOG-SHORT-CERVIX", 25.0, True),
        ("RCOG-SHORT-CERVIX", 25.1, False),
        ("NICE-SHORT-CERVIX", 25.0, True),
        ("NICE-SHORT-CERVIX", 25.1, False),
    ],
)
def test_short_cervix_threshold_follows_each_guideline(kb: KnowledgeBase, rule_id: str, mm: float, short: bool) -> None:
    """The short-cervix finding is below 25 mm for ACOG and 25 mm or less for RCOG and NICE."""
    assert outcome(kb, rule_id, **with_history_and_scan(mm)) is short


def test_acog_ultrasound_indication_without_a_scan_is_undecided(kb: KnowledgeBase) -> None:
    """With no scan recorded the ACOG ultrasound indication is undecided, never read as not met."""
    doc = with_history_and_scan(20.0)
    doc["ultrasound"] = {"cervical_lengths": []}
    assert outcome(kb, "ACOG-USI", **doc) is None


# --------------------------------------------------------------------------- when the scan was taken


@pytest.mark.parametrize("rule_id", ["ACOG-USI", "RCOG-USI", "ACOG-SHORT-CERVIX", "RCOG-SHORT-CERVIX"])
@pytest.mark.parametrize(("scan_at", "met"), [("23+6", True), ("24+0", False)])
def test_before_24_weeks_means_up_to_23_plus_6(kb: KnowledgeBase, rule_id: str, scan_at: str, met: bool) -> None:
    """A short scan at 23+6 counts as 'before 24 weeks'; one at 24+0 does not (an earlier 30 mm scan decides)."""
    doc = with_history_and_scan(30.0, at="18+0")
    doc["ultrasound"]["cervical_lengths"].append(scan(scan_at, 20.0))
    assert outcome(kb, rule_id, **doc) is met


@pytest.mark.parametrize(("scan_at", "met"), [("15+6", False), ("16+0", True), ("24+0", True), ("24+1", False)])
def test_nice_scan_window_is_16_plus_0_to_24_plus_0_inclusive(kb: KnowledgeBase, scan_at: str, met: bool) -> None:
    """NICE counts a short scan from 16+0 to 24+0 inclusive, and not at 15+6 or 24+1."""
    doc = with_history_and_scan(30.0, at="18+0")
    doc["ultrasound"]["cervical_lengths"].append(scan(scan_at, 20.0))
    assert outcome(kb, "NICE-USI", **doc) is met


# --------------------------------------------------------------------------- the qualifying history


@pytest.mark.parametrize(("birth_at", "met"), [("33+6", True), ("34+0", False)])
def test_acog_needs_a_preterm_birth_before_34_weeks(kb: KnowledgeBase, birth_at: str, met: bool) -> None:
    """ACOG's ultrasound indication needs a spontaneous preterm birth before 34+0: 33+6 counts, 34+0 does not."""
    doc = with_history_and_scan(20.0, spontaneous_preterm_births=births(birth_at))
    assert outcome(kb, "ACOG-USI", **doc) is met


@pytest.mark.parametrize(("birth_at", "met"), [("34+0", True), ("34+1", False)])
def test_nice_takes_a_preterm_birth_up_to_34_weeks(kb: KnowledgeBase, birth_at: str, met: bool) -> None:
    """NICE takes an earlier spontaneous preterm birth up to 34+0: 34+0 counts, 34+1 does not."""
    doc = with_history_and_scan(20.0, spontaneous_preterm_births=births(birth_at))
    assert outcome(kb, "NICE-USI", **doc) is met


@pytest.mark.parametrize(("loss_at", "met"), [("15+6", False), ("16+0", True)])
def test_nice_takes_a_mid_trimester_loss_from_16_weeks(kb: KnowledgeBase, loss_at: str, met: bool) -> None:
    """NICE takes an earlier mid-trimester loss from 16+0: a loss at 15+6 does not count, one at 16+0 does."""
    doc = with_history_and_scan(20.0, spontaneous_preterm_births=[], painless_second_trimester_losses=births(loss_at))
    assert outcome(kb, "NICE-USI", **doc) is met


@pytest.mark.parametrize(
    ("losses", "preterm_births", "met"),
    [
        (births("20+0"), births("30+0"), False),
        (births("20+0", "22+0"), [], False),
        (births("20+0", "22+0"), births("30+0"), True),
        (births("18+0", "20+0", "22+0"), [], True),
    ],
    ids=["two-mixed", "two-losses", "three-mixed", "three-losses"],
)
def test_rcog_history_indication_needs_three_preterm_births_or_losses(
    kb: KnowledgeBase, losses: list[Any], preterm_births: list[Any], met: bool
) -> None:
    """RCOG's history-indicated cerclage needs three or more preterm births or losses; two is not enough."""
    history = {"painless_second_trimester_losses": losses, "spontaneous_preterm_births": preterm_births}
    doc = {"fetuses": 1, "history": history}
    assert outcome(kb, "RCOG-HIC", **doc) is met


def test_rcog_three_losses_with_preterm_births_unknown_is_met(kb: KnowledgeBase) -> None:
    """Three losses meet RCOG's threshold even when preterm births are not known: at least three is enough."""
    doc = {"fetuses": 1, "history": {"painless_second_trimester_losses": births("18+0", "20+0", "22+0")}}
    assert outcome(kb, "RCOG-HIC", **doc) is True


def test_rcog_two_losses_with_preterm_births_unknown_is_undecided(kb: KnowledgeBase) -> None:
    """Two losses with preterm births not known leave RCOG's history indication undecided."""
    doc = {"fetuses": 1, "history": {"painless_second_trimester_losses": births("18+0", "20+0")}}
    assert outcome(kb, "RCOG-HIC", **doc) is None


@pytest.mark.parametrize(("fetuses", "met"), [(1, True), (2, False)])
def test_acog_history_indication_is_for_singletons(kb: KnowledgeBase, fetuses: int, met: bool) -> None:
    """ACOG's history-indicated cerclage applies to a singleton and not to twins."""
    doc = {"fetuses": fetuses, "history": {"painless_second_trimester_losses": births("20+0")}}
    assert outcome(kb, "ACOG-HIC", **doc) is met


def test_twins_with_a_painless_loss_are_not_offered_acog_history_indicated_cerclage(kb: KnowledgeBase) -> None:
    """Twins with an earlier painless loss get no ACOG history indication and the option is not recommended."""
    case = case_from_dict(
        {"gestational_age": ga("13+0"), "fetuses": 2, "history": {"painless_second_trimester_losses": births("20+0")}}
    )
    result = assess(case, "acog", kb)
    status = {t.treatment: t.status for t in result.treatments}["history_indicated_cerclage"]
    assert (result.cerclage.indication, status) == ("none", "not_recommended")


# --------------------------------------------------------------------------- examination


@pytest.mark.parametrize(("dilation_cm", "met"), [(1.0, False), (1.5, True)])
def test_dilation_criterion_needs_more_than_1_cm(kb: KnowledgeBase, dilation_cm: float, met: bool) -> None:
    """With membranes not at the os, 1.5 cm of dilation meets the examination criterion; a 1 cm os does not."""
    assert outcome(kb, "DX-PE-DILATION", **acute_picture(dilation_cm=dilation_cm)) is met


@pytest.mark.parametrize(("dilation_cm", "met"), [(1.0, False), (1.5, True)])
def test_examination_indicated_cerclage_needs_more_than_1_cm(kb: KnowledgeBase, dilation_cm: float, met: bool) -> None:
    """Examination-indicated cerclage under ACOG needs more than 1 cm of dilation (or exposed membranes)."""
    assert outcome(kb, "ACOG-PEI", **acute_picture(dilation_cm=dilation_cm)) is met


@pytest.mark.parametrize("rule_id", ["RCOG-PEI", "NICE-PEI"])
@pytest.mark.parametrize(("membranes", "met"), [("absent", False), ("present", True)])
def test_rescue_cerclage_needs_exposed_membranes(kb: KnowledgeBase, rule_id: str, membranes: str, met: bool) -> None:
    """RCOG's emergency and NICE's rescue cerclage are for exposed membranes: dilation alone does not meet them."""
    picture = acute_picture(dilation_cm=2.0)
    picture["exam"]["membranes_at_or_beyond_os"] = membranes
    assert outcome(kb, rule_id, **picture) is met


@pytest.mark.parametrize(("today", "met"), [("13+6", False), ("14+0", True), ("27+6", True), ("28+0", False)])
def test_second_trimester_runs_from_14_plus_0_to_27_plus_6(kb: KnowledgeBase, today: str, met: bool) -> None:
    """The examination pathway's second trimester is 14+0 to 27+6: 13+6 and 28+0 fall outside it."""
    assert outcome(kb, "DX-PE-SECOND-TRIMESTER", **acute_picture(at=today)) is met


@pytest.mark.parametrize("rule_id", ["ACOG-PEI", "RCOG-PEI", "NICE-PEI"])
@pytest.mark.parametrize(("today", "met"), [("13+6", False), ("14+0", True), ("27+6", True), ("28+0", False)])
def test_examination_indicated_cerclage_window_is_14_plus_0_to_27_plus_6(
    kb: KnowledgeBase, rule_id: str, today: str, met: bool
) -> None:
    """Examination-indicated cerclage is indicated from 14+0 to 27+6 and not at 13+6 or 28+0."""
    picture = acute_picture(at=today)
    picture["exam"]["membranes_at_or_beyond_os"] = "present"
    assert outcome(kb, rule_id, **picture) is met


@pytest.mark.parametrize(("today", "too_late"), [("27+6", False), ("28+0", True)])
def test_cerclage_is_too_late_from_28_plus_0(kb: KnowledgeBase, today: str, too_late: bool) -> None:
    """Cerclage options become not applicable from 28+0 weeks, not at 27+6."""
    assert outcome(kb, "TX-CERCLAGE-TOO-LATE", gestational_age=ga(today)) is too_late


def test_compiled_conditions_agree_with_the_interpreter(kb: KnowledgeBase) -> None:
    """The engine's compiled conditions give the same outcome and trace as the reference interpreter on every scenario."""
    import glob

    from dashboard.assess import _static
    from dashboard.case import case_from_json
    from dashboard.facts import compute_facts
    from dashboard.logic import evaluate

    compiled = _static(kb).compiled
    for path in sorted(glob.glob(str(Path(__file__).parent / "scenarios" / "*.json"))):
        facts = compute_facts(case_from_json(Path(path).read_bytes()))
        memo: dict[str, object] = {}

        def outcome(rule_id: str) -> object:
            if rule_id not in memo:
                memo[rule_id] = evaluate(kb.conditions[rule_id], facts, outcome, [])
            return memo[rule_id]

        for rule in kb.rules:
            used_a: list = []
            used_b: list = []
            a = evaluate(kb.conditions[rule.id], facts, outcome, used_a)
            b = compiled[rule.id](facts, outcome, used_b)
            assert (a, used_a) == (b, used_b), f"{path}: {rule.id}"


# --------------------------------------------------------------------------- statuses chosen


def failed_transvaginal_cerclage(loss_at: str) -> dict[str, Any]:
    """A history of one painless loss despite a history-indicated transvaginal cerclage."""
    return {
        "painless_second_trimester_losses": [{"gestational_age": ga(loss_at)}],
        "spontaneous_preterm_births": [],
        "prior_cerclage": "present",
        "prior_cerclage_reason": "history",
        "prior_cerclage_route": "transvaginal",
        "prior_cerclage_failed": "present",
    }


def status_rule(kb: KnowledgeBase, guideline: str, treatment: str, **doc: Any) -> tuple[str, str]:
    """The status and the rule that set it for one treatment under one guideline."""
    [t] = [t for t in assess(case_from_dict(doc), guideline, kb).treatments if t.treatment == treatment]
    return t.status, t.rule_id


@pytest.mark.parametrize("guideline", GUIDELINES)
@pytest.mark.parametrize(("fetuses", "rule"), [(1, "TX-PEI-CONSIDER"), (2, "TX-PEI-MULTIPLE")])
def test_rescue_cerclage_in_twins_gives_the_twin_evidence(
    kb: KnowledgeBase, guideline: str, fetuses: int, rule: str
) -> None:
    """Twins with the rescue picture get the twin evidence under every guideline, not the singleton statement."""
    picture = acute_picture(membranes="present")
    picture["fetuses"] = fetuses
    assert status_rule(kb, guideline, "physical_exam_indicated_cerclage", **picture) == (
        "consider",
        f"{guideline.upper()}-{rule}",
    )


@pytest.mark.parametrize("guideline", GUIDELINES)
@pytest.mark.parametrize("treatment", ["history_indicated_cerclage", "ultrasound_indicated_cerclage"])
def test_a_planned_cerclage_gives_way_once_the_cervix_has_opened(
    kb: KnowledgeBase, guideline: str, treatment: str
) -> None:
    """With a qualifying history and short cervix but the cervix now 2 cm, planned cerclage is not applicable."""
    picture = acute_picture(membranes="present")
    picture["history"] = {
        "painless_second_trimester_losses": [{"gestational_age": ga("19+0")}],
        "spontaneous_preterm_births": [{"gestational_age": ga("30+0")}],
    }
    picture["ultrasound"] = {"cervical_lengths": [scan("19+0", 15.0)]}
    expected = PLANNED_GIVES_WAY[guideline]
    if guideline == "nice" and treatment == "history_indicated_cerclage":
        expected = "NICE-TX-HIC"  # not part of NG25 at all
    assert status_rule(kb, guideline, treatment, **picture) == ("not_applicable", expected)


# The rule that closes a planned cerclage once the membranes are exposed, per guideline.
PLANNED_GIVES_WAY = {"acog": "TX-PLANNED-CERCLAGE-ACUTE", "rcog": "RCOG-TX-PLANNED-ACUTE", "nice": "NICE-TX-PLANNED-ACUTE"}


@pytest.mark.parametrize(("guideline", "status", "rule"), [
    ("rcog", "consider", "RCOG-TX-USI-RECOMMENDED"),
    ("nice", "recommended", "NICE-TX-USI-CHOICE"),
])  # fmt: skip
def test_a_dilated_cervix_without_exposed_membranes_is_no_dead_end_in_the_uk(
    kb: KnowledgeBase, guideline: str, status: str, rule: str
) -> None:
    """2 cm, membranes not exposed, earlier preterm birth and 18 mm at 20+0: RCOG and NICE keep their ultrasound route."""
    picture = acute_picture(membranes="absent")
    picture["history"] = {"painless_second_trimester_losses": [], "spontaneous_preterm_births": [{"gestational_age": ga("28+0")}]}
    picture["ultrasound"] = {"cervical_lengths": [scan("20+0", 18.0)]}
    assert status_rule(kb, guideline, "ultrasound_indicated_cerclage", **picture) == (status, rule)
    line = assess(case_from_dict(picture), guideline, kb).bottom_line
    assert "ultrasound_indicated_cerclage" in [o.treatment for o in line.offered]


@pytest.mark.parametrize(("today", "status"), [("13+6", "consider"), ("14+0", "not_applicable")])
@pytest.mark.parametrize("guideline", GUIDELINES)
def test_transabdominal_cerclage_belongs_before_14_weeks(
    kb: KnowledgeBase, guideline: str, today: str, status: str
) -> None:
    """After a failed transvaginal cerclage, transabdominal cerclage is an option before 14 weeks, not after."""
    doc = acute_picture(at=today, dilation_cm=0.0)
    doc["history"] = failed_transvaginal_cerclage(loss_at="22+0")
    assert status_rule(kb, guideline, "transabdominal_cerclage", **doc)[0] == status


def test_acog_ultrasound_indication_counts_a_short_cervix_found_before_16_weeks(kb: KnowledgeBase) -> None:
    """ACOG's window is 'before 24 weeks' with no lower bound: a 20 mm cervix at 15+0 meets it."""
    doc = with_history_and_scan(20.0, at="15+0")
    doc["gestational_age"] = ga("15+2")
    assert outcome(kb, "ACOG-USI", **doc) is True


def test_smfm_progesterone_applies_after_a_painless_loss_before_20_weeks(kb: KnowledgeBase) -> None:
    """A painless loss at 18 weeks is not a US preterm birth: a 15 mm cervix at 20 weeks gets progesterone recommended."""
    doc = {
        "gestational_age": ga("20+0"),
        "fetuses": 1,
        "history": {
            "painless_second_trimester_losses": [{"gestational_age": ga("18+0")}],
            "spontaneous_preterm_births": [],
        },
        "ultrasound": {"cervical_lengths": [scan("20+0", 15.0)]},
    }
    assert status_rule(kb, "acog", "vaginal_progesterone", **doc) == ("recommended", "ACOG-TX-VP-SHORT-20")


# --------------------------------------------------------------------------- what is missing


def missing_fields(doc: dict[str, Any]) -> set[str]:
    return {m.field for g in GUIDELINES for m in assess(case_from_dict(doc), g).missing}


def test_details_of_an_earlier_cerclage_are_not_asked_before_the_cerclage_itself() -> None:
    """With 'cerclage in an earlier pregnancy' unknown, that question is missing, not its hidden details."""
    missing = missing_fields({"gestational_age": ga("12+0"), "fetuses": 1})
    assert "history.prior_cerclage" in missing
    assert not missing & {
        "history.prior_cerclage_reason",
        "history.prior_cerclage_route",
        "history.prior_cerclage_failed",
    }


def test_details_of_a_known_earlier_cerclage_are_asked() -> None:
    """Once an earlier cerclage is known, its unknown reason, route and outcome are listed as missing."""
    missing = missing_fields({"gestational_age": ga("12+0"), "fetuses": 1, "history": {"prior_cerclage": "present"}})
    assert {"history.prior_cerclage_reason", "history.prior_cerclage_route", "history.prior_cerclage_failed"} <= missing


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_transabdominal_cerclage_gives_way_once_the_cervix_has_opened(kb: KnowledgeBase, guideline: str) -> None:
    """After a failed transvaginal cerclage, an open cervix at 13 weeks makes transabdominal cerclage not applicable."""
    doc = acute_picture(at="13+0", membranes="present")
    doc["history"] = failed_transvaginal_cerclage(loss_at="21+0")
    assert status_rule(kb, guideline, "transabdominal_cerclage", **doc) == ("not_applicable", PLANNED_GIVES_WAY[guideline])


def test_a_relative_contraindication_is_named_in_the_reason_of_a_cerclage_to_consider(kb: KnowledgeBase) -> None:
    """Fetal compromise blocks nothing, but a cerclage still open to consideration says it needs senior review."""
    picture = acute_picture(membranes="present")
    picture["fetal"]["fetal_compromise"] = "present"
    [t] = [
        t
        for t in assess(case_from_dict(picture), "acog", kb).treatments
        if t.treatment == "physical_exam_indicated_cerclage"
    ]
    assert t.status == "consider"
    assert "Relative contraindication present (Fetal compromise)" in t.reason


def test_a_contraindicated_cerclage_is_not_a_disagreement_between_guidelines(kb: KnowledgeBase) -> None:
    """After fetal demise no guideline offers cerclage, so differing indications are not listed as a disagreement."""
    from dashboard.assess import assess_all

    doc = acute_picture(membranes="present")
    doc["history"] = {
        "painless_second_trimester_losses": [{"gestational_age": ga("20+0")}],
        "spontaneous_preterm_births": [],
    }
    doc["fetal"]["fetal_demise"] = "present"
    result = assess_all(case_from_dict(doc), kb)
    assert {a.cerclage.now for a in result.guidelines.values()} == {"contraindicated"}
    assert "Cerclage indication" not in [d.topic for d in result.disagreements]


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_recorded_contractions_rule_out_a_rescue_cerclage_even_without_labour(
    kb: KnowledgeBase, guideline: str
) -> None:
    """Contractions recorded while labour is absent are uterine activity: rescue cerclage is contraindicated."""
    picture = acute_picture(membranes="present")
    picture["symptoms"] = {"mild_contractions": "present"}
    result = assess(case_from_dict(picture), guideline, kb)
    [ci] = [c for c in result.cerclage.contraindications if c.rule_id == "CI-UTERINE-ACTIVITY"]
    assert ci.status == "present" and ci.severity == "absolute"
    [t] = [t for t in result.treatments if t.treatment == "physical_exam_indicated_cerclage"]
    assert t.status == "contraindicated"
    assert "Mild contractions" in t.reason


def test_contractions_with_labour_name_both_contraindications(kb: KnowledgeBase) -> None:
    """With labour and contractions recorded, both contraindications are listed as present."""
    picture = acute_picture(membranes="present")
    picture["symptoms"] = {"mild_contractions": "present"}
    picture["exclusions"]["labour"] = "present"
    contraindications = assess(case_from_dict(picture), "acog", kb).cerclage.contraindications
    present = [c.rule_id for c in contraindications if c.status == "present"]
    assert present == ["CI-LABOUR", "CI-UTERINE-ACTIVITY"]


@pytest.mark.parametrize("scan_at", ["11+0", "13+6"])
def test_a_first_trimester_scan_is_not_an_acog_short_cervix(kb: KnowledgeBase, scan_at: str) -> None:
    """A short length measured before 14+0 meets neither progesterone nor ultrasound-indicated cerclage (ACOG)."""
    doc = with_history_and_scan(18, at=scan_at)
    doc["gestational_age"] = ga("14+0")
    result = assess(case_from_dict(doc), "acog", kb)
    statuses = {t.treatment: t.status for t in result.treatments}
    assert result.cerclage.indication != "ultrasound"
    assert statuses["ultrasound_indicated_cerclage"] != "consider"
    no_history = {**doc, "history": {"painless_second_trimester_losses": [], "spontaneous_preterm_births": []}}
    statuses = {t.treatment: t.status for t in assess(case_from_dict(no_history), "acog", kb).treatments}
    assert statuses["vaginal_progesterone"] not in ("recommended", "consider")


def test_a_mid_trimester_scan_from_14_weeks_is_an_acog_short_cervix(kb: KnowledgeBase) -> None:
    """The same 18 mm at 14+0 after an earlier preterm birth meets ACOG's ultrasound indication."""
    doc = with_history_and_scan(18, at="14+0")
    doc["gestational_age"] = ga("14+0")
    assert assess(case_from_dict(doc), "acog", kb).cerclage.indication == "ultrasound"


@pytest.mark.parametrize("at", ["13+6", "28+0"])
def test_dilation_outside_the_second_trimester_is_named_not_denied(kb: KnowledgeBase, at: str) -> None:
    """Dilation at 13+6 or 28+0 is reported as found, with the gestational age the picture needs."""
    doc = acute_picture(at=at, membranes="present")
    doc["history"] = {
        "painless_second_trimester_losses": [],
        "spontaneous_preterm_births": [],
        "prior_cerclage": "absent",
    }
    diagnosis = assess(case_from_dict(doc), "acog", kb).diagnosis
    assert diagnosis.status == "not_met"
    assert "Cervical dilation on examination: met" in diagnosis.summary
    assert f"Gestational age: {at} weeks" in diagnosis.summary
    assert "no painless second-trimester dilation" not in diagnosis.summary


def _three_losses(**extra: Any) -> dict[str, Any]:
    return {
        "fetuses": 1,
        "history": {
            "painless_second_trimester_losses": births("17+0", "19+0", "21+0"),
            "spontaneous_preterm_births": [],
            "prior_cerclage": "absent",
        },
    } | extra


@pytest.mark.parametrize("guideline", ["acog", "rcog"])
def test_an_unknown_gestational_age_leaves_a_history_cerclage_undecided(
    kb: KnowledgeBase, guideline: str
) -> None:
    """Three painless losses, gestational age unknown: the late-pregnancy rules are undecided, so the option is too."""
    treatments = assess(case_from_dict(_three_losses()), guideline, kb).treatments
    [t] = [t for t in treatments if t.treatment == "history_indicated_cerclage"]
    assert t.status == "insufficient_data"
    assert t.reason.startswith("Cannot decide yet: answers not yet given (Current gestational age)")


def test_an_unexamined_cervix_leaves_a_planned_cerclage_open_with_a_note(kb: KnowledgeBase) -> None:
    """At 12+0, cervix not yet examined: RCOG's history cerclage stays recommended, with what could change it."""
    doc = _three_losses(gestational_age=ga("12+0"))
    treatments = assess(case_from_dict(doc), "rcog", kb).treatments
    [t] = [t for t in treatments if t.treatment == "history_indicated_cerclage"]
    assert t.status == "recommended"
    assert any("Membranes exposed" in p for p in t.pending)
    assert t.could_change.startswith("Could change once answered: not yet excluded, any of these would rule it out: ")
    assert "Membranes visible at or beyond the external os, Cervical dilation (cm) could make it not applicable" in t.could_change


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_17_ohpc_is_not_recommended_in_twins_whatever_the_cervix(kb: KnowledgeBase, guideline: str) -> None:
    """Twins after three preterm births, cervix not yet measured: 17-OHPC stays 'not recommended', not silent."""
    doc = {
        "gestational_age": ga("12+0"),
        "fetuses": 2,
        "history": {
            "painless_second_trimester_losses": [],
            "spontaneous_preterm_births": births("28+0", "30+0", "32+0"),
        },
    }
    treatments = assess(case_from_dict(doc), guideline, kb).treatments
    [t] = [t for t in treatments if t.treatment == "hydroxyprogesterone_caproate"]
    assert t.status == "not_recommended"


def test_an_option_an_unknown_scan_could_still_open_is_undecided_not_inapplicable(kb: KnowledgeBase) -> None:
    """Only the fallback matches, but a scan not yet done could meet the indication: 'insufficient data', naming it."""
    case = case_from_dict(json.loads((SCENARIOS / "classic_history_one_loss.json").read_text(encoding="utf-8")))
    [t] = [t for t in assess(case, "acog", kb).treatments if t.treatment == "ultrasound_indicated_cerclage"]
    assert t.status == "insufficient_data"
    assert t.reason.startswith("Cannot decide yet: answers not yet given (Cervical length scans")


# A singleton after a spontaneous preterm birth at 30+0, one 30 mm scan at 12+0: before every guideline's window.
def early_scan_only(today: str | None) -> dict[str, Any]:
    return with_history_and_scan(30, at="12+0", prior_cerclage="absent") | {
        "gestational_age": None if today is None else ga(today)
    }


@pytest.mark.parametrize(
    ("guideline", "window"),
    [("acog", "between 14+0 and 23+6 weeks"), ("rcog", "between 14+0 and 23+6 weeks"),
     ("nice", "between 16+0 and 24+0 weeks")],
)  # fmt: skip
def test_a_scan_recorded_before_the_window_asks_for_a_scan_in_the_window(
    kb: KnowledgeBase, guideline: str, window: str
) -> None:
    """Scan at 12+0, today 14+0: the ultrasound-indicated cerclage waits on a scan in the window its rule reads,
    said with that window (taken from the fact), never on the scan list as an answer not yet given."""
    result = assess(case_from_dict(early_scan_only("14+0")), guideline, kb)
    [t] = [t for t in result.treatments if t.treatment == "ultrasound_indicated_cerclage"]
    wanted = f"A cervical-length scan {window} (none recorded there)"
    assert t.status == "insufficient_data"
    assert t.deciding == ["ultrasound.cervical_lengths"]
    assert t.asks == {"ultrasound.cervical_lengths": wanted}
    assert t.reason.startswith(f"Cannot decide yet: a cervical-length scan {window} (none recorded there) decides ")
    assert "not yet given" not in t.reason and "Cervical length scans" not in t.reason + t.could_change
    [item] = [i for i in result.bottom_line.undecided if i.treatment == t.treatment]
    assert item.text == f"Waits on: {wanted}."
    assert wanted in [m.label for m in result.missing]
    assert "Cervical length scans (mm, with gestational age)" not in [m.label for m in result.missing]


def test_a_scan_wanted_in_the_window_is_confirmed_first_in_its_words(kb: KnowledgeBase) -> None:
    """With the examination findings known, the scan in ACOG's window is the first answer to get, named by it."""
    closed = acute_picture(at="14+0", dilation_cm=0.0) | {"symptoms": {"mild_contractions": "absent"}}
    doc = early_scan_only("14+0") | closed
    [first, *_] = assess(case_from_dict(doc), "acog", kb).bottom_line.confirm_first
    assert (first.field, first.label) == (
        "ultrasound.cervical_lengths", "A cervical-length scan between 14+0 and 23+6 weeks (none recorded there)"
    )
    assert "Ultrasound-indicated cerclage" in first.decides


@pytest.mark.parametrize(("guideline", "span"), [("acog", "14+0 to 23+6"), ("nice", "16+0 to 24+0")])
def test_without_todays_gestational_age_the_window_cannot_be_placed(
    kb: KnowledgeBase, guideline: str, span: str
) -> None:
    """Scan at 12+0, gestational age unknown: the reason says the window cannot be placed without today's age, the
    option waits on that age, not on the recorded scans, and the age is the first answer to confirm."""
    result = assess(case_from_dict(early_scan_only(None)), guideline, kb)
    [t] = [t for t in result.treatments if t.treatment == "ultrasound_indicated_cerclage"]
    assert t.status == "insufficient_data"
    assert "gestational_age" in t.deciding and "ultrasound.cervical_lengths" not in t.deciding + t.missing
    assert (
        f"The recorded scans lie outside the window it reads ({span} weeks), and that window cannot be placed "
        "without today's gestational age" in t.reason
    )
    assert result.bottom_line.confirm_first[0].field == "gestational_age"


def test_a_scan_window_that_has_passed_asks_for_no_scan(kb: KnowledgeBase) -> None:
    """Scan at 12+0, today 25+0: no window can still be measured, so nothing asks for a scan or names the scans."""
    for guideline in GUIDELINES:
        result = assess(case_from_dict(early_scan_only("25+0")), guideline, kb)
        assert all(not t.asks and "ultrasound.cervical_lengths" not in t.missing for t in result.treatments)
        assert all(m.field != "ultrasound.cervical_lengths" for m in result.missing)


@pytest.mark.parametrize(
    ("guideline", "counts"),
    [("acog", "does not count as short (< 25 mm)"), ("rcog", "counts as short (≤ 25 mm)"),
     ("nice", "counts as short (≤ 25 mm)")],
)  # fmt: skip
def test_a_length_at_the_threshold_outside_the_window_says_whether_it_counts(
    kb: KnowledgeBase, guideline: str, counts: str
) -> None:
    """25 mm at 12+0, today 14+0: at each guideline's threshold, short or not by its own operator (ACOG below 25 mm,
    RCOG and NICE at or below), outside its window, with no scan in the window yet; the finding stays unknown."""
    doc = with_history_and_scan(25, at="12+0") | {"gestational_age": ga("14+0")}
    finding = assess(case_from_dict(doc), guideline, kb).short_cervix
    assert finding.status == "unknown" and finding.shown == "not_applicable"
    assert finding.measured.startswith(f"25 mm at 12+0, at this guideline's 25 mm threshold, which {counts} but ")
    assert finding.measured.endswith(": not a screening finding for this pathway; none recorded in the window yet")
    assert finding.said == finding.measured


def test_a_length_outside_the_window_with_todays_age_unknown_says_the_window_cannot_be_placed(
    kb: KnowledgeBase,
) -> None:
    """Two scans outside ACOG's window, gestational age unknown: each is measured, and the window is not placed."""
    doc = with_history_and_scan(30, at="12+0") | {"gestational_age": None}
    doc["ultrasound"]["cervical_lengths"].append(scan("25+0", 20))
    assert assess(case_from_dict(doc), "acog", kb).short_cervix.measured == (
        "30 mm at 12+0, above this guideline's 25 mm threshold; 20 mm at 25+0, below this guideline's 25 mm "
        "threshold; each outside its window (14+0 to 23+6): not a screening finding for this pathway; without "
        "today's gestational age its window cannot be placed"
    )


def test_a_length_inside_the_window_or_no_scan_keeps_the_plain_finding(kb: KnowledgeBase) -> None:
    """A scan in the window decides the finding (present), and with no scan it is unknown: neither is 'measured'."""
    for doc, status in ((with_history_and_scan(18), "present"), ({"gestational_age": ga("20+0")}, "unknown")):
        for guideline in GUIDELINES:
            finding = assess(case_from_dict(doc), guideline, kb).short_cervix
            assert (finding.status, finding.measured, finding.said, finding.shown) == (status, "", status, status)


def test_risk_factors_alone_do_not_decide_while_the_history_is_unknown(kb: KnowledgeBase) -> None:
    """LEEP with the obstetric history unknown: planned cerclage is undecided, not 'not recommended'."""
    doc = {
        "gestational_age": ga("12+0"),
        "fetuses": 1,
        "history": {
            "painless_second_trimester_losses": None,
            "spontaneous_preterm_births": None,
            "prior_cerclage": "unknown",
        },
        "risk_factors": {"conization_or_leep": "present"},
    }
    statuses = {t.treatment: t.status for t in assess(case_from_dict(doc), "acog", kb).treatments}
    assert statuses["history_indicated_cerclage"] == "insufficient_data"
    assert statuses["ultrasound_indicated_cerclage"] == "insufficient_data"


def test_acog_progesterone_is_not_started_after_the_trial_course(kb: KnowledgeBase) -> None:
    """At 35+0 after an earlier preterm birth, US progesterone is not applicable, as its window says."""
    doc = with_history_and_scan(32, at="20+0")
    doc["gestational_age"] = ga("35+0")
    [t] = [t for t in assess(case_from_dict(doc), "acog", kb).treatments if t.treatment == "vaginal_progesterone"]
    assert t.status == "not_applicable"
