"""Browser figures in headless Debian Chromium: interaction latency and cold load.

Latency of one committed change = from the moment the input event is sent (one Playwright call:
``keyboard.press("Enter")`` in a filled number input, or ``mouse.click`` at a radio option's
centre, measured just before the call) to the arrival of the server's ``script_finished``
ForwardMsg on the page's own websocket (``page.on("websocket")`` and ``framereceived``, each
frame decoded with ``ForwardMsg``). Pages are changed by clicking sidebar links, never by
``page.goto`` (a reload starts a new Streamlit session).

Cold load = from ``page.goto(url)`` in a fresh browser context (empty cache, new session) to
the first interactive widget being visible.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Locator, Page, WebSocket
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.browser.helpers import CHROMIUM_ARGS, CHROMIUM_PATH, VIEWPORT, wait_for_app

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
CHANGE_TIMEOUT_MS = 20_000
LOAD_TIMEOUT_MS = 60_000

INTAKE_WEEKS = "Current gestational age: weeks"
GUIDELINE_RADIO_OPTIONS = ("RCOG (UK)", "ACOG (US)")
OVERVIEW_TITLE = "Cervical insufficiency: decision support"
FLOOR_NUMBER = "Value"
FLOOR_RADIO_OPTIONS = ("Second", "First")


def launch(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=list(CHROMIUM_ARGS))


def chromium_version(browser: Browser) -> str:
    return browser.version


def _is_script_finished(payload: str | bytes) -> bool:
    if isinstance(payload, str):
        return False
    msg = ForwardMsg()
    msg.ParseFromString(payload)
    return msg.HasField("script_finished") and msg.script_finished != EARLY_FOR_RERUN


@dataclass
class Session:
    """One browser tab and the Streamlit websocket it holds."""

    page: Page
    sockets: list[WebSocket] = field(default_factory=list)

    @property
    def ws(self) -> WebSocket:
        live = [w for w in self.sockets if "/_stcore/stream" in w.url and not w.is_closed()]
        if not live:
            raise RuntimeError("the page has no open Streamlit websocket")
        return live[-1]

    def timed(self, action: Callable[[], None]) -> float:
        """Seconds from just before ``action`` to the next final ``script_finished`` frame."""
        with self.ws.expect_event("framereceived", predicate=_is_script_finished, timeout=CHANGE_TIMEOUT_MS):
            t0 = time.perf_counter()
            action()
        return time.perf_counter() - t0


def open_session(browser: Browser, url: str) -> tuple[object, Session]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    session = Session(page)
    page.on("websocket", lambda ws: session.sockets.append(ws))
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    return context, session


def nav_link(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def go_to_page(session: Session, title: str, ready: Locator) -> None:
    """Change page the way a person does: click the sidebar link (same session, same websocket)."""
    nav_link(session.page, title).click()
    ready.wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
    wait_for_app(session.page)


def _pause(rng: random.Random, page: Page) -> None:
    page.wait_for_timeout(rng.uniform(300, 500))  # a person's pace between changes


def number_changes(session: Session, box: Locator, values: list[int], warmup: int, rng: random.Random) -> list[float]:
    """Type each value into the number input and press Enter; latency per committed change."""
    page = session.page
    out: list[float] = []
    for i, value in enumerate(values):
        box.click()
        box.fill(str(value))
        latency = session.timed(lambda: page.keyboard.press("Enter"))
        if i >= warmup:
            out.append(latency)
        _pause(rng, page)
    return out


def radio_changes(session: Session, options: list[Locator], count: int, warmup: int, rng: random.Random) -> list[float]:
    """Click the radio options in turn (at their centres, one input event each); latency per change."""
    page = session.page
    centres = []
    for option in options:
        option.scroll_into_view_if_needed()
        box = option.bounding_box()
        if box is None:
            raise RuntimeError("radio option is not visible")
        centres.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
    out: list[float] = []
    for i in range(count + warmup):
        x, y = centres[i % len(centres)]
        latency = session.timed(lambda x=x, y=y: page.mouse.click(x, y))
        if i >= warmup:
            out.append(latency)
        _pause(rng, page)
    return out


def _weeks_values(n: int) -> list[int]:
    # Gestational ages 14..29 weeks in turn: every change is a new value and a new case.
    return [14 + (i % 16) for i in range(n)]


def app_latency(browser: Browser, base_url: str, changes: int, warmup: int, seed: int = 1) -> dict[str, list[float]]:
    """Intake number input and Criteria sidebar radio, in one tab, as a clinician would use them."""
    rng = random.Random(seed)
    context, session = open_session(browser, base_url)
    try:
        page = session.page
        weeks = page.get_by_label(INTAKE_WEEKS, exact=True)
        go_to_page(session, "Intake", weeks)
        intake = number_changes(session, weeks, _weeks_values(changes + warmup), warmup, rng)
        go_to_page(session, "Criteria", page.get_by_role("heading", name="Diagnostic criteria"))
        sidebar = page.get_by_test_id("stSidebar")
        options = [sidebar.get_by_text(name, exact=True) for name in GUIDELINE_RADIO_OPTIONS]
        criteria = radio_changes(session, options, changes, warmup, rng)
    finally:
        context.close()
    return {"intake_number": intake, "criteria_radio": criteria}


def floor_latency(browser: Browser, base_url: str, changes: int, warmup: int, seed: int = 1) -> dict[str, list[float]]:
    rng = random.Random(seed)
    context, session = open_session(browser, base_url)
    try:
        page = session.page
        box = page.get_by_label(FLOOR_NUMBER, exact=True)
        box.wait_for(state="visible")
        number = number_changes(session, box, _weeks_values(changes + warmup), warmup, rng)
        main = page.get_by_test_id("stMain")
        options = [main.get_by_text(name, exact=True) for name in FLOOR_RADIO_OPTIONS]
        radio = radio_changes(session, options, changes, warmup, rng)
    finally:
        context.close()
    return {"number": number, "radio": radio}


def cold_load(browser: Browser, url: str, targets: dict[str, Callable[[Page], Locator]]) -> dict[str, float]:
    """One cold load: seconds from ``goto`` to each target locator being visible (fresh context)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        out = {}
        for name, locate in targets.items():
            locate(page).wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
            out[name] = time.perf_counter() - t0
        wait_for_app(page, settle_ms=0)  # let the session finish before the context closes
        return out
    finally:
        context.close()


