"""The case: one patient's findings, as a typed model and as a JSON case file.

Every clinical finding is tri-state (present / absent / unknown) and ``unknown`` is the
default: nothing a clinician has not answered is ever read as absent. Counts and lists
use ``None`` for "not known" and an empty list or zero for "known to be none".

The format deliberately has no name, record number, birth date or free-text field, and
unknown keys are refused, so no identifier can be smuggled into a case file.
"""

from __future__ import annotations

import enum
import json
import math
import re
import typing
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CASE_FORMAT_VERSION = "2"
# Version 2 (KB 1.4): each second-trimester loss says whether it was painless (ACOG's history
# indication counts painless losses only, NICE and RCOG any spontaneous loss), and a cerclage
# already in place in this pregnancy is recorded. A version 1 file is upgraded as it is read:
# its losses were recorded as painless, so they stay so; what it lacks is left unknown.
READABLE_FORMAT_VERSIONS = ("1", "2")
V1_LOSSES = "painless_second_trimester_losses"  # the version 1 name of history.second_trimester_losses


class Tri(str, enum.Enum):
    """A finding's answer. ``unknown`` means "not asked or not known", never "absent"."""

    present = "present"
    absent = "absent"
    unknown = "unknown"


class Amniocentesis(str, enum.Enum):
    """Result of amniocentesis for intra-amniotic infection in this pregnancy."""

    infection_found = "infection_found"
    no_infection = "no_infection"
    not_done = "not_done"
    unknown = "unknown"


class PriorCerclageReason(str, enum.Enum):
    """Why a cerclage was placed in an earlier pregnancy."""

    painless_dilation = "painless_dilation"  # exam-indicated, for painless second-trimester dilation
    history = "history"  # planned because of earlier history
    ultrasound = "ultrasound"  # for a short cervix on scan
    unknown = "unknown"


class PriorCerclageRoute(str, enum.Enum):
    transvaginal = "transvaginal"
    transabdominal = "transabdominal"
    unknown = "unknown"


class CerclageIndication(str, enum.Enum):
    """What a cerclage placed in this pregnancy was placed for."""

    history = "history"
    ultrasound = "ultrasound"
    physical_exam = "physical_exam"  # exam-indicated (rescue, emergency)
    unknown = "unknown"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class GestationalAge(_Strict):
    """Completed weeks and days (for example 23+4 is weeks=23, days=4)."""

    weeks: Annotated[int, Field(ge=0, le=42, strict=True, description="completed weeks, 0 to 42")]
    days: Annotated[int, Field(ge=0, le=6, strict=True, description="days beyond the completed week, 0 to 6")] = 0

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"

    @classmethod
    def parse(cls, text: str) -> "GestationalAge":
        """Read '23+4' (or '23') into weeks and days."""
        weeks, _, days = text.strip().partition("+")
        return cls(weeks=int(weeks), days=int(days or 0))


def ga_days(text: str) -> int:
    """Days from a '23+4' string; used by the knowledge base for windows and thresholds."""
    return GestationalAge.parse(text).total_days


class PriorBirth(_Strict):
    """One earlier pregnancy outcome; gestational age may be unknown (``None``)."""

    gestational_age: GestationalAge | None = None


class PriorLoss(_Strict):
    """One earlier second-trimester loss; its gestational age and whether it was painless may be unknown."""

    gestational_age: GestationalAge | None = None
    # Painless dilation without labour, abruption or infection: what ACOG's history indication counts.
    painless: Tri = Tri.unknown


def _two_places(value: float | None) -> float | None:
    """At most two decimal places: every value is then shown exactly (``:g``, the intake's boxes)."""
    if value is not None and round(value, 2) != value:
        raise ValueError(f"{value!r} has more than two decimal places; give at most two (for example 24.96)")
    return value


TwoPlaces = AfterValidator(_two_places)


class CervicalLengthScan(_Strict):
    """One transvaginal cervical-length measurement in this pregnancy."""

    gestational_age: GestationalAge
    cervical_length_mm: Annotated[
        float, Field(ge=0, le=60, strict=True, description="millimetres, 0 to 60"), TwoPlaces
    ]


# Details of an earlier cerclage: answered only when the cerclage is known to have happened.
CERCLAGE_DETAIL_FIELDS = ("prior_cerclage_reason", "prior_cerclage_route", "prior_cerclage_failed")


