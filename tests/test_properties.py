"""Properties that hold for every case: the engine is deterministic, unknown is never read as an answer,
exclusions and contraindications only ever take options away, and no file can crash the readers.

Strategies are in tests/strategies.py. The fuzz properties together read well over 1,000 generated
files (4 x 250 through ``case_from_json`` and 200 through the command line).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.assess import _Evaluator, assess, assess_all
from dashboard.case import Case, CaseError, case_from_json, case_to_json
from dashboard.cli import main
from dashboard.intake import case_to_form, form_to_case
from dashboard.kb import GUIDELINES, TREATMENT_STATUSES, KnowledgeBase, default_knowledge_base
from dashboard.messages import cap_messages, visible
from tests.strategies import (
    case_files,
    cases,
    cases_with_a_known_input,
    encoded,
    forget,
    mutated_documents,
    random_bytes,
    random_documents,
    truncated_documents,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KB = default_knowledge_base()  # module-level, so a failing example's report stays short
CONDITIONAL_RULES = [r.id for r in KB.rules if KB.conditions[r.id] is not None]
CERCLAGE_OPTIONS = [tid for tid, t in KB.treatments.items() if t.group == "cerclage"]
VERDICTS = {"met", "not_met", "insufficient_data"}
# A treatment whose status hangs on an unknown answer says so rather than guessing.
STATUSES = {*TREATMENT_STATUSES, "insufficient_data"}

# Findings that exclude the examination-based diagnosis when present.
EXCLUSIONS = {
    "labour": ("exclusions", "labour", "present"),
    "bleeding or abruption": ("exclusions", "bleeding_or_abruption", "present"),
    "ruptured membranes": ("exclusions", "ruptured_membranes", "present"),
    "clinical chorioamnionitis": ("exclusions", "clinical_chorioamnionitis", "present"),
    "infection on amniocentesis": ("exclusions", "amniocentesis", "infection_found"),
}
# Findings that are absolute contraindications to cerclage when present.
ABSOLUTE_CONTRAINDICATIONS = EXCLUSIONS | {
    "fetal demise": ("fetal", "fetal_demise", "present"),
    "lethal anomaly": ("fetal", "lethal_anomaly", "present"),
    "contractions": ("symptoms", "mild_contractions", "present"),
}


def with_finding(case: Case, finding: tuple[str, str, str]) -> Case:
    section, name, value = finding
    doc = case.model_dump(mode="json")
    doc[section][name] = value
    return Case.model_validate(doc)


def assert_case_or_case_error(raw: bytes) -> None:
    """Reading ``raw`` gives a Case or a CaseError whose problems each name a path and say what is wrong."""
    try:
        assert isinstance(case_from_json(raw), Case)
    except CaseError as exc:
        assert exc.problems
        for path, message in exc.problems:
            assert isinstance(path, str) and path  # a stray key made of spaces is named as it was written
            assert isinstance(message, str) and message.strip()


# --------------------------------------------------------------------------- the engine on valid cases


@PROPERTY
@given(case=cases())
def test_any_valid_case_assesses_the_same_way_twice(case: Case) -> None:
    """Any valid case assesses without error, the same twice, and the same under one guideline as under all three."""
    together = assess_all(case, KB).to_dict()
    assert assess_all(case, KB).to_dict() == together
    for guideline in GUIDELINES:
        assert assess(case, guideline, KB).to_dict() == together["guidelines"][guideline]


@PROPERTY
@given(case=cases())
def test_any_valid_case_gets_answers_in_the_engine_vocabulary(case: Case) -> None:
    """Every guideline gives a verdict, an indication and a status for each of the nine treatments."""
    for result in assess_all(case, KB).guidelines.values():
        assert result.diagnosis.status in VERDICTS
        assert result.cerclage.indication in {"history", "ultrasound", "physical_exam", "none", "insufficient_data"}
        assert [t.treatment for t in result.treatments] == list(KB.treatments)
        assert {t.status for t in result.treatments} <= STATUSES


# --------------------------------------------------------------------------- unknown is never an answer


@PROPERTY
@given(pair=cases_with_a_known_input())
def test_forgetting_an_answer_never_flips_a_decided_rule(pair: tuple[Case, str]) -> None:
    """A rule decided with an input unknown keeps that decision whatever the input turns out to be."""
    # Put the other way: replacing a known answer with unknown may leave a rule undecided, but it
    # never turns a met rule into not met, or a not-met rule into met.
    case, path = pair
    known, unknown = _Evaluator(KB, case), _Evaluator(KB, forget(case, path))
    flipped = [
        (rule_id, unknown.outcome(rule_id), known.outcome(rule_id))
        for rule_id in CONDITIONAL_RULES
        if unknown.outcome(rule_id) is not None and unknown.outcome(rule_id) != known.outcome(rule_id)
    ]
    assert flipped == [], f"forgetting {path}"


@PROPERTY
@given(pair=cases_with_a_known_input())
def test_forgetting_an_answer_never_flips_a_decided_diagnosis(pair: tuple[Case, str]) -> None:
    """A diagnosis (and each pathway) decided with an input unknown is the same once the input is known."""
    case, path = pair
    known, unknown = assess_all(case, KB), assess_all(forget(case, path), KB)
    for guideline in GUIDELINES:
        before, after = unknown.guidelines[guideline].diagnosis, known.guidelines[guideline].diagnosis
        if before.status != "insufficient_data":
            assert after.status == before.status, (guideline, path)
        for pathway, verdict in before.pathways.items():
            if verdict != "insufficient_data":
                assert after.pathways[pathway] == verdict, (guideline, path, pathway)


@PROPERTY
@given(case=cases(), exclusion=st.sampled_from(sorted(EXCLUSIONS)))
def test_adding_an_exclusion_never_turns_a_diagnosis_from_not_met_into_met(case: Case, exclusion: str) -> None:
    """Finding labour, bleeding, ruptured membranes or infection never turns 'not met' into 'met'."""
    before, after = assess_all(case, KB), assess_all(with_finding(case, EXCLUSIONS[exclusion]), KB)
    for guideline in GUIDELINES:
        if before.guidelines[guideline].diagnosis.status == "not_met":
            assert after.guidelines[guideline].diagnosis.status != "met", guideline


@PROPERTY
@given(case=cases(), exclusion=st.sampled_from(sorted(EXCLUSIONS)))
def test_a_present_exclusion_rules_out_the_examination_pathway(case: Case, exclusion: str) -> None:
    """With an exclusion present the examination-based pathway is not met under every guideline."""
    result = assess_all(with_finding(case, EXCLUSIONS[exclusion]), KB)
    assert {g: a.diagnosis.pathways["physical_exam"] for g, a in result.guidelines.items()} == dict.fromkeys(
        GUIDELINES, "not_met"
    )


@PROPERTY
@given(case=cases(), finding=st.sampled_from(sorted(ABSOLUTE_CONTRAINDICATIONS)))
def test_a_present_absolute_contraindication_makes_every_cerclage_contraindicated(case: Case, finding: str) -> None:
    """With an absolute contraindication present every cerclage option is contraindicated, never offered."""
    result = assess_all(with_finding(case, ABSOLUTE_CONTRAINDICATIONS[finding]), KB)
    for guideline, assessment in result.guidelines.items():
        statuses = {t.treatment: t.status for t in assessment.treatments}
        assert {tid: statuses[tid] for tid in CERCLAGE_OPTIONS} == dict.fromkeys(CERCLAGE_OPTIONS, "contraindicated"), (
            guideline
        )


def test_the_contraindication_findings_cover_every_absolute_contraindication(kb: KnowledgeBase) -> None:
    """Every absolute contraindication in the knowledge base is triggered by one of the findings the property sets."""
    absolute = [r.id for r in kb.rules_of("contraindication") if r.severity == "absolute"]
    triggered = {
        rule_id
        for finding in ABSOLUTE_CONTRAINDICATIONS.values()
        for rule_id in absolute
        if _Evaluator(kb, with_finding(Case(), finding)).outcome(rule_id) is True
    }
    assert absolute and set(absolute) == triggered
    assert len(CERCLAGE_OPTIONS) == 4


# --------------------------------------------------------------------------- round trips


@PROPERTY
@given(case=cases())
def test_form_round_trip_is_identity(case: Case) -> None:
    """Filling the intake form from a case and reading it back gives the same case."""
    assert form_to_case(case_to_form(case)) == case


@PROPERTY
@given(case=cases())
def test_case_file_round_trip_is_identity(case: Case) -> None:
    """Writing any valid case to its file and reading it back gives the same case."""
    assert case_from_json(case_to_json(case)) == case


# --------------------------------------------------------------------------- hostile files


@FUZZ
@given(raw=encoded(random_documents()))
def test_random_json_gives_a_case_or_a_case_error(raw: bytes) -> None:
    """Random JSON documents give a Case or a CaseError naming each bad field, never another exception."""
    assert_case_or_case_error(raw)


@FUZZ
@given(raw=encoded(mutated_documents()))
def test_mutated_case_files_give_a_case_or_a_case_error(raw: bytes) -> None:
    """Valid case files with fields deleted, retyped, out of range or added give a Case or a CaseError."""
    assert_case_or_case_error(raw)


@FUZZ
@given(raw=truncated_documents())
def test_truncated_case_files_give_a_case_or_a_case_error(raw: bytes) -> None:
    """Case files cut off anywhere give a Case or a CaseError."""
    assert_case_or_case_error(raw)


@FUZZ
@given(raw=random_bytes())
def test_random_bytes_give_a_case_or_a_case_error(raw: bytes) -> None:
    """Random bytes give a Case or a CaseError."""
    assert_case_or_case_error(raw)


@pytest.fixture(scope="module")
def case_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "case.json"


@settings(FUZZ, max_examples=200)
@given(
    raw=case_files(),
    guideline=st.sampled_from([*GUIDELINES, "all"]),
    output=st.sampled_from(["json", "text"]),
)
def test_command_line_on_any_file_exits_0_or_2_and_names_each_bad_field(
    case_path: Path, raw: bytes, guideline: str, output: str
) -> None:
    """The command line answers any file with exit 0 and a report, or exit 2 and a line per bad field (the
    first 20, escaped)."""
    case_path.write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()
    code = main(["assess", str(case_path), "--guideline", guideline, "--format", output], out=out, err=err)
    assert code in (0, 2)
    if code == 0:
        report: Any = json.loads(out.getvalue()) if output == "json" else out.getvalue()
        assert report
    else:
        with pytest.raises(CaseError) as caught:
            case_from_json(raw)
        shown, _ = cap_messages(caught.value.problems)
        assert all(f"  {visible(path)}: {visible(message)}" in err.getvalue() for path, message in shown)
