"""Load, memory and scale-out figures with light clients (``wsclient.LightClient``), one thread each.

* Paced load: N sessions each commit one change every ``interval_s`` (start times spread evenly
  over the interval), for ``duration_s``; a session whose change is still running when its next
  one is due sends it as soon as the first finishes. Latency per change = send to ``script_finished``.
* Saturation: N sessions commit changes back to back; throughput = changes finished inside the
  window / window length.
* Memory: VmRSS of the server process from /proc.

Everything is bounded: every wait has a deadline, every loop a count or an end time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wsclient import LightClient, PageTarget, rss_kib

SETUP_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 60.0


def _values(seed: int, n: int) -> list[int]:
    # Gestational ages 14..29 weeks, shifted per session so sessions hold different cases.
    return [14 + ((seed + i) % 16) for i in range(n)]


@dataclass
class LoadResult:
    sessions: int
    duration_s: float
    latencies_s: list[float] = field(default_factory=list)
    completed_in_window: int = 0
    errors: list[str] = field(default_factory=list)
    upstreams: dict[str, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.completed_in_window / self.duration_s if self.duration_s else 0.0


def _open_sessions(base_url: str, target: PageTarget, n: int, client_ids: list[str] | None) -> list[LightClient]:
    """Open n sessions in parallel; each loads the target page once (as a person opening it would)."""
    clients: list[LightClient | None] = [None] * n
    errors: list[str] = []

    def opener(i: int) -> None:
        try:
            c = LightClient(base_url, client_ids[i] if client_ids else None)
            c.run(target.page_script_hash)
            clients[i] = c
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            errors.append(f"session {i}: {exc!r}")

    threads = [threading.Thread(target=opener, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if errors or any(c is None for c in clients):
        for c in clients:
            if c is not None:
                c.close()
        raise RuntimeError(f"could not open {n} sessions on {base_url}: {errors[:3]}")
    return [c for c in clients if c is not None]


class Pool:
    """Sessions kept open across load steps: a step with N sessions uses the first N.

    Closing sessions between steps would leave them on the server as disconnected sessions
    (``server.disconnectedSessionTTL``, 120 s), which the next step would carry; a pool that
    only grows keeps every step's server state the same apart from the sessions in use.
    """

    def __init__(self, base_url: str, target: PageTarget, client_ids: list[str] | None = None):
        self.base_url, self.target, self.client_ids = base_url, target, client_ids
        self.clients: list[LightClient] = []

    def grow(self, n: int) -> list[LightClient]:
        if n > len(self.clients):
            ids = self.client_ids[len(self.clients) : n] if self.client_ids else None
            self.clients += _open_sessions(self.base_url, self.target, n - len(self.clients), ids)
        return self.clients[:n]

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.clients = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drive(clients: list[LightClient], target: PageTarget, duration_s: float, interval_s: float | None) -> LoadResult:
    sessions = len(clients)
    result = LoadResult(sessions, duration_s)
    for c in clients:
        result.upstreams[c.upstream or "direct"] = result.upstreams.get(c.upstream or "direct", 0) + 1
    lock = threading.Lock()
    start = time.perf_counter() + 0.5
    end = start + duration_s

    def worker(i: int, client: LightClient) -> None:
        values = _values(i * 5, 10_000)
        offset = (interval_s or 0.0) * i / sessions
        k = 0
        while k < len(values):
            due = start + offset + k * (interval_s or 0.0)
            now = time.perf_counter()
            if (now if interval_s is None else due) >= end:
                break
            if due > now:
                time.sleep(due - now)
            try:
                latency = client.change(target, values[k])
            except Exception as exc:  # noqa: BLE001 - a failed change is reported, and ends this session
                with lock:
                    result.errors.append(f"session {i}: {exc!r}")
                return
            finished = time.perf_counter()
            with lock:
                result.latencies_s.append(latency)
                if finished <= end:
                    result.completed_in_window += 1
            k += 1

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    deadline = end + DRAIN_TIMEOUT_S
    for t in threads:
        t.join(max(0.0, deadline - time.perf_counter()))
    if any(t.is_alive() for t in threads):
        result.errors.append("some sessions were still waiting for a run when the drain deadline passed")
    return result


def paced(pool: Pool, sessions: int, duration_s: float, interval_s: float = 2.0) -> LoadResult:
    """N sessions of the pool, each committing one change every ``interval_s``."""
    return _drive(pool.grow(sessions), pool.target, duration_s, interval_s)


def saturate(
    base_url: str, target: PageTarget, sessions: int, duration_s: float, client_ids: list[str] | None = None
) -> LoadResult:
    """N new sessions committing changes back to back."""
    with Pool(base_url, target, client_ids) as pool:
        return _drive(pool.grow(sessions), target, duration_s, None)


# --------------------------------------------------------------------------- memory


def _rss_mib(pid: int, reads: int = 3) -> float:
    """Median of a few VmRSS reads, 0.3 s apart, in MiB."""
    values = []
    for _ in range(reads):
        values.append(rss_kib(pid) / 1024)
        time.sleep(0.3)
    return sorted(values)[len(values) // 2]


def rss_with_sessions(
    base_url: str, pid: int, page_hash: str, sessions: int, each: Callable[[LightClient, int], object] | None = None
) -> tuple[float, float]:
    """Server VmRSS (MiB) before and after ``sessions`` more sessions that each run the page once
    (then ``each(client, k)``, if given) and stay connected; they are closed afterwards."""
    before = _rss_mib(pid)
    clients = []
    try:
        for k in range(sessions):
            c = LightClient(base_url)
            c.run(page_hash)
            if each is not None:
                each(c, k)
            clients.append(c)
        time.sleep(1.0)
        after = _rss_mib(pid)
    finally:
        for c in clients:
            c.close()
    return before, after


def idle_session_memory(base_url: str, pid: int, target: PageTarget, sessions: int) -> dict:
    """RSS delta per extra idle session: each opens, runs the page once and stays connected."""
    for _ in range(2):  # warm-up sessions pay the lazy imports and caches, then leave
        with LightClient(base_url) as c:
            c.run(target.page_script_hash)
            c.change(target, 20)
    time.sleep(1.0)
    before, after = rss_with_sessions(base_url, pid, target.page_script_hash, sessions)
    return {
        "rss_before_mib": before,
        "rss_after_mib": after,
        "sessions": sessions,
        "per_session_mib": (after - before) / sessions,
    }


def soak(base_url: str, pid: int, target: PageTarget, interactions: int, every: int = 50) -> dict:
    """RSS growth over many changes in one session (10 ms between changes)."""
    curve = []
    with LightClient(base_url) as c:
        c.run(target.page_script_hash)
        start = _rss_mib(pid)
        curve.append((0, start))
        values = _values(3, interactions)
        t0 = time.perf_counter()
        for i, value in enumerate(values, start=1):
            c.change(target, value)
            time.sleep(0.01)
            if i % every == 0 or i == interactions:
                curve.append((i, rss_kib(pid) / 1024))
        elapsed = time.perf_counter() - t0
        end = _rss_mib(pid)
    half = min(curve, key=lambda p: abs(p[0] - interactions // 2))[1]
    return {
        "interactions": interactions,
        "rss_start_mib": start,
        "rss_end_mib": end,
        "growth_mib": end - start,
        "growth_second_half_mib": end - half,
        "curve": curve,
        "elapsed_s": elapsed,
    }


# --------------------------------------------------------------------------- nginx


NGINX_CONF = """\
# Generated by bench/load.py for one benchmark run; loopback only.
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream streamlit {{
        # Sticky: a client's every request (the page, then its websocket) goes to one process.
        hash $arg_client consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_path() -> str | None:
    return shutil.which("nginx") or (os.access("/usr/sbin/nginx", os.X_OK) and "/usr/sbin/nginx") or None


def nginx_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    return (out.stderr or out.stdout).strip().split("/")[-1]


class Nginx:
    """nginx in the foreground with a generated config in a temp dir, stopped by its own pid."""

    def __init__(self, binary: str, port: int, upstream_ports: list[int]):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.dir.chmod(0o755)  # the worker drops to an unprivileged user when run as root
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
        (self.dir / "nginx.conf").write_text(NGINX_CONF.format(dir=self.dir, port=port, servers=servers))
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(self.dir / "stdout.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-e", str(self.dir / "error.log")],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                import urllib.request

                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        error = (
            (self.dir / "error.log").read_text(errors="replace")[-2000:] if (self.dir / "error.log").exists() else ""
        )
        self.stop()
        raise RuntimeError(f"nginx did not come up on {self.url}: {error}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def balanced_client_ids(
    proxy_url: str, per_upstream: int, upstreams: int, max_probe: int = 200
) -> tuple[list[str], dict]:
    """Client ids that the proxy's consistent hash sends evenly to the upstreams.

    Eight clients hashed at random can land 6/2; a large population of users would not. The
    ids are probed (a websocket handshake through the proxy, reading X-Upstream) and the first
    ``per_upstream`` for each upstream are kept, so the measurement shows the processes' capacity
    rather than the luck of eight hashes.
    """
    chosen: dict[str, list[str]] = {}
    for n in range(max_probe):
        cid = f"c{n}"
        with LightClient(proxy_url, cid, timeout_s=10) as c:
            up = c.upstream or "unknown"
        if len(chosen.setdefault(up, [])) < per_upstream:
            chosen[up].append(cid)
        if len(chosen) >= upstreams and all(len(v) >= per_upstream for v in chosen.values()):
            break
    ids = [cid for group in zip(*chosen.values(), strict=False) for cid in group]
    return ids, {up: len(v) for up, v in chosen.items()}
