"""Case format 2: each loss says whether it was painless, a cerclage in this pregnancy is recorded,
and a version 1 file keeps loading, upgraded with what it lacks left unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.assess import assess_all
from dashboard.case import (
    CASE_FORMAT_VERSION,
    CaseError,
    CerclageNow,
    Tri,
    case_from_dict,
    case_from_json,
    case_to_json,
    cerclage_in_place_words,
)
from dashboard.facts import FACTS, Interval, field_is_missing, show_value
from tests.strategies import ga

V1_DIR = Path(__file__).resolve().parent / "case_files_v1"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
V1_FILES = sorted(V1_DIR.glob("*.json"))


def problems_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        case_from_dict(doc)
    return caught.value.problems


def loss(at: str | None, painless: str) -> dict[str, Any]:
    return {"gestational_age": None if at is None else ga(at), "painless": painless}


# --------------------------------------------------------------------------- reading version 1


def test_there_are_version_1_files_kept_as_they_were_saved() -> None:
    """The fixtures are real version 1 files (saved before format 2), not rewritten ones."""
    assert V1_FILES
    for path in V1_FILES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["format_version"] == "1" and "painless_second_trimester_losses" in doc["history"]
        assert "cerclage" not in doc


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.stem)
def test_a_version_1_file_loads_with_its_losses_painless_and_no_cerclage_answer(path: Path) -> None:
    """A version 1 file loads as format 2: every loss it recorded is painless (that list held only
    painless losses) and the cerclage in this pregnancy, which it could not record, is unknown."""
    old = json.loads(path.read_text(encoding="utf-8"))
    case = case_from_json(path.read_bytes())
    assert case.format_version == CASE_FORMAT_VERSION == "2"
    recorded = old["history"]["painless_second_trimester_losses"]
    losses = case.history.second_trimester_losses
    assert losses is not None and len(losses) == len(recorded)
    assert all(loss.painless == Tri.present for loss in losses)
    assert [loss.gestational_age.model_dump() if loss.gestational_age else None for loss in losses] == [
        entry["gestational_age"] for entry in recorded
    ]
    assert case.cerclage == CerclageNow()  # in place: unknown; no details


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.stem)
def test_a_version_1_file_assesses_as_its_upgraded_scenario_does(path: Path) -> None:
    """The scenario saved in format 2 from the same case gives the same assessment as the old file."""
    upgraded = assess_all(case_from_json(path.read_bytes())).to_dict()
    assert upgraded == assess_all(case_from_json((SCENARIOS / path.name).read_bytes())).to_dict()


def test_a_document_with_no_version_is_read_as_version_1() -> None:
    """A document without format_version is read as the version that had none marked optional: 1."""
    case = case_from_dict({"history": {"painless_second_trimester_losses": [{"gestational_age": ga("20+0")}]}})
    assert case.history.second_trimester_losses is not None
    assert case.history.second_trimester_losses[0].painless == Tri.present


def test_saving_writes_version_2_and_reads_back_the_same_case() -> None:
    """A case read from a version 1 file is saved as version 2 and reads back identically."""
    case = case_from_json(V1_FILES[0].read_bytes())
    text = case_to_json(case)
    assert json.loads(text)["format_version"] == "2"
    assert case_from_json(text) == case


def test_a_bad_loss_in_a_version_1_file_is_named_as_the_file_wrote_it() -> None:
    """Errors in an upgraded file name the field by its version 1 name, so the clinician finds it."""
    problems = problems_of(
        {"format_version": "1", "history": {"painless_second_trimester_losses": [{"gestational_age": ga("30+0")}]}}
    )
    assert [p for p, _ in problems] == ["history.painless_second_trimester_losses"]


def test_a_painless_answer_in_a_version_1_file_is_refused_not_overwritten() -> None:
    """Version 1 had no per-loss answer: one found there is refused by name, never silently replaced."""
    problems = problems_of(
        {"format_version": "1", "history": {"painless_second_trimester_losses": [loss("20+0", "absent")]}}
    )
    assert [p for p, _ in problems] == ["history.painless_second_trimester_losses[0].painless"]
    assert '"2"' in problems[0][1]


def test_the_version_1_list_name_in_a_version_2_file_is_refused_with_the_new_name() -> None:
    """A version 2 file using the old list name is told the name it should use."""
    problems = problems_of({"format_version": "2", "history": {"painless_second_trimester_losses": []}})
    assert [p for p, _ in problems] == ["history.painless_second_trimester_losses"]
    assert "history.second_trimester_losses" in problems[0][1]


@pytest.mark.parametrize(
    ("version", "words"),
    [("3", "'3' is not a case-format version"), (2, "not text"), (None, "not text")],
)
def test_an_unknown_format_version_is_refused_naming_the_versions_read(version: Any, words: str) -> None:
    """A version this tool does not read is refused at format_version, listing the ones it reads."""
    problems = problems_of({"format_version": version})
    assert [p for p, _ in problems] == ["format_version"]
    assert words in problems[0][1] and '"1" or "2"' in problems[0][1]


# --------------------------------------------------------------------------- painless, per loss


@pytest.mark.parametrize(
    ("answers", "count"),
    [
        ([], 0),
        (["present"], 1),
        (["absent"], 0),
        (["present", "absent", "present"], 2),
        (["present", "unknown", "absent"], Interval(1, 2)),
        (["unknown", "unknown"], Interval(0, 2)),
    ],
)
def test_the_painless_count_is_exact_only_when_every_loss_is_answered(answers: list[str], count: Any) -> None:
    """ACOG's count of painless losses is a range while any loss is not known to be painless or not."""
    case = case_from_dict(
        {"format_version": "2", "history": {"second_trimester_losses": [loss("20+0", a) for a in answers]}}
    )
    assert FACTS["painless_second_trimester_losses"].fn(case) == count


