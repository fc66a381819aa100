"""Reference links: canonical links (DOI, PubMed, PMC, the issuer's page) first, then each page the
text was read at, marked when it is a third-party copy or plain http; the References page shows
them in that order, as text."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from dashboard.assess import Cite
from dashboard.kb import READ_AT, KnowledgeBase, Reference
from dashboard.views import reference_links, reference_markdown, sources_block

APP = Path(__file__).parents[1] / "streamlit_app.py"
MIRROR = "http://47.251.13.51:8081/12802023"  # the raw-IP PubMed mirror the evidence brief read
READ = READ_AT
LINK = re.compile(r"\[([^\]]*)\]\(((?:\\.|[^\\)])*)\)")  # [text](destination), escapes kept
RECORD = {"where": "PubMed record", "record": "https://pubmed.ncbi.nlm.nih.gov/12802023/", "by": "evidence brief"}
CHECKED = [{"identifier": "doi"} | RECORD, {"identifier": "pmid"} | RECORD]


def ref(**fields: object) -> Reference:
    base = {"id": "X-1", "kind": "trial", "authors": "A B", "year": 2020, "title": "T", "source": "J"}
    checks = [c for c in CHECKED if c["identifier"] in fields]
    return Reference.model_validate(base | {"checks": checks} | fields)


def read_at(url: str, what: str = "") -> list[dict[str, str]]:
    return [{"url": url, "what": what}]


def links_of(markdown: str) -> list[tuple[str, str]]:
    """Each Markdown link as (text, URL) with its backslash escapes undone, in reading order."""
    return [(unescape(text), unescape(url)) for text, url in LINK.findall(markdown)]


def unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def is_third_party(host: str) -> bool:
    return any(
        caveat
        for label, url, caveat in ref(read_at=read_at(f"https://{host}/x")).links
        if label == READ and "third-party copy" in caveat
    )


# --------------------------------------------------------------------------- Reference.links


def test_doi_and_pmid_links_come_before_where_we_read_it() -> None:
    """A reference with a DOI and a PMID links doi.org, then PubMed, then the page its text was read at."""
    r = ref(doi="10.1056/NEJMoa035140", pmid="12802023", read_at=read_at(MIRROR))

    assert [(label, url) for label, url, _ in r.links] == [
        ("DOI", "https://doi.org/10.1056/NEJMoa035140"),
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/12802023/"),
        (READ, MIRROR),
    ]


def test_raw_ip_mirror_is_a_third_party_copy_over_plain_http() -> None:
    """The raw-IP PubMed mirror is never a canonical link and says what it is and that it is plain http."""
    [(label, url, caveat)] = ref(read_at=read_at(MIRROR, "raw-IP mirror of PubMed")).links

    assert (label, url) == (READ, MIRROR)
    assert caveat == "raw-IP mirror of PubMed; third-party copy; plain http, not encrypted"


def test_a_third_party_url_cannot_be_the_citations_own_link() -> None:
    """A reference whose url is not the issuer's or publisher's site is refused: it belongs under read_at."""
    with pytest.raises(ValidationError, match="read_at"):
        ref(url="https://www.scribd.com/document/385503896/ACOG-PB142.pdf")


def test_a_doi_without_a_record_of_where_it_was_confirmed_is_refused() -> None:
    """A DOI or PMID must say where it was confirmed; otherwise it is listed as unconfirmed, not given."""
    base = {"id": "X-1", "kind": "trial", "authors": "A B", "year": 2020, "title": "T", "source": "J"}
    with pytest.raises(ValidationError, match="confirmed"):
        Reference.model_validate(base | {"doi": "10.1056/NEJMoa035140"})


def test_unconfirmed_identifiers_are_said_not_linked() -> None:
    """An identifier that could not be confirmed is shown as 'DOI not confirmed', with no link."""
    r = ref(unconfirmed=["doi", "pmid"], read_at=read_at("https://www.scribd.com/document/1/x"))
    text = reference_markdown(r)

    assert text.startswith("DOI not confirmed; PMID not confirmed  \n")
    assert [label for label, _ in links_of(text)] == ["www.scribd.com"]


def test_pmc_page_read_directly_gives_its_pmc_link() -> None:
    """A PubMed Central page gives the canonical PMC link, and is still shown as where the text was read."""
    r = ref(url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/table/T2")

    assert [(label, url, caveat) for label, url, caveat in r.links] == [
        ("PMC", "https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/", ""),
        (READ, "https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/table/T2", ""),
    ]


def test_issuer_page_over_http_is_linked_over_https() -> None:
    """An issuer's or publisher's page recorded over http is linked over https, without a caveat."""
    [(label, url, caveat)] = ref(url="http://www.aafp.org/afp/2007/1101/p1341.html").links

    assert (label, url, caveat) == ("Publisher's page", "https://www.aafp.org/afp/2007/1101/p1341.html", "")


def test_a_guidelines_own_page_is_labelled_the_issuers_page() -> None:
    """A guideline's url is its issuer's page, linked as such."""
    r = ref(kind="guideline", url="https://www.nice.org.uk/guidance/ng25")

    assert r.links == [("Issuer's page", "https://www.nice.org.uk/guidance/ng25", "")]


@pytest.mark.parametrize(
    "host",
    ["www.nice.org.uk", "nice.org.uk", "obgyn.onlinelibrary.wiley.com", "pubmed.ncbi.nlm.nih.gov",
     "publications.smfm.org", "www.ajog.org", "www.isrctn.com", "link.springer.com"],
)
def test_publishers_guideline_bodies_and_registries_are_not_third_party(host: str) -> None:
    """A host on the allow-list, or a subdomain of one, is not marked as a third-party copy."""
    assert not is_third_party(host)


@pytest.mark.parametrize(
    "host",
    ["www.scribd.com", "vdocuments.us", "doczz.net", "studylib.es", "docslib.org", "proxy.weglot.com",
     "tomorrow.paperai.life", "comparemela.com", "bohrium.dp.tech", "jesse.tg", "www.guideline.gov",
     "api-pubmed-ncbi.laibokeji.com", "nice.org.uk.example.net", "evilnice.org.uk", "47.251.13.51:8081"],
)
def test_uploads_proxies_mirrors_and_lookalikes_are_third_party(host: str) -> None:
    """Document-sharing sites, proxies, mirrors and hosts that only look official are third-party copies."""
    assert is_third_party(host)


def test_official_name_before_an_at_sign_is_not_the_host() -> None:
    """A URL whose user-info names an official host is judged by its real host."""
    [(_, _, caveat)] = ref(read_at=read_at("https://www.nice.org.uk@evil.example/guidance")).links

    assert caveat == "third-party copy"


def test_every_reference_in_the_knowledge_base_links_canonically_first(kb: KnowledgeBase) -> None:
    """In the shipped references, canonical links come first and no third-party or http page goes unmarked."""
    order = ["DOI", "PubMed", "PMC", "Issuer's page", "Publisher's page", READ]
    for r in kb.references.values():
        labels = [label for label, _, _ in r.links]
        assert labels == sorted(labels, key=order.index), r.id
        assert labels[0] == ("DOI" if r.doi else "PubMed" if r.pmid else labels[0]), r.id
        for label, url, caveat in r.links:
            if label != READ:
                assert url.startswith("https://") and not caveat, r.id
            if url.startswith("http:"):
                assert "plain http" in caveat, r.id


# --------------------------------------------------------------------------- Markdown


def test_markdown_puts_canonical_links_on_the_first_line_and_labels_the_copy() -> None:
    """The DOI link is on the first line; the second says where the text was read, naming host and caveats."""
    r = ref(doi="10.1056/NEJMoa035140", pmid="12802023", read_at=read_at(MIRROR, "raw-IP mirror of PubMed"))
    text = reference_links(r.links)

    first, second = text.split("  \n")
    assert links_of(first) == [
        ("DOI", "https://doi.org/10.1056/NEJMoa035140"),
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/12802023/"),
    ]
    caveats = "raw\\-IP mirror of PubMed; third\\-party copy; plain http, not encrypted; not linked"
    assert second.startswith(f"{READ} ({caveats}): ")
    assert links_of(second) == []  # a third-party copy over plain http is named, not linked
    assert second.endswith(f"`{MIRROR}`")  # in a code span, which Markdown never turns into a link


def test_reference_without_identifiers_says_so_and_labels_where_the_text_was_read() -> None:
    """A reference found only through a copy says it has no identifier, then shows the copy, labelled."""
    url = "https://www.scribd.com/document/385503896/ACOG-PB142.pdf"
    text = reference_links(ref(read_at=read_at(url)).links)

    first, second = text.split("  \n")
    assert first == "No DOI, PMID or issuer's page recorded"
    assert second.startswith(f"{READ}: ")
    assert links_of(second) == [("www.scribd.com", url)]
    assert second.endswith(r"(third\-party copy)")


def test_brackets_and_parentheses_in_urls_stay_inside_the_link() -> None:
    """Parentheses and angle brackets in a URL are escaped, so the link keeps its whole URL."""
    url = "https://www.thelancet.com/article/PIIS0140-6736(22)01808-6/x)<b>[y]"
    r = ref(doi="10.1016/S0140-6736(22)01808-6", url=url)
    text = reference_links(r.links)

    assert links_of(text) == [
        ("DOI", "https://doi.org/10.1016/S0140-6736(22)01808-6"),
        ("Publisher's page", url),
    ]
    assert "<b>" not in text


def test_sources_expander_uses_the_same_links(kb: KnowledgeBase) -> None:
    """A Sources expander shows a reference's canonical links before where its text was read."""
    number, r = next((n, r) for n, r in enumerate(kb.references.values(), 1) if r.doi and r.read_at)
    block = sources_block(kb, [Cite(r.id, "Table 1", number)])

    assert block is not None and reference_markdown(r) in block.text
    assert block.text.index("https://doi.org/") < block.text.index(READ)


