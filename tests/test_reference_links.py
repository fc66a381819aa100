"""Reference links: canonical links from identifiers first, then where we read it, marked when it
is a third-party copy or plain http; the References page shows them in that order, as text."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.assess import Cite
from dashboard.kb import KnowledgeBase, Reference
from dashboard.views import reference_links, sources_block

APP = Path(__file__).parents[1] / "streamlit_app.py"
MIRROR = "http://47.251.13.51:8081/12802023"  # the raw-IP PubMed mirror the evidence brief read
READ = "Where we read it"
LINK = re.compile(r"\[([^\]]*)\]\(((?:\\.|[^\\)])*)\)")  # [text](destination), escapes kept


def ref(**fields: object) -> Reference:
    base = {"id": "X-1", "kind": "trial", "authors": "A B", "year": 2020, "title": "T", "source": "J"}
    return Reference.model_validate(base | fields)


def links_of(markdown: str) -> list[tuple[str, str]]:
    """Each Markdown link as (text, URL) with its backslash escapes undone, in reading order."""
    return [(unescape(text), unescape(url)) for text, url in LINK.findall(markdown)]


def unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def is_third_party(host: str) -> bool:
    return any(
        caveat
        for label, url, caveat in ref(url=f"https://{host}/x").links
        if label == READ and "third-party copy" in caveat
    )


# --------------------------------------------------------------------------- Reference.links


def test_doi_and_pmid_links_come_before_where_we_read_it() -> None:
    """A reference with a DOI and a PMID links doi.org, then PubMed, then the page we read."""
    r = ref(doi="10.1056/NEJMoa035140", pmid="12802023", url=MIRROR)

    assert [(label, url) for label, url, _ in r.links] == [
        ("DOI", "https://doi.org/10.1056/NEJMoa035140"),
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/12802023/"),
        (READ, MIRROR),
    ]


def test_raw_ip_mirror_is_a_third_party_copy_over_plain_http() -> None:
    """The raw-IP PubMed mirror is never a canonical link and says it is a plain-http third-party copy."""
    [(label, url, caveat)] = ref(url=MIRROR).links

    assert (label, url) == (READ, MIRROR)
    assert caveat == "third-party copy; plain http, not encrypted"


def test_pmc_page_read_directly_gives_its_pmc_link() -> None:
    """A PubMed Central page gives the canonical PMC link, and is still shown as where we read it."""
    r = ref(url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/table/T2")

    assert [(label, url, caveat) for label, url, caveat in r.links] == [
        ("PMC", "https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/", ""),
        (READ, "https://pmc.ncbi.nlm.nih.gov/articles/PMC3484249/table/T2", ""),
    ]


def test_official_host_over_http_is_linked_over_https() -> None:
    """A publisher's page read over http is linked over https, without a caveat."""
    [(_, url, caveat)] = ref(url="http://www.aafp.org/afp/2007/1101/p1341.html").links

    assert (url, caveat) == ("https://www.aafp.org/afp/2007/1101/p1341.html", "")


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
    [(_, _, caveat)] = ref(url="https://www.nice.org.uk@evil.example/guidance").links

    assert caveat == "third-party copy"


def test_every_reference_in_the_knowledge_base_links_canonically_first(kb: KnowledgeBase) -> None:
    """In the shipped references, identifiers come first and no third-party or http page goes unmarked."""
    for r in kb.references.values():
        labels = [label for label, _, _ in r.links]
        assert labels == sorted(labels, key=["DOI", "PubMed", "PMC", READ].index), r.id
        assert labels[0] == ("DOI" if r.doi else "PubMed" if r.pmid else labels[0]), r.id
        for label, url, caveat in r.links:
            if label != READ:
                assert url.startswith("https://") and not caveat, r.id
            if url.startswith("http:"):
                assert "plain http" in caveat, r.id


# --------------------------------------------------------------------------- Markdown


def test_markdown_puts_canonical_links_on_the_first_line_and_labels_the_copy() -> None:
    """The DOI link is on the first line; the second says where we read it, naming host and caveats."""
    text = reference_links(ref(doi="10.1056/NEJMoa035140", pmid="12802023", url=MIRROR).links)

    first, second = text.split("  \n")
    assert links_of(first) == [
        ("DOI", "https://doi.org/10.1056/NEJMoa035140"),
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/12802023/"),
    ]
    assert second.startswith(f"{READ} (third\\-party copy; plain http, not encrypted; not linked): ")
    assert links_of(second) == []  # a third-party copy over plain http is named, not linked
    assert second.endswith(f"`{MIRROR}`")  # in a code span, which Markdown never turns into a link


def test_reference_without_doi_or_pmid_still_shows_where_we_read_it_labelled() -> None:
    """A reference found only by its URL shows that URL, labelled, with its caveat."""
    url = "https://www.scribd.com/document/385503896/ACOG-PB142.pdf"
    text = reference_links(ref(url=url).links)

    assert text.startswith(f"{READ}: ") and "\n" not in text
    assert links_of(text) == [("www.scribd.com", url)]
    assert text.endswith(r"(third\-party copy)")


def test_brackets_and_parentheses_in_urls_stay_inside_the_link() -> None:
    """Parentheses and angle brackets in a URL are escaped, so the link keeps its whole URL."""
    url = "https://www.thelancet.com/article/PIIS0140-6736(22)01808-6/x)<b>[y]"
    text = reference_links(ref(doi="10.1016/S0140-6736(22)01808-6", url=url).links)

    assert links_of(text) == [
        ("DOI", "https://doi.org/10.1016/S0140-6736(22)01808-6"),
        ("www.thelancet.com", url),
    ]
    assert "<b>" not in text


def test_sources_expander_uses_the_same_links(kb: KnowledgeBase) -> None:
    """A Sources expander shows a reference's canonical links before where we read it."""
    number, r = next((n, r) for n, r in enumerate(kb.references.values(), 1) if r.doi and r.url)
    block = sources_block(kb, [Cite(r.id, "Table 1", number)])

    assert block is not None and reference_links(r.links) in block.text
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


def test_page_shows_the_doi_link_before_where_we_read_it(references_page: AppTest, kb: KnowledgeBase) -> None:
    """On the page, a reference read on the raw-IP mirror leads with doi.org and marks the mirror."""
    numbers = kb.citation_number()
    r = next(r for r in kb.references.values() if r.doi and r.url and urlsplit(r.url).hostname == "47.251.13.51")

    entry = entry_of(references_page, numbers[r.id])

    urls = [url for _, url in links_of(entry)]
    assert urls[0] == f"https://doi.org/{r.doi}"
    assert r.url not in urls  # the plain-http mirror is named, not linked
    assert f"`{r.url}`" in entry and "plain http, not encrypted; not linked" in entry


def test_page_shows_where_we_read_it_for_a_reference_without_identifiers(
    references_page: AppTest, kb: KnowledgeBase
) -> None:
    """A reference with neither DOI nor PMID still shows its page, labelled, on the References page."""
    numbers = kb.citation_number()
    r = next(r for r in kb.references.values() if not (r.doi or r.pmid) and "scribd.com" in r.url)

    entry = entry_of(references_page, numbers[r.id])

    assert f"  \n{READ}: " in entry
    assert [url for _, url in links_of(entry)] == [r.url]
    assert r"(third\-party copy)" in entry


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
    assert text.count(f"{READ}: ") == 2


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
