"""Sessions in Chromium: two browser contexts at once never see each other's case, and New case
empties only the tab that asked for it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import (
    PAGE_TITLES,
    enter_number,
    go_to,
    main,
    open_app,
    progress_text,
    shoot,
    sidebar_case_lines,
    tri,
)
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

WEEKS = "Current gestational age: weeks"
DAYS = "Current gestational age: days"


def sidebar_says(page, text: str):
    return page.get_by_test_id("stSidebarUserContent").get_by_text(text, exact=True)


def enter_gestational_age(page, weeks: str, days: str, shot: str | None = None) -> None:
    """Type a gestational age on Intake and wait until the server has it (the sidebar says so)."""
    go_to(page, "Intake")
    enter_number(page, WEEKS, weeks)
    enter_number(page, DAYS, days)
    expect(sidebar_says(page, f"Gestational age: {weeks}+{days} weeks")).to_be_visible()
    wait_for_app(page)
    if shot:
        shoot(page, shot, "Intake")


def clear_everything(page) -> None:
    page.get_by_role("button", name="New case").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Start a new case?")
    dialog.get_by_role("button", name="Clear everything").click()
    expect(dialog).to_have_count(0)
    expect(sidebar_says(page, "Gestational age: unknown")).to_be_visible()
    wait_for_app(page)


def test_two_sessions_keep_their_own_cases(new_page, streamlit_server, request) -> None:
    """Two contexts at once each see only their own gestational age, on every page and in the sidebar."""
    ages = {"first": ("18", "1"), "second": ("31", "5")}
    pages = {name: new_page() for name in ages}
    for page in pages.values():
        open_app(page, streamlit_server)  # each page is photographed in the loop below
    # Interleave the entries so each session changes while the other holds a case.
    enter_gestational_age(pages["first"], *ages["first"])
    enter_gestational_age(pages["second"], *ages["second"])

    for title in PAGE_TITLES:
        for name, page in pages.items():
            weeks, days = ages[name]
            go_to(page, title, shot=f"{request.node.name}-{name}")
            expect(sidebar_says(page, f"Gestational age: {weeks}+{days} weeks")).to_be_visible()
            other_weeks, other_days = next(a for n, a in ages.items() if n != name)
            assert f"Gestational age: {other_weeks}+{other_days} weeks" not in sidebar_case_lines(page)
            if title == "Intake":
                expect(page.get_by_label(WEEKS, exact=True)).to_have_value(weeks)
                expect(page.get_by_label(DAYS, exact=True)).to_have_value(days)
            if title == "Criteria":
                expect(main(page).get_by_text(f"{weeks}+{days} weeks").first).to_be_visible()
                expect(main(page).get_by_text(f"{other_weeks}+{other_days} weeks")).to_have_count(0)


def test_new_case_clears_only_this_session(new_page, streamlit_server, request) -> None:
    """Confirming New case empties this tab's case while another tab keeps its own."""
    mine, other = new_page(), new_page()
    for name, page in (("mine", mine), ("other", other)):
        open_app(page, streamlit_server, shot=f"{request.node.name}-{name}")
    enter_gestational_age(mine, "22", "2", shot=f"{request.node.name}-mine")
    enter_gestational_age(other, "25", "6", shot=f"{request.node.name}-other")

    clear_everything(mine)

    shoot(mine, request.node.name, "mine-cleared")
    go_to(other, "Overview", shot=f"{request.node.name}-other-after")
    assert "Gestational age: 25+6 weeks" in sidebar_case_lines(other)


def test_new_case_leaves_no_old_answer_behind(page, streamlit_server, request) -> None:
    """After New case, the Intake inputs are empty and a new answer does not bring the old case back."""
    open_app(page, streamlit_server, shot=request.node.name)
    enter_gestational_age(page, "22", "2", shot=request.node.name)
    clear_everything(page)
    shoot(page, request.node.name, "intake-cleared")

    answer = tri("fetal.fetal_demise", "absent")
    answer.enter(page)
    old_case_back = sidebar_says(page, "Gestational age: 22+2 weeks")
    expect(sidebar_says(page, progress_text((answer,))).or_(old_case_back)).to_be_visible()
    wait_for_app(page)
    shoot(page, request.node.name, "intake-after-next-answer")

    assert "Gestational age: unknown" in sidebar_case_lines(page)
    expect(page.get_by_label(WEEKS, exact=True)).to_have_value("", timeout=1000)


def test_new_case_keep_the_case_changes_nothing(page, streamlit_server, request) -> None:
    """Choosing Keep the case closes the dialog and leaves the answers in place."""
    open_app(page, streamlit_server, shot=request.node.name)
    enter_gestational_age(page, "19", "0", shot=request.node.name)

    page.get_by_role("button", name="New case").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Start a new case?")
    shoot(page, request.node.name, "dialog")
    dialog.get_by_role("button", name="Keep the case").click()

    expect(dialog).to_have_count(0)
    expect(page.get_by_label(WEEKS, exact=True)).to_have_value("19")
    wait_for_app(page)
    assert "Gestational age: 19+0 weeks" in sidebar_case_lines(page)
    shoot(page, request.node.name, "kept-intake")
