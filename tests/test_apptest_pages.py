"""Every page through Streamlit's AppTest: it renders, and it shows what the engine decided.

The app is started from its entrypoint (``streamlit_app.py``) and moved between pages with
``switch_page``, as a user would through the sidebar. A case is put into the intake form's
own session-state keys with ``dashboard.intake.case_to_form``, exactly what an uploaded case
file does. Expected verdicts and statuses come from ``dashboard.assess.assess_all`` on the
same case, never from numbers written into the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dashboard.assess import AllAssessments, Cite, assess_all
from dashboard.bottomline import IN_PLAY
from dashboard.case import Case, CaseError, case_from_dict, case_from_json
from dashboard.fields import SECTIONS, label_of, place_of
from dashboard.intake import SCANS, case_to_form, cell_key, form_to_case, key, rows_key
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, default_knowledge_base
from dashboard.ui import STATUS_LOOK, badge_markdown, md_escape
from dashboard.views import bottom_line_markdown, marks, md_text, option_order, words
from tests.strategies import births, ga, scan

ROOT = Path(__file__).parents[1]
APP = ROOT / "streamlit_app.py"
SCENARIOS = Path(__file__).parent / "scenarios"
# Every page script, so a page added later is covered without editing this list.
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
# The words the Criteria page uses for each verdict, as the issue states them.
VERDICT_WORDS = {
    "met": "Meets the criteria",
    "not_met": "Does not meet",
    "insufficient_data": "Not enough information",
}
BASIS_WORDS = {"history": "obstetric history", "physical_exam": "physical examination"}

ACUTE = "acute_painless_dilation_20_weeks"
CLASSIC = "classic_history_two_losses"
# One case per verdict: met on examination, met on history, not met, and not enough information.
VERDICT_SCENARIOS = [ACUTE, CLASSIC, "acute_dilation_in_labour", "acute_dilation_labour_unknown"]
# The guidelines give this case three different cerclage indications.
DIVERGENT = "nice_mid_trimester_loss_15_weeks"


def sidebar_lines(at: AppTest) -> list[str]:
    """Every line of the sidebar's markdown (the case at a glance is one list)."""
    return [line for m in at.sidebar.markdown for line in m.value.splitlines()]


@pytest.fixture(autouse=True)
def entrypoint_runs_on_every_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep AppTest on the st.navigation path for every run, as the real server is.

    Streamlit 1.67's AppTest resets ``PagesManager.uses_pages_directory`` to None before each
    run; because this app keeps its page scripts in ``pages/``, the flag then becomes True and
    each run after the first starts on the legacy multipage path. The real server decides
    that once per process and ``st.navigation`` (or ``dashboard.ui.require_frame``) turns it
    off for good. Left alone in AppTest, every run would begin with the page's corrective
    ``st.rerun()``, which drops button clicks (New case, Clear everything) before the
    entrypoint sees them. Forcing the flag off matches the app in the browser.
    """
    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)


def scenario(name: str) -> Case:
    return case_from_json((SCENARIOS / f"{name}.json").read_bytes())


def load(at: AppTest, case: Case) -> AllAssessments:
    """Fill the intake form with ``case`` and return the engine's assessment of it."""
    for k, v in case_to_form(case).items():
        at.session_state[k] = v
    return assess_all(case)


def open_page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    """Markdown, captions and alerts of the main area, in order."""
    main = at.main
    return [e.value for e in (*main.markdown, *main.caption, *main.error, *main.warning, *main.info, *main.success)]


def verdict_lines(at: AppTest) -> list[str]:
    """Headings of the main area that state a verdict."""
    return [
        m.value
        for m in at.main.markdown
        if m.value.startswith("#") and any(w in m.value for w in VERDICT_WORDS.values())
    ]


def badges(at: AppTest) -> list[str]:
    """The words inside each ``:colour-badge[...]`` of the main area."""
    out = []
    for m in at.main.markdown:
        value = m.value
        if "-badge[" in value and value.endswith("]"):
            inner = value.split("-badge[", 1)[1][:-1]
            out.append(inner.split(": ", 1)[1] if inner.startswith(":material/") else inner)
    return out


