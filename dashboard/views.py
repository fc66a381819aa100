"""Table rows for the pages, built from assessments. Pure Python, so they can be tested.

Every cell that states something clinical carries its numbered citations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from dashboard.assess import NOT_OFFERED, AllAssessments, Assessment, Cite, MissingInput, Window, stances_differ
from dashboard.bottomline import IN_PLAY, STATUS_PHRASE, option_of_indication
from dashboard.fields import SECTIONS
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, READ_AT, THIRD_PARTY, KnowledgeBase

T = TypeVar("T")

# An option's status is worded once, in the engine (bottomline.STATUS_PHRASE); tables add a symbol
# so the status never rests on colour alone.
_SYMBOLS = {
    "insufficient_data": "?",
    "recommended": "▲",
    "consider": "◆",
    "not_recommended": "▼",
    "contraindicated": "⛔",
    "not_applicable": "–",
    "no_stated_position": "○",
}
WORDS = {
    "met": "✔ Met",
    "not_met": "✘ Not met",
    **{status: f"{symbol} {STATUS_PHRASE[status].capitalize()}" for status, symbol in _SYMBOLS.items()},
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
    """'Labour: unknown (needs is absent)' for each test a rule made; two tests of one value are
    said once ('Gestational age: 21+3 weeks (needs ≥ 14+0 weeks and ≤ 27+6 weeks)')."""
    merged = merged_needs(values).items()
    return "; ".join(f"{label}: {value} (needs {' and '.join(n)})" for (label, value), n in merged)


def status_cell(t: Any) -> str:
    """A treatment's status for a table cell, with its sources and any caution in words."""
    caution = f" ⚠ relative contraindication: {'; '.join(t.cautions)}" if t.cautions else ""
    return f"{words(t.status)}{caution} {marks(t.citations)}"


def reference_matches(ref: Any, number: int, query: str) -> bool:
    """Whether a reference answers a References-page search.

    "[9]" or "9" finds the source numbered 9 on every page; a number of four or more digits is a
    year or a PMID and is searched as text, like any other words.
    """
    query = query.strip()
    if not query:
        return True
    digits = query.strip("[]").strip()
    if digits.isdigit() and (query.startswith("[") or len(digits) <= 3):
        return number == int(digits)
    haystack = " ".join(
        str(x) for x in (ref.id, ref.authors, ref.year, ref.title, ref.source, ref.doi, ref.pmid, ref.note) if x
    ).lower()
    return all(word in haystack for word in query.lower().split())


def merged_needs(values: Iterable[Any]) -> dict[tuple[str, str], list[str]]:
    """Each (label, value) a rule tested, with every requirement it was tested against, in order."""
    needs: dict[tuple[str, str], list[str]] = {}
    for v in values:
        bucket = needs.setdefault((v.label, v.value), [])
        if v.needs not in bucket:
            bucket.append(v.needs)
    return needs


def marks(cites: Iterable[Cite]) -> str:
    """Inline numbered citations, e.g. "[3, 12]"; the numbers match the References page."""
    numbers = sorted({c.number for c in cites})
    return f"[{', '.join(str(n) for n in numbers)}]" if numbers else ""


def entered_twice_text(gestational_ages: Sequence[Any]) -> str:
    """The check asked for when a loss and a preterm birth share a gestational age."""
    at = ", ".join(f"{ga} weeks" for ga in gestational_ages)
    return (
        f"**Check the obstetric history:** a painless second-trimester loss and a spontaneous preterm "
        f"birth are both recorded at {at}. If that is one pregnancy, keep it in one list only: recorded "
        "in both, it is counted twice where earlier losses and preterm births are added together "
        "(the RCOG history-indicated cerclage count)."
    )


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$"


