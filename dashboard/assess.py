"""The assessment: one case, one guideline (or all three), every step traced and cited.

``assess(case, "acog")`` answers, for that guideline: does the picture meet the criteria
for cervical insufficiency and on which basis; which exclusions are present and what they
do; whether the cervix is short (a risk finding, never a diagnosis on its own); the
cerclage indication, contraindications and timing windows; a status for every treatment
option; and which unknown inputs would change any of those. ``assess_all`` adds where
the guidelines answer this case differently.

Rules come from the knowledge base (``data/rules``); this module only combines their
outcomes. It never treats an unknown input as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal

from dashboard import logic
from dashboard.bottomline import IN_PLAY, BottomLine, InPlace, OtherPicture, derive_bottom_line
from dashboard.case import Case, cerclage_in_place_words
from dashboard.facts import (
    CERCLAGE_DETAILS,
    CERVICAL_LENGTH_WINDOWS,
    FACTS,
    SHORT_LABELS,
    ScanWindow,
    compute_facts,
    field_is_missing,
    show_value,
)
from dashboard.fields import label_of, section_of
from dashboard.kb import (
    GUIDELINE_NAMES,
    GUIDELINES,
    STRENGTH_NOT_STATED,
    AllOf,
    AnyOf,
    Condition,
    KnowledgeBase,
    Leaf,
    NotOf,
    PerKnowledgeBase,
    Rule,
    default_knowledge_base,
)
from dashboard.logic import Truth, Used, compile_condition, describe_need, evaluate

Verdict = Literal["met", "not_met", "insufficient_data"]
Indication = Literal["history", "ultrasound", "physical_exam", "none", "insufficient_data"]


_VERDICT: dict[Truth, Verdict] = {True: "met", False: "not_met", None: "insufficient_data"}


def _verdict(truth: Truth) -> Verdict:
    return _VERDICT[truth]


def _finding(truth: Truth) -> str:
    return "present" if truth is True else ("absent" if truth is False else "unknown")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Cite:
    ref: str
    locator: str
    number: int


@dataclass(frozen=True)
class ValueUsed:
    label: str  # the fact, e.g. "Shortest cervical length before 24+0"
    needs: str  # what the rule requires, e.g. "< 25 mm"
    value: str  # what this case has, e.g. "22 mm" or "unknown"
    result: str  # met / not_met / insufficient_data

    @property
    def test(self) -> str:
        return f"{self.label} {self.needs}"



def shown_strength(kb: Any, rule: Any) -> str | None:
    """A rule's strength as shown, in the guideline's own scheme; "strength not stated" for a
    guideline's own indication or treatment rule that cites a guideline whose text gives none."""
    if rule.grade:
        return rule.grade
    cites_guideline = any(kb.references[c.ref].kind == "guideline" for c in rule.citations)
    if rule.guideline != "all" and rule.kind in ("cerclage_indication", "treatment_status") and cites_guideline:
        return STRENGTH_NOT_STATED
    return None

@dataclass(frozen=True)
class RuleTrace:
    rule_id: str
    title: str
    status: str
    statement: str
    values: list[ValueUsed]
    citations: list[Cite]
    grade: str | None = None
    note: str | None = None
    missing: list[str] = field(default_factory=list)
    severity: str | None = None  # contraindications: absolute or relative


@dataclass(frozen=True)
class Diagnosis:
    status: Verdict
    basis: list[str]
    summary: str
    pathways: dict[str, Verdict]
    definition: list[RuleTrace]
    criteria: list[RuleTrace]


@dataclass(frozen=True)
class ExclusionResult:
    exclusion: str
    status: str  # present / absent / unknown
    effect: str
    trace: RuleTrace


@dataclass(frozen=True)
class RiskFinding:
    status: str  # present / absent / unknown
    diagnostic: bool
    trace: RuleTrace
    # Left unknown only because every recorded scan lies outside the window the rule reads: those
    # scans as measured, against the rule's threshold and window, in words; "" otherwise.
    measured: str = ""

    @property
    def said(self) -> str:
        """The finding in words: the scans as measured, never "unknown", when a scan is recorded."""
        return self.measured or self.status

    @property
    def shown(self) -> str:
        """The status its badge shows: not applicable for a length measured outside the window."""
        return "not_applicable" if self.measured else self.status


@dataclass(frozen=True)
class Window:
    rule_id: str
    title: str
    treatments: list[str]
    kind: str
    start: str | None
    end: str | None
    label: str
    status: str  # upcoming / open / passed / unknown
    citations: list[Cite]
    statement: str


@dataclass(frozen=True)
class Cerclage:
    indication: Indication
    indications: list[RuleTrace]
    contraindications: list[RuleTrace]  # present or unknown ones; absent ones are in ``cleared``
    cleared: list[str]
    windows: list[Window]
    summary: str

    @property
    def now(self) -> str:
        """The indication, or "contraindicated" while an absolute contraindication is present."""
        blocked = any(c.status == "present" and c.severity == "absolute" for c in self.contraindications)
        return "contraindicated" if blocked else self.indication


@dataclass(frozen=True)
class TreatmentResult:
    treatment: str
    name: str
    short_name: str
    status: str
    reason: str
    rule_id: str
    citations: list[Cite]
    values: list[ValueUsed]
    pending: list[str]  # titles of rules that could still change the status
    missing: list[str]
    grade: str | None = None
    cautions: list[str] = field(default_factory=list)  # relative contraindications present: senior review
    rule_title: str = ""  # the title of the rule that set the status (names what rules an option out)
    # Undecided (insufficient_data) only: the case fields the status waits on, each unknown, or the
    # scan list when a scan is wanted in a window that holds none of those recorded (see ``asks``).
    deciding: list[str] = field(default_factory=list)
    # One plain sentence: the answers still to come that really could change this option, or "".
    could_change: str = ""
    # What to get, in words, for a field in ``missing`` or ``deciding`` that is recorded but does not
    # answer a test: the scans, when none lies in the window a rule reads ("A cervical-length scan
    # between 16+0 and 23+6 weeks (none recorded there)"; the windows of the rules that decide an
    # undecided option). Every view names such a field by these words, never by its label.
    asks: dict[str, str] = field(default_factory=dict)


