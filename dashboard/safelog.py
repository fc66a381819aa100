"""Logging that cannot carry what was entered: every log record is made value-free when created.

A failing run once wrote a raw widget value into the server log: the exception's message (and a
log call's arguments) can hold anything the script had in hand. ``install`` replaces the
process's log-record factory, so every record, from Streamlit, uvicorn or the app, keeps only

* its level, logger name and the message *template* as written in the code (``"%s"`` stays
  ``"%s"``: the arguments are never interpolated, and "[values withheld]" says some were given);
* for an exception: its type and where it was raised (file, line, function of the last frames),
  never its message, its traceback's source lines or any frame's local variables.

Uncaught exceptions in the main or another thread are sent through the same path, as is anything
Python's ``warnings`` module would print. Plain Python: no streamlit import.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

WITHHELD = "[values withheld]"
_FRAMES = 6  # the last frames of a traceback, enough to find the failing line


def _where(path: str) -> str:
    """A file as a short relative name: a path inside the project, else the file's name."""
    parts = Path(path).parts
    for anchor in ("dashboard", "pages", "site-packages"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return Path(path).name


def exception_outline(error: BaseException) -> str:
    """The exception's type and location, and those of its causes: no message, no values."""
    outline: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(outline) < 4:
        seen.add(id(current))
        kind = type(current)
        frames = traceback.extract_tb(current.__traceback__)[-_FRAMES:]
        places = " < ".join(f"{_where(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))
        outline.append(f"{kind.__module__}.{kind.__qualname__}" + (f" at {places}" if places else ""))
        current = current.__cause__ or current.__context__
    return "; caused by ".join(outline)


def make_value_free(record: logging.LogRecord) -> logging.LogRecord:
    """The record without its arguments, exception message, traceback text or stack."""
    message = record.msg if isinstance(record.msg, str) else f"<{type(record.msg).__name__}>"
    if record.args:
        message = f"{message} {WITHHELD}"
    if isinstance(record.msg, BaseException):
        message = f"{message}: {exception_outline(record.msg)}"
    if record.exc_info and record.exc_info[1] is not None:
        message = f"{message} | {exception_outline(record.exc_info[1])}"
    record.msg, record.args = message, ()
    record.exc_info = record.exc_text = record.stack_info = None
    return record


def _value_free_factory(base):
    def factory(*args, **kwargs) -> logging.LogRecord:
        return make_value_free(base(*args, **kwargs))

    factory.value_free = True  # type: ignore[attr-defined]
    return factory


def _log_uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("dashboard").error("Uncaught exception", exc_info=(kind, error, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def installed() -> bool:
    """Whether this process's log records are made value-free."""
    return getattr(logging.getLogRecordFactory(), "value_free", False)


def install() -> None:
    """Make every later log record in this process value-free (idempotent)."""
    if installed():
        return
    logging.setLogRecordFactory(_value_free_factory(logging.getLogRecordFactory()))
    logging.captureWarnings(True)  # a warning's text can quote a value: through the factory too
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