def test_a_range_of_painless_losses_reads_as_a_range() -> None:
    """The trace shows "1 to 2 losses", not a number the answers do not give."""
    assert show_value(FACTS["painless_second_trimester_losses"], Interval(1, 2)) == "1 to 2 losses"


@pytest.mark.parametrize("painless", ["present", "absent", "unknown"])
def test_nice_and_rcog_count_a_loss_from_16_weeks_painless_or_not(painless: str) -> None:
    """NICE's mid-trimester loss and RCOG's loss-or-preterm-birth count any spontaneous loss."""
    case = case_from_dict({"format_version": "2", "history": {"second_trimester_losses": [loss("18+0", painless)]}})
    assert FACTS["mid_trimester_loss_from_16_weeks"].fn(case) == "present"
    assert FACTS["prior_loss_or_preterm_birth"].fn(case) == "present"


def test_whether_each_loss_was_painless_is_asked_only_once_losses_are_recorded() -> None:
    """Until there is a loss, the list is the question; then its painless answer is."""

    def missing(losses: Any) -> bool:
        doc = {"format_version": "2", "history": {"second_trimester_losses": losses}}
        return field_is_missing(case_from_dict(doc), "history.second_trimester_losses.painless")

    assert not missing(None) and not missing([])
    assert missing([loss("20+0", "present"), loss("21+0", "unknown")])
    assert not missing([loss("20+0", "present"), loss("21+0", "absent")])


# --------------------------------------------------------------------------- a cerclage in this pregnancy


@pytest.mark.parametrize("in_place", ["absent", "unknown"])
@pytest.mark.parametrize(
    ("detail", "value"), [("route", "transvaginal"), ("indication", "history"), ("placed_at", ga("13+0"))]
)
def test_cerclage_details_without_one_in_place_are_refused(in_place: str, detail: str, value: Any) -> None:
    """A detail of a cerclage not known to be in place is refused at the detail's own path."""
    problems = problems_of({"format_version": "2", "cerclage": {"in_place": in_place, detail: value}})
    assert [p for p, _ in problems] == [f"cerclage.{detail}"]
    assert f"'{in_place}'" in problems[0][1]


