"""The intake form's values, as a flat mapping, to and from a Case. No Streamlit here.

The form keeps one value per widget under keys named after the case field they fill
(``in.exclusions.labour``). Repeating rows (earlier losses and births, cervical-length
scans) keep a list of row ids under ``rows.<field>`` and one value per cell under
``in.<field>.<row id>.<column>``. ``form_to_case`` builds a validated Case or raises
CaseError naming each field; ``case_to_form`` fills the form from an uploaded case.
What a section's "None of these" set, for its Undo, is kept under ``in.none_of_these.<section>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dashboard.case import (
    CASE_FORMAT_VERSION,
    Amniocentesis,
    Case,
    CaseError,
    CerclageIndication,
    PriorCerclageReason,
    PriorCerclageRoute,
    Tri,
    case_from_dict,
)
from dashboard.facts import CERCLAGE_DETAILS, CERCLAGE_NOW_DETAILS, LOSSES_PAINLESS, field_is_unknown
from dashboard.fields import FIELD_LABELS, SECTIONS, section_of
from dashboard.views import md_text

IN = "in."
ROWS = "rows."

TRI_FIELDS: dict[str, tuple[str, ...]] = {
    "history": ("prior_cerclage", "prior_cerclage_failed"),
    "risk_factors": (
        "conization_or_leep",
        "repeated_mechanical_dilation",
        "obstetric_cervical_laceration",
        "mullerian_anomaly",
        "connective_tissue_disorder",
        "in_utero_des_exposure",
    ),
    "symptoms": ("pelvic_pressure", "cramping", "backache", "discharge_change", "mild_contractions"),
    "cerclage": ("in_place",),
    "exam": ("membranes_at_or_beyond_os",),
    "ultrasound": ("funneling",),
    "exclusions": ("labour", "bleeding_or_abruption", "ruptured_membranes", "clinical_chorioamnionitis"),
    "fetal": ("fetal_demise", "lethal_anomaly", "fetal_compromise"),
}
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "history.prior_cerclage_reason": tuple(e.value for e in PriorCerclageReason),
    "history.prior_cerclage_route": tuple(e.value for e in PriorCerclageRoute),
    "cerclage.route": tuple(e.value for e in PriorCerclageRoute),
    "cerclage.indication": tuple(e.value for e in CerclageIndication),
    "exclusions.amniocentesis": tuple(e.value for e in Amniocentesis),
}
BIRTH_LISTS = ("history.second_trimester_losses", "history.spontaneous_preterm_births")
LOSSES = BIRTH_LISTS[0]  # each loss also answers "painless?"
SCANS = "ultrasound.cervical_lengths"
# Answer to "any earlier ...?", in the order of every other question on the page: the finding,
# its absence, then Unknown (which stays the default).
LIST_KNOWN = ("yes", "none", "unknown")

TRI_OPTIONS = tuple(t.value for t in (Tri.present, Tri.absent, Tri.unknown))
TRI_WORDS = {"present": "Present", "absent": "Absent", "unknown": "Unknown"}
PAINLESS_WORDS = {"present": "Painless", "absent": "Not painless", "unknown": "Unknown"}
CHOICE_WORDS = {
    "painless_dilation": "For painless second-trimester dilation",
    "history": "Planned, because of history",
    "ultrasound": "For a short cervix on scan",
    "physical_exam": "For dilation on examination (rescue)",
    "transvaginal": "Transvaginal",
    "transabdominal": "Transabdominal",
    "infection_found": "Infection found",
    "no_infection": "No infection found",
    "not_done": "Not done",
    "unknown": "Unknown",
    "none": "None",
    "yes": "Yes",
}


def key(path: str) -> str:
    return IN + path


# ------------------------------------------------------------------ "None of these"
# Sections where a clinician commonly rules out a whole list at once ("no risk factors", "no
# symptoms", "none of the exclusions", "fetal status reassuring", "no earlier losses, preterm births
# or cerclage"). Examination and ultrasound hold one question each, answered directly. Only answers
# still Unknown are set (an answer given is never overwritten), and Unknown stays the default:
# nothing is ever read as absent without an explicit action.
NONE_OF_THESE_SECTIONS = ("history", "risk_factors", "symptoms", "exclusions", "fetal")


def none_answers(section: str) -> dict[str, str]:
    """Field path -> the answer that records it as not there, for each finding "None of these" covers.

    History lists answer "none" (no earlier pregnancy of that kind); findings answer "absent". The
    details of an earlier cerclage (reason, route, failed) are not findings to rule out and are left
    alone, as is the amniocentesis result, which is not a present/absent finding.
    """
    if section == "history":
        return {**{path: "none" for path in BIRTH_LISTS}, "history.prior_cerclage": Tri.absent.value}
    if section not in NONE_OF_THESE_SECTIONS:
        raise KeyError(f"no 'None of these' for section {section!r}")
    return {f"{section}.{name}": Tri.absent.value for name in TRI_FIELDS[section]}


def answer_key(path: str) -> str:
    """The form key holding a finding's answer (a history list keeps it under ``.known``)."""
    return key(path + ".known") if path in BIRTH_LISTS else key(path)


