"""The text the pages draw: Markdown tables that show every cell literally, sources and known
disagreements built once per knowledge base, and the Criteria page's text built once per assessment.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from dashboard.assess import Cite, assess_all
from dashboard.case import case_from_dict, case_from_json
from dashboard.kb import default_knowledge_base
from dashboard.views import (
    NONE_OFFERS,
    CriteriaText,
    comparison_rows,
    general_disagreements,
    markdown_table,
    md_text,
    option_of_indication,
    sources_block,
    status_cell,
    treatment_differ_cell,
    window_rows,
    words,
)

SCENARIOS = Path(__file__).parent / "scenarios"
UNESCAPED_MARKUP = re.compile(r"(?<!\\)[\\`*_\[\]()<>|#!~$]")


def unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@given(st.text())
def test_md_text_shows_any_text_literally_on_one_line(text: str) -> None:
    """Escaped text keeps every character a reader should see, on one line, with no live markup."""
    shown = md_text(text)

    assert "\n" not in shown and "\r" not in shown
    assert unescape(shown) == " ".join(text.split())
    assert not UNESCAPED_MARKUP.search(re.sub(r"\\.", "", shown))


def test_markdown_table_is_a_table_whose_cells_are_text() -> None:
    """A header row, a rule and one row per item; markup, pipes and new lines in a cell stay text."""
    payload = "<img src=x onerror=alert(1)> | [link](https://example.org) **bold**\nnext"
    rows = [{"Field": payload, "Status": "Differs"}, {"Field": "plain", "Status": "Same"}]
    table = markdown_table(rows, strong={"Differs"})

    header, rule, first, second = table.split("\n")
    assert header == "| Field | Status |"
    assert rule == "| --- | --- |"
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", first)[1:-1]]
    assert unescape(cells[0]) == " ".join(payload.split())
    assert cells[1] == "**Differs**"
    assert second == "| plain | Same |"


def test_sources_block_lists_each_reference_once_with_every_locator() -> None:
    """Citations of one reference are merged, locators kept in the order cited, references by number."""
    kb = default_knowledge_base()
    numbers = kb.citation_number()
    first, second = list(numbers)[:2]
    cites = [
        Cite(second, "Table 2", numbers[second]),
        Cite(first, "p. 3", numbers[first]),
        Cite(second, "Table 1", numbers[second]),
        Cite(second, "Table 2", numbers[second]),
    ]

    block = sources_block(kb, cites, "Sources")

    assert block is not None
    assert block.title == f"Sources [{numbers[first]}, {numbers[second]}]"
    assert block.numbers == f"{numbers[first]},{numbers[second]}"
    paragraphs = block.text.split("\n\n")
    assert [p.split("**", 2)[1] for p in paragraphs] == [f"[{numbers[first]}]", f"[{numbers[second]}]"]
    assert paragraphs[1].endswith("Where: Table 2; Table 1")
    assert sources_block(kb, [], "Sources") is None


def test_knowledge_base_text_is_built_once_per_knowledge_base() -> None:
    """The same knowledge base gives the very same text; another knowledge base object is read afresh."""
    kb = default_knowledge_base()
    other = dataclasses.replace(kb, disagreements=kb.disagreements[:1])

    assert general_disagreements(kb) is general_disagreements(kb)
    assert len(general_disagreements(other)) == 1
    assert len(general_disagreements(kb)) == len(kb.disagreements)


def test_criteria_text_is_built_once_per_assessment_and_guideline() -> None:
    """Asking twice for a guideline's text, the missing answers or the comparison builds nothing new."""
    result = assess_all(case_from_json((SCENARIOS / "nice_mid_trimester_loss_15_weeks.json").read_bytes()))
    text = CriteriaText(result, say=str)

    assert text.guideline("rcog") is text.guideline("rcog")
    assert text.guideline("rcog") is not text.guideline("acog")
    assert text.comparison is text.comparison
    assert text.missing is text.missing


def test_comparison_caption_counts_the_rows_that_differ() -> None:
    """The caption's count of differing rows matches the rows marked Differs."""
    result = assess_all(case_from_json((SCENARIOS / "nice_mid_trimester_loss_15_weeks.json").read_bytes()))
    rows = comparison_rows(result)
    comparison = CriteriaText(result, say=str).comparison

    differ = sum(row["Guidelines differ"] == "Yes" for row in rows)
    assert differ > 0
    assert comparison.caption.startswith(f"{differ} of {len(rows)} rows differ")
    assert comparison.table.count("| **Differs** |") == differ


# --------------------------------------------------------------------------- one page, one story


def _result(name: str):
    return assess_all(case_from_json((SCENARIOS / f"{name}.json").read_bytes()))


def test_every_cerclage_indication_rule_names_its_option() -> None:
    """Each cerclage-indication rule id ends in HIC, USI or PEI, matching its indication, so its option is found."""
    kb = default_knowledge_base()
    wanted = {"history": "history_indicated_cerclage", "ultrasound": "ultrasound_indicated_cerclage",
              "physical_exam": "physical_exam_indicated_cerclage"}  # fmt: skip
    for rule in kb.rules:
        if rule.kind == "cerclage_indication":
            assert option_of_indication(rule.id) == wanted[rule.indication], rule.id


