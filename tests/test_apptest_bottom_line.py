"""The bottom line card through AppTest: one card, the engine's words, the same on every page.

The card is the bordered container with key "bottom-line" at the top of Intake, Criteria and
Treatments; the sidebar names its headline and the command-line text report opens with it.
Every expected text is built from ``assess_all`` on the same case by the views' own renderers,
never written into the test.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from dashboard import cli
from dashboard.assess import assess_all
from dashboard.intake import IN, ROWS, cell_key, form_to_case, key
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES
from dashboard.ui import badge_markdown
from dashboard.views import bottom_line_markdown, bottom_line_text, md_text, sidebar_bottom_line
from tests.test_apptest_pages import (  # noqa: F401 - the autouse fixture keeps AppTest on st.navigation
    SCENARIOS,
    choose_guideline,
    entrypoint_runs_on_every_rerun,
    load,
    open_page,
    scenario,
    texts,
)

ROOT = Path(__file__).parents[1]
APP = ROOT / "streamlit_app.py"
CARD_PAGES = ("intake", "criteria", "treatments")
CARD_KEY = "bottom-line"
# A range of pictures: met on examination, met on history, twins with a short cervix, a failed
# cerclage, and dilation in labour (not cervical insufficiency).
CASES = [
    "acute_painless_dilation_20_weeks",
    "classic_history_three_losses",
    "twins_short_cervix_no_history",
    "failed_transvaginal_cerclage",
    "acute_dilation_in_labour",
    "cerclage_in_place_short_cervix_since_22_weeks",
]
# How every headline the engine can give begins (dashboard.bottomline.derive_bottom_line).
HEADLINE_OPENINGS = (
    "Bottom line",
    "Can be offered now:",
    "Nothing can be offered yet",
    "No option is offered for this case now",
    "Outside this tool's pathway now:",
    "No further option is offered for this case now",
    "cerclage is in place",
)


def card_blocks(at: AppTest) -> list[Block]:
    """Every container of the main area drawn with key "bottom-line"."""
    found: list[Block] = []

    def walk(node: object) -> None:
        if isinstance(node, Block):
            proto = node.proto
            if proto is not None and getattr(proto, "id", "").endswith(f"-{CARD_KEY}"):
                found.append(node)
            for child in node.children.values():
                walk(child)

    walk(at.main)
    return found


def card_text(at: AppTest) -> str:
    """The Markdown of the one bottom-line card on the page (the card holds exactly one)."""
    [block] = card_blocks(at)
    [markdown] = block.markdown
    return markdown.value


def unescaped(markdown: str) -> str:
    """What a reader sees of the views' Markdown: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def current_case_of(at: AppTest):
    """The case the intake form holds now, read from the session as the app reads it."""
    values = {k: v for k, v in at.session_state.to_dict().items() if isinstance(k, str) and k.startswith((IN, ROWS))}
    return form_to_case(values)


def cli_text(case_name: str) -> str:
    out = StringIO()
    assert cli.main(["assess", str(SCENARIOS / f"{case_name}.json"), "--format", "text"], out=out) == 0
    return out.getvalue()


# --------------------------------------------------------------------------- Intake