# --------------------------------------------------------------------------- References page


@pytest.fixture
def references_page(app_on) -> AppTest:
    """The References page, reached from the app's entrypoint as the sidebar link does."""
    return app_on("pages/references.py")


def page_text(at: AppTest) -> str:
    return "\n\n".join(m.value for m in at.main.markdown)


def entry_of(at: AppTest, number: int) -> str:
    """The Markdown of reference [number] on the page, up to the next reference."""
    text = page_text(at)
    start = text.index(f"**[{number}]**")
    following = re.search(r"\n\n\*\*\[\d+\]\*\*", text[start:])
    return text[start : start + following.start()] if following else text[start:]


def test_page_shows_the_doi_link_before_where_the_text_was_read(references_page: AppTest, kb: KnowledgeBase) -> None:
    """On the page, a reference read on the raw-IP mirror leads with doi.org and marks the mirror."""
    numbers = kb.citation_number()
    r = next(
        r for r in kb.references.values()
        if r.doi and r.read_at and urlsplit(r.read_at[0].url).hostname == "47.251.13.51"
    )
    mirror = r.read_at[0].url

    entry = entry_of(references_page, numbers[r.id])

    urls = [url for _, url in links_of(entry)]
    assert urls[0] == f"https://doi.org/{r.doi}"
    assert mirror not in urls  # the plain-http mirror is named, not linked
    assert f"`{mirror}`" in entry and "plain http, not encrypted; not linked" in entry


