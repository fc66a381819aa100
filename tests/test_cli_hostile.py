"""The command line under hostile files: every refusal exits 2 with a message naming the field, the
file or the position, never a traceback; at most 20 problems then a count; nothing the file holds
reaches the terminal unescaped."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.case import MAX_CASE_FILE_BYTES, CaseError, case_from_json
from dashboard.cli import EXIT_INVALID_CASE, main
from dashboard.messages import SHOWN_PROBLEMS, cap_messages, more_line, visible
from tests.strategies import ga

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "classic_history_three_losses.json"
# What a terminal would act on: ESC (CSI sequences), CR, BEL, backspace, NUL, DEL, C1 CSI, bidi overrides
# and isolates, zero-width characters, the line and paragraph separators.
HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
TERMINAL_CONTROLS = "\x1b\r\x07\x08\x00\x7f\x9b\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200f\u2028\u2029\ufeff"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def refuse(path: Path) -> str:
    """Runs `assess` on ``path``, checks it is refused (exit 2, nothing on stdout), and gives stderr."""
    code, out, err = run("assess", str(path))
    assert (code, out) == (EXIT_INVALID_CASE, ""), err
    assert err.startswith(f"{path}: ") and "Traceback" not in err
    return err


def assert_no_terminal_controls(text: str) -> None:
    """No character a terminal acts on (controls, format characters, separators...) but the newline."""
    hidden = {ch for ch in text if ch != "\n" and unicodedata.category(ch) in HIDDEN_CATEGORIES}
    assert not hidden, ascii(text)


def put(tmp_path: Path, raw: bytes, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


# --------------------------------------------------------------------------- every way a file is refused


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"fetuses": ' + b"9" * 4301 + b"}", "(file): holds a number of 4301 digits"),
        (b"[" * 1000 + b"]" * 1000, "(file): nests 1000 levels deep"),
        (b'{"a":' * 1000 + b"1" + b"}" * 1000, "(file): nests 1000 levels deep"),
        (random.Random(11).randbytes(4096), "(file): is not UTF-8 text"),
        ('{"fetuses": 1}'.encode("utf-16"), "(file): is UTF-16 text"),
        ('{"fetuses": 1}'.encode("utf-16-le"), "(file): is UTF-16 text"),
        ('{"fetuses": 1}'.encode("utf-32"), "(file): is UTF-32 text"),
        ('{"fetuses": 1}'.encode("utf-32-be"), "(file): is UTF-32 text"),
        (b"", "(file): is empty"),
        (b" \n\t ", "(file): is empty"),
        (b'{"fetuses": 1', "(file): is not valid JSON (line 1, column 14)"),
        (b'{"fetuses": 1} trailing', "(file): is not valid JSON (line 1, column 16)"),
        (b'{"fetuses": 1 /* twins? */}', "(file): is not valid JSON (line 1, column 15)"),
        (b'{"fetuses": 1, "fetuses": 3}', "(file): names the key 'fetuses' twice"),
        (b'{"fetuses": true}', "fetuses: "),
        (b'{"fetuses": "2"}', "fetuses: "),
        (b"[]", "(case): a case file is a JSON object"),
        (b"{}" + b" " * MAX_CASE_FILE_BYTES, "(file): is larger than 256 KB"),
    ],
    ids=[
        "4301-digit-integer", "nested-arrays-1000", "nested-objects-1000", "random-bytes", "utf-16-bom",
        "utf-16-no-bom", "utf-32-bom", "utf-32-no-bom", "empty", "only-whitespace", "truncated",
        "trailing-garbage", "comment", "duplicate-key", "boolean-as-number", "number-as-string", "array",
        "over-256-kb",
    ],
)  # fmt: skip
def test_a_hostile_file_exits_2_with_one_message_saying_why(tmp_path: Path, raw: bytes, words: str) -> None:
    """Each hostile file exits 2 with the file's name, then a line naming the field or the file and what is wrong."""
    err = refuse(put(tmp_path, raw))
    assert f"  {words}" in err


def test_a_huge_file_is_refused_without_being_read_into_memory(tmp_path: Path) -> None:
    """A 64 MB file is refused as too large, quickly, having read no more than one byte past the limit."""
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: no 64 MB written
    start = time.perf_counter()
    err = refuse(path)
    assert "  (file): is larger than 256 KB; a case file is at most 256 KB" in err
    assert time.perf_counter() - start < 1.0


def test_an_endless_device_is_refused_as_too_large() -> None:
    """/dev/zero, which never ends, is refused as too large rather than read forever."""
    assert "(file): is larger than 256 KB" in refuse(Path("/dev/zero"))


def test_a_directory_exits_2_saying_it_cannot_be_read(tmp_path: Path) -> None:
    """A directory given as the case file exits 2: it cannot be read."""
    assert refuse(tmp_path) == f"{tmp_path}: cannot be read (Is a directory)\n"


def test_a_missing_file_exits_2_saying_it_cannot_be_read(tmp_path: Path) -> None:
    """A case file that does not exist exits 2: it cannot be read, and the reason is given."""
    path = tmp_path / "no-such-case.json"
    assert refuse(path) == f"{path}: cannot be read (No such file or directory)\n"


