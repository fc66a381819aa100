"""The intake in Chromium: answers typed and clicked change the verdict, survive page moves,
and every input is reached with the keyboard in reading order."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from dashboard.assess import assess_all
from dashboard.case import Case
from dashboard.fields import label_of
from dashboard.intake import TRI_FIELDS, completeness, form_to_case, overall
from dashboard.ui import STATUS_LOOK
from dashboard.views import words
from tests.browser.app_driver import (
    ACUTE_DILATION_ANSWERS,
    PAGE_TITLES,
    VERDICT_WORDS,
    cerclage_badge,
    choose,
    enter_number,
    fill_intake,
    form_values,
    go_to,
    main,
    open_app,
    shoot,
    sidebar_case_lines,
    treatment_status_row,
    verdict_heading,
)
from tests.browser.helpers import describe_violations, run_axe, wait_for_app

pytestmark = pytest.mark.browser

EXAM_CERCLAGE = "physical_exam_indicated_cerclage"


def exam_cerclage(result):
    [t] = [t for t in result.guidelines["acog"].treatments if t.treatment == EXAM_CERCLAGE]
    return t


def test_filled_intake_changes_the_verdict_and_the_exam_cerclage(page, streamlit_server, request) -> None:
    """Filling the intake from scratch makes the verdict met on examination and updates exam-indicated cerclage."""
    before = assess_all(Case())
    after = assess_all(form_to_case(form_values(ACUTE_DILATION_ANSWERS)))
    assert after.guidelines["acog"].diagnosis.status == "met"
    assert after.guidelines["acog"].diagnosis.basis == ["physical_exam"]
    short_name = exam_cerclage(after).short_name
    open_app(page, streamlit_server, shot=request.node.name)

    go_to(page, "Criteria")
    expect(verdict_heading(page)).to_contain_text(VERDICT_WORDS[before.guidelines["acog"].diagnosis.status])
    shoot(page, request.node.name, "1-criteria-empty")
    go_to(page, "Treatments")
    expect(treatment_status_row(page, short_name)).to_contain_text(words(exam_cerclage(before).status))
    shoot(page, request.node.name, "2-treatments-empty")

    go_to(page, "Intake")
    fill_intake(page)
    shoot(page, request.node.name, "3-intake-filled")
    go_to(page, "Criteria")

    heading = verdict_heading(page)
    expect(heading).to_contain_text(VERDICT_WORDS["met"])
    expect(heading).to_contain_text("physical examination")
    expect(cerclage_badge(page)).to_contain_text(STATUS_LOOK[after.guidelines["acog"].cerclage.indication][0])
    shoot(page, request.node.name, "4-criteria-filled")
    go_to(page, "Treatments")
    row = treatment_status_row(page, short_name)
    expect(row).to_contain_text(words(exam_cerclage(after).status))
    expect(row).not_to_contain_text(words(exam_cerclage(before).status))
    shoot(page, request.node.name, "5-treatments-filled")


def test_answers_survive_a_visit_to_every_page(page, streamlit_server, request) -> None:
    """Every answer is still on the Intake page after moving to each other page and back."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake")
    fill_intake(page)
    shoot(page, request.node.name, "intake-filled")

    for title in PAGE_TITLES:
        if title == "Intake":
            continue
        go_to(page, title, shot=request.node.name)
        assert "Gestational age: 20+3 weeks" in sidebar_case_lines(page)
        go_to(page, "Intake")
        for answer in ACUTE_DILATION_ANSWERS:
            answer.expect_shown(page)
    shoot(page, request.node.name, "intake-after-every-page")


def _focused_field(page) -> str | None:
    """The label of the intake field that has the keyboard focus (a radio group by its question)."""
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          if (!e) return null;
          const radio = e.closest('[data-testid="stRadio"]');
          if (radio) {
            const label = radio.querySelector('[data-testid="stWidgetLabel"]');
            return label ? label.innerText.trim() : null;
          }
          if (e.tagName === 'BUTTON') {
            const text = e.querySelector('[data-testid="stMarkdownContainer"]');
            return (text ? text.innerText : e.innerText).trim() || e.getAttribute('aria-label');
          }
          return e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText.trim()) || e.tagName;
        }"""
    )


# Every input of an empty intake, in the order the page lists them (checklist columns read
# top to bottom). Earlier losses, births and earlier-cerclage details appear only once asked for.
INTAKE_TOTAL = overall(completeness(Case()))[1]  # questions on a blank intake
INTAKE_TAB_ORDER = [
    "Current gestational age: weeks",
    "Current gestational age: days",
    "Number of fetuses",
    label_of("cerclage.in_place"),
    f"Earlier {label_of('history.second_trimester_losses').lower()}?",
    "Earlier spontaneous preterm births?",
    label_of("history.prior_cerclage"),
    *[label_of(f"risk_factors.{n}") for n in TRI_FIELDS["risk_factors"]],
    *[label_of(f"symptoms.{n}") for n in TRI_FIELDS["symptoms"]],
    "Cervical dilation (cm)",
    label_of("exam.membranes_at_or_beyond_os"),
    "Add a scan",
    label_of("ultrasound.funneling"),
    *[label_of(f"exclusions.{n}") for n in TRI_FIELDS["exclusions"]],
    label_of("exclusions.amniocentesis"),
    *[label_of(f"fetal.{n}") for n in TRI_FIELDS["fetal"]],
]


def test_tab_reaches_every_intake_input_in_reading_order(page, streamlit_server, request) -> None:
    """Tab alone reaches every intake input once, in the order the checklist lists them."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    # Start sequential focus navigation at the page title, above the first section.
    main(page).locator("h1").first.click()

    wanted = set(INTAKE_TAB_ORDER)
    reached: list[str] = []
    for _ in range(120):  # the page has far fewer tab stops; this only bounds a broken page
        page.keyboard.press("Tab")
        label = _focused_field(page)
        if label in wanted and (not reached or reached[-1] != label):
            reached.append(label)
        if label == INTAKE_TAB_ORDER[-1]:
            break
    assert reached == INTAKE_TAB_ORDER, f"Tab reached the intake inputs in this order: {reached}"
    shoot(page, request.node.name, "intake-focus-on-last-input")


