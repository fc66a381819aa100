"""A light client that speaks Streamlit's own websocket protocol, for load and memory figures.

What the browser's frontend does, reduced to what a rerun needs (Streamlit 1.67, checked against
``streamlit/web/server/starlette/starlette_websocket.py`` and the ``BackMsg`` / ``ClientState`` /
``WidgetStates`` protos):

* connect to ``ws://HOST:PORT/_stcore/stream`` with the subprotocol list ``["streamlit"]`` (the
  frontend adds an XSRF token and a session id to reconnect; a new session needs neither);
* send a binary ``BackMsg`` whose ``rerun_script`` is a ``ClientState``: the query string, the
  page (``page_script_hash``, or ``page_name`` = the page's URL path before the hash is known)
  and ``widget_states`` (the values of the widgets this client has set);
* read ``ForwardMsg`` frames until ``script_finished``. A run that ends
  ``FINISHED_EARLY_FOR_RERUN`` (the page called ``st.rerun``) is followed by another run on the
  server, so the wait goes on until a run finishes for good.

Every figure here is the wall-clock time from sending the ``BackMsg`` to receiving that final
``script_finished`` frame. Only loopback addresses are ever used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
RUN_TIMEOUT_S = 60.0

WidgetValue = float | int | str


class RunTimeout(RuntimeError):
    """A run did not finish within the client's deadline."""


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"the benchmark only talks to loopback addresses, not {host!r}")


def stream_url(base_url: str, client_id: str | int | None = None) -> str:
    """The websocket URL of a Streamlit server's stream; ``client_id`` goes in ``?client=`` for sticky proxies."""
    _check_loopback(base_url)
    url = base_url.rstrip("/").replace("http://", "ws://", 1) + "/_stcore/stream"
    return url if client_id is None else f"{url}?client={client_id}"


@dataclass
class RunResult:
    latency_s: float
    messages: list[ForwardMsg] = field(default_factory=list)
    frames: int = 0
    bytes: int = 0


@dataclass
class PageTarget:
    """What a client needs to drive one widget on one page of one server."""

    page_script_hash: str
    widget_id: str
    value_kind: str  # "double_value" (number_input), "string_value" (text_input, radio)
    # The st.fragment the widget is drawn in, if any. Like the browser, a change to such a
    # widget asks for a rerun of that fragment only.
    fragment_id: str = ""


class LightClient:
    """One Streamlit session over one websocket, driven from Python."""

    def __init__(self, base_url: str, client_id: str | int | None = None, timeout_s: float = RUN_TIMEOUT_S):
        self.url = stream_url(base_url, client_id)
        self.timeout_s = timeout_s
        self.ws = websocket.create_connection(self.url, subprotocols=["streamlit"], timeout=timeout_s)
        headers = self.ws.getheaders() or {}
        # Set by the benchmark's nginx config (add_header X-Upstream): which process serves us.
        self.upstream: str | None = headers.get("x-upstream")
        self.widgets: dict[str, tuple[str, WidgetValue]] = {}

    def close(self) -> None:
        try:
            self.ws.close(timeout=2)
        except Exception:  # noqa: BLE001 - closing a dead socket is not a benchmark failure
            pass

    def __enter__(self) -> LightClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_widget(self, target: PageTarget, value: WidgetValue) -> None:
        # A text box (the Intake number boxes are text boxes) is sent its value as typed text.
        if target.value_kind == "string_value" and not isinstance(value, str):
            value = str(value)
        self.widgets[target.widget_id] = (target.value_kind, value)

    def run(
        self, page_script_hash: str = "", page_name: str = "", keep: bool = False, fragment_id: str = ""
    ) -> RunResult:
        """Ask for a rerun with the widget values set so far; return when the script has finished."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = page_script_hash
        state.page_name = page_name
        state.fragment_id = fragment_id
        for widget_id, (kind, value) in self.widgets.items():
            w = state.widget_states.widgets.add()
            w.id = widget_id
            setattr(w, kind, value)
        payload = msg.SerializeToString()
        deadline = time.monotonic() + self.timeout_s
        t0 = time.perf_counter()
        self.ws.send_binary(payload)
        result = RunResult(0.0)
        while True:
            if time.monotonic() > deadline:
                raise RunTimeout(f"no script_finished within {self.timeout_s:.0f} s from {self.url}")
            data = self.ws.recv()
            if isinstance(data, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            result.frames += 1
            result.bytes += len(data)
            if keep:
                result.messages.append(fwd)
            if fwd.HasField("script_finished") and fwd.script_finished != EARLY_FOR_RERUN:
                result.latency_s = time.perf_counter() - t0
                return result

    def change(self, target: PageTarget, value: WidgetValue) -> float:
        """Commit one new widget value on the target's page; return the seconds to script_finished."""
        self.set_widget(target, value)
        return self.run(target.page_script_hash, fragment_id=target.fragment_id).latency_s