class History(_Strict):
    """Obstetric history before this pregnancy."""

    # Spontaneous second-trimester losses, each saying whether it was painless (no labour,
    # abruption or infection). None = not known; [] = none. Gestational age 13+0 to 27+6 if known.
    second_trimester_losses: list[PriorLoss] | None = None
    # Spontaneous preterm births (before 37+0); None = not known; [] = none.
    spontaneous_preterm_births: list[PriorBirth] | None = None
    prior_cerclage: Tri = Tri.unknown
    prior_cerclage_reason: PriorCerclageReason = PriorCerclageReason.unknown
    prior_cerclage_route: PriorCerclageRoute = PriorCerclageRoute.unknown
    # "Failed": loss or birth before 28+0 weeks despite the cerclage (FIGO-CERC, MAVRIC).
    prior_cerclage_failed: Tri = Tri.unknown

    @field_validator("second_trimester_losses")
    @classmethod
    def _losses_in_second_trimester(cls, value: list[PriorLoss] | None) -> list[PriorLoss] | None:
        for index, loss in enumerate(value or []):
            ga = loss.gestational_age
            if ga is not None and not (13 * 7 <= ga.total_days <= 27 * 7 + 6):
                raise ValueError(
                    f"loss {index + 1}: a second-trimester loss is between 13+0 and 27+6 weeks, got {ga}"
                )
        return value

    @field_validator("spontaneous_preterm_births")
    @classmethod
    def _births_preterm(cls, value: list[PriorBirth] | None) -> list[PriorBirth] | None:
        for index, birth in enumerate(value or []):
            ga = birth.gestational_age
            if ga is not None and not (16 * 7 <= ga.total_days <= 36 * 7 + 6):
                raise ValueError(
                    f"birth {index + 1}: a spontaneous preterm birth is between 16+0 and 36+6 weeks, got {ga}"
                )
        return value

    @model_validator(mode="after")
    def _cerclage_details_need_a_cerclage(self) -> "History":
        # Details describe a cerclage known to have happened; with the cerclage absent or not
        # known they would be read as facts about a procedure that may never have taken place.
        if self.prior_cerclage != Tri.present:
            for name in CERCLAGE_DETAIL_FIELDS:
                if getattr(self, name).value != "unknown":
                    raise _PathError(
                        ("history", name),
                        f"is given, but a cerclage in an earlier pregnancy is '{self.prior_cerclage.value}', "
                        "not 'present'",
                    )
        return self


class RiskFactors(_Strict):
    """Cervical risk factors (ACOG PB 142: associations inconsistent; not indications alone)."""

    conization_or_leep: Tri = Tri.unknown
    repeated_mechanical_dilation: Tri = Tri.unknown
    obstetric_cervical_laceration: Tri = Tri.unknown
    mullerian_anomaly: Tri = Tri.unknown
    connective_tissue_disorder: Tri = Tri.unknown
    in_utero_des_exposure: Tri = Tri.unknown


class Symptoms(_Strict):
    pelvic_pressure: Tri = Tri.unknown
    cramping: Tri = Tri.unknown
    backache: Tri = Tri.unknown
    discharge_change: Tri = Tri.unknown
    mild_contractions: Tri = Tri.unknown


class Exam(_Strict):
    cervical_dilation_cm: Annotated[
        float | None, Field(ge=0, le=10, strict=True, description="centimetres, 0 to 10"), TwoPlaces
    ] = None
    membranes_at_or_beyond_os: Tri = Tri.unknown

    @model_validator(mode="after")
    def _no_membranes_through_a_closed_os(self) -> "Exam":
        # Membranes at or beyond the external os need an open os: the two answers cannot both be
        # true, and the tool will not choose between them for the clinician.
        if self.cervical_dilation_cm == 0 and self.membranes_at_or_beyond_os == Tri.present:
            raise _PathError(
                ("exam", "membranes_at_or_beyond_os"),
                "is 'present', but the cervical dilation is 0 cm (closed): membranes cannot be at or beyond "
                "a closed external os; check both answers",
            )
        return self


class Ultrasound(_Strict):
    cervical_lengths: list[CervicalLengthScan] = Field(default_factory=list)
    # False would mean "no scan yet"; an empty list with this flag unknown is "not known".
    funneling: Tri = Tri.unknown


class Exclusions(_Strict):
    """Findings that exclude the diagnosis or contraindicate cerclage."""

    labour: Tri = Tri.unknown  # regular painful contractions or labour
    bleeding_or_abruption: Tri = Tri.unknown
    ruptured_membranes: Tri = Tri.unknown
    clinical_chorioamnionitis: Tri = Tri.unknown
    amniocentesis: Amniocentesis = Amniocentesis.unknown


