"""The bottom line card in Chromium: it follows the intake's answers and reads the same on Intake,
Criteria and Treatments, on a desktop screen and on a 390 px phone screen without overflowing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from dashboard.assess import assess_all
from dashboard.fields import label_of
from dashboard.intake import form_to_case, key
from dashboard.kb import GUIDELINE_NAMES
from tests.browser.app_driver import (
    ACUTE_DILATION_ANSWERS,
    enter_number,
    fill_intake,
    form_values,
    go_to,
    main,
    open_app,
    shoot,
    tri,
)
from tests.browser.helpers import VIEWPORT, wait_for_app

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
def test_card_follows_the_intake_and_reads_the_same_on_every_page(
    page: Page, streamlit_server, request, screen
) -> None:
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


@pytest.mark.parametrize("screen", SCREENS)
def test_a_cerclage_recorded_in_place_leads_the_card_and_closes_placing_one(
    page: Page, streamlit_server, request, screen
) -> None:
    """Recording a transvaginal cerclage in place on Intake: its details appear, the card opens with it
    and shows the removal note, and on Treatments no cerclage is offered, each closed by naming why."""
    size = SCREENS[screen]
    phone = screen == "phone"
    page.set_viewport_size(size)
    answers = (
        *ACUTE_DILATION_ANSWERS[:3],
        tri("cerclage.in_place", "present"),
        *ACUTE_DILATION_ANSWERS[3:],
    )
    open_app(page, streamlit_server)
    move_to(page, "Intake", phone)
    fill_intake(page, answers)
    route = main(page).get_by_label(label_of("cerclage.route"), exact=True)
    expect(route).to_be_visible()
    route.click()  # a select box: type to filter its options, Enter to take the one left
    page.keyboard.type("Transvaginal")
    page.keyboard.press("Enter")
    expect(route).to_have_value("Transvaginal")
    enter_number(page, "Placed at: weeks", "13")
    wait_for_app(page)
    values = form_values(answers) | {key("cerclage.route"): "transvaginal", key("cerclage.placed_at.weeks"): 13}
    line = assess_all(form_to_case(values)).guidelines["acog"].bottom_line
    assert line.headline.startswith("A transvaginal cerclage is in place")
    expect(card(page)).to_contain_text(line.headline)
    expect(card(page)).to_contain_text("Removing a transvaginal cerclage")
    assert_card_fits(page, size["width"])
    shoot(page, request.node.name, "1-intake-cerclage-in-place")

    move_to(page, "Treatments", phone)
    expect(card(page)).to_contain_text(line.headline)
    assert not [i for i in line.offered if i.treatment.endswith("cerclage")]
    expect(main(page).get_by_text("A cerclage is already in place in this pregnancy").first).to_be_attached()
    assert_card_fits(page, size["width"])
    shoot(page, request.node.name, "2-treatments")
