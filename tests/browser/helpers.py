"""Shared helpers for real-browser tests and benchmarks: a Streamlit server, waits, axe, screenshots.

Everything here is plain functions so benchmarks can import it without pytest fixtures:

    from tests.browser.helpers import start_streamlit
    with start_streamlit(Path("streamlit_app.py")) as server:
        page.goto(server.url)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Playwright is imported lazily so helpers load even where it is missing.
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SCRIPT = REPO_ROOT / "streamlit_app.py"
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
VIEWPORT = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone held upright

SERVER_START_TIMEOUT_S = 60.0
APP_READY_TIMEOUT_MS = 30_000
# Impacts that fail a test; "minor" and "moderate" findings are reported but tolerated.
BLOCKING_AXE_IMPACTS = frozenset({"serious", "critical"})


def free_port() -> int:
    """Return a TCP port that is free on localhost right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitServer:
    """A running `streamlit run` subprocess; its output goes to `log_path`."""

    url: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    script_path: Path
    _log_file: object = field(repr=False, default=None)

    def log_text(self) -> str:
        """Return everything the server has written to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL) and close its log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout_s)
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()

    def __enter__(self) -> StreamlitServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False



def start_on_port(port: int, log_path: Path, script_path: Path = APP_SCRIPT) -> StreamlitServer:
    """Start the app on a given port (to restart a server where a tab is still connected)."""
    log_file = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by StreamlitServer.stop
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script_path),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    server = StreamlitServer(
        url=f"http://127.0.0.1:{port}", port=port, proc=proc, log_path=log_path,
        script_path=script_path, _log_file=log_file,
    )  # fmt: skip
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline and not _health_ok(server.url):
        if proc.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited: {server.log_text()[-2000:]}")
        time.sleep(0.1)
    return server

def start_streamlit(
    script_path: Path | str = APP_SCRIPT,
    extra_args: Sequence[str] = (),
    *,
    cwd: Path | str = REPO_ROOT,
    log_dir: Path | str | None = None,
    timeout_s: float = SERVER_START_TIMEOUT_S,
    attempts: int = 3,
) -> StreamlitServer:
    """Start `streamlit run script_path` on a free port and return once /_stcore/health says ok.

    The working directory defaults to the repo root so `.streamlit/config.toml` applies.
    Each server gets its own port, so parallel pytest-xdist workers do not collide; if another
    process grabs the port between probing and binding, the start is retried on a new port.
    """
    script_path = Path(script_path).resolve()
    if not script_path.is_file():
        raise FileNotFoundError(f"Streamlit script not found: {script_path}")
    log_dir = Path(log_dir) if log_dir is not None else Path(tempfile.mkdtemp(prefix="streamlit-server-"))
    log_dir.mkdir(parents=True, exist_ok=True)

    last_error = ""
    for attempt in range(1, attempts + 1):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = log_dir / f"streamlit-{port}.log"
        log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by StreamlitServer.stop
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(script_path),
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            *extra_args,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        server = StreamlitServer(url=url, port=port, proc=proc, log_path=log_path,
                                 script_path=script_path, _log_file=log_file)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _health_ok(url):
                return server
            time.sleep(0.1)
        server.stop()
        last_error = (
            f"attempt {attempt}: exit code {proc.returncode} after {timeout_s:.0f}s budget; "
            f"log {log_path}:\n{log_path.read_text(encoding='utf-8', errors='replace')[-4000:]}"
        )
    raise RuntimeError(f"Streamlit server for {script_path} did not become healthy.\n{last_error}")


def chromium_available() -> bool:
    """Say whether Debian's Chromium is installed where the harness launches it."""
    return os.access(CHROMIUM_PATH, os.X_OK) or shutil.which(CHROMIUM_PATH) is not None


# The app root `div[data-testid="stApp"]` carries data-test-script-state (running / notRunning)
# and data-test-connection-state (… / CONNECTED). In 1.67 the script state reaches notRunning
# while the main area still shows a skeleton, so "ready" also needs the skeleton gone, some
# rendered element, and no stale (greyed-out) elements from a previous run.
_APP_READY_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  return document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]') !== null;
}
"""


def wait_for_app(page: Page, timeout_ms: int = APP_READY_TIMEOUT_MS, settle_ms: int = 150) -> None:
    """Wait until the app is connected, its script has finished, and its elements are painted.

    Use after navigation. After an interaction, prefer Playwright's `expect(...)` on the
    element that should change: a fast rerun can finish without the script-state attribute
    ever visibly flipping to `running`.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(_APP_READY_JS, timeout=timeout_ms, polling=50)
    page.wait_for_timeout(settle_ms)


def goto_page(page: Page, base_url: str, url_path: str = "", **wait_kwargs: int) -> None:
    """Open `base_url/url_path` (a Streamlit page's url_path, e.g. "assessment") and wait for it."""
    url = f"{base_url.rstrip('/')}/{url_path.lstrip('/')}"
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page, **wait_kwargs)


def run_axe(page: Page, impacts: frozenset[str] = BLOCKING_AXE_IMPACTS) -> list[dict]:
    """Run axe-core on the current page and return violations whose impact is in `impacts`."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    return [v for v in violations if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    """Format axe violations as readable lines for an assertion message."""
    lines = []
    for v in violations:
        targets = [", ".join(node.get("target", [])) for node in v.get("nodes", [])][:5]
        lines.append(f"[{v.get('impact')}] {v.get('id')}: {v.get('help')} -> {targets}")
    return "\n".join(lines)


# Streamlit scrolls inside the app (the main area, or the sidebar), not the document, so a
# "full page" screenshot needs the viewport grown to the content's height for the shot.
_CONTENT_HEIGHT_JS = """
() => Math.max(
  document.documentElement.scrollHeight,
  ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]'))
    .map(e => e.scrollHeight)
)
"""
MAX_SCREENSHOT_HEIGHT = 12_000


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page to artifacts/screenshots/<name>.png (git-ignored) and return its path.

    With ``full_page`` the whole scrolled content is captured (up to MAX_SCREENSHOT_HEIGHT px):
    the viewport is grown for the shot and then restored.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT_JS) if full_page and size else 0
    if not size or height <= size["height"]:
        page.screenshot(path=str(path), full_page=full_page)
        return path
    page.set_viewport_size({"width": size["width"], "height": min(int(height), MAX_SCREENSHOT_HEIGHT)})
    try:
        page.wait_for_timeout(100)  # let the app lay itself out at the new height
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path
