"""The case model and the case file: unknown by default, no identifiers, every bad field named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from dashboard.case import (
    MAX_CASE_FILE_BYTES,
    Amniocentesis,
    Case,
    CaseError,
    GestationalAge,
    Tri,
    case_from_dict,
    case_from_json,
    case_json_schema,
    case_to_json,
    history_entered_twice,
)
from tests.strategies import births, ga, scan

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "case.schema.json"
SCENARIO_FILES = sorted((Path(__file__).resolve().parent / "scenarios").glob("*.json"))


def problems_of(doc: Any) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        case_from_dict(doc)
    return caught.value.problems


def file_problems(raw: bytes | str) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    return caught.value.problems


def _walk(model: BaseModel) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out += [(f"{name}.{path}", v) for path, v in _walk(value)]
        else:
            out.append((name, value))
    return out


FULL_CASE = {
    "gestational_age": ga("22+3"),
    "fetuses": 1,
    "history": {
        "painless_second_trimester_losses": births("19+2", None),
        "spontaneous_preterm_births": [],
        "prior_cerclage": "present",
        "prior_cerclage_reason": "painless_dilation",
        "prior_cerclage_route": "transvaginal",
        "prior_cerclage_failed": "absent",
    },
    "risk_factors": {"conization_or_leep": "present", "mullerian_anomaly": "absent"},
    "symptoms": {"pelvic_pressure": "present"},
    "exam": {"cervical_dilation_cm": 1.5, "membranes_at_or_beyond_os": "absent"},
    "ultrasound": {"cervical_lengths": [scan("18+0", 31.5), scan("22+3", 19.0)], "funneling": "present"},
    "exclusions": {"labour": "absent", "amniocentesis": "no_infection"},
    "fetal": {"fetal_demise": "absent"},
}


# --------------------------------------------------------------------------- defaults


def test_every_tri_state_finding_defaults_to_unknown() -> None:
    """A new case holds every present/absent finding as unknown, never absent."""
    tri_fields = [(path, value) for path, value in _walk(Case()) if isinstance(value, Tri)]
    assert len(tri_fields) >= 20
    assert all(value is Tri.unknown for _, value in tri_fields), tri_fields


def test_counts_numbers_and_choices_default_to_not_known() -> None:
    """A new case has no gestational age, fetus count, history lists, dilation or scans, and amniocentesis unknown."""
    case = Case()
    assert (
        case.gestational_age,
        case.fetuses,
        case.history.second_trimester_losses,
        case.history.spontaneous_preterm_births,
        case.exam.cervical_dilation_cm,
        case.ultrasound.cervical_lengths,
        case.exclusions.amniocentesis,
    ) == (None, None, None, None, None, [], Amniocentesis.unknown)


# --------------------------------------------------------------------------- no identifiers


@pytest.mark.parametrize("field", ["name", "mrn", "date_of_birth", "notes"])
def test_identifier_fields_are_refused_naming_the_field(field: str) -> None:
    """A name, record number, birth date or free-text note is refused with a message naming that field."""
    problems = problems_of({field: "anything"})
    assert [path for path, _ in problems] == [field]
    assert "not a field" in problems[0][1]


def test_unknown_key_inside_a_section_is_refused_with_its_path() -> None:
    """An extra key inside a section is refused with the dotted path to it."""
    assert [path for path, _ in problems_of({"history": {"notes": "free text"}})] == ["history.notes"]


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"gestational_age": {"weeks": 43, "days": 0}}, "gestational_age.weeks"),
        ({"gestational_age": {"weeks": 20, "days": 7}}, "gestational_age.days"),
        ({"ultrasound": {"cervical_lengths": [scan("20+0", 61)]}}, "ultrasound.cervical_lengths[0].cervical_length_mm"),
        ({"ultrasound": {"cervical_lengths": [scan("20+0", -1)]}}, "ultrasound.cervical_lengths[0].cervical_length_mm"),
        ({"exam": {"cervical_dilation_cm": 10.5}}, "exam.cervical_dilation_cm"),
        ({"fetuses": 0}, "fetuses"),
        ({"fetuses": 7}, "fetuses"),
        ({"history": {"painless_second_trimester_losses": -1}}, "history.painless_second_trimester_losses"),
        ({"format_version": "2", "history": {"second_trimester_losses": -1}}, "history.second_trimester_losses"),
        ({"history": {"spontaneous_preterm_births": -2}}, "history.spontaneous_preterm_births"),
        ({"history": {"painless_second_trimester_losses": births("30+0")}}, "history.painless_second_trimester_losses"),
        ({"cerclage": {"in_place": "maybe"}}, "cerclage.in_place"),
        ({"history": {"spontaneous_preterm_births": births("37+0")}}, "history.spontaneous_preterm_births"),
    ],
    ids=[
        "ga-weeks-43", "ga-days-7", "cervix-61mm", "cervix-minus-1mm", "dilation-10.5cm", "fetuses-0",
        "fetuses-7", "negative-loss-count-v1", "negative-loss-count-v2", "negative-birth-count", "loss-at-30-weeks-v1",
        "cerclage-in-place-not-an-answer", "birth-at-term",
    ],
)
def test_out_of_range_value_is_refused_with_its_field_path(doc: dict[str, Any], path: str) -> None:
    """A value outside the plausible range is refused, and the message carries the field's path."""
    problems = problems_of(doc)
    assert [p for p, _ in problems] == [path]
    assert problems[0][1]


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"exam": {"cervical_dilation_cm": True}}, "exam.cervical_dilation_cm"),
        ({"fetuses": True}, "fetuses"),
        ({"fetuses": "2"}, "fetuses"),
        ({"gestational_age": {"weeks": "20", "days": 0}}, "gestational_age.weeks"),
        ({"ultrasound": {"cervical_lengths": [{"gestational_age": ga("20+0"), "cervical_length_mm": "22"}]}},
         "ultrasound.cervical_lengths[0].cervical_length_mm"),
    ],
    ids=["dilation-true", "fetuses-true", "fetuses-string", "weeks-string", "cervix-string"],
)
def test_numbers_must_be_json_numbers(doc: dict[str, Any], path: str) -> None:
    """A boolean or a string where the case format wants a number is refused, as the published schema refuses it."""
    assert [p for p, _ in problems_of(doc)] == [path]


