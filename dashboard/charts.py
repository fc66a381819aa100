"""Altair chart specifications and their text summaries. Pure: no Streamlit here.

Each chart function returns ``(chart, summary)``: the summary is the same information in
words, for screen readers and for anyone who cannot read the chart.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from dashboard.assess import AllAssessments
from dashboard.case import Case, ga_days
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, KnowledgeBase, PerKnowledgeBase
from dashboard.views import closed_for_case

RATIO_MEASURES = ("RR", "OR", "aRR", "aOR")
GA_AXIS = (8, 40)  # weeks shown on timelines

# Row labels of the forest plot and the timeline. Vega-Lite hides axis labels that would
# overlap and cuts any label longer than its limit (180 px by default) with an ellipsis, and Streamlit
# squeezes a whole chart, axes and legend included, into the height it is given: a reader could
# not tell which bar was which study or window. So each row chart wraps its labels at spaces,
# gives every row a fixed step tall enough for its longest label, never drops a label, sets a
# limit wider than the longest line, and fits only its width to the page.
FOREST_LABEL_CHARS = 48  # characters per line: at 7 px each, half of a desktop-width chart
TIMELINE_LABEL_CHARS = 48  # a removal window names three cerclages
LABEL_FONT_PX = 11  # Vega-Lite's default axis label size, set explicitly so the step below holds
LABEL_LINE_PX = 13
ROW_GAP_PX = 7  # between the last line of one row's label and the first of the next
LABEL_PX_PER_CHAR = 7  # above the average glyph width of an 11 px sans-serif face
FIT_WIDTH_ONLY = {"type": "fit-x", "contains": "padding"}
# On a phone the labels would take the whole width and leave no plot: they may use at most
# this share of the chart's width (never under LABEL_MIN_PX), and are cut there with an
# ellipsis; the chart's text summary still gives every label in full. On a desktop-width
# page the share is wider than the longest line, so nothing is cut.
LABEL_SHARE = 0.5
LABEL_MIN_PX = 150


def label_limit(longest_chars: int) -> dict[str, str]:
    """A Vega expression for an axis label limit: the longest line, or a share of a narrow chart."""
    return {"expr": f"min({LABEL_PX_PER_CHAR * longest_chars}, max({LABEL_MIN_PX}, width * {LABEL_SHARE}))"}


def wrap_label(text: str, chars: int) -> str:
    """The label broken at spaces into lines of about ``chars`` characters, joined by newlines.

    A label that needs wrapping breaks after its first ": " (the study before its outcome, the
    guideline before its window) when that takes no more lines.
    """

    def wrap(part: str) -> list[str]:
        return textwrap.wrap(part, chars, break_long_words=False, break_on_hyphens=False)

    lines = wrap(text)
    head, colon, tail = text.partition(": ")
    if len(lines) > 1 and colon and len(wrap(head + ":") + wrap(tail)) <= len(lines):
        lines = wrap(head + ":") + wrap(tail)
    return "\n".join(lines) or text


def _row_axis(rows: pd.Series) -> tuple[alt.Axis, int]:
    """The y axis for wrapped row labels, and the plot height that gives every row its step."""
    labels = rows.drop_duplicates()
    lines = [line for label in labels for line in label.split("\n")]
    tallest = max((label.count("\n") + 1 for label in labels), default=1)
    step = tallest * LABEL_LINE_PX + ROW_GAP_PX
    # Vega draws a label's first line on the tick and the rest below it; lift a label of n lines
    # by (n - 1) half lines so the block is centred on its row.
    lift = [
        {"test": f"length(split(datum.value, '\\n')) == {n}", "value": -(n - 1) * LABEL_LINE_PX / 2}
        for n in range(2, tallest + 1)
    ]
    axis = alt.Axis(
        labelExpr="split(datum.label, '\\n')",
        labelOffset={"condition": lift, "value": 0} if lift else 0,
        labelOverlap=False,
        labelLimit=label_limit(max((len(line) for line in lines), default=1)),
        labelFontSize=LABEL_FONT_PX,
        labelLineHeight=LABEL_LINE_PX,
    )
    return axis, step * max(len(labels), 1)


def forest_frame(kb: KnowledgeBase) -> pd.DataFrame:
    numbers = kb.citation_number()
    rows = []
    for t in kb.treatments.values():
        for e in t.evidence:
            if e.measure in RATIO_MEASURES and e.estimate is not None:
                refs = sorted({numbers[c.ref] for c in e.citations})
                # Most outcomes count harm (birth, loss, death), where below 1 favours the option;
                # for survival above 1 does, and the row says so.
                higher_is_better = any(word in e.outcome.lower() for word in HIGHER_IS_BETTER)
                label = f"{e.study}: {e.outcome}" + (" (higher is better)" if higher_is_better else "")
                rows.append(
                    {
                        "option": t.short_name,
                        "label": label,
                        "row": wrap_label(label, FOREST_LABEL_CHARS),
                        "measure": e.measure,
                        "estimate": e.estimate,
                        "low": e.ci_low,
                        "high": e.ci_high,
                        "n": e.n,
                        "sources": "[" + ", ".join(map(str, refs)) + "]",
                        "favours": e.favours or "neither",
                        "direction": _direction(e.favours, e.ci_low, e.ci_high),
                    }
                )
    return pd.DataFrame(rows)


FOREST_TITLE = "Key effect sizes"
FOREST_SUBTITLE = ["Ratio with 95% CI, log scale", "Dashed line: no effect"]
HIGHER_IS_BETTER = ("survival", "discharged home healthy")
FAVOURS_WORDS = {"treatment": "favours the option", "control": "favours the comparison (harm with the option)"}


def _direction(favours: str | None, low: float | None, high: float | None) -> str:
    """Which way a result points, in words, from the evidence's own 'favours' and its interval."""
    if favours in FAVOURS_WORDS:
        return FAVOURS_WORDS[favours]
    if low is not None and high is not None and (low > 1 or high < 1):
        return f"{'higher' if low > 1 else 'lower'} with the first approach named"
    return "no clear difference"


