"""The clinical safety page and the controls it carries, through Streamlit's AppTest.

The page (pages/safety.py) shows the scope, the review status, how to report a problem and the
hazard log, all from data/safety.yaml and data/hazard_log.yaml; every page links to it. Expected
texts come from those files, never typed into the tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dashboard import safety
from dashboard.case import case_from_json
from dashboard.intake import case_to_form
from dashboard.kb import default_knowledge_base

ROOT = Path(__file__).parents[1]
PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
SAFETY = safety.load_safety()
SCENARIOS = Path(__file__).parent / "scenarios"
# Losses, births, scans, an examination and a cerclage in place: every kind of number on Intake.
NUMBERS_CASE = "cerclage_in_place_short_cervix_since_22_weeks"
SIDEBAR_LINK = "Scope and safety (draft)"
UNITS = re.compile(r"\b(weeks|days)\b|\((cm|mm)\)|\bmm\b")


def plain(markdown: str) -> str:
    """Markdown as read: escapes dropped and whitespace made single, so file text can be looked for."""
    return " ".join(re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown)).split())


def main_text(at: AppTest) -> str:
    """Every text of the main area, tables included, as one plain string."""
    parts = [e.value for kind in ("markdown", "caption", "warning", "error", "info", "header", "subheader", "title")
             for e in getattr(at.main, kind)]  # fmt: skip
    for table in at.main.table:
        frame = table.value
        parts += [str(i) for i in frame.index] + [str(v) for v in frame.to_numpy().ravel()]
    return plain(" ".join(parts))


def test_the_safety_page_shows_every_hazard_id(app_on: Callable[[str], AppTest]) -> None:
    """Every hazard of the log has its own table on the page, in order: hazard, cause, effect, severity,
    likelihood, risk (before and with the controls), controls, the tests that prove them, status."""
    at = app_on("pages/safety.py")
    tables = [t.value for t in at.main.table if t.value.index.name == "Field"]
    assert [list(t.columns) for t in tables] == [[h.id] for h in SAFETY.log.hazards]
    for h, table in zip(SAFETY.log.hazards, tables, strict=True):
        cells = table[h.id]
        assert list(table.index) == list(safety.HAZARD_FIELDS) == [
            "Hazard", "Cause", "Effect", "Severity", "Likelihood", "Risk", "Controls", "Tests", "Status"
        ]  # fmt: skip
        assert plain(cells["Hazard"]) == h.title and plain(cells["Cause"]) == " ".join(h.cause.split())
        assert plain(cells["Risk"]) == f"{h.risk} → {h.residual_risk}"
        assert all(safety.test_words(t) in cells["Tests"] for c in h.controls for t in c.tests)
        assert plain(cells["Status"]).startswith(h.status.capitalize())


def test_the_safety_page_draws_the_5x5_matrix(app_on: Callable[[str], AppTest]) -> None:
    """The risk matrix is drawn with DCB0129's five severities down and five likelihoods across."""
    at = app_on("pages/safety.py")
    [matrix] = [t.value for t in at.main.table if t.value.index.name == "Severity"]
    assert matrix.shape == (5, 5)
    assert list(matrix.columns) == ["Very low", "Low", "Medium", "High", "Very high"]
    assert matrix.loc["Major", "Medium"] == str(safety.risk_rating("major", "medium")) == "3"
    assert matrix.loc["Catastrophic", "Very high"] == "5" and matrix.loc["Minor", "Very low"] == "1"


def test_the_safety_page_states_intended_use_population_and_out_of_scope(app_on: Callable[[str], AppTest]) -> None:
    """The page gives the intended use, the users, the population and everything out of scope, from the file."""
    text = main_text(app_on("pages/safety.py"))
    f = SAFETY.file
    for words in (f.intended_use, *f.users, *f.population, *f.out_of_scope):
        assert " ".join(words.split()) in text


def test_the_safety_page_says_first_that_nothing_is_signed_off(app_on: Callable[[str], AppTest]) -> None:
    """The first thing under the title is the draft status: nothing signed off by a consultant obstetrician or
    a Clinical Safety Officer; the review table says what is still draft, by which role."""
    at = app_on("pages/safety.py")
    headline = " ".join(SAFETY.file.review.headline.split())
    first = at.main.children[1]  # after the title
    assert first.type == "alert" or first in at.main.warning
    assert plain(at.main.warning[0].value) == headline
    assert "consultant obstetrician" in headline and "Clinical Safety Officer" in headline
    assert headline.startswith("Draft: not signed off.")
    [review] = [t.value for t in at.main.table if t.value.index.name == "What"]
    assert list(review.columns) == ["Reviewed by (role)", "Status"]
    assert len(review) == len(SAFETY.file.review.items)
    assert sum("Draft" in plain(s) or "Not written" in plain(s) for s in review["Status"]) == len(review)


