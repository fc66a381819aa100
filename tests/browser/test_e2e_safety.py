"""The clinical safety page in Chromium, on a desktop screen and on a 390 px phone screen: opened from
another page's sidebar link, it shows the draft status first, the review status, the hazard log
(one table per hazard, each field a row, none wider than the screen) and the risk matrix; the page
never scrolls sideways, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dashboard.safety import HAZARD_FIELDS, load_safety
from tests.browser.app_driver import go_to, main, open_app, shoot
from tests.browser.helpers import VIEWPORT, describe_violations, run_axe, wait_for_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENS = {"desktop": VIEWPORT, "phone": PHONE}
SAFETY = load_safety()
SIDEBAR_LINK = "Scope and safety (draft)"  # dashboard/ui.py, sidebar()
TITLE = "Clinical safety and scope"


def sidebar_collapsed(page: Page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def open_sidebar(page: Page) -> None:
    if sidebar_collapsed(page):
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")


def close_sidebar(page: Page) -> None:
    if not sidebar_collapsed(page):
        page.get_by_test_id("stSidebar").hover()
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def assert_inside_the_screen(box: dict | None, width: int, what: str) -> None:
    assert box is not None, what
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"{what} leaves the screen: {box}"


@pytest.mark.parametrize("screen", SCREENS)
def test_the_safety_page_opens_from_another_pages_sidebar(page: Page, streamlit_server, request, screen) -> None:
    """From Intake's sidebar link the safety page opens with the draft status first, the review status and a
    table for every hazard; nothing is wider than the screen and axe finds nothing serious."""
    size = SCREENS[screen]
    phone = screen == "phone"
    page.set_viewport_size(size)
    open_app(page, streamlit_server)
    if phone:
        open_sidebar(page)
    go_to(page, "Intake")
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name=TITLE, exact=True)
    if phone:
        open_sidebar(page)
    expect(nav).to_be_visible()  # in the navigation of every page, too
    link = page.get_by_test_id("stSidebarUserContent").get_by_role("link", name=SIDEBAR_LINK)
    expect(link).to_be_visible()
    link.click()
    heading = main(page).locator("h1").first
    expect(heading).to_have_text(TITLE)
    wait_for_app(page)
    expect(nav).to_have_attribute("aria-current", "page")
    if phone:
        close_sidebar(page)

    draft = main(page).get_by_test_id("stAlert").first
    expect(draft).to_be_visible()
    expect(draft).to_contain_text("Draft: not signed off.")
    expect(draft).to_contain_text("Clinical Safety Officer")
    assert_inside_the_screen(draft.bounding_box(), size["width"], "the draft status")
    shoot(page, request.node.name, "1-top")

    review = main(page).get_by_role("table").filter(has_text="Reviewed by (role)")
    expect(review).to_have_count(1)
    review.scroll_into_view_if_needed()
    expect(review).to_be_visible()
    for item in SAFETY.file.review.items:
        expect(review.get_by_role("row").filter(has_text=item.item)).to_have_count(1)

    tables = main(page).get_by_role("table")
    for h in SAFETY.log.hazards:  # one table per hazard, its id heading the column
        table = tables.filter(has=page.get_by_role("columnheader", name=h.id, exact=True))
        expect(table).to_have_count(1)
        expect(table.get_by_role("row")).to_have_count(len(HAZARD_FIELDS) + 1)  # with the header row
    first = tables.filter(has=page.get_by_role("columnheader", name=SAFETY.log.hazards[0].id, exact=True))
    first.scroll_into_view_if_needed()
    expect(first).to_be_visible()
    for field in HAZARD_FIELDS:  # hazard, cause, effect, severity, likelihood, risk, controls, tests, status
        expect(first.get_by_role("rowheader", name=field, exact=True)).to_have_count(1)
    expect(first).to_contain_text(SAFETY.log.hazards[0].title)
    for h in (SAFETY.log.hazards[0], SAFETY.log.hazards[-1]):
        table = tables.filter(has=page.get_by_role("columnheader", name=h.id, exact=True))
        table.scroll_into_view_if_needed()
        assert_inside_the_screen(table.bounding_box(), size["width"], f"the table of {h.id}")
        fits = table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth")
        assert fits <= 0, f"the table of {h.id} scrolls sideways by {fits} px"
    shoot(page, request.node.name, "2-hazard-log")

    matrix = tables.filter(has=page.get_by_role("columnheader", name="Very high", exact=True))
    expect(matrix.get_by_role("row")).to_have_count(6)
    matrix.scroll_into_view_if_needed()
    assert_inside_the_screen(matrix.bounding_box(), size["width"], "the risk matrix")
    sideways = page.evaluate(
        "() => [document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " ...Array.from(document.querySelectorAll('[data-testid=stMain]')).map(e => e.scrollWidth - e.clientWidth)]"
    )
    assert max(sideways) <= 0, f"the page scrolls sideways by {sideways} px"

    violations = run_axe(page)
    assert violations == [], describe_violations(violations)
