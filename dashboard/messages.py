"""Problem lists for people: at most a screenful, then one line saying how many more.

A hostile or badly broken case file can hold thousands of bad entries. Listing every one buries
the first (which usually says what went wrong) and makes the refusal slow to read, so the
command line and the page show the first few and count the rest, with the same function and
the same words.
"""

from __future__ import annotations

import unicodedata
from typing import TypeVar

SHOWN_PROBLEMS = 20  # problems listed before "and N more problems"

Message = TypeVar("Message")


def cap_messages(messages: list[Message], limit: int = SHOWN_PROBLEMS) -> tuple[list[Message], int]:
    """The first ``limit`` messages, in order, and how many were left out."""
    if limit < 0:
        raise ValueError(f"limit is {limit}; it cannot be negative")
    shown = messages[:limit]
    return shown, len(messages) - len(shown)


def more_line(left_out: int) -> str:
    """The line that stands for the problems not listed: "and 1 more problem", "and 2,480 more problems"."""
    return f"and {left_out:,} more problem{'' if left_out == 1 else 's'}"


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# Unicode categories a terminal acts on instead of showing: controls (ESC, CR, NUL, DEL, C1),
# format characters (bidi overrides such as U+202E, zero-width joiners, the BOM), surrogates,
# private-use and unassigned code points, and the line and paragraph separators.
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def visible(text: str) -> str:
    """``text`` with every character a terminal would act on instead of show written as an escape
    (ESC as ``\\x1b``, U+202E as ``\\u202e``), so text from a file cannot move the cursor, recolour
    the screen, overwrite a line or reverse what follows it. A newline is escaped too: one
    message stays one line."""
    if text.isprintable():  # the usual case: nothing to do
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _HIDDEN else ch for ch in text)