def test_intake_card_follows_each_answer(at: AppTest) -> None:
    """The Intake card's Markdown changes as answers change and is the engine's bottom line for the case."""
    open_page(at, "intake")
    at.text_input(key=key("gestational_age.weeks")).input("20").run()
    at.text_input(key=key("gestational_age.days")).input("0").run()
    at.text_input(key=key("fetuses")).input("1").run()
    assert not at.exception, [e.value for e in at.exception]
    before = card_text(at)
    first = assess_all(current_case_of(at)).guidelines["acog"].bottom_line
    assert before == bottom_line_markdown(first, badge_markdown)

    at.text_input(key=key("exam.cervical_dilation_cm")).input("3.0").run()
    tri_answers = [
        "exam.membranes_at_or_beyond_os",
        "exclusions.labour",
        "exclusions.bleeding_or_abruption",
        "exclusions.ruptured_membranes",
        "exclusions.clinical_chorioamnionitis",
        "symptoms.mild_contractions",
        "fetal.fetal_demise",
        "fetal.lethal_anomaly",
    ]
    for path in tri_answers:
        at.radio(key=key(path)).set_value("present" if path.startswith("exam.") else "absent").run()
    at.radio(key=key("exclusions.amniocentesis")).set_value("not_done").run()
    assert not at.exception, [e.value for e in at.exception]

    after = card_text(at)
    case = current_case_of(at)
    assert case.exam.cervical_dilation_cm == 3.0
    assert after != before
    assert after.startswith(f"**Bottom line under {md_text(GUIDELINE_NAMES['acog'])}: ")
    assert after == bottom_line_markdown(assess_all(case).guidelines["acog"].bottom_line, badge_markdown)


def test_recording_a_cerclage_in_place_on_intake_changes_the_card_and_hides_its_details_when_taken_back(
    at: AppTest,
) -> None:
    """Answering "Cerclage already in place" shows its details; the card then opens with the stitch and
    what the guideline says about it; answering Absent hides the details and drops them from the case."""
    open_page(at, "intake")
    at.text_input(key=key("gestational_age.weeks")).input("20").run()
    at.text_input(key=key("fetuses")).input("1").run()
    assert not [s for s in at.selectbox if s.key == key("cerclage.route")]
    at.radio(key=key("cerclage.in_place")).set_value("present").run()
    at.selectbox(key=key("cerclage.route")).set_value("transvaginal").run()
    at.selectbox(key=key("cerclage.indication")).set_value("history").run()
    at.text_input(key=key("cerclage.placed_at.weeks")).input("13").run()
    assert not at.exception, [e.value for e in at.exception]
    case = current_case_of(at)
    assert (case.cerclage.route.value, str(case.cerclage.placed_at)) == ("transvaginal", "13+0")
    card = unescaped(card_text(at))
    line = assess_all(case).guidelines["acog"].bottom_line
    assert card == unescaped(bottom_line_markdown(line, badge_markdown))
    assert "A transvaginal cerclage is in place (history-indicated), placed at 13+0 weeks." in card
    assert "Removing a transvaginal cerclage" in card

    at.radio(key=key("cerclage.in_place")).set_value("absent").run()
    assert not [s for s in at.selectbox if s.key == key("cerclage.route")]
    case = current_case_of(at)
    assert case.cerclage.route.value == "unknown" and case.cerclage.placed_at is None
    assert "cerclage is in place" not in card_text(at)


def test_a_loss_recorded_on_intake_asks_whether_it_was_painless_and_the_answer_reaches_the_case(at: AppTest) -> None:
    """Each loss row has its own painless answer (Unknown first); ACOG's history diagnosis follows it."""
    open_page(at, "intake")
    at.text_input(key=key("gestational_age.weeks")).input("12").run()
    at.radio(key=key("history.second_trimester_losses.known")).set_value("yes").run()
    [row] = at.session_state[f"{ROWS}history.second_trimester_losses"]
    painless = at.selectbox(key=cell_key("history.second_trimester_losses", row, "painless"))
    assert painless.value == "unknown" and painless.label == "Loss 1: painless?"
    at.text_input(key=cell_key("history.second_trimester_losses", row, "weeks")).input("20").run()
    unknown = assess_all(current_case_of(at)).guidelines["acog"].diagnosis.status
    painless.set_value("present").run()
    case = current_case_of(at)
    assert case.history.second_trimester_losses[0].painless.value == "present"
    assert (unknown, assess_all(case).guidelines["acog"].diagnosis.status) == ("insufficient_data", "met")
    at.selectbox(key=cell_key("history.second_trimester_losses", row, "painless")).set_value("absent").run()
    case = current_case_of(at)
    assert assess_all(case).guidelines["acog"].diagnosis.basis == []
    assert card_text(at) == bottom_line_markdown(assess_all(case).guidelines["acog"].bottom_line, badge_markdown)


