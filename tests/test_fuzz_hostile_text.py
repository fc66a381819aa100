"""Hostile case-file text and bytes, written token by token rather than by json.dumps.

Every example asserts its outcome: refused with a CaseError that names the field (or, for the
file as a whole, says why and where), or read as exactly the case the text spells, compared with
the same case written plainly. A value read differently from what the file says fails, and so
does any exception other than CaseError.
"""

from __future__ import annotations

import json
import math
import random
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.case import MAX_DEPTH, MAX_DIGITS, NAMED_PROBLEMS, Case, CaseError, case_from_json, case_to_json
from tests.strategies import case_dicts

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CASES = case_dicts()
Path = tuple[Any, ...]


# --------------------------------------------------------------------------- outcomes


def problems_of(raw: bytes | str) -> list[tuple[str, str]]:
    """The problems of a refused file (a CaseError, nothing else), each a place and a message."""
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    problems = caught.value.problems
    assert problems and all(isinstance(p, str) and p and m.strip() for p, m in problems)
    return problems


def assert_reads_as(raw: bytes | str, doc: dict[str, Any]) -> None:
    """``raw`` is accepted and is the case ``doc`` means, to the last digit (written out again identically)."""
    assert case_to_json(case_from_json(raw)) == case_to_json(case_from_json(json.dumps(doc)))


def assert_refused_at(raw: bytes | str, field: str) -> list[tuple[str, str]]:
    """``raw`` is refused and one problem names ``field`` (or a field inside it)."""
    problems = problems_of(raw)
    assert any(p == field or p.startswith((f"{field}.", f"{field}[")) for p, _ in problems), (field, problems)
    return problems


def position(text: str, pos: int) -> str:
    """JSON's "line L, column C" for a character offset."""
    return f"line {text.count(chr(10), 0, pos) + 1}, column {pos - text.rfind(chr(10), 0, pos)}"


def assert_syntax_error_at(raw: bytes | str, text: str, pos: int) -> None:
    """``raw`` is refused as not JSON, at the line and column of offset ``pos`` of ``text``."""
    [(where, message)] = problems_of(raw)
    assert (where, message) == ("(file)", f"is not valid JSON ({position(text, pos)})")


def dotted(path: Path) -> str:
    """A document path as CaseError names it: history.second_trimester_losses[0].painless."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def leaves(node: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """Every scalar (number, string, boolean, null) in the document with its path."""
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in leaves(value, (*path, key))]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in leaves(value, (*path, i))]
    return [(path, node)]


def objects(node: Any, path: Path = ()) -> list[Path]:
    """The path of every JSON object in the document, the document itself first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    inner = [p for key, value in items for p in objects(value, (*path, key))]
    return [path, *inner] if isinstance(node, dict) else inner


def depth(node: Any) -> int:
    """How many arrays and objects nest at the deepest point."""
    if isinstance(node, dict):
        return 1 + max(map(depth, node.values()), default=0)
    if isinstance(node, list):
        return 1 + max(map(depth, node), default=0)
    return 0


# --------------------------------------------------------------------------- a writer that is not json.dumps

_WHITESPACE = st.text(alphabet=" \t\r\n", max_size=3)
_WHITESPACE_CHARS = " \t\r\n"
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CHAR_STYLES = ("plain", "plain", "plain", "u", "U", "short")


