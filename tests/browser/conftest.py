"""Fixtures for real-browser tests: the app server, Debian's Chromium, and a fresh page per test.

Browser tests never skip: a missing Chromium or Playwright is a failure with a fix in the message.
Each pytest-xdist worker gets its own session fixtures, hence its own server on its own free port.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.browser.helpers import (
    APP_SCRIPT,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    PHONE,
    VIEWPORT,
    StreamlitServer,
    chromium_available,
    screenshot,
    start_streamlit,
)

_MISSING_CHROMIUM = (
    f"Browser tests need Debian's Chromium at {CHROMIUM_PATH}: run `apt-get install -y chromium` "
    "(or `bash scripts/test.sh`, which installs it as root). Never `playwright install`."
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Record each phase's report on the item so `page` can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def streamlit_server_handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The dashboard (streamlit_app.py) served on a free port; the handle exposes url, proc and log_path."""
    if not APP_SCRIPT.is_file():
        pytest.fail(f"{APP_SCRIPT} does not exist; the browser tests drive the real app.")
    server = start_streamlit(APP_SCRIPT, log_dir=tmp_path_factory.mktemp("streamlit-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def streamlit_server(streamlit_server_handle: StreamlitServer) -> str:
    """Base URL of the running dashboard, e.g. http://127.0.0.1:54321."""
    return streamlit_server_handle.url


@pytest.fixture(scope="session")
def playwright_instance():
    """A Playwright driver for this worker."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - only when requirements-dev.txt is not installed
        pytest.fail(f"Playwright for Python is not installed ({exc}); run `bash scripts/test.sh`.")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Headless Debian Chromium, launched once per worker."""
    if not chromium_available():
        # Fail, never skip: in CI (CI env var set) or locally, a missing browser hides regressions.
        ci_note = " (CI is set)" if os.environ.get("CI") else ""
        pytest.fail(_MISSING_CHROMIUM + ci_note)
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=list(CHROMIUM_ARGS)
    )
    try:
        yield browser
    finally:
        browser.close()


def _shot_if_failed(request: pytest.FixtureRequest, page, prefix: str = "") -> None:
    """A failing test leaves a screenshot of its page in artifacts/screenshots."""
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = f"FAILED-{prefix}" + re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-(150 - len(prefix)) :]
        try:
            screenshot(page, name)
        except Exception:  # noqa: BLE001 - a broken page must not mask the real failure
            pass


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh 1366x900 context and page; a failing test leaves a screenshot in artifacts/screenshots."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        yield page
    finally:
        _shot_if_failed(request, page)
        context.close()


@pytest.fixture(params=[VIEWPORT, PHONE], ids=["desktop", "phone"])
def sized_page(browser, request: pytest.FixtureRequest):
    """A fresh page at desktop width and, as a second run of the test, at a 390 px phone width."""
    context = browser.new_context(viewport=request.param, accept_downloads=True)
    page = context.new_page()
    try:
        yield page
    finally:
        _shot_if_failed(request, page)
        context.close()


@pytest.fixture
def new_page(browser, request: pytest.FixtureRequest):
    """A factory for more isolated sessions: each call opens a new context (cookies, storage,
    Streamlit session) and returns its page. A failing test screenshots each of them."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        for n, context in enumerate(contexts, start=1):
            if context.pages:
                _shot_if_failed(request, context.pages[0], f"context{n}-")
            context.close()
