"""Provenance: every statement the product makes is cited, findable and free of unverified claims."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from dashboard.kb import DATA_DIR, GUIDELINES, Citation, Confirmation, KnowledgeBase

UNVERIFIED = DATA_DIR / "unverified.yaml"


def bad_citations(kb: KnowledgeBase, citations: list[Citation]) -> list[str]:
    """What is wrong with one statement's citations (empty when it is properly cited)."""
    if not citations:
        return ["no citation"]
    out = []
    for c in citations:
        if c.ref not in kb.references:
            out.append(f"unknown reference {c.ref}")
        if not c.locator.strip():
            out.append(f"empty locator for {c.ref}")
    return out


def test_every_rule_cites_a_known_reference_with_a_locator(kb: KnowledgeBase) -> None:
    """Every rule cites at least one reference in references.yaml, each with a locator."""
    problems = {r.id: bad_citations(kb, r.citations) for r in kb.rules}
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_treatment_statement_cites_a_known_reference_with_a_locator(kb: KnowledgeBase) -> None:
    """Each treatment's summary, population, timing, harms, evidence items and stances are cited with locators."""
    problems: dict[str, list[str]] = {}
    for t in kb.treatments.values():
        parts = {"summary": t.summary.citations, "population": t.population.citations, "timing": t.timing.citations}
        parts |= {f"harms[{i}]": h.citations for i, h in enumerate(t.harms)}
        parts |= {f"evidence[{i}]": e.citations for i, e in enumerate(t.evidence)}
        parts |= {f"stances.{g}": s.citations for g, s in t.stances.items()}
        for part, citations in parts.items():
            if bad := bad_citations(kb, citations):
                problems[f"{t.id}.{part}"] = bad
    assert problems == {}


def test_every_disagreement_and_chart_line_is_cited(kb: KnowledgeBase) -> None:
    """Each recorded guideline disagreement position and each cervical-length chart line is cited."""
    problems = {
        f"{d.id}.{who}": bad for d in kb.disagreements for who, p in d.positions.items()
        if (bad := bad_citations(kb, p.citations))
    }
    problems |= {
        f"cervical_length_lines[{i}]": bad for i, line in enumerate(kb.meta.cervical_length_lines)
        if (bad := bad_citations(kb, line.citations))
    }
    assert problems == {}


def test_every_reference_has_a_doi_pmid_or_url(kb: KnowledgeBase) -> None:
    """Every reference can be found: it carries a DOI, a PMID or a URL."""
    assert [r.id for r in kb.references.values() if not (r.doi or r.pmid or r.url)] == []


def test_every_rule_has_a_plain_language_statement(kb: KnowledgeBase) -> None:
    """Every rule carries a title and a statement in words a clinician can review."""
    assert [r.id for r in kb.rules if len(r.statement.split()) < 4 or not r.title.strip()] == []


# --------------------------------------------------------------------------- unverified claims


def _unconfirmed_signatures() -> list[tuple[str, str]]:
    register = yaml.safe_load(UNVERIFIED.read_text(encoding="utf-8"))
    return [
        (item["id"], signature)
        for item in register["items"]
        if item["status"] != "confirmed"
        for signature in item.get("signatures") or []
    ]


def test_unverified_register_lists_signatures() -> None:
    """The register of unverified claims has items with signatures to search for."""
    assert len(_unconfirmed_signatures()) > 10


def test_no_data_file_contains_an_unconfirmed_claim() -> None:
    """No file under data/ except the register itself contains a signature of an unconfirmed or refuted claim."""
    signatures = _unconfirmed_signatures()
    hits = []
    for path in sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p != UNVERIFIED):
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        hits += [(str(path.relative_to(DATA_DIR)), item, s) for item, s in signatures if s.lower() in text]
    assert hits == []


def _confirmations(kb: KnowledgeBase) -> list[tuple[str, Confirmation]]:
    out = [(r.id, r.confirmation) for r in kb.rules if r.confirmation]
    out += [(r.id, r.confirmation) for r in kb.references.values() if r.confirmation]
    return out


def test_confirmations_and_the_register_agree(kb: KnowledgeBase) -> None:
    """Items the register marks confirmed are recorded as confirmations on rules or references, and vice versa."""
    register = yaml.safe_load(UNVERIFIED.read_text(encoding="utf-8"))
    confirmed = [item["id"] for item in register["items"] if item["status"] == "confirmed"]
    assert bool(confirmed) == bool(_confirmations(kb)), (confirmed, [owner for owner, _ in _confirmations(kb)])


def test_every_confirmation_names_the_source_url_and_date(kb: KnowledgeBase) -> None:
    """A rule or reference carrying a confirmation records the URL it was confirmed at and a date not in the future."""
    confirmations = _confirmations(kb)
    bad = [
        owner for owner, c in confirmations
        if not re.match(r"^https?://\S+$", c.confirmed_at) or c.confirmed_on > dt.date.today() or not c.what.strip()
    ]
    assert bad == []


# --------------------------------------------------------------------------- coverage per guideline


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_guideline_has_its_own_definition_rule(kb: KnowledgeBase, guideline: str) -> None:
    """Each guideline has a definition rule of its own, so its framing of the condition is shown."""
    assert [r.id for r in kb.rules_of("definition", guideline) if r.guideline == guideline]


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_guideline_has_a_physical_exam_cerclage_indication(kb: KnowledgeBase, guideline: str) -> None:
    """Each guideline has a cerclage indication rule for physical examination."""
    assert [r.id for r in kb.rules_of("cerclage_indication", guideline) if r.indication == "physical_exam"]


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_guideline_has_a_status_rule_for_each_of_the_nine_treatments(kb: KnowledgeBase, guideline: str) -> None:
    """Each guideline has at least one treatment-status rule for every one of the nine treatments."""
    covered = {t for r in kb.rules_of("treatment_status", guideline) for t in r.treatments or []}
    assert len(kb.treatments) == 9
    assert set(kb.treatments) - covered == set()


def test_knowledge_base_has_a_version_and_a_review_date_not_in_the_future(kb: KnowledgeBase) -> None:
    """The knowledge base states its version and a last-reviewed date that is not in the future."""
    assert re.match(r"^\d+\.\d+(\.\d+)?$", kb.meta.version)
    assert kb.meta.last_reviewed <= dt.date.today()