def _elements(messages: list[ForwardMsg]):
    """Each new element with the id of the fragment it was drawn in ("" outside fragments)."""
    for m in messages:
        if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
            yield m.delta.new_element, m.delta.fragment_id


VALUE_KINDS = {
    "number_input": "double_value",
    "text_input": "string_value",
    "radio": "string_value",
    "selectbox": "string_value",
    "checkbox": "bool_value",
}


def _page_run(base_url: str, url_pathname: str) -> tuple[str, list[ForwardMsg]]:
    """Run a page once in a throwaway session: its page hash and the messages of that run."""
    with LightClient(base_url) as client:
        result = client.run(page_name=url_pathname, keep=True)
    page_hash = ""
    for m in result.messages:
        if m.WhichOneof("type") == "navigation":
            for page in m.navigation.app_pages:
                if page.url_pathname == url_pathname:
                    page_hash = page.page_script_hash
    if url_pathname and not page_hash:
        raise RuntimeError(f"{base_url}: no page with url path {url_pathname!r} in the navigation")
    return page_hash, result.messages


def learn_target(base_url: str, url_pathname: str, element: str, label: str) -> PageTarget:
    """Run a page once in a throwaway session and read the page hash and the widget id from the deltas.

    ``url_pathname`` is the page's URL path ("intake"; "" for the main page of a one-page app),
    ``element`` the element type in the ``Element`` proto ("number_input", "radio").
    """
    page_hash, messages = _page_run(base_url, url_pathname)
    for el, fragment_id in _elements(messages):
        if el.WhichOneof("type") == element and getattr(el, element).label == label:
            return PageTarget(page_hash, getattr(el, element).id, VALUE_KINDS[element], fragment_id)
    raise RuntimeError(f"{base_url}: no {element} labelled {label!r} on page {url_pathname!r}")


@dataclass
class Choice:
    """A widget with a few values to choose from: a radio, a selectbox or a checkbox."""

    target: PageTarget
    element: str
    label: str
    options: tuple[WidgetValue, ...]  # the formatted options (radio, selectbox); (False, True) for a checkbox
    current: int  # index of the value it shows now


def learn_choices(
    base_url: str, url_pathname: str, elements: tuple[str, ...] = ("radio", "selectbox", "checkbox")
) -> list[Choice]:
    """Every radio, selectbox and checkbox one run of the page draws, in page order."""
    page_hash, messages = _page_run(base_url, url_pathname)
    out = []
    for el, fragment_id in _elements(messages):
        kind = el.WhichOneof("type")
        if kind not in elements:
            continue
        proto = getattr(el, kind)
        target = PageTarget(page_hash, proto.id, VALUE_KINDS[kind], fragment_id)
        if kind == "checkbox":
            shown = proto.value if proto.set_value else proto.default
            out.append(Choice(target, kind, proto.label, (False, True), int(shown)))
        elif len(proto.options) > 1:
            options = tuple(proto.options)
            current = options.index(proto.raw_value) if proto.raw_value in options else proto.default
            out.append(Choice(target, kind, proto.label, options, current))
    return out


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, KiB)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")