# Statuses that leave the option off the table for this case.
NOT_OFFERED = frozenset({"not_applicable", "not_recommended", "contraindicated", "no_stated_position"})
GA_LABEL = SHORT_LABELS["gestational_age"]  # how a trace names the gestational age it tested
# Case sections filled in by examining her now; a rule waiting only on these leaves a status
# with a "could change" note rather than undecided (see _treatments).
# This pregnancy's findings at the visit, and a cerclage already in place in it.
EXAMINATION_FINDINGS = ("exam.", "exclusions.", "fetal.", "symptoms.", "cerclage.")


def stances_differ(statuses: Iterable[str]) -> bool:
    """Whether treatment statuses under several guidelines amount to a disagreement.

    Any difference counts ("not recommended" against a guideline's silence, "not applicable",
    is a difference a clinician wants to see), except where a contraindication rules the
    option out and the other guidelines do not offer it either: the case, not the guidelines,
    settles it then.
    """
    # A guideline's silence ("no stated position") is shown as such, but is not by itself a
    # disagreement: only the positions the guidelines do state are compared.
    found = set(statuses) - {"no_stated_position"}
    if "contraindicated" in found and found <= NOT_OFFERED:
        return False
    return len(found) > 1


@dataclass(frozen=True)
class MissingInput:
    field: str
    label: str
    section: str
    affects: list[str]


@dataclass(frozen=True)
class Assessment:
    guideline: str
    guideline_name: str
    knowledge_base_version: str
    knowledge_base_reviewed: str
    diagnosis: Diagnosis
    exclusions: list[ExclusionResult]
    short_cervix: RiskFinding
    risk_factors: RiskFinding
    cerclage: Cerclage
    treatments: list[TreatmentResult]
    missing: list[MissingInput]
    bottom_line: BottomLine

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Disagreement:
    topic: str
    answers: dict[str, str]
    reasons: dict[str, str]
    citations: dict[str, list[Cite]]


@dataclass(frozen=True)
class AllAssessments:
    guidelines: dict[str, Assessment]
    disagreements: list[Disagreement]
    missing: list[MissingInput]

    def to_dict(self) -> dict[str, Any]:
        return {
            "guidelines": {g: a.to_dict() for g, a in self.guidelines.items()},
            "disagreements": [asdict(d) for d in self.disagreements],
            "missing": [asdict(m) for m in self.missing],
        }


# --------------------------------------------------------------------------- engine
#
# Everything that depends only on the knowledge base (rule order, citations, wording, which
# rules a guideline asks about) is worked out once per knowledge base in ``_Static`` and
# ``_Plan``; per case the engine settles the guideline's rules in one pass and assembles the
# result. ``tests/test_engine_equivalence.py`` checks the shortcuts against the plain definitions.

_NOT_EXCLUDED = "Contraindication not yet excluded: "
_CERCLAGE_WORDS = {
    "history": "history-indicated",
    "ultrasound": "ultrasound-indicated",
    "physical_exam": "physical-examination-indicated",
}
_INDICATION_ORDER = {"physical_exam": 0, "ultrasound": 1, "history": 2}
# Distinct inputs remembered per rule, then forgotten all at once. A session's next case differs
# from its last in one answer, so even many sessions at once hit well inside the bound. At 4,096
# per rule (161 rules) 50,000 distinct cases held 80,597 results and RSS grew 81 MB (bench/soak.py).
_RESULTS_PER_RULE = 256

# A rule's outcome, the tests it made, and those tests as its trace shows them.
_Result = tuple[Truth, tuple[Used, ...], tuple[ValueUsed, ...]]


def _result(truth: Truth, used: list[Used]) -> _Result:
    return truth, tuple(used), tuple(ValueUsed(u.label, u.needs, u.value, _VERDICT[u.result]) for u in used)


def _built(cls: Any, fields: dict[str, Any]) -> Any:
    """A frozen result object with these fields, without the per-field checks of its constructor.

    Every field must be given; the equivalence tests compare each object with the constructor's.
    """
    obj = _new(cls)
    _set_dict(obj, "__dict__", fields)
    return obj


_new, _set_dict = object.__new__, object.__setattr__
_FIELD_NAMES_KEPT = 512  # field paths: a few dozen in the case format
_label, _section = lru_cache(_FIELD_NAMES_KEPT)(label_of), lru_cache(_FIELD_NAMES_KEPT)(section_of)