def test_every_bad_field_is_reported_at_once() -> None:
    """Several bad fields give one problem each, so the clinician can fix them in one pass."""
    problems = problems_of({"fetuses": 0, "gestational_age": {"weeks": 43}, "mrn": "123"})
    assert sorted(p for p, _ in problems) == ["fetuses", "gestational_age.weeks", "mrn"]


def test_scan_dated_after_today_is_refused_at_its_row() -> None:
    """A scan dated after the current gestational age is refused at ultrasound.cervical_lengths[i].gestational_age."""
    doc = {"gestational_age": ga("20+0"), "ultrasound": {"cervical_lengths": [scan("18+0", 30), scan("20+1", 20)]}}
    problems = problems_of(doc)
    assert [p for p, _ in problems] == ["ultrasound.cervical_lengths[1].gestational_age"]
    assert "20+1" in problems[0][1]


def test_scan_dated_today_is_accepted() -> None:
    """A scan taken on the day of the current gestational age is accepted."""
    case = case_from_dict({"gestational_age": ga("20+0"), "ultrasound": {"cervical_lengths": [scan("20+0", 20)]}})
    assert case.ultrasound.cervical_lengths[0].cervical_length_mm == 20


def test_membranes_at_a_closed_os_are_refused_at_the_membranes_field() -> None:
    """Membranes at or beyond the os with a closed (0 cm) cervix cannot both be true: refused, naming both."""
    problems = problems_of({"exam": {"cervical_dilation_cm": 0, "membranes_at_or_beyond_os": "present"}})
    assert [p for p, _ in problems] == ["exam.membranes_at_or_beyond_os"]
    assert "0 cm" in problems[0][1] and "closed" in problems[0][1]


@pytest.mark.parametrize("membranes", ["absent", "unknown"])
def test_a_closed_os_with_membranes_absent_or_not_known_is_accepted(membranes: str) -> None:
    """A closed cervix is accepted with the membranes answer absent or not yet given."""
    case = case_from_dict({"exam": {"cervical_dilation_cm": 0, "membranes_at_or_beyond_os": membranes}})
    assert case.exam.membranes_at_or_beyond_os.value == membranes


@pytest.mark.parametrize("prior_cerclage", ["absent", "unknown"])
@pytest.mark.parametrize(
    "detail, value",
    [
        ("prior_cerclage_route", "transvaginal"),
        ("prior_cerclage_reason", "history"),
        ("prior_cerclage_failed", "absent"),
    ],
)
def test_cerclage_details_without_a_known_cerclage_are_refused(prior_cerclage: str, detail: str, value: str) -> None:
    """A detail of an earlier cerclage that is absent or not known is refused at the detail's own path."""
    problems = problems_of({"history": {"prior_cerclage": prior_cerclage, detail: value}})
    assert [p for p, _ in problems] == [f"history.{detail}"]
    assert f"'{prior_cerclage}'" in problems[0][1]


