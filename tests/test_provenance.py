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
    """Every reference can be found: a DOI, a PMID, its issuer's page or a page its text was read at."""
    assert [r.id for r in kb.references.values() if not (r.doi or r.pmid or r.url or r.read_at)] == []


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



# --------------------------------------------------------------------------- canonical citations and provenance

STATEMENT_FILES = ("rules/*.yaml", "treatments.yaml", "teaching.yaml", "knowledge_base.yaml")
CITED = re.compile(r"\bref:\s*\"?([A-Za-z0-9][A-Za-z0-9._-]*)")
# Guideline references whose DOI, PMID and issuer's page could not be confirmed; each says so on
# the page ("DOI not confirmed"). Adding one here is a decision, not a way round the test.
NO_CONFIRMED_IDENTIFIER = {
    "ACOG-PB142", "GC-PB142", "ACOG-PB48-NGC", "ACOG-PB130", "ACOG-PB200", "ACOG-PB142-NGC",
    "OBGPROJECT-PTB", "RCOG-GTG75-KR", "RCOG-SUM", "RCOG-GTG60-NGC", "RCOG-GTG60-DOC", "RCOG-GTG60-MIRROR",
    "GPN-NICE", "SOGC-301", "SOGC-301-NGC", "ACOG-CO652",
}


def _cited_ids() -> dict[str, set[str]]:
    """Every reference id a rule, treatment, teaching or chart statement cites, with the files citing it."""
    out: dict[str, set[str]] = {}
    for pattern in STATEMENT_FILES:
        for path in sorted(DATA_DIR.glob(pattern)):
            for ref_id in CITED.findall(path.read_text(encoding="utf-8")):
                out.setdefault(ref_id, set()).add(str(path.relative_to(DATA_DIR)))
    return out


def test_no_statement_cites_a_low_provenance_reference(kb: KnowledgeBase) -> None:
    """No rule, treatment, teaching or chart statement cites a reference of low provenance."""
    low = {r.id for r in kb.references.values() if r.provenance == "low"}
    assert low, "the shop mirror and the content-farm copies are marked low"
    assert {ref_id: files for ref_id, files in _cited_ids().items() if ref_id in low} == {}


def test_the_statement_scan_finds_the_citations_the_loader_holds(kb: KnowledgeBase) -> None:
    """The text scan sees every reference the rules cite, so the low-provenance check cannot miss one."""
    assert {c.ref for r in kb.rules for c in r.citations} <= set(_cited_ids())


def test_a_copy_on_a_document_sharing_site_is_never_a_citations_own_link(kb: KnowledgeBase) -> None:
    """scribd, mirrors, shops and summary sites appear only as where a text was read, never as the link."""
    from dashboard.kb import is_official

    assert [r.id for r in kb.references.values() if r.url and not is_official(r.url)] == []


def test_every_guideline_reference_has_a_doi_pmid_or_issuer_page(kb: KnowledgeBase) -> None:
    """A guideline has a confirmed DOI, PMID or issuer's page, or says which could not be confirmed."""
    missing = {r.id for r in kb.references.values() if r.kind == "guideline" and not (r.doi or r.pmid or r.url)}
    assert missing == NO_CONFIRMED_IDENTIFIER
    assert [ref_id for ref_id in missing if not kb.references[ref_id].unconfirmed and not
            kb.references[ref_id].read_at] == []


def test_every_doi_is_well_formed_and_every_pmid_numeric(kb: KnowledgeBase) -> None:
    """Each DOI matches 10.NNNN/suffix and each PMID is digits only."""
    assert [r.id for r in kb.references.values() if r.doi and not re.match(r"^10\.\d{4,9}/\S+$", r.doi)] == []
    assert [r.id for r in kb.references.values() if r.pmid and not r.pmid.isdigit()] == []


def test_every_doi_and_pmid_records_where_it_was_confirmed(kb: KnowledgeBase) -> None:
    """Each DOI and PMID carries a check naming the record it was confirmed against, with its address."""
    for r in kb.references.values():
        for name in ("doi", "pmid"):
            if getattr(r, name):
                checks = [c for c in r.checks if c.identifier == name]
                assert checks and all(re.match(r"^https?://\S+$", c.record) and c.where.strip() for c in checks), r.id


def test_checks_made_today_are_dated_and_not_in_the_future(kb: KnowledgeBase) -> None:
    """A check made with the search tool has a date, and no date is in the future."""
    dates = [c.checked_on for r in kb.references.values() for c in r.checks if c.by == "search tool"]
    assert dates and all(d is not None and d <= dt.date.today() for d in dates)


def test_unconfirmed_identifiers_are_not_also_given(kb: KnowledgeBase) -> None:
    """An identifier listed as unconfirmed is not in the data as if it were confirmed."""
    assert [r.id for r in kb.references.values() for n in r.unconfirmed if n != "url" and getattr(r, n)] == []


def test_every_cited_strength_names_its_scheme(kb: KnowledgeBase) -> None:
    """Each strength of recommendation names the guideline's own scheme, and comes from a cited reference."""
    from dashboard.kb import STRENGTH_SCHEMES

    for r in kb.rules:
        for s in r.strength:
            assert s.scheme in STRENGTH_SCHEMES, r.id
            assert s.text.split()[0] in {"ACOG", "RCOG", "SMFM", "NICE", "FIGO"}, r.id
            assert s.ref in {c.ref for c in r.citations}, r.id
    for t in kb.treatments.values():
        for g, stance in t.stances.items():
            assert all(s.scheme in STRENGTH_SCHEMES for s in stance.strength), (t.id, g)


def test_a_guideline_rule_without_a_stated_strength_says_so(kb: KnowledgeBase) -> None:
    """A guideline's indication or treatment rule that states no strength shows 'strength not stated'."""
    from dashboard.assess import shown_strength
    from dashboard.kb import STRENGTH_NOT_STATED

    rule = kb.rule("RCOG-TX-ACTIVITY")
    assert not rule.strength and shown_strength(kb, rule) == STRENGTH_NOT_STATED
    assert shown_strength(kb, kb.rule("ACOG-USI")) == "ACOG Level A"


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_each_guideline_carries_its_edition_and_when_it_was_last_checked(kb: KnowledgeBase, guideline: str) -> None:
    """Each guideline column names the edition it rests on, its date, and a last-checked date not in the future."""
    editions = kb.meta.editions[guideline]
    assert editions
    for e in editions:
        assert kb.references[e.ref].kind == "guideline"
        assert e.edition.strip() and e.published.strip()
        assert e.checked_on <= dt.date.today()