def test_a_cerclage_placed_after_today_is_refused() -> None:
    """The date it was placed cannot be after the current gestational age."""
    problems = problems_of(
        {
            "format_version": "2",
            "gestational_age": ga("14+0"),
            "cerclage": {"in_place": "present", "placed_at": ga("14+1")},
        }
    )
    assert [p for p, _ in problems] == ["cerclage.placed_at"]
    assert "14+1" in problems[0][1] and "14+0" in problems[0][1]


@pytest.mark.parametrize(
    ("now", "words"),
    [
        ({"in_place": "absent"}, ""),
        ({"in_place": "unknown"}, ""),
        (
            {"in_place": "present", "route": "transvaginal", "indication": "ultrasound", "placed_at": ga("18+2")},
            "A transvaginal cerclage is in place (ultrasound-indicated), placed at 18+2 weeks",
        ),
        (
            {"in_place": "present", "route": "transabdominal"},
            "A transabdominal cerclage is in place (date placed not recorded)",
        ),
        ({"in_place": "present"}, "A cerclage is in place (date placed not recorded; route not recorded)"),
    ],
)
def test_the_cerclage_in_place_is_said_with_what_is_recorded_and_what_is_not(now: dict[str, Any], words: str) -> None:
    """One sentence for the cerclage in place, naming what is not recorded rather than guessing it."""
    assert cerclage_in_place_words(CerclageNow.model_validate(now)) == words


def _with_cerclage_now(name: str, now: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    doc["cerclage"] = {"in_place": "unknown", "route": "unknown", "indication": "unknown", "placed_at": None} | now
    return doc


PLACING = ("history_indicated_cerclage", "ultrasound_indicated_cerclage", "physical_exam_indicated_cerclage",
           "transabdominal_cerclage")  # fmt: skip


@pytest.mark.parametrize(
    "scenario", ["classic_history_three_losses", "prior_sptb_short_cervix_21mm", "acute_painless_dilation_20_weeks"]
)
def test_with_a_cerclage_in_place_no_guideline_offers_placing_one(scenario: str) -> None:
    """Whatever the indication, a cerclage in place closes every placing option under every guideline,
    names why, and the bottom line opens with it."""
    doc = _with_cerclage_now(scenario, {"in_place": "present", "route": "transvaginal"})
    result = assess_all(case_from_dict(doc))
    for g, a in result.guidelines.items():
        by_id = {t.treatment: t for t in a.treatments}
        for tid in PLACING:
            assert by_id[tid].status in {"not_applicable", "contraindicated"}, (g, tid, by_id[tid].status)
            if by_id[tid].status == "not_applicable":
                assert by_id[tid].rule_title == "A cerclage is already in place in this pregnancy"
        line = a.bottom_line
        assert line.headline.startswith("A transvaginal cerclage is in place")
        assert not any(i.treatment in PLACING for i in line.offered), g
        assert "CIP-REMOVAL-TRANSVAGINAL" in [n.rule_id for n in line.in_place.notes], g


def test_a_cerclage_in_place_not_yet_answered_never_closes_an_option_but_is_named_as_able_to() -> None:
    """Unknown is not absent: an offered cerclage keeps its status, and its note says the answer could
    change it; the bottom line does not claim a cerclage is in place."""
    doc = _with_cerclage_now("classic_history_three_losses", {"in_place": "unknown"})
    rcog = assess_all(case_from_dict(doc)).guidelines["rcog"]
    hic = next(t for t in rcog.treatments if t.treatment == "history_indicated_cerclage")
    assert hic.status == "recommended"
    assert "Cerclage already in place in this pregnancy" in hic.could_change
    assert rcog.bottom_line.in_place.words == "" and not rcog.bottom_line.in_place.notes


def test_a_cerclage_recorded_absent_leaves_the_answer_as_before() -> None:
    """Recording no cerclage in place gives the same statuses as before format 2 existed."""
    before = assess_all(case_from_json((SCENARIOS / "classic_history_three_losses.json").read_bytes()))
    absent = assess_all(case_from_dict(_with_cerclage_now("classic_history_three_losses", {"in_place": "absent"})))
    for g in before.guidelines:
        assert [t.status for t in absent.guidelines[g].treatments] == [
            t.status for t in before.guidelines[g].treatments
        ]