# --------------------------------------------------------------------------- every page, every guideline


@pytest.mark.parametrize("case_name", CASES)
def test_card_is_the_same_on_every_page_under_each_guideline(at: AppTest, case_name: str) -> None:
    """Intake, Criteria and Treatments show the same card, the engine's bottom line, under each guideline."""
    result = load(at, scenario(case_name))
    for guideline in GUIDELINES:
        choose_guideline(at, guideline)
        expected = bottom_line_markdown(result.guidelines[guideline].bottom_line, badge_markdown)
        shown = {page: card_text(open_page(at, page)) for page in CARD_PAGES}
        assert shown == {page: expected for page in CARD_PAGES}, guideline
        assert expected.startswith(f"**Bottom line under {md_text(GUIDELINE_NAMES[guideline])}: ")


@pytest.mark.parametrize("case_name", CASES)
def test_sidebar_names_the_bottom_line_of_the_guideline_in_use(at: AppTest, case_name: str) -> None:
    """The sidebar's Markdown holds the bottom line of the guideline in use, on each page with a card."""
    result = load(at, scenario(case_name))
    for guideline in GUIDELINES:
        choose_guideline(at, guideline)
        expected = sidebar_bottom_line(result.guidelines[guideline].bottom_line)
        for page in CARD_PAGES:
            open_page(at, page)
            sidebar = "\n".join(m.value for m in at.sidebar.markdown)
            assert expected in sidebar, (guideline, page)
            for other in GUIDELINES:
                if other != guideline and sidebar_bottom_line(result.guidelines[other].bottom_line) != expected:
                    assert sidebar_bottom_line(result.guidelines[other].bottom_line) not in sidebar


@pytest.mark.parametrize("case_name", CASES)
def test_cli_report_opens_with_the_cards_words(at: AppTest, case_name: str) -> None:
    """The CLI text report states each guideline's headline verbatim, in the words of that guideline's card."""
    result = load(at, scenario(case_name))
    report = cli_text(case_name)
    opening = report.split("== Bottom line ==\n", 1)[1].split("\n\n", 1)[0].splitlines()
    for guideline in GUIDELINES:
        line = result.guidelines[guideline].bottom_line
        assert line.headline in report
        choose_guideline(at, guideline)
        card_first_line = card_text(open_page(at, "criteria")).split("\n", 1)[0]
        assert unescaped(card_first_line) in opening, guideline
        assert bottom_line_text(line, lambda cites: "")[0] == unescaped(card_first_line)


@pytest.mark.parametrize("case_name", CASES)
@pytest.mark.parametrize("page", CARD_PAGES)
def test_card_appears_once_and_nothing_else_states_another_headline(at: AppTest, case_name: str, page: str) -> None:
    """Each page draws one card holding one Markdown element, and no other element states a different headline."""
    result = load(at, scenario(case_name))
    open_page(at, page)
    line = result.guidelines["acog"].bottom_line

    [block] = card_blocks(at)
    assert len(block.markdown) == 1
    card = block.markdown[0].value
    assert [t for t in texts(at) if t.startswith("**Bottom line")] == [card]
    for text in texts(at):
        if text == card:
            continue
        for opening in HEADLINE_OPENINGS:
            if opening in unescaped(text):
                assert line.headline in unescaped(text), (opening, text[:200])
    if page == "criteria":
        headings = [m.value for m in at.main.markdown if m.value.startswith("### ")]
        assert f"### {line.diagnosis_headline}" in headings
        verdicts = ("Meets the criteria", "Does not meet the criteria", "Not enough information to apply")
        assert [h for h in headings if any(v in h for v in verdicts)] == [f"### {line.diagnosis_headline}"]
