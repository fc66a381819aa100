"""A session the server does not know never shows, as the case, values it did not issue.

The browser side (a real restart, reconnect, reload) is in tests/browser/test_e2e_restart.py;
here the guard's two inputs are pinned: the values Streamlit holds for widgets not drawn yet
(internal to Streamlit 1.67, so a change there fails this test rather than the guard silently),
and the lost state's stickiness through clicks and page changes in AppTest.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest

from dashboard import ui
from dashboard.case import case_from_json
from dashboard.intake import case_to_form, key

ROOT = Path(__file__).parents[1]
ACUTE = ROOT / "tests" / "scenarios" / "acute_painless_dilation_20_weeks.json"
LOST = "no longer on the server"


def _browser_sent(*user_keys: str) -> SimpleNamespace:
    """A script-run context whose session received these widget values from a browser,
    under Streamlit's element ids, before any widget was drawn (a reconnect's first run)."""
    states = WidgetStates()
    for n, user_key in enumerate(user_keys):
        widget = states.widgets.add()
        widget.id = f"$$ID-{n:032x}-{user_key}"
        widget.string_value = "19"
    session_state = SessionState()
    session_state.set_widgets_from_proto(states)
    return SimpleNamespace(session_state=SafeSessionState(session_state, lambda: None))


@pytest.mark.parametrize(
    ("sent", "stale"),
    [
        ((key("gestational_age.weeks"),), True),
        (("guideline", key("fetuses")), True),
        (("guideline",), False),  # the guideline choice is not the case
        ((), False),
    ],
)
def test_values_a_browser_resends_after_a_restart_are_found(monkeypatch, sent, stale) -> None:
    """Intake values held under element ids (not visible in st.session_state) are recognised."""
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda: _browser_sent(*sent))
    assert ui._intake_values_sent_by_browser() is stale


def _app(url_marker: bool) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if url_marker:
        at.query_params["case"] = "open"
    return at.run()


def _main_text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.main.markdown, *at.main.warning, *at.main.error])


def test_a_reload_of_a_tab_with_a_case_is_lost_until_a_new_case_is_started() -> None:
    """The case=open marker of a case this session never held: the notice, on every page and after
    every click, and no page content, until Start a new case."""
    at = _app(url_marker=True)
    assert not at.exception
    assert LOST in _main_text(at)
    assert not at.text_input  # no intake field drawn
    for page in ("pages/intake.py", "pages/criteria.py", "pages/treatments.py"):
        at.switch_page(page).run()
        assert LOST in _main_text(at), page
        assert "Bottom line" not in _main_text(at)
        assert not at.text_input
    at.sidebar.radio(key="guideline").set_value("rcog").run()
    assert LOST in _main_text(at)
    assert "No case is open" in " ".join(m.value for m in at.sidebar.markdown)

    at.button(key="lost-dismiss").click().run()
    assert LOST not in _main_text(at)
    at.switch_page("pages/intake.py").run()
    assert not at.exception
    assert LOST not in _main_text(at)
    assert at.session_state[key("gestational_age.weeks")] in (None, "")


def test_intake_values_in_the_first_run_are_set_aside_not_taken() -> None:
    """Values present at a session's first run are deleted and announced, never assessed."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    for k, v in case_to_form(case_from_json(ACUTE.read_bytes())).items():
        at.session_state[k] = v
    at.run()
    assert LOST in _main_text(at)
    assert key("gestational_age.weeks") not in at.session_state
    at.switch_page("pages/criteria.py").run()
    assert LOST in _main_text(at)
    assert not any("Meets the criteria" in m.value for m in at.main.markdown)


def test_a_fresh_tab_is_not_called_lost() -> None:
    """No marker and nothing sent: the front page, no notice."""
    at = _app(url_marker=False)
    assert not at.exception
    assert LOST not in _main_text(at)