def test_the_safety_page_gives_a_route_to_report_a_problem_and_invents_no_contact(
    app_on: Callable[[str], AppTest],
) -> None:
    """Reporting has its routes; a contact not yet known is marked to be filled in, and no address is made up."""
    at = app_on("pages/safety.py")
    text = main_text(at)
    assert "Report a problem" in text
    report = SAFETY.file.report
    for route in report.routes:
        assert route.route in text
    unknown = [r for r in report.routes if r.contact == report.placeholder]
    assert unknown, "the safety file names no contact as still to be filled in"
    assert text.count(f"{report.placeholder} (not yet known)") == len(unknown)
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+|mailto:", text)  # no e-mail address anywhere
    [section] = [plain(m.value) for m in at.main.markdown if " ".join(report.intro.split()) in plain(m.value)]
    assert not re.search(r"\+?\d[\d ()-]{7,}\d|https?://", section)  # and no telephone number or web address


def test_the_safety_page_warns_when_the_knowledge_base_review_is_overdue(
    app_on: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the review interval the page says when the next review is due; past it, an error says it is overdue."""
    meta = default_knowledge_base().meta
    due = safety.review_due(meta.last_reviewed, SAFETY.file.review_interval_days)
    at = app_on("pages/safety.py")
    assert not at.main.error
    assert f"the next check is due by {due:%d %B %Y}" in main_text(at)

    monkeypatch.setattr(safety, "today", lambda: due + dt.timedelta(days=1))
    at = app_on("pages/safety.py")
    [error] = at.main.error
    assert "The knowledge-base review is overdue." in plain(error.value)


@cache
def sidebar_of(page: str) -> AppTest:
    """The app opened on one page from its entrypoint, once per page for the tests that only read its sidebar."""
    with pytest.MonkeyPatch.context() as patch:
        original_init = PagesManager.__init__

        def init(self: PagesManager, *args: object, **kwargs: object) -> None:
            PagesManager.uses_pages_directory = False  # as on the real server (tests/conftest.py, app_on)
            original_init(self, *args, **kwargs)

        patch.setattr(PagesManager, "__init__", init)
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.run()
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_links_the_safety_page(page: str) -> None:
    """Every page has the safety page in its navigation and, in the sidebar, a link saying the tool is a draft."""
    links = [link for link in sidebar_of(page).sidebar.page_link if link.value == SIDEBAR_LINK]
    assert len(links) == 1 and links[0].proto.page == "safety"
    assert "draft" in SIDEBAR_LINK
    source = (ROOT / "streamlit_app.py").read_text(encoding="utf-8")
    assert re.search(r'st\.Page\("pages/safety\.py", title="Clinical safety and scope"', source)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_names_the_knowledge_base_version_and_review_date(page: str) -> None:
    """The sidebar of every page names the knowledge-base version and the date it was last reviewed."""
    meta = default_knowledge_base().meta
    captions = [c.value for c in sidebar_of(page).sidebar.caption]
    assert any(f"Knowledge base {meta.version}, reviewed {meta.last_reviewed:%d %b %Y}" in c for c in captions)


def test_overview_opens_with_the_draft_status(app_on: Callable[[str], AppTest]) -> None:
    """Overview says it is a draft, not signed off, before anything else about the tool, and links the safety page."""
    at = app_on("pages/overview.py")
    assert plain(at.main.warning[0].value) == " ".join(SAFETY.file.review.headline.split())
    assert at.main.children[2] in at.main.warning  # after the title and the one-paragraph description
    assert any(link.proto.page == "safety" for link in at.main.page_link)
    assert " ".join(SAFETY.file.intended_use.split()) in main_text(at)


def test_the_knowledge_base_states_the_same_intended_use() -> None:
    """The knowledge base's own intended-use line is the safety file's, word for word (one statement of it)."""
    assert " ".join(default_knowledge_base().meta.intended_use.split()) == " ".join(SAFETY.file.intended_use.split())


def load(at: AppTest, name: str) -> None:
    for k, v in case_to_form(case_from_json((SCENARIOS / f"{name}.json").read_bytes())).items():
        at.session_state[k] = v


def test_every_number_on_intake_names_its_unit(app_on: Callable[[str], AppTest]) -> None:
    """Every number box on Intake names its unit (weeks, days, cm, mm) or is a count of fetuses."""
    at = app_on("pages/intake.py")
    load(at, NUMBERS_CASE)
    at.run()
    labels = [n.label for n in at.main.text_input]  # the number boxes (typed text, read exactly)
    assert any("(mm)" in label for label in labels) and any("(cm)" in label for label in labels)
    assert any("weeks" in label for label in labels) and any("days" in label for label in labels)
    assert [label for label in labels if not UNITS.search(label) and label != "Number of fetuses"] == []


def test_the_case_at_a_glance_gives_each_number_with_its_unit(app_on: Callable[[str], AppTest]) -> None:
    """The sidebar gives the gestational age in weeks, dilation in cm and the latest cervical length in mm."""
    at = app_on("pages/criteria.py")
    case = case_from_json((SCENARIOS / f"{NUMBERS_CASE}.json").read_bytes())
    load(at, NUMBERS_CASE)
    at.run()
    lines = [line for m in at.sidebar.markdown for line in m.value.splitlines()]
    last = max(case.ultrasound.cervical_lengths, key=lambda s: s.gestational_age.total_days)
    assert f"- Gestational age: {case.gestational_age} weeks" in lines
    assert f"- Dilation: {case.exam.cervical_dilation_cm:g} cm" in lines
    assert f"- Latest cervical length: {last.cervical_length_mm:g} mm at {last.gestational_age} weeks" in lines