@pytest.mark.parametrize(
    "doc, path, words",
    [
        (
            {"gestational_age": {"weeks": 45, "days": 0}},
            "gestational_age.weeks",
            "45 is out of range (completed weeks, 0 to 42)",
        ),
        ({"exam": {"cervical_dilation_cm": 11.0}}, "exam.cervical_dilation_cm", "(centimetres, 0 to 10)"),
        (
            {"gestational_age": {"weeks": 20}, "ultrasound": {"cervical_lengths": [
                {"gestational_age": {"weeks": 18}, "cervical_length_mm": 61.0}]}},
            "ultrasound.cervical_lengths[0].cervical_length_mm",
            "61.0 is out of range (millimetres, 0 to 60)",
        ),
    ],
)  # fmt: skip
def test_out_of_range_message_gives_the_value_and_the_allowed_range_with_its_unit(
    doc: dict[str, Any], path: str, words: str
) -> None:
    """An out-of-range number is refused with the value, the allowed range and the unit."""
    [(where, message)] = problems_of(doc)
    assert where == path
    assert words in message


# --------------------------------------------------------------------------- the file


def test_file_larger_than_256_kb_is_refused() -> None:
    """A case file over 256 KB is refused before it is parsed."""
    raw = b"{}" + b" " * (MAX_CASE_FILE_BYTES - 1)
    assert [p for p, _ in file_problems(raw)] == ["(file)"]


def test_file_of_exactly_256_kb_is_accepted() -> None:
    """A case file of exactly 256 KB is read."""
    raw = b"{}" + b" " * (MAX_CASE_FILE_BYTES - 2)
    assert case_from_json(raw) == Case()


def test_non_utf8_file_is_refused() -> None:
    """Bytes that are not UTF-8 are refused as a file problem."""
    assert [p for p, _ in file_problems(b'{"fetuses": "\xff\xfe"}')] == ["(file)"]


def test_non_json_file_is_refused() -> None:
    """Text that is not JSON is refused as a file problem."""
    assert [p for p, _ in file_problems(b"fetuses: 1\n")] == ["(file)"]


def test_json_array_is_refused() -> None:
    """A JSON array is refused: a case file is an object."""
    assert [p for p, _ in file_problems(b"[]")] == ["(case)"]


def test_text_with_a_lone_surrogate_is_refused_as_a_case_error() -> None:
    """Text holding a lone surrogate is refused with CaseError, not an encoding exception."""
    assert file_problems('{"notes": "\ud800"}')


def test_case_file_round_trip_is_identity() -> None:
    """Writing a case to its file and reading it back gives the same case."""
    case = case_from_dict(FULL_CASE)
    assert case_from_json(case_to_json(case)) == case


def test_case_file_lists_every_field() -> None:
    """The written case file spells out every field, unknowns included, so a reader sees what was not answered."""
    written = json.loads(case_to_json(Case()))
    assert set(written) == set(Case.model_fields)
    assert written["exclusions"]["labour"] == "unknown"


# --------------------------------------------------------------------------- the published schema