def test_gestational_age_can_be_entered_with_the_keyboard_alone(page, streamlit_server, request) -> None:
    """Typing weeks, Tab, days, Tab commits the gestational age, which the sidebar then shows."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    page.get_by_label("Current gestational age: weeks", exact=True).focus()

    page.keyboard.type("23")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.keyboard.press("Tab")

    expect(page.get_by_test_id("stSidebarUserContent").get_by_text("Gestational age: 23+4 weeks")).to_be_visible()
    wait_for_app(page)
    shoot(page, request.node.name, "intake-keyboard")


def test_one_answer_updates_the_glance_the_summary_and_the_download_at_once(
    page, streamlit_server, tmp_path, request
) -> None:
    """One answer updates the sidebar, the summary and the downloadable case file at once."""
    open_app(page, streamlit_server)
    go_to(page, "Intake")
    sidebar = page.get_by_test_id("stSidebarUserContent")
    download = main(page).get_by_role("button", name="Download case file (JSON)")

    enter_number(page, "Current gestational age: days", "3")
    expect(main(page).get_by_text("Current gestational age: enter the weeks as well as the days")).to_be_visible()
    expect(sidebar.get_by_text("1 answer(s) need attention on the Intake page.")).to_be_visible()
    expect(main(page).get_by_text("Some answers cannot be used yet")).to_be_visible()
    expect(download).to_be_disabled()
    shoot(page, request.node.name, "1-days-without-weeks")
    violations = run_axe(page)
    assert violations == [], describe_violations(violations)

    enter_number(page, "Current gestational age: weeks", "22")
    expect(sidebar.get_by_text("Gestational age: 22+3 weeks")).to_be_visible()
    expect(main(page).get_by_text("enter the weeks as well as the days")).to_have_count(0)
    expect(main(page).get_by_text(f"1 of {INTAKE_TOTAL} answered overall.")).to_be_visible()
    expect(download).to_be_enabled()

    choose(page, "Regular painful contractions or labour", "Absent")
    expect(main(page).get_by_text(f"2 of {INTAKE_TOTAL} answered overall.")).to_be_visible()
    expect(sidebar.get_by_text(f"Intake 2 of {INTAKE_TOTAL} answered")).to_be_visible()
    wait_for_app(page)
    shoot(page, request.node.name, "2-answered")
    with page.expect_download() as download_info:
        download.click()
    saved = tmp_path / "case.json"
    download_info.value.save_as(saved)
    case = json.loads(saved.read_text())
    assert case["gestational_age"] == {"weeks": 22, "days": 3}
    assert case["exclusions"]["labour"] == "absent"


def test_typing_through_out_of_range_numbers_keeps_every_keystroke(page, streamlit_server, request) -> None:
    """Out-of-range values typed with Tab between them stay where they were typed, each with its message."""
    open_app(page, streamlit_server, shot=request.node.name)
    go_to(page, "Intake", shot=request.node.name)
    page.get_by_label("Current gestational age: weeks", exact=True).focus()

    for text in ("45", "9", "1"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
        wait_for_app(page)

    body = main(page)
    expect(body.get_by_label("Current gestational age: weeks", exact=True)).to_have_value("45")
    expect(body.get_by_label("Current gestational age: days", exact=True)).to_have_value("9")
    expect(body.get_by_label("Number of fetuses", exact=True)).to_have_value("1")
    alerts = body.get_by_test_id("stAlertContentError")
    weeks_message = "Current gestational age (weeks): 45 is out of range (completed weeks, 0 to 42)"
    expect(alerts.filter(has_text=weeks_message)).to_be_visible()
    expect(alerts.filter(has_text="Current gestational age (days): 9 is out of range")).to_be_visible()
    shoot(page, request.node.name, "out-of-range-typed-through")
