"""Table rows for the pages, built from assessments. Pure Python, so they can be tested.

Every cell that states something clinical carries its numbered citations.
"""

from __future__ import annotations

from typing import Any

from dashboard.assess import AllAssessments, Assessment, Cite, Window
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, KnowledgeBase

WORDS = {
    "met": "✔ Met",
    "not_met": "✘ Not met",
    "insufficient_data": "? Insufficient data",
    "recommended": "▲ Recommended",
    "consider": "◆ Consider",
    "not_recommended": "▼ Not recommended",
    "contraindicated": "⛔ Contraindicated",
    "not_applicable": "– Not applicable",
    "present": "● Present",
    "absent": "○ Absent",
    "unknown": "? Unknown",
    "history": "History-indicated",
    "ultrasound": "Ultrasound-indicated",
    "physical_exam": "Exam-indicated",
    "none": "No indication",
    "open": "Open now",
    "upcoming": "Upcoming",
    "passed": "Passed",
}


def words(status: str) -> str:
    return WORDS.get(status, status.replace("_", " "))


def values_text(values: list[Any]) -> str:
    """'Labour: unknown (needs is absent)' for each test a rule made."""
    return "; ".join(f"{v.label}: {v.value} (needs {v.needs})" for v in values)


def marks(cites: list[Cite]) -> str:
    numbers = sorted({c.number for c in cites})
    return f"[{', '.join(str(n) for n in numbers)}]" if numbers else ""


def criteria_rows(a: Assessment) -> list[dict[str, str]]:
    rows = []
    pathway = {"history": "History", "physical_exam": "Examination"}
    for trace in a.diagnosis.criteria:
        rows.append(
            {
                "Criterion": trace.title,
                "Pathway": next((pathway[p] for p in pathway if trace.rule_id.startswith("DX-HX") == (p == "history")), ""),
                "Status": words(trace.status),
                "Values used": values_text(trace.values),
                "Reason": trace.statement,
                "Sources": marks(trace.citations),
            }
        )
    for e in a.exclusions:
        rows.append(
            {
                "Criterion": f"No {e.trace.title.lower()}",
                "Pathway": "Examination",
                "Status": {"absent": words("met"), "present": words("not_met"), "unknown": words("insufficient_data")}[e.status],
                "Values used": "; ".join(f"{v.label}: {v.value} (must be absent)" for v in e.trace.values),
                "Reason": e.trace.statement,
                "Sources": marks(e.trace.citations),
            }
        )
    return rows


def _ga(text: str | None) -> str:
    return f"{text}" if text else "—"


def window_rows(windows: list[Window]) -> list[dict[str, str]]:
    return [
        {
            "Window": w.title,
            "When": w.label,
            "From": _ga(w.start),
            "To": _ga(w.end),
            "Now": words(w.status),
            "Basis": f"{w.statement} {marks(w.citations)}",
        }
        for w in windows
    ]


def comparison_rows(result: AllAssessments) -> list[dict[str, str]]:
    """Topic by guideline, each cell with its sources, and whether the guidelines differ."""
    gs = [result.guidelines[g] for g in GUIDELINES]
    rows: list[dict[str, str]] = []

    def add(topic: str, values: list[str], cells: list[str]) -> None:
        row = {"Topic": topic}
        for g, cell in zip(GUIDELINES, cells):
            row[GUIDELINE_NAMES[g]] = cell
        row["Guidelines differ"] = "Yes" if len(set(values)) > 1 else "No"
        rows.append(row)

    add(
        "Diagnosis",
        [a.diagnosis.status for a in gs],
        [f"{words(a.diagnosis.status)} {marks([c for t in a.diagnosis.criteria for c in t.citations])}" for a in gs],
    )
    add(
        "Short cervix (risk finding)",
        [a.short_cervix.status for a in gs],
        [f"{words(a.short_cervix.status)}: {a.short_cervix.trace.title} {marks(a.short_cervix.trace.citations)}" for a in gs],
    )
    add(
        "Cerclage indication",
        [a.cerclage.indication for a in gs],
        [
            f"{words(a.cerclage.indication)} "
            + marks([c for t in a.cerclage.indications if t.status != "not_met" for c in t.citations]
                    or [c for t in a.cerclage.indications for c in t.citations])
            for a in gs
        ],
    )
    contra = [", ".join(c.title for c in a.cerclage.contraindications if c.status == "present") or "None present" for a in gs]
    add("Contraindications present", contra, [f"{text} {marks([c for t in a.cerclage.contraindications if t.status == 'present' for c in t.citations])}".strip() for text, a in zip(contra, gs)])
    for i, t in enumerate(gs[0].treatments):
        add(
            t.short_name,
            [a.treatments[i].status for a in gs],
            [f"{words(a.treatments[i].status)} {marks(a.treatments[i].citations)}" for a in gs],
        )
    return rows


def treatment_cards(kb: KnowledgeBase, result: AllAssessments, guideline: str) -> list[dict[str, Any]]:
    """One card per option: what it is, who for, when, evidence, harms, each stance, and this case."""
    numbers = kb.citation_number()

    def cited(items: list[Any]) -> str:
        return marks([Cite(c.ref, c.locator, numbers[c.ref]) for c in items])

    a = result.guidelines[guideline]
    cards = []
    for t_result in a.treatments:
        t = kb.treatments[t_result.treatment]
        evidence = [
            f"{e.study}: {e.outcome}, {e.measure} {e.estimate:g} (95% CI {e.ci_low:g}–{e.ci_high:g})"
            + (f", n={e.n}" if e.n else "")
            + f" {cited(e.citations)}"
            if e.measure != "none" and e.estimate is not None
            else f"{e.study}: {e.outcome}: {e.result} {cited(e.citations)}"
            for e in t.evidence
        ]
        cards.append(
            {
                "id": t.id,
                "name": t.short_name,
                "full_name": t.name,
                "withdrawn": t.withdrawn,
                "group": t.group,
                "status": t_result.status,
                "reason": f"{t_result.reason} {marks(t_result.citations)}",
                "summary": f"{t.summary.text} {cited(t.summary.citations)}",
                "who": f"{t.population.text} {cited(t.population.citations)}",
                "timing": f"{t.timing.text} {cited(t.timing.citations)}",
                "evidence": evidence,
                "harms": [f"{h.text} {cited(h.citations)}" for h in t.harms],
                "stances": {
                    GUIDELINE_NAMES[g]: ("" if t.stances[g].addressed else "Not addressed in the verified text. ")  # type: ignore[index]
                    + f"{t.stances[g].summary} {cited(t.stances[g].citations)}"  # type: ignore[index]
                    for g in GUIDELINES
                },
            }
        )
    return cards