class Writer:
    """Writes a document as JSON text. With ``rnd`` (drawn by Hypothesis) every choice JSON leaves open is
    random: whitespace, key order, how each character of a string is escaped, how each float is spelled. ``raw`` puts
    literal text at a path instead of the value; ``keys`` writes the key at a path as other text;
    ``extra`` adds literal members to the object at a path."""

    def __init__(
        self,
        rnd: random.Random | None = None,
        raw: dict[Path, str] | None = None,
        keys: dict[Path, str] | None = None,
        extra: dict[Path, list[str]] | None = None,
    ) -> None:
        self.rnd, self.raw, self.keys, self.extra = rnd, raw or {}, keys or {}, extra or {}

    def ws(self) -> str:
        return "".join(self.rnd.choices(_WHITESPACE_CHARS, k=self.rnd.randrange(4))) if self.rnd else ""

    def write(self, value: Any, path: Path = ()) -> str:
        if path in self.raw:
            return self.raw[path]
        if isinstance(value, dict):
            items = list(value.items())
            if self.rnd:
                self.rnd.shuffle(items)
            members = [
                self.ws() + self.keys.get((*path, k), self.string(k)) + self.ws() + ":" + self.ws()
                + self.write(v, (*path, k)) + self.ws()
                for k, v in items
            ]  # fmt: skip
            members += self.extra.get(path, [])
            return "{" + (",".join(members) if members else self.ws()) + "}"
        if isinstance(value, list):
            parts = [self.ws() + self.write(v, (*path, i)) + self.ws() for i, v in enumerate(value)]
            return "[" + (",".join(parts) if parts else self.ws()) + "]"
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, float):
            return self.number(value)
        return json.dumps(value)  # ints, booleans and null have one spelling

    def string(self, text: str) -> str:
        out = []
        for ch in text:
            style = self.rnd.choice(_CHAR_STYLES) if self.rnd else "plain"
            if style == "short" and ch in _SHORT_ESCAPES:
                out.append(_SHORT_ESCAPES[ch])
            elif style in ("u", "U") or ch in '"\\' or ord(ch) < 0x20:
                code = f"{ord(ch):04x}" if ord(ch) < 0x10000 else None
                if code is None:  # a surrogate pair, as JSON writes characters beyond the BMP
                    high, low = divmod(ord(ch) - 0x10000, 0x400)
                    out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
                else:
                    out.append("\\u" + (code.upper() if style == "U" else code))
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def number(self, value: float) -> str:
        """The same float spelled another way: 24.9, 2.49e1, 249E-1, 24.90, 0.249e+2 (-0.0 for 0.0)."""
        text = repr(value)
        rnd = self.rnd
        if not rnd or not math.isfinite(value):
            return text
        exact = Decimal(text)
        shift = rnd.randint(-2, 2)
        mantissa = format(exact.scaleb(-shift), "f")
        if "." in mantissa and rnd.random() < 0.5:
            mantissa += "0"
        marker = rnd.choice(("e", "E", "e+", "E+") if shift >= 0 else ("e", "E"))
        spelled = mantissa if shift == 0 and rnd.random() < 0.5 else f"{mantissa}{marker}{shift}"
        if value == 0 and rnd.random() < 0.5:
            spelled = "-" + spelled
        if max(map(len, re.findall(r"\d+", spelled))) > MAX_DIGITS:
            return text  # the spelling would be refused for its length, which is another test
        return spelled


_SEEDS = st.integers(0, 2**32)


@st.composite
def hostile_spellings(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    """A valid case and a valid but unusual spelling of it, maybe after a UTF-8 byte-order mark."""
    doc = draw(CASES)
    text = Writer(random.Random(draw(_SEEDS))).write(doc)  # one draw: Hypothesis records each of its randoms' calls
    text = draw(_WHITESPACE) + text + draw(_WHITESPACE)
    return doc, (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")


_PICK = st.integers(0, 10_000)


def pick(draw: st.DrawFn, items: list[Any]) -> Any:
    return items[draw(_PICK) % len(items)]


# --------------------------------------------------------------------------- valid but unusual: read as written


@FUZZ
@given(case=hostile_spellings())
def test_a_case_spelled_any_valid_way_reads_as_that_case(case: tuple[dict[str, Any], bytes]) -> None:
    """Whitespace anywhere, keys in any order, escaped characters, floats spelled 2.49e1 or 24.90, a byte-order
    mark: the same case, to the last digit."""
    doc, raw = case
    assert_reads_as(raw, doc)


def test_the_scenario_files_read_the_same_respelled(repo_root: Any) -> None:
    """Every scenario file, written with every character of every string escaped, reads as the same case."""
    for path in sorted((repo_root / "tests" / "scenarios").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        spelled = json.dumps(doc, ensure_ascii=True)
        spelled = re.sub(r'"([a-z_0-9]+)"', lambda m: '"' + "".join(f"\\u{ord(c):04x}" for c in m[1]) + '"', spelled)
        assert_reads_as(spelled, doc)


# --------------------------------------------------------------------------- numbers


def _json_number(draw: st.DrawFn) -> str:
    whole = draw(st.from_regex(r"-?(0|[1-9][0-9]{0,22})", fullmatch=True))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,22}", fullmatch=True)))
    exponent = draw(st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)))
    return whole + fraction + exponent


