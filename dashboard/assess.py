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

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from dashboard.case import Case
from dashboard.facts import compute_facts, field_is_unknown
from dashboard.fields import label_of, section_of
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, Citation, KnowledgeBase, Rule, default_knowledge_base
from dashboard.logic import Truth, Used, compile_condition

Verdict = Literal["met", "not_met", "insufficient_data"]
Indication = Literal["history", "ultrasound", "physical_exam", "none", "insufficient_data"]


def _verdict(truth: Truth) -> Verdict:
    return "met" if truth is True else ("not_met" if truth is False else "insufficient_data")


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


class _Static:
    """Per-knowledge-base data the engine reuses for every case: citations, rule references, orderings."""

    def __init__(self, kb: KnowledgeBase) -> None:
        from dashboard.kb import _rule_refs

        numbers = kb.citation_number()
        self.cites = {r.id: [Cite(c.ref, c.locator, numbers[c.ref]) for c in r.citations] for r in kb.rules}
        self.refs = {r.id: tuple(_rule_refs(kb.conditions[r.id])) for r in kb.rules}
        self.compiled = {r.id: compile_condition(kb.conditions[r.id]) for r in kb.rules}
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


_STATIC: dict[int, _Static] = {}


def _static(kb: KnowledgeBase) -> _Static:
    hit = _STATIC.get(id(kb))
    if hit is None or hit.kb_ref is not kb:  # type: ignore[attr-defined]
        hit = _Static(kb)
        hit.kb_ref = kb  # type: ignore[attr-defined]
        _STATIC[id(kb)] = hit
    return hit


class _Evaluator:
    """Evaluates and traces each rule at most once per case, shared by all guidelines."""

    def __init__(self, kb: KnowledgeBase, case: Case) -> None:
        self.kb = kb
        self.case = case
        self.static = _static(kb)
        self.facts = compute_facts(case)
        self._memo: dict[str, tuple[Truth, list[Used]]] = {}
        self._missing: dict[str, list[str]] = {}
        self._traces: dict[tuple[str, str | None], RuleTrace] = {}
        self._unknown_fields: dict[str, bool] = {}

    def outcome(self, rule_id: str) -> Truth:
        return self.run(rule_id)[0]

    def run(self, rule_id: str) -> tuple[Truth, list[Used]]:
        hit = self._memo.get(rule_id)
        if hit is None:
            used: list[Used] = []
            truth = self.static.compiled[rule_id](self.facts, self.outcome, used)
            hit = self._memo[rule_id] = (truth, used)
        return hit

    def _field_unknown(self, path: str) -> bool:
        known = self._unknown_fields.get(path)
        if known is None:
            known = self._unknown_fields[path] = field_is_unknown(self.case, path)
        return known

    def missing_of(self, rule_id: str) -> list[str]:
        """Unknown case fields that leave this rule undecided (through referenced rules too)."""
        hit = self._missing.get(rule_id)
        if hit is not None:
            return hit
        truth, used = self.run(rule_id)
        out: list[str] = []
        if truth is None:
            for u in used:
                if u.result is None:
                    out += [p for p in u.inputs if p not in out and self._field_unknown(p)]
            for ref in self.static.refs[rule_id]:
                out += [p for p in self.missing_of(ref) if p not in out]
        self._missing[rule_id] = out
        return out

    def cites(self, citations: list[Citation]) -> list[Cite]:
        numbers = self.kb.citation_number()
        return [Cite(c.ref, c.locator, numbers[c.ref]) for c in citations]

    def trace(self, rule: Rule, status: str | None = None) -> RuleTrace:
        hit = self._traces.get((rule.id, status))
        if hit is not None:
            return hit
        truth, used = self.run(rule.id)
        hit = RuleTrace(
            rule_id=rule.id,
            title=rule.title,
            status=status or _verdict(truth),
            statement=rule.statement,
            values=[ValueUsed(u.label, u.needs, u.value, _verdict(u.result)) for u in used],
            citations=self.static.cites[rule.id],
            grade=rule.grade,
            note=rule.note,
            missing=self.missing_of(rule.id),
            severity=rule.severity,
        )
        self._traces[(rule.id, status)] = hit
        return hit


def _and(values: list[Truth]) -> Truth:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: list[Truth]) -> Truth:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


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


