"""The knowledge-base YAML reader gives exactly what PyYAML's safe loader gives.

``dashboard.kb.parse_yaml`` builds plain documents straight from libyaml's events and hands
anything else (tags, anchors, merge keys, several documents, every error) to the safe loader.
Values, their Python types, key order and error messages must all be the safe loader's.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.kb import _YAML_LOADER, DATA_DIR, DuplicateKeyError, _plain_yaml, parse_yaml


def _reference(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - the safe loader


def _same(a: Any, b: Any) -> bool:
    """Equal values of identical types all the way down, NaN equal to NaN, keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        keys_alike = list(a) == list(b) and all(_same(k1, k2) for k1, k2 in zip(a, b, strict=True))
        return keys_alike and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@pytest.mark.parametrize("path", sorted(DATA_DIR.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_data_file_reads_the_same_without_falling_back(path: Path) -> None:
    """Every shipped YAML file is read by the direct builder, to exactly the safe loader's result."""
    text = path.read_text(encoding="utf-8")
    assert _same(_plain_yaml(text), _reference(text))


# Plain scalars the implicit resolvers turn into something other than a string, and near misses.
TRICKY_SCALARS = [
    "", "~", "null", "Null", "NULL", "nUll", "yes", "Yes", "YES", "no", "No", "on", "ON", "off", "Off", "true", "True",
    "TRUE", "false", "False", "y", "n", "0", "-0", "+1", "017", "0o17", "0x1F", "0b101", "1_000", "1:20", "190:20:30",
    "1.5", "-1.5e3", "1e3", "6.8523015e+5", ".5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "1_0.5", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-12-15T02:59:43.1Z", "2002-12-14", "20+0",
    "24+0", "10.1234/abc", "12345", "n.d.", "Not known", "None", "<<", "=", "1.1.0", "v1", "- x", "a: b",
]


TEMPLATES = ["key: {}\n", "- {}\n", "{}: 1\n", "outer:\n  - inner: {}\n", "[{}]\n", "{{k: {}}}\n"]


@pytest.mark.parametrize("scalar", TRICKY_SCALARS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_tricky_plain_scalars_resolve_as_the_safe_loader_does(scalar: str, template: str) -> None:
    """Booleans, numbers, nulls, timestamps and their look-alikes come out with the safe loader's value and type."""
    text = template.format(scalar)
    try:
        expected = _reference(text)
    except Exception as exc:  # noqa: BLE001 - then the fast reader must fail the same way
        with pytest.raises(type(exc)) as raised:
            parse_yaml(text)
        assert str(raised.value) == str(exc)
        return
    assert _same(parse_yaml(text), expected)
    if scalar not in ("<<", "="):  # merge and value keys are left to the safe loader
        assert _same(_plain_yaml(text), expected)


DOCUMENTS = [
    "",
    "---\n",
    "# only a comment\n",
    "just a string\n",
    "a: &x 1\nb: *x\n",
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "a: !!str 1\nb: !!float 2\n",
    "a: !custom 1\n",
    "? [1, 2]\n: pair\n",
    "? {a: 1}\n: map\n",
    "--- 1\n--- 2\n",
    "a: |\n  line one\n  line two\n",
    "a: >\n  folded\n  text\n",
    "a: 'quoted: yes'\nb: \"1.5\"\nc: '2001-12-14'\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\t- x\n",
    "- a\nb: c\n",
    "a: *missing\n",
    "a: 2001-02-30\n",
    "a: {b: [1, {c: null}], d: []}\n",
    "- - - deep\n",
    "1: int key\n1.5: float key\ntrue: bool key\n~: null key\n2001-12-14: date key\n",
    "text: \"caf\\u00e9 \\u2265 25 mm\"\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_documents_read_or_fail_exactly_as_with_the_safe_loader(text: str) -> None:
    """Whole documents, unusual YAML and broken YAML give the safe loader's result, or its exact error."""
    try:
        expected = _reference(text)
    except Exception as exc:  # noqa: BLE001 - the error must be the same one, with the same message
        with pytest.raises(type(exc)) as raised:
            parse_yaml(text)
        assert str(raised.value) == str(exc)
        return
    assert _same(parse_yaml(text), expected)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(TRICKY_SCALARS)
    | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))
)
_KEYS = st.text(max_size=12) | st.integers(-100, 100) | st.sampled_from(TRICKY_SCALARS)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_DATA, flow=st.sampled_from([False, True, None]), unicode=st.booleans())
def test_dumped_documents_read_the_same(data: Any, flow: bool | None, unicode: bool) -> None:
    """Whatever PyYAML writes, in block or flow style, reads back the same through both readers."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=unicode, sort_keys=False)
    assert _same(_plain_yaml(text), _reference(text))


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("a: 1\na: 2\n", "a", 2),
        ("rules:\n  - {id: R1, value: 25, unit: mm, value: 15}\n", "value", 2),
        ("a: &x 1\nb: *x\nb: 2\n", "b", 3),  # through PyYAML's own loader (an anchor)
        ("- id: R1\n  guideline: acog\n  guideline: nice\n", "guideline", 3),
    ],
)
def test_a_key_repeated_in_one_mapping_is_refused_with_its_line(text: str, key: str, line: int) -> None:
    """YAML keeps the later of two equal keys without a word (a 25 mm threshold silently became 15);
    the knowledge base refuses it, naming the key and its line."""
    with pytest.raises(DuplicateKeyError) as caught:
        parse_yaml(text)
    assert f"line {line}" in str(caught.value) and repr(key) in str(caught.value)


def test_an_explicit_key_may_still_override_a_merged_one() -> None:
    """A merge key (<<) is not a repeat: the explicit key wins, as in YAML."""
    assert parse_yaml("base: &b {x: 1}\nderived:\n  <<: *b\n  x: 2\n")["derived"] == {"x": 2}