NUMBER_EDGES = (
    "1e999", "-1e999", "1E400", "1e-400", "-0", "-0.0", "0e0", "24.99999999999999999", "0.99999999999999999",
    "25", "25.0", "2.5e1", "250e-1", "24.9", "24.90000000000000001", "-1", "60", "60.000000000000001", "10",
    "1e1", "1E+1", "9.999999999999999e-1", "5e-324", "1.7976931348623157e308",
)  # fmt: skip
NUMBERS = st.one_of(st.sampled_from(NUMBER_EDGES), st.composite(lambda draw: _json_number(draw))())
FLOAT_FIELDS = {  # path: (document holding it, allowed range)
    ("exam", "cervical_dilation_cm"): ({"exam": {"cervical_dilation_cm": 0.0}}, (0, 10)),
    ("ultrasound", "cervical_lengths", 0, "cervical_length_mm"): (
        {"ultrasound": {"cervical_lengths": [{"gestational_age": {"weeks": 20}, "cervical_length_mm": 0.0}]}},
        (0, 60),
    ),
}
INT_FIELDS = {
    ("fetuses",): ({"fetuses": 1}, (1, 6)),
    ("gestational_age", "weeks"): ({"gestational_age": {"weeks": 20, "days": 0}}, (0, 42)),
    ("gestational_age", "days"): ({"gestational_age": {"weeks": 20, "days": 0}}, (0, 6)),
}


def _longest_digit_run(text: str) -> int:
    return max(map(len, re.findall(r"\d+", text)), default=0)


