"""The only module that talks to Streamlit: state, shared widgets and rendering helpers.

Pages call into here and into the pure domain modules; nothing clinical is decided here.
The case lives only in this browser session's memory (``st.session_state``); nothing is
written to disk or logged.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.assess import AllAssessments, Cite, assess_all
from dashboard.bottomline import STATUS_PHRASE
from dashboard.case import (
    Case,
    CaseError,
    Tri,
    case_from_json,
    case_to_json,
    cerclage_in_place_words,
    history_entered_twice,
)
from dashboard.fields import SECTIONS, label_of, place_of, section_of
from dashboard.intake import (
    BIRTH_LISTS,
    CHOICE_WORDS,
    IN,
    ROWS,
    SCANS,
    blank_form,
    case_to_form,
    completeness,
    form_to_case,
    overall,
    rows_key,
)
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, KnowledgeBase, default_knowledge_base
from dashboard.messages import cap_messages, more_line
from dashboard.views import (
    bottom_line_markdown,
    entered_twice_text,
    marks,
    md_text,
    sidebar_bottom_line,
    sources_block,
)

PERSIST = "session"  # widget values survive page switches in a real browser (Streamlit 1.67)

STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    # status -> (words, Material icon, badge colour). Colour is never the only signal.
    "met": ("Criteria met", ":material/check_circle:", "orange"),
    "not_met": ("Criteria not met", ":material/cancel:", "gray"),
    **{
        status: (STATUS_PHRASE[status].capitalize(), icon, colour)  # the engine's words for an option's status
        for status, icon, colour in (
            ("insufficient_data", ":material/help:", "blue"),
            ("recommended", ":material/thumb_up:", "green"),
            ("consider", ":material/balance:", "blue"),
            ("not_recommended", ":material/thumb_down:", "orange"),
            ("contraindicated", ":material/block:", "red"),
            ("not_applicable", ":material/remove:", "gray"),
            ("no_stated_position", ":material/do_not_disturb_on:", "gray"),
        )
    },
    "present": ("Present", ":material/error:", "red"),
    "absent": ("Absent", ":material/check:", "gray"),
    "unknown": ("Unknown", ":material/help:", "blue"),
    "open": ("Open now", ":material/schedule:", "green"),
    "upcoming": ("Upcoming", ":material/update:", "blue"),
    "passed": ("Passed", ":material/history:", "gray"),
    "history": ("History-indicated", ":material/history_edu:", "violet"),
    "ultrasound": ("Ultrasound-indicated", ":material/monitor_heart:", "violet"),
    "physical_exam": ("Exam-indicated", ":material/stethoscope:", "violet"),
    "none": ("No indication", ":material/remove:", "gray"),
}


# --------------------------------------------------------------------------- frame


def require_frame() -> None:
    """Make sure a page runs inside the app's frame, not as a bare legacy page.

    Streamlit 1.67 decides per server process, on the first run, whether a ``pages/``
    folder means legacy multipage mode; it only learns otherwise when ``st.navigation`` is
    called. If the very first visitor opens a deep link such as ``/intake``, the page script
    runs alone (no sidebar, no frame) and the server stays in legacy mode. Each page calls
    this first: it turns legacy mode off and reruns, so the frame and router take over.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def protect_process() -> None:
    """Once per server process, before anything else: what this process keeps cannot leak.

    Log records lose their values (``dashboard/safelog.py``), and a download's file gets a
    random one-time name that expires (``dashboard/downloads.py``). Streamlit 1.67 offers no
    setting for either: its media storage names a file by a hash of its contents
    (``streamlit/runtime/memory_media_file_storage.py``, ``_calculate_file_id``) and keeps an
    unreferenced download until a second clean-up (``media_file_manager.py``,
    ``remove_orphaned_files``). The storage is wrapped in place because the ``/media`` route holds
    that same object (``web/server/starlette/starlette_app.py``, ``create_streamlit_routes``).
    """
    from streamlit import runtime
    from streamlit.runtime.media_file_storage import MediaFileKind

    from dashboard import safelog
    from dashboard.downloads import PrivateDownloads
    from dashboard.uploads import BoundedUploads

    safelog.install()
    if runtime.exists():
        storage = runtime.get_instance().media_file_mgr._storage  # no public handle in 1.67
        PrivateDownloads.install(storage, MediaFileKind.DOWNLOADABLE)
        BoundedUploads.install(runtime.get_instance().uploaded_file_mgr)  # a few small files per session