class _Plan:
    """One guideline's rules, grouped and ordered once per knowledge base (rules are named by id)."""

    def __init__(self, kb: KnowledgeBase, guideline: str, static: _Static) -> None:
        self.guideline = guideline
        self.name = GUIDELINE_NAMES[guideline]
        self.definition = tuple(r.id for r in kb.rules_tuple("definition", guideline))
        criteria = kb.rules_tuple("diagnostic_criterion", guideline)
        self.criteria = tuple(r.id for r in criteria)
        self.pathway_of = {r.id: r.pathway or "history" for r in criteria}
        self.history = tuple(r.id for r in criteria if r.pathway == "history")
        self.exam = tuple(r.id for r in criteria if r.pathway == "physical_exam")
        self.exclusions = tuple((r.id, r.exclusion or "") for r in kb.rules_tuple("exclusion", guideline))
        risk = kb.rules_tuple("risk_finding", guideline)
        # the guideline's own rule wins over a shared one
        self.risk = {
            kind: [r.id for r in sorted(risk, key=lambda r: r.guideline == "all") if r.title.startswith(kind)]
            for kind in ("Short cervix", "Cervical risk factors")
        }
        indications = sorted(
            kb.rules_tuple("cerclage_indication", guideline), key=lambda r: _INDICATION_ORDER[r.indication or "history"]
        )
        self.indications = tuple((r.id, r.indication) for r in indications)
        self.contraindications = tuple((r.id, r.title) for r in kb.rules_tuple("contraindication", guideline))
        self.pictures = tuple(r.id for r in kb.rules_tuple("other_picture", guideline))
        self.in_place = tuple(r.id for r in kb.rules_tuple("cerclage_in_place", guideline))
        self.windows = []
        for rule in kb.rules_tuple("timing_window", guideline):
            w = rule.window
            assert w is not None
            fields = {
                "rule_id": rule.id,
                "title": rule.title,
                "kind": rule.window_kind or "",
                "start": w.start,
                "end": w.end,
                "label": w.label,
                "statement": rule.statement,
            }
            self.windows.append((fields, tuple(rule.applies_to or ()), static.cites[rule.id], w.start_days, w.end_days))
        self.summaries = {
            **{k: f"Indication: {words} cerclage under {self.name}." for k, words in _CERCLAGE_WORDS.items()},
            "none": f"No cerclage indication under {self.name}.",
            "insufficient_data": "Indication cannot be decided yet: some answers that matter are unknown.",
        }
        self.treatments = []
        for tid, t in kb.treatments.items():
            blocking = static.blocking[(tid, guideline)]
            candidates = static.status_rules[(tid, guideline)]
            self.treatments.append(
                (
                    tid,
                    t.name,
                    t.short_name,
                    tuple((r.id, r.title, r.statement, _NOT_EXCLUDED + r.title) for r in blocking),
                    tuple(
                        (
                            r.id,
                            r.title,
                            r.status,
                            r.statement,
                            f"{r.title} (would make it {r.status.replace('_', ' ') if r.status else ''})",
                            r.status in ("recommended", "consider"),  # an option an unknown answer could still open
                            kb.conditions[r.id] is None,  # the "otherwise" rule that ends the list
                        )
                        for r in candidates
                    ),
                )
            )
        # Every rule this guideline's assessment asks about, each after the rules it refers to,
        # so a case settles them in one pass.
        asked = [
            *self.definition,
            *self.criteria,
            *(r for r, _ in self.exclusions),
            *(ids[0] for ids in self.risk.values() if ids),
            *(r for r, _ in self.indications),
            *(r for r, _ in self.contraindications),
            *self.pictures,
            *self.in_place,
            *(r for _, _, _, blocking, _ in self.treatments for r, *_ in blocking),
            *(r for _, _, _, _, candidates in self.treatments for r, *_ in candidates),
        ]
        self.order: list[str] = []
        for rule_id in asked:
            _after_refs(rule_id, static.refs, self.order)
        self.steps = tuple((r, static.compiled[r], static.inputs[r], static.results[r]) for r in self.order)


def _after_refs(rule_id: str, refs: dict[str, tuple[str, ...]], order: list[str]) -> None:
    if rule_id not in order:
        for ref in refs[rule_id]:
            _after_refs(ref, refs, order)
        order.append(rule_id)


def _facts_of(cond: Condition | None) -> list[str]:
    if isinstance(cond, Leaf):
        return [cond.fact]
    if isinstance(cond, NotOf):
        return _facts_of(cond.term)
    if isinstance(cond, AllOf | AnyOf):
        return [f for term in cond.terms for f in _facts_of(term)]
    return []


def _nothing(values: Any) -> tuple[()]:
    return ()


class _Static:
    """Per-knowledge-base data the engine reuses for every case: citations, rule references, orderings."""

    def __init__(self, kb: KnowledgeBase) -> None:
        from dashboard.kb import _rule_refs

        numbers = kb.citation_number()
        self.cites = {r.id: [Cite(c.ref, c.locator, numbers[c.ref]) for c in r.citations] for r in kb.rules}
        self.refs = {r.id: tuple(_rule_refs(kb.conditions[r.id])) for r in kb.rules}
        self.value_memos: list[dict[Any, Used]] = []  # each test's values seen, bounded in logic.py
        self.compiled = {r.id: compile_condition(kb.conditions[r.id], self.value_memos) for r in kb.rules}
        # A rule's outcome and test lines depend only on the values of the facts it tests and
        # the outcomes of the rules it names; most cases share those, so results are kept by them.
        self.inputs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any] | None]] = {}
        for r in kb.rules:
            facts = sorted(set(_facts_of(kb.conditions[r.id])))
            refs = self.refs[r.id]
            self.inputs[r.id] = (itemgetter(*facts) if facts else _nothing), (itemgetter(*refs) if refs else None)
        self.results: dict[str, dict[Any, _Result]] = {r.id: {} for r in kb.rules}
        self.status_rules: dict[tuple[str, str], tuple[Rule, ...]] = {}
        self.blocking: dict[tuple[str, str], tuple[Rule, ...]] = {}
        for g in GUIDELINES:
            status = kb.rules_of("treatment_status", g)
            absolute = [r for r in kb.rules_of("contraindication", g) if r.severity == "absolute"]
            for tid in kb.treatments:
                self.status_rules[(tid, g)] = tuple(
                    sorted((r for r in status if tid in (r.treatments or [])), key=lambda r: r.priority)
                )
                self.blocking[(tid, g)] = tuple(r for r in absolute if tid in (r.blocks or []))
        self.trace_fields = {
            r.id: {
                "rule_id": r.id,
                "title": r.title,
                "statement": r.statement,
                "citations": self.cites[r.id],
                "grade": shown_strength(kb, r),
                "note": r.note,
                "severity": r.severity,
            }
            for r in kb.rules
        }
        self.grade = {r.id: shown_strength(kb, r) for r in kb.rules}
        self.plans = {g: _Plan(kb, g, self) for g in GUIDELINES}
        self.version = kb.meta.version
        self.reviewed = kb.meta.last_reviewed.isoformat()


# Kept for the two most recent knowledge bases (dashboard.kb.PerKnowledgeBase): a fresh load
# per round (a benchmark, a test) would otherwise keep every one it ever prepared.
_static: PerKnowledgeBase[_Static] = PerKnowledgeBase(_Static)


def prepare(kb: KnowledgeBase) -> None:
    """Do the once-per-knowledge-base preparation now rather than on the first assessment."""
    _static(kb)


