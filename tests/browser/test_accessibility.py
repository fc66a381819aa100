"""axe-core in Chromium: every page, fully rendered, has no serious or critical violations, for an
empty case and for a full one. The Criteria page's tables are real tables that a screen reader
can walk, and the comparison says in words which rows differ.

Each case state is one browser session per worker, moved from page to page through the
sidebar as a user would; a test only reads its page, so the order of tests does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.assess import assess_all
from dashboard.case import case_from_json
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES
from dashboard.views import comparison_rows, criteria_rows, window_rows
from tests.browser.app_driver import ACUTE_SCENARIO, PAGE_TITLES, SCENARIOS, go_to, main, open_app, upload_and_wait
from tests.browser.helpers import VIEWPORT, describe_violations, run_axe

pytestmark = pytest.mark.browser

# The three guidelines give this case different cerclage indications.
DIVERGENT_SCENARIO = SCENARIOS / "nice_mid_trimester_loss_15_weeks.json"


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


def test_criteria_tables_are_tables_with_column_headers(full_case_page, request) -> None:
    """The criteria, timing-window and comparison tables are tables with a header cell per column."""
    a = assess_all(case_from_json(ACUTE_SCENARIO.read_bytes())).guidelines["acog"]
    go_to(full_case_page, "Criteria", shot=request.node.name)
    tables = main(full_case_page).get_by_role("table")

    expected = (criteria_rows(a), window_rows(a.cerclage.windows), None)
    expect(tables).to_have_count(len(expected))
    for table, rows in zip(tables.all(), expected, strict=True):
        headers = table.get_by_role("columnheader")
        if rows is not None:
            expect(headers).to_have_text(list(rows[0]))
            expect(table.locator("tbody").get_by_role("row")).to_have_count(len(rows))
    expect(tables.last.get_by_role("columnheader")).to_have_text(
        ["Topic", *(GUIDELINE_NAMES[g] for g in GUIDELINES), "Guidelines differ"]
    )


def test_criteria_comparison_marks_differing_rows_in_words(page, streamlit_server, request) -> None:
    """Each row of the side-by-side table ends in a bold "Differs" exactly where the guidelines differ."""
    rows = comparison_rows(assess_all(case_from_json(DIVERGENT_SCENARIO.read_bytes())))
    assert any(row["Guidelines differ"] == "Yes" for row in rows), "this scenario is chosen for its differences"
    open_app(page, streamlit_server)
    go_to(page, "Intake")
    upload_and_wait(page, DIVERGENT_SCENARIO)
    go_to(page, "Criteria", shot=request.node.name)
    body = main(page).get_by_role("table").last.locator("tbody").get_by_role("row")

    expect(body).to_have_count(len(rows))
    for shown, row in zip(body.all(), rows, strict=True):
        last = shown.get_by_role("cell").last
        if row["Guidelines differ"] == "Yes":
            expect(last.locator("strong")).to_have_text("Differs")
        else:
            expect(last).to_have_text("Same")