def test_an_unreadable_file_exits_2_saying_it_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A case file the user may not read exits 2 with the reason (the tests may run as root, so open refuses here)."""
    path = put(tmp_path, SCENARIO.read_bytes())

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    assert refuse(path) == f"{path}: cannot be read (Permission denied)\n"


def test_an_unexpected_error_in_the_reader_still_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the reader ever raise something other than CaseError, the command still exits 2 with a message."""

    def broken(raw: bytes) -> Any:
        raise AttributeError("a bug")

    monkeypatch.setattr("dashboard.cli.case_from_json", broken)
    err = refuse(put(tmp_path, SCENARIO.read_bytes()))
    assert "  (file): could not be read (AttributeError)" in err


# --------------------------------------------------------------------------- the message cap


def scans_doc(n: int) -> dict[str, Any]:
    """A case at 20+0 with ``n`` scans, each with three bad fields."""
    bad = {"gestational_age": {"weeks": 50, "days": 9}, "cervical_length_mm": -1}
    return {"gestational_age": ga("20+0"), "ultrasound": {"cervical_lengths": [bad] * n}}


def test_thousands_of_bad_entries_give_20_messages_and_a_count_quickly(tmp_path: Path) -> None:
    """2,500 bad scans (7,500 problems) are refused within a second with the first 20 problems and one line
    counting the other 7,480."""
    path = put(tmp_path, json.dumps(scans_doc(2500)).encode())
    start = time.process_time()
    err = refuse(path)
    elapsed = time.process_time() - start
    lines = err.splitlines()
    assert len(lines) == 1 + SHOWN_PROBLEMS + 1
    assert lines[1] == (
        "  ultrasound.cervical_lengths[0].gestational_age.weeks: 50 is out of range (completed weeks, 0 to 42)"
    )
    assert lines[-1] == "  \u2026 and 7,480 more problems"
    assert elapsed < 1.0


def test_the_fullest_file_of_bad_entries_is_refused_within_a_second(tmp_path: Path) -> None:
    """256 KB of nothing but bad list entries (131,000 problems) is refused within a second, naming the first."""
    entries = (MAX_CASE_FILE_BYTES - 64) // 2
    raw = b'{"ultrasound": {"cervical_lengths": [' + b",".join([b"0"] * entries) + b"]}}"
    path = put(tmp_path, raw)
    start = time.process_time()
    err = refuse(path)
    elapsed = time.process_time() - start
    lines = err.splitlines()
    assert lines[1].startswith("  ultrasound.cervical_lengths[0]: ")
    assert lines[-1] == f"  \u2026 {more_line(entries - SHOWN_PROBLEMS)}"
    assert elapsed < 1.0


def test_a_file_with_20_problems_lists_them_all_with_no_count(tmp_path: Path) -> None:
    """Twenty problems are all listed, with no "more problems" line."""
    doc = {f"extra_{i:02d}": 1 for i in range(SHOWN_PROBLEMS)}
    lines = refuse(put(tmp_path, json.dumps(doc).encode())).splitlines()
    assert len(lines) == 1 + SHOWN_PROBLEMS and "more problem" not in lines[-1]


def test_a_file_with_21_problems_lists_20_and_one_more(tmp_path: Path) -> None:
    """Twenty-one problems: twenty listed, then "and 1 more problem"."""
    doc = {f"extra_{i:02d}": 1 for i in range(SHOWN_PROBLEMS + 1)}
    lines = refuse(put(tmp_path, json.dumps(doc).encode())).splitlines()
    assert lines[-1] == "  \u2026 and 1 more problem" and len(lines) == 1 + SHOWN_PROBLEMS + 1


@settings(max_examples=200, deadline=None)
@given(messages=st.lists(st.text(max_size=3), max_size=60), limit=st.integers(0, 40))
def test_cap_messages_keeps_the_first_in_order_and_counts_the_rest(messages: list[str], limit: int) -> None:
    """cap_messages gives the first ``limit`` messages unchanged and the number left out; together they are all."""
    shown, left_out = cap_messages(messages, limit)
    assert shown == messages[:limit] and left_out == len(messages) - len(shown) >= 0


@pytest.mark.parametrize(("n", "words"), [(1, "and 1 more problem"), (2, "and 2 more problems"),
                                          (7480, "and 7,480 more problems")])  # fmt: skip
def test_more_line_counts_in_words(n: int, words: str) -> None:
    """more_line says how many problems are not listed, singular for one."""
    assert more_line(n) == words


# --------------------------------------------------------------------------- nothing raw reaches the terminal


