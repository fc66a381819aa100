"""Case files from the download button: made on click, a random one-time name, gone soon after."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage, _calculate_file_id
from streamlit.testing.v1 import AppTest

from dashboard.downloads import PrivateDownloads
from dashboard.intake import case_to_form
from tests.test_apptest_pages import ACUTE, entrypoint_runs_on_every_rerun, scenario  # noqa: F401 - fixture

CASE = b'{"format": 2}'
NAME = "cervical-insufficiency-case.json"


@pytest.fixture
def manager() -> MediaFileManager:
    storage = MemoryMediaFileStorage("/media")
    PrivateDownloads.install(storage, MediaFileKind.DOWNLOADABLE, ttl_s=0.3, grace_s=0.3)
    return MediaFileManager(storage)


def click(manager: MediaFileManager) -> str:
    """What a click on a deferred download button does: run the callable, get the file's URL."""
    deferred = manager.add_deferred(lambda: CASE, "application/json", "0.1", file_name=NAME)
    return manager.execute_deferred(deferred)


def fetch(manager: MediaFileManager, url: str) -> bytes:
    return manager._storage.get_file(url.removeprefix("/media/")).content


def test_the_url_is_random_not_the_hash_of_the_case(manager) -> None:
    """A case file's URL is 128 random bits, never the hash of its contents, and new on every click."""
    first, second = click(manager), click(manager)

    assert re.fullmatch(r"/media/[0-9a-f]{32}\.json", first)
    assert _calculate_file_id(CASE, "application/json", NAME) not in first
    assert first != second


def test_a_case_file_serves_one_download_then_is_gone(manager) -> None:
    """The button's check and the download itself are served; a third request finds nothing."""
    url = click(manager)

    assert fetch(manager, url) == CASE  # Streamlit's checkSourceUrlResponse
    assert fetch(manager, url) == CASE  # the download
    with pytest.raises(MediaFileStorageError):
        fetch(manager, url)
    assert manager._storage.private_downloads.held() == 0


def test_a_case_file_nobody_fetches_expires(manager) -> None:
    """A case file never fetched, or fetched only once, is removed after its time runs out."""
    unfetched, once = click(manager), click(manager)
    fetch(manager, once)

    time.sleep(0.6)
    for url in (unfetched, once):
        with pytest.raises(MediaFileStorageError):
            fetch(manager, url)


def test_a_closed_session_can_no_longer_make_its_case_file(manager) -> None:
    """After the session ends (what AppSession.shutdown does), its button's file cannot be made."""
    deferred = manager.add_deferred(lambda: CASE, "application/json", "0.1", file_name=NAME)

    manager.clear_session_refs("dontcare")  # the session id outside a script run
    manager.remove_orphaned_files()

    with pytest.raises(MediaFileStorageError):
        manager.execute_deferred(deferred)


def test_other_media_are_left_to_streamlit(manager) -> None:
    """Images and other media keep Streamlit's own names and lifetime."""
    url = manager.add(b"\x89PNG", "image/png", "0.2")

    assert fetch(manager, url) == fetch(manager, url) == b"\x89PNG"


def test_intake_makes_the_case_file_only_on_click(at: AppTest) -> None:
    """The Intake page's download button is deferred: no case file is stored when it is drawn."""
    for k, v in case_to_form(scenario(ACUTE)).items():
        at.session_state[k] = v
    at.switch_page("pages/intake.py").run()

    (button,) = at.get("download_button")
    assert button.proto.deferred_file_id and not button.proto.url
