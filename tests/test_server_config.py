"""The shipped server settings (.streamlit/config.toml): the privacy and security choices hold."""

from __future__ import annotations

import base64
import hashlib
import re
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


# --------------------------------------------------------------------------- exposure and headers

NGINX = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf.example"
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Strict-Transport-Security",
    "Referrer-Policy",
)


def nginx_headers() -> dict[str, str]:
    """The response headers the nginx example adds to every response (the CSP built from its parts)."""
    text = NGINX.read_text(encoding="utf-8")
    csp = "".join(re.findall(r'set \$ci_csp "(?:\$\{ci_csp\})?([^"]*)";', text))
    headers = dict(re.findall(r'^\s*add_header ([\w-]+) "([^"]*)" always;', text, re.M))
    assert re.search(r"^\s*add_header Content-Security-Policy \$ci_csp always;", text, re.M)
    return {**headers, "Content-Security-Policy": csp}


def test_the_server_listens_on_loopback_only(settings) -> None:
    """The server binds 127.0.0.1: the reverse proxy is the one way in, metrics included."""
    assert settings["server"]["address"] == "127.0.0.1"


def test_a_websocket_needs_a_known_host_name(settings) -> None:
    """The Host allow-list is set (an empty list accepts any Host: DNS rebinding) and holds no wildcard."""
    hosts = settings["server"]["allowedHosts"]
    assert hosts and "*" not in hosts and not any(h.startswith("*.") for h in hosts)


def test_no_agent_api_and_no_rich_tracebacks(settings) -> None:
    """The agent API is off, and rich tracebacks (which print exception messages) stay off."""
    assert settings["server"]["enableAgentApi"] is False
    assert settings["logger"]["enableRich"] is False


def test_the_proxy_adds_every_security_header() -> None:
    """The nginx example sends the CSP, DENY framing, nosniff, HSTS and no-referrer on every response."""
    headers = nginx_headers()

    assert set(SECURITY_HEADERS) <= set(headers)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]  # 'wasm-unsafe-eval' only
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_csp_allows_exactly_streamlits_inline_scripts() -> None:
    """Every inline script of this Streamlit's index.html is allowed by hash, with no 'unsafe-inline'."""
    index = (Path(st_config.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    inline = re.findall(r"<script>(.*?)</script>", index, re.S)
    script_src = next(d for d in nginx_headers()["Content-Security-Policy"].split(";") if "script-src" in d)

    assert inline, "Streamlit's index.html has no inline script any more: drop its hash from the CSP"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, "Streamlit's inline script changed: put its new hash in the CSP"
    assert "'unsafe-inline'" not in script_src


def test_the_proxy_keeps_case_files_out_of_caches_and_metrics_to_the_host() -> None:
    """The proxy marks /media responses no-store and answers /_stcore/metrics with 404."""
    text = NGINX.read_text(encoding="utf-8")

    assert re.search(r'~\^/\(media\|_stcore\)/\s+"no-store";', text)
    assert re.search(r"add_header Cache-Control \$ci_cache_control always;", text)
    assert re.search(r"location = /_stcore/metrics \{\s*return 404;\s*\}", text)