@pytest.mark.parametrize("control", list(TERMINAL_CONTROLS), ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_a_key_or_value_is_shown_escaped(tmp_path: Path, control: str) -> None:
    """A terminal control in a stray key or a wrong answer is printed as its escape (\\x1b, \\u202e), never raw."""
    key, value = f"name{control}[31m", f"present{control}[2J"
    doc = {key: 1, "exclusions": {"labour": value}}
    err = refuse(put(tmp_path, json.dumps(doc).encode()))
    assert_no_terminal_controls(err)
    assert f"  {visible(key)}: is not a field" in err
    assert f"  exclusions.labour: {visible(repr(value))} is not an answer here" in err


def test_a_raw_escape_sequence_in_the_file_name_is_shown_escaped(tmp_path: Path) -> None:
    """The file's own name is escaped where it is printed."""
    path = put(tmp_path, b"not json", name="case\x1b[2J\u202e.json")
    code, _, err = run("assess", str(path))
    assert code == EXIT_INVALID_CASE
    assert_no_terminal_controls(err)
    assert err.startswith(visible(str(path)) + ": ")


def test_a_duplicate_key_full_of_controls_is_named_escaped(tmp_path: Path) -> None:
    """A key named twice is named in the message with its control characters escaped."""
    err = refuse(put(tmp_path, b'{"a\\u001b[31m\\u202e": 1, "a\\u001b[31m\\u202e": 2}'))
    assert_no_terminal_controls(err)
    assert "a\\u001b[31m\\u202e" in err


@pytest.mark.parametrize("output", ["json", "text"])
def test_a_valid_report_holds_no_terminal_controls_and_json_is_ascii(output: str) -> None:
    """A report for a valid case holds no control characters; the JSON report is ASCII and valid JSON."""
    code, out, _ = run("assess", str(SCENARIO), "--format", output)
    assert code == 0
    assert_no_terminal_controls(out)
    if output == "json":
        assert out.isascii() and json.loads(out)["guidelines"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(min_size=1, max_size=8), value=st.text(max_size=8))
def test_any_text_in_a_refused_file_reaches_stderr_escaped(tmp_path: Path, key: str, value: str) -> None:
    """Whatever characters a stray key or a wrong answer holds, stderr shows only printable characters."""
    doc = {"exclusions": {"labour": f"x{value}", f"x{key}": 1}}
    code, out, err = run("assess", str(put(tmp_path, json.dumps(doc).encode())))
    assert (code, out) == (EXIT_INVALID_CASE, "")
    assert_no_terminal_controls(err)


def test_visible_leaves_printable_text_alone_and_escapes_the_rest() -> None:
    """visible() keeps letters, symbols and spaces, and writes controls as Python-style escapes."""
    assert visible("≥ 25 mm – é\u00a0") == "≥ 25 mm – é\u00a0"
    assert visible("a\x1b[31m\r\n\x00\u202e\ud800\U000e0001") == "a\\x1b[31m\\r\\n\\x00\\u202e\\ud800\\U000e0001"


# --------------------------------------------------------------------------- in a fresh interpreter


@pytest.mark.parametrize(
    "raw",
    [b'{"fetuses": ' + b"9" * 4301 + b"}", b"[" * 1000 + b"]" * 1000, random.Random(5).randbytes(2048),
     '{"fetuses": 1}'.encode("utf-16"), b"", b'{"\\u001b[2J\\u202e": 1}'],
    ids=["4301-digits", "nesting-1000", "random-bytes", "utf-16", "empty", "escape-in-key"],
)  # fmt: skip
def test_the_program_exits_2_without_a_traceback(tmp_path: Path, repo_root: Path, raw: bytes) -> None:
    """`python -m dashboard assess` on each hostile file exits 2, prints no traceback and nothing raw."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "assess", str(put(tmp_path, raw))],
        cwd=repo_root, capture_output=True, timeout=120,
    )  # fmt: skip
    stderr = done.stderr.decode("utf-8")
    assert (done.returncode, done.stdout, "Traceback" in stderr) == (EXIT_INVALID_CASE, b"", False), stderr
    assert_no_terminal_controls(stderr)


def test_the_reader_and_the_command_line_agree(tmp_path: Path) -> None:
    """The command line prints the first problems of the CaseError the reader raises, in its order."""
    raw = json.dumps(scans_doc(30)).encode()
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    lines = refuse(put(tmp_path, raw)).splitlines()
    expected = [f"  {p}: {m}" for p, m in caught.value.problems[:SHOWN_PROBLEMS]]
    assert lines[1:-1] == expected and lines[-1] == f"  \u2026 {more_line(len(caught.value.problems) - SHOWN_PROBLEMS)}"


@pytest.mark.parametrize("case_file", ["hostile", "valid"])
def test_a_reader_that_goes_away_does_not_change_the_exit_status(
    tmp_path: Path, repo_root: Path, case_file: str
) -> None:
    """With its output pipes closed (`| head` that has quit), the program still exits 2 for a refused file and 0
    for a report, with no traceback (a broken pipe would otherwise end it with status 1)."""
    path = put(tmp_path, json.dumps(scans_doc(2500)).encode()) if case_file == "hostile" else SCENARIO
    program = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "assess", str(path)],
        cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert program.stdout and program.stderr
    program.stdout.close()
    program.stderr.close()
    assert program.wait(timeout=120) == (EXIT_INVALID_CASE if case_file == "hostile" else 0)