def cache_sizes() -> dict[str, dict[str, int]]:
    """What the engine remembers between assessments: for each kind of memory, how many caches,
    their entries in all, the largest one, and the bound each cache keeps to."""

    def kind(sizes: list[int], bound: int) -> dict[str, int]:
        return {"caches": len(sizes), "entries": sum(sizes), "largest": max(sizes, default=0), "bound": bound}

    statics = _static.values()
    return {
        "knowledge_bases": kind([len(_static)], _static.keep),
        "rule_results": kind([len(r) for s in statics for r in list(s.results.values())], _RESULTS_PER_RULE),
        "test_values": kind([len(m) for s in statics for m in s.value_memos], logic.VALUES_PER_TEST),
        "test_needs": kind([describe_need.cache_info().currsize], describe_need.cache_info().maxsize or 0),
        "field_labels": kind([_label.cache_info().currsize], _FIELD_NAMES_KEPT),
        "field_sections": kind([_section.cache_info().currsize], _FIELD_NAMES_KEPT),
    }


_NOT_RUN = object()
SCANS = "ultrasound.cervical_lengths"


@dataclass(frozen=True, slots=True)
class _Gaps:
    """What leaves a rule undecided, through the rules it refers to as well."""

    fields: list[str]  # case fields to answer: unknown ones, or the scans when one is wanted in a window
    windows: tuple[ScanWindow, ...]  # scan windows still to come or open, holding none of the recorded scans
    unplaced: tuple[ScanWindow, ...]  # windows holding none of the recorded scans, unplaced: today's age unknown
    passed: bool  # a test is open because its scan window has passed unmeasured: no scan can answer it now


def scan_wanted(windows: Iterable[ScanWindow]) -> str:
    """What to get when the recorded scans lie outside the windows a rule reads, in words."""
    return f"A cervical-length scan {' or '.join(w.when for w in windows)} (none recorded there)"


class _Evaluator:
    """Evaluates and traces each rule at most once per case, shared by all guidelines."""

    def __init__(self, kb: KnowledgeBase, case: Case) -> None:
        self.kb = kb
        self.case = case
        self.static = _static(kb)
        self.facts = compute_facts(case)
        self._truth: dict[str, Truth] = {}
        self._used: dict[str, tuple[Used, ...]] = {}
        self._shown: dict[str, tuple[ValueUsed, ...]] = {}
        self._gaps: dict[str, _Gaps] = {}
        self._traces: dict[tuple[str, str | None], RuleTrace] = {}
        self._unknown_fields: dict[str, bool] = {}
        self._settled: set[str] = set()

    def outcome(self, rule_id: str) -> Truth:
        truth = self._truth.get(rule_id, _NOT_RUN)
        if truth is _NOT_RUN:
            used: list[Used] = []
            truth, self._used[rule_id], self._shown[rule_id] = _result(
                self.static.compiled[rule_id](self.facts, self.outcome, used), used
            )
            self._truth[rule_id] = truth
        return truth  # type: ignore[return-value]

    def settle(self, plan: _Plan) -> dict[str, Truth]:
        """Every rule the guideline's assessment asks about, evaluated; their outcomes by rule id."""
        if plan.guideline in self._settled:
            return self._truth
        self._settled.add(plan.guideline)
        truth, used_of, shown_of, facts = self._truth, self._used, self._shown, self.facts
        # in plan order a referenced rule is already settled, so a plain look-up answers it
        lookup = truth.__getitem__
        for rule_id, compiled, (fact_values, ref_truths), results in plan.steps:
            if rule_id not in truth:
                key = fact_values(facts) if ref_truths is None else (fact_values(facts), ref_truths(truth))
                hit = results.get(key)
                if hit is None:
                    used: list[Used] = []
                    if len(results) >= _RESULTS_PER_RULE:
                        results.clear()
                    hit = results[key] = _result(compiled(facts, lookup, used), used)
                truth[rule_id], used_of[rule_id], shown_of[rule_id] = hit
        return truth

    def _field_unknown(self, path: str) -> bool:
        known = self._unknown_fields.get(path)
        if known is None:
            known = self._unknown_fields[path] = field_is_missing(self.case, path)
        return known

    def gaps(self, rule_id: str) -> _Gaps:
        """What leaves this rule undecided (nothing once it is decided)."""
        hit = self._gaps.get(rule_id)
        if hit is not None:
            return hit
        out: list[str] = []
        windows: list[ScanWindow] = []
        unplaced: list[ScanWindow] = []
        passed = False
        if self.outcome(rule_id) is None:
            today = self.facts["gestational_age"]
            placed = isinstance(today, int)
            for u in self._used[rule_id]:
                if u.result is not None:
                    continue
                window = CERVICAL_LENGTH_WINDOWS.get(u.fact)
                if window is not None and placed and window.last is not None and today > window.last:
                    passed = True
                    continue  # the scan window has passed: no measurement can answer this now
                if window is not None and not self._field_unknown(SCANS):
                    # Scans are recorded, none in the window the test reads: a scan in that window is
                    # wanted, or, while today's gestational age is unknown, the age that places it.
                    (windows if placed else unplaced).append(window)
                    unknown = [SCANS if placed else "gestational_age"]
                else:
                    unknown = [p for p in u.inputs if self._field_unknown(p)]
                    # Answered, yet the test is still open: the answers do not cover what it asks.
                    # More of that answer is needed.
                    if not unknown and u.value == "unknown":
                        unknown = [p for p in u.inputs if p not in CERCLAGE_DETAILS]
                out += [p for p in unknown if p not in out]
            for ref in self.static.refs[rule_id]:
                inner = self.gaps(ref)
                out += [p for p in inner.fields if p not in out]
                windows += inner.windows
                unplaced += inner.unplaced
                passed = passed or inner.passed
        hit = self._gaps[rule_id] = _Gaps(out, tuple(dict.fromkeys(windows)), tuple(dict.fromkeys(unplaced)), passed)
        return hit

    def missing_of(self, rule_id: str) -> list[str]:
        """The case fields that leave this rule undecided (through referenced rules too)."""
        return self.gaps(rule_id).fields

    def asks_of(self, rule_id: str) -> dict[str, str]:
        """What to get, in words, for a field the rule waits on that is recorded but does not answer it."""
        windows = self.gaps(rule_id).windows
        return {SCANS: scan_wanted(windows)} if windows else {}

    def window_passed_only(self, rule_id: str) -> bool:
        """Undecided only because a scan window has passed: no answer can decide it any more."""
        gaps = self.gaps(rule_id)
        return gaps.passed and not gaps.fields

    def values(self, rule_id: str) -> list[ValueUsed]:
        """The rule's tests as its trace shows them."""
        if rule_id not in self._shown:
            self.outcome(rule_id)
        return list(self._shown[rule_id])

    def trace(self, rule_id: str, status: str | None = None) -> RuleTrace:
        key = (rule_id, status)
        hit = self._traces.get(key)
        if hit is None:
            fields = self.static.trace_fields[rule_id].copy()
            fields["values"] = self.values(rule_id)
            fields["status"] = status or _VERDICT[self._truth[rule_id]]
            fields["missing"] = self.missing_of(rule_id)
            hit = self._traces[key] = _built(RuleTrace, fields)
        return hit


