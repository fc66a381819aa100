"""The bottom line: what the case comes to under one guideline, derived once, in the engine.

Every view (the Intake, Criteria and Treatments cards, the sidebar, the command line's text
and JSON) renders this one object and never words a verdict of its own, so nothing on screen
can contradict anything else. It is derived from the same evaluation that gives the option
statuses (``assess``), never from a second reading of the case:

- the diagnosis and its basis;
- what can be offered now, strongest first, each with its reason;
- what is ruled out now, one line each, naming the rule that rules it out;
- indications that are met but whose option is not open now, saying so;
- "cannot be decided yet" only for options whose status really waits on an unknown answer,
  with the two or three answers to get first, ranked by how many undecided things they decide;
- where the picture is something else (preterm labour, ruptured membranes, infection,
  bleeding, fetal demise, a short cervix found after 24 weeks): what it is, why this tool's
  pathway stops, and the cited guidance that takes over;
- a cerclage already in place in this pregnancy: said first, with what the guideline says about
  it (removal, a short cervix with the stitch in situ), or that its text we hold says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the engine's result types; imported for annotations only (assess imports this module)
    from dashboard.assess import Cerclage, Cite, Diagnosis, TreatmentResult

State = Literal["other_picture", "offer", "undecided", "nothing_offered"]

STATUS_PHRASE = {
    "recommended": "recommended",
    "consider": "consider",
    "not_recommended": "not recommended",
    "contraindicated": "contraindicated",
    "not_applicable": "not applicable",
    "no_stated_position": "no stated position",
    "insufficient_data": "cannot be decided yet",
}
_RULED_OUT_ORDER = {"contraindicated": 0, "not_recommended": 1, "no_stated_position": 2, "not_applicable": 3}
OFFERED = ("recommended", "consider")  # the statuses that put an option on the table, strongest first
IN_PLAY = (*OFFERED, "insufficient_data")  # offered, or still to be decided
# A cerclage-indication rule is named GUIDELINE-HIC, -USI or -PEI (a test pins it): its option and words.
_INDICATION_OF_RULE = {
    "HIC": ("history_indicated_cerclage", "History"),
    "USI": ("ultrasound_indicated_cerclage", "Ultrasound"),
    "PEI": ("physical_exam_indicated_cerclage", "Physical-examination"),
}
_CONTEXT_LABELS = ("Fetuses", "Gestational age")  # said elsewhere; the findings that met it are named
CONFIRM_FIRST = 3  # answers named to get first: a short list a clinician can act on


@dataclass(frozen=True)
class LineItem:
    """One option in the bottom line: its status and, in one line, why."""

    treatment: str
    name: str
    status: str
    text: str
    citations: list[Cite]


@dataclass(frozen=True)
class ToConfirm:
    """An unknown answer to get first, and what it would decide."""

    field: str
    label: str
    section: str
    decides: list[str]


@dataclass(frozen=True)
class OtherPicture:
    """A presentation that is not cervical insufficiency: what it is and where to turn."""

    rule_id: str
    title: str
    statement: str
    citations: list[Cite]


@dataclass(frozen=True)
class InPlace:
    """A cerclage already in place in this pregnancy: what it is, and what the guideline says about it."""

    words: str  # "" when no cerclage is recorded as in place
    notes: list[OtherPicture]


@dataclass(frozen=True)
class BottomLine:
    guideline: str
    guideline_name: str
    state: State
    headline: str  # one sentence: the answer now
    diagnosis: str  # met / not_met / insufficient_data
    diagnosis_basis: list[str]
    diagnosis_headline: str
    diagnosis_text: str
    offered: list[LineItem]  # recommended first, then consider
    undecided: list[LineItem]
    ruled_out: list[LineItem]
    not_open: list[str]  # met indications whose option is not open now
    confirm_first: list[ToConfirm]
    other_pictures: list[OtherPicture]
    in_place: InPlace


def diagnosis_headline(status: str, basis: Sequence[str]) -> str:
    words = {"history": "obstetric history", "physical_exam": "physical examination"}
    return {
        "met": f"Meets the criteria for cervical insufficiency, on {' and '.join(words[b] for b in basis)}",
        "not_met": "Does not meet the criteria for cervical insufficiency",
        "insufficient_data": "Not enough information to apply the criteria",
    }[status]


def _names(items: Sequence[LineItem]) -> str:
    return "; ".join(f"{i.name} ({STATUS_PHRASE[i.status]})" for i in items)


def derive_bottom_line(
    guideline: str,
    guideline_name: str,
    diagnosis: Diagnosis,
    cerclage: Cerclage,
    treatments: Sequence[TreatmentResult],
    pictures: Sequence[OtherPicture],
    label: Callable[[str], str],
    section: Callable[[str], str],
    diagnosis_fields: Sequence[str],
    in_place: InPlace | None = None,
) -> BottomLine:
    """The bottom line of one guideline's assessment (``assess`` calls this; nothing else words a verdict)."""
    in_place = in_place or InPlace("", [])
    offered = sorted((t for t in treatments if t.status in OFFERED), key=lambda t: OFFERED.index(t.status))
    offered_items = [LineItem(t.treatment, t.short_name, t.status, t.reason, t.citations) for t in offered]
    undecided = [t for t in treatments if t.status == "insufficient_data"]
    undecided_items = [
        LineItem(
            t.treatment,
            t.short_name,
            t.status,
            "Waits on: " + "; ".join(t.asks.get(f) or label(f) for f in t.deciding) + "." if t.deciding else t.reason,
            t.citations,
        )
        for t in undecided
    ]
    ruled = sorted(
        (t for t in treatments if t.status in _RULED_OUT_ORDER), key=lambda t: _RULED_OUT_ORDER[t.status]
    )
    ruled_items = [
        LineItem(
            t.treatment, t.short_name, t.status, f"{STATUS_PHRASE[t.status].capitalize()}: {t.rule_title}", t.citations
        )
        for t in ruled
    ]

    # An indication that is met, but whose option this case cannot take now: say exactly that.
    by_id = {t.treatment: t for t in treatments}
    not_open = []
    for trace in cerclage.indications:
        tid, which = _INDICATION_OF_RULE.get(trace.rule_id.rsplit("-", 1)[-1], ("", ""))
        option = by_id.get(tid)
        if in_place.words and option is not None and option.status == "not_applicable":
            continue  # closed by the cerclage already in place, which the bottom line says first
        if trace.status == "met" and option is not None and option.status not in OFFERED:
            met_on = "; ".join(
                f"{v.label}: {v.value}" for v in trace.values if v.result == "met" and v.label not in _CONTEXT_LABELS
            )
            now = STATUS_PHRASE.get(option.status, option.status)
            not_open.append(
                f"{which} indication met ({met_on}), but not open now: "
                f"{option.short_name} is {now} ({option.rule_title})."
            )

    # The answers to get first: those that decide the most undecided options (the diagnosis counts
    # as one more). Only answers that decide something are named; a "could change" note is not. Each
    # is named as the engine words it (a recorded scan list by the window still needing a scan).
    score: dict[tuple[str, str], list[str]] = {}
    for t in undecided:
        for f in t.deciding:
            score.setdefault((f, t.asks.get(f) or label(f)), []).append(t.short_name)
    if diagnosis.status == "insufficient_data":
        for f in diagnosis_fields:
            score.setdefault((f, label(f)), []).append("the diagnosis")
    ranked = sorted(score.items(), key=lambda item: -len(item[1]))[:CONFIRM_FIRST]
    confirm = [ToConfirm(f, words, section(f), decides) for (f, words), decides in ranked]

    headline_dx = diagnosis_headline(diagnosis.status, diagnosis.basis)
    if pictures:
        state: State = "other_picture"
        head = (
            "Outside this tool's pathway now: "
            + "; ".join(p.title for p in pictures)
            + ". See where to turn, below; the guidance for that picture takes over."
        )
    elif offered_items:
        state = "offer"
        head = "Can be offered now: " + _names(offered_items) + "."
    elif undecided_items:
        state = "undecided"
        head = "Nothing can be offered yet; still to be decided: " + "; ".join(i.name for i in undecided_items) + "."
    else:
        state = "nothing_offered"
        head = f"No {'further ' if in_place.words else ''}option is offered for this case now."
    if state != "undecided" and undecided_items:
        head += " Cannot be decided yet: " + "; ".join(i.name for i in undecided_items) + "."
    if confirm:
        head += " Confirm first: " + "; ".join(c.label for c in confirm) + "."
    if in_place.words:  # said first: it changes what every cerclage line means
        head = f"{in_place.words}. {head}"
    return BottomLine(
        guideline=guideline,
        guideline_name=guideline_name,
        state=state,
        headline=head,
        diagnosis=diagnosis.status,
        diagnosis_basis=list(diagnosis.basis),
        diagnosis_headline=headline_dx,
        diagnosis_text=diagnosis.summary,
        offered=offered_items,
        undecided=undecided_items,
        ruled_out=ruled_items,
        not_open=not_open,
        confirm_first=confirm,
        other_pictures=list(pictures),
        in_place=in_place,
    )


def option_of_indication(rule_id: str) -> str | None:
    """The option a cerclage-indication rule (GUIDELINE-HIC, -USI or -PEI) opens, or None."""
    hit = _INDICATION_OF_RULE.get(rule_id.rsplit("-", 1)[-1])
    return hit[0] if hit else None
