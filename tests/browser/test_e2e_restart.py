"""A server restart mid-case: the tab never shows the old case as live, and never turns what the
browser still holds into a partial case (issue 11, "Restart").

Each test runs its own server, restarts it on the same port while the tab is connected, and then
types, clicks and navigates, asserting on what the page shows: no verdict, no summary, no
answers and no download until the user starts a new case or loads a case file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_driver import (
    ACUTE_SCENARIO,
    fill_intake,
    main,
    nav_link,
    upload_and_wait,
    verdict_heading,
)
from tests.browser.helpers import (
    StreamlitServer,
    free_port,
    screenshot,
    start_on_port,
    wait_for_app,
)

pytestmark = pytest.mark.browser

LOST = "no longer on the server"
WEEKS = "Current gestational age: weeks"


class Restartable:
    """One server on a fixed port that a test can restart under a connected tab."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.starts = 0
        self.server: StreamlitServer = self._start()

    def _start(self) -> StreamlitServer:
        self.starts += 1
        return start_on_port(self.port, self.log_dir / f"server-{self.starts}.log")

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server = self._start()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Restartable]:
    server = Restartable(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tab(sized_page: Page) -> Page:
    """The restart tests' tab: desktop and 390 px phone (conftest.sized_page)."""
    return sized_page


def open_intake(page: Page, app: Restartable) -> None:
    page.goto(app.url + "/intake")
    wait_for_app(page)
    expect(page.get_by_label(WEEKS, exact=True)).to_be_visible()


def sidebar(page: Page):
    return page.get_by_test_id("stSidebarUserContent")


def open_sidebar(page: Page) -> None:
    """On a phone the sidebar starts collapsed: open it to reach the navigation."""
    if not page.get_by_test_id("stSidebarNav").is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible()


def expect_nothing_of_the_case(page: Page) -> None:
    """The lost-case notice, and nothing of any case: no answers, verdict, summary or download."""
    expect(main(page).get_by_text(LOST)).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(main(page).get_by_text(LOST)).to_be_visible()
    expect(page.get_by_label(WEEKS, exact=True)).to_have_count(0)
    expect(verdict_heading(page)).to_have_count(0)
    expect(page.locator(".st-key-bottom-line")).to_have_count(0)
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)
    expect(page.get_by_text("Latest cervical length")).to_have_count(0)
    expect(page.get_by_text("Dilation: 2 cm")).to_have_count(0)
    expect(sidebar(page).get_by_text("answered")).to_have_count(0)  # no "Intake N of M answered"
    expect(sidebar(page).get_by_text("No case is open")).to_be_attached()


def navigate(page: Page, title: str) -> None:
    open_sidebar(page)
    nav_link(page, title).click()
    expect(nav_link(page, title)).to_have_attribute("aria-current", "page")
    wait_for_app(page)
    if page.viewport_size["width"] < 640 and page.get_by_test_id("stSidebarNav").is_visible():
        # On a phone the open sidebar covers the page: close it, as a user would.
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stSidebarNav")).not_to_be_visible()


def expect_a_blank_intake(page: Page) -> None:
    navigate(page, "Intake")
    weeks = page.get_by_label(WEEKS, exact=True)
    expect(weeks).to_be_visible()
    expect(weeks).to_have_value("")
    expect(page.get_by_label("Cervical dilation (cm)", exact=True)).to_have_value("")
    membranes = main(page).get_by_role("radiogroup", name="Membranes visible at or beyond the external os", exact=True)
    expect(membranes.get_by_role("radio", name="Unknown", exact=True)).to_be_checked()
    expect(main(page).get_by_text(LOST)).to_have_count(0)