def _and(values: list[Truth]) -> Truth:
    if False in values:
        return False
    return None if None in values else True


def _or(values: list[Truth]) -> Truth:
    if True in values:
        return True
    return None if None in values else False


_EXCLUSION_EFFECT = {
    "present": "Present: the current picture is not the painless dilation of cervical insufficiency, so the "
    "examination-based diagnosis is ruled out; a history-based diagnosis is unaffected. It also "
    "contraindicates cerclage.",
    "unknown": "Not known: until it is known to be absent, an examination-based diagnosis cannot be made.",
    "absent": "Absent.",
}


def _window_status(ga_days: int | None, start: int | None, end: int | None) -> str:
    if ga_days is None:
        return "unknown"
    if start is not None and ga_days < start:
        return "upcoming"
    if end is not None and ga_days > end:
        return "passed"
    return "open"


def _diagnosis(ev: _Evaluator, plan: _Plan) -> tuple[Diagnosis, list[ExclusionResult]]:
    truth = ev.settle(plan)
    definition = [ev.trace(r, status="definition") for r in plan.definition]
    history = _or([truth[r] for r in plan.history])
    exam_core = _and([truth[r] for r in plan.exam])
    exclusion_truths = [truth[r] for r, _ in plan.exclusions]
    # The examination-based picture needs every exclusion known to be absent.
    exam = _and([exam_core] + [None if t is None else not t for t in exclusion_truths])

    basis = [name for name, t in (("history", history), ("physical_exam", exam)) if t is True]
    if basis:
        status: Verdict = "met"
    elif history is False and exam is False:
        status = "not_met"
    else:
        status = "insufficient_data"

    exclusions = []
    for (rule_id, exclusion), excluded in zip(plan.exclusions, exclusion_truths, strict=True):
        finding = _finding(excluded)
        result = {
            "exclusion": exclusion,
            "status": finding,
            "effect": _EXCLUSION_EFFECT[finding],
            "trace": ev.trace(rule_id, status=finding),
        }
        exclusions.append(_built(ExclusionResult, result))

    present = [e.exclusion.replace("_", " ") for e in exclusions if e.status == "present"]
    if status == "met":
        words = {"history": "the obstetric history", "physical_exam": "the examination in this pregnancy"}
        summary = "Meets the criteria on " + " and ".join(words[b] for b in basis) + "."
        if "history" in basis and present:
            summary += (
                f" In this pregnancy {', '.join(present)} recorded: the acute picture is not cervical insufficiency."
            )
    pathways = {"history": _verdict(history), "physical_exam": _verdict(exam)}
    criteria = [ev.trace(r) for r in plan.criteria]
    if status == "not_met":
        summary = "Does not meet the criteria: no qualifying history"
        exam_traces = [t for r, t in zip(plan.criteria, criteria, strict=True) if plan.pathway_of[r] == "physical_exam"]
        # The finding is the examination itself; the gestational-age criterion is not one.
        found = [t.title for t in exam_traces if t.status == "met" and all(v.label != GA_LABEL for v in t.values)]
        short = [t for t in exam_traces if t.status == "not_met"]
        if present:
            summary += f", and {', '.join(present)} recorded, which rules out the examination-based picture."
        elif found and short:
            # The finding is there but something else the picture needs is not (the dilation seen
            # at 13+6 or 28+0): say which, rather than deny the finding.
            lacking = {
                t.title: [f"{v.label}: {v.value}, needs {v.needs}" for v in t.values if v.result == "not_met"]
                for t in short
            }
            why = "; ".join(f"{title} ({', '.join(values)})" for title, values in lacking.items())
            summary += f". {'; '.join(found)}: met, but the examination-based picture also needs: {why}."
        else:
            summary += ", and no painless second-trimester dilation on examination."
    if status == "insufficient_data":
        needed: list[str] = []
        for rule_id, trace in zip(plan.criteria, criteria, strict=True):
            if pathways[plan.pathway_of[rule_id]] == "insufficient_data":
                needed += [_label(p) for p in trace.missing if _label(p) not in needed]
        if pathways["physical_exam"] == "insufficient_data":
            for e in exclusions:
                needed += [_label(p) for p in e.trace.missing if _label(p) not in needed]
        summary = "Cannot decide yet. Still unknown: " + "; ".join(needed) + "." if needed else (
            "Cannot decide yet: answers needed before the criteria can be applied."
        )
    return Diagnosis(status, basis, summary, pathways, definition, criteria), exclusions


def _risk(ev: _Evaluator, plan: _Plan, kind_title: str) -> RiskFinding:
    rule_id = plan.risk[kind_title][0]
    finding = _finding(ev.settle(plan)[rule_id])
    measured = _measured_outside(ev, rule_id) if finding == "unknown" else ""
    return RiskFinding(finding, False, ev.trace(rule_id, status=finding), measured)


