"""Case files in Chromium: a downloaded case reloads to the same verdicts in a new session, and a
broken file is refused with a message that names the problem while the current case stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.assess import assess_all
from dashboard.case import MAX_CASE_FILE_BYTES, CaseError, GestationalAge, case_from_json
from dashboard.fields import label_of
from dashboard.intake import form_to_case
from dashboard.ui import STATUS_LOOK
from tests.browser.app_driver import (
    ACUTE_DILATION_ANSWERS,
    ACUTE_SCENARIO,
    VERDICT_WORDS,
    cerclage_badge,
    enter_number,
    fill_intake,
    form_values,
    go_to,
    main,
    open_app,
    shoot,
    sidebar_case_lines,
    upload,
    upload_and_wait,
    verdict_heading,
)
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

NOT_LOADED = "That file was not loaded; the current case is unchanged."


def criteria_snapshot(page) -> dict[str, object]:
    """What the Criteria page says about the case: verdict heading, cerclage badge, every badge."""
    go_to(page, "Criteria")
    heading = verdict_heading(page)
    expect(heading).to_be_visible()
    return {
        "verdict": heading.inner_text(),
        "cerclage": cerclage_badge(page).inner_text(),
        "badges": main(page).locator(".stMarkdownBadge").all_inner_texts(),
    }


def test_downloaded_case_gives_the_same_verdicts_in_a_new_session(
    new_page, streamlit_server, tmp_path, request
) -> None:
    """A case file downloaded from one session and uploaded into a fresh one gives the same Criteria page."""
    first = new_page()
    open_app(first, streamlit_server, shot=f"{request.node.name}-first")
    go_to(first, "Intake")
    fill_intake(first)
    with first.expect_download() as download_info:
        first.get_by_role("button", name="Download case file (JSON)").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    shoot(first, request.node.name, "first-intake")
    assert case_from_json(saved.read_bytes()) == form_to_case(form_values(ACUTE_DILATION_ANSWERS))
    original = criteria_snapshot(first)
    original_sidebar = sidebar_case_lines(first)
    shoot(first, request.node.name, "first-criteria")

    second = new_page()
    open_app(second, streamlit_server, shot=f"{request.node.name}-second")
    go_to(second, "Intake")
    expect(second.get_by_label("Current gestational age: weeks", exact=True)).to_have_value("")
    upload_and_wait(second, saved)
    for answer in ACUTE_DILATION_ANSWERS:
        answer.expect_shown(second)
    shoot(second, request.node.name, "second-intake")
    reloaded = criteria_snapshot(second)
    shoot(second, request.node.name, "second-criteria")

    assert reloaded == original
    assert sidebar_case_lines(second) == original_sidebar


def _not_json(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-case.json"
    path.write_text("this is not JSON {", encoding="utf-8")
    return path


def _weeks_99(tmp_path: Path) -> Path:
    data = json.loads(ACUTE_SCENARIO.read_text(encoding="utf-8"))
    data["gestational_age"]["weeks"] = 99
    path = tmp_path / "weeks-99.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _too_large(tmp_path: Path) -> Path:
    data = json.loads(ACUTE_SCENARIO.read_text(encoding="utf-8"))
    text = json.dumps(data, indent=2)
    path = tmp_path / "too-large.json"
    # Valid JSON, only too big: trailing whitespace pushes it past the limit.
    path.write_text(text + " " * (MAX_CASE_FILE_BYTES + 1024 - len(text)), encoding="utf-8")
    return path


BROKEN_FILES = {"not-json": _not_json, "weeks-99": _weeks_99, "over-256-KB": _too_large}


@pytest.mark.parametrize("kind", list(BROKEN_FILES))
def test_broken_file_is_refused_and_the_case_stays(page, streamlit_server, tmp_path, request, kind: str) -> None:
    """A broken case file shows an error naming the problem, and the current case and verdict stay."""
    broken = BROKEN_FILES[kind](tmp_path)
    with pytest.raises(CaseError) as caught:
        case_from_json(broken.read_bytes())
    current = case_from_json(ACUTE_SCENARIO.read_bytes()).model_copy(
        update={"gestational_age": GestationalAge(weeks=20, days=4)}
    )
    expected = assess_all(current).guidelines["acog"]
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake")
    upload_and_wait(page, ACUTE_SCENARIO)
    enter_number(page, "Current gestational age: days", "4")  # typed on top of the loaded case
    expect(page.get_by_test_id("stSidebarUserContent").get_by_text("Gestational age: 20+4 weeks")).to_be_visible()
    wait_for_app(page)

    upload(page, broken)

    expect(main(page).get_by_text(NOT_LOADED)).to_be_visible()
    expect(main(page).get_by_text(f"File: {broken.name}", exact=True)).to_be_visible()  # which file it is about
    for path, message in caught.value.problems:
        named = "The file" if path.startswith("(") else label_of(path.split("[")[0])
        expect(main(page).get_by_role("listitem").filter(has_text=message)).to_contain_text(named)
    expect(page.get_by_label("Current gestational age: weeks", exact=True)).to_have_value("20")
    expect(page.get_by_label("Current gestational age: days", exact=True)).to_have_value("4")
    wait_for_app(page)
    shoot(page, request.node.name, "intake-refused")
    assert "Gestational age: 20+4 weeks" in sidebar_case_lines(page)
    go_to(page, "Criteria")
    expect(verdict_heading(page)).to_contain_text(VERDICT_WORDS[expected.diagnosis.status])
    expect(cerclage_badge(page)).to_contain_text(STATUS_LOOK[expected.cerclage.indication][0])
    assert f"Gestational age: {current.gestational_age} weeks" in sidebar_case_lines(page)
    shoot(page, request.node.name, "criteria-unchanged")


def test_uploaded_history_and_scans_draw_and_a_double_entry_is_flagged(
    page, streamlit_server, tmp_path, request
) -> None:
    """A file with losses, births and scans draws every row, and a loss and birth at one age ask for a check."""
    data = json.loads(ACUTE_SCENARIO.read_text(encoding="utf-8"))
    data["history"]["second_trimester_losses"] = [{"gestational_age": {"weeks": 22, "days": 1}, "painless": "present"}]
    data["history"]["spontaneous_preterm_births"] = [
        {"gestational_age": {"weeks": 22, "days": 1}},
        {"gestational_age": {"weeks": 30, "days": 0}},
    ]
    data["ultrasound"]["cervical_lengths"] = [{"gestational_age": {"weeks": 18, "days": 0}, "cervical_length_mm": 31.0}]
    path = tmp_path / "history-and-scan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    case_from_json(path.read_bytes())  # the file itself is valid

    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake")
    upload_and_wait(page, path)

    body = main(page)
    for name in ("Remove birth 1", "Remove birth 2", "Remove scan 1"):
        expect(body.get_by_role("button", name=name)).to_be_visible()
    expect(body.get_by_label("Loss 1: weeks", exact=True)).to_have_value("22")
    expect(body.get_by_label("Birth 2: weeks", exact=True)).to_have_value("30")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    warning = body.get_by_test_id("stAlertContentWarning").filter(has_text="Check the obstetric history")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("both recorded at 22+1 weeks")
    shoot(page, request.node.name, "intake-rows-and-double-entry")

    go_to(page, "Criteria")
    expect(main(page).get_by_test_id("stAlertContentWarning").filter(has_text="22+1 weeks")).to_be_visible()
    shoot(page, request.node.name, "criteria-double-entry")