def _at(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@settings(FUZZ, max_examples=200)
@given(number=NUMBERS, where=st.sampled_from(sorted(FLOAT_FIELDS)))
def test_a_number_in_a_measurement_is_read_exactly_or_refused_there(number: str, where: Path) -> None:
    """A decimal in a measurement is read as exactly that number, or refused at its field: too long (the file),
    changed by rounding (24.99999999999999999 is not 25), more than two decimal places (24.961), infinite
    (1e999) or out of range."""
    base, (low, high) = FLOAT_FIELDS[where]
    raw = Writer(raw={where: number}).write({**base, "format_version": "2"})
    if _longest_digit_run(number) > MAX_DIGITS:
        assert problems_of(raw) == [
            ("(file)", f"holds a number of {_longest_digit_run(number)} digits; no field takes more than {MAX_DIGITS}")
        ]
        return
    exact = Decimal(number)
    value = float(number) + 0.0
    kept = math.isfinite(value) and Decimal(repr(value)) == exact
    # At most two decimal places: a measurement is then shown exactly as the engine uses it.
    if kept and low <= value <= high and exact == exact.quantize(Decimal("0.01")):
        read = _at(case_from_json(raw).model_dump(), where)
        assert (read, repr(read)) == (value, repr(value))  # -0.0 is read as 0.0
    else:
        assert_refused_at(raw, dotted(where))


@settings(FUZZ, max_examples=200)
@given(
    number=st.one_of(NUMBERS, st.sampled_from(("20", "0", "-0", "6", "7", "42", "43", "1", "20.0", "2e1", "007"))),
    where=st.sampled_from(sorted(INT_FIELDS)),
)
def test_a_number_in_a_count_or_a_week_is_a_whole_number_in_range_or_refused_there(number: str, where: Path) -> None:
    """Weeks, days and fetuses take a whole number written as one (20, not 20.0 or 2e1) within range; anything else
    is refused at the field (or, for a leading zero or too many digits, as the file)."""
    base, (low, high) = INT_FIELDS[where]
    text = Writer(raw={where: number}).write({**base, "format_version": "2"})
    if re.fullmatch(r"-?0\d+", number):  # 007 is not JSON
        assert_syntax_error_at(text, text, text.index(number) + number.index("0") + 1)
    elif _longest_digit_run(number) > MAX_DIGITS:
        assert [p for p, _ in problems_of(text)] == ["(file)"]
    elif re.fullmatch(r"-?\d+", number) and low <= int(number) <= high:
        assert _at(case_from_json(text).model_dump(), where) == int(number)
    else:
        assert_refused_at(text, dotted(where))


LIST_FIELDS = ("second_trimester_losses", "spontaneous_preterm_births", "cervical_lengths")  # [] answers "none"
NOT_NUMBERS = ("NaN", "Infinity", "-Infinity", "1e999", "-1E400", "true", "false", '"24"', '"1e1"', "[]", "{}")


@FUZZ
@given(doc=CASES, data=st.data(), token=st.sampled_from(NOT_NUMBERS))
def test_nan_infinity_and_other_types_are_refused_at_the_field_that_holds_them(
    doc: dict[str, Any], data: st.DataObject, token: str
) -> None:
    """NaN, Infinity, 1e999, a boolean, a number written as a string, an empty list or object put in place of any
    answer is refused at that answer's field: no field takes them."""
    candidates = [(p, v) for p, v in leaves(doc) if p != ("format_version",)]
    where, value = data.draw(st.sampled_from(candidates))
    if value is None and token in ("{}",) and where[-1] in ("gestational_age", "placed_at"):
        token = "[]"  # {} is an empty gestational age, refused too, but for its missing weeks
    if value is None and token == "[]" and where[-1] in LIST_FIELDS:
        token = "{}"  # [] is a valid answer there: none (no losses, births or scans)
    assert_refused_at(Writer(raw={where: token}).write(doc), dotted(where))


@FUZZ
@given(doc=CASES, data=st.data(), digits=st.one_of(st.integers(MAX_DIGITS + 1, 60), st.sampled_from((4301, 9000))))
def test_an_integer_too_long_for_any_field_is_refused_by_its_length(
    doc: dict[str, Any], data: st.DataObject, digits: int
) -> None:
    """An integer of 21 to 9,000 digits anywhere is refused before it is parsed, saying how many digits it has."""
    where, _ = data.draw(st.sampled_from(leaves(doc)))
    raw = Writer(raw={where: "9" * digits}).write(doc)
    assert problems_of(raw) == [("(file)", f"holds a number of {digits} digits; no field takes more than {MAX_DIGITS}")]


# --------------------------------------------------------------------------- answers and keys


TRI = {"present", "absent", "unknown"}
ANSWER_SPELLINGS = (
    '"present"', '"\\u0070resent"', '"pres\\u0065nt"', '"Present"', '"PRESENT"', '"present "', '" present"',
    '"\\uff50resent"', '"pre\\u0301sent"', '"pre\\u200bsent"', '"present\\u0000"', '"present\\u001b[0m"',
    '"\\ud800"', '"\\ud800present"', '"\\u202eabsent"', '"absent\\r"', '"unknown\\t"', "1", "0", "true", "null",
    '["present"]', '{"present": true}', '""',
)  # fmt: skip


@FUZZ
@given(doc=CASES, data=st.data(), spelling=st.sampled_from(ANSWER_SPELLINGS))
def test_an_answer_is_read_only_when_it_is_exactly_one_of_the_answers(
    doc: dict[str, Any], data: st.DataObject, spelling: str
) -> None:
    """A present/absent/unknown answer is read when its text means exactly the word (escapes allowed); another case,
    a space, a combining accent, a zero-width space, a control, a lone surrogate or a number is refused there."""
    tri_paths = [p for p, v in leaves(doc) if v in TRI]
    where = data.draw(st.sampled_from(tri_paths))
    raw = Writer(raw={where: spelling}).write(doc)
    meant = json.loads(spelling)
    if isinstance(meant, str) and meant in TRI:
        changed = json.loads(json.dumps(doc))
        parent = _at(changed, where[:-1])
        parent[where[-1]] = meant
        try:
            expected = case_from_json(json.dumps(changed))
        except CaseError:  # the new answer conflicts with another (a cerclage detail given without a cerclage)
            assert problems_of(raw)
            return
        assert case_to_json(case_from_json(raw)) == case_to_json(expected)
    else:
        assert_refused_at(raw, dotted(where))


def key_variants(key: str) -> list[str]:
    """Keys a careless reader might take for ``key``: other case, Unicode look-alikes and normal forms,
    invisible characters, padding."""
    variants = [
        key.upper(), key.title(), key[0].upper() + key[1:], key + " ", " " + key, key + "\u200b", "\u200b" + key,
        chr(ord(key[0]) + 0xFEE0) + key[1:] if key[0].isascii() and key[0].isalpha() else key + "\u00a0",
        key[0] + "\u0301" + key[1:], unicodedata.normalize("NFD", key + "\u00e9"), key + "\u0000",
        key + "\x1b[31m", "\u202e" + key, key.replace("_", "-"), key.replace("_", ""),
    ]  # fmt: skip
    return [v for v in variants if v != key]


@FUZZ
@given(doc=CASES, data=st.data(), alongside=st.booleans())
def test_a_key_that_only_looks_like_a_field_is_refused_by_name(
    doc: dict[str, Any], data: st.DataObject, alongside: bool
) -> None:
    """A key differing from a field only in case, Unicode form, an invisible character or padding is refused and
    named as written, whether it replaces the field or stands beside it."""
    members = [(*parent, key) for parent in objects(doc) for key in _at(doc, parent)]
    where = data.draw(st.sampled_from(members))
    variant = data.draw(st.sampled_from(key_variants(where[-1])))
    value = json.dumps(_at(doc, where))
    writer = (
        Writer(extra={where[:-1]: [f"{json.dumps(variant)}:{value}"]})
        if alongside
        else Writer(keys={where: json.dumps(variant)})
    )
    raw = writer.write(doc)
    problems = problems_of(raw)
    assert (dotted((*where[:-1], variant)), "is not a field of the case format (names, record numbers, dates and free "
            "text are not accepted)") in problems  # fmt: skip


@FUZZ
@given(doc=CASES, data=st.data(), same_value=st.booleans(), escaped=st.booleans())
def test_a_key_named_twice_at_any_depth_is_refused_naming_it(
    doc: dict[str, Any], data: st.DataObject, same_value: bool, escaped: bool
) -> None:
    """A key given twice in one object, at any depth, with the same value or another, written the same or with
    escapes, is refused naming the key: json would silently keep the later value."""
    members = [(*parent, key) for parent in objects(doc) for key in _at(doc, parent)]
    where = data.draw(st.sampled_from(members))
    key = where[-1]
    spelled = '"' + "".join(f"\\u{ord(c):04x}" for c in key) + '"' if escaped else json.dumps(key)
    value = json.dumps(_at(doc, where)) if same_value else json.dumps(data.draw(st.sampled_from(("absent", 3, None))))
    raw = Writer(extra={where[:-1]: [f"{spelled}: {value}"]}).write(doc)
    assert problems_of(raw) == [("(file)", f"names the key '{key}' twice in one object; only one may stay")]


@settings(FUZZ, max_examples=50)
@given(doc=CASES, data=st.data(), control=st.sampled_from([chr(c) for c in (*range(0x20), 0x7F, 0x85, 0x9B)]))
def test_a_control_character_written_raw_inside_a_string_is_refused_where_it_stands(
    doc: dict[str, Any], data: st.DataObject, control: str
) -> None:
    """A control character written raw (not escaped) inside a key or a string is refused at its line and column
    when JSON forbids it (U+0000 to U+001F); DEL and C1 controls, which JSON allows, are refused at the field."""
    text = json.dumps(doc)
    strings = [m.start() + 1 + data.draw(st.integers(0, len(m[1]))) for m in re.finditer(r'"([a-z_0-9]*)"', text)]
    at = data.draw(st.sampled_from(strings))
    spliced = text[:at] + control + text[at:]
    if ord(control) < 0x20:
        assert_syntax_error_at(spliced.encode("utf-8"), spliced, at)
    else:  # now a key that is no field, or an answer that is none, or a version no reader knows
        problems = problems_of(spliced.encode("utf-8"))
        assert any(control in p or repr(control)[1:-1] in m for p, m in problems), problems


@FUZZ
@given(doc=CASES, data=st.data(), control=st.sampled_from(["\u001b[31m", "\r", "\u0000", "\u202e", "\ud800", "\udfff"]))
def test_an_escaped_control_or_lone_surrogate_in_a_key_is_refused_naming_the_key(
    doc: dict[str, Any], data: st.DataObject, control: str
) -> None:
    """A key holding an escaped control, a bidi override or a lone surrogate is refused and named with that
    character in it (the command line escapes it for the terminal)."""
    parent = data.draw(st.sampled_from(objects(doc)))
    key = "mrn" + control
    escaped = json.dumps(key)  # \u001b, \r, \u0000, \u202e, \ud800 as escapes
    raw = Writer(extra={parent: [f"{escaped}: 1"]}).write(doc).encode("utf-8")
    assert dotted((*parent, key)) in [p for p, _ in problems_of(raw)]


# --------------------------------------------------------------------------- the file as a whole


@FUZZ
@given(doc=CASES, data=st.data(), levels=st.integers(1, 40), bracket=st.sampled_from(("[", "{")))
def test_nesting_is_refused_by_depth_past_the_limit_and_at_the_field_within_it(
    doc: dict[str, Any], data: st.DataObject, levels: int, bracket: str
) -> None:
    """Any answer replaced by a value nested ``levels`` deep is refused: before parsing, saying how deep, past
    12 levels; within them, at the answer's field."""
    where, _ = data.draw(st.sampled_from(leaves(doc)))
    opening, closing = ("[", "]") if bracket == "[" else ('{"a":', "}")
    raw = Writer(raw={where: opening * levels + "1" + closing * levels}).write(doc)
    deepest = max(depth(doc), len(where) + levels)
    if deepest > MAX_DEPTH:
        assert problems_of(raw) == [("(file)", f"nests {deepest} levels deep; a case file nests at most {MAX_DEPTH}")]
    else:
        assert_refused_at(raw, dotted(where))


@FUZZ
@given(doc=CASES, encoding=st.sampled_from(("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")))
def test_a_case_in_utf16_or_utf32_is_refused_naming_the_encoding(doc: dict[str, Any], encoding: str) -> None:
    """A case saved as UTF-16 or UTF-32, with a byte-order mark or without, is refused saying which it is."""
    raw = json.dumps(doc, indent=2).encode(encoding)
    name = encoding[:6].upper()
    assert problems_of(raw) == [("(file)", f"is {name} text; save it as UTF-8 (a case file is UTF-8 JSON)")]


@FUZZ
@given(doc=CASES, data=st.data())
def test_a_byte_order_mark_is_read_past_only_at_the_start(doc: dict[str, Any], data: st.DataObject) -> None:
    """One UTF-8 byte-order mark at the start is read past; a second one, or one anywhere else, is refused where
    it stands."""
    text = json.dumps(doc)
    assert_reads_as(b"\xef\xbb\xbf" + text.encode("utf-8"), doc)
    assert_syntax_error_at(b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode("utf-8"), text, 0)
    gaps = [m.end() for m in re.finditer(r"[,:{\[]", text)]
    at = data.draw(st.sampled_from(gaps))
    assert_syntax_error_at((text[:at] + "\ufeff" + text[at:]).encode("utf-8"), text, at)


@FUZZ
@given(doc=CASES, data=st.data())
def test_bytes_that_are_not_utf8_are_refused_at_their_offset(doc: dict[str, Any], data: st.DataObject) -> None:
    """A surrogate encoded in UTF-8, an overlong form or a stray continuation byte is refused naming its byte
    offset from the start of the file, a byte-order mark included."""
    bom = data.draw(st.sampled_from((b"", b"\xef\xbb\xbf")))
    text = json.dumps(doc).encode("utf-8")
    at = data.draw(st.integers(0, len(text)))
    bad = data.draw(st.sampled_from((b"\xed\xa0\x80", b"\xc0\xaf", b"\x80", b"\xff", b"\xf8\x88\x80\x80\x80")))
    raw = bom + text[:at] + bad + text[at:]
    assert problems_of(raw) == [("(file)", f"is not UTF-8 text (byte {len(bom) + at}); a case file is UTF-8 JSON")]


GARBAGE = ("x", "}", "]", ",", "null", '"a"', "// a comment", "/* a comment */", "#", "\x00", "\u00a0", "EOF")


@FUZZ
@given(doc=CASES, garbage=st.sampled_from(GARBAGE), gap=_WHITESPACE)
def test_anything_after_the_case_is_refused_where_it_starts(doc: dict[str, Any], garbage: str, gap: str) -> None:
    """Text after the closing brace (a comment, a second value, a NUL) is refused at the line and column where it
    starts."""
    text = json.dumps(doc, indent=data_indent(doc)) + gap
    spliced = text + garbage
    assert_syntax_error_at(spliced.encode("utf-8"), spliced, len(text))


def data_indent(doc: dict[str, Any]) -> int | None:
    return 2 if len(json.dumps(doc)) % 2 else None  # both layouts, decided by the case itself


@FUZZ
@given(doc=CASES, data=st.data(), comment=st.sampled_from(("// twins?\n", "/* twins? */", "#\n")))
def test_a_comment_anywhere_is_refused_where_it_starts(doc: dict[str, Any], data: st.DataObject, comment: str) -> None:
    """JSON has no comments: one between any two tokens is refused at its line and column."""
    text = json.dumps(doc, indent=data_indent(doc))
    gaps = [m.end() for m in re.finditer(r"[,:{\[]", text)]
    at = data.draw(st.sampled_from(gaps))
    spliced = text[:at] + comment + text[at:]
    assert_syntax_error_at(spliced.encode("utf-8"), spliced, at)


@FUZZ
@given(doc=CASES, data=st.data())
def test_a_truncated_case_is_refused_as_the_file(doc: dict[str, Any], data: st.DataObject) -> None:
    """A case cut off anywhere before its closing brace is refused as the file: empty, or not JSON at a position
    within what is left."""
    text = json.dumps(doc, indent=data_indent(doc))
    cut = data.draw(st.integers(0, len(text) - 1))
    [(where, message)] = problems_of(text[:cut].encode("utf-8"))
    assert where == "(file)"
    if not text[:cut].strip():
        assert message == "is empty; a case file is a JSON object"
    else:
        found = re.fullmatch(r"is not valid JSON \(line (\d+), column (\d+)\)", message)
        assert found, message
        line, column = int(found[1]), int(found[2])
        assert line <= text[:cut].count("\n") + 1 and (line, column) <= (text[:cut].count("\n") + 1, cut + 1)


@FUZZ
@given(doc=CASES, data=st.data(), junk=st.binary(min_size=1, max_size=6))
def test_random_bytes_spliced_into_a_case_are_refused_or_read_as_json_reads_them(
    doc: dict[str, Any], data: st.DataObject, junk: bytes
) -> None:
    """Random bytes put anywhere in a case: refused (CaseError, nothing else), or read as the case that Python's
    own JSON reader finds in the same text, validated by the same model."""
    text = json.dumps(doc).encode("utf-8")
    at = data.draw(st.integers(0, len(text)))
    length = data.draw(st.integers(0, 3))
    raw = text[:at] + junk + text[at + length :]
    try:
        case = case_from_json(raw)
    except CaseError as exc:
        assert exc.problems and all(p and m for p, m in exc.problems)
        return
    reference = Case.model_validate(json.loads(raw.decode("utf-8")))
    assert case_to_json(case) == case_to_json(reference)


def test_the_upgrade_does_not_drop_a_list_given_under_both_names() -> None:
    """A version 1 file giving the losses under their version 1 name and their version 2 name is refused; before,
    the version 2 list was dropped without a word."""
    raw = json.dumps({"history": {
        "painless_second_trimester_losses": [],
        "second_trimester_losses": [{"gestational_age": {"weeks": 20, "days": 0}, "painless": "absent"}],
    }})  # fmt: skip
    [(where, message)] = problems_of(raw)
    assert where == "history.painless_second_trimester_losses" and "second_trimester_losses" in message


def test_a_version_1_file_is_named_by_the_list_it_wrote() -> None:
    """A file with no version that writes the losses under the version 2 name has a bad entry named there."""
    raw = b'{"history": {"second_trimester_losses": [{"gestational_age": 5}]}}'
    assert [p for p, _ in problems_of(raw)] == ["history.second_trimester_losses[0].gestational_age"]


@pytest.mark.parametrize(
    ("field", "number", "rounded"),
    [("ultrasound.cervical_lengths[0].cervical_length_mm", "24.99999999999999999", "25.0"),
     ("exam.cervical_dilation_cm", "0.99999999999999999", "1.0"),
     ("exam.cervical_dilation_cm", "1e-400", "0.0")],
)  # fmt: skip
def test_a_number_rounding_would_move_across_a_threshold_is_refused_at_its_field(
    field: str, number: str, rounded: str
) -> None:
    """24.99999999999999999 mm is below 25 mm but would be read as 25.0, across ACOG's threshold: refused, saying
    so, at its field."""
    doc = {"format_version": "2", "gestational_age": {"weeks": 20, "days": 0},
           "ultrasound": {"cervical_lengths": [{"gestational_age": {"weeks": 20, "days": 0}, "cervical_length_mm": 1}]},
           "exam": {"cervical_dilation_cm": 1}}  # fmt: skip
    where = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", field) if p)
    raw = Writer(raw={where: number}).write(doc)
    assert problems_of(raw) == [
        (field, f"{number} cannot be held exactly: it would be read as {rounded}; write the number with fewer digits")
    ]


def test_thousands_of_lone_surrogates_are_named_up_to_the_cap_and_counted() -> None:
    """A file of 5,000 keys holding lone surrogates names the first 200 and counts the other 4,800."""
    raw = "{" + ",".join(f'"k{i}\\ud800": 1' for i in range(5000)) + "}"
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    assert (len(caught.value.problems), caught.value.more) == (NAMED_PROBLEMS, 5000 - NAMED_PROBLEMS)
    assert caught.value.problems[0] == ("k0\ud800", "holds the lone surrogate \\ud800, which is not a character")


def test_thousands_of_bad_entries_are_named_up_to_the_cap_and_counted_exactly() -> None:
    """Three hundred good losses then 60,000 bad entries: the first 200 bad ones are named, in order, and the rest
    counted, without pydantic listing all 60,000."""
    good = json.dumps({"gestational_age": {"weeks": 20, "days": 0}, "painless": "present"})
    raw = '{"history": {"second_trimester_losses": [' + ",".join([good] * 300 + ["0"] * 60_000) + "]}}"
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    paths = [p for p, _ in caught.value.problems]
    assert paths == [f"history.second_trimester_losses[{i}]" for i in range(300, 300 + NAMED_PROBLEMS)]
    assert caught.value.more == 60_000 - NAMED_PROBLEMS
