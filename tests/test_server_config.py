"""The shipped server settings (.streamlit/config.toml): the privacy and security choices hold."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


@pytest.fixture(scope="module")
def settings() -> dict[str, dict[str, object]]:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_every_setting_is_an_option_streamlit_knows(settings) -> None:
    """Every setting names a real Streamlit option, so none is silently ignored."""
    for section, values in settings.items():
        for name in values:
            try:
                st_config.get_option(f"{section}.{name}")
            except RuntimeError:
                pytest.fail(f"{section}.{name} is not a Streamlit option")


def test_xsrf_protection_and_cors_stay_on(settings) -> None:
    """XSRF protection and CORS checks are on."""
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["server"]["enableCORS"] is True


def test_uploads_are_limited_to_the_smallest_size_streamlit_accepts(settings) -> None:
    """The server refuses uploads over 1 MB (the app itself refuses case files over 256 KB)."""
    assert settings["server"]["maxUploadSize"] == 1


def test_no_usage_statistics_and_no_error_details_on_the_page(settings) -> None:
    """Usage statistics are off and error details never reach the page."""
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["client"]["showErrorDetails"] == "none"


def test_the_server_does_not_watch_or_rerun_the_source(settings) -> None:
    """A deployed server neither watches its source nor reruns on a change."""
    assert settings["server"]["fileWatcherType"] == "none"
    assert settings["server"]["runOnSave"] is False


def test_the_server_listens_on_loopback_only(settings) -> None:
    """The shipped server binds 127.0.0.1, so only the reverse proxy on the same host reaches it."""
    assert settings["server"]["address"] == "127.0.0.1"