def _diagnosis(ev: _Evaluator, guideline: str) -> tuple[Diagnosis, list[ExclusionResult]]:
    kb = ev.kb
    definition = [ev.trace(r, status="definition") for r in kb.rules_of("definition", guideline)]
    criteria_rules = kb.rules_of("diagnostic_criterion", guideline)
    exclusion_rules = kb.rules_of("exclusion", guideline)

    history = _or([ev.outcome(r.id) for r in criteria_rules if r.pathway == "history"])
    exam_core = _and([ev.outcome(r.id) for r in criteria_rules if r.pathway == "physical_exam"])
    exclusion_truths = [ev.outcome(r.id) for r in exclusion_rules]
    # The examination-based picture needs every exclusion known to be absent.
    exam = _and([exam_core] + [None if t is None else not t for t in exclusion_truths])

    basis = [name for name, truth in (("history", history), ("physical_exam", exam)) if truth is True]
    if basis:
        status: Verdict = "met"
    elif history is False and exam is False:
        status = "not_met"
    else:
        status = "insufficient_data"

    exclusions = []
    for rule, truth in zip(exclusion_rules, exclusion_truths):
        finding = _finding(truth)
        exclusions.append(ExclusionResult(rule.exclusion or "", finding, _EXCLUSION_EFFECT[finding], ev.trace(rule, status=finding)))

    present = [e.exclusion.replace("_", " ") for e in exclusions if e.status == "present"]
    if status == "met":
        words = {"history": "the obstetric history", "physical_exam": "the examination in this pregnancy"}
        summary = "Meets the criteria on " + " and ".join(words[b] for b in basis) + "."
        if "history" in basis and present:
            summary += f" In this pregnancy {', '.join(present)} is present: the acute picture is not cervical insufficiency."
    elif status == "not_met":
        summary = "Does not meet the criteria: no qualifying history"
        summary += f", and {', '.join(present)} rules out the examination-based picture." if present else ", and no painless second-trimester dilation on examination."
    pathways = {"history": _verdict(history), "physical_exam": _verdict(exam)}
    criteria = [ev.trace(r) for r in criteria_rules]
    if status == "insufficient_data":
        needed: list[str] = []
        for rule, trace in zip(criteria_rules, criteria):
            if pathways[rule.pathway or "history"] == "insufficient_data":
                needed += [label_of(p) for p in trace.missing if label_of(p) not in needed]
        if pathways["physical_exam"] == "insufficient_data":
            for e in exclusions:
                needed += [label_of(p) for p in e.trace.missing if label_of(p) not in needed]
        summary = "Cannot decide yet. Still unknown: " + "; ".join(needed) + "." if needed else (
            "Cannot decide yet: answers needed before the criteria can be applied."
        )
    return Diagnosis(status, basis, summary, pathways, definition, criteria), exclusions


def _risk(ev: _Evaluator, kind_title: str, guideline: str) -> RiskFinding:
    rules = [r for r in ev.kb.rules_of("risk_finding", guideline) if r.title.startswith(kind_title)]
    # the guideline's own rule wins over a shared one
    rules.sort(key=lambda r: r.guideline == "all")
    rule = rules[0]
    truth = ev.outcome(rule.id)
    return RiskFinding(_finding(truth), False, ev.trace(rule, status=_finding(truth)))