def none_of_these(section: str, values: Mapping[str, Any]) -> dict[str, str]:
    """What "None of these" would set in ``section``: path -> answer, for the findings still unknown only."""
    return {
        path: answer
        for path, answer in none_answers(section).items()
        if values.get(answer_key(path), "unknown") == "unknown"
    }


def none_record_key(section: str) -> str:
    """Where the paths a "None of these" set are kept, for its Undo.

    Under the form's own prefix, so it is forgotten with the answers it describes (New case, a
    loaded case file); ``form_to_case`` reads only field keys and ignores it.
    """
    return key(f"none_of_these.{section}")


def still_as_recorded(section: str, recorded: tuple[str, ...], values: Mapping[str, Any]) -> dict[str, str]:
    """Of the paths a "None of these" set, those still holding the answer it gave (path -> answer).

    A finding changed since (to present, or back to unknown) is no longer the button's doing, so
    Undo leaves it as it is now.
    """
    answers = none_answers(section)
    return {
        path: answers[path] for path in recorded if path in answers and values.get(answer_key(path)) == answers[path]
    }


def rows_key(path: str) -> str:
    return ROWS + path


def cell_key(path: str, row_id: str, column: str) -> str:
    return f"{IN}{path}.{row_id}.{column}"


NUMBER_CHARS = 8  # the most characters a number box takes (max_chars); "24.96" is five
# ASCII digits only: a digit from another script can look like a different one.
_WHOLE = re.compile(r"[0-9]{1,8}")
_DECIMAL = re.compile(r"([0-9]*)(?:[.,]([0-9]*))?")  # 1.5, 1,5, .5 and 5. are all read
DECIMAL_PLACES = 2  # thresholds are whole numbers; two places keep every typed value exact on screen


def read_number(raw: Any, *, whole: bool) -> tuple[int | float | None, str | None]:
    """The number a box holds as typed, or why it cannot be used: ``(value, None)`` or ``(None, message)``.

    Blank is "not answered" (None). A decimal comma is read as a decimal point (0,5 is 0.5). A
    value is taken only if it is exactly what the box shows: whole numbers for weeks, days and
    fetuses, at most two decimal places otherwise (so 24.96 mm is 24.96, shown and assessed as
    such). Anything else is refused with a message quoting what was typed; the box keeps it. A
    value that is not text (only code puts one there) is read the same way from its text. The
    message is shown after the field's name ("Cervical dilation (cm): ...").
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None, "is not a number"
    text = (raw if isinstance(raw, str) else repr(raw)).strip()
    if not text:
        return None, None
    shown = md_text(text if len(text) <= 12 else text[:12] + "…")
    if len(text) > NUMBER_CHARS:
        return None, f"'{shown}' is too long to be a number here"
    if text.startswith("-"):
        return None, f"'{shown}' is negative; enter a number of 0 or more"
    if whole:
        if _WHOLE.fullmatch(text):
            return int(text), None
        if _DECIMAL.fullmatch(text) and any(c.isdigit() for c in text):
            return None, f"'{shown}' is not a whole number; enter a whole number, without a decimal point"
        return None, f"'{shown}' is not a number; type the digits 0 to 9 only"
    match = _DECIMAL.fullmatch(text)
    if not match or not (match.group(1) or match.group(2)):
        return None, (
            f"'{shown}' is not a number; type the digits 0 to 9, with a decimal point or comma if needed "
            "(for example 1.5)"
        )
    places = match.group(2) or ""
    if len(places) > DECIMAL_PLACES:
        return None, (
            f"'{shown}' has {len(places)} digits after the decimal point or comma; give at most "
            f"{DECIMAL_PLACES} (a comma is read as a decimal point, never as a thousands separator)"
        )
    return float(f"{match.group(1) or 0}.{places or 0}"), None


def _typed(raw: Any) -> bool:
    """Whether a number box holds anything (a blank box is "not answered")."""
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def number_text(value: int | float | None) -> str:
    """A case's number as its box shows it: exactly (at most two decimal places), "" when unknown."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def box_text(held: Any) -> str:
    """What a number box shows for a value held in the session: its text, unchanged if it is text.

    Only code puts a non-text value there (the browser sends text). A number is written exactly
    (``repr`` for a float beyond two places, so 24.999 shows as typed and is refused at its field,
    not rounded into the box); anything else shows as its text and is refused as not a number.
    """
    if isinstance(held, str):
        return held
    if held is None:
        return ""
    if isinstance(held, int | float) and not isinstance(held, bool):
        if isinstance(held, float) and (held != held or round(held, DECIMAL_PLACES) != held):
            return repr(held)
        return number_text(held)
    return str(held)