def md_text(text: str) -> str:
    """Text that Markdown shows literally, on one line (a table cell or a list item)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in " ".join(text.split()))


def markdown_table(rows: Sequence[Mapping[str, str]], strong: Collection[str] = ()) -> str:
    """One Markdown (GFM) table: a real table with a header row, every cell shown literally.

    A cell whose whole text is in ``strong`` is set in bold, so a marker such as "Differs"
    is carried by words and weight, never by colour alone.
    """
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(text: str) -> str:
        return f"**{md_text(text)}**" if text in strong else md_text(text)

    lines = [
        "| " + " | ".join(md_text(c) for c in columns) + " |",
        "|" + " --- |" * len(columns),
        *("| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows),
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- built once per knowledge base


MEMO_BOUND = 4096  # results per memoised builder


def once_per_knowledge_base(build: Callable[..., T]) -> Callable[..., T]:
    """Memoise ``build(kb, *args)`` for the knowledge base in use.

    The knowledge base is immutable and loaded once per process, so what is built from it
    (and hashable arguments) never changes; a different knowledge base object starts afresh.
    Nothing from a case is kept here: only knowledge-base text. At most ``MEMO_BOUND`` results
    are kept, then all are forgotten. The knowledge base they were built from is held and compared by
    identity, never by ``id()`` (an id passes to another object once its owner is freed).
    """
    memo: dict[tuple[Any, ...], T] = {}
    owner: list[KnowledgeBase] = []

    @wraps(build)
    def cached(kb: KnowledgeBase, *args: Any) -> T:
        if not owner or owner[0] is not kb or len(memo) >= MEMO_BOUND:
            memo.clear()
            owner[:] = [kb]
        try:
            return memo[args]
        except KeyError:
            value = memo[args] = build(kb, *args)
            return value

    cached.memo = memo  # type: ignore[attr-defined]  # read by the tests of its bound
    return cached


@dataclass(frozen=True)
class SourcesBlock:
    """What a "Sources" expander shows: its title, one Markdown text, and the reference numbers."""

    title: str
    text: str
    numbers: str  # "3,12": the References page's ``refs`` query parameter


def reference_links(links: Sequence[tuple[str, str, str]], unconfirmed: str = "") -> str:
    """A reference's ``links`` as Markdown: its canonical links (DOI, PubMed, PMC, the issuer's or
    publisher's page) on one line, with what could not be confirmed ("DOI not confirmed"); then one
    line per page its text was read at ("Text read at: ..."), naming the host and what that page is,
    and saying when it is a third-party copy or plain http. Each URL is written so that Markdown can
    neither end it early nor read it as markup.
    """
    def link(text: str, url: str) -> str:
        return f"[{text}](" + "".join("\\" + ch if ch in "\\()<>" else ch for ch in url) + ")"

    canonical = [link(label, url) for label, url, _ in links if label != READ_AT]
    first = " · ".join(canonical + ([md_text(unconfirmed)] if unconfirmed else []))
    if not canonical and not unconfirmed:
        first = "No DOI, PMID or issuer's page recorded"
    lines = [first]
    for label, url, caveat in links:
        if label == READ_AT:
            host = urlsplit(url).netloc.rpartition("@")[2]
            if THIRD_PARTY in caveat and url.startswith("http:"):
                # A copy on someone else's site over plain http (a shop, a bare IP address) is
                # named, not linked: a clinical tool should not send a click there unencrypted to
                # a host that is not the publisher. The address stays readable.
                # In a code span: Markdown would turn a bare web address back into a link.
                address = url.replace("`", "%60")
                lines.append(f"{READ_AT} ({md_text(caveat)}; not linked): `{address}`")
            else:
                lines.append(f"{READ_AT}: {link(md_text(host), url)}" + (f" ({md_text(caveat)})" if caveat else ""))
    return "  \n".join(lines)


def reference_markdown(ref: Any) -> str:
    """The links and status lines of one reference, as every page shows them."""
    return reference_links(ref.links, ref.unconfirmed_text)


def editions_markdown(kb: KnowledgeBase, column: str) -> str:
    """The guideline editions a column rests on, each with its date and when it was last checked."""
    numbers = kb.citation_number()
    return "  \n".join(
        f"{md_text(e.edition)} [{numbers[e.ref]}]: published {md_text(e.published)}; "
        f"knowledge base checked against it on {e.checked_on:%d %b %Y}."
        + (f" {md_text(e.status)}." if e.status else "")
        for e in kb.meta.editions.get(column, [])
    )


@once_per_knowledge_base
def editions_list(kb: KnowledgeBase, columns: tuple[str, ...]) -> str:
    """One Markdown list: per guideline column, the editions it rests on (for the Criteria page)."""
    lines = ["**Editions of the guidance behind each column**"]
    for g in columns:
        text = editions_markdown(kb, g).replace("  \n", "; ")
        lines.append(f"- **{GUIDELINE_NAMES.get(g, g)}**: {text or 'no edition recorded'}")
    return "\n".join(lines)


def sources_block(kb: KnowledgeBase, cites: Iterable[Cite], label: str = "Sources") -> SourcesBlock | None:
    """The cited references, each with every locator cited, in number order; None if nothing is cited."""
    seen: dict[int, list[str]] = {}
    for c in cites:
        locators = seen.setdefault(c.number, [])
        if c.locator not in locators:
            locators.append(c.locator)
    if not seen:
        return None
    return _sources_block(kb, tuple((n, tuple(seen[n])) for n in sorted(seen)), label)


@once_per_knowledge_base
def _sources_block(kb: KnowledgeBase, cited: tuple[tuple[int, tuple[str, ...]], ...], label: str) -> SourcesBlock:
    by_number = _references_by_number(kb)
    paragraphs = []
    for n, locators in cited:
        ref = by_number[n]
        paragraphs.append(
            f"**[{n}]** {md_text(ref.authors)} ({ref.year_text}). *{md_text(ref.title)}*. "
            f"{md_text(ref.source)}.  \n"
            f"{reference_markdown(ref)}  \n"
            f"Where: {md_text('; '.join(locators))}"
        )
    numbers = [n for n, _ in cited]
    return SourcesBlock(
        title=f"{label} [{', '.join(str(n) for n in numbers)}]",
        text="\n\n".join(paragraphs),
        numbers=",".join(str(n) for n in numbers),
    )


@once_per_knowledge_base
def _references_by_number(kb: KnowledgeBase) -> dict[int, Any]:
    numbers = kb.citation_number()
    return {numbers[r]: kb.references[r] for r in kb.references}


@once_per_knowledge_base
def general_disagreements(kb: KnowledgeBase) -> tuple[tuple[str, str], ...]:
    """Each known disagreement in the guidance as (topic, one Markdown text of every position)."""
    numbers = kb.citation_number()

    def cited(position: Any) -> str:
        return marks(Cite(c.ref, c.locator, numbers[c.ref]) for c in position.citations)

    return tuple(
        (dis.topic, "\n\n".join(f"**{body}.** {pos.text} {cited(pos)}" for body, pos in dis.positions.items()))
        for dis in kb.disagreements
    )


def criteria_rows(a: Assessment) -> list[dict[str, str]]:
    rows = []
    pathway = {"history": "History", "physical_exam": "Examination"}
    for trace in a.diagnosis.criteria:
        rows.append(
            {
                "Criterion": trace.title,
                "Pathway": next(
                    (pathway[p] for p in pathway if trace.rule_id.startswith("DX-HX") == (p == "history")), ""
                ),
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
                "Status": {
                    "absent": words("met"), "present": words("not_met"), "unknown": words("insufficient_data")
                }[e.status],
                "Values used": "; ".join(f"{v.label}: {v.value} (must be absent)" for v in e.trace.values),
                "Reason": e.trace.statement,
                "Sources": marks(e.trace.citations),
            }
        )
    return rows


def _ga(text: str | None) -> str:
    return f"{text}" if text else "—"


_CLOSED_FOR_CASE = NOT_OFFERED  # the statuses that leave an option out for this case


def closed_for_case(window: Window, statuses: Mapping[str, str]) -> list[str]:
    """The statuses of an open or upcoming window's options when this case can use none of them, else []."""
    options = [statuses[t] for t in window.treatments if t in statuses]
    if window.status in ("open", "upcoming") and options and all(s in _CLOSED_FOR_CASE for s in options):
        return list(dict.fromkeys(options))
    return []


