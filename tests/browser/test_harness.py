"""The browser harness itself: a throwaway Streamlit script driven in Chromium."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    StreamlitServer,
    describe_violations,
    goto_page,
    run_axe,
    screenshot,
    start_streamlit,
)

pytestmark = pytest.mark.browser

ONE_INPUT_APP = textwrap.dedent(
    """
    import streamlit as st

    st.title("Harness check")
    cervical_length_mm = st.number_input("Cervical length (mm)", key="cl", min_value=0.0, value=30.0)
    st.write(f"Cervical length entered: {cervical_length_mm:g} mm")
    """
)


@pytest.fixture
def one_input_server(tmp_path: Path) -> Iterator[StreamlitServer]:
    """A server running a one-input script written to tmp_path."""
    script = tmp_path / "one_input_app.py"
    script.write_text(ONE_INPUT_APP, encoding="utf-8")
    with start_streamlit(script, log_dir=tmp_path / "logs") as server:
        yield server


def test_number_input_change_rerenders_text(page, one_input_server: StreamlitServer) -> None:
    """A number typed into a labelled input and committed with Enter appears in the rendered text."""
    goto_page(page, one_input_server.url)
    field = page.get_by_label("Cervical length (mm)")
    expect(page.get_by_text("Cervical length entered: 30 mm")).to_be_visible()

    field.fill("18")
    field.press("Enter")

    expect(page.get_by_text("Cervical length entered: 18 mm")).to_be_visible()
    screenshot(page, "harness-one-input")
    assert one_input_server.log_path.is_file()


def test_one_input_page_has_no_serious_axe_violations(page, one_input_server: StreamlitServer) -> None:
    """axe-core finds no serious or critical violations on the one-input page."""
    goto_page(page, one_input_server.url)

    violations = run_axe(page)

    assert violations == [], describe_violations(violations)
