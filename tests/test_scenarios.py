"""Clinical scenarios: each case file in tests/scenarios/ run through the assessment.

Every scenario is a pair: ``<id>.json`` (a plain case file) and ``<id>.expected.yaml`` (what a
clinician expects under ACOG, RCOG and NICE, with the guideline passage it rests on). The
expectations were derived from the rule statements and the evidence brief, not copied from
the engine's output.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard.assess import AllAssessments, assess_all
from dashboard.case import case_from_json
from dashboard.cli import main

SCENARIO_DIR = Path(__file__).parent / "scenarios"
GUIDELINES = ("acog", "rcog", "nice")
VERDICTS = {"met", "not_met", "insufficient_data"}
BASES = {"history", "physical_exam"}
INDICATIONS = {"history", "ultrasound", "physical_exam", "none", "insufficient_data"}
TREATMENT_STATUSES = {
    "recommended", "consider", "not_recommended", "contraindicated", "not_applicable", "no_stated_position",
    "insufficient_data",  # the engine leaves an option undecided while an unknown answer could turn it
}
MIN_SCENARIOS = 40

# Scenarios where the expectation is the clinically right answer and the engine is believed to
# be wrong. Each stays a strict xfail, so a fix to the rules turns it into a failure that asks
# for the marker to be removed.
ENGINE_DISAGREEMENTS: dict[str, str] = {}


def _scenario_ids() -> list[str]:
    return sorted(p.name.removesuffix(".expected.yaml") for p in SCENARIO_DIR.glob("*.expected.yaml"))


SCENARIO_IDS = _scenario_ids()


def _params() -> list[Any]:
    out = []
    for sid in SCENARIO_IDS:
        marks = [pytest.mark.scenario]
        if sid in ENGINE_DISAGREEMENTS:
            marks.append(pytest.mark.xfail(strict=True, reason=ENGINE_DISAGREEMENTS[sid]))
        out.append(pytest.param(sid, id=sid, marks=marks))
    return out


def _expected(sid: str) -> dict[str, Any]:
    return yaml.safe_load((SCENARIO_DIR / f"{sid}.expected.yaml").read_text(encoding="utf-8"))


def _case_path(sid: str) -> Path:
    return SCENARIO_DIR / f"{sid}.json"


def _assess(sid: str) -> AllAssessments:
    return assess_all(case_from_json(_case_path(sid).read_bytes()))


def _mismatches(sid: str, expected: dict[str, Any], result: AllAssessments) -> list[str]:
    """Every field that differs, named by scenario, guideline and field."""
    problems: list[str] = []

    def check(guideline: str, field: str, want: Any, got: Any) -> None:
        if want != got:
            problems.append(f"{sid} / {guideline} / {field}: expected {want!r}, got {got!r}")

    for g in GUIDELINES:
        want = expected["expect"][g]
        a = result.guidelines[g]
        check(g, "diagnosis", want["diagnosis"], a.diagnosis.status)
        check(g, "basis", sorted(want["basis"]), sorted(a.diagnosis.basis))
        check(g, "cerclage", want["cerclage"], a.cerclage.indication)
        present = sorted(c.rule_id for c in a.cerclage.contraindications if c.status == "present")
        check(g, "contraindications", sorted(want["contraindications"]), present)
        statuses = {t.treatment: t.status for t in a.treatments}
        for treatment, status in (want.get("treatments") or {}).items():
            check(g, f"treatments.{treatment}", status, statuses.get(treatment, "<no such treatment>"))
        line = a.bottom_line
        if "in_place_notes" in want:  # what the guideline says about a cerclage already in place
            check(g, "in_place_notes", sorted(want["in_place_notes"]), sorted(n.rule_id for n in line.in_place.notes))
        if "confirm_first" in want:  # the answers to get first, in order
            check(g, "confirm_first", want["confirm_first"], [c.field for c in line.confirm_first])
    if "disagreement" in expected:
        indications = {g: result.guidelines[g].cerclage.indication for g in GUIDELINES}
        check("all", "disagreement", expected["disagreement"], len(set(indications.values())) > 1)
    return problems


@pytest.mark.parametrize("sid", _params())
def test_scenario_matches_clinical_expectation(sid: str) -> None:
    """The assessment of each scenario matches the clinician's expectation under every guideline."""
    problems = _mismatches(sid, _expected(sid), _assess(sid))
    assert not problems, "\n".join(problems)


def test_corpus_is_large_and_complete() -> None:
    """The corpus holds enough scenarios, each with a case file, a story, a passage and three expectations."""
    assert len(SCENARIO_IDS) >= MIN_SCENARIOS, f"only {len(SCENARIO_IDS)} scenarios; at least {MIN_SCENARIOS} expected"
    orphans = sorted(p.stem for p in SCENARIO_DIR.glob("*.json") if p.stem not in SCENARIO_IDS)
    assert not orphans, f"case files without an expected.yaml: {orphans}"
    for sid in SCENARIO_IDS:
        assert _case_path(sid).is_file(), f"{sid}: missing case file {sid}.json"
        expected = _expected(sid)
        for key in ("title", "story", "passage"):
            assert isinstance(expected.get(key), str) and expected[key].strip(), f"{sid}: {key} is missing or empty"
        assert set(expected["expect"]) == set(GUIDELINES), f"{sid}: expect must cover exactly {GUIDELINES}"
        for g in GUIDELINES:
            want = expected["expect"][g]
            assert want["diagnosis"] in VERDICTS, f"{sid} / {g} / diagnosis: {want['diagnosis']!r}"
            assert set(want["basis"]) <= BASES, f"{sid} / {g} / basis: {want['basis']!r}"
            assert (want["diagnosis"] == "met") == bool(want["basis"]), f"{sid} / {g} / basis: [] unless met"
            assert want["cerclage"] in INDICATIONS, f"{sid} / {g} / cerclage: {want['cerclage']!r}"
            assert isinstance(want["contraindications"], list), f"{sid} / {g} / contraindications: not a list"
            for treatment, status in (want.get("treatments") or {}).items():
                assert status in TREATMENT_STATUSES, f"{sid} / {g} / treatments.{treatment}: {status!r}"
        if "disagreement" in expected:
            assert isinstance(expected["disagreement"], bool), f"{sid}: disagreement must be true or false"


def test_engine_disagreements_name_real_scenarios() -> None:
    """Every known engine disagreement names a scenario in the corpus."""
    assert set(ENGINE_DISAGREEMENTS) <= set(SCENARIO_IDS)


@pytest.mark.scenario
@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_command_line_assesses_scenario(sid: str) -> None:
    """The command line assesses each scenario file as JSON and as text with references."""
    path = str(_case_path(sid))
    out, err = io.StringIO(), io.StringIO()
    assert main(["assess", path, "--format", "json"], out=out, err=err) == 0, f"{sid}: json exit; {err.getvalue()}"
    payload = json.loads(out.getvalue())
    assert set(GUIDELINES) <= set(payload["guidelines"]), f"{sid}: json guidelines {sorted(payload['guidelines'])}"

    out, err = io.StringIO(), io.StringIO()
    assert main(["assess", path, "--format", "text"], out=out, err=err) == 0, f"{sid}: text exit; {err.getvalue()}"
    assert "References" in out.getvalue(), f"{sid}: text report has no References section"
