"""The server log cannot carry what was entered: no log argument, exception message or local."""

from __future__ import annotations

import io
import logging
import sys
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import safelog

REPO_ROOT = Path(__file__).resolve().parents[1]
SENTINEL = "zz_sentinel_81q"  # a value nobody would type by chance

FAILING_PAGE = f"""
import sys
sys.path.insert(0, {str(REPO_ROOT)!r})
import streamlit as st
from dashboard.ui import protect_process

protect_process()
st.session_state["cervical_length_mm"] = "{SENTINEL}"
entered = st.session_state["cervical_length_mm"]
raise ValueError(f"could not read {{entered!r}}")
"""


@pytest.fixture
def fresh_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from Python's own record factory and hooks; put them back afterwards."""
    monkeypatch.setattr(logging, "_logRecordFactory", logging.LogRecord)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def captured(logger_name: str, emit) -> str:
    """What a handler on ``logger_name`` writes while ``emit`` runs, with the full default format."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_failing_run_logs_no_entered_value(tmp_path, capfd, fresh_logging) -> None:
    """A page that raises with an entered value in its message logs the type and place, not the value."""
    page = tmp_path / "failing_page.py"
    page.write_text(FAILING_PAGE, encoding="utf-8")

    # Streamlit's own handler keeps the stream it was first given (an earlier test's capture), so
    # the records are read here through a handler of our own as well as from the process's output.
    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    streamlit_loggers = [logging.getLogger("streamlit")] + [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("streamlit.") and isinstance(logger, logging.Logger)
    ]
    for logger in streamlit_loggers:
        logger.addHandler(handler)
    try:
        at = AppTest.from_file(str(page), default_timeout=30).run()
    finally:
        for logger in streamlit_loggers:
            logger.removeHandler(handler)

    assert at.exception  # the run did fail
    out, err = capfd.readouterr()
    log = out + err + records.getvalue()
    assert "builtins.ValueError at failing_page.py:10" in log
    assert SENTINEL not in log


def test_log_arguments_and_exception_messages_are_withheld(fresh_logging) -> None:
    """Arguments are not interpolated and an exception keeps only its type and location."""
    safelog.install()

    def emit(logger: logging.Logger) -> None:
        logger.warning("cervical length %s mm", SENTINEL)
        try:
            {}[SENTINEL]
        except KeyError:
            logger.exception("lookup failed for %r", SENTINEL)
        logger.error(ValueError(SENTINEL))

    log = captured("dashboard.test", emit)

    assert SENTINEL not in log
    assert f"cervical length %s mm {safelog.WITHHELD}" in log
    assert "builtins.KeyError at test_safe_logging.py:" in log


def test_an_uncaught_exception_in_a_thread_is_value_free(fresh_logging) -> None:
    """A thread that dies reaches the log with its exception's type, not its text."""
    safelog.install()

    def fail() -> None:
        raise RuntimeError(SENTINEL)

    def emit(_: logging.Logger) -> None:
        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()

    log = captured("dashboard", emit)

    assert "builtins.RuntimeError" in log
    assert SENTINEL not in log


def test_the_app_installs_value_free_logging_on_its_first_run(at: AppTest) -> None:
    """The router installs value-free logging and the private downloads before drawing anything."""
    source = (REPO_ROOT / "streamlit_app.py").read_text(encoding="utf-8")

    assert safelog.installed()
    assert source.index("protect_process()") < source.index("st.navigation(")