# --------------------------------------------------------------------------- knowledge base


@st.cache_resource(show_spinner=False, max_entries=1)  # no arguments: one knowledge base per process
def knowledge_base() -> KnowledgeBase:
    """Loaded and validated once per server process; shared read-only by every session."""
    return default_knowledge_base()


# --------------------------------------------------------------------------- case state


@dataclass(frozen=True)
class CaseState:
    case: Case | None
    problems: list[tuple[str, str]]


def form_values() -> dict[str, Any]:
    return {k: v for k, v in st.session_state.items() if isinstance(k, str) and (k.startswith(IN) or k.startswith(ROWS))}


_THIS_RUN: ContextVar[CaseState | None] = ContextVar("case_this_run", default=None)


@contextmanager
def page_boundary() -> Iterator[None]:
    """Around a page: an unexpected error ends that page's drawing with a message, not Streamlit's
    error screen; the answers stay in the session untouched. Logged value-free (safelog).
    Streamlit's own stop and rerun signals are not ``Exception`` and pass through."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the boundary
        logging.getLogger(__name__).error("Page failed", exc_info=exc)
        st.error(
            "**Something went wrong while drawing this page.** Your answers are kept as they were; "
            "the rest of this page is not shown. Choose the page again in the menu to retry; if it "
            "keeps happening, download the case file from Intake and report the problem.",
            icon=":material/error:",
        )


@contextmanager
def one_case_per_run() -> Iterator[None]:
    """Within the block, every ``current_case()`` returns the case as it was on entry.

    Reading the form means reading every session-state key, a large share of an Intake
    rerun's server time when a run asks about twenty times. Widget changes and callbacks
    reach the session before a run starts, so within a run the answers stand still; the
    rows a section creates while it draws (an empty earlier loss or scan) read as the case
    already did.
    """
    token = _THIS_RUN.set(current_case())
    try:
        yield
    finally:
        _THIS_RUN.reset(token)


def current_case() -> CaseState:
    """The case the intake form describes now, or the problems that stop it being read."""
    pinned = _THIS_RUN.get()
    if pinned is not None:
        return pinned
    values = form_values()
    # The frame, the sidebar and the page all ask for the case in one rerun: build it once
    # per distinct set of answers.
    fingerprint = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))
    memo = st.session_state.get("_case_memo")
    if memo is not None and memo[0] == fingerprint:
        return memo[1]
    try:
        state = CaseState(form_to_case(values), [])
    except CaseError as exc:
        state = CaseState(None, exc.problems)
    st.session_state["_case_memo"] = (fingerprint, state)
    return state


def current_assessment(case: Case) -> AllAssessments:
    """The assessment of this session's case, recomputed only when the case changes."""
    fingerprint = case_to_json(case)
    memo = st.session_state.get("_assessment")
    if memo is None or memo[0] != fingerprint:
        memo = (fingerprint, assess_all(case, knowledge_base()))
        st.session_state["_assessment"] = memo
    return memo[1]


def guideline() -> str:
    return st.session_state.get("guideline", "acog")


def ensure_rows(path: str, minimum: int = 0) -> list[str]:
    """Row ids for a repeating field, created on first use."""
    rk = rows_key(path)
    rows = st.session_state.get(rk)
    if rows is None or len(rows) < minimum:
        rows = [*(rows or []), *(uuid.uuid4().hex[:8] for _ in range(minimum - len(rows or [])))]
        st.session_state[rk] = rows
    return list(rows)


