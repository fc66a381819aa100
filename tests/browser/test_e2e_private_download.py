"""The case file in Chromium: made on click under a one-time name, and gone once downloaded."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from dashboard.case import case_from_json, case_to_json
from tests.browser.app_driver import fill_intake, go_to, main, open_app

pytestmark = pytest.mark.browser

FILE_NAME = "cervical-insufficiency-case.json"


def _case_file_request(urls: list[str]):
    """Record the URL of each request for a case file (Streamlit's own /static/media are not)."""
    return lambda r: urls.append(r.url) if urlparse(r.url).path.startswith("/media/") else None


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_case_file_url_is_one_time_random_and_gone_after_the_download(
    new_page, streamlit_server, tmp_path
) -> None:
    """The download's URL is not the content hash, works once, and a second click gets a new one."""
    page = new_page()
    open_app(page, streamlit_server)
    go_to(page, "Intake")
    fill_intake(page)
    media: list[str] = []
    page.on("request", _case_file_request(media))
    button = main(page).get_by_role("button", name="Download case file (JSON)")

    with page.expect_download() as first:
        button.click()
    saved = tmp_path / "case.json"
    first.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    case_from_json(text)  # a whole, valid case file
    with page.expect_download() as second:
        button.click()
    second.value.path()

    media = [url for url in media if url.endswith(".json")]  # not the bundled tab icon
    assert len(media) == 2 and media[0] != media[1], media
    content_hash = _calculate_file_id(case_to_json(case_from_json(text)).encode(), "application/json", FILE_NAME)
    assert all(content_hash not in url for url in media)
    assert [_status(url) for url in media] == [404, 404]  # each served once, then removed
    assert json.loads(text)["gestational_age"]