def _measured_outside(ev: _Evaluator, rule_id: str) -> str:
    """For a rule that tests one windowed cervical length, left open with scans recorded (so all lie outside
    its window): each scan as measured, short or not by the rule's threshold, and the window it misses.

    "20 mm at 25+0, below this guideline's 25 mm threshold but outside its window (14+0 to 23+6): not a
    screening finding for this pathway". The threshold and the window are the rule's and its fact's.
    """
    test, scans = ev.kb.conditions[rule_id], ev.case.ultrasound.cervical_lengths
    if not scans or not isinstance(test, Leaf) or test.fact not in CERVICAL_LENGTH_WINDOWS:
        return ""
    spec, window = FACTS[test.fact], CERVICAL_LENGTH_WINDOWS[test.fact]
    threshold = f"this guideline's {show_value(spec, test.value)} threshold"
    measures = []
    for scan in sorted(scans, key=lambda s: s.gestational_age.total_days):
        mm = scan.cervical_length_mm
        if mm == test.value:  # at the threshold: whether that counts as short is the rule's operator
            counts = "counts" if evaluate(test, {test.fact: mm}, ev.outcome) else "does not count"
            where = f"at {threshold}, which {counts} as short ({describe_need(test)})"
        else:
            where = f"{'below' if mm < test.value else 'above'} {threshold}"
        measures.append(f"{show_value(spec, mm)} at {scan.gestational_age}, {where}")
    today = ev.facts["gestational_age"]
    if not isinstance(today, int):
        tail = "; without today's gestational age its window cannot be placed"
    elif window.last is not None and today > window.last:
        tail = ""
    else:
        tail = "; none recorded in the window yet"
    return (
        "; ".join(measures)
        + (" but" if len(measures) == 1 else "; each")
        + f" outside its window ({window.span}): not a screening finding for this pathway{tail}"
    )


def _cerclage(ev: _Evaluator, plan: _Plan) -> Cerclage:
    truth = ev.settle(plan)
    traces = [ev.trace(r) for r, _ in plan.indications]
    indication: Indication = "none"
    for rule_id, which in plan.indications:
        met = truth[rule_id]
        if met is True:
            indication = which  # type: ignore[assignment]
            break
        if met is None:
            indication = "insufficient_data"

    contraindications, cleared = [], []
    for rule_id, title in plan.contraindications:
        found = truth[rule_id]
        if found is False:
            cleared.append(title)
        else:
            contraindications.append(ev.trace(rule_id, status=_finding(found)))

    ga = ev.facts["gestational_age"]
    ga_days = None if not isinstance(ga, int) else ga
    windows = []
    for fields, applies, cites, start, end in plan.windows:
        window = fields.copy()
        window["treatments"] = list(applies)
        window["citations"] = list(cites)
        window["status"] = _window_status(ga_days, start, end)
        windows.append(_built(Window, window))

    absolute = [c.title for c in contraindications if c.status == "present" and c.severity == "absolute"]
    summary = plan.summaries[indication]
    if absolute:
        summary += " Contraindicated now: " + "; ".join(absolute) + "."
    return Cerclage(indication, traces, contraindications, cleared, windows, summary)


def _undecided_reason(ev: _Evaluator, turning: list[tuple[str, str]], otherwise: str) -> str:
    """Why an option is undecided: the first rule that could still turn it, and what it waits on.

    Only the first: a later one may be undecidable only because the first is (its title can
    describe a case the answers already rule out, such as "cervix not yet measured"). An answer
    that is recorded is never called "not yet given": what a rule wants of it (a scan inside the
    window it reads) is said instead, and a window that today's unknown gestational age leaves
    unplaced is said as such.
    """
    rule_id, title = turning[0]
    gaps, asks = ev.gaps(rule_id), ev.asks_of(rule_id)
    labels = "; ".join(_label(f) for f in gaps.fields if f not in asks)
    wants = [f"answers not yet given ({labels})"] if labels else []
    wants += [words[0].lower() + words[1:] for words in asks.values()]
    unplaced = ""
    if gaps.unplaced:
        spans = " and ".join(w.span for w in gaps.unplaced)
        unplaced = (
            f" The recorded scans lie outside the window it reads ({spans} weeks), and that window cannot be "
            "placed without today's gestational age: it may be still to come, open or passed."
        )
    decide = "decides" if len(wants) == 1 and not labels else "decide"  # "a scan ... decides"
    return (
        f"Cannot decide yet: {' and '.join(wants) or 'answers not yet given'} {decide} whether this applies: "
        f"“{title}”.{unplaced} If it does not: {otherwise}"
    )