def test_restart_on_intake_then_click_type_and_navigate(tab: Page, app: Restartable) -> None:
    """Mid-case on Intake: after the restart every page shows only the notice, however the user
    clicks or moves, until Start a new case gives a blank form."""
    open_intake(tab, app)
    fill_intake(tab)
    app.restart()

    expect_nothing_of_the_case(tab)
    screenshot(tab, f"restart-intake-{tab.viewport_size['width']}")
    open_sidebar(tab)
    tab.get_by_test_id("stSidebar").get_by_text("RCOG", exact=False).first.click()  # a click on a radio
    wait_for_app(tab)
    expect_nothing_of_the_case(tab)
    for title in ("Criteria", "Treatments", "Overview", "Intake"):
        navigate(tab, title)
        expect_nothing_of_the_case(tab)

    main(tab).get_by_role("button", name="Start a new case").click()
    wait_for_app(tab)
    expect_a_blank_intake(tab)


def test_restart_on_criteria_and_then_a_reload(tab: Page, app: Restartable) -> None:
    """With verdicts on Criteria: the restart replaces them with the notice; a reload keeps it."""
    open_intake(tab, app)
    fill_intake(tab)
    navigate(tab, "Criteria")
    expect(verdict_heading(tab).first).to_be_visible()
    app.restart()

    expect_nothing_of_the_case(tab)
    tab.reload()
    wait_for_app(tab)
    expect_nothing_of_the_case(tab)
    navigate(tab, "Treatments")
    expect_nothing_of_the_case(tab)


def test_restart_after_an_upload_and_loading_the_file_again(tab: Page, app: Restartable) -> None:
    """A case loaded from a file and lost in a restart is loaded again from the notice itself."""
    open_intake(tab, app)
    upload_and_wait(tab, ACUTE_SCENARIO)
    expect(tab.get_by_label(WEEKS, exact=True)).to_have_value("20")
    app.restart()

    expect_nothing_of_the_case(tab)
    tab.locator("input[type=file]").set_input_files(str(ACUTE_SCENARIO))
    expect(main(tab).get_by_text("Case file loaded.")).to_be_visible()
    wait_for_app(tab)
    expect(main(tab).get_by_text(LOST)).to_have_count(0)
    navigate(tab, "Intake")
    expect(tab.get_by_label(WEEKS, exact=True)).to_have_value("20")
    expect(sidebar(tab).get_by_text("answered")).to_be_visible()


def test_a_reload_mid_case_is_announced(tab: Page, app: Restartable) -> None:
    """A reload starts a new server session: announced, not shown as a blank case."""
    open_intake(tab, app)
    field = tab.get_by_label(WEEKS, exact=True)
    field.fill("19")
    field.press("Enter")
    expect(sidebar(tab).get_by_text("Gestational age: 19+0 weeks")).to_be_attached()
    wait_for_app(tab)
    tab.reload()
    wait_for_app(tab)
    expect_nothing_of_the_case(tab)
    main(tab).get_by_role("button", name="Start a new case").click()
    wait_for_app(tab)
    expect_a_blank_intake(tab)


def test_while_the_server_is_down_the_page_is_greyed_and_inert(tab: Page, app: Restartable) -> None:
    """With the connection gone the old page is faded, takes no clicks, and says why."""
    open_intake(tab, app)
    fill_intake(tab)
    app.stop()
    root = tab.get_by_test_id("stApp")
    expect(root).not_to_have_attribute("data-test-connection-state", "CONNECTED", timeout=30_000)
    style = tab.evaluate(
        """() => {
            const m = getComputedStyle(document.querySelector('[data-testid="stMain"]'));
            const note = getComputedStyle(document.querySelector('[data-testid="stApp"]'), '::after');
            return {opacity: m.opacity, events: m.pointerEvents, note: note.content};
        }"""
    )
    assert float(style["opacity"]) <= 0.3 and style["events"] == "none"
    assert "Not connected to the server" in style["note"] and "do not act on it" in style["note"]
    screenshot(tab, f"restart-disconnected-{tab.viewport_size['width']}")
    app.start()
    expect_nothing_of_the_case(tab)
    opacity = tab.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stMain\"]')).opacity")
    assert float(opacity) == 1.0