def _cerclage(ev: _Evaluator, guideline: str) -> Cerclage:
    kb = ev.kb
    rules = kb.rules_of("cerclage_indication", guideline)
    order = {"physical_exam": 0, "ultrasound": 1, "history": 2}
    rules.sort(key=lambda r: order[r.indication or "history"])
    traces = [ev.trace(r) for r in rules]
    met = [r.indication for r in rules if ev.outcome(r.id) is True]
    if met:
        indication: Indication = met[0]  # type: ignore[assignment]
    elif any(ev.outcome(r.id) is None for r in rules):
        indication = "insufficient_data"
    else:
        indication = "none"

    contraindications, cleared = [], []
    for rule in kb.rules_of("contraindication", guideline):
        truth = ev.outcome(rule.id)
        if truth is False:
            cleared.append(rule.title)
        else:
            contraindications.append(ev.trace(rule, status=_finding(truth)))

    ga = ev.facts["gestational_age"]
    ga_days = None if not isinstance(ga, int) else ga
    windows = []
    for rule in kb.rules_of("timing_window", guideline):
        w = rule.window
        assert w is not None
        windows.append(
            Window(
                rule_id=rule.id,
                title=rule.title,
                treatments=list(rule.applies_to or []),
                kind=rule.window_kind or "",
                start=w.start,
                end=w.end,
                label=w.label,
                status=_window_status(ga_days, w.start_days, w.end_days),
                citations=ev.cites(rule.citations),
                statement=rule.statement,
            )
        )

    absolute = [c.title for c in contraindications if c.status == "present" and c.severity == "absolute"]
    words = {
        "history": "history-indicated",
        "ultrasound": "ultrasound-indicated",
        "physical_exam": "physical-examination-indicated",
    }
    if indication in words:
        summary = f"Indication: {words[indication]} cerclage under {GUIDELINE_NAMES[guideline]}."
    elif indication == "none":
        summary = f"No cerclage indication under {GUIDELINE_NAMES[guideline]}."
    else:
        summary = "Indication cannot be decided yet: some answers that matter are unknown."
    if absolute:
        summary += " Contraindicated now: " + "; ".join(absolute) + "."
    return Cerclage(indication, traces, contraindications, cleared, windows, summary)


def _treatments(ev: _Evaluator, guideline: str) -> list[TreatmentResult]:
    kb = ev.kb
    results = []
    for tid, treatment in kb.treatments.items():
        pending: list[str] = []
        missing: list[str] = []
        # An absolute contraindication that is present blocks the option outright.
        blocking = ev.static.blocking[(tid, guideline)]
        chosen: tuple[Rule, str] | None = None
        present = [r for r in blocking if ev.outcome(r.id) is True]
        if present:
            rule = present[0]
            reasons = "; ".join(r.title for r in present)
            chosen = (rule, f"Contraindicated: {reasons}. {rule.statement}")
            status = "contraindicated"
        else:
            for r in blocking:
                if ev.outcome(r.id) is None:
                    pending.append(f"Contraindication not yet excluded: {r.title}")
                    missing += [m for m in ev.missing_of(r.id) if m not in missing]
            candidates = ev.static.status_rules[(tid, guideline)]
            could_offer: list[Rule] = []
            for r in candidates:
                truth = ev.outcome(r.id)
                if truth is True:
                    chosen = (r, r.statement)
                    break
                if truth is None:
                    pending.append(f"{r.title} (would make it {r.status.replace('_', ' ') if r.status else ''})")
                    missing += [m for m in ev.missing_of(r.id) if m not in missing]
                    if r.status in ("recommended", "consider"):
                        could_offer.append(r)
            if chosen is None:  # the knowledge base ends every list with an "otherwise"; be safe anyway
                raise RuntimeError(f"no status rule matched treatment {tid} under {guideline}")
            status = chosen[0].status or "not_applicable"
            if kb.conditions[chosen[0].id] is None and could_offer:
                # Only the fallback matched, but an unknown answer could still make the option one
                # to offer: that is undecided, not "not applicable".
                status = "insufficient_data"
                chosen = (
                    chosen[0],
                    "Cannot decide yet: it depends on answers that are unknown ("
                    + "; ".join(r.title for r in could_offer)
                    + "). Otherwise: "
                    + chosen[0].statement,
                )
        rule, reason = chosen
        trace = ev.trace(rule)
        results.append(
            TreatmentResult(
                treatment=tid,
                name=treatment.name,
                short_name=treatment.short_name,
                status=status,
                reason=reason,
                rule_id=rule.id,
                citations=trace.citations,
                values=trace.values,
                pending=pending,
                missing=missing,
                grade=rule.grade,
            )
        )
    return results


