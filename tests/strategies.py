"""Case generators for the tests: Hypothesis strategies, and cases built to meet or miss a rule.

Three families live here:

* ``case_dicts`` / ``cases``: valid cases in which every field is drawn, unknowns included,
  with values clustered on the clinical thresholds (25 mm, 24+0, 34+0, 16+0, 1 cm ...) so
  the boundaries are exercised, and scans never dated after the current gestational age.
* ``random_documents``, ``mutated_documents``, ``truncated_documents``, ``random_bytes`` and
  ``case_files``: what a case-file upload might really contain.
* ``case_for_outcome``: a deterministic builder that reads a rule's parsed condition tree
  and searches a small set of threshold-hugging field values for a case that makes the rule
  met (or not met). Facts left untouched stay unknown; with Kleene logic a verdict decided
  by the tests it fixes cannot be changed by the ones it leaves open.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from dashboard.case import Case, CaseError, case_from_dict
from dashboard.facts import FACTS, GA_MAX_DAYS, LOSSES_PAINLESS
from dashboard.kb import AllOf, AnyOf, Condition, KnowledgeBase, Leaf, NotOf, RuleRef
from dashboard.logic import evaluate

TRI = ("present", "absent", "unknown")


def ga(text: str) -> dict[str, int]:
    """'23+4' as the case format's gestational-age object."""
    weeks, _, extra_days = text.partition("+")
    return {"weeks": int(weeks), "days": int(extra_days or 0)}


def days(text: str) -> int:
    value = ga(text)
    return value["weeks"] * 7 + value["days"]