class FetalStatus(_Strict):
    fetal_demise: Tri = Tri.unknown
    lethal_anomaly: Tri = Tri.unknown
    fetal_compromise: Tri = Tri.unknown


# Details of a cerclage in this pregnancy: answered only when it is known to be in place.
CERCLAGE_NOW_DETAIL_FIELDS = ("route", "indication", "placed_at")


class CerclageNow(_Strict):
    """A cerclage already in place in this pregnancy (placing another is then a different question)."""

    in_place: Tri = Tri.unknown
    route: PriorCerclageRoute = PriorCerclageRoute.unknown
    indication: CerclageIndication = CerclageIndication.unknown
    # Gestational age it was placed at; None = not recorded (a transabdominal one may predate the pregnancy).
    placed_at: GestationalAge | None = None

    @model_validator(mode="after")
    def _details_need_a_cerclage(self) -> "CerclageNow":
        if self.in_place != Tri.present:
            for name in CERCLAGE_NOW_DETAIL_FIELDS:
                value = getattr(self, name)
                if value is not None and getattr(value, "value", None) != "unknown":
                    raise _PathError(
                        ("cerclage", name),
                        f"is given, but a cerclage in place in this pregnancy is '{self.in_place.value}', "
                        "not 'present'",
                    )
        return self


_INDICATION_WORDS = {"history": "history-indicated", "ultrasound": "ultrasound-indicated", "physical_exam": "rescue"}


def cerclage_in_place_words(now: CerclageNow) -> str:
    """The cerclage in place in words ("A transvaginal cerclage is in place (history-indicated), placed at 14+2
    weeks"), or "" when none is recorded as in place."""
    if now.in_place != Tri.present:
        return ""
    route = "" if now.route == PriorCerclageRoute.unknown else f" {now.route.value}"
    notes = [] if now.indication == CerclageIndication.unknown else [_INDICATION_WORDS[now.indication.value]]
    if now.placed_at is None:
        notes.append("date placed not recorded")
    if now.route == PriorCerclageRoute.unknown:
        notes.append("route not recorded")
    text = f"A{route} cerclage is in place" + (f" ({'; '.join(notes)})" if notes else "")
    return text + (f", placed at {now.placed_at} weeks" if now.placed_at else "")


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A case document in the current format: a version 1 document (or one with no version) is upgraded.

    Version 1 recorded only painless losses, so each of its losses is painless; it had no field
    for a cerclage in this pregnancy, which is left unknown. Any other version is left for the
    model to refuse by name.
    """
    version = data.get("format_version", "1")
    if version != "1":
        return data
    out = {**data, "format_version": CASE_FORMAT_VERSION}
    history = out.get("history")
    if isinstance(history, dict) and V1_LOSSES in history:
        if "second_trimester_losses" in history:  # the upgrade would otherwise drop one list silently
            raise _PathError(
                ("history", V1_LOSSES),
                "is given together with history.second_trimester_losses, its version 2 name; give the list "
                'once (as a format_version "2" file: history.second_trimester_losses, painless answered)',
            )
        history = dict(history)
        losses = history.pop(V1_LOSSES)
        if isinstance(losses, list):
            for index, loss in enumerate(losses):
                if isinstance(loss, dict) and "painless" in loss:  # version 1 had no such answer
                    raise _PathError(
                        ("history", V1_LOSSES, index, "painless"),
                        "is not a field of case format version 1 (its losses were all painless); "
                        'write the file as format_version "2" to answer it',
                    )
            losses = [{**loss, "painless": "present"} if isinstance(loss, dict) else loss for loss in losses]
        history["second_trimester_losses"] = losses
        out["history"] = history
    return out


class Case(_Strict):
    """One patient's findings. No identifiers; nothing free-text."""

    format_version: Literal["2"] = CASE_FORMAT_VERSION
    gestational_age: GestationalAge | None = None
    fetuses: Annotated[int | None, Field(ge=1, le=6, strict=True, description="number of fetuses, 1 to 6")] = None
    history: History = Field(default_factory=History)
    risk_factors: RiskFactors = Field(default_factory=RiskFactors)
    symptoms: Symptoms = Field(default_factory=Symptoms)
    exam: Exam = Field(default_factory=Exam)
    ultrasound: Ultrasound = Field(default_factory=Ultrasound)
    exclusions: Exclusions = Field(default_factory=Exclusions)
    fetal: FetalStatus = Field(default_factory=FetalStatus)
    cerclage: CerclageNow = Field(default_factory=CerclageNow)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        return upgrade(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _scans_not_after_today(self) -> "Case":
        today = self.gestational_age
        for index, scan in enumerate(self.ultrasound.cervical_lengths):
            if today is not None and scan.gestational_age.total_days > today.total_days:
                where = ("ultrasound", "cervical_lengths", index, "gestational_age")
                raise _PathError(where, _late(scan.gestational_age, today))
        placed = self.cerclage.placed_at
        if today is not None and placed is not None and placed.total_days > today.total_days:
            raise _PathError(
                ("cerclage", "placed_at"),
                f"cerclage placed at {placed} weeks is after the current gestational age {today}",
            )
        return self


def _late(when: GestationalAge, today: GestationalAge) -> str:
    return f"scan dated {when} weeks is after the current gestational age {today}"


def history_entered_twice(case: Case) -> list[GestationalAge]:
    """Gestational ages recorded both as a painless second-trimester loss and as a spontaneous
    preterm birth, earliest first.

    Two pregnancies can end at the same gestational age, so this is not an error; but one
    pregnancy entered in both lists is counted twice where a rule counts losses and births
    together (RCOG-HIC: three or more), so the clinician is asked to check.
    """
    losses = case.history.second_trimester_losses or []
    births = case.history.spontaneous_preterm_births or []
    both = {loss.gestational_age for loss in losses} & {birth.gestational_age for birth in births}
    return sorted((ga for ga in both if ga is not None), key=lambda ga: ga.total_days)


class _PathError(ValueError):
    """A cross-field error that knows which field it belongs to."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


# Problems a CaseError spells out. A 256 KB file can hold 130,000 bad entries; naming each costs
# seconds (pydantic's error list, then a message per entry) and nobody reads past the first few.
NAMED_PROBLEMS = 200


class CaseError(Exception):
    """A case file or form that cannot be accepted; ``problems`` names each bad field, in the file's
    order, up to NAMED_PROBLEMS; ``more`` counts the problems found beyond those."""

    def __init__(self, problems: list[tuple[str, str]], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        text = "; ".join(f"{path}: {message}" for path, message in problems)
        super().__init__(text + (f"; and {more} more" if more else ""))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(case)"


_RANGE_ERRORS = {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}


def _description(loc: tuple[Any, ...]) -> str | None:
    """The description of the model field at ``loc`` (for example "completed weeks, 0 to 42")."""
    model: Any = Case
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        model = _model_in(info.annotation)
    return info.description if info is not None else None


def _model_in(annotation: Any) -> Any:
    """The model inside an annotation such as ``list[PriorBirth] | None``, or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, typing.get_args(annotation)) if m is not None), None)