def window_rows(windows: list[Window], statuses: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """One row per timing window; an open window whose options this case cannot use says so."""
    statuses = statuses or {}

    def now(w: Window) -> str:
        closed = closed_for_case(w, statuses)
        if closed:
            return f"{words(w.status)}, but for this case: {', '.join(words(s) for s in closed)}"
        return words(w.status)

    return [
        {
            "Window": w.title,
            "When": w.label,
            "From": _ga(w.start),
            "To": _ga(w.end),
            "Now": now(w),
            "Basis": f"{w.statement} {marks(w.citations)}",
        }
        for w in windows
    ]


def _options_now(a: Assessment) -> dict[str, str]:
    """For each met indication whose option this case cannot use now, the note that says so, by rule id.

    The reason is given once: a second indication closed for the same reason points back to it.
    A contraindicated option gets no note: the contraindication box below says it.
    """
    notes: dict[str, str] = {}
    given: set[str] = set()
    for trace in a.cerclage.indications:
        option = option_of_indication(trace.rule_id)
        t = next((t for t in a.treatments if t.treatment == option), None)
        if trace.status != "met" or t is None or t.status not in _CLOSED_FOR_CASE - {"contraindicated"}:
            continue
        status = t.status.replace("_", " ").capitalize()
        if t.reason in given:
            notes[trace.rule_id] = f" **For this case now: {status}** (the same reason as above)."
        else:
            given.add(t.reason)
            notes[trace.rule_id] = f" **For this case now: {status}.** {t.reason} {marks(t.citations)}"
    return notes


NONE_OFFERS = "No: contraindicated now"  # statuses differ, but a contraindication settles it for this case


def treatment_differ_cell(statuses: Sequence[str]) -> str:
    """The "Guidelines differ" cell of a treatment: Yes, No, or no because a contraindication settles it,
    or because the other guidelines state no position (silence is shown, but is not a disagreement)."""
    if stances_differ(statuses):
        return "Yes"
    stated = [(g, s) for g, s in zip(GUIDELINES, statuses) if s != "no_stated_position"]
    if len(stated) < len(statuses) and len({s for _, s in stated}) <= 1:
        if not stated:
            return "No: none states a position"
        names = " and ".join(GUIDELINE_NAMES[g] for g, _ in stated)
        return f"No: only {names} state{'s' if len(stated) == 1 else ''} a position"
    return NONE_OFFERS if len(set(statuses)) > 1 else "No"


def _risk_cell(f: Any) -> str:
    """A risk finding for a comparison cell: its status and rule, and a length measured outside the window as such."""
    measured = f": {f.measured}" if f.measured else ""
    return f"{words(f.shown)}: {f.trace.title}{measured} {marks(f.trace.citations)}"


def comparison_rows(result: AllAssessments) -> list[dict[str, str]]:
    """Topic by guideline, each cell with its sources, and whether the guidelines differ."""
    gs = [result.guidelines[g] for g in GUIDELINES]
    rows: list[dict[str, str]] = []

    def add(topic: str, values: list[str], cells: list[str], differ: str | None = None) -> None:
        row = {"Topic": topic}
        for g, cell in zip(GUIDELINES, cells):
            row[GUIDELINE_NAMES[g]] = cell
        row["Guidelines differ"] = differ or ("Yes" if len(set(values)) > 1 else "No")
        rows.append(row)

    add(
        "Diagnosis",
        [a.diagnosis.status for a in gs],
        [f"{words(a.diagnosis.status)} {marks([c for t in a.diagnosis.criteria for c in t.citations])}" for a in gs],
    )
    add(
        "Short cervix (risk finding)",
        [a.short_cervix.status for a in gs],
        [_risk_cell(a.short_cervix) for a in gs],
    )
    add(
        "Cerclage indication",
        [a.cerclage.now for a in gs],
        [
            f"{words(a.cerclage.now)} "
            + marks([c for t in a.cerclage.indications if t.status != "not_met" for c in t.citations]
                    or [c for t in a.cerclage.indications for c in t.citations])
            for a in gs
        ],
    )
    def contraindications_text(a: Assessment) -> str:
        present = [c.title for c in a.cerclage.contraindications if c.status == "present"]
        if present:
            return ", ".join(present)
        open_ = sum(c.status == "unknown" for c in a.cerclage.contraindications)
        return "None known" + (f" ({open_} not yet excluded)" if open_ else "")

    contra = [contraindications_text(a) for a in gs]
    present_cites = [
        marks([c for t in a.cerclage.contraindications if t.status == "present" for c in t.citations]) for a in gs
    ]
    add("Contraindications present", contra, [f"{text} {m}".strip() for text, m in zip(contra, present_cites)])
    for i, t in enumerate(gs[0].treatments):
        statuses = [a.treatments[i].status for a in gs]
        add(t.short_name, statuses, [status_cell(a.treatments[i]) for a in gs], treatment_differ_cell(statuses))
    return rows


# --------------------------------------------------------------------------- the Criteria page

DIFFERS = "Differs"  # the comparison's marker for a row where the guidelines part ways


def comparison_table(rows: Sequence[Mapping[str, str]]) -> str:
    """The side-by-side table, with "Differs" in bold in the rows where the guidelines differ."""
    shown = {"Yes": DIFFERS, "No": "Same"}
    return markdown_table(
        [
            {**row, "Guidelines differ": shown.get(row["Guidelines differ"], row["Guidelines differ"])}
            for row in rows
        ],
        strong={DIFFERS},
    )


@dataclass(frozen=True)
class Finding:
    """A badged finding: its status, the badge's words and the sentence beside it."""

    status: str
    badge: str
    text: str


@dataclass(frozen=True)
class GuidelineText:
    """What the Criteria page says under one guideline, as Markdown, with the citations of each part."""

    definition: str
    criteria_table: str
    criteria_cites: tuple[Cite, ...]
    exclusions: tuple[Finding, ...]  # those not recorded absent
    all_excluded: str | None  # said instead when every exclusion is recorded absent
    # Contraindications present that are not exclusions (mild contractions): said beside the
    # exclusions too, so "every exclusion is recorded as absent" cannot read as "nothing is wrong".
    also_recorded: str | None
    exclusion_cites: tuple[Cite, ...]
    risk_findings: tuple[Finding, ...]
    risk_cites: tuple[Cite, ...]
    indications: str
    contraindications_present: tuple[str, str] | None  # (alert, the list with sources)
    not_excluded: str | None
    cleared: str | None
    windows: str
    cerclage_cites: tuple[Cite, ...]


@dataclass(frozen=True)
class MissingSection:
    section: str
    title: str
    text: str  # the section's name, then one list item per unknown answer with what it affects


@dataclass(frozen=True)
class ComparisonText:
    caption: str
    table: str
    cites: tuple[Cite, ...]
    part_ways: str | None  # the topics where the guidelines disagree for this case


class CriteriaText:
    """The Criteria page's text for one assessment, each part built on first use and then kept.

    Kept in the session beside the assessment it describes, so a rerun (a new guideline in
    the sidebar, say) only draws. ``say`` gives a status its words with its icon.
    """

    def __init__(self, result: AllAssessments, say: Callable[[str], str]) -> None:
        self.result = result
        self._say = say
        self._by_guideline: dict[str, GuidelineText] = {}
        self._comparison: ComparisonText | None = None
        self._missing: tuple[MissingSection, ...] | None = None

    def guideline(self, guideline: str) -> GuidelineText:
        text = self._by_guideline.get(guideline)
        if text is None:
            text = self._by_guideline[guideline] = self._guideline(self.result.guidelines[guideline])
        return text

    def _guideline(self, a: Assessment) -> GuidelineText:
        d, cer, say = a.diagnosis, a.cerclage, self._say
        present = [c for c in cer.contraindications if c.status == "present"]
        unknown = [c for c in cer.contraindications if c.status == "unknown"]
        shown = [e for e in a.exclusions if e.status != "absent"]
        # A contraindication that tests the same findings as an exclusion is that exclusion (labour,
        # bleeding, ruptured membranes, infection, contractions): it is said once, as the exclusion.
        excluded = {v.label for e in a.exclusions for v in e.trace.values}
        beyond = [
            c for c in cer.contraindications
            if c.status == "present" and not {v.label for v in c.values} <= excluded
        ]  # fmt: skip
        also = " ".join(
            f"**{c.title} recorded**: not an exclusion of the diagnosis here, but an {c.severity} contraindication "
            f"to cerclage (see Cerclage below). {c.statement} {marks(c.citations)}"
            for c in beyond
        )
        notes = _options_now(a)
        return GuidelineText(
            definition="  \n".join(f"{t.statement} {marks(t.citations)}" for t in d.definition),
            criteria_table=markdown_table(criteria_rows(a)),
            criteria_cites=tuple(c for t in d.criteria + d.definition for c in t.citations),
            exclusions=tuple(
                Finding(e.status, f"{e.trace.title}: {e.status}", f"{e.effect} {marks(e.trace.citations)}")
                for e in shown
            ),
            all_excluded=None if shown else (
                ":material/check: Every exclusion is recorded as absent: "
                + "; ".join(e.trace.title.lower() for e in a.exclusions)
                + "."
            ),
            also_recorded=also or None,
            exclusion_cites=tuple(c for e in a.exclusions for c in e.trace.citations)
            + tuple(c for t in beyond for c in t.citations),
            risk_findings=tuple(
                Finding(f.shown, f"{f.trace.title}: {f.said}", f"{f.trace.statement} {marks(f.trace.citations)}")
                for f in (a.short_cervix, a.risk_factors)
            ),
            risk_cites=tuple(c for f in (a.short_cervix, a.risk_factors) for c in f.trace.citations),
            indications="\n".join(
                [
                    f"- **{t.title}**: {say(t.status)}. {t.statement} {marks(t.citations)}"
                    + (f" *Strength of recommendation: {t.grade}.*" if t.grade else "")
                    + notes.get(t.rule_id, "")
                    for t in cer.indications
                ]
                # Transabdominal cerclage has no indication rule of its own (it follows a failed
                # transvaginal one); when it is open to this case, the card says so beside them.
                + [
                    f"- **{t.name}**: {say(t.status)}. {t.reason} {marks(t.citations)}"
                    for t in a.treatments
                    if t.treatment == "transabdominal_cerclage" and t.status in ("recommended", "consider")
                ]
            ),
            contraindications_present=(
                "**Contraindications present:** " + "; ".join(f"{c.title} ({c.severity})" for c in present),
                "\n".join(f"- **{c.title}**: {c.statement} {marks(c.citations)}" for c in present),
            ) if present else None,
            not_excluded="**Not yet excluded:** " + "; ".join(c.title for c in unknown) if unknown else None,
            cleared="Known to be absent: " + "; ".join(cer.cleared) if cer.cleared else None,
            windows="**Timing windows** for this gestational age\n\n"
            + markdown_table(window_rows(cer.windows, {t.treatment: t.status for t in a.treatments})),
            cerclage_cites=tuple(
                [c for t in cer.indications + cer.contraindications for c in t.citations]
                + [c for w in cer.windows for c in w.citations]
            ),
        )

    @property
    def missing(self) -> tuple[MissingSection, ...]:
        """The unknown answers that would change a verdict, grouped by intake section."""
        if self._missing is None:
            by_section: dict[str, list[MissingInput]] = {}
            for m in self.result.missing:
                by_section.setdefault(m.section, []).append(m)
            self._missing = tuple(
                MissingSection(
                    section,
                    SECTIONS[section],
                    f"**{SECTIONS[section]}**\n\n"
                    + "\n".join(f"- **{md_text(m.label)}**: affects {md_text('; '.join(m.affects))}" for m in items),
                )
                for section, items in by_section.items()
            )
        return self._missing

    @property
    def comparison(self) -> ComparisonText:
        if self._comparison is None:
            result, say = self.result, self._say
            rows = comparison_rows(result)
            differ = sum(row["Guidelines differ"] == "Yes" for row in rows)
            part_ways = "\n".join(
                f"- **{dis.topic}**: "
                + "; ".join(
                    f"{GUIDELINE_NAMES[g]}: {say(dis.answers[g])} {marks(dis.citations[g])}" for g in GUIDELINES
                )
                for dis in result.disagreements
            )
            none_offer = sum(row["Guidelines differ"] == NONE_OFFERS for row in rows)
            in_name = (
                " the statuses differ, but a contraindication rules the option out whatever the guideline "
                f"(\"{NONE_OFFERS}\")."
            )
            if differ:
                caption = (
                    f"{differ} of {len(rows)} rows differ between the guidelines; they are marked "
                    f"**{DIFFERS}** in the last column."
                    + (f" In {none_offer} other row{'s' if none_offer > 1 else ''}{in_name}" if none_offer else "")
                )
            elif none_offer:
                caption = f"The three guidelines agree on all {len(rows)} rows. In {none_offer} of them{in_name}"
            else:
                caption = f"The three guidelines give the same answer on all {len(rows)} rows."
            self._comparison = ComparisonText(
                caption=caption + " Numbers in brackets are sources.",
                table=comparison_table(rows),
                cites=tuple(
                    [c for ga in result.guidelines.values() for t in ga.treatments for c in t.citations]
                    + [c for ga in result.guidelines.values() for t in ga.cerclage.indications for c in t.citations]
                ),
                part_ways=f"**Where they part ways for this case**\n\n{part_ways}" if part_ways else None,
            )
        return self._comparison


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
                # The strength of the guideline recommendation behind this status, its scheme named.
                "strength": t_result.grade,
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


# --------------------------------------------------------------------------- the bottom line

_STATE_WORDS = {
    "other_picture": "Another picture: this pathway stops",
    "offer": "Options to offer now",
    "undecided": "Cannot be decided yet",
    "nothing_offered": "No option offered now",
}


def bottom_line_markdown(line: Any, badge: Callable[[str, str], str] | None = None) -> str:
    """The bottom line as one Markdown text: the same words on Intake, Criteria and Treatments.

    Only the engine's ``BottomLine`` is read: this function words no verdict of its own. ``badge``
    turns a status and its words into an inline badge (the page's look); plain words without it.
    """
    tag = badge or (lambda status, text: f"**{md_text(text)}**")
    out = [
        f"**Bottom line under {md_text(line.guideline_name)}: {md_text(_STATE_WORDS[line.state])}.** "
        + md_text(line.headline),
        "",
        # Words, not a badge: a badge does not wrap, and on a phone the diagnosis would be cut off.
        f"**Diagnosis: {md_text(line.diagnosis_headline)}.** {md_text(line.diagnosis_text)}",
    ]
    if line.other_pictures:
        out += ["", "**The picture is something else**"]
        out += [f"- **{md_text(p.title)}**: {md_text(p.statement)} {marks(p.citations)}" for p in line.other_pictures]
    if line.in_place.words:
        out += ["", f"**Cerclage in place:** {md_text(line.in_place.words)}."]
        out += [f"- **{md_text(n.title)}**: {md_text(n.statement)} {marks(n.citations)}" for n in line.in_place.notes]
    if line.offered:
        out += ["", "**Can be offered now** (strongest first)"]
        out += [
            f"- {tag(i.status, words(i.status).split(' ', 1)[1])} **{md_text(i.name)}**: "
            f"{md_text(i.text)} {marks(i.citations)}"
            for i in line.offered
        ]
    if line.undecided:
        out += ["", "**Cannot be decided yet**"]
        out += [f"- **{md_text(i.name)}**: {md_text(i.text)}" for i in line.undecided]
    if line.confirm_first:
        out += ["", "**Confirm first**"]
        out += [
            f"{n}. **{md_text(c.label)}** (decides: {md_text(', '.join(c.decides))})"
            for n, c in enumerate(line.confirm_first, 1)
        ]
    if line.not_open:
        out += ["", "**Indication met, not open now**"]
        out += [f"- {md_text(text)}" for text in line.not_open]
    if line.ruled_out:
        out += [
            "",
            "**Not offered now:** "
            + "; ".join(f"{md_text(i.name)} ({md_text(i.text[0].lower() + i.text[1:])})" for i in line.ruled_out),
        ]
    return "\n".join(out)


def bottom_line_text(line: Any, cite: Callable[[list[Any]], str]) -> list[str]:
    """The bottom line as plain-text lines for the command line (the same object, the same words)."""
    out = [
        f"Bottom line under {line.guideline_name}: {_STATE_WORDS[line.state]}. {line.headline}",
        f"  Diagnosis: {line.diagnosis_headline}. {line.diagnosis_text}",
    ]
    for p in line.other_pictures:
        out.append(f"  The picture is something else: {p.title}. {p.statement}{cite(p.citations)}")
    if line.in_place.words:
        out.append(f"  Cerclage in place: {line.in_place.words}.")
    for n in line.in_place.notes:
        out.append(f"  Cerclage in place, {n.title}: {n.statement}{cite(n.citations)}")
    for i in line.offered:
        out.append(f"  Can be offered now: {i.name} ({i.status.replace('_', ' ')}). {i.text}{cite(i.citations)}")
    for i in line.undecided:
        out.append(f"  Cannot be decided yet: {i.name}. {i.text}")
    for n, c in enumerate(line.confirm_first, 1):
        out.append(f"  Confirm first ({n}): {c.label} (decides: {', '.join(c.decides)})")
    for text in line.not_open:
        out.append(f"  Indication met, not open now: {text}")
    for i in line.ruled_out:
        out.append(f"  Not offered now: {i.name}: {i.text}")
    return out


def sidebar_bottom_line(line: Any) -> str:
    """The bottom line in the sidebar: its state and headline, the same words as the cards."""
    return f"**{md_text(_STATE_WORDS[line.state])}** ({md_text(line.guideline_name)}): {md_text(line.headline)}"


def option_order(a: Assessment) -> list[int]:
    """Indexes of a guideline's options: offered now (recommended, then consider), then undecided,
    then the rest in the knowledge base's order, the order the bottom line lists them in."""
    return sorted(
        range(len(a.treatments)),
        key=lambda i: IN_PLAY.index(a.treatments[i].status) if a.treatments[i].status in IN_PLAY else len(IN_PLAY),
    )