def _ga(weeks: Any, days: Any) -> dict[str, int] | None:
    if weeks is None:
        return None
    return {"weeks": int(weeks), "days": int(days or 0)}


def form_to_case(values: Mapping[str, Any]) -> Case:
    """The Case the form describes; CaseError lists every field that needs attention."""
    problems: list[tuple[str, str]] = []
    get = values.get
    data: dict[str, Any] = {"format_version": CASE_FORMAT_VERSION}

    def number(form_key: str, path: str, *, whole: bool = True) -> Any:
        value, problem = read_number(get(form_key), whole=whole)
        if problem:
            problems.append((path, problem))
        return value

    def ga_of(prefix: str, path: str) -> tuple[Any, Any]:
        return number(f"{prefix}.weeks", f"{path}.weeks"), number(f"{prefix}.days", f"{path}.days")

    weeks, days = ga_of(key("gestational_age"), "gestational_age")
    if weeks is None and days not in (None, 0):
        problems.append(("gestational_age", "enter the weeks as well as the days"))
    data["gestational_age"] = _ga(weeks, days)
    data["fetuses"] = number(key("fetuses"), "fetuses")

    history: dict[str, Any] = {}
    for path in BIRTH_LISTS:
        name = path.split(".", 1)[1]
        known = get(key(path + ".known"), "unknown")
        if known == "unknown":
            history[name] = None
        elif known == "none":
            history[name] = []
        else:
            entries = []
            for index, row_id in enumerate(get(rows_key(path), []) or []):
                w, d = ga_of(cell_key(path, row_id, "").rstrip("."), f"{path}[{index}].gestational_age")
                entry: dict[str, Any] = {"gestational_age": _ga(w, d)}
                if path == LOSSES:
                    entry["painless"] = get(cell_key(path, row_id, "painless"), "unknown")
                entries.append(entry)
            if not entries:
                entries.append({"gestational_age": None})  # "yes", how many not given: at least one
            history[name] = entries
    for name in TRI_FIELDS["history"]:
        history[name] = get(key(f"history.{name}"), "unknown")
    for path in ("history.prior_cerclage_reason", "history.prior_cerclage_route"):
        history[path.split(".", 1)[1]] = get(key(path), "unknown")
    if history["prior_cerclage"] != "present":
        # The details are only asked (and shown) once a cerclage is known to have happened; an
        # answer left behind when it was changed to absent or unknown no longer describes anything.
        for path in CERCLAGE_DETAILS:
            history[path.split(".", 1)[1]] = "unknown"
    data["history"] = history

    in_place = get(key("cerclage.in_place"), "unknown")
    placed_w, placed_d = ga_of(key("cerclage.placed_at"), "cerclage.placed_at")
    if placed_w is None and placed_d not in (None, 0):
        problems.append(("cerclage.placed_at", "enter the weeks as well as the days"))
    data["cerclage"] = {
        "in_place": in_place,
        "route": get(key("cerclage.route"), "unknown"),
        "indication": get(key("cerclage.indication"), "unknown"),
        "placed_at": _ga(placed_w, placed_d),
    }
    if in_place != "present":
        # As for an earlier cerclage: details are shown only once it is known to be in place, and
        # an answer left behind when that changed no longer describes anything.
        data["cerclage"].update(route="unknown", indication="unknown", placed_at=None)

    for section in ("risk_factors", "symptoms", "fetal"):
        data[section] = {name: get(key(f"{section}.{name}"), "unknown") for name in TRI_FIELDS[section]}
    dilation = number(key("exam.cervical_dilation_cm"), "exam.cervical_dilation_cm", whole=False)
    data["exam"] = {
        "cervical_dilation_cm": dilation,
        "membranes_at_or_beyond_os": get(key("exam.membranes_at_or_beyond_os"), "unknown"),
    }

    scans = []
    for index, row_id in enumerate(get(rows_key(SCANS), []) or []):
        at = f"{SCANS}[{index}]"
        w, d = ga_of(cell_key(SCANS, row_id, "").rstrip("."), f"{at}.gestational_age")
        mm = number(cell_key(SCANS, row_id, "mm"), f"{at}.cervical_length_mm", whole=False)
        typed_w = _typed(get(cell_key(SCANS, row_id, "weeks")))
        typed_mm = _typed(get(cell_key(SCANS, row_id, "mm")))
        if w is None or mm is None:
            # A refused number has its own message above; a blank one beside a typed one is asked for.
            if not typed_w and typed_mm:
                problems.append((f"{at}.gestational_age", "enter the gestational age of this scan"))
            if not typed_mm and typed_w:
                problems.append((f"{at}.cervical_length_mm", "enter the cervical length in mm"))
            continue  # an empty row adds no scan
        scans.append({"gestational_age": _ga(w, d), "cervical_length_mm": mm})
    data["ultrasound"] = {"cervical_lengths": scans, "funneling": get(key("ultrasound.funneling"), "unknown")}

    data["exclusions"] = {name: get(key(f"exclusions.{name}"), "unknown") for name in TRI_FIELDS["exclusions"]}
    data["exclusions"]["amniocentesis"] = get(key("exclusions.amniocentesis"), "unknown")

    try:
        case = case_from_dict(data)
    except CaseError as exc:
        raise CaseError(problems + exc.problems, exc.more) from None
    if problems:
        raise CaseError(problems)
    return case


