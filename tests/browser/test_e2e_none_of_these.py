"""The Intake page's "None of these" in Chromium: the radios it sets, its message, a page move, Undo."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.case import Case
from dashboard.fields import SECTIONS, label_of
from dashboard.intake import TRI_WORDS, completeness, none_answers, overall
from tests.browser.app_driver import choose, go_to, main, open_app, radio_group, shoot
from tests.browser.helpers import describe_violations, run_axe, wait_for_app

INTAKE_TOTAL = overall(completeness(Case()))[1]  # questions on a blank intake

pytestmark = pytest.mark.browser

ANSWERED = "symptoms.cramping"
SET = [p for p in none_answers("symptoms") if p != ANSWERED]


def expect_answer(page, path: str, value: str) -> None:
    group = radio_group(page, label_of(path))
    expect(group.get_by_role("radio", name=TRI_WORDS[value], exact=True)).to_be_checked()


def test_none_of_these_sets_the_unknown_symptoms_absent_and_undo_restores_them(page, streamlit_server, request) -> None:
    """The symptoms' "None of these" sets the unknown ones Absent, says which, keeps them across pages; Undo."""
    open_app(page, streamlit_server)
    go_to(page, "Intake")
    choose(page, label_of(ANSWERED), TRI_WORDS["present"])
    wait_for_app(page)
    body = main(page)
    message = body.get_by_text(f"Recorded as absent: {', '.join(label_of(p) for p in SET)}.", exact=True)
    section = SECTIONS["symptoms"].lower()

    body.get_by_role("button", name=f"None of these: {section}", exact=True).click()

    for path in SET:
        expect_answer(page, path, "absent")
    expect_answer(page, ANSWERED, "present")
    expect(message).to_be_visible()
    sidebar = page.get_by_test_id("stSidebarUserContent")
    expect(sidebar.get_by_text(f"Intake 5 of {INTAKE_TOTAL} answered")).to_be_visible()
    expect_answer(page, "exclusions.labour", "unknown")  # another section is left alone
    wait_for_app(page)
    shoot(page, request.node.name, "1-none-of-these")
    violations = run_axe(page)
    assert violations == [], describe_violations(violations)

    go_to(page, "Criteria")
    go_to(page, "Intake")  # what the callback set reached the radios' kept state, not only the screen
    for path in SET:
        expect_answer(page, path, "absent")
    expect(message).to_be_visible()

    body.get_by_role("button", name=f"Undo none of these: {section}", exact=True).click()

    for path in SET:
        expect_answer(page, path, "unknown")
    expect_answer(page, ANSWERED, "present")
    expect(message).to_have_count(0)
    expect(body.get_by_role("button", name=f"Undo none of these: {section}")).to_have_count(0)
    sidebar = page.get_by_test_id("stSidebarUserContent")
    expect(sidebar.get_by_text(f"Intake 1 of {INTAKE_TOTAL} answered")).to_be_visible()
    wait_for_app(page)
    shoot(page, request.node.name, "2-undone")
