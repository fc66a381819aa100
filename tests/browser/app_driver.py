"""Driving the dashboard in a real browser: pages, intake answers, case files, verdicts.

Built on the generic harness in ``helpers.py``. Widgets are found by their accessible
labels, the way a screen-reader user or a clinician reading the screen finds them; the
labels themselves come from the app's own field names (``dashboard.fields``), so a renamed
field changes the test and the page together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.fields import label_of
from dashboard.intake import CHOICE_WORDS, TRI_WORDS, completeness, form_to_case, key, number_text, overall
from tests.browser.helpers import APP_SCRIPT, goto_page, screenshot, wait_for_app

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ACUTE_SCENARIO = SCENARIOS / "acute_painless_dilation_20_weeks.json"


def _page_titles() -> list[str]:
    """The titles of the pages the entrypoint registers, in navigation order."""
    source = APP_SCRIPT.read_text(encoding="utf-8")
    titles = re.findall(r"st\.Page\(\s*\"pages/[^\"]+\.py\"\s*,\s*title=\"([^\"]+)\"", source)
    return titles or ["Overview", "Intake", "Criteria", "Treatments", "References"]


PAGE_TITLES = _page_titles()
VERDICT_WORDS = {
    "met": "Meets the criteria",
    "not_met": "Does not meet",
    "insufficient_data": "Not enough information",
}
_VERDICT_PATTERN = re.compile("|".join(re.escape(w) for w in VERDICT_WORDS.values()))


# --------------------------------------------------------------------------- pages


def open_app(page: Page, base_url: str, shot: str | None = None) -> None:
    """Open the dashboard's front page in a new session and wait for it to render.

    With ``shot`` (usually the test's name), save a screenshot named after it and the page.
    """
    from playwright.sync_api import expect

    goto_page(page, base_url)
    expect(nav_link(page, PAGE_TITLES[0])).to_be_visible()
    if shot:
        shoot(page, shot, PAGE_TITLES[0])


def nav_link(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def go_to(page: Page, title: str, shot: str | None = None) -> None:
    """Move to a page through its sidebar link (never a reload) and wait until it has rendered.

    With ``shot`` (usually the test's name), save a screenshot named after it and the page.
    """
    from playwright.sync_api import expect

    link = nav_link(page, title)
    if link.get_attribute("aria-current") != "page":
        heading = main(page).locator("h1").first
        before = heading.inner_text()
        link.click()
        expect(link).to_have_attribute("aria-current", "page")
        expect(heading).not_to_have_text(before)
    wait_for_app(page)
    if title == "Intake":
        expect(page.get_by_label("Current gestational age: weeks", exact=True)).to_be_visible()
    if shot:
        shoot(page, shot, title)


def shoot(page: Page, test_name: str, step: str) -> Path:
    """A full-page screenshot named after the test and the step, safe to run in parallel."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test_name}-{step}")[-150:]
    return screenshot(page, name)


# --------------------------------------------------------------------------- intake answers


@dataclass(frozen=True)
class Answer:
    """One intake answer: how it is found and shown on the page, and its form value."""

    kind: str  # "number" or "radio"
    label: str  # the accessible label of the input or radio group
    shown: str  # the number as displayed, or the option's words
    form_key: str
    value: Any

    def enter(self, page: Page) -> None:
        if self.kind == "number":
            enter_number(page, self.label, self.shown)
        else:
            choose(page, self.label, self.shown)

    def expect_shown(self, page: Page) -> None:
        from playwright.sync_api import expect

        if self.kind == "number":
            expect(page.get_by_label(self.label, exact=True)).to_have_value(self.shown)
        else:
            expect(radio_group(page, self.label).get_by_role("radio", name=self.shown, exact=True)).to_be_checked()


def number(label: str, path: str, value: int | float, shown: str | None = None) -> Answer:
    """A number box's answer: typed as ``shown`` (its exact text by default), held as that text."""
    text = shown if shown is not None else number_text(value)
    return Answer("number", label, text, key(path), text)


def tri(path: str, value: str) -> Answer:
    return Answer("radio", label_of(path), TRI_WORDS[value], key(path), value)


def choice(path: str, value: str) -> Answer:
    return Answer("radio", label_of(path), CHOICE_WORDS[value], key(path), value)


def earlier(path: str, value: str) -> Answer:
    """The "any earlier losses / births?" question for a history list."""
    return Answer("radio", f"Earlier {label_of(path).lower()}?", CHOICE_WORDS[value], key(path + ".known"), value)


# Painless dilation at 20+3 with membranes at the os, history negative, every exclusion absent:
# the examination picture of cervical insufficiency (ACOG PB 142; RCOG; NICE).
ACUTE_DILATION_ANSWERS: tuple[Answer, ...] = (
    number("Current gestational age: weeks", "gestational_age.weeks", 20),
    number("Current gestational age: days", "gestational_age.days", 3),
    number("Number of fetuses", "fetuses", 1),
    earlier("history.second_trimester_losses", "none"),
    earlier("history.spontaneous_preterm_births", "none"),
    tri("history.prior_cerclage", "absent"),
    number("Cervical dilation (cm)", "exam.cervical_dilation_cm", 2.0),
    tri("exam.membranes_at_or_beyond_os", "present"),
    tri("symptoms.mild_contractions", "absent"),  # the definition needs their absence (PB 142)
    tri("exclusions.labour", "absent"),
    tri("exclusions.bleeding_or_abruption", "absent"),
    tri("exclusions.ruptured_membranes", "absent"),
    tri("exclusions.clinical_chorioamnionitis", "absent"),
    choice("exclusions.amniocentesis", "no_infection"),
    tri("fetal.fetal_demise", "absent"),
    tri("fetal.lethal_anomaly", "absent"),
)


def form_values(answers: tuple[Answer, ...]) -> dict[str, Any]:
    """The intake form's session-state values these answers produce."""
    return {a.form_key: a.value for a in answers}


def radio_group(page: Page, label: str) -> Locator:
    return main(page).get_by_role("radiogroup", name=label, exact=True)


def choose(page: Page, group: str, option: str) -> None:
    """Pick an option of a radio group by clicking its visible words (the input itself is hidden)."""
    from playwright.sync_api import expect

    radios = radio_group(page, group)
    radios.get_by_text(option, exact=True).click()
    expect(radios.get_by_role("radio", name=option, exact=True)).to_be_checked()


def enter_number(page: Page, label: str, shown: str) -> None:
    """Type a number and commit it with Enter."""
    from playwright.sync_api import expect

    field = page.get_by_label(label, exact=True)
    field.fill(shown)
    field.press("Enter")
    expect(field).to_have_value(shown)


def progress_text(answers: tuple[Answer, ...]) -> str:
    """The sidebar's "Intake N of M answered" once the server holds exactly these answers."""
    done, total = overall(completeness(form_to_case(form_values(answers))))
    return f"Intake {done} of {total} answered"


def fill_intake(page: Page, answers: tuple[Answer, ...] = ACUTE_DILATION_ANSWERS) -> None:
    """On the Intake page, enter every answer and wait until the server has taken them all in.

    The inputs change in the browser at once; the sidebar's count changes only when the server
    has the answers. Leaving the page before that can lose the last answer: a navigation
    rerun supersedes a pending widget change, and persist_state keeps only what the server got.
    """
    from playwright.sync_api import expect

    for answer in answers:
        answer.enter(page)
    expect(page.get_by_test_id("stSidebarUserContent").get_by_text(progress_text(answers))).to_be_visible()
    wait_for_app(page)


# --------------------------------------------------------------------------- case files


def upload(page: Page, file: Path | dict[str, Any]) -> None:
    """Give the Intake page's uploader a file (a path, or Playwright's name/mimeType/buffer dict)."""
    page.locator("input[type=file]").set_input_files(file if isinstance(file, dict) else str(file))


def upload_and_wait(page: Page, file: Path | dict[str, Any]) -> None:
    from playwright.sync_api import expect

    upload(page, file)
    expect(main(page).get_by_text("Case file loaded.")).to_be_visible()
    name = file["name"] if isinstance(file, dict) else file.name
    expect(main(page).get_by_text(f"File: {name}", exact=True)).to_be_visible()  # which file was loaded
    wait_for_app(page)


# --------------------------------------------------------------------------- what the pages say


def verdict_heading(page: Page) -> Locator:
    """The Criteria page's verdict heading, in words."""
    return main(page).locator("h3").filter(has_text=_VERDICT_PATTERN)


def cerclage_badge(page: Page) -> Locator:
    """The badge at the top of the Criteria page's Cerclage card."""
    badge = page.locator(".stMarkdownBadge")
    # The innermost container holding both the timing-windows table and a badge is the card.
    card = main(page).get_by_test_id("stLayoutWrapper").filter(has_text="Timing windows").filter(has=badge).last
    return card.locator(".stMarkdownBadge").first


def sidebar_case_lines(page: Page) -> list[str]:
    """The "This case" lines in the sidebar, e.g. "Gestational age: 20+3 weeks"."""
    items = page.get_by_test_id("stSidebarUserContent").get_by_role("listitem")
    return [t.strip() for t in items.all_inner_texts()]


def treatment_status_row(page: Page, short_name: str) -> Locator:
    """The Treatments page's status-table row for one option."""
    return main(page).get_by_role("row").filter(has_text=short_name).first