def test_a_met_planned_indication_says_the_option_is_not_for_this_case_once_the_cervix_opened() -> None:
    """With the cervix open, a met ultrasound indication is shown with its option's 'not applicable' and why."""
    text = CriteriaText(_result("loss_then_short_cervix_now_dilated"), say=words)
    for g in ("acog", "nice"):
        lines = text.guideline(g).indications.splitlines()
        [usi] = [line for line in lines if line.startswith(("- **Ultrasound-indicated", "- **Prophylactic cerclage"))]
        assert "For this case now: Not applicable" in usi, usi
        [pei] = [line for line in lines if line.startswith(("- **Physical-examination-indicated", "- **Rescue"))]
        assert "For this case now" not in pei


def test_an_open_window_for_an_option_this_case_cannot_use_says_so() -> None:
    """An open window whose options are not applicable or not recommended for the case says so in its row."""
    a = _result("loss_then_short_cervix_now_dilated").guidelines["nice"]
    rows = window_rows(a.cerclage.windows, {t.treatment: t.status for t in a.treatments})
    [vp] = [r for r in rows if "progesterone" in r["Window"].lower()]
    assert vp["Now"].startswith("Open now, but for this case: ▼ Not recommended")
    assert all(r["Now"] == words(w.status) for r, w in zip(window_rows(a.cerclage.windows), a.cerclage.windows))


def test_the_comparison_caption_says_when_no_row_differs() -> None:
    """When the guidelines agree on every row, the caption says so instead of '0 of n rows differ'."""
    result = _result("acute_dilation_in_labour")
    caption = CriteriaText(result, say=words).comparison.caption
    if any(row["Guidelines differ"] == "Yes" for row in comparison_rows(result)):
        assert "rows differ" in caption
    else:
        assert caption.startswith("The three guidelines give the same answer on all")


def test_a_reason_shared_by_two_indications_is_given_once() -> None:
    """Two met indications closed for the same reason: the second points back instead of repeating it."""
    text = CriteriaText(_result("loss_then_short_cervix_now_dilated"), say=words).guideline("acog").indications
    assert text.count("A planned cerclage") == 1
    assert "(the same reason as above)" in text


def test_a_contraindicated_option_gets_no_extra_note_under_its_indication() -> None:
    """With an absolute contraindication the indication list adds nothing: the contraindication box says it."""
    text = CriteriaText(_result("fetal_demise_after_history"), say=words).guideline("acog").indications
    assert "For this case now" not in text


def test_a_relative_contraindication_shows_in_the_status_cell() -> None:
    """The status table marks an option to consider that carries a relative contraindication."""
    result = _result("acute_dilation_fetal_compromise")
    [t] = [t for t in result.guidelines["acog"].treatments if t.treatment == "physical_exam_indicated_cerclage"]
    assert t.cautions == ["Fetal compromise"]
    assert "⚠ relative contraindication: Fetal compromise" in status_cell(t)


def test_a_contraindication_settles_an_option_but_silence_against_advice_is_a_difference() -> None:
    """Contraindicated beside not offered is no disagreement; 'not recommended' beside silence is one."""
    assert treatment_differ_cell(["contraindicated", "not_applicable", "contraindicated"]) == NONE_OFFERS
    assert treatment_differ_cell(["contraindicated", "not_recommended", "contraindicated"]) == NONE_OFFERS
    assert treatment_differ_cell(["not_recommended", "not_applicable", "not_applicable"]) == "Yes"
    assert treatment_differ_cell(["contraindicated", "consider", "contraindicated"]) == "Yes"
    assert treatment_differ_cell(["consider", "not_applicable", "not_applicable"]) == "Yes"
    assert treatment_differ_cell(["recommended", "consider", "consider"]) == "Yes"
    assert treatment_differ_cell(["insufficient_data", "not_applicable", "not_applicable"]) == "Yes"
    assert treatment_differ_cell(["consider", "consider", "consider"]) == "No"


def test_twins_with_a_short_cervix_show_the_uk_silence_as_no_stated_position() -> None:
    """Twins at 14 mm: ACOG's 'not recommended' beside the UK columns' 'no stated position', not a disagreement."""
    case = case_from_json(
        b'{"gestational_age": {"weeks": 20, "days": 0}, "fetuses": 2,'
        b' "history": {"painless_second_trimester_losses": [],'
        b' "spontaneous_preterm_births": [], "prior_cerclage": "absent"}, "exam": {"cervical_dilation_cm": 0,'
        b' "membranes_at_or_beyond_os": "absent"}, "ultrasound": {"cervical_lengths":'
        b' [{"gestational_age": {"weeks": 20, "days": 0}, "cervical_length_mm": 14}]}}'
    )
    result = assess_all(case)
    assert [result.guidelines[g].treatments[2].status for g in ("acog", "rcog", "nice")] == [
        "not_recommended", "no_stated_position", "no_stated_position"
    ]
    # The UK columns' silence is shown as such, and is not by itself a disagreement.
    assert "Ultrasound-indicated transvaginal cervical cerclage" not in [d.topic for d in result.disagreements]
    rows = {row["Topic"]: row for row in comparison_rows(result)}
    assert rows["Ultrasound-indicated cerclage"]["Guidelines differ"] == "No: only ACOG (US) states a position"
    assert "No stated position" in rows["Ultrasound-indicated cerclage"]["RCOG (UK)"]