def _friendly(error: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, _PathError):
        return _path(original.loc), str(original)
    if isinstance(given := error.get("input"), _Inexact):
        return _path(loc), (
            f"{given.text} cannot be held exactly: it would be read as {given.value!r}; write the number with "
            "fewer digits"
        )
    kind = error.get("type", "")
    message = error.get("msg", "invalid value")
    if kind in _RANGE_ERRORS and (allowed := _description(loc)):
        # "Input should be less than or equal to 42" names no unit; say the value and the range.
        message = f"{error.get('input')} is out of range ({allowed})"
    elif kind == "enum" and ctx.get("expected"):
        message = f"{error.get('input')!r} is not an answer here; use {ctx['expected']}"
    elif kind == "extra_forbidden":
        message = "is not a field of the case format (names, record numbers, dates and free text are not accepted)"
    elif kind == "missing":
        message = "is required"
    elif kind == "literal_error" and loc == ("format_version",):
        readable = " or ".join(f'"{v}"' for v in READABLE_FORMAT_VERSIONS)
        given = error.get("input")
        message = (
            f"{given!r} is not a case-format version this tool reads ({readable})"
            if isinstance(given, str)
            else f"is {given!r}, not text: write the version in quotes ({readable})"
        )
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return _path(loc), message


MAX_CASE_FILE_BYTES = 256 * 1024


