"""The intake form's values to a case and back: what the clinician typed is what the engine reads."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.case import Case, CaseError, Tri, case_from_dict
from dashboard.intake import (
    BIRTH_LISTS,
    SCANS,
    blank_form,
    case_to_form,
    cell_key,
    completeness,
    form_to_case,
    key,
    overall,
    rows_key,
)
from tests.strategies import births, ga, scan


def scan_rows(*rows: tuple[Any, Any, Any]) -> dict[str, Any]:
    """Form values for cervical-length rows given as (weeks, days, mm); None is an empty cell."""
    values: dict[str, Any] = {rows_key(SCANS): [f"s{i}" for i in range(len(rows))]}
    for i, (weeks, days, mm) in enumerate(rows):
        values |= {
            cell_key(SCANS, f"s{i}", "weeks"): weeks,
            cell_key(SCANS, f"s{i}", "days"): days,
            cell_key(SCANS, f"s{i}", "mm"): mm,
        }
    return values


def form_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        form_to_case(values)
    return caught.value.problems


LOSSES, PRETERM_BIRTHS = BIRTH_LISTS


def test_form_values_build_the_case_they_describe() -> None:
    """A filled-in form gives the case with exactly those answers."""
    values = {
        key("gestational_age.weeks"): 20,
        key("gestational_age.days"): 3,
        key("fetuses"): 1,
        key(LOSSES + ".known"): "yes",
        rows_key(LOSSES): ["a"],
        cell_key(LOSSES, "a", "weeks"): 19,
        cell_key(LOSSES, "a", "days"): 2,
        cell_key(LOSSES, "a", "painless"): "present",
        key(PRETERM_BIRTHS + ".known"): "none",
        key("history.prior_cerclage"): "present",
        key("history.prior_cerclage_reason"): "painless_dilation",
        key("history.prior_cerclage_route"): "transvaginal",
        key("history.prior_cerclage_failed"): "absent",
        key("risk_factors.conization_or_leep"): "present",
        key("exam.cervical_dilation_cm"): 2,
        key("exam.membranes_at_or_beyond_os"): "present",
        key("exclusions.labour"): "absent",
        key("exclusions.amniocentesis"): "not_done",
        key("fetal.fetal_demise"): "absent",
    } | scan_rows((18, 0, 30), (20, 3, 21.5))
    expected = case_from_dict(
        {
            "gestational_age": ga("20+3"),
            "fetuses": 1,
            "history": {
                "painless_second_trimester_losses": births("19+2"),
                "spontaneous_preterm_births": [],
                "prior_cerclage": "present",
                "prior_cerclage_reason": "painless_dilation",
                "prior_cerclage_route": "transvaginal",
                "prior_cerclage_failed": "absent",
            },
            "risk_factors": {"conization_or_leep": "present"},
            "exam": {"cervical_dilation_cm": 2.0, "membranes_at_or_beyond_os": "present"},
            "ultrasound": {"cervical_lengths": [scan("18+0", 30.0), scan("20+3", 21.5)]},
            "exclusions": {"labour": "absent", "amniocentesis": "not_done"},
            "fetal": {"fetal_demise": "absent"},
        }
    )
    assert form_to_case(values) == expected


def test_empty_form_is_the_all_unknown_case() -> None:
    """A form nobody has touched is a case in which everything is unknown."""
    assert form_to_case({}) == Case()


def test_empty_scan_rows_are_ignored() -> None:
    """A cervical-length row with neither age nor length is skipped, not an error."""
    case = form_to_case(scan_rows((18, 0, 30), (None, None, None), (20, 0, 24)))
    assert [s.cervical_length_mm for s in case.ultrasound.cervical_lengths] == [30.0, 24.0]


def test_scan_row_without_a_length_is_reported_at_that_row() -> None:
    """A scan row with an age but no length is reported with a path naming the row and the missing cell."""
    problems = form_problems(scan_rows((None, None, None), (20, 0, None)))
    assert [p for p, _ in problems] == [f"{SCANS}[1].cervical_length_mm"]


def test_scan_row_without_an_age_is_reported_at_that_row() -> None:
    """A scan row with a length but no gestational age is reported with a path naming the row and the missing cell."""
    problems = form_problems(scan_rows((18, 0, 30), (None, None, 22)))
    assert [p for p, _ in problems] == [f"{SCANS}[1].gestational_age"]


def test_days_without_weeks_are_reported() -> None:
    """Days of gestation without the weeks are reported against the gestational age."""
    assert [p for p, _ in form_problems({key("gestational_age.days"): 3})] == ["gestational_age"]


def test_form_and_case_problems_are_reported_together() -> None:
    """A half-filled scan row and an out-of-range fetus count are reported in one pass."""
    problems = form_problems({key("fetuses"): 7} | scan_rows((20, 0, None)))
    assert sorted(p for p, _ in problems) == ["fetuses", f"{SCANS}[0].cervical_length_mm"]


@pytest.mark.parametrize("path", BIRTH_LISTS)
def test_yes_without_rows_is_one_entry_of_unknown_age(path: str) -> None:
    """Answering 'yes' to earlier losses or births without adding rows records one of unknown gestational age."""
    case = form_to_case({key(path + ".known"): "yes"})
    entries = getattr(case.history, path.split(".", 1)[1])
    assert [e.gestational_age for e in entries] == [None]


@pytest.mark.parametrize(("answer", "expected"), [("unknown", None), ("none", [])])
def test_unknown_and_none_are_different_answers(answer: str, expected: list[Any] | None) -> None:
    """'Unknown' leaves the history list not known; 'none' records that there were none."""
    case = form_to_case({key(LOSSES + ".known"): answer})
    assert case.history.second_trimester_losses == expected


def test_case_to_form_fills_every_row() -> None:
    """Filling the form from a case gives one row per earlier loss and per scan."""
    case = case_from_dict(
        {
            "gestational_age": ga("22+0"),
            "history": {"painless_second_trimester_losses": births("18+0", None)},
            "ultrasound": {"cervical_lengths": [scan("20+0", 20.0)]},
        }
    )
    values = case_to_form(case)
    assert (len(values[rows_key(LOSSES)]), len(values[rows_key(SCANS)]), values[key(LOSSES + ".known")]) == (
        2,
        1,
        "yes",
    )


# --------------------------------------------------------------------------- completeness


def test_empty_case_has_nothing_answered_in_any_section() -> None:
    """A new case counts zero answered fields in every section, out of a non-zero total."""
    counts = completeness(Case())
    assert counts and all(answered == 0 and total > 0 for answered, total in counts.values())


def test_answered_fields_are_counted_in_their_section() -> None:
    """Each answered field adds one to its section; an empty scan list is not an answer, 'none' is."""
    case = case_from_dict(
        {
            "fetuses": 1,
            "history": {"painless_second_trimester_losses": []},
            "exclusions": {"labour": "absent", "amniocentesis": "not_done"},
            "ultrasound": {"cervical_lengths": []},
        }
    )
    counts = completeness(case)
    assert {s: counts[s][0] for s in ("pregnancy", "history", "exclusions", "ultrasound", "fetal")} == {
        "pregnancy": 1,
        "history": 1,
        "exclusions": 2,
        "ultrasound": 0,
        "fetal": 0,
    }


def test_cerclage_details_count_only_after_a_cerclage() -> None:
    """Reason, route and outcome of an earlier cerclage join the history total only when there was one."""
    without = completeness(Case())["history"][1]
    with_cerclage = completeness(case_from_dict({"history": {"prior_cerclage": Tri.present.value}}))["history"]
    assert (with_cerclage[1] - without, with_cerclage[0]) == (3, 1)


def test_overall_sums_the_sections() -> None:
    """The overall count is the sum of the sections' answered and total fields."""
    counts = completeness(case_from_dict({"fetuses": 2, "symptoms": {"cramping": "absent"}}))
    assert overall(counts) == (sum(a for a, _ in counts.values()), sum(t for _, t in counts.values())) == (
        2,
        sum(t for _, t in counts.values()),
    )


@pytest.mark.parametrize("answer", ["absent", "unknown"])
def test_details_left_behind_when_the_earlier_cerclage_is_no_longer_present_are_dropped(answer: str) -> None:
    """Changing 'earlier cerclage' away from present drops its hidden details instead of refusing the case."""
    values = {
        **blank_form(),
        key("history.prior_cerclage"): answer,
        key("history.prior_cerclage_reason"): "painless_dilation",
        key("history.prior_cerclage_route"): "transvaginal",
        key("history.prior_cerclage_failed"): "present",
    }
    history = form_to_case(values).history
    assert history.prior_cerclage.value == answer
    details = (history.prior_cerclage_reason, history.prior_cerclage_route, history.prior_cerclage_failed)
    assert [d.value for d in details] == ["unknown", "unknown", "unknown"]


def test_yes_to_earlier_losses_counts_as_answered_before_the_dates_are_given() -> None:
    """Answering 'Yes' to earlier losses counts as answered even with the gestational age left blank."""
    values = {**blank_form(), key("history.second_trimester_losses.known"): "yes"}
    case = form_to_case(values)
    assert case.history.second_trimester_losses is not None
    assert completeness(case)["history"][0] == 1