def test_page_shows_acog_pb142_canonically_with_what_is_not_confirmed(
    references_page: AppTest, kb: KnowledgeBase
) -> None:
    """PB 142 shows its journal citation and 'DOI not confirmed' first; the scribd upload only as where it was read."""
    r = kb.references["ACOG-PB142"]
    entry = entry_of(references_page, kb.citation_number()[r.id])

    citation, links, *rest = entry.split("  \n")
    assert "Obstet Gynecol 2014;123(2 Pt 1):372–379" in unescape(citation)
    assert links.startswith("DOI not confirmed; PMID not confirmed; issuer's page not confirmed")
    assert links_of(links) == []
    [read] = [line for line in rest if line.startswith(f"{READ}: ")]
    assert [url for _, url in links_of(read)] == [r.read_at[0].url]
    assert "scribd" in read and r"third\-party copy" in read


def test_page_draws_one_markdown_per_group(references_page: AppTest, kb: KnowledgeBase) -> None:
    """Every reference is listed, in at most one Markdown element per group."""
    assert len(references_page.main.subheader) == len(references_page.main.markdown) <= 4
    assert len(re.findall(r"^\*\*\[\d+\]\*\*", page_text(references_page), re.M)) == len(kb.references)


def test_page_search_by_pmid_still_finds_the_reference(references_page: AppTest, kb: KnowledgeBase) -> None:
    """Searching a PMID lists the reference that carries it, with its PubMed link."""
    r = next(r for r in kb.references.values() if r.pmid)
    references_page.text_input[0].input(r.pmid).run()

    assert f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/" in entry_of(references_page, kb.citation_number()[r.id])


