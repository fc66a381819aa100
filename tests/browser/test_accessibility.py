"""axe-core in Chromium: every page, fully rendered, has no serious or critical violations, for an
empty case and for a full one.

Each case state is one browser session per worker, moved from page to page through the
sidebar as a user would; a test only reads its page, so the order of tests does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.app_driver import ACUTE_SCENARIO, PAGE_TITLES, go_to, open_app, upload_and_wait
from tests.browser.helpers import VIEWPORT, describe_violations, run_axe

pytestmark = pytest.mark.browser


def _session(browser, base_url: str, case_file=None) -> Iterator:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        open_app(page, base_url)
        if case_file is not None:
            go_to(page, "Intake")
            upload_and_wait(page, case_file)
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def empty_case_page(browser, streamlit_server: str) -> Iterator:
    """One session with nothing entered, shared by this module's tests on a worker."""
    yield from _session(browser, streamlit_server)


@pytest.fixture(scope="module")
def full_case_page(browser, streamlit_server: str) -> Iterator:
    """One session holding a complete scenario case, shared by this module's tests on a worker."""
    yield from _session(browser, streamlit_server, ACUTE_SCENARIO)


@pytest.mark.parametrize("title", PAGE_TITLES)
def test_page_with_an_empty_case_has_no_serious_axe_violations(empty_case_page, request, title: str) -> None:
    """axe-core finds no serious or critical violations on the page with an empty case."""
    go_to(empty_case_page, title, shot=request.node.name)

    violations = run_axe(empty_case_page)

    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("title", PAGE_TITLES)
def test_page_with_a_full_case_has_no_serious_axe_violations(full_case_page, request, title: str) -> None:
    """axe-core finds no serious or critical violations on the page with a full case loaded."""
    go_to(full_case_page, title, shot=request.node.name)

    violations = run_axe(full_case_page)

    assert violations == [], describe_violations(violations)
