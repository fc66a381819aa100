"""The References page in a real browser: canonical links are links; plain-http copies are not."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import go_to, main, open_app

pytestmark = pytest.mark.browser


def test_no_link_leads_off_site_over_plain_http(page, streamlit_server, request) -> None:
    """Every off-site link on References is https; a copy read over plain http shows as text only."""
    open_app(page, streamlit_server)
    go_to(page, "References", shot=request.node.name)
    expect(main(page).get_by_role("link", name="DOI").first).to_be_visible()
    own = urlsplit(streamlit_server).netloc
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    off_site = [h for h in hrefs if urlsplit(h).netloc not in ("", own)]
    plain = [h for h in off_site if not h.startswith("https://")]
    assert off_site and not plain, plain
    expect(main(page).locator("code").filter(has_text="http://").first).to_be_visible()
