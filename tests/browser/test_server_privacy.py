"""What the server keeps: nothing entered reaches its log or disk (restarts: test_e2e_restart.py)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    REPO_ROOT,
    free_port,
    screenshot,
    start_on_port,
    wait_for_app,
)

pytestmark = pytest.mark.browser

# Values nobody would type by chance: a gestational age, a dilation and a cervical length.
MARKER_MM = "47.3"
MARKER_KEY = "zz_marker_q7zr5"


_start = start_on_port


def _files_changed_since(root: Path, since: float, skip: tuple[str, ...]) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not any(s in d for s in skip)]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                if path.stat().st_mtime >= since and path.stat().st_size < 20_000_000:
                    out.append(path)
            except OSError:
                continue
    return out


def _enter(page, label: str, value: str) -> None:
    """Type a number and commit it, then let the rerun finish so no stale copy of a widget lingers."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_count(1)
    field.fill(value)
    field.press("Enter")
    wait_for_app(page)


def _fill_scan(page) -> None:
    _enter(page, "Current gestational age: weeks", "19")
    _enter(page, "Current gestational age: days", "4")
    page.get_by_role("button", name="Add a scan").click()
    wait_for_app(page)
    _enter(page, "Scan 1: gestational age, weeks", "19")
    _enter(page, "Scan 1: gestational age, days", "2")
    _enter(page, "Scan 1: cervical length (mm)", MARKER_MM)
    expect(page.get_by_text(f"Latest cervical length: {MARKER_MM} mm")).to_be_visible()


def test_nothing_entered_reaches_the_log_the_working_directory_or_tmp(browser, tmp_path):
    """A case entered and a refused upload leave no trace in the server log or on disk."""
    started = time.time() - 1
    server = _start(free_port(), tmp_path / "server.log")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/intake")
        wait_for_app(page)
        _fill_scan(page)
        bad = tmp_path / "upload" / "bad.json"
        bad.parent.mkdir()
        bad.write_text(json.dumps({MARKER_KEY: "x", "gestational_age": {"weeks": 20, "days": 0}}))
        page.locator("input[type=file]").set_input_files(str(bad))
        expect(page.get_by_text("That file was not loaded")).to_be_visible()
        screenshot(page, "privacy-intake")
        bad.unlink()
    finally:
        context.close()
        server.stop()
    log = server.log_text()
    assert MARKER_MM not in log and MARKER_KEY not in log, "a case value reached the server log"
    skip = ("artifacts", ".git", "playwright", "chromium", "pytest-of", "__pycache__", ".hypothesis")
    for root in (REPO_ROOT, Path(tempfile.gettempdir())):
        for path in _files_changed_since(root, started, skip):
            if path == server.log_path:
                continue
            try:
                text = path.read_bytes()
            except OSError:
                continue
            assert MARKER_KEY.encode() not in text, f"{path} holds uploaded text"
            assert f'"cervical_length_mm": {MARKER_MM}'.encode() not in text, f"{path} holds the case"


def test_the_app_asks_nothing_of_other_hosts_while_it_loads_and_changes_page(page, streamlit_server) -> None:
    """No request leaves the server's own address (no web fonts, icons or analytics from elsewhere)."""
    from tests.browser.app_driver import go_to, open_app

    own = streamlit_server.rstrip("/")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_app(page, streamlit_server)
    for title in ("Intake", "Criteria", "Treatments", "Teaching", "References"):
        go_to(page, title)
    off_site = sorted({url for url in requests if url.startswith("http") and not url.startswith(own)})
    assert not off_site, off_site