def _collect_missing(ev: _Evaluator, guideline: str, assessment_parts: dict[str, Any]) -> list[MissingInput]:
    affects: dict[str, list[str]] = {}

    def add(paths: list[str], what: str) -> None:
        for p in paths:
            bucket = affects.setdefault(p, [])
            if what not in bucket:
                bucket.append(what)

    diagnosis: Diagnosis = assessment_parts["diagnosis"]
    if diagnosis.status == "insufficient_data":
        pathway_of = {r.id: r.pathway for r in ev.kb.rules_of("diagnostic_criterion", guideline)}
        for trace in diagnosis.criteria:
            if diagnosis.pathways[pathway_of[trace.rule_id] or "history"] == "insufficient_data":
                add(trace.missing, "diagnosis")
        if diagnosis.pathways["physical_exam"] == "insufficient_data":
            for e in assessment_parts["exclusions"]:
                add(e.trace.missing, "diagnosis")
    cerclage: Cerclage = assessment_parts["cerclage"]
    blocked = any(c.status == "present" and c.severity == "absolute" for c in cerclage.contraindications)
    for trace in cerclage.indications:
        # With an absolute contraindication present, no answer could make cerclage an option.
        if trace.status == "insufficient_data" and not blocked:
            add(trace.missing, "cerclage indication")
    for t in assessment_parts["treatments"]:
        add(t.missing, t.short_name)
    return [MissingInput(p, label_of(p), section_of(p), sorted(a)) for p, a in affects.items()]


def assess(case: Case, guideline: str, kb: KnowledgeBase | None = None, _ev: _Evaluator | None = None) -> Assessment:
    """The assessment of ``case`` under one guideline: acog, rcog or nice."""
    if guideline not in GUIDELINES:
        raise ValueError(f"guideline must be one of {', '.join(GUIDELINES)}")
    kb = kb or default_knowledge_base()
    ev = _ev or _Evaluator(kb, case)
    diagnosis, exclusions = _diagnosis(ev, guideline)
    parts: dict[str, Any] = {
        "diagnosis": diagnosis,
        "exclusions": exclusions,
        "short_cervix": _risk(ev, "Short cervix", guideline),
        "risk_factors": _risk(ev, "Cervical risk factors", guideline),
        "cerclage": _cerclage(ev, guideline),
        "treatments": _treatments(ev, guideline),
    }
    missing = _collect_missing(ev, guideline, parts)
    return Assessment(
        guideline=guideline,
        guideline_name=GUIDELINE_NAMES[guideline],
        knowledge_base_version=kb.meta.version,
        knowledge_base_reviewed=kb.meta.last_reviewed.isoformat(),
        missing=missing,
        **parts,
    )


def assess_all(case: Case, kb: KnowledgeBase | None = None) -> AllAssessments:
    """The case under every guideline, with the points where they answer it differently."""
    kb = kb or default_knowledge_base()
    ev = _Evaluator(kb, case)
    results = {g: assess(case, g, kb, ev) for g in GUIDELINES}
    disagreements: list[Disagreement] = []

    def compare(topic: str, answer: dict[str, str], reason: dict[str, str], cites: dict[str, list[Cite]]) -> None:
        if len(set(answer.values())) > 1:
            disagreements.append(Disagreement(topic, answer, reason, cites))

    compare(
        "Diagnosis",
        {g: a.diagnosis.status for g, a in results.items()},
        {g: a.diagnosis.summary for g, a in results.items()},
        {g: [c for t in a.diagnosis.criteria for c in t.citations] for g, a in results.items()},
    )
    compare(
        "Cerclage indication",
        {g: a.cerclage.indication for g, a in results.items()},
        {g: a.cerclage.summary for g, a in results.items()},
        {
            g: [c for t in a.cerclage.indications if t.status != "not_met" for c in t.citations]
            or [c for t in a.cerclage.indications for c in t.citations]
            for g, a in results.items()
        },
    )
    for i, tid in enumerate(kb.treatments):
        compare(
            kb.treatments[tid].name,
            {g: a.treatments[i].status for g, a in results.items()},
            {g: a.treatments[i].reason for g, a in results.items()},
            {g: a.treatments[i].citations for g, a in results.items()},
        )

    # One entry per unknown field: what it affects, with the guidelines it affects it under.
    order: list[str] = []
    labels: dict[str, MissingInput] = {}
    affects: dict[str, dict[str, list[str]]] = {}
    for g, a in results.items():
        for m in a.missing:
            if m.field not in labels:
                order.append(m.field)
                labels[m.field] = m
            for thing in m.affects:
                affects.setdefault(m.field, {}).setdefault(thing, []).append(g.upper())
    merged = {
        f: MissingInput(
            f,
            labels[f].label,
            labels[f].section,
            [f"{thing} ({', '.join(gs)})" for thing, gs in affects[f].items()],
        )
        for f in order
    }
    return AllAssessments(results, disagreements, list(merged.values()))