def markdown_tables(at: AppTest) -> list[list[dict[str, str]]]:
    """Each Markdown table of the main area as rows of header -> cell, as written (still escaped)."""
    tables = []
    for m in at.main.markdown:
        lines = [line for line in m.value.splitlines() if line.startswith("|")]
        if len(lines) < 2 or not set(lines[1]) <= set("|- "):
            continue
        cells = ([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in [lines[0], *lines[2:]])
        header, *body = cells
        tables.append([dict(zip(map(plain, header), row, strict=True)) for row in body])
    return tables


def plain(markdown: str) -> str:
    """What a reader sees of an escaped Markdown cell: escapes and bold markers removed."""
    return re.sub(r"\\(.)", r"\1", markdown.removeprefix("**").removesuffix("**"))


def choose_guideline(at: AppTest, guideline: str) -> None:
    at.sidebar.radio(key="guideline").set_value(guideline).run()
    assert not at.exception, [e.value for e in at.exception]


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_an_empty_case(at: AppTest, page: str) -> None:
    """Each page renders a title and the shared sidebar, without an exception, for an empty case."""
    open_page(at, page)

    assert len(at.title) == 1
    assert at.sidebar.radio(key="guideline").label == "Guideline in use"


@pytest.mark.parametrize("case_name", [ACUTE, CLASSIC])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_a_full_case(at: AppTest, page: str, case_name: str) -> None:
    """Each page renders without an exception for a complete scenario case."""
    load(at, scenario(case_name))

    open_page(at, page)

    assert len(at.title) == 1
    assert not at.main.error, [e.value for e in at.main.error]


# --------------------------------------------------------------------------- criteria


@pytest.mark.parametrize("case_name", VERDICT_SCENARIOS)
def test_criteria_shows_the_engines_verdict(at: AppTest, case_name: str) -> None:
    """The Criteria page states the engine's verdict, in words, under the guideline in use."""
    diagnosis = load(at, scenario(case_name)).guidelines["acog"].diagnosis

    open_page(at, "criteria")

    [line] = verdict_lines(at)
    assert VERDICT_WORDS[diagnosis.status] in line
    for other, words_ in VERDICT_WORDS.items():
        if other != diagnosis.status:
            assert words_ not in line
    assert diagnosis.summary in texts(at)


@pytest.mark.parametrize("case_name", [ACUTE, CLASSIC])
def test_criteria_names_the_basis_of_a_met_verdict(at: AppTest, case_name: str) -> None:
    """A met verdict names its basis: the examination or the obstetric history."""
    diagnosis = load(at, scenario(case_name)).guidelines["acog"].diagnosis
    assert diagnosis.status == "met", "this scenario is chosen as a met verdict"

    open_page(at, "criteria")

    [line] = verdict_lines(at)
    assert line.endswith(", ".join(BASIS_WORDS[b] for b in diagnosis.basis))


@pytest.mark.parametrize("case_name", [ACUTE, CLASSIC])
def test_criteria_shows_the_engines_cerclage_indication(at: AppTest, case_name: str) -> None:
    """The Cerclage section carries a badge with the engine's indication and its summary."""
    cerclage = load(at, scenario(case_name)).guidelines["acog"].cerclage

    open_page(at, "criteria")

    assert STATUS_LOOK[cerclage.indication][0] in badges(at)
    assert cerclage.summary in texts(at)


def test_criteria_compares_the_three_guidelines(at: AppTest) -> None:
    """The side-by-side table gives each guideline's diagnosis and cerclage indication for the case."""
    result = load(at, scenario(DIVERGENT))

    open_page(at, "criteria")

    table = {plain(row["Topic"]): row for row in markdown_tables(at)[-1]}
    for g in GUIDELINES:
        assert plain(table["Diagnosis"][GUIDELINE_NAMES[g]]).startswith(words(result.guidelines[g].diagnosis.status))
        assert plain(table["Cerclage indication"][GUIDELINE_NAMES[g]]).startswith(
            words(result.guidelines[g].cerclage.indication)
        )
    # The marker is words in bold, not shading alone.
    assert table["Cerclage indication"]["Guidelines differ"] == "**Differs**"
    for topic, row in table.items():
        if len({row[GUIDELINE_NAMES[g]] for g in GUIDELINES}) == 1:
            assert row["Guidelines differ"] == "Same", topic


def test_criteria_table_lists_every_criterion_and_exclusion(at: AppTest) -> None:
    """The criteria table has a row per criterion and per exclusion, with its status words and sources."""
    a = load(at, scenario(ACUTE)).guidelines["acog"]

    open_page(at, "criteria")

    rows = markdown_tables(at)[0]
    expected = [(t.title, t.status, t.citations) for t in a.diagnosis.criteria] + [
        (f"No {e.trace.title.lower()}", {"absent": "met", "present": "not_met"}.get(e.status, "insufficient_data"),
         e.trace.citations)
        for e in a.exclusions
    ]
    assert [plain(row["Criterion"]) for row in rows] == [title for title, _, _ in expected]
    for row, (title, status, citations) in zip(rows, expected, strict=True):
        assert plain(row["Status"]) == words(status), title
        assert plain(row["Sources"]) == marks(citations), title


def test_criteria_sources_name_every_reference_cited(at: AppTest) -> None:
    """Each sources expander lists, in one text, every reference its section cites, with a link to References."""
    a = load(at, scenario(ACUTE)).guidelines["acog"]
    cited = sorted({c.number for t in a.diagnosis.criteria + a.diagnosis.definition for c in t.citations})

    open_page(at, "criteria")

    block = next(e for e in at.main.expander if e.label.startswith("Sources ["))
    assert block.label == f"Sources {marks([Cite('', '', n) for n in cited])}"
    [text] = block.markdown
    assert [int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", text.value, re.M)] == cited
    assert [link.label for link in block.get("page_link")] == ["Open these in References"]


def test_criteria_lists_what_is_missing_by_section(at: AppTest) -> None:
    """Every unknown answer that would change a verdict is named, with one intake link per section."""
    result = assess_all(Case())

    open_page(at, "criteria")

    shown = "\n".join(texts(at))
    for m in result.missing:
        assert f"- **{md_escape(m.label)}**: affects {md_escape('; '.join(m.affects))}" in shown
    sections = list(dict.fromkeys(m.section for m in result.missing))
    links = [link.label for link in at.main.get("page_link") if link.label.startswith("Answer in the intake")]
    assert links == [f"Answer in the intake: {SECTIONS[s]}" for s in sections]


def _singleton_after_a_preterm_birth(today: str, *scans: tuple[str, float]) -> Case:
    """A singleton after a spontaneous preterm birth at 30 weeks, today ``today``, with these scans (age, mm)."""
    return case_from_dict({
        "gestational_age": ga(today),
        "fetuses": 1,
        "history": {"painless_second_trimester_losses": [], "spontaneous_preterm_births": births("30+0")},
        "ultrasound": {"cervical_lengths": [scan(at, mm) for at, mm in scans]},
    })  # fmt: skip


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_criteria_shows_a_length_measured_outside_the_window_as_measured(at: AppTest, guideline: str) -> None:
    """20 mm at 25+0: the Short cervix risk-finding line gives the engine's measured words with their badge, under
    each guideline, and never says 'unknown'."""
    result = load(at, _singleton_after_a_preterm_birth("25+0", ("25+0", 20.0)))
    finding = result.guidelines[guideline].short_cervix
    assert finding.measured, "the scan is chosen outside every guideline's window"

    open_page(at, "criteria")
    choose_guideline(at, guideline)

    [risk] = [m.value for m in at.main.markdown if finding.trace.title in m.value and "-badge[" in m.value]
    [line] = [line for line in risk.splitlines() if finding.trace.title in line]
    assert line.startswith(f"- {badge_markdown(finding.shown, f'{finding.trace.title}: {finding.measured}')} ")
    assert "unknown" not in line.split("] ", 1)[0].lower()


def test_criteria_asks_for_a_scan_in_the_window_not_for_the_recorded_scans(at: AppTest) -> None:
    """A scan at 12+0, today 14+0: the bottom line and the missing list ask for a scan in the window, in the
    engine's words, and never name the recorded scan list as unknown."""
    a = load(at, _singleton_after_a_preterm_birth("14+0", ("12+0", 30.0))).guidelines["acog"]
    [t] = [t for t in a.treatments if t.treatment == "ultrasound_indicated_cerclage"]
    [wanted] = t.asks.values()
    [item] = [i for i in a.bottom_line.undecided if i.treatment == t.treatment]
    assert wanted in item.text

    open_page(at, "criteria")

    shown = "\n".join(texts(at))
    assert f"- **{md_text(item.name)}**: {md_text(item.text)}" in shown
    assert f"- **{md_escape(wanted)}**: affects " in shown
    assert md_escape(label_of(SCANS)) not in shown


def test_criteria_shows_each_general_disagreement_with_its_sources(at: AppTest) -> None:
    """Each known disagreement has its own expander giving every body's position with its citations."""
    kb = default_knowledge_base()
    numbers = kb.citation_number()

    open_page(at, "criteria")

    expanders = {e.label: e for e in at.main.expander}
    for dis in kb.disagreements:
        [text] = expanders[dis.topic].markdown
        for body, position in dis.positions.items():
            cites = [Cite(c.ref, c.locator, numbers[c.ref]) for c in position.citations]
            assert f"**{body}.** {position.text} {marks(cites)}" in text.value


# --------------------------------------------------------------------------- treatments


@pytest.mark.parametrize("case_name", [ACUTE, CLASSIC])
def test_treatments_table_shows_each_short_name_and_status(at: AppTest, case_name: str) -> None:
    """The status table lists every option by short name with each guideline's status words."""
    result = load(at, scenario(case_name))

    open_page(at, "treatments")

    table = at.main.table[0].value
    order = option_order(result.guidelines["acog"])  # offered now first, as the bottom line lists them
    expected_names = [result.guidelines["acog"].treatments[i].short_name for i in order]
    assert list(table["Option"]) == expected_names
    for g in GUIDELINES:
        for row, i in zip(table[GUIDELINE_NAMES[g]], order, strict=True):
            treatment = result.guidelines[g].treatments[i]
            assert row.startswith(words(treatment.status)), (g, treatment.short_name, row)


@pytest.mark.parametrize("case_name", [ACUTE, CLASSIC])
def test_treatment_cards_show_this_cases_status(at: AppTest, case_name: str) -> None:
    """Each option's card is headed by its short name and badged with this case's status."""
    a = load(at, scenario(case_name)).guidelines["acog"]
    order = option_order(a)
    in_play = [a.treatments[i] for i in order if a.treatments[i].status in IN_PLAY]

    open_page(at, "treatments")

    def headings() -> list[str]:
        found = [m.value for m in at.main.markdown if m.value.startswith("#### ")]
        return [h.removeprefix("#### ").removesuffix(" (withdrawn)") for h in found]

    # Offered or undecided options first; the rest stay collapsed until asked for.
    assert headings() == [t.short_name for t in in_play]
    at.toggle(key="show-not-offered").set_value(True).run()
    everything = [a.treatments[i] for i in order]
    assert headings() == [t.short_name for t in everything]
    case_badges = [b for b in badges(at) if b.startswith("This case: ")]
    assert case_badges == [f"This case: {words(t.status).split(' ', 1)[1]}" for t in everything]


# --------------------------------------------------------------------------- guideline choice


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_guideline_radio_switches_the_criteria_page(at: AppTest, guideline: str) -> None:
    """Choosing a guideline in the sidebar shows that guideline's cerclage indication on Criteria."""
    result = load(at, scenario(DIVERGENT))
    open_page(at, "criteria")

    choose_guideline(at, guideline)

    assert f"Under {GUIDELINE_NAMES[guideline]} (change the guideline in the sidebar)" in texts(at)
    indication = result.guidelines[guideline].cerclage
    assert STATUS_LOOK[indication.indication][0] in badges(at)
    assert indication.summary in texts(at)


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_guideline_radio_switches_the_treatments_page(at: AppTest, guideline: str) -> None:
    """Choosing a guideline in the sidebar badges each option with that guideline's status."""
    result = load(at, scenario(DIVERGENT))
    open_page(at, "treatments")

    choose_guideline(at, guideline)

    chosen = GUIDELINE_NAMES[guideline]
    assert any(t.startswith(f"Ordered by {chosen}, the guideline chosen in the sidebar") for t in texts(at))
    a = result.guidelines[guideline]
    in_play = [a.treatments[i] for i in option_order(a) if a.treatments[i].status in IN_PLAY]
    case_badges = [b for b in badges(at) if b.startswith("This case: ")]
    assert case_badges == [f"This case: {words(t.status).split(' ', 1)[1]}" for t in in_play]
    card = [m.value for m in at.main.markdown if m.value.startswith("**Bottom line under")]
    assert card == [bottom_line_markdown(a.bottom_line, badge_markdown)]


def test_guideline_choice_is_kept_across_pages(at: AppTest) -> None:
    """A guideline chosen on one page is still chosen on the next."""
    load(at, scenario(DIVERGENT))
    open_page(at, "criteria")
    choose_guideline(at, "nice")

    open_page(at, "treatments")

    assert at.sidebar.radio(key="guideline").value == "nice"
    assert any(t.startswith(f"Ordered by {GUIDELINE_NAMES['nice']}, the guideline chosen") for t in texts(at))


# --------------------------------------------------------------------------- sidebar and intake


@pytest.mark.parametrize("page", PAGES)
def test_sidebar_shows_the_cases_gestational_age(at: AppTest, page: str) -> None:
    """The sidebar names the case's gestational age on every page."""
    case = scenario(ACUTE)
    load(at, case)

    open_page(at, page)

    assert f"- Gestational age: {case.gestational_age} weeks" in sidebar_lines(at)


def test_intake_shows_the_loaded_case_in_its_inputs(at: AppTest) -> None:
    """The Intake page's inputs hold the values of the case loaded into the session."""
    case = scenario(CLASSIC)
    load(at, case)

    open_page(at, "intake")

    assert at.text_input(key=key("gestational_age.weeks")).value == str(case.gestational_age.weeks)
    assert at.text_input(key=key("fetuses")).value == str(case.fetuses)
    assert at.radio(key=key("history.second_trimester_losses.known")).value == "yes"
    assert at.radio(key=key("history.prior_cerclage")).value == case.history.prior_cerclage.value
    assert at.radio(key=key("fetal.fetal_demise")).value == case.fetal.fetal_demise.value


@pytest.mark.parametrize("case_name", sorted(p.stem for p in SCENARIOS.glob("*.json")))
def test_intake_draws_every_scenario_case(at: AppTest, case_name: str) -> None:
    """Every scenario case, as an uploaded file would load it, draws on the Intake page with its rows."""
    case = scenario(case_name)
    load(at, case)

    open_page(at, "intake")

    assert not at.main.error, [e.value for e in at.main.error]
    losses = case.history.second_trimester_losses or []
    births = case.history.spontaneous_preterm_births or []
    removers = [b.label for b in at.main.button if b.label.startswith("Remove ")]
    # "Yes" to earlier losses or births means at least one, so a single row has no Remove button.
    assert removers == [
        *(f"Remove loss {n}" for n in range(1, len(losses) + 1) if len(losses) > 1),
        *(f"Remove birth {n}" for n in range(1, len(births) + 1) if len(births) > 1),
        *(f"Remove scan {n}" for n in range(1, len(case.ultrasound.cervical_lengths) + 1)),
    ]
    for path, items in (
        ("history.second_trimester_losses", losses),
        ("history.spontaneous_preterm_births", births),
    ):
        shown = [at.text_input(key=cell_key(path, row, "weeks")).value for row in at.session_state[rows_key(path)]]
        assert shown == ["" if i.gestational_age is None else str(i.gestational_age.weeks) for i in items]


def test_intake_offers_the_case_file_for_download(at: AppTest) -> None:
    """With a readable case, the Intake page offers the case file for download."""
    load(at, scenario(ACUTE))

    open_page(at, "intake")

    assert [b.label for b in at.get("download_button")] == ["Download case file (JSON)"]


# --------------------------------------------------------------------------- invalid input


def scan_after_today() -> dict[str, object]:
    """Form values with a cervical-length scan dated after the current gestational age."""
    return {
        key("gestational_age.weeks"): 20,
        key("gestational_age.days"): 0,
        rows_key(SCANS): ["r1"],
        cell_key(SCANS, "r1", "weeks"): 22,
        cell_key(SCANS, "r1", "days"): 0,
        cell_key(SCANS, "r1", "mm"): 20.0,
    }


def form_problems(values: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        form_to_case(values)
    return caught.value.problems


def fill(at: AppTest, values: dict[str, object]) -> None:
    for k, v in values.items():
        at.session_state[k] = v


def test_intake_names_the_field_of_a_scan_dated_after_today(at: AppTest) -> None:
    """A scan dated after the current gestational age shows an error naming the scans field on Intake."""
    values = scan_after_today()
    [(path, message)] = form_problems(values)
    assert path.startswith(SCANS)
    fill(at, values)

    open_page(at, "intake")

    errors = [e.value for e in at.main.error]
    assert f"{place_of(path)}: {message}" in errors
    assert place_of(path).startswith(label_of(SCANS) + ", scan 1")


def test_intake_withholds_the_download_while_an_answer_is_invalid(at: AppTest) -> None:
    """While an answer cannot be used, the download is not offered."""
    fill(at, scan_after_today())

    open_page(at, "intake")

    assert not at.get("download_button")
    [button] = [b for b in at.main.button if b.label == "Download case file (JSON)"]
    assert button.disabled


def test_criteria_shows_the_problem_instead_of_a_verdict(at: AppTest) -> None:
    """With an invalid answer, Criteria shows no verdict but names the field and the problem."""
    values = scan_after_today()
    [(path, message)] = form_problems(values)
    fill(at, values)

    open_page(at, "criteria")

    assert verdict_lines(at) == []
    assert "The intake has answers that cannot be used yet, so no verdict is shown." in [e.value for e in at.main.error]
    assert f"- **{md_escape(place_of(path))}** ({SECTIONS['ultrasound']}): {md_escape(message)}" in texts(at)


def test_treatments_shows_the_problem_instead_of_statuses(at: AppTest) -> None:
    """With an invalid answer, Treatments shows no status table but the problem."""
    fill(at, scan_after_today())

    open_page(at, "treatments")

    assert not at.main.table
    assert "The intake has answers that cannot be used yet, so no verdict is shown." in [e.value for e in at.main.error]


def test_sidebar_counts_the_answers_that_need_attention(at: AppTest) -> None:
    """With an invalid answer, the sidebar says how many answers need attention."""
    fill(at, scan_after_today())

    open_page(at, "overview")

    assert "1 answer(s) need attention on the Intake page." in [e.value for e in at.sidebar.error]


# --------------------------------------------------------------------------- new case


def click_new_case(at: AppTest) -> None:
    [button] = [b for b in at.sidebar.button if b.label == "New case"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def dialog_button(at: AppTest, label: str):
    [button] = [b for b in at.button if b.label == label]
    return button


def test_new_case_asks_for_confirmation(at: AppTest) -> None:
    """The sidebar's New case button opens a dialog offering to clear or keep the case."""
    load(at, scenario(ACUTE))
    open_page(at, "intake")

    click_new_case(at)

    dialog_labels = {b.label for b in at.button}
    assert {"Clear everything", "Keep the case"} <= dialog_labels


def test_new_case_clear_everything_empties_the_case(at: AppTest) -> None:
    """Confirming New case clears every answer, so the intake and sidebar are empty again."""
    load(at, scenario(ACUTE))
    open_page(at, "intake")
    click_new_case(at)

    # AppTest has no fragment reruns: the dialog's button is read in a run that also re-opens it.
    [new_case] = [b for b in at.sidebar.button if b.label == "New case"]
    new_case.click()
    dialog_button(at, "Clear everything").click()
    at.run()

    assert not at.exception
    assert at.text_input(key=key("gestational_age.weeks")).value == ""
    assert at.radio(key=key("exclusions.labour")).value == "unknown"
    assert "- Gestational age: unknown" in sidebar_lines(at)


def test_new_case_then_criteria_shows_not_enough_information(at: AppTest) -> None:
    """After a new case, the Criteria verdict is the empty case's verdict."""
    load(at, scenario(ACUTE))
    open_page(at, "intake")
    click_new_case(at)
    [new_case] = [b for b in at.sidebar.button if b.label == "New case"]
    new_case.click()
    dialog_button(at, "Clear everything").click()
    at.run()

    open_page(at, "criteria")

    empty_verdict = assess_all(Case()).guidelines["acog"].diagnosis.status
    [line] = verdict_lines(at)
    assert VERDICT_WORDS[empty_verdict] in line


def test_new_case_keep_the_case_changes_nothing(at: AppTest) -> None:
    """Choosing Keep the case in the New case dialog leaves every answer in place."""
    case = scenario(ACUTE)
    load(at, case)
    open_page(at, "intake")
    click_new_case(at)

    [new_case] = [b for b in at.sidebar.button if b.label == "New case"]
    new_case.click()
    dialog_button(at, "Keep the case").click()
    at.run()

    assert at.text_input(key=key("gestational_age.weeks")).value == str(case.gestational_age.weeks)
    assert f"- Gestational age: {case.gestational_age} weeks" in sidebar_lines(at)


def test_a_pregnancy_recorded_as_loss_and_birth_is_flagged_where_it_counts(at: AppTest) -> None:
    """A loss and a preterm birth at one gestational age ask for a check on Intake, Criteria and Treatments."""
    case = case_from_json(
        '{"fetuses": 1, "history": {'
        '"painless_second_trimester_losses": [{"gestational_age": {"weeks": 22, "days": 1}}], '
        '"spontaneous_preterm_births": [{"gestational_age": {"weeks": 22, "days": 1}}]}}'
    )
    load(at, case)
    for page in ("intake", "criteria", "treatments"):
        open_page(at, page)
        warnings = [w.value for w in at.main.warning]
        assert any("Check the obstetric history" in w and "22+1 weeks" in w for w in warnings), (page, warnings)


def test_distinct_history_raises_no_double_entry_check(at: AppTest) -> None:
    """Losses and births at different gestational ages raise no double-entry check."""
    load(at, scenario("one_loss_and_two_preterm_births"))
    for page in ("intake", "criteria", "treatments"):
        open_page(at, page)
        assert not any("Check the obstetric history" in w.value for w in at.main.warning), page


def test_treatments_card_warns_of_a_relative_contraindication(at: AppTest) -> None:
    """With fetal compromise, the examination-indicated cerclage card opens with a warning to review."""
    load(at, scenario("acute_dilation_fetal_compromise"))
    open_page(at, "treatments")
    assert any("Relative contraindication present: Fetal compromise" in w.value for w in at.main.warning)