def _treatments(ev: _Evaluator, plan: _Plan) -> list[TreatmentResult]:
    static = ev.static
    truth = ev.settle(plan)
    # A relative contraindication (fetal compromise) blocks nothing, but an option it touches
    # must not read as if all were clear: its reason says so.
    relative = [
        title for rule_id, title in plan.contraindications
        if truth[rule_id] is True and static.trace_fields[rule_id]["severity"] == "relative"
    ]  # fmt: skip
    results = []
    for tid, name, short_name, blocking, candidates in plan.treatments:
        pending: list[str] = []
        missing: list[str] = []
        deciding: list[str] = []
        windows: list[ScanWindow] = []  # scan windows a rule in ``missing`` wants a scan in
        not_excluded_titles: list[str] = []
        # (fields, what to get for them in words, the status it would set, does it offer the option)
        # for each undecided rule before the match
        could: list[tuple[list[str], dict[str, str], str, bool]] = []
        # An absolute contraindication that is present blocks the option outright.
        present = [b for b in blocking if truth[b[0]] is True]
        if present:
            rule_id, _, statement, _ = present[0]
            if not tid.endswith("cerclage"):  # the contraindications are written for cerclage
                statement = "The findings that rule out a cerclage rule this option out too."
            reason = f"Contraindicated: {'; '.join(b[1] for b in present)}. {statement}"
            status = "contraindicated"
            rule_title = "Contraindicated: " + "; ".join(b[1] for b in present)
        else:
            for rule_id, title, _, not_excluded in blocking:
                if truth[rule_id] is None:
                    pending.append(not_excluded)
                    not_excluded_titles.append(title)
                    missing += [m for m in ev.missing_of(rule_id) if m not in missing]
                    windows += ev.gaps(rule_id).windows
            # Higher-priority rules still undecided: (rule id, title, would it offer the option,
            # does it wait only on this pregnancy's examination findings).
            undecided: list[tuple[str, str, bool, bool]] = []
            chosen = None
            for candidate in candidates:
                rule_id, title, _, _, would_make, offers, _ = candidate
                answer = truth[rule_id]
                if answer is True:
                    chosen = candidate
                    break
                if answer is None and ev.window_passed_only(rule_id):
                    continue  # its scan window has passed unmeasured: it can no longer apply
                if answer is None:
                    waits_on = ev.missing_of(rule_id)
                    pending.append(would_make)
                    missing += [m for m in waits_on if m not in missing]
                    windows += ev.gaps(rule_id).windows
                    awaits_exam = bool(waits_on) and all(f.startswith(EXAMINATION_FINDINGS) for f in waits_on)
                    undecided.append((rule_id, title, offers, awaits_exam))
                    could.append((waits_on, ev.asks_of(rule_id), candidate[2] or "not_applicable", offers))
            if chosen is None:  # the knowledge base ends every list with an "otherwise"; be safe anyway
                raise RuntimeError(f"no status rule matched treatment {tid} under {plan.guideline}")
            rule_id, rule_title, sets, statement, _, chosen_offers, otherwise = chosen
            status = sets or "not_applicable"
            reason = statement
            # The answer is not known yet, whatever the rule that matched says, when a rule before it
            # is undecided and would turn the option between offered and not offered. Unknown is
            # never read as absent: an unknown gestational age must not skip "24 weeks or later",
            # nor an unknown history or scan let "risk factors alone" read as "not recommended".
            # One exception keeps a planned option usable at a booking visit: a rule that waits
            # only on this pregnancy's examination findings (dilation, exclusions, fetal status,
            # symptoms), like the contraindications not yet excluded, stays a "could change" note,
            # unless only the "otherwise" rule matched and it would offer the option. A difference
            # only in strength, or in the reason for not offering, is a note too.
            turning = [
                (r, title)
                for r, title, offers, awaits_exam in undecided
                if offers != chosen_offers and (not awaits_exam or (otherwise and offers))
            ]
            if turning:
                status = "insufficient_data"
                reason = _undecided_reason(ev, turning, statement)
                deciding_windows: list[ScanWindow] = []
                for r, _ in turning:
                    deciding += [m for m in ev.missing_of(r) if m not in deciding]
                    deciding_windows += ev.gaps(r).windows
                windows = deciding_windows or windows  # the scan it waits on is named by the rules that decide it
        asks = {SCANS: scan_wanted(dict.fromkeys(windows))} if windows else {}
        cautions = relative if relative and blocking and status in IN_PLAY else []
        if cautions:
            reason += f" Relative contraindication present ({'; '.join(cautions)}): a decision for senior review."
        result = {
            "treatment": tid,
            "name": name,
            "short_name": short_name,
            "status": status,
            "reason": reason,
            "rule_id": rule_id,
            "citations": static.cites[rule_id],
            "values": ev.values(rule_id),
            "pending": pending,
            "missing": missing,
            "grade": static.grade[rule_id],
            "cautions": list(cautions),
            "rule_title": rule_title,
            "deciding": deciding,
            "could_change": _could_change(status, not_excluded_titles, could),
            "asks": asks,
        }
        results.append(_built(TreatmentResult, result))
    return results


def _could_change(
    status: str, not_excluded: list[str], could: list[tuple[list[str], dict[str, str], str, bool]]
) -> str:
    """One plain sentence: the answers still to come that really could change this option.

    A contraindication not yet excluded matters only to an option that is offered or undecided
    (for one already left out it changes nothing a clinician would act on); an undecided rule
    before the one that matched matters when it would set another status, and for an option
    not offered only when it would offer it.
    """
    offered_or_open = status in IN_PLAY
    parts: list[str] = []
    if not_excluded and offered_or_open:
        parts.append(f"not yet excluded, any of these would rule it out: {', '.join(t.lower() for t in not_excluded)}")
    effects: dict[str, list[str]] = {}
    for fields, asks, sets, offers in could:
        if sets == status or not fields or (not offered_or_open and not offers):
            continue
        bucket = effects.setdefault(sets, [])
        bucket += [said for said in (asks.get(f) or _label(f) for f in fields) if said not in bucket]
    for sets, labels in effects.items():
        parts.append(f"{', '.join(labels)} could make it {sets.replace('_', ' ')}")
    return ("Could change once answered: " + "; ".join(parts) + ".") if parts else ""


def _collect_missing(
    ev: _Evaluator,
    plan: _Plan,
    diagnosis: Diagnosis,
    exclusions: list[ExclusionResult],
    cerclage: Cerclage,
    treatments: list[TreatmentResult],
) -> list[MissingInput]:
    # One entry per answer to get, named as the rules want it: a scan wanted in one window and in
    # another are two entries of the scan list.
    affects: dict[tuple[str, str], list[str]] = {}

    def add(paths: list[str], what: str, asks: dict[str, str]) -> None:
        for p in paths:
            bucket = affects.setdefault((p, asks.get(p) or _label(p)), [])
            if what not in bucket:
                bucket.append(what)

    add(_diagnosis_fields(plan, diagnosis, exclusions), "diagnosis", {})
    blocked = cerclage.now == "contraindicated"
    for trace in cerclage.indications:
        # With an absolute contraindication present, no answer could make cerclage an option.
        if trace.status == "insufficient_data" and not blocked:
            add(trace.missing, "cerclage indication", ev.asks_of(trace.rule_id))
    for t in treatments:
        add(t.missing, t.short_name, t.asks)
    return [
        _built(MissingInput, {"field": p, "label": label, "section": _section(p), "affects": sorted(a)})
        for (p, label), a in affects.items()
    ]