def _scans_after_today(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Scans dated after the current gestational age, read from a raw case document whose
    other fields may be invalid; parts that cannot be read are left to the model's messages."""
    try:
        today = GestationalAge.model_validate(data.get("gestational_age"))
        scans = data["ultrasound"]["cervical_lengths"]
    except (ValidationError, KeyError, TypeError):
        return []
    out = []
    for index, scan in enumerate(scans if isinstance(scans, list) else []):
        try:
            when = GestationalAge.model_validate(scan["gestational_age"])
        except (ValidationError, KeyError, TypeError):
            continue
        if when.total_days > today.total_days:
            out.append((f"ultrasound.cervical_lengths[{index}].gestational_age", _late(when, today)))
    return out


def _as_v1(path: str) -> str:
    new = "history.second_trimester_losses"
    return f"history.{V1_LOSSES}" + path[len(new):] if path.startswith(new) else path


def _cut_lists(node: Any, length: int) -> tuple[Any, bool]:
    """``node`` with every list in it cut to its first ``length`` entries, and whether any was cut."""
    if isinstance(node, list):
        parts = [_cut_lists(item, length) for item in node[:length]]
        return [p for p, _ in parts], len(node) > length or any(c for _, c in parts)
    if isinstance(node, dict):
        parts_of = {key: _cut_lists(value, length) for key, value in node.items()}
        return {k: p for k, (p, _) in parts_of.items()}, any(c for _, c in parts_of.values())
    return node, False


def _first_errors(data: dict[str, Any], exc: ValidationError) -> list[Any]:
    """pydantic's errors for ``data`` in the file's order: all of them, or, where there are thousands,
    at least the first NAMED_PROBLEMS (pydantic lists all or none, at about 5 microseconds each).

    Those are the errors of the file with its lists cut short, lengthened until enough are found:
    an entry's errors do not depend on the entries after it, so each is one the whole file has.
    """
    if exc.error_count() <= 4 * NAMED_PROBLEMS:
        return exc.errors(include_url=False)
    length = NAMED_PROBLEMS
    while True:
        shorter, cut = _cut_lists(data, length)
        try:
            Case.model_validate(shorter)
            errors = []
        except ValidationError as part:
            errors = part.errors(include_url=False)
        if len(errors) >= NAMED_PROBLEMS or not cut:
            return errors
        length *= 4


def case_from_dict(data: Any) -> Case:
    """Validate a parsed case; raises CaseError naming every bad field."""
    if not isinstance(data, dict):
        raise CaseError([("(case)", "a case file is a JSON object")])
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = _first_errors(data, exc)
        problems = [_friendly(e) for e in errors[:NAMED_PROBLEMS]]
        more = max(exc.error_count(), len(errors)) - len(problems)
        history = data.get("history")
        if data.get("format_version", "1") == "1" and isinstance(history, dict) and V1_LOSSES in history:
            # name a version 1 file's fields as it wrote them (not a list it wrote under the version 2 name)
            problems = [(_as_v1(path), message) for path, message in problems]
        elif data.get("format_version") == CASE_FORMAT_VERSION:
            old = f"history.{V1_LOSSES}"
            problems = [
                (path, message if path != old else "is the version 1 name of this list: a version 2 file calls it "
                 "history.second_trimester_losses, with 'painless' answered for each loss")
                for path, message in problems
            ]
        # The model checks scan dates only once every field is valid, and stops at the first;
        # a file is refused as a whole, so name every late scan now, with the other problems.
        named = set(problems)
        late = [p for p in _scans_after_today(data) if p not in named]
        room = max(NAMED_PROBLEMS - len(problems), 0)
        problems += late[:room]
        raise CaseError(problems, more + len(late[room:])) from None
    except (ValueError, TypeError, RecursionError) as exc:  # defensive: never a traceback
        raise CaseError([("(case)", f"could not be read: {exc.__class__.__name__}")]) from None


MAX_DIGITS = 20  # no number in a case file needs more digits; a longer run is refused before parsing
MAX_DEPTH = 12  # a case file nests five levels; deeper is refused before parsing


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: json.loads would keep the later of two silently."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


# A JSON string (or one left open at the end of the text): what it holds is not structure or a number.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")
_DIGIT_RUN = re.compile(r"\d+")


def _too_deep_or_too_long(text: str) -> str | None:
    """Why the text is refused before it is parsed (nesting or a number too long), or None."""
    outside = _STRING.sub('""', text)
    depth = deepest = 0
    for bracket in _BRACKETS.findall(outside):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    longest = max(map(len, _DIGIT_RUN.findall(outside)), default=0)
    if deepest > MAX_DEPTH:
        return f"nests {deepest} levels deep; a case file nests at most {MAX_DEPTH}"
    if longest > MAX_DIGITS:
        return f"holds a number of {longest} digits; no field takes more than {MAX_DIGITS}"
    return None


_JSON_WHITESPACE = " \t\r\n"
_UTF8_BOM = b"\xef\xbb\xbf"


def _wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the bytes are JSON text in that encoding, with a byte-order mark or
    without one (then told by where its NUL bytes fall, and only if the bytes decode), else None."""
    encoding = json.detect_encoding(raw)
    if not encoding.startswith(("utf-16", "utf-32")):
        return None
    if encoding not in ("utf-16", "utf-32"):  # no byte-order mark: random bytes can look the same
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            return None
    return encoding[:6].upper()


# A lone surrogate (U+D800 to U+DFFF), escaped as JSON allows or in a str given directly.
_SURROGATE_TEXT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogates(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[str, str]]:
    """Each key or string holding a lone surrogate, named. pydantic cannot read one: it names the
    object around it ("(case)" for a stray top-level key), not the field."""
    out: list[tuple[str, str]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        where = (*loc, key)
        if isinstance(key, str) and (found := _SURROGATE.search(key)) or isinstance(value, str) and (
            found := _SURROGATE.search(value)
        ):
            out.append((_path(where), f"holds the lone surrogate \\u{ord(found[0]):04x}, which is not a character"))
        else:
            out += _lone_surrogates(value, where)
    return out


class _Inexact:
    """A number written with more digits than a float keeps: reading it would change its value."""

    def __init__(self, text: str, value: float) -> None:
        self.text, self.value = text, value

    def __repr__(self) -> str:
        return self.text


def _exact_float(text: str) -> float | _Inexact:
    """The number a JSON decimal means, or _Inexact when the nearest float is another number.

    24.99999999999999999 is read by json as 25.0 (and 0.99999999999999999 as 1.0): across the
    25 mm and 1 cm thresholds, so the case would be assessed on a value it does not hold; 1e999
    would be infinity. The model refuses _Inexact at its field. -0.0 is read as 0.0. Every float
    this tool writes (its shortest repr) reads back exactly.
    """
    value = float(text) + 0.0
    if not math.isfinite(value) or Decimal(repr(value)) != Decimal(text):  # 1e999 would be read as inf
        return _Inexact(text, value)
    return value


def case_from_json(raw: bytes | str) -> Case:
    """Read a case file's bytes; too large, not JSON or invalid all raise CaseError."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > MAX_CASE_FILE_BYTES:
        raise CaseError([("(file)", f"is {size // 1024} KB; a case file is at most {MAX_CASE_FILE_BYTES // 1024} KB")])
    wide = _wide_encoding(raw) if isinstance(raw, bytes) else None
    if wide:
        raise CaseError([("(file)", f"is {wide} text; save it as UTF-8 (a case file is UTF-8 JSON)")])
    try:
        # A UTF-8 byte-order mark is harmless and some editors write one: it is read past.
        bom = len(_UTF8_BOM) if isinstance(raw, bytes) and raw.startswith(_UTF8_BOM) else 0
        text = raw[bom:].decode("utf-8") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
        if not text.strip(_JSON_WHITESPACE):
            raise CaseError([("(file)", "is empty; a case file is a JSON object")])
        why = _too_deep_or_too_long(text)
        if why:
            raise CaseError([("(file)", why)])
        data = json.loads(text, object_pairs_hook=_no_repeats, parse_float=_exact_float)
        if _SURROGATE_TEXT.search(text):
            surrogates = _lone_surrogates(data)
            if surrogates:
                raise CaseError(surrogates[:NAMED_PROBLEMS], len(surrogates[NAMED_PROBLEMS:]))
    except UnicodeDecodeError as exc:
        where = exc.start + bom  # counted from the start of the file, the mark included
        raise CaseError([("(file)", f"is not UTF-8 text (byte {where}); a case file is UTF-8 JSON")]) from None
    except _DuplicateKey as exc:
        key = json.dumps(exc.key)[1:-1]  # escaped: a key may hold control characters
        raise CaseError([("(file)", f"names the key '{key}' twice in one object; only one may stay")]) from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise CaseError([("(file)", f"is not valid JSON{where}")]) from None
    return case_from_dict(data)


def case_to_json(case: Case) -> str:
    """The case file for a case: stable key order, only the case format's fields."""
    return json.dumps(case.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"


def case_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the case file (written to data/case.schema.json)."""
    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Cervical insufficiency case file"
    schema["description"] = (
        "One patient's findings for the cervical insufficiency dashboard. Every finding is "
        "present, absent or unknown; unknown is never read as absent. No identifiers."
    )
    return schema
