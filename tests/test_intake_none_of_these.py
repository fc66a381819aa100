"""The intake's "None of these": which answers it would set, and which an Undo would give back."""

from __future__ import annotations

import pytest

from dashboard.case import Tri
from dashboard.fields import SECTIONS
from dashboard.intake import (
    BIRTH_LISTS,
    LIST_KNOWN,
    NONE_OF_THESE_SECTIONS,
    TRI_FIELDS,
    TRI_OPTIONS,
    answer_key,
    blank_form,
    form_to_case,
    key,
    none_answers,
    none_of_these,
    still_as_recorded,
)

LOSSES, PRETERM_BIRTHS = BIRTH_LISTS


def finding(case, path: str):
    """The case's answer to a "None of these" finding: a Tri, or the history list itself."""
    section, name = path.split(".", 1)
    return getattr(getattr(case, section), name)


@pytest.mark.parametrize("section", NONE_OF_THESE_SECTIONS)
def test_an_empty_form_sets_every_finding_of_the_section(section: str) -> None:
    """On an untouched form, "None of these" sets every finding the section lists, and nothing else."""
    assert none_of_these(section, blank_form()) == none_answers(section)
    assert all(path.startswith(section + ".") for path in none_answers(section))


@pytest.mark.parametrize("section", NONE_OF_THESE_SECTIONS)
def test_answers_already_given_are_left_out(section: str) -> None:
    """A finding answered present or absent (a history list "yes" or "none") is never set again."""
    first, second, *rest = none_answers(section)
    given = {
        answer_key(first): "yes" if first in BIRTH_LISTS else "present",
        answer_key(second): "none" if second in BIRTH_LISTS else "absent",
    }
    assert list(none_of_these(section, {**blank_form(), **given})) == rest


def test_tri_sections_record_absent() -> None:
    """Risk factors, symptoms, exclusions and fetal status record each unknown finding as absent."""
    for section in ("risk_factors", "symptoms", "exclusions", "fetal"):
        assert none_answers(section) == {f"{section}.{name}": "absent" for name in TRI_FIELDS[section]}


def test_the_amniocentesis_result_is_not_an_exclusion_to_rule_out() -> None:
    """The amniocentesis result (not a present/absent finding) is never set by the exclusions' "None of these"."""
    assert "exclusions.amniocentesis" not in none_answers("exclusions")


def test_history_records_no_losses_no_preterm_births_and_no_earlier_cerclage() -> None:
    """History answers "None" to both earlier-pregnancy lists and absent to an earlier cerclage, not its details."""
    assert none_answers("history") == {LOSSES: "none", PRETERM_BIRTHS: "none", "history.prior_cerclage": "absent"}
    assert answer_key(LOSSES) == key(LOSSES + ".known")


@pytest.mark.parametrize("section", NONE_OF_THESE_SECTIONS)
def test_what_it_sets_reads_as_absent_in_the_case(section: str) -> None:
    """Every answer "None of these" sets reads as absent (or as an empty history list) in the case."""
    setting = none_of_these(section, blank_form())
    case = form_to_case({**blank_form(), **{answer_key(p): a for p, a in setting.items()}})
    for path in setting:
        assert finding(case, path) in (Tri.absent, []), path


@pytest.mark.parametrize("section", ["exam", "ultrasound", "pregnancy"])
def test_sections_of_single_questions_have_no_none_of_these(section: str) -> None:
    """Examination, ultrasound and this pregnancy hold no list of findings to rule out together."""
    assert section in SECTIONS and section not in NONE_OF_THESE_SECTIONS
    with pytest.raises(KeyError):
        none_answers(section)


def test_still_as_recorded_drops_a_finding_changed_since() -> None:
    """Of what "None of these" set, a finding changed since (to present or back to unknown) is no longer its doing."""
    recorded = ("symptoms.cramping", "symptoms.backache", "symptoms.pelvic_pressure")
    values = {
        key("symptoms.cramping"): "absent",
        key("symptoms.backache"): "present",
        key("symptoms.pelvic_pressure"): "unknown",
    }
    assert still_as_recorded("symptoms", recorded, values) == {"symptoms.cramping": "absent"}


def test_still_as_recorded_ignores_paths_of_another_section() -> None:
    """A recorded path that the section does not cover is never given back by its Undo."""
    values = {key("fetal.fetal_demise"): "absent"}
    assert still_as_recorded("symptoms", ("fetal.fetal_demise",), values) == {}


def test_every_question_puts_the_finding_first_and_unknown_last() -> None:
    """History lists read Yes / None / Unknown in the same order as Present / Absent / Unknown."""
    assert TRI_OPTIONS == ("present", "absent", "unknown")
    assert LIST_KNOWN == ("yes", "none", "unknown")
