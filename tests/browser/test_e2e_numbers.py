"""Numbers as typed, in Chromium at desktop and 390 px phone widths (issue 11).

A number box's value is either used exactly as the box shows it, or refused at that box with a
message naming the field; a decimal comma is read, never dropped; no box keeps showing one value
while the case uses another. Each test reads what the page shows: the box, the field's message,
the sidebar's "This case" lines and the verdicts.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_driver import choose, enter_number, go_to, main, open_app, shoot, sidebar_case_lines
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

WEEKS = "Current gestational age: weeks"
DILATION = "Cervical dilation (cm)"
ATTENTION = "1 answer(s) need attention on the Intake page."


def field_errors(page: Page) -> list[str]:
    """The messages shown beside the fields (the summary at the foot repeats them; not counted)."""
    texts = main(page).get_by_test_id("stAlertContentError").all_inner_texts()
    return [t.removeprefix("error").strip() for t in texts if "Some answers cannot be used yet" not in t]


def sidebar_text(page: Page) -> str:
    return page.get_by_test_id("stSidebarUserContent").inner_text()


def menu_to(page: Page, title: str, name: str) -> None:
    """Through the menu, as a person would: on a phone open the sidebar first and close it after."""
    sidebar = page.get_by_test_id("stSidebar")
    phone = sidebar.get_attribute("data-collapsed") == "true"
    if phone:
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false")
    go_to(page, title, shot=name)
    if phone and sidebar.get_attribute("data-collapsed") == "false":
        sidebar.hover()
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(sidebar).to_have_attribute("data-collapsed", "true")


def open_intake(page: Page, server: str, name: str) -> None:
    open_app(page, server, shot=name)
    menu_to(page, "Intake", name)


def test_a_decimal_comma_is_read_as_a_decimal_point(sized_page: Page, streamlit_server, request) -> None:
    """0,5 cm is 0.5 cm (not 5 cm, not dropped); 0,555 is refused at the field and no dilation is used."""
    page = sized_page
    open_intake(page, streamlit_server, request.node.name)
    enter_number(page, WEEKS, "20")
    enter_number(page, DILATION, "0,5")
    wait_for_app(page)

    expect(page.get_by_label(DILATION, exact=True)).to_have_value("0,5")
    assert "Dilation: 0.5 cm" in sidebar_case_lines(page)
    assert field_errors(page) == []
    shoot(page, request.node.name, "comma-read")

    enter_number(page, DILATION, "0,555")
    wait_for_app(page)
    expect(page.get_by_label(DILATION, exact=True)).to_have_value("0,555")  # kept as typed, to correct
    assert field_errors(page) == [
        "Cervical dilation (cm): '0,555' has 3 digits after the decimal point or comma; give at most 2 "
        "(a comma is read as a decimal point, never as a thousands separator)"
    ]
    assert ATTENTION in sidebar_text(page)
    assert not any(line.startswith("Dilation") for line in sidebar_case_lines(page))  # 0.5 is not kept
    shoot(page, request.node.name, "comma-refused")


def test_a_length_and_a_dilation_with_two_decimals_are_used_as_shown(
    sized_page: Page, streamlit_server, request
) -> None:
    """24.96 mm shows as 24.96 everywhere (not 25.0); 1.04 cm shows as 1.04 cm (not 1.0)."""
    page = sized_page
    open_intake(page, streamlit_server, request.node.name)
    enter_number(page, WEEKS, "20")
    enter_number(page, DILATION, "1.04")
    main(page).get_by_role("button", name="Add a scan").click()
    wait_for_app(page)
    enter_number(page, "Scan 1: gestational age, weeks", "20")
    enter_number(page, "Scan 1: cervical length (mm)", "24,96")
    wait_for_app(page)

    expect(page.get_by_label("Scan 1: cervical length (mm)", exact=True)).to_have_value("24,96")
    expect(page.get_by_label(DILATION, exact=True)).to_have_value("1.04")
    lines = sidebar_case_lines(page)
    assert "Dilation: 1.04 cm" in lines
    assert "Latest cervical length: 24.96 mm at 20+0 weeks" in lines
    assert field_errors(page) == []
    body = main(page).inner_text() + sidebar_text(page)
    assert "25.0" not in body and "1.0 cm" not in body
    shoot(page, request.node.name, "two-decimals")

    # A third decimal place is refused at the scan's row; the earlier 24.96 is not kept silently.
    enter_number(page, "Scan 1: cervical length (mm)", "24.999")
    wait_for_app(page)
    assert field_errors(page) == [
        "Cervical length scans (mm, with gestational age), scan 1: cervical length: '24.999' has 3 digits "
        "after the decimal point or comma; give at most 2 (a comma is read as a decimal point, never as a "
        "thousands separator)"
    ]
    assert not any(line.startswith("Latest cervical length") for line in sidebar_case_lines(page))


def test_a_huge_number_is_cut_at_the_box_and_refused_not_replaced_by_the_old_value(
    sized_page: Page, streamlit_server, request
) -> None:
    """Typing 12 digits over 20 weeks: the box takes 8 and shows them, the field says they are out of
    range, and neither the sidebar nor the Criteria page goes on using 20 weeks."""
    page = sized_page
    open_intake(page, streamlit_server, request.node.name)
    enter_number(page, WEEKS, "20")
    wait_for_app(page)
    assert "Gestational age: 20+0 weeks" in sidebar_case_lines(page)

    box = page.get_by_label(WEEKS, exact=True)
    box.fill("")
    box.press_sequentially("123456789012")
    box.press("Enter")
    wait_for_app(page)

    expect(box).to_have_value("12345678")
    assert field_errors(page) == [
        "Current gestational age (weeks): 12345678 is out of range (completed weeks, 0 to 42)"
    ]
    assert ATTENTION in sidebar_text(page)
    assert "Gestational age: 20+0 weeks" not in sidebar_case_lines(page)

    menu_to(page, "Criteria", request.node.name)
    text = main(page).inner_text()
    assert "20+0" not in text
    assert "no verdict is shown" in text and "Current gestational age (weeks)" in text  # names the field
    expect(main(page).get_by_role("link", name="Go to the intake")).to_be_visible()
    shoot(page, request.node.name, "criteria-with-refused-weeks")


def test_words_and_signs_in_a_number_box_are_refused_at_that_box(sized_page: Page, streamlit_server, request) -> None:
    """Letters, a minus sign or a decimal in a count are each named at their box; a radio click later
    does not clear the message or take an earlier value."""
    page = sized_page
    open_intake(page, streamlit_server, request.node.name)
    enter_number(page, WEEKS, "20")
    enter_number(page, "Number of fetuses", "1.5")
    enter_number(page, DILATION, "-1")
    wait_for_app(page)
    choose(page, "Regular painful contractions or labour", "Absent")
    wait_for_app(page)

    assert field_errors(page) == [
        "Number of fetuses: '1.5' is not a whole number; enter a whole number, without a decimal point",
        "Cervical dilation (cm): '-1' is negative; enter a number of 0 or more",
    ]
    expect(page.get_by_label("Number of fetuses", exact=True)).to_have_value("1.5")
    lines = sidebar_case_lines(page)
    assert not any(line.startswith(("Fetuses", "Dilation")) for line in lines)
    assert "2 answer(s) need attention on the Intake page." in sidebar_text(page)
    shoot(page, request.node.name, "refused-at-the-box")
