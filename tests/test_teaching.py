"""Teaching mode: each case is a valid case file, its questions have the engine's answer among their
options, and the page reveals those answers, with the reason, after the resident has committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.assess import assess_all
from dashboard.intake import case_to_form
from dashboard.teaching import (
    QUESTIONS,
    TREATMENT_QUESTIONS,
    answer,
    open_answer_note,
    teaching_cases,
    treatment_answer,
)
from dashboard.ui import STATUS_LOOK

APP = Path(__file__).parents[1] / "streamlit_app.py"
CASES = teaching_cases()


def test_there_are_core_and_advanced_cases() -> None:
    """Residents get both core and advanced cases."""
    assert {tc.level for tc in CASES} == {"core", "advanced"}


@pytest.mark.parametrize("tc", CASES, ids=lambda tc: tc.id)
def test_every_question_has_the_engines_answer_among_its_options(tc) -> None:
    """Each question can be answered correctly: the engine's answer is one of the offered options."""
    result = assess_all(tc.as_case())
    for q in tc.questions:
        assert answer(result, q) in QUESTIONS[q][1], (tc.id, q)


def test_the_failed_cerclage_case_asks_about_the_transabdominal_option() -> None:
    """The failed-cerclage case asks about transabdominal cerclage, which RCOG lets her consider at 8 weeks."""
    [tc] = [tc for tc in CASES if tc.id == "T6-failed-vaginal-cerclage"]
    assert "transabdominal_rcog" in tc.questions
    option = treatment_answer(assess_all(tc.as_case()), "transabdominal_rcog")
    assert (option.treatment, option.status) == ("transabdominal_cerclage", "consider")
    assert set(TREATMENT_QUESTIONS) <= set(QUESTIONS)


# --------------------------------------------------------------------------- the page


@pytest.fixture
def at(app_on) -> AppTest:
    """The app on its Teaching page."""
    return app_on("pages/teaching.py")


def _reveal(at: AppTest) -> None:
    [button] = [b for b in at.button if b.label == "Reveal the answers"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("tc", CASES, ids=lambda tc: tc.id)
def test_reveal_shows_each_answer_and_whether_the_resident_matched_it(at: AppTest, tc) -> None:
    """After the reveal each question shows the engine's answer in words, and a right answer is confirmed."""
    at.selectbox(key="teach.case").set_value(tc.id).run()
    result = assess_all(tc.as_case())
    first = tc.questions[0]
    at.radio(key=f"teach.{tc.id}.{first}").set_value(answer(result, first))
    _reveal(at)

    text = [m.value for m in at.main.markdown]
    for q in tc.questions:
        words = STATUS_LOOK.get(answer(result, q), (answer(result, q),))[0]
        assert any(f"Answer: {words}" in t for t in text), (q, words)
        assert any(QUESTIONS[q][0] in t for t in text), q
    assert any("Your answer matches." in t for t in text)
    assert sum("You did not answer this one." in c.value for c in at.main.caption) == len(tc.questions) - 1


def test_the_transabdominal_question_is_answered_with_its_reason(at: AppTest) -> None:
    """The transabdominal question's reveal gives the RCOG reason behind the status."""
    [tc] = [tc for tc in CASES if tc.id == "T6-failed-vaginal-cerclage"]
    at.selectbox(key="teach.case").set_value(tc.id).run()
    _reveal(at)
    option = treatment_answer(assess_all(tc.as_case()), "transabdominal_rcog")
    assert any(option.reason in m.value for m in at.main.markdown)


def test_opening_a_teaching_case_in_the_intake_fills_the_form(at: AppTest) -> None:
    """'Open this case in the intake' replaces the intake with the teaching case's answers."""
    tc = CASES[0]
    at.selectbox(key="teach.case").set_value(tc.id).run()
    [opener] = [b for b in at.button if b.label.startswith("Open this case in the intake")]
    opener.click().run()
    [replace] = [b for b in at.button if b.label == "Replace the intake"]
    replace.click().run()
    assert not at.exception, [e.value for e in at.exception]
    for k, v in case_to_form(tc.as_case()).items():
        assert at.session_state[k] == v, k


def test_no_indication_where_the_answer_is_still_open_is_told_what_would_decide_it(at: AppTest) -> None:
    """One painless loss at 12+2 under RCOG: 'no indication' is 'nearly', naming the scans that would decide it."""
    tc = next(c for c in CASES if c.id == "T1-one-painless-loss")
    result = assess_all(tc.as_case())
    assert answer(result, "cerclage_rcog") == "insufficient_data"
    note = open_answer_note(result, "cerclage_rcog", "none")
    assert note is not None and "Cervical length scans" in note
    assert open_answer_note(result, "cerclage_rcog", "history") is None
    assert open_answer_note(result, "diagnosis", "none") is None
    at.selectbox(key="teach.case").set_value(tc.id).run()
    at.radio(key=f"teach.{tc.id}.cerclage_rcog").set_value("none")
    _reveal(at)
    assert any(note in m.value and "You answered No indication." in m.value for m in at.main.markdown)


def test_the_key_findings_name_an_earlier_cerclage_and_its_failure() -> None:
    """The failed-cerclage case's key findings (and the sidebar's lines) name the earlier cerclage."""
    from dashboard.ui import glance

    tc = next(c for c in CASES if c.id == "T6-failed-vaginal-cerclage")
    assert "Earlier cerclage: planned, because of history, transvaginal, failed" in glance(tc.as_case())
