"""The References page in a real browser: each source leads with its canonical link (DOI, PubMed,
PMC or the issuer's page), and a link to any other host is labelled as where the text was read."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import go_to, main, open_app

pytestmark = pytest.mark.browser

READ_AT = "Text read at"
RESOLVERS = {"doi.org", "pubmed.ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov"}
# Issuers: guideline bodies, regulators and registries, and the publishers of the cited journals
# and books (a host matches itself and its subdomains).
ISSUERS = (
    "acog.org", "rcog.org.uk", "nice.org.uk", "smfm.org", "figo.org", "who.int", "fda.gov", "aafp.org",
    "nichd.nih.gov", "isrctn.com", "clinicaltrials.gov", "cochranelibrary.com", "onlinelibrary.wiley.com",
    "ajog.org", "ejog.org", "sciencedirect.com", "thelancet.com", "nejm.org", "journals.lww.com", "bmj.com",
    "jamanetwork.com", "springer.com", "springermedizin.de", "nature.com", "tandfonline.com",
    "informahealthcare.com", "taylorfrancis.com", "glowm.com", "scirp.org",
)

# Each reference paragraph split at its line breaks: per line, its text and the links it holds.
ENTRIES_JS = """
root => Array.from(root.querySelectorAll('p'))
  .filter(p => /^\\[\\d+\\]/.test(p.innerText.trim()))
  .map(p => p.innerHTML.split(/<br\\s*\\/?>/i).map(html => {
    const div = document.createElement('div');
    div.innerHTML = html;
    return {text: div.innerText.trim(), hrefs: Array.from(div.querySelectorAll('a[href]')).map(a => a.href)};
  }))
"""


def canonical(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in RESOLVERS or any(host == h or host.endswith("." + h) for h in ISSUERS)


@pytest.fixture
def entries(page, streamlit_server, request) -> list[list[dict]]:
    """The References page's entries as the browser draws them, once every group has rendered."""
    open_app(page, streamlit_server)
    go_to(page, "References", shot=request.node.name)
    expect(main(page).get_by_role("link", name="DOI").first).to_be_visible()
    expect(main(page).get_by_text("Trials (", exact=False).first).to_be_visible()
    return main(page).first.evaluate(ENTRIES_JS)


def test_each_reference_leads_with_its_canonical_link(entries) -> None:
    """Every link before the first 'Text read at' line is a DOI, PubMed, PMC or issuer link."""
    assert len(entries) > 100
    led_by_doi = 0
    for lines in entries:
        read = next((i for i, line in enumerate(lines) if line["text"].startswith(READ_AT)), len(lines))
        before = [h for line in lines[:read] for h in line["hrefs"]]
        assert all(canonical(h) for h in before), (lines[0]["text"][:60], before)
        led_by_doi += bool(before) and urlsplit(before[0]).hostname == "doi.org"
    assert led_by_doi > 40


def test_no_off_site_link_goes_elsewhere_unless_labelled_where_the_text_was_read(
    entries, page, streamlit_server
) -> None:
    """An off-site link to a host that is neither a resolver nor an issuer sits on a 'Text read at' line."""
    own = urlsplit(streamlit_server).netloc
    stray = [
        (lines[0]["text"][:40], h)
        for lines in entries
        for line in lines
        if not line["text"].startswith(READ_AT)
        for h in line["hrefs"]
        if urlsplit(h).netloc not in ("", own) and not canonical(h)
    ]
    assert stray == []
    # Nor anywhere else on the page, outside the reference entries.
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    in_entries = {h for lines in entries for line in lines for h in line["hrefs"]}
    elsewhere = [h for h in hrefs if urlsplit(h).netloc not in ("", own) and h not in in_entries]
    assert [h for h in elsewhere if not canonical(h)] == []


def test_pb142_shows_its_citation_and_what_is_not_confirmed_before_the_scribd_copy(entries) -> None:
    """ACOG PB 142: journal citation, then 'DOI not confirmed', and the scribd upload only as where it was read."""
    [pb142] = [lines for lines in entries if lines[0]["text"].startswith("[1] American College")]
    assert "Practice Bulletin No. 142: Cerclage" in pb142[0]["text"]
    assert "Obstet Gynecol 2014;123(2 Pt 1):372–379" in pb142[0]["text"]
    assert pb142[1]["text"].startswith("DOI not confirmed") and pb142[1]["hrefs"] == []
    read = [line for line in pb142 if line["text"].startswith(READ_AT)]
    assert read and all("scribd.com" in h for line in read for h in line["hrefs"])
