"""The bottom line card in Chromium: it follows the intake's answers and reads the same on Intake,
Criteria and Treatments, on a desktop screen and on a 390 px phone screen without overflowing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from dashboard.assess import assess_all
from dashboard.intake import form_to_case
from dashboard.kb import GUIDELINE_NAMES
from tests.browser.app_driver import ACUTE_DILATION_ANSWERS, fill_intake, form_values, go_to, main, open_app, shoot
from tests.browser.helpers import VIEWPORT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENS = {"desktop": VIEWPORT, "phone": PHONE}


def card(page: Page) -> Locator:
    """The bottom-line card: Streamlit renders the container key "bottom-line" as this CSS class."""
    return main(page).locator(".st-key-bottom-line")


def sidebar_collapsed(page: Page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def move_to(page: Page, title: str, phone: bool) -> None:
    """Go to a page through the sidebar; on a phone the sidebar is opened first and closed after,
    as a user does (open, it lies over the main area)."""
    if phone and sidebar_collapsed(page):
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    go_to(page, title)
    if phone and not sidebar_collapsed(page):
        page.get_by_test_id("stSidebar").hover()
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def assert_card_fits(page: Page, width: int) -> None:
    """The card is visible, no wider than the screen, and its first line lies inside the screen."""
    box = card(page).bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["width"] <= width and box["x"] + box["width"] <= width, box
    first = card(page).locator("[data-testid=stMarkdownContainer] p").first
    expect(first).to_be_visible()
    line = first.bounding_box()
    assert line is not None
    assert line["x"] >= 0 and line["x"] + line["width"] <= width, line
    overflow = card(page).evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 0, f"the card scrolls sideways by {overflow} px"


@pytest.mark.parametrize("screen", SCREENS)
def test_card_follows_the_intake_and_reads_the_same_on_every_page(page: Page, streamlit_server, request, screen) -> None:
    """The card changes to the engine's new headline as the intake is filled and shows it on Criteria and Treatments."""
    size = SCREENS[screen]
    phone = screen == "phone"
    page.set_viewport_size(size)
    line = assess_all(form_to_case(form_values(ACUTE_DILATION_ANSWERS))).guidelines["acog"].bottom_line
    opening = f"Bottom line under {GUIDELINE_NAMES['acog']}:"

    open_app(page, streamlit_server)
    move_to(page, "Intake", phone)
    expect(card(page)).to_have_count(1)
    expect(card(page)).to_be_visible()
    expect(card(page)).to_contain_text(opening)
    before = card(page).inner_text()
    assert line.headline not in before, "the empty case must not already show the acute dilation headline"
    assert_card_fits(page, size["width"])
    shoot(page, request.node.name, "1-intake-empty")

    fill_intake(page)
    expect(card(page)).not_to_have_text(before)
    expect(card(page)).to_contain_text(line.headline)
    after = card(page).inner_text()
    assert_card_fits(page, size["width"])
    shoot(page, request.node.name, "2-intake-filled")

    for n, title in enumerate(("Criteria", "Treatments"), start=3):
        move_to(page, title, phone)
        expect(card(page)).to_have_count(1)
        expect(card(page)).to_be_visible()
        expect(card(page)).to_contain_text(opening)
        expect(card(page)).to_contain_text(line.headline)
        assert card(page).inner_text() == after, title
        assert_card_fits(page, size["width"])
        shoot(page, request.node.name, f"{n}-{title.lower()}")