def add_row(path: str) -> None:
    st.session_state[rows_key(path)] = [*st.session_state.get(rows_key(path), []), uuid.uuid4().hex[:8]]


def remove_row(path: str, row_id: str) -> None:
    st.session_state[rows_key(path)] = [r for r in st.session_state.get(rows_key(path), []) if r != row_id]
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{IN}{path}.{row_id}.")]:
        del st.session_state[k]


def _start_afresh() -> None:
    """End the lost-case notice and put every intake widget back to 'not answered'.

    Writing each value (rather than deleting it) makes Streamlit send it to the browser,
    which would otherwise keep showing what it had before the session was lost.
    """
    st.session_state.pop(LOST, None)
    st.query_params.pop("case", None)
    st.session_state.update(blank_form())


LOST = "_lost_case"  # set while this tab shows (or showed) a case this server session never held

# What a disconnected tab shows is the case as the server last saw it; once the server is gone
# it may no longer exist there. Streamlit 1.67 marks the connection on the app's root element
# (data-test-connection-state: CONNECTED, PINGING_SERVER, DISCONNECTED_FOREVER ...), so the page
# is greyed out and says so until it is connected again (and, after a restart, replaced by the
# lost-case notice on the first run of the new session).
STALE_PAGE_CSS = """<style>
.stApp[data-test-connection-state]:not([data-test-connection-state="CONNECTED"]) [data-testid="stMain"],
.stApp[data-test-connection-state]:not([data-test-connection-state="CONNECTED"]) [data-testid="stSidebarContent"] {
  opacity: 0.25; filter: grayscale(1); pointer-events: none; user-select: none;
}
.stApp[data-test-connection-state]:not([data-test-connection-state="CONNECTED"])::after {
  content: "Not connected to the server. What this page shows may no longer be the case the server \
holds: do not act on it. It is checked again when the connection returns.";
  position: fixed; z-index: 999990; left: 50%; top: 35%; transform: translateX(-50%);
  width: min(34rem, 90vw); padding: 1rem 1.25rem; border: 2px solid #8a3b00; border-radius: 0.5rem;
  background: #fff4e5; color: #3d1a00; font-weight: 600; line-height: 1.45;
}
</style>"""


# After a restart the browser reconnects by itself but does not rerun the page, so the old case
# would stay on screen, connected and looking live, until the next click. This watcher (no
# markup; an ``st.components.v2`` module, so no iframe and no inline <script>) asks for a rerun
# as soon as the connection is back; the new session's first run then finds the browser's old
# values and shows the lost-case notice instead (session_guard). On a mere network blip the
# session is still there and the rerun changes nothing.
RECONNECT_WATCH_JS = """
export default function (component) {
  window.__ciReconnected = component.setTriggerValue;  // the mount of the latest run
  const root = document.querySelector('[data-testid="stApp"]');
  if (!root || root.__ciWatching) return;
  root.__ciWatching = true;
  let lost = false;
  new MutationObserver(() => {
    if (root.getAttribute("data-test-connection-state") !== "CONNECTED") {
      lost = true;
    } else if (lost) {
      lost = false;
      window.__ciReconnected("reconnected", Date.now());
    }
  }).observe(root, { attributes: true, attributeFilter: ["data-test-connection-state"] });
}
"""
_reconnect_watch = st.components.v2.component("ci_reconnect_watch", js=RECONNECT_WATCH_JS)


def reconnect_watch() -> None:
    """Mount the reconnect watcher (once per run, in the sidebar, so it never moves)."""
    _reconnect_watch(key="reconnect-watch", on_reconnected_change=_no_op)


def _no_op() -> None:
    """A trigger callback: the rerun it causes is the point."""