def _build_forest(kb: KnowledgeBase) -> tuple[alt.LayerChart, str]:
    frame = forest_frame(kb)
    axis, height = _row_axis(frame["row"])
    base = alt.Chart(frame).encode(y=alt.Y("row:N", sort=None, title=None, axis=axis))
    scale = alt.Scale(type="log", domain=[0.05, 20])
    # One legend for colour and shape together: Vega-Lite merges identical legends of a field.
    legend = alt.Legend(
        orient="bottom",
        columns=2,
        labelLimit=LABEL_PX_PER_CHAR * max((len(name) for name in frame["option"]), default=1),
    )
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", scale=scale, title="Ratio (log scale), 95% CI; for harms, left of 1 favours the option"),
        x2="high:Q",
        color=alt.Color("option:N", title="Option", legend=legend),
    )
    # Shape as well as colour ties a result to its option, so colour is never the only cue.
    point = base.mark_point(filled=True, size=80).encode(
        x=alt.X("estimate:Q", scale=scale),
        color=alt.Color("option:N", title="Option", legend=legend),
        shape=alt.Shape("option:N", title="Option", legend=legend),
        tooltip=[
            alt.Tooltip("option:N", title="Option"),
            alt.Tooltip("label:N", title="Study and outcome"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("estimate:Q", title="Estimate", format=".2f"),
            alt.Tooltip("low:Q", title="95% CI low", format=".2f"),
            alt.Tooltip("high:Q", title="95% CI high", format=".2f"),
            alt.Tooltip("direction:N", title="Result"),
            alt.Tooltip("sources:N", title="Sources"),
        ],
    )
    no_effect = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[6, 4], color="#333333").encode(x="x:Q")
    chart = (rule + point + no_effect).properties(
        title=alt.TitleParams(FOREST_TITLE, subtitle=FOREST_SUBTITLE, anchor="start"),
        height=height,
        width="container",
        autosize=FIT_WIDTH_ONLY,
    )
    lines = [
        f"{r.option}, {r.label}: {r.measure} {r.estimate:g} (95% CI {r.low:g} to {r.high:g}), {r.direction} {r.sources}"
        for r in frame.itertuples()
    ]
    summary = (
        f"Forest plot of {len(frame)} effect sizes on a log scale. For outcomes that count harm (preterm "
        "birth, loss, death) a ratio below 1 favours the option; for survival, marked 'higher is better', "
        "a ratio above 1 does. Each result says which way it points.\n\n"
        + "\n".join(f"- {line}." for line in lines)
    )
    return chart, summary


