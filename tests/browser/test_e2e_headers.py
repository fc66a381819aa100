"""Exposure on a real server: loopback only, known Host names only, and every page under the CSP."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import PAGE_TITLES, fill_intake, go_to, main, open_app
from tests.browser.helpers import CHROMIUM_ARGS, CHROMIUM_PATH, REPO_ROOT, VIEWPORT, _health_ok, free_port
from tests.test_server_config import nginx_headers

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def _upgrade_status(port: int, host: str) -> str:
    """The status line a websocket upgrade to the app's stream gets with this Host header."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def _outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_a_websocket_with_a_foreign_host_header_is_refused(streamlit_server) -> None:
    """A browser tab that reached the server by another name (DNS rebinding) gets no session."""
    port = urlparse(streamlit_server).port

    assert " 101 " in _upgrade_status(port, f"127.0.0.1:{port}")
    assert " 101 " not in _upgrade_status(port, f"rebound.example:{port}")


def test_the_shipped_config_binds_loopback_only(tmp_path) -> None:
    """Started without --server.address, the server answers on 127.0.0.1 and not on the outward address."""
    outward = _outward_address()
    if outward is None:
        pytest.fail("this machine has no outward IPv4 address to test the binding against")
    port = free_port()
    log = open(tmp_path / "server.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "streamlit_app.py"), "--server.port", str(port)]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _health_ok(f"http://127.0.0.1:{port}"):
            time.sleep(0.2)
        assert _health_ok(f"http://127.0.0.1:{port}")
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=3).close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def page_behind_proxy(playwright_instance, browser):
    """A page whose documents arrive with the nginx example's headers added, as behind the proxy.

    Playwright adds them to each document it fetches; Chromium then treats the document as from a
    public address and its Local Network Access check would refuse the websocket to 127.0.0.1 (a
    test artefact, not the CSP), so this one browser runs without that check.
    """
    headers = nginx_headers()
    own = playwright_instance.chromium.launch(
        executable_path=CHROMIUM_PATH, args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
    )
    page = own.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()

    def with_headers(route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, **headers})

    page.route("**/*", with_headers)
    try:
        yield page
    finally:
        own.close()


def test_every_page_works_under_the_proxys_security_headers(page_behind_proxy, streamlit_server) -> None:
    """With the nginx example's CSP and headers on the page, every page draws and nothing is refused."""
    page = page_behind_proxy
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    open_app(page, streamlit_server)
    go_to(page, "Intake")
    fill_intake(page)
    with page.expect_download() as download:
        main(page).get_by_role("button", name="Download case file (JSON)").click()
    assert download.value.failure() is None
    for title in PAGE_TITLES:
        go_to(page, title)
        expect(main(page).locator("h1").first).to_be_visible()
    go_to(page, "Treatments")
    expect(main(page).locator("[data-testid='stVegaLiteChart']").first).to_be_visible()

    assert page.evaluate("window.__cspViolations") == []
    assert console == []