def cold_loads(browser: Browser, app_url: str, floor_url: str, samples: int) -> dict[str, list[float]]:
    """Interleaved cold loads (app Intake, app Overview, floor) so drift hits all three alike."""
    app = app_url.rstrip("/")
    intake = {"w": lambda p: p.get_by_label(INTAKE_WEEKS, exact=True)}
    overview = {
        "title": lambda p: p.get_by_role("heading", name=OVERVIEW_TITLE),
        "widget": lambda p: p.get_by_test_id("stSidebar").get_by_text(GUIDELINE_RADIO_OPTIONS[1], exact=True),
    }
    floor = {"w": lambda p: p.get_by_label(FLOOR_NUMBER, exact=True)}
    # Not recorded: a server's very first visit also pays its first run (imports, knowledge base).
    cold_load(browser, f"{app}/intake", intake)
    cold_load(browser, floor_url, floor)
    series: dict[str, list[float]] = {
        "app_intake": [],
        "app_overview_title": [],
        "app_overview_widget": [],
        "floor": [],
    }
    for _ in range(samples):
        a = cold_load(browser, f"{app}/intake", intake)
        o = cold_load(browser, app + "/", overview)
        f = cold_load(browser, floor_url, floor)
        series["app_intake"].append(a["w"])
        series["app_overview_title"].append(o["title"])
        series["app_overview_widget"].append(o["widget"])
        series["floor"].append(f["w"])
    return series


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