def _schema_nodes(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += _schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            out += _schema_nodes(value)
    return out


def test_published_schema_matches_the_model() -> None:
    """data/case.schema.json is exactly the schema the case model publishes."""
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == case_json_schema()


def test_published_schema_is_a_valid_json_schema() -> None:
    """The published schema declares JSON Schema 2020-12 and is valid under it."""
    schema = case_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_published_schema_accepts_every_scenario(path: Path) -> None:
    """Every scenario case file in tests/scenarios validates against the published schema."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_bytes())))
    assert errors == []


def test_published_schema_has_no_identifier_or_free_text_property() -> None:
    """No property in the schema is a name, record number, birth date, note or other free text."""
    names = {name for node in _schema_nodes(case_json_schema()) for name in node.get("properties", {})}
    banned = ("name", "record", "mrn", "birth_date", "date_of_birth", "dob", "note", "comment", "text", "free")
    assert [n for n in names if any(b in n.lower() for b in banned)] == []
    strings = [n for n in _schema_nodes(case_json_schema()) if n.get("type") == "string"]
    assert strings and all("enum" in n or "const" in n for n in strings), "a string property without a fixed vocabulary"


def test_published_schema_forbids_extra_properties_everywhere() -> None:
    """Every object in the schema forbids properties it does not list."""
    objects = [n for n in _schema_nodes(case_json_schema()) if "properties" in n]
    assert objects and all(n.get("additionalProperties") is False for n in objects)


def _history(losses: list[Any] | None, births: list[Any] | None) -> Case:
    def entries(ages: list[Any] | None) -> list[dict[str, Any]] | None:
        return None if ages is None else [{"gestational_age": ga} for ga in ages]

    return case_from_dict(
        {
            "history": {
                "painless_second_trimester_losses": entries(losses),
                "spontaneous_preterm_births": entries(births),
            }
        }
    )


def test_a_loss_and_a_birth_at_the_same_gestational_age_are_flagged() -> None:
    """A loss and a preterm birth recorded at the same gestational age are flagged for checking."""
    case = _history([{"weeks": 22, "days": 1}, {"weeks": 18}], [{"weeks": 30}, {"weeks": 22, "days": 1}])
    assert history_entered_twice(case) == [GestationalAge(weeks=22, days=1)]


def test_entries_at_different_or_unknown_ages_are_not_flagged() -> None:
    """Different gestational ages, unknown ages and unknown lists raise no double-entry check."""
    assert history_entered_twice(_history([{"weeks": 22, "days": 1}], [{"weeks": 22, "days": 2}])) == []
    assert history_entered_twice(_history([None], [None])) == []
    assert history_entered_twice(_history(None, [{"weeks": 22}])) == []
    assert history_entered_twice(Case()) == []


def test_every_shared_age_is_flagged_once_earliest_first() -> None:
    """Each shared gestational age is named once, earliest first."""
    case = _history([{"weeks": 24}, {"weeks": 20}, {"weeks": 20}], [{"weeks": 20}, {"weeks": 24}, {"weeks": 20}])
    assert history_entered_twice(case) == [GestationalAge(weeks=20), GestationalAge(weeks=24)]


def test_a_late_scan_is_named_alongside_other_bad_fields() -> None:
    """A file with a bad field and scans dated after today names every one of them at once."""
    doc = {
        "gestational_age": {"weeks": 19, "days": 0},
        "fetuses": 9,
        "exam": {"cervical_dilation_cm": 11.0},
        "ultrasound": {
            "cervical_lengths": [
                {"gestational_age": {"weeks": 20, "days": 0}, "cervical_length_mm": 30.0},
                {"gestational_age": {"weeks": 18, "days": 0}, "cervical_length_mm": 30.0},
                {"gestational_age": {"weeks": 21, "days": 0}, "cervical_length_mm": 30.0},
            ]
        },
    }
    paths = [p for p, _ in problems_of(doc)]
    assert paths == [
        "fetuses",
        "exam.cervical_dilation_cm",
        "ultrasound.cervical_lengths[0].gestational_age",
        "ultrasound.cervical_lengths[2].gestational_age",
    ]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"fetuses": 1, "fetuses": 3}', "names the key 'fetuses' twice"),
        (
            b'{"history": {"second_trimester_losses": [], "second_trimester_losses": null}}',
            "'second_trimester_losses' twice",
        ),
        (b'{"fetuses": ' + b"9" * 4301 + b"}", "a number of 4301 digits"),
        (b"[" * 100 + b"]" * 100, "nests 100 levels deep"),
        ('{"fetuses": 1}'.encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
        (b'{"fetuses": 1, "gestational_age": {"weeks": 20, "days": 0\xff}}', "is not UTF-8 text (byte 57)"),
    ],
    ids=["duplicate-key", "duplicate-nested-key", "4301-digit-integer", "deep-nesting", "utf-16", "bad-byte"],
)
def test_a_hostile_file_is_refused_saying_why_before_anything_is_read_from_it(raw: bytes, words: str) -> None:
    """Duplicate keys (json keeps the later one silently), huge integers, deep nesting and the wrong
    encoding are each refused with a message that says what is wrong, never a traceback."""
    with pytest.raises(CaseError) as caught:
        case_from_json(raw)
    [(path, message)] = caught.value.problems
    assert path == "(file)" and words in message


def test_a_utf8_byte_order_mark_is_read_past() -> None:
    """Some editors start UTF-8 files with a byte-order mark; the case reads as without it."""
    assert case_from_json(b"\xef\xbb\xbf" + b'{"fetuses": 2}').fetuses == 2


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_refused_at_their_field(literal: bytes) -> None:
    """NaN and infinities are out of every range, refused at the field that holds them."""
    with pytest.raises(CaseError) as caught:
        case_from_json(b'{"exam": {"cervical_dilation_cm": ' + literal + b"}}")
    assert [p for p, _ in caught.value.problems] == ["exam.cervical_dilation_cm"]
