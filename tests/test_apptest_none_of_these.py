"""The Intake page's "None of these" and Undo through AppTest, and one answer order on every radio.

The app starts from ``streamlit_app.py`` and moves to the Intake page with ``switch_page``, as
in ``test_apptest_pages``. What the buttons should set comes from ``dashboard.intake`` and the
expected assessment from ``assess_all`` on the case the form then holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.assess import assess_all
from dashboard.case import Case, Tri
from dashboard.fields import SECTIONS, label_of
from dashboard.intake import (
    BIRTH_LISTS,
    IN,
    NONE_OF_THESE_SECTIONS,
    ROWS,
    TRI_WORDS,
    answer_key,
    form_to_case,
    key,
    none_answers,
    none_record_key,
)
from tests.test_apptest_pages import APP, entrypoint_runs_on_every_rerun, open_page  # noqa: F401 (autouse fixture)


@pytest.fixture
def at() -> Iterator[AppTest]:
    """The dashboard on its Intake page, with an empty case."""
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    open_page(app, "intake")
    yield app


def none_label(section: str) -> str:
    return f"None of these: {SECTIONS[section].lower()}"


def undo_label(section: str) -> str:
    return f"Undo none of these: {SECTIONS[section].lower()}"


def buttons(at: AppTest, label: str) -> list[Any]:
    return [b for b in at.main.button if b.label == label]


def click(at: AppTest, label: str) -> None:
    [button] = buttons(at, label)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def radios(at: AppTest) -> dict[str, str]:
    """Every radio of the Intake page: form key -> value."""
    return {r.key: r.value for r in at.main.radio}


def form(at: AppTest) -> dict[str, Any]:
    """The session's intake form values (what ``dashboard.ui.current_case`` reads)."""
    return {k: v for k, v in at.session_state.to_dict().items() if k.startswith(IN) or k.startswith(ROWS)}


def case_now(at: AppTest) -> Case:
    """The case the session's intake form describes now."""
    return form_to_case(form(at))


def answered(path: str) -> str:
    """The answer that records a finding as there ("yes" for a history list)."""
    return "yes" if path in BIRTH_LISTS else Tri.present.value


def answer_given(at: AppTest, path: str, value: str) -> None:
    at.radio(key=answer_key(path)).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]


def recorded_caption(at: AppTest) -> list[str]:
    return [c.value for c in at.main.caption if c.value.startswith("Recorded as ")]


def summary(at: AppTest) -> str:
    [text] = [m.value for m in at.main.markdown if "answered overall" in m.value]
    return text


@pytest.mark.parametrize("section", NONE_OF_THESE_SECTIONS)
def test_none_of_these_sets_the_unknown_findings_of_its_section_only(at: AppTest, section: str) -> None:
    """The button sets the section's unknown findings, keeps the answers given and leaves other sections alone."""
    first, second, *rest = none_answers(section)
    answer_given(at, first, answered(first))
    answer_given(at, second, none_answers(section)[second])
    before, form_before = radios(at), form(at)
    setting = {answer_key(p): none_answers(section)[p] for p in rest}

    click(at, none_label(section))

    after = radios(at)
    assert after == before | setting
    assert [after[answer_key(p)] for p in (first, second)] == [answered(first), none_answers(section)[second]]
    case = case_now(at)
    assert case == form_to_case(form_before | setting)  # nothing else in the case moved
    for path in rest:
        group, name = path.split(".", 1)
        assert getattr(getattr(case, group), name) in (Tri.absent, []), path
    words = none_answers(section)[rest[0]]
    assert recorded_caption(at) == [f"Recorded as {words}: {', '.join(label_of(p) for p in rest)}."]


def test_history_records_none_for_the_lists_and_absent_for_an_earlier_cerclage(at: AppTest) -> None:
    """On an empty history, the message names both lists as none and the earlier cerclage as absent."""
    click(at, none_label("history"))

    history = case_now(at).history
    assert (history.second_trimester_losses, history.spontaneous_preterm_births) == ([], [])
    assert history.prior_cerclage == Tri.absent
    assert recorded_caption(at) == [
        f"Recorded as none: {label_of(BIRTH_LISTS[0])}, {label_of(BIRTH_LISTS[1])}. "
        f"Recorded as absent: {label_of('history.prior_cerclage')}."
    ]