_FOREST = PerKnowledgeBase(_build_forest)


def forest_plot(kb: KnowledgeBase) -> tuple[alt.LayerChart, str]:
    """The key ratio effect sizes of every option, built once per knowledge base (the last two kept)."""
    return _FOREST(kb)


def _build_forest_spec(kb: KnowledgeBase) -> tuple[dict, str]:
    chart, summary = forest_plot(kb)
    return chart.to_dict(), summary


_FOREST_SPEC = PerKnowledgeBase(_build_forest_spec)


def forest_spec(kb: KnowledgeBase) -> tuple[dict, str]:
    """The forest plot as a finished Vega-Lite spec, validated and serialised once per knowledge base."""
    return _FOREST_SPEC(kb)


OPEN_CAP_WEEKS = 0.6  # the cap drawn at the known edge of a window open on one side


def timeline_frame(result: AllAssessments, kb: KnowledgeBase) -> pd.DataFrame:
    rows = []
    for g in GUIDELINES:
        statuses = {t.treatment: t.status for t in result.guidelines[g].treatments}
        for w in result.guidelines[g].cerclage.windows:
            start = ga_days(w.start) / 7 if w.start else None
            end = ga_days(w.end) / 7 if w.end else None
            # A window with one open side ("before 24+0", "from 36+0") is drawn as a short cap at
            # its known edge with words, never as a bar from the axis edge: that would invent a
            # start at 8 weeks or an end at 40.
            if start is None and end is not None:
                start, end, edge, edge_text = end - OPEN_CAP_WEEKS, end, end - OPEN_CAP_WEEKS, f"until {w.end}"
            elif end is None and start is not None:
                start, end, edge, edge_text = start, start + OPEN_CAP_WEEKS, start + OPEN_CAP_WEEKS, f"from {w.start}"
            elif start is None and end is None:
                continue
            else:
                edge, edge_text = None, ""
            names = ", ".join(kb.treatments[t].short_name for t in w.treatments)
            window = f"{GUIDELINE_NAMES[g].split()[0]}: {names} ({w.kind})"
            status = f"{w.status}, but not an option for this case" if closed_for_case(w, statuses) else w.status
            rows.append(
                {
                    "window": window,
                    "row": wrap_label(window, TIMELINE_LABEL_CHARS),
                    "guideline": GUIDELINE_NAMES[g],
                    "start": start,
                    "end": end,
                    "edge": edge,
                    "edge_text": edge_text,
                    "label": w.label,
                    "status": status,
                    "sources": "[" + ", ".join(str(n) for n in sorted({c.number for c in w.citations})) + "]",
                }
            )
    return pd.DataFrame(rows).drop_duplicates(subset=["window", "start", "end"])


