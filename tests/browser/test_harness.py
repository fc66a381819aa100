"""The browser harness itself: a throwaway Streamlit script driven in Chromium."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

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


def _bench_browser():
    """bench/browser.py, which is a script directory rather than a package."""
    path = Path(__file__).resolve().parents[2] / "bench" / "browser.py"
    spec = importlib.util.spec_from_file_location("bench_browser", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_in_page_reader_finds_script_finished_in_real_frames(page) -> None:
    """The benchmark's in-page frame reader returns script_finished's status and -1 for other frames."""
    bench = _bench_browser()
    assert ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number == bench.SCRIPT_FINISHED_FIELD
    frames = {}
    for name, status in ForwardMsg.ScriptFinishedStatus.items():
        msg = ForwardMsg(hash="a" * 32, script_finished=status)
        msg.metadata.delta_path[:] = [0, 3]
        frames[name] = (list(msg.SerializeToString()), status)
    delta = ForwardMsg(hash="b" * 32)
    delta.delta.new_element.markdown.body = "x" * 300
    frames["delta"] = (list(delta.SerializeToString()), -1)
    frames["truncated"] = (list(ForwardMsg(script_finished=1).SerializeToString())[:1], -1)
    page.goto("about:blank")
    page.evaluate(bench.IN_PAGE_TIMING)
    for name, (data, expected) in frames.items():
        got = page.evaluate("(b) => window.__benchMarks.scriptFinished(new Uint8Array(b))", data)
        assert got == expected, name


def test_the_benchmarks_in_page_timer_reads_a_committed_change(browser, one_input_server: StreamlitServer) -> None:
    """An Enter in a number input yields one latency from the keydown to the run's script_finished."""
    bench = _bench_browser()
    context, session = bench.open_session(browser, one_input_server.url, method="page")
    try:
        box = session.page.get_by_label("Cervical length (mm)")
        box.fill("18")
        latency = session.timed(lambda: session.page.keyboard.press("Enter"))
        expect(session.page.get_by_text("Cervical length entered: 18 mm")).to_be_visible()
        marks = session.page.evaluate("() => window.__benchMarks")
        assert latency > 0
        assert len(marks["input"]) == 1 and len(marks["finished"]) == 1
    finally:
        context.close()