def test_page_filters_by_the_refs_query_parameter(references_page: AppTest) -> None:
    """?refs=2,5 lists references [2] and [5] only, with their links."""
    references_page.query_params["refs"] = "2,5"
    references_page.run()

    text = page_text(references_page)
    assert [int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", text, re.M)] == [2, 5]
    assert text.count(f"{READ}") >= 2


def test_markup_in_reference_data_is_escaped(references_page: AppTest) -> None:
    """Text from the data never carries live HTML: angle brackets appear only escaped."""
    assert not re.search(r"(?<!\\)<", page_text(references_page))


@pytest.mark.parametrize("query", ["[9]", "9", " [ 9 ] "])
def test_page_search_by_source_number_lists_that_source(references_page: AppTest, query: str) -> None:
    """Searching '[9]' or '9' lists the source numbered 9, as cited in brackets on every page."""
    references_page.text_input[0].input(query).run()
    assert [int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", page_text(references_page), re.M)] == [9]


def test_page_search_by_year_is_not_read_as_a_source_number(references_page: AppTest, kb: KnowledgeBase) -> None:
    """A four-digit year searches the text, not the numbering."""
    references_page.text_input[0].input("2014").run()
    shown = {int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", page_text(references_page), re.M)}
    dated_2014 = {kb.citation_number()[r.id] for r in kb.references.values() if r.year == 2014}
    assert dated_2014 and dated_2014 <= shown


def test_page_shows_a_guidelines_edition_and_when_it_was_last_checked(
    references_page: AppTest, kb: KnowledgeBase
) -> None:
    """GTG 75's entry names the edition used and the date the knowledge base was last checked against it."""
    entry = unescape(entry_of(references_page, kb.citation_number()["RCOG-GTG75"]))

    assert "Edition used: Green-top Guideline No. 75, 2nd edition, June 2022" in entry
    assert "knowledge base last checked against it on 07 Dec 2026" in entry
    assert entry.index("https://doi.org/10.1111/1471-0528.17003") < entry.index(READ)


def test_page_says_where_each_identifier_was_confirmed(references_page: AppTest, kb: KnowledgeBase) -> None:
    """An entry with a DOI and a PMID says where each was confirmed."""
    entry = unescape(entry_of(references_page, kb.citation_number()["BERGHELLA-2011"]))

    assert "Confirmed at: DOI: publisher's article page" in entry and "PMID: PubMed record" in entry


def test_page_marks_a_low_provenance_reference_as_not_cited(references_page: AppTest, kb: KnowledgeBase) -> None:
    """The shop-page mirror is marked low provenance and says no statement cites it."""
    entry = entry_of(references_page, kb.citation_number()["RCOG-GTG60-MIRROR"])

    assert "Low provenance" in entry and "no statement in the tool cites it" in entry


def test_criteria_page_shows_the_editions_beside_the_columns(app_on) -> None:
    """Criteria lists, under the side-by-side table, the edition behind each guideline column."""
    at = app_on("pages/criteria.py")
    text = "\n".join(m.value for m in at.main.markdown)

    assert "**Editions of the guidance behind each column**" in text
    for name, edition in (("ACOG (US)", "Practice Bulletin No. 142, February 2014"),
                          ("RCOG (UK)", "Green-top Guideline No. 75"), ("NICE (England)", "NICE guideline NG25")):
        line = unescape(next(line for line in text.splitlines() if line.startswith(f"- **{name}**")))
        assert edition in line and "checked against it on 07 Dec 2026" in line