def _ga_of_days(total: int) -> dict[str, int]:
    return {"weeks": total // 7, "days": total % 7}


def births(*gestational_ages: str | None) -> list[dict[str, Any]]:
    """Earlier losses or births as the case format lists them (``None``: age not known)."""
    return [{"gestational_age": None if g is None else ga(g)} for g in gestational_ages]


def scan(at: str, mm: float) -> dict[str, Any]:
    return {"gestational_age": ga(at), "cervical_length_mm": mm}


# Gestational ages where some rule or fact changes its answer.
BOUNDARY_DAYS = sorted(
    days(t)
    for t in (
        "11+0", "13+0", "13+6", "14+0", "14+6", "15+0", "15+6", "16+0", "19+6", "20+0", "23+6", "24+0",
        "24+1", "27+6", "28+0", "33+6", "34+0", "34+1", "36+0", "36+6", "37+0",
    )
)
CERVICAL_LENGTHS_MM = (0.0, 10.0, 14.9, 15.0, 19.9, 20.0, 20.1, 24.9, 25.0, 25.1, 30.0, 60.0)
DILATIONS_CM = (0.0, 0.5, 1.0, 1.5, 2.0, 5.0, 10.0)

# --------------------------------------------------------------------------- valid cases
#
# Strategies are built once, at import: Hypothesis pays a noticeable price for every strategy
# object it meets for the first time, so nothing below constructs one inside a draw.

tri = st.sampled_from(TRI)


def gestational_age_days(low: int = 0, high: int = GA_MAX_DAYS) -> st.SearchStrategy[int]:
    """Days of gestation in [low, high], often exactly on a clinical boundary."""
    near = [d for d in BOUNDARY_DAYS if low <= d <= high]
    anywhere = st.integers(low, high)
    return st.one_of(st.sampled_from(near), anywhere) if near else anywhere


def prior_births(low: int, high: int) -> st.SearchStrategy[list[dict[str, Any]] | None]:
    entry = st.one_of(st.none(), gestational_age_days(low, high).map(_ga_of_days)).map(
        lambda g: {"gestational_age": g}
    )
    return st.one_of(st.none(), st.lists(entry, max_size=4))


_LOSSES = st.one_of(
    st.none(),
    st.lists(
        st.fixed_dictionaries(
            {
                "gestational_age": st.one_of(
                    st.none(), gestational_age_days(days("13+0"), days("27+6")).map(_ga_of_days)
                ),
                "painless": tri,
            }
        ),
        max_size=4,
    ),
)
_PRETERM_BIRTHS = prior_births(days("16+0"), days("36+6"))
_TODAY = st.one_of(st.none(), gestational_age_days())
# Two decimal places at most, as the case model accepts (every value then shows exactly).
_CERVICAL_LENGTH_MM = st.one_of(
    st.sampled_from(CERVICAL_LENGTHS_MM), st.floats(0, 60, allow_nan=False).map(lambda mm: round(mm, 2))
)
_SCAN = st.tuples(gestational_age_days(), _CERVICAL_LENGTH_MM)
_SCANS = st.lists(_SCAN, max_size=3)
_DILATION = st.one_of(
    st.none(), st.sampled_from(DILATIONS_CM), st.floats(0, 10, allow_nan=False).map(lambda cm: round(cm, 2))
)
_FETUSES = st.one_of(st.none(), st.integers(1, 6))
_REASON = st.sampled_from(("painless_dilation", "history", "ultrasound", "unknown"))
_ROUTE = st.sampled_from(("transvaginal", "transabdominal", "unknown"))
_INDICATION_NOW = st.sampled_from(("history", "ultrasound", "physical_exam", "unknown"))
_PLACED = st.one_of(st.none(), gestational_age_days())
_AMNIOCENTESIS = st.sampled_from(("infection_found", "no_infection", "not_done", "unknown"))
_RISK_FACTORS = (
    "conization_or_leep", "repeated_mechanical_dilation", "obstetric_cervical_laceration", "mullerian_anomaly",
    "connective_tissue_disorder", "in_utero_des_exposure",
)
_SYMPTOMS = ("pelvic_pressure", "cramping", "backache", "discharge_change", "mild_contractions")


@st.composite
def case_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid case file's content, every field drawn (unknowns included)."""
    today = draw(_TODAY)
    scans = []
    for scan_day, mm in draw(_SCANS):
        if today is not None and scan_day > today:  # a scan is never dated after today
            scan_day %= today + 1
        scans.append({"gestational_age": _ga_of_days(scan_day), "cervical_length_mm": mm})
    prior_cerclage = draw(tri)
    if prior_cerclage != "present":  # the case format refuses details of a cerclage not known to have happened
        reason = route = failed = "unknown"
    else:
        reason, route, failed = draw(_REASON), draw(_ROUTE), draw(tri)
    return {
        "format_version": "2",
        "gestational_age": None if today is None else _ga_of_days(today),
        "fetuses": draw(_FETUSES),
        "history": {
            "second_trimester_losses": draw(_LOSSES),
            "spontaneous_preterm_births": draw(_PRETERM_BIRTHS),
            "prior_cerclage": prior_cerclage,
            "prior_cerclage_reason": reason,
            "prior_cerclage_route": route,
            "prior_cerclage_failed": failed,
        },
        "risk_factors": {name: draw(tri) for name in _RISK_FACTORS},
        "symptoms": {name: draw(tri) for name in _SYMPTOMS},
        "exam": _exam(draw),
        "ultrasound": {"cervical_lengths": scans, "funneling": draw(tri)},
        "exclusions": {
            "labour": draw(tri),
            "bleeding_or_abruption": draw(tri),
            "ruptured_membranes": draw(tri),
            "clinical_chorioamnionitis": draw(tri),
            "amniocentesis": draw(_AMNIOCENTESIS),
        },
        "fetal": {name: draw(tri) for name in ("fetal_demise", "lethal_anomaly", "fetal_compromise")},
        "cerclage": _cerclage_now(draw, today),
    }


def _cerclage_now(draw: st.DrawFn, today: int | None) -> dict[str, Any]:
    # The case format refuses details of a cerclage not known to be in place, or placed after today.
    in_place = draw(tri)
    if in_place != "present":
        return {"in_place": in_place, "route": "unknown", "indication": "unknown", "placed_at": None}
    placed = draw(_PLACED)
    if placed is not None and today is not None and placed > today:
        placed %= today + 1
    return {
        "in_place": in_place,
        "route": draw(_ROUTE),
        "indication": draw(_INDICATION_NOW),
        "placed_at": None if placed is None else _ga_of_days(placed),
    }


def _exam(draw: st.DrawFn) -> dict[str, Any]:
    # The case format refuses membranes at or beyond a closed (0 cm) os.
    dilation = draw(_DILATION)
    membranes = draw(st.sampled_from(("absent", "unknown")) if dilation == 0 else tri)
    return {"cervical_dilation_cm": dilation, "membranes_at_or_beyond_os": membranes}


_CASE_DICTS = case_dicts()
_CASES = _CASE_DICTS.map(Case.model_validate)


def cases() -> st.SearchStrategy[Case]:
    """Valid cases (validated by the case model itself)."""
    return _CASES


# --------------------------------------------------------------------------- forgetting an answer

_ENUM_DEFAULT = "unknown"


def known_inputs(case: Case) -> list[str]:
    """Paths of every answer the case holds that could be taken back to "not known"."""
    doc = case.model_dump(mode="json")
    out = [p for p in ("gestational_age", "fetuses") if doc[p] is not None]
    for section in ("history", "risk_factors", "symptoms", "exam", "ultrasound", "exclusions", "fetal", "cerclage"):
        for name, value in doc[section].items():
            path = f"{section}.{name}"
            if value == _ENUM_DEFAULT or value is None:
                continue
            if path == "ultrasound.cervical_lengths":
                if value:
                    out.append(path)
            elif isinstance(value, list):
                out.append(path)
                out += [f"{path}[{i}].gestational_age" for i, entry in enumerate(value) if entry["gestational_age"]]
                out += [f"{path}[{i}].painless" for i, entry in enumerate(value) if entry.get("painless", _ENUM_DEFAULT)
                        != _ENUM_DEFAULT]  # fmt: skip
            else:
                out.append(path)
    return out


def forget(case: Case, path: str) -> Case:
    """The same case with the answer at ``path`` replaced by "not known"."""
    doc = case.model_dump(mode="json")
    head, _, index_part = path.partition("[")
    parts = head.split(".")
    node = doc
    for part in parts[:-1]:
        node = node[part]
    if index_part:  # one entry's gestational age (or painless answer) in a history list
        index, _, item = index_part.partition("].")
        node[parts[-1]][int(index)][item] = None if item == "gestational_age" else _ENUM_DEFAULT
    elif path == "ultrasound.cervical_lengths":
        node[parts[-1]] = []
    elif isinstance(node[parts[-1]], str):
        node[parts[-1]] = _ENUM_DEFAULT
    else:
        node[parts[-1]] = None
    if path == "history.prior_cerclage":
        # Not knowing whether there was a cerclage means not knowing its details either (the case
        # format refuses details of a cerclage not known to have happened).
        for name in ("prior_cerclage_reason", "prior_cerclage_route", "prior_cerclage_failed"):
            doc["history"][name] = _ENUM_DEFAULT
    if path == "cerclage.in_place":  # likewise for a cerclage in this pregnancy
        doc["cerclage"].update(route=_ENUM_DEFAULT, indication=_ENUM_DEFAULT, placed_at=None)
    return Case.model_validate(doc)


_STEPS = 10_000
_FRACTION = st.integers(0, _STEPS)


def _pick(draw: st.DrawFn, items: list[Any]) -> Any:
    """One item of a list whose length varies between draws (without building a strategy per draw)."""
    return items[draw(_FRACTION) * len(items) // (_STEPS + 1)]


@st.composite
def cases_with_a_known_input(draw: st.DrawFn) -> tuple[Case, str]:
    case = draw(_CASES)
    paths = known_inputs(case)
    if not paths:
        paths = ["gestational_age"]  # nothing known: forgetting the (unknown) age is a no-op
    return case, _pick(draw, paths)


# --------------------------------------------------------------------------- hostile documents

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)

CASE_KEYS = (
    "format_version", "gestational_age", "fetuses", "history", "risk_factors", "symptoms", "exam",
    "ultrasound", "exclusions", "fetal",
)
IDENTIFIER_KEYS = ("name", "mrn", "date_of_birth", "notes", "nhs_number", "address")
OUT_OF_RANGE = st.sampled_from(
    (-1, -0.5, 7, 10.5, 43, 61, 250, 10**9, -(10**9), 2**64, "25", "", "present ", True, None, [], {},
     float("nan"), float("inf"), float("-inf"))
)


def _nodes(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path below ``node`` (dict keys and list indices)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield prefix + (key,)
        yield from _nodes(child, prefix + (key,))


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


_MUTATIONS = st.sampled_from(("delete", "retype", "out_of_range", "extra_key"))
_EXTRA_KEYS = st.one_of(st.sampled_from(IDENTIFIER_KEYS), st.text(max_size=10))
_HOW_MANY = st.integers(1, 3)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid case with one to three fields deleted, retyped, pushed out of range or added."""
    doc: Any = draw(_CASE_DICTS)
    for _ in range(draw(_HOW_MANY)):
        paths = list(_nodes(doc))
        kind = draw(_MUTATIONS)
        if kind == "extra_key" or not paths:
            target = _at(doc, _pick(draw, [()] + [p for p in paths if isinstance(_at(doc, p), dict)]))
            target[draw(_EXTRA_KEYS)] = draw(json_values)
            continue
        path = _pick(draw, paths)
        parent = _at(doc, path[:-1])
        if kind == "delete":
            del parent[path[-1]]
        elif kind == "retype":
            parent[path[-1]] = draw(json_values)
        else:
            parent[path[-1]] = draw(OUT_OF_RANGE)
    return doc


_DOCUMENT_KEYS = st.one_of(st.sampled_from(CASE_KEYS + IDENTIFIER_KEYS), st.text(max_size=12))
_RANDOM_DOCUMENTS = st.one_of(st.dictionaries(_DOCUMENT_KEYS, json_values, max_size=8), json_values)


def random_documents() -> st.SearchStrategy[Any]:
    """JSON objects with case-like or arbitrary keys and arbitrary values, and bare JSON values."""
    return _RANDOM_DOCUMENTS


_INDENT = st.sampled_from((None, 2))


@st.composite
def truncated_documents(draw: st.DrawFn) -> bytes:
    """A valid case file cut off at an arbitrary character."""
    text = json.dumps(draw(_CASE_DICTS), indent=draw(_INDENT))
    return text[: draw(_FRACTION) * (len(text) + 1) // (_STEPS + 1)].encode("utf-8")


def random_bytes() -> st.SearchStrategy[bytes]:
    return st.binary(max_size=600)


def encoded(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return documents.map(lambda doc: json.dumps(doc).encode("utf-8"))


def case_files() -> st.SearchStrategy[bytes]:
    """Anything an upload might hold: valid, mutated, truncated, random JSON, random bytes."""
    return _CASE_FILES


_CASE_FILES = st.one_of(
    encoded(_CASE_DICTS),
    encoded(mutated_documents()),
    truncated_documents(),
    encoded(random_documents()),
    random_bytes(),
)


# --------------------------------------------------------------------------- cases that meet or miss a rule

# Values a field may take while searching; the numeric ones hug the thresholds the rules use.
_SCAN_AGES = ("10+0", "15+6", "16+0", "20+0", "23+6", "24+0", "24+1", "30+0")
_LOSS_AGES = (None, "13+0", "15+6", "16+0", "20+0", "27+6")
_BIRTH_AGES = (None, "16+0", "20+0", "33+6", "34+0", "34+1", "36+6")


def _leaves(cond: Condition | None) -> Iterator[Leaf]:
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, NotOf):
        yield from _leaves(cond.term)
    elif isinstance(cond, (AllOf, AnyOf)):
        for term in cond.terms:
            yield from _leaves(term)


def _history_lists(ages: tuple[str | None, ...]) -> list[Any]:
    return [None, [], *[births(a) for a in ages], births("20+0", "20+0"), births("20+0", "20+0", "20+0"),
            births("20+0", "20+0", "20+0", "20+0")]


def _loss_lists() -> list[Any]:
    """Losses at each age, each painless, not painless or not known to be, and several painless ones."""
    def losses(*ages: str | None, painless: str = "present") -> list[dict[str, Any]]:
        return [{**entry, "painless": painless} for entry in births(*ages)]

    return [None, [], *[losses(a, painless=p) for a in _LOSS_AGES for p in TRI], losses("20+0", "20+0"),
            losses("20+0", "20+0", "20+0"), losses("20+0", "20+0", "20+0", "20+0")]


def _candidates(kb: KnowledgeBase) -> dict[str, list[Any]]:
    ga_points: set[int] = {days("20+0")}
    mm_points: set[float] = {10.0, 40.0}
    cm_points: set[float] = {0.0}
    for cond in kb.conditions.values():
        for leaf in _leaves(cond):
            spec = FACTS[leaf.fact]
            if spec.kind == "ga":
                ga_points |= {leaf.value - 1, leaf.value, leaf.value + 1}
            elif spec.unit == "mm":
                mm_points |= {round(leaf.value - 0.1, 1), float(leaf.value), round(leaf.value + 0.1, 1)}
            elif spec.unit == "cm":
                cm_points |= {leaf.value - 0.5, float(leaf.value), leaf.value + 0.5}
    ga_values = [_ga_of_days(d) for d in sorted(ga_points) if 0 <= d <= GA_MAX_DAYS]
    scans = [[scan(at, mm)] for at in _SCAN_AGES for mm in sorted(m for m in mm_points if 0 <= m <= 60)]
    tri_values = ["unknown", "absent", "present"]
    out: dict[str, list[Any]] = {
        "gestational_age": [None, *ga_values],
        "fetuses": [None, 1, 2, 3],
        "history.second_trimester_losses": _loss_lists(),
        LOSSES_PAINLESS: ["(answered in each loss)"],  # carried by the list above
        "cerclage.route": ["unknown", "transvaginal", "transabdominal"],
        "cerclage.indication": ["unknown", "history"],
        "cerclage.placed_at": [None, ga("13+0")],
        "history.spontaneous_preterm_births": _history_lists(_BIRTH_AGES),
        "history.prior_cerclage_reason": ["unknown", "painless_dilation", "history", "ultrasound"],
        "history.prior_cerclage_route": ["unknown", "transvaginal", "transabdominal"],
        "exam.cervical_dilation_cm": [None, *sorted(c for c in cm_points if 0 <= c <= 10)],
        "ultrasound.cervical_lengths": [[], *scans],
        "exclusions.amniocentesis": ["unknown", "infection_found", "no_infection", "not_done"],
    }
    for spec in FACTS.values():
        for path in spec.inputs:
            out.setdefault(path, tri_values)
    return out


# Fields the case model checks together, so they are always searched together.
_LINKED = (
    ("gestational_age", "ultrasound.cervical_lengths"),
    ("history.prior_cerclage", "history.prior_cerclage_reason", "history.prior_cerclage_route",
     "history.prior_cerclage_failed"),
    ("cerclage.in_place", "cerclage.route", "cerclage.placed_at"),
)


def _requirements(kb: KnowledgeBase, cond: Condition | None, want: bool) -> Iterator[list[tuple[Leaf, bool]]]:
    """Alternative sets of (test, answer) that together give the condition the answer ``want``."""
    if cond is None:  # an unconditional rule is always met
        if want:
            yield []
    elif isinstance(cond, Leaf):
        yield [(cond, want)]
    elif isinstance(cond, RuleRef):
        yield from _requirements(kb, kb.conditions[cond.rule], want)
    elif isinstance(cond, NotOf):
        yield from _requirements(kb, cond.term, not want)
    elif (isinstance(cond, AllOf) and want) or (isinstance(cond, AnyOf) and not want):
        options = [list(itertools.islice(_requirements(kb, t, want), 4)) for t in cond.terms]
        for combo in itertools.product(*options):
            yield [need for part in combo for need in part]
    else:  # one term decides: all of (want False) or any of (want True)
        for term in cond.terms:
            yield from _requirements(kb, term, want)


def _put(doc: dict[str, Any], path: str, value: Any) -> None:
    if path == LOSSES_PAINLESS:
        return  # each loss in the list carries its own answer
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _satisfies(case: Case, needs: list[tuple[Leaf, bool]]) -> bool:
    facts = {leaf.fact: FACTS[leaf.fact].fn(case) for leaf, _ in needs}
    return all(evaluate(leaf, facts, lambda _rule: None) is want for leaf, want in needs)


def _components(needs: list[tuple[Leaf, bool]]) -> list[tuple[list[str], list[tuple[Leaf, bool]]]]:
    """Group the tests by the case fields they read, so each group is searched on its own."""
    groups: list[tuple[set[str], list[tuple[Leaf, bool]]]] = []
    for leaf, want in needs:
        fields = set(FACTS[leaf.fact].inputs)
        for linked in _LINKED:
            if fields & set(linked):
                fields |= set(linked)
        touching = [g for g in groups if g[0] & fields]
        merged_fields, merged_needs = set(fields), [(leaf, want)]
        for g in touching:
            merged_fields |= g[0]
            merged_needs = g[1] + merged_needs
            groups.remove(g)
        groups.append((merged_fields, merged_needs))
    return [(sorted(f), n) for f, n in groups]


def _solve(candidates: dict[str, list[Any]], needs: list[tuple[Leaf, bool]]) -> dict[str, Any] | None:
    chosen: dict[str, Any] = {}
    for fields, group in _components(needs):
        for values in itertools.product(*(candidates[f] for f in fields)):
            doc: dict[str, Any] = {}
            for path, value in zip(fields, values):
                _put(doc, path, value)
            try:
                case = case_from_dict(doc)
            except CaseError:
                continue
            if _satisfies(case, group):
                chosen.update(zip(fields, values))
                break
        else:
            return None
    return chosen


def case_for_outcome(kb: KnowledgeBase, rule_id: str, want: bool) -> Case:
    """A case on which ``rule_id`` is met (``want=True``) or not met; LookupError if none exists."""
    candidates = _candidates(kb)
    for needs in itertools.islice(_requirements(kb, kb.conditions[rule_id], want), 200):
        chosen = _solve(candidates, needs)
        if chosen is None:
            continue
        doc: dict[str, Any] = {}
        for path, value in chosen.items():
            _put(doc, path, value)
        try:
            return case_from_dict(doc)
        except CaseError:
            continue
    raise LookupError(f"no case found that makes {rule_id} {'met' if want else 'not met'}")
