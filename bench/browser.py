"""Browser figures in headless Debian Chromium: interaction latency and cold load.

Latency of one committed change (``keyboard.press("Enter")`` in a filled number input, or
``mouse.click`` at a radio option's centre) is taken two ways, in separate passes:

* ``page`` (the figure with the target): both ends inside the page, on the page's clock. A
  script added before the app's own code records the ``timeStamp`` of the Enter ``keydown`` or
  the ``mousedown``, and wraps ``WebSocket`` so that every frame on Streamlit's
  ``/_stcore/stream`` socket is read (top-level protobuf fields only, no library) as it reaches
  the page; latency ends at the first ``script_finished`` that is not ``FINISHED_EARLY_FOR_RERUN``.
  Nothing leaves the page during the change, so the figure is what the person's browser sees.
* ``harness`` (information): from just before the Playwright call to the moment Python holds the
  ``script_finished`` frame (``page.on("websocket")``, ``framereceived``, frames decoded with
  ``ForwardMsg``). It adds the relay of every frame of the rerun from Chromium through
  Playwright's driver to Python, which costs a page that sends many frames more than the floor.

Pages are changed by clicking sidebar links, never by ``page.goto`` (a reload starts a new
Streamlit session).

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


# ForwardMsg field 6 is script_finished (an enum, protobuf wire type 0); status 2 is
# FINISHED_EARLY_FOR_RERUN. Pinned against the installed proto in tests/test_bench_timing.py.
SCRIPT_FINISHED_FIELD = 6
IN_PAGE_TIMING = """
(() => {
  const marks = (window.__benchMarks = { input: [], finished: [] });
  const onInput = (e) => {
    if (e.type === "mousedown" || e.key === "Enter") marks.input.push(e.timeStamp);
  };
  window.addEventListener("keydown", onInput, true);
  window.addEventListener("mousedown", onInput, true);
  function varint(b, i) {
    let v = 0, m = 1;
    for (;;) {
      if (i.at >= b.length) throw new RangeError("truncated varint");
      const x = b[i.at++];
      v += (x & 0x7f) * m;
      if (x < 0x80) return v;
      m *= 128;
    }
  }
  // The status of a top-level script_finished field, or -1 when the frame has none.
  function scriptFinished(b) {
    const i = { at: 0 };
    try {
      while (i.at < b.length) {
        const tag = varint(b, i), field = Math.floor(tag / 8), wire = tag % 8;
        if (wire === 0) {
          const v = varint(b, i);
          if (field === __FIELD__) return v;
        } else if (wire === 2) {
          const length = varint(b, i); // read before adding: `i.at += varint(...)` loses its step
          i.at += length;
        } else if (wire === 1) {
          i.at += 8;
        } else if (wire === 5) {
          i.at += 4;
        } else {
          return -1;
        }
      }
    } catch (err) {
      return -1;
    }
    return -1;
  }
  marks.scriptFinished = scriptFinished;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes("/_stcore/stream")) {
        this.addEventListener("message", (e) => {
          const t = performance.now();
          if (e.data instanceof ArrayBuffer) {
            const status = scriptFinished(new Uint8Array(e.data));
            if (status !== -1 && status !== __EARLY__) marks.finished.push(t);
          }
        });
      }
    }
  };
})();
""".replace("__FIELD__", str(SCRIPT_FINISHED_FIELD)).replace("__EARLY__", str(int(EARLY_FOR_RERUN)))
IN_PAGE_RESET = "() => { window.__benchMarks.input.length = 0; window.__benchMarks.finished.length = 0; }"
IN_PAGE_LATENCY = """() => {
  const m = window.__benchMarks;
  if (!m.input.length) return null;
  const t0 = m.input[0];
  const t1 = m.finished.find((t) => t >= t0);
  return t1 === undefined ? null : t1 - t0;
}"""
METHODS = ("page", "harness")


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
    method: str = "page"
    sockets: list[WebSocket] = field(default_factory=list)

    @property
    def ws(self) -> WebSocket:
        live = [w for w in self.sockets if "/_stcore/stream" in w.url and not w.is_closed()]
        if not live:
            raise RuntimeError("the page has no open Streamlit websocket")
        return live[-1]

    def timed(self, action: Callable[[], None]) -> float:
        """Seconds from the input ``action`` makes to the next final ``script_finished`` frame."""
        if self.method == "page":
            self.page.evaluate(IN_PAGE_RESET)
            action()
            handle = self.page.wait_for_function(IN_PAGE_LATENCY, timeout=CHANGE_TIMEOUT_MS)
            return float(handle.json_value()) / 1000
        with self.ws.expect_event("framereceived", predicate=_is_script_finished, timeout=CHANGE_TIMEOUT_MS):
            t0 = time.perf_counter()
            action()
        return time.perf_counter() - t0


def open_session(browser: Browser, url: str, method: str = "page") -> tuple[object, Session]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    session = Session(page, method)
    if method == "page":
        # No websocket listener in Python: the page times itself and nothing is relayed out.
        page.add_init_script(IN_PAGE_TIMING)
    else:
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


def app_latency(
    browser: Browser, base_url: str, changes: int, warmup: int, seed: int = 1, method: str = "page"
) -> dict[str, list[float]]:
    """Intake number input and Criteria sidebar radio, in one tab, as a clinician would use them."""
    rng = random.Random(seed)
    context, session = open_session(browser, base_url, method)
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


def floor_latency(
    browser: Browser, base_url: str, changes: int, warmup: int, seed: int = 1, method: str = "page"
) -> dict[str, list[float]]:
    rng = random.Random(seed)
    context, session = open_session(browser, base_url, method)
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