def _intake_values_sent_by_browser() -> bool:
    """True when this run received intake widget values before this session drew any widget.

    After a server restart the browser reconnects to a new session and, in that session's first
    run, re-sends the values its widgets still show. They arrive keyed by element id
    (``$$ID-<hash>-<key>``, ``streamlit/elements/lib/utils.py``, ``compute_and_register_element_id``)
    and are not visible through ``st.session_state`` until a widget with that key is drawn, so
    they are looked for where Streamlit 1.67 holds them (no public API; a test pins this).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.state.common import is_keyed_element_id

    ctx = get_script_run_ctx()
    try:
        widget_ids = list(ctx.session_state._state._new_widget_state.states)  # type: ignore[union-attr]
    except AttributeError:
        return False
    return any(is_keyed_element_id(i) and i.split("-", 2)[2].startswith(IN) for i in widget_ids)


def session_guard() -> bool:
    """Never show, as this patient's case, values this server session did not issue.

    The case exists only in server memory. After a server restart (or an expired session) the
    browser reconnects to a fresh session and re-sends the values its widgets still show, but not
    the rest (scan rows, earlier losses and births). Taking that remnant would present a partial
    case as if it were the patient's. So when a session's first run brings intake values, or the
    URL carries the ``case=open`` marker (no clinical content) of a case this session never held
    (a reload), the session is marked lost. While it is lost no page is drawn (no verdict, no
    summary, no download): only the notice, with **Start a new case** and a case-file upload,
    and it stays so however often the user clicks, until one of those two is used.

    Returns True when the page must not be drawn in this run. Not drawing the old widgets is what
    makes the browser drop their values.
    """
    ss = st.session_state
    st.html(STALE_PAGE_CSS)
    first_run = "_session_started" not in ss
    ss["_session_started"] = True
    if first_run:
        carried = [k for k in ss if isinstance(k, str) and k.startswith(IN)]
        if carried or _intake_values_sent_by_browser():
            for k in carried:
                del ss[k]
            ss[LOST] = True
        elif st.query_params.get("case") == "open":
            ss[LOST] = True
    if ss.get(LOST):
        _lost_case_notice()
        return True
    state = current_case()
    # A case that cannot be read (problems listed) is still a case being entered.
    if state.case is None or overall(completeness(state.case))[0] > 0:
        if st.query_params.get("case") != "open":
            st.query_params["case"] = "open"
    elif "case" in st.query_params:
        del st.query_params["case"]  # nothing entered: a reload has nothing to lose
    return False


def _lost_case_notice() -> None:
    with st.container(border=True, key="lost-case"):
        st.warning(
            "**The case that was open in this tab is no longer on the server** (the server restarted, "
            "the session expired, or the page was reloaded). Nothing is stored on the server, so it "
            "cannot be recovered here. What this tab still showed has been set aside rather than shown "
            "as a partial case: no answer, verdict or summary is shown until you start a new case or "
            "load the case file, if you downloaded one.",
            icon=":material/warning:",
        )
        left, right = st.columns(2)
        left.button("Start a new case", key="lost-dismiss", icon=":material/restart_alt:", on_click=_start_afresh)
        with right:
            case_file_uploader()
            upload_outcome()


def clear_case() -> None:
    """Forget everything entered in this session. Call it from a widget callback.

    Every intake widget is set back to 'not answered' rather than deleted: a written value is
    sent to the browser, while a deleted one leaves the browser showing (and later sending
    back) what it had.
    """
    for k in [k for k in st.session_state if isinstance(k, str) and (k.startswith(IN) or k.startswith(ROWS))]:
        del st.session_state[k]
    st.session_state.update(blank_form())
    for k in ("_assessment", "upload_problems", "upload_more", "upload_message", "upload_name", LOST):
        st.session_state.pop(k, None)
    st.query_params.pop("case", None)
    st.session_state["uploader_round"] = st.session_state.get("uploader_round", 0) + 1


UPLOAD_LABEL = "Upload a case file (JSON, at most 256 KB)"


def case_file_uploader() -> None:
    """The case-file uploader (Intake, and the lost-case notice). A new key per file read, so the
    uploader lets go of each file once it has been read (Streamlit frees it with the widget)."""
    st.file_uploader(
        UPLOAD_LABEL,
        type=["json"],
        key=f"uploader_{st.session_state.get('uploader_round', 0)}",
        on_change=load_case_file,
        help="The current case is replaced only if the whole file is valid.",
    )


def upload_outcome() -> None:
    """What became of the last file chosen: loaded, or refused with what is wrong in it."""
    about = f"File: {md_text(st.session_state.get('upload_name', ''))}"
    if st.session_state.get("upload_problems"):
        st.error("That file was not loaded; the current case is unchanged.", icon=":material/error:")
        st.caption(about)
        problem_list(st.session_state["upload_problems"], st.session_state.get("upload_more", 0))
    elif st.session_state.get("upload_message"):
        st.success(st.session_state["upload_message"], icon=":material/task_alt:")
        st.caption(about)


def load_case_file() -> None:
    """on_change of the uploader: replace the case only if the whole file is valid.

    One boundary: whatever the file holds, the outcome is a message in the page's words and the
    case as it was; nothing raised here reaches Streamlit's error screen.
    """
    round_key = f"uploader_{st.session_state.get('uploader_round', 0)}"
    uploaded = st.session_state.get(round_key)
    for k in ("upload_problems", "upload_more", "upload_message", "upload_name"):
        st.session_state.pop(k, None)
    if uploaded is None:
        return
    # The next uploader has a new key, so this one (and the file it holds) is dropped.
    st.session_state["uploader_round"] = st.session_state.get("uploader_round", 0) + 1
    # Named beside the message, so a message left from an earlier file (one the uploader itself
    # refused never reaches the app) is not read as being about the file just chosen.
    name = str(getattr(uploaded, "name", ""))[:120]
    st.session_state["upload_name"] = name
    try:
        case = case_from_json(uploaded.getvalue())
    except CaseError as exc:
        st.session_state["upload_problems"] = exc.problems
        st.session_state["upload_more"] = exc.more
        return
    except Exception as exc:  # noqa: BLE001 - the boundary: logged value-free, the case kept
        logging.getLogger(__name__).error("Case file could not be read", exc_info=exc)
        st.session_state["upload_problems"] = [("file", "could not be read as a case file")]
        return
    clear_case()  # forgets the last file's name too, so it is set again below
    st.session_state.update(case_to_form(case))
    st.session_state["upload_name"] = name
    st.session_state["upload_message"] = "Case file loaded. Check the answers below before relying on them."


# --------------------------------------------------------------------------- citations


def cite_marks(cites: Iterable[Cite]) -> str:
    """Inline numbered citations, e.g. "[3, 12]"; the numbers match the References page."""
    return marks(cites)


def sources(cites: Iterable[Cite], label: str = "Sources", key: str | None = None) -> None:
    """The cited references with their locators and links, and a link to the References page.

    Three elements whatever the number of references (Streamlit's cost is per element); the
    text is built once per set of citations for the process's knowledge base.
    """
    block = sources_block(knowledge_base(), cites, label)
    if block is None:
        return
    with st.expander(block.title):
        st.markdown(block.text)
        st.page_link(
            "pages/references.py",
            label="Open these in References",
            icon=":material/menu_book:",
            query_params={"refs": block.numbers},
        )


def badge(status: str, text: str | None = None) -> None:
    words, icon, colour = STATUS_LOOK.get(status, (status, ":material/info:", "gray"))
    st.badge(text or words, icon=icon, color=colour)


def badge_markdown(status: str, text: str | None = None) -> str:
    """The same badge as ``badge`` (words, icon, colour), as Markdown to put inside a longer text."""
    words, icon, colour = STATUS_LOOK.get(status, (status, ":material/info:", "gray"))
    inner = (text or words).replace("[", "(").replace("]", ")")
    return f":{colour}-badge[{icon} {inner}]"


def bottom_line_card(result: AllAssessments | None) -> None:
    """The bottom line of the guideline in use: one bordered card, one Markdown element, the same
    words on every page (built by ``views.bottom_line_markdown`` from the engine's object).
    Without a case that can be read (``None``) the card says so and shows no verdict."""
    with st.container(border=True, key="bottom-line"):
        if result is None:
            st.markdown("**Bottom line:** not shown until the answers marked below are fixed.")
        else:
            st.markdown(bottom_line_markdown(result.guidelines[guideline()].bottom_line, badge_markdown))


def status_words(status: str) -> str:
    words, icon, _ = STATUS_LOOK.get(status, (status.replace("_", " "), "", ""))
    return f"{icon} {words}".strip()


# --------------------------------------------------------------------------- frame


@st.dialog("Start a new case?")
def _confirm_new_case() -> None:
    st.write("This clears every answer in this browser tab. Download the case file first if you need it.")
    left, right = st.columns(2)
    if left.button("Clear everything", type="primary", icon=":material/delete:", width="stretch", on_click=clear_case):
        st.rerun()
    if right.button("Keep the case", width="stretch"):
        st.rerun()


def sidebar(kb: KnowledgeBase, lost: bool = False) -> None:
    """Guideline choice, the case at a glance and the New case button, on every page."""
    with st.sidebar:
        reconnect_watch()
        st.radio(
            "Guideline in use",
            GUIDELINES,
            format_func=lambda g: GUIDELINE_NAMES[g],
            key="guideline",
            persist_state=PERSIST,
            help="The Criteria and Treatments pages show this guideline first; every page also compares all three.",
        )
        st.markdown("**This case**")
        if lost:
            st.markdown("No case is open: the one this tab showed is no longer on the server.")
        else:
            show_glance()
        if st.button("New case", icon=":material/restart_alt:", width="stretch"):
            _confirm_new_case()
        st.caption(
            f"Knowledge base {kb.meta.version}, reviewed {kb.meta.last_reviewed:%d %b %Y}. "
            "Decision support only; nothing you enter is stored."
        )
        # The scope and the draft status, one click from every page (data/safety.yaml).
        st.page_link("pages/safety.py", label="Scope and safety (draft)", icon=":material/health_and_safety:")


def show_glance(verdict: bool = True) -> None:
    """The case at a glance: one element, the list, the count and the bottom line."""
    state = current_case()
    if state.case is None:
        st.error(f"{len(state.problems)} answer(s) need attention on the Intake page.", icon=":material/error:")
        return
    done, total = overall(completeness(state.case))
    lines = [f"- {line}" for line in glance(state.case)]
    text = "\n".join(lines) + f"\n\nIntake {done} of {total} answered"
    if verdict:  # the bottom line, in the same words as the cards (never on a lost session)
        text += "\n\n" + sidebar_bottom_line(current_assessment(state.case).guidelines[guideline()].bottom_line)
    st.markdown(text)


def glance(case: Case) -> list[str]:
    """A few lines that say who this is: gestational age, plurality, the findings that matter."""
    ga = f"{case.gestational_age} weeks" if case.gestational_age else "unknown"
    lines = [f"Gestational age: {ga}", f"Fetuses: {case.fetuses if case.fetuses else 'unknown'}"]
    h = case.history
    if h.second_trimester_losses:
        losses = h.second_trimester_losses
        painless = sum(loss.painless == Tri.present for loss in losses)
        lines.append(f"Second-trimester losses: {len(losses)} ({painless} recorded as painless)")
    if h.spontaneous_preterm_births:
        lines.append(f"Spontaneous preterm births: {len(h.spontaneous_preterm_births)}")
    if h.prior_cerclage == Tri.present:
        details = [
            CHOICE_WORDS[v.value].lower()
            for v in (h.prior_cerclage_reason, h.prior_cerclage_route)
            if v.value != "unknown"
        ] + {"present": ["failed"], "absent": ["did not fail"]}.get(h.prior_cerclage_failed.value, [])
        lines.append("Earlier cerclage" + (f": {', '.join(details)}" if details else ""))
    if case.cerclage.in_place == Tri.present:
        lines.append(cerclage_in_place_words(case.cerclage))
    if case.exam.cervical_dilation_cm is not None:
        lines.append(f"Dilation: {case.exam.cervical_dilation_cm:g} cm")
    if case.ultrasound.cervical_lengths:
        last = sorted(case.ultrasound.cervical_lengths, key=lambda s: s.gestational_age.total_days)[-1]
        lines.append(f"Latest cervical length: {last.cervical_length_mm:g} mm at {last.gestational_age} weeks")
    present = [
        label_of(f"exclusions.{name}")
        for name in ("labour", "bleeding_or_abruption", "ruptured_membranes", "clinical_chorioamnionitis")
        if getattr(case.exclusions, name).value == "present"
    ]
    if case.exclusions.amniocentesis.value == "infection_found":
        present.append("Infection on amniocentesis")
    if present:
        lines.append("Present: " + ", ".join(present))
    return lines


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$"


def md_escape(text: str) -> str:
    """Text that Markdown shows literally (field names from an uploaded file are untrusted)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def problem_lines(problems: list[tuple[str, str]]) -> list[str]:
    """Problems that stop the case being read, as Markdown list items naming field and section."""
    lines = []
    for path, message in problems:
        if path.startswith("("):
            lines.append(f"- **The file**: {md_escape(message)}")
            continue
        place = place_of(path)
        if place is not None:
            section = SECTIONS.get(section_of(path.split("[")[0]), "")
            lines.append(f"- **{md_escape(place)}** ({section}): {md_escape(message)}")
        else:
            # A name we do not know came from the file: show it as code, which Markdown never
            # turns into a link, emphasis or HTML.
            fence = "``" if "`" in path else "`"
            lines.append(f"- {fence} {path} {fence}: {md_escape(message)}")
    return lines


def problem_list(problems: list[tuple[str, str]], more: int = 0) -> None:
    """Problems that stop the case being read, each named by its field and section: at most a
    screenful (``messages.SHOWN_PROBLEMS``), then how many more, in one element."""
    shown, left_out = cap_messages(problems)
    lines = problem_lines(shown)
    if left_out + more:
        lines.append(f"- *{more_line(left_out + more)}*")
    st.markdown("\n".join(lines))


def entered_twice_warning(case: Case) -> None:
    """Ask the clinician to check a pregnancy that may be recorded both as a loss and as a birth."""
    twice = history_entered_twice(case)
    if twice:
        st.warning(entered_twice_text(twice), icon=":material/content_copy:")


def blocked_by_problems(problems: list[tuple[str, str]]) -> None:
    st.error("The intake has answers that cannot be used yet, so no verdict is shown.", icon=":material/error:")
    problem_list(problems)
    st.page_link("pages/intake.py", label="Go to the intake", icon=":material/edit_note:")


__all__ = [
    "protect_process",
    "require_frame",
    "BIRTH_LISTS",
    "SCANS",
    "PERSIST",
    "CaseState",
    "add_row",
    "glance",
    "one_case_per_run",
    "remove_row",
    "problem_list",
    "problem_lines",
    "badge",
    "badge_markdown",
    "blocked_by_problems",
    "cite_marks",
    "clear_case",
    "current_assessment",
    "current_case",
    "ensure_rows",
    "entered_twice_warning",
    "guideline",
    "knowledge_base",
    "load_case_file",
    "sidebar",
    "sources",
    "status_words",
]