def timeline(result: AllAssessments, kb: KnowledgeBase, case: Case) -> tuple[alt.LayerChart, str]:
    """Gestational-age windows that matter under each guideline, with this patient's marker."""
    frame = timeline_frame(result, kb)
    axis, height = _row_axis(frame["row"])
    bars = (
        alt.Chart(frame)
        .mark_bar(height=14, cornerRadius=3)
        .encode(
            x=alt.X("start:Q", scale=alt.Scale(domain=list(GA_AXIS)), title="Gestational age (weeks)"),
            x2="end:Q",
            y=alt.Y("row:N", sort=None, title=None, axis=axis),
            color=alt.Color(
                "guideline:N",
                title="Guideline",
                sort=[GUIDELINE_NAMES[g] for g in GUIDELINES],  # ACOG, RCOG, NICE, as on every page
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Window"),
                alt.Tooltip("status:N", title="Now"),
                alt.Tooltip("sources:N", title="Sources"),
            ],
        )
    )
    open_side = frame[frame["edge"].notna()]
    until = alt.Chart(open_side[open_side["edge_text"].str.startswith("until")]).mark_text(
        align="right", dx=-4, fontSize=LABEL_FONT_PX
    )
    since = alt.Chart(open_side[open_side["edge_text"].str.startswith("from")]).mark_text(
        align="left", dx=4, fontSize=LABEL_FONT_PX
    )
    words_at_edge = [
        layer.encode(x=alt.X("edge:Q"), y=alt.Y("row:N", sort=None, axis=axis, title=None), text="edge_text:N")
        for layer in (until, since)
    ]
    layers = alt.layer(bars, *words_at_edge)
    ga = case.gestational_age
    if ga is not None:
        weeks = ga.total_days / 7
        marker = pd.DataFrame({"x": [weeks], "text": [f"This patient: {ga}"]})
        layers = layers + alt.Chart(marker).mark_rule(color="#B00020", strokeWidth=2).encode(x="x:Q")
        layers = layers + alt.Chart(marker).mark_text(align="left", dx=4, dy=-6, color="#B00020").encode(
            x="x:Q", y=alt.value(0), text="text:N"
        )
    chart = layers.properties(
        title="Timing windows by gestational age", height=height, width="container", autosize=FIT_WIDTH_ONLY
    )
    where = f"This patient is at {ga} weeks." if ga else "This patient's gestational age is not known."
    summary = where + " Each window in words:\n\n" + "\n".join(
        f"- {r.window}: {r.label}, {r.status} {r.sources}." for r in frame.itertuples()
    )
    return chart, summary


CL_AXIS = (12, 34)  # weeks shown on the cervical-length chart, widened to take in every scan


def cl_axis(weeks: pd.Series) -> list[int]:
    """The chart's weeks: 12 to 34, or wider so that no scan falls outside the plot."""
    return [min(CL_AXIS[0], int(weeks.min())), max(CL_AXIS[1], int(weeks.max()) + 1)]


def cervical_length_chart(case: Case, kb: KnowledgeBase) -> tuple[alt.LayerChart | None, str]:
    """This patient's serial cervical lengths against gestational age, with the cited thresholds."""
    scans = sorted(case.ultrasound.cervical_lengths, key=lambda s: s.gestational_age.total_days)
    numbers = kb.citation_number()
    lines = pd.DataFrame(
        [
            {
                "mm": line.value_mm,
                "label": line.label,
                "sources": "[" + ", ".join(str(numbers[c.ref]) for c in line.citations) + "]",
            }
            for line in kb.meta.cervical_length_lines
        ]
    )
    line_words = " ".join(f"Reference line {r.label} {r.sources}." for r in lines.itertuples())
    if not scans:
        return None, "No cervical-length scans recorded. " + line_words
    frame = pd.DataFrame(
        [
            {"weeks": s.gestational_age.total_days / 7, "ga": str(s.gestational_age), "mm": s.cervical_length_mm}
            for s in scans
        ]
    )
    points = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=80, filled=True), color="#0B5E7E")
        .encode(
            x=alt.X("weeks:Q", scale=alt.Scale(domain=cl_axis(frame["weeks"])), title="Gestational age (weeks)"),
            y=alt.Y("mm:Q", scale=alt.Scale(domain=[0, 60]), title="Cervical length (mm)"),
            tooltip=[alt.Tooltip("ga:N", title="Gestational age"), alt.Tooltip("mm:Q", title="Cervical length (mm)")],
        )
    )
    rules = (
        alt.Chart(lines)
        .mark_rule(strokeDash=[6, 4], color="#8A4B00")
        .encode(y="mm:Q", tooltip=[alt.Tooltip("label:N", title="Threshold"), alt.Tooltip("sources:N", title="Sources")])
    )
    labels = alt.Chart(lines).mark_text(align="left", dx=4, dy=-6, color="#8A4B00").encode(
        y="mm:Q", x=alt.value(4), text="label:N"
    )
    chart = (points + rules + labels).properties(title="Serial cervical length", height=320, width="container")
    summary = (
        f"{len(scans)} scan{'' if len(scans) == 1 else 's'}: "
        + "; ".join(f"{s.cervical_length_mm:g} mm at {s.gestational_age} weeks" for s in scans)
        + ". "
        + line_words
    )
    return chart, summary