def case_to_form(case: Case) -> dict[str, Any]:
    """Form values (and row ids) that reproduce ``case`` exactly."""
    out: dict[str, Any] = {
        key("gestational_age.weeks"): number_text(case.gestational_age.weeks if case.gestational_age else None),
        key("gestational_age.days"): number_text(case.gestational_age.days if case.gestational_age else None),
        key("fetuses"): number_text(case.fetuses),
    }
    for path in BIRTH_LISTS:
        items = getattr(case.history, path.split(".", 1)[1])
        out[key(path + ".known")] = "unknown" if items is None else ("none" if not items else "yes")
        row_ids = [f"r{i + 1}" for i in range(len(items or []))]
        out[rows_key(path)] = row_ids
        for row_id, item in zip(row_ids, items or []):
            ga = item.gestational_age
            out[cell_key(path, row_id, "weeks")] = number_text(ga.weeks if ga else None)
            out[cell_key(path, row_id, "days")] = number_text(ga.days if ga else None)
            if path == LOSSES:
                out[cell_key(path, row_id, "painless")] = item.painless.value
    for section, names in TRI_FIELDS.items():
        for name in names:
            out[key(f"{section}.{name}")] = getattr(getattr(case, section), name).value
    for path in CHOICE_FIELDS:
        section, name = path.split(".")
        out[key(path)] = getattr(getattr(case, section), name).value
    out[key("exam.cervical_dilation_cm")] = number_text(case.exam.cervical_dilation_cm)
    placed = case.cerclage.placed_at
    out[key("cerclage.placed_at.weeks")] = number_text(placed.weeks if placed else None)
    out[key("cerclage.placed_at.days")] = number_text(placed.days if placed else None)
    row_ids = [f"r{i + 1}" for i in range(len(case.ultrasound.cervical_lengths))]
    out[rows_key(SCANS)] = row_ids
    for row_id, scan in zip(row_ids, case.ultrasound.cervical_lengths):
        out[cell_key(SCANS, row_id, "weeks")] = number_text(scan.gestational_age.weeks)
        out[cell_key(SCANS, row_id, "days")] = number_text(scan.gestational_age.days)
        out[cell_key(SCANS, row_id, "mm")] = number_text(scan.cervical_length_mm)
    return out


def blank_form() -> dict[str, Any]:
    """Every top-level intake widget at its 'not answered' value (rows start empty)."""
    return case_to_form(Case())


def completeness(case: Case) -> dict[str, tuple[int, int]]:
    """Answered and total fields per intake section (symptoms count; they inform, not decide)."""
    out = {section: [0, 0] for section in SECTIONS}
    for path in FIELD_LABELS:
        # Details of an earlier cerclage only count when there was one.
        if path.startswith("history.prior_cerclage_") and case.history.prior_cerclage != Tri.present:
            continue
        if path in CERCLAGE_NOW_DETAILS and case.cerclage.in_place != Tri.present:
            continue
        if path == LOSSES_PAINLESS:
            continue  # part of each loss's row, counted with the list
        bucket = out[section_of(path)]
        bucket[1] += 1
        if path in BIRTH_LISTS:
            # "Yes" is an answer even before each date is given (the dates are asked for
            # separately, in What is missing, where a rule needs them).
            answered = getattr(case.history, path.split(".", 1)[1]) is not None
        else:
            answered = not field_is_unknown(case, path)
        if answered:
            bucket[0] += 1
    return {s: (a, t) for s, (a, t) in out.items()}


def overall(complete: dict[str, tuple[int, int]]) -> tuple[int, int]:
    return sum(a for a, _ in complete.values()), sum(t for _, t in complete.values())