def test_the_cerclage_card_names_transabdominal_cerclage_when_it_is_open_to_the_case() -> None:
    """After a failed transvaginal cerclage the indications list carries transabdominal cerclage and its reason."""
    text = CriteriaText(_result("failed_transvaginal_cerclage"), say=words)
    for g in ("acog", "rcog", "nice"):
        assert "- **Transabdominal cervical cerclage**: " in text.guideline(g).indications
    one_loss = CriteriaText(_result("classic_history_one_loss"), say=words)
    assert "Transabdominal" not in one_loss.guideline("acog").indications


def test_mild_contractions_are_an_exclusion_not_a_separate_warning() -> None:
    """Mild contractions recorded: listed once, as an exclusion of the examination picture, with no second warning."""
    result = _result("acute_dilation_mild_contractions_recorded")
    text = CriteriaText(result, say=words).guideline("acog")
    assert [f.badge for f in text.exclusions] == ["Contractions, even mild ones: present"]
    assert text.also_recorded is None
    assert result.guidelines["acog"].diagnosis.pathways["physical_exam"] == "not_met"
    assert CriteriaText(_result("acute_painless_dilation_20_weeks"), say=words).guideline("acog").also_recorded is None


def test_labour_recorded_is_not_called_not_an_exclusion() -> None:
    """Labour recorded: the exclusion says it, and no warning beside it says 'not an exclusion of the diagnosis'."""
    text = CriteriaText(_result("acute_dilation_in_labour"), say=words).guideline("acog")
    assert any(f.badge.startswith("Regular painful contractions or labour") for f in text.exclusions)
    assert text.also_recorded is None


def test_a_contraindication_that_is_not_an_exclusion_is_said_beside_the_exclusions() -> None:
    """Fetal compromise with every exclusion absent: a warning beside the green line, with its sources."""
    result = _result("acute_dilation_fetal_compromise")
    text = CriteriaText(result, say=words).guideline("acog")
    assert text.also_recorded is not None and text.also_recorded.startswith("**Fetal compromise recorded**")
    [ci] = [c for c in result.guidelines["acog"].cerclage.contraindications if c.status == "present"]
    assert set(ci.citations) <= set(text.exclusion_cites)


# --------------------------------------------------------------------------- a length measured outside the window

# A singleton at 25+0 after a spontaneous preterm birth at 30 weeks, measured 20 mm today: after every window.
LATE_SCAN = {
    "gestational_age": {"weeks": 25, "days": 0},
    "fetuses": 1,
    "history": {
        "painless_second_trimester_losses": [],
        "spontaneous_preterm_births": [{"gestational_age": {"weeks": 30}}],
    },
    "ultrasound": {"cervical_lengths": [{"gestational_age": {"weeks": 25, "days": 0}, "cervical_length_mm": 20}]},
}
LATE_SCAN_WORDS = {
    "acog": "Short cervix before 24 weeks (ACOG threshold): 20 mm at 25+0, below this guideline's 25 mm threshold "
    "but outside its window (14+0 to 23+6): not a screening finding for this pathway",
    "rcog": "Short cervix before 24 weeks (RCOG threshold): 20 mm at 25+0, below this guideline's 25 mm threshold "
    "but outside its window (14+0 to 23+6): not a screening finding for this pathway",
    "nice": "Short cervix at 16+0 to 24+0 weeks (NICE threshold): 20 mm at 25+0, below this guideline's 25 mm "
    "threshold but outside its window (16+0 to 24+0): not a screening finding for this pathway",
}


def test_a_length_measured_outside_the_window_is_shown_as_measured_never_unknown() -> None:
    """20 mm at 25+0: each guideline's risk-finding line gives the length, its gestational age, short or not by that
    guideline's threshold and the window it misses, badged 'not applicable', never 'unknown'."""
    text = CriteriaText(assess_all(case_from_dict(LATE_SCAN)), say=words)
    for g, expected in LATE_SCAN_WORDS.items():
        short_cervix, _ = text.guideline(g).risk_findings
        assert (short_cervix.status, short_cervix.badge) == ("not_applicable", expected), g
        assert "unknown" not in short_cervix.badge.lower()


def test_the_comparison_row_shows_a_length_measured_outside_the_window() -> None:
    """The side-by-side row for the short cervix gives the same measured words, not '? Unknown'."""
    result = assess_all(case_from_dict(LATE_SCAN))
    [row] = [r for r in comparison_rows(result) if r["Topic"] == "Short cervix (risk finding)"]
    for g, expected in LATE_SCAN_WORDS.items():
        cell = row[result.guidelines[g].guideline_name]
        assert cell.startswith(f"{words('not_applicable')}: {expected} ["), cell
        assert "Unknown" not in cell
