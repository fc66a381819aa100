"""Command line: ``python -m dashboard assess CASE.json [--guideline ...] [--format ...]``.

Prints the assessment as JSON (the same vocabulary as the engine) or as readable text with
numbered citations. A case file that cannot be accepted exits with status 2 and one line
per bad field; a broken knowledge base exits with status 3. Never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from dashboard.assess import NOT_OFFERED, AllAssessments, Assessment, assess, assess_all
from dashboard.bottomline import STATUS_PHRASE
from dashboard.case import MAX_CASE_FILE_BYTES, Case, CaseError, case_from_json
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, KnowledgeBase, KnowledgeBaseError, default_knowledge_base
from dashboard.messages import cap_messages, more_line, visible
from dashboard.views import bottom_line_text, closed_for_case, merged_needs, option_of_indication

EXIT_INVALID_CASE = 2
EXIT_BROKEN_KB = 3

# The engine's words for each status (bottomline.STATUS_PHRASE); the ones to catch the eye in capitals.
STATUS_WORDS = {
    "met": "MET",
    "not_met": "NOT MET",
    **{s: p.upper() if s in ("insufficient_data", "contraindicated") else p for s, p in STATUS_PHRASE.items()},
}


def _cites(items: list[Any]) -> str:
    numbers = sorted({c.number for c in items})
    return " [" + ", ".join(str(n) for n in numbers) + "]" if numbers else ""


def render_text(result: Assessment | AllAssessments, kb: KnowledgeBase) -> str:
    """A plain-text report with numbered citations and a reference list."""
    assessments = list(result.guidelines.values()) if isinstance(result, AllAssessments) else [result]
    used: set[int] = set()
    lines: list[str] = [
        "Cervical insufficiency assessment",
        f"Knowledge base {kb.meta.version}, last reviewed {kb.meta.last_reviewed.isoformat()}.",
        "Decision support only: options with their basis, not instructions.",
        "",
    ]

    def cite(items: list[Any]) -> str:
        used.update(c.number for c in items)
        return _cites(items)

    # The report opens with the bottom line of each guideline: the engine's one answer.
    lines.append("== Bottom line ==")
    for a in assessments:
        lines += bottom_line_text(a.bottom_line, cite)
    lines.append("")

    for a in assessments:
        lines.append(f"== {a.guideline_name} ==")
        d = a.diagnosis
        basis = f" (basis: {', '.join(b.replace('_', ' ') for b in d.basis)})" if d.basis else ""
        lines.append(f"Diagnosis: {STATUS_WORDS[d.status]}{basis}. {d.summary}")
        for c in d.criteria:
            values = "; ".join(
                f"{lab}: {val}, needs {' and '.join(n)}" for (lab, val), n in merged_needs(c.values).items()
            )
            lines.append(f"  - {c.title}: {STATUS_WORDS.get(c.status, c.status)} ({values}){cite(c.citations)}")
        for e in a.exclusions:
            if e.status != "absent":
                lines.append(f"  Exclusion {e.trace.title}: {e.status}. {e.effect}{cite(e.trace.citations)}")
        sc = a.short_cervix
        lines.append(
            f"Short cervix: {sc.said} ({sc.trace.title}; a risk finding, not diagnostic on its own)"
            + cite(sc.trace.citations)
        )
        cer = a.cerclage
        lines.append(f"Cerclage: {cer.summary}")
        statuses = {t.treatment: t.status for t in a.treatments}
        for t in cer.indications:
            option = statuses.get(option_of_indication(t.rule_id) or "")
            now = (
                f" (for this case now: {STATUS_WORDS.get(option, option)}; see the options below)"
                if t.status == "met" and option in NOT_OFFERED
                else ""
            )
            lines.append(f"  - {t.title}: {STATUS_WORDS.get(t.status, t.status)}{now}{cite(t.citations)}")
        for c in cer.contraindications:
            lines.append(f"  Contraindication ({c.severity}) {c.title}: {c.status}{cite(c.citations)}")
        for w in cer.windows:
            now = f"{w.status}, not an option for this case" if closed_for_case(w, statuses) else w.status
            lines.append(f"  Window: {w.title}: {w.label} [{now}]{cite(w.citations)}")
        lines.append("Treatment options:")
        for t in a.treatments:
            lines.append(f"  - {t.name}: {STATUS_WORDS[t.status]}. {t.reason}{cite(t.citations)}")
            if t.could_change:
                lines.append(f"      {t.could_change}")
        if a.missing:
            lines.append("Unknown answers that would change a verdict:")
            for m in a.missing:
                lines.append(f"  - {m.label} (affects: {', '.join(m.affects)})")
        lines.append("")

    if isinstance(result, AllAssessments):
        if result.disagreements:
            lines.append("== Where the guidelines differ for this case ==")
            for dis in result.disagreements:
                answers = "; ".join(f"{GUIDELINE_NAMES[g]}: {STATUS_WORDS.get(v, v)}" for g, v in dis.answers.items())
                lines.append(f"  - {dis.topic}: {answers}")
                for items in dis.citations.values():
                    used.update(c.number for c in items)
            lines.append("")
        else:
            lines.append("The three guidelines answer this case the same way.")
            lines.append("")

    lines.append("References")
    numbers = kb.citation_number()
    for ref_id, ref in kb.references.items():
        if numbers[ref_id] in used:
            link = f"https://doi.org/{ref.doi}" if ref.doi else (f"PMID {ref.pmid}" if ref.pmid else ref.url)
            lines.append(f"  [{numbers[ref_id]}] {ref.authors}. {ref.title}. {ref.source} ({ref.year_text}). {link}")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("assess", help="assess a case file")
    a.add_argument("case_file", metavar="CASE.json", help="a case file (see data/case.schema.json)")
    a.add_argument("--guideline", choices=[*GUIDELINES, "all"], default="all")
    a.add_argument("--format", choices=["json", "text"], default="text")
    sub.add_parser("schema", help="print the case file's JSON Schema")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from dashboard.case import case_json_schema

        _write(out, json.dumps(case_json_schema(), indent=2) + "\n")
        return 0
    try:
        kb = default_knowledge_base()
    except KnowledgeBaseError as exc:
        lines = [visible(line) for line in str(exc).split("\n")]  # several lines, one per problem
        _write(err, "The knowledge base could not be loaded:\n" + "".join(line + "\n" for line in lines))
        return EXIT_BROKEN_KB
    case = _read_case(args.case_file, err)
    if case is None:
        return EXIT_INVALID_CASE
    result: Assessment | AllAssessments = (
        assess_all(case, kb) if args.guideline == "all" else assess(case, args.guideline, kb)
    )
    if args.format == "json":
        payload = result.to_dict()
        payload["knowledge_base"] = {"version": kb.meta.version, "last_reviewed": kb.meta.last_reviewed.isoformat()}
        # ensure_ascii: every character outside ASCII (a bidi override included) is a \\u escape.
        _write(out, json.dumps(payload, indent=2, ensure_ascii=True) + "\n")
    else:
        # split on "\n" only: a form feed or U+2028 in a line is escaped, not taken for a line break.
        _write(out, "\n".join(visible(line) for line in render_text(result, kb).split("\n")))
    return 0


def _read_case(case_file: str, err: TextIO) -> Case | None:
    """The case in the file, or None once each reason it cannot be accepted is written to ``err``:
    one line per bad field (at most SHOWN_PROBLEMS, then how many more), every character a
    terminal would act on escaped."""
    name = visible(case_file)
    try:
        raw = _read_at_most(Path(case_file), MAX_CASE_FILE_BYTES)
    except OSError as exc:
        _write(err, f"{name}: cannot be read ({visible(exc.strerror or exc.__class__.__name__)})\n")
        return None
    except _TooLarge as exc:
        _write(err, f"{name}: not a valid case file\n  (file): {exc}\n")
        return None
    more = 0
    try:
        return case_from_json(raw)
    except CaseError as exc:
        problems, more = exc.problems, exc.more
    except Exception as exc:  # the reader promises CaseError; never a traceback here
        problems = [("(file)", f"could not be read ({exc.__class__.__name__})")]
    shown, left_out = cap_messages(problems)
    left_out += more
    lines = [f"{name}: not a valid case file", *(f"  {visible(path)}: {visible(message)}" for path, message in shown)]
    if left_out:
        lines.append(f"  \u2026 {more_line(left_out)}")
    _write(err, "".join(line + "\n" for line in lines))
    return None


def _write(stream: TextIO, text: str) -> None:
    """Writes ``text``; if the reader has gone (``| head``), the rest goes nowhere and the exit status
    still says what happened (a BrokenPipeError would end the program with status 1 and a traceback)."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


class _TooLarge(Exception):
    pass


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes; _TooLarge past ``limit`` bytes, found without reading more than one byte past
    it (a multi-gigabyte file, /dev/zero or a pipe that never ends is not read into memory)."""
    with path.open("rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise _TooLarge(f"is larger than {limit // 1024} KB; a case file is at most {limit // 1024} KB")
    return raw
