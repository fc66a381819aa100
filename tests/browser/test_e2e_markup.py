"""Markup in Chromium: whatever a user types or a file carries is shown as text, never run or rendered."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import go_to, main, open_app, shoot
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

IMG_PAYLOAD = "<img src=x onerror=window.__xss=1>"
SCRIPT_PAYLOAD = "<script>window.__xss=2</script>"


def assert_nothing_ran(page) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined", "injected script ran"
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("[data-testid=stMain] script")).to_have_count(0)


def test_reference_search_shows_markup_as_text(page, streamlit_server, request) -> None:
    """Markup typed into the References search box runs nothing and is kept as plain text."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "References", shot=request.node.name)
    search = page.get_by_label("Search references", exact=True)

    for payload in (IMG_PAYLOAD, f"{SCRIPT_PAYLOAD} <b>bold</b> **strong**"):
        search.fill(payload)
        search.press("Enter")
        expect(main(page).get_by_text("No reference matches that search.")).to_be_visible()
        wait_for_app(page)
        expect(search).to_have_value(payload)
        assert_nothing_ran(page)
        expect(main(page).locator("b", has_text="bold")).to_have_count(0)
    shoot(page, request.node.name, "references-search")


def test_number_input_refuses_markup(page, streamlit_server, request) -> None:
    """Markup typed into a number box is refused at its field, shown as text, and runs nothing."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    weeks = page.get_by_label("Current gestational age: weeks", exact=True)

    weeks.click()
    page.keyboard.type(IMG_PAYLOAD)
    page.keyboard.press("Enter")
    wait_for_app(page)

    typed = IMG_PAYLOAD[:8]  # the box takes 8 characters at most
    expect(weeks).to_have_value(typed)  # kept as typed, shown as text, and refused at its field
    errors = main(page).get_by_test_id("stAlertContentError")
    expect(errors.filter(has_text=f"Current gestational age (weeks): '{typed}' is not a number").first).to_be_visible()
    assert "Gestational age: 20" not in page.get_by_test_id("stSidebarUserContent").inner_text()
    assert_nothing_ran(page)
    shoot(page, request.node.name, "intake-number")


def test_markup_in_a_case_file_is_shown_as_text(page, streamlit_server, request) -> None:
    """A case file whose name and field names carry HTML is refused with that HTML shown as text."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    payload = {"format_version": "1", IMG_PAYLOAD: 1, SCRIPT_PAYLOAD: 2}

    page.locator("input[type=file]").set_input_files(
        files=[{"name": f"{IMG_PAYLOAD}.json", "mimeType": "application/json", "buffer": json.dumps(payload).encode()}]
    )

    expect(main(page).get_by_text("That file was not loaded; the current case is unchanged.")).to_be_visible()
    wait_for_app(page)
    problems = main(page).get_by_role("listitem")
    expect(problems.filter(has_text=IMG_PAYLOAD)).to_have_count(1)
    expect(problems.filter(has_text=SCRIPT_PAYLOAD)).to_have_count(1)
    assert_nothing_ran(page)
    shoot(page, request.node.name, "intake-refused-markup")


def test_markdown_in_a_case_file_field_name_is_shown_as_text(page, streamlit_server, request) -> None:
    """A field name written as a Markdown link is shown literally in the refusal, not interpreted."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    field = "[Click to verify](https://example.org/phish)"

    page.locator("input[type=file]").set_input_files(
        files=[{"name": "link.json", "mimeType": "application/json", "buffer": json.dumps({field: 1}).encode()}]
    )

    expect(main(page).get_by_text("That file was not loaded; the current case is unchanged.")).to_be_visible()
    wait_for_app(page)
    shoot(page, request.node.name, "intake-refused-markdown")
    expect(main(page).get_by_role("listitem").filter(has_text=field)).to_have_count(1, timeout=2000)