def test_history_leaves_the_details_of_an_earlier_cerclage_unknown(at: AppTest) -> None:
    """With an earlier cerclage recorded, "None of these" leaves it present and its outcome unknown."""
    answer_given(at, "history.prior_cerclage", "present")

    click(at, none_label("history"))

    history = case_now(at).history
    assert (history.prior_cerclage, history.prior_cerclage_failed) == (Tri.present, Tri.unknown)
    assert at.radio(key=key("history.prior_cerclage_failed")).value == "unknown"


def test_the_assessment_follows_the_exclusions_set_absent(at: AppTest) -> None:
    """After "None of these" on the exclusions, the summary lists what the engine still misses, not them."""
    before = {m.label for m in assess_all(case_now(at)).missing}

    click(at, none_label("exclusions"))

    missing = assess_all(case_now(at)).missing
    ruled_out = {label_of(p) for p in none_answers("exclusions")}
    assert ruled_out & before, "the empty case misses some exclusions"
    assert not ruled_out & {m.label for m in missing}
    text = summary(at)
    for m in missing:
        assert f"- [{m.label}](#{m.section})" in text
    for label in ruled_out:
        assert f"- [{label}](" not in text


@pytest.mark.parametrize("section", NONE_OF_THESE_SECTIONS)
def test_undo_puts_back_exactly_what_none_of_these_set(at: AppTest, section: str) -> None:
    """Undo returns the findings it set to Unknown, keeps the answer given before, and goes away."""
    first = next(iter(none_answers(section)))
    answer_given(at, first, answered(first))
    before = radios(at)
    click(at, none_label(section))
    assert buttons(at, none_label(section))[0].disabled  # nothing left unknown here

    click(at, undo_label(section))

    assert radios(at) == before
    assert not buttons(at, undo_label(section)) and not recorded_caption(at)
    assert not buttons(at, none_label(section))[0].disabled
    assert at.session_state.get(none_record_key(section)) is None


def test_undo_leaves_a_finding_changed_since(at: AppTest) -> None:
    """A finding changed after "None of these" keeps its new answer when Undo is pressed."""
    click(at, none_label("symptoms"))
    answer_given(at, "symptoms.cramping", "present")
    assert recorded_caption(at) == [
        "Recorded as absent: "
        + ", ".join(label_of(p) for p in none_answers("symptoms") if p != "symptoms.cramping")
        + "."
    ]

    click(at, undo_label("symptoms"))

    assert {p: at.radio(key=answer_key(p)).value for p in none_answers("symptoms")} == {
        p: "present" if p == "symptoms.cramping" else "unknown" for p in none_answers("symptoms")
    }


def test_no_undo_is_offered_once_every_finding_it_set_was_changed(at: AppTest) -> None:
    """When each finding it set has been answered again, the message and the Undo go away."""
    click(at, none_label("fetal"))
    for path in none_answers("fetal"):
        answer_given(at, path, "present")

    assert not buttons(at, undo_label("fetal")) and not recorded_caption(at)


def test_new_case_forgets_what_none_of_these_set(at: AppTest) -> None:
    """After New case, the intake is unknown again and no Undo speaks of answers that are gone."""
    click(at, none_label("risk_factors"))
    [new_case] = [b for b in at.sidebar.button if b.label == "New case"]
    new_case.click().run()
    [new_case] = [b for b in at.sidebar.button if b.label == "New case"]
    new_case.click()
    [clear] = [b for b in at.button if b.label == "Clear everything"]
    clear.click()
    at.run()

    assert set(radios(at).values()) == {"unknown"}
    assert not buttons(at, undo_label("risk_factors")) and not recorded_caption(at)


def test_every_radio_reads_finding_then_its_absence_then_unknown(at: AppTest) -> None:
    """Every Intake radio, earlier cerclage details included, puts Unknown last and starts on it."""
    assert set(radios(at).values()) == {"unknown"}
    answer_given(at, "history.prior_cerclage", "present")  # shows the outcome of the earlier cerclage
    assert at.radio(key=key("history.prior_cerclage_failed")).value == "unknown"

    shown = {r.key: r.options for r in at.main.radio}
    assert key("history.prior_cerclage_failed") in shown
    for form_key, options in shown.items():
        assert options[-1] == "Unknown", form_key
    two_way = {k: o for k, o in shown.items() if k != key("exclusions.amniocentesis")}
    orders = {tuple(o) for o in two_way.values()}
    assert orders == {("Yes", "None", "Unknown"), tuple(TRI_WORDS.values())}
    assert tuple(TRI_WORDS.values()) == ("Present", "Absent", "Unknown")
    assert shown[key("exclusions.amniocentesis")] == ["Infection found", "No infection found", "Not done", "Unknown"]