def assess(case: Case, guideline: str, kb: KnowledgeBase | None = None, _ev: _Evaluator | None = None) -> Assessment:
    """The assessment of ``case`` under one guideline: acog, rcog or nice."""
    if guideline not in GUIDELINES:
        raise ValueError(f"guideline must be one of {', '.join(GUIDELINES)}")
    kb = kb or default_knowledge_base()
    ev = _ev or _Evaluator(kb, case)
    plan = ev.static.plans[guideline]
    diagnosis, exclusions = _diagnosis(ev, plan)
    short_cervix = _risk(ev, plan, "Short cervix")
    risk_factors = _risk(ev, plan, "Cervical risk factors")
    cerclage = _cerclage(ev, plan)
    treatments = _treatments(ev, plan)
    cerclage = _settled_summary(cerclage, treatments)
    stitch = cerclage_in_place_words(ev.case.cerclage)
    if stitch:  # the indication is the guideline's reading, not a new stitch
        cerclage = replace(
            cerclage, summary=cerclage.summary + " A cerclage is already in place: no further one is suggested."
        )
    truth = ev.settle(plan)
    fields = ev.static.trace_fields
    pictures, in_place = (
        [OtherPicture(r, fields[r]["title"], fields[r]["statement"], ev.static.cites[r]) for r in ids if truth[r]]
        for ids in (plan.pictures, plan.in_place)
    )
    bottom_line = derive_bottom_line(
        guideline, plan.name, diagnosis, cerclage, treatments, pictures, _label, _section,
        _diagnosis_fields(plan, diagnosis, exclusions),
        InPlace(stitch, in_place),
    )  # fmt: skip
    return Assessment(
        guideline=guideline,
        guideline_name=plan.name,
        knowledge_base_version=ev.static.version,
        knowledge_base_reviewed=ev.static.reviewed,
        diagnosis=diagnosis,
        exclusions=exclusions,
        short_cervix=short_cervix,
        risk_factors=risk_factors,
        cerclage=cerclage,
        treatments=treatments,
        missing=_collect_missing(ev, plan, diagnosis, exclusions, cerclage, treatments),
        bottom_line=bottom_line,
    )


def _diagnosis_fields(plan: _Plan, diagnosis: Diagnosis, exclusions: list[ExclusionResult]) -> list[str]:
    """The unknown case fields an undecided diagnosis waits on (empty once it is decided)."""
    out: list[str] = []
    if diagnosis.status != "insufficient_data":
        return out
    for trace in diagnosis.criteria:
        if diagnosis.pathways[plan.pathway_of[trace.rule_id]] == "insufficient_data":
            out += [p for p in trace.missing if p not in out]
    if diagnosis.pathways["physical_exam"] == "insufficient_data":
        for e in exclusions:
            out += [p for p in e.trace.missing if p not in out]
    return out


def _settled_summary(cerclage: Cerclage, treatments: list[TreatmentResult]) -> Cerclage:
    """An undecided indication says what it waits on, and only claims "cannot be decided" when a
    cerclage option's status really waits on an answer (the same answer the bottom line gives)."""
    if cerclage.indication != "insufficient_data":
        return cerclage
    waiting = [t for t in treatments if t.treatment.endswith("cerclage") and t.status == "insufficient_data"]
    if waiting:
        labels = "; ".join(dict.fromkeys(t.asks.get(f) or _label(f) for t in waiting for f in t.deciding))
        summary = (
            "Indication cannot be decided yet: "
            + "; ".join(t.short_name for t in waiting)
            + (f" waits on: {labels}." if labels else " waits on answers not yet given.")
        )
    else:
        summary = (
            "Indication not settled by the answers given, but no cerclage option waits on them: "
            "each is offered or ruled out for this case as shown."
        )
    _, blocked, absolute = cerclage.summary.partition(" Contraindicated now: ")
    return replace(cerclage, summary=summary + (blocked + absolute if blocked else ""))


def assess_all(case: Case, kb: KnowledgeBase | None = None) -> AllAssessments:
    """The case under every guideline, with the points where they answer it differently."""
    kb = kb or default_knowledge_base()
    ev = _Evaluator(kb, case)
    results = {g: assess(case, g, kb, ev) for g in GUIDELINES}
    disagreements: list[Disagreement] = []

    def compare(topic: str, answer: Any, reason: Any, cites: Any, differ: Any = None) -> None:
        # Reasons and citations are only gathered where the guidelines actually disagree.
        answers = {g: answer(a) for g, a in results.items()}
        if (differ or (lambda values: len(set(values)) > 1))(answers.values()):
            reasons = {g: reason(a) for g, a in results.items()}
            disagreements.append(Disagreement(topic, answers, reasons, {g: cites(a) for g, a in results.items()}))

    compare(
        "Diagnosis",
        lambda a: a.diagnosis.status,
        lambda a: a.diagnosis.summary,
        lambda a: [c for t in a.diagnosis.criteria for c in t.citations],
    )
    compare(
        "Cerclage indication",
        # With an absolute contraindication present no guideline offers cerclage now, whatever
        # the indication would have been: that is not a disagreement between them.
        lambda a: a.cerclage.now,
        lambda a: a.cerclage.summary,
        lambda a: [c for t in a.cerclage.indications if t.status != "not_met" for c in t.citations]
        or [c for t in a.cerclage.indications for c in t.citations],
    )
    for i, treatment in enumerate(kb.treatments.values()):
        compare(
            treatment.name,
            lambda a, i=i: a.treatments[i].status,
            lambda a, i=i: a.treatments[i].reason,
            lambda a, i=i: a.treatments[i].citations,
            stances_differ,
        )

    # One entry per answer to get (an unknown field, or a scan wanted in a window): what it affects,
    # with the guidelines it affects it under.
    first: dict[tuple[str, str], MissingInput] = {}
    affects: dict[tuple[str, str], dict[str, list[str]]] = {}
    for g, a in results.items():
        for m in a.missing:
            key = (m.field, m.label)
            first.setdefault(key, m)
            for thing in m.affects:
                affects.setdefault(key, {}).setdefault(thing, []).append(g.upper())
    merged = {
        key: MissingInput(
            m.field, m.label, m.section, [f"{thing} ({', '.join(gs)})" for thing, gs in affects[key].items()]
        )
        for key, m in first.items()
    }
    return AllAssessments(results, disagreements, list(merged.values()))
