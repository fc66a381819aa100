"""Row labels of the forest plot and the timeline: every row carries its whole, readable label.

Vega-Lite hides axis labels that would overlap and cuts labels longer than its limit with an
ellipsis; Streamlit fits a chart with no autosize of its own into its height. These tests pin the
specs that prevent both: a step per row, no label dropping, a limit above the longest line.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.assess import assess_all
from dashboard.case import case_from_json
from dashboard.charts import (
    FOREST_LABEL_CHARS,
    LABEL_LINE_PX,
    ROW_GAP_PX,
    TIMELINE_LABEL_CHARS,
    forest_frame,
    forest_plot,
    forest_spec,
    timeline,
    timeline_frame,
    wrap_label,
)
from dashboard.kb import KnowledgeBase

SCENARIOS = Path(__file__).parent / "scenarios"
CASES = ("acute_painless_dilation_20_weeks", "empty_case", "twins_acute_dilation")
# An 11 px sans-serif label averages under 6 px a character; 6.5 leaves a margin.
PX_PER_CHAR = 6.5
# An 11 px label line needs at least 12 px, and two rows' labels at least 4 px between them.
MIN_LINE_PX = 12
MIN_GAP_PX = 4


def row_axes(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The axis of every layer that puts rows on the y axis."""
    layers = spec.get("layer", [spec])
    return [
        layer["encoding"]["y"].get("axis", {})
        for layer in layers
        if layer.get("encoding", {}).get("y", {}).get("type") == "nominal"
    ]


DESKTOP_CHART_PX = 900  # a chart on the app's wide layout at 1366 px, sidebar open
PHONE_CHART_PX = 330  # a chart on a 390 px phone


def limit_at(axis: dict[str, Any], width: float) -> float:
    """The axis label limit, in px, on a chart ``width`` px wide (a number or the app's expression)."""
    limit = axis.get("labelLimit", 180)
    if isinstance(limit, (int, float)):
        return limit
    match = re.fullmatch(r"min\((\d+), max\((\d+), width \* ([\d.]+)\)\)", limit["expr"])
    assert match, limit
    longest, floor, share = int(match[1]), int(match[2]), float(match[3])
    return min(longest, max(floor, width * share))


def lines_of(rows: Any) -> list[str]:
    return [line for row in rows for line in row.split("\n")]


def tallest(rows: Any) -> int:
    return max(row.count("\n") + 1 for row in rows)


@pytest.fixture(scope="session")
def fewer_options(kb: KnowledgeBase) -> KnowledgeBase:
    """The shipped knowledge base with only its first three options, kept alive for the session."""
    return dataclasses.replace(kb, treatments=dict(list(kb.treatments.items())[:3]))


@pytest.fixture(scope="module", params=CASES)
def timeline_parts(request: pytest.FixtureRequest, kb: KnowledgeBase) -> tuple[Any, dict[str, Any], str]:
    """A scenario's timeline frame, its spec and its summary."""
    case = case_from_json((SCENARIOS / f"{request.param}.json").read_text(encoding="utf-8"))
    result = assess_all(case, kb)
    chart, summary = timeline(result, kb, case)
    return timeline_frame(result, kb), chart.to_dict(), summary


# --------------------------------------------------------------------------- wrapping


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), st.integers(10, 120))
def test_wrap_label_keeps_every_word_in_order(text: str, chars: int) -> None:
    """Wrapping moves line breaks only: the words and their order stay as they were."""
    assert wrap_label(text, chars).split() == text.split()


def test_wrap_label_leaves_a_short_label_on_one_line() -> None:
    """A label within the line length stays on one line."""
    assert wrap_label("Fonseca 2007: Spontaneous delivery before 34 weeks", 76) == (
        "Fonseca 2007: Spontaneous delivery before 34 weeks"
    )


def test_wrap_label_breaks_after_the_study_when_that_costs_no_line() -> None:
    """A long label breaks between study and outcome rather than mid-outcome."""
    label = "Cochrane twins 2014 (Rafael, Berghella, Alfirevic): Preterm birth before 34 weeks"
    assert wrap_label(label, 76) == "Cochrane twins 2014 (Rafael, Berghella, Alfirevic):\nPreterm birth before 34 weeks"


def test_wrap_label_never_splits_a_word() -> None:
    """A single word longer than the line stays whole on its own line."""
    assert wrap_label("see AJOG2012;207(5):390.e1-8 now", 10).split("\n") == ["see", "AJOG2012;207(5):390.e1-8", "now"]


# --------------------------------------------------------------------------- forest plot


def test_forest_rows_carry_their_whole_study_and_outcome(kb: KnowledgeBase) -> None:
    """Each forest row's label, read across its lines, is the study and outcome in full."""
    frame = forest_frame(kb)
    assert [row.replace("\n", " ") for row in frame["row"]] == list(frame["label"])
    assert frame["row"].is_unique


def test_forest_lines_keep_to_the_line_length(kb: KnowledgeBase) -> None:
    """No line of a forest label runs past the wrapping length."""
    assert max(len(line) for line in lines_of(forest_frame(kb)["row"])) <= FOREST_LABEL_CHARS


def test_forest_row_axis_never_drops_a_label(kb: KnowledgeBase) -> None:
    """Every layer's row axis has label dropping turned off."""
    axes = row_axes(forest_spec(kb)[0])
    assert axes and all(axis.get("labelOverlap") is False for axis in axes)


def test_forest_row_axis_limit_fits_the_longest_line(kb: KnowledgeBase) -> None:
    """On a desktop-width chart the label limit is wider than the longest line of any forest label."""
    longest = max(len(line) for line in lines_of(forest_frame(kb)["row"]))
    axes = row_axes(forest_spec(kb)[0])
    assert axes and all(limit_at(axis, DESKTOP_CHART_PX) >= longest * PX_PER_CHAR for axis in axes)


def test_forest_labels_leave_half_a_phone_chart_for_the_plot(kb: KnowledgeBase) -> None:
    """On a phone the labels take at most half the chart, so the results stay visible."""
    axes = row_axes(forest_spec(kb)[0])
    assert axes and all(limit_at(axis, PHONE_CHART_PX) <= PHONE_CHART_PX / 2 for axis in axes)


def test_forest_ties_each_result_to_its_option_by_shape_as_well_as_colour(kb: KnowledgeBase) -> None:
    """The points carry the option in colour and shape, and the summary names the option of every result."""
    spec, summary = forest_spec(kb)
    encodings = [layer["encoding"] for layer in spec["layer"] if "shape" in layer.get("encoding", {})]
    assert encodings and all(e["shape"]["field"] == e["color"]["field"] == "option" for e in encodings)
    assert all(f"- {r.option}, {r.label}:" in summary for r in forest_frame(kb).itertuples())


def test_forest_row_axis_draws_each_line(kb: KnowledgeBase) -> None:
    """The row axis splits a wrapped label into its lines."""
    axes = row_axes(forest_spec(kb)[0])
    assert axes and all(axis.get("labelExpr") == "split(datum.label, '\\n')" for axis in axes)


def test_forest_centres_a_two_line_label_on_its_row(kb: KnowledgeBase) -> None:
    """A two-line label is lifted half a line, so its block sits on the row's tick."""
    axis = row_axes(forest_spec(kb)[0])[0]
    assert {"test": "length(split(datum.value, '\\n')) == 2", "value": -LABEL_LINE_PX / 2} in axis["labelOffset"][
        "condition"
    ]


def test_forest_height_gives_every_row_room_for_its_lines(kb: KnowledgeBase) -> None:
    """The plot is at least a readable step tall for each row, sized for the tallest label."""
    frame = forest_frame(kb)
    spec = forest_spec(kb)[0]
    assert spec["height"] >= len(frame) * (tallest(frame["row"]) * MIN_LINE_PX + MIN_GAP_PX)


def test_forest_height_grows_with_the_number_of_rows(kb: KnowledgeBase, fewer_options: KnowledgeBase) -> None:
    """The plot height is rows times one step; fewer rows make a shorter plot."""
    for base in (kb, fewer_options):
        rows = forest_frame(base)["row"]
        assert forest_spec(base)[0]["height"] == len(rows) * (tallest(rows) * LABEL_LINE_PX + ROW_GAP_PX)
    assert len(forest_frame(fewer_options)) < len(forest_frame(kb))
    assert forest_spec(fewer_options)[0]["height"] < forest_spec(kb)[0]["height"]


def test_forest_fits_only_its_width_to_the_page(kb: KnowledgeBase) -> None:
    """The forest plot fits its width to the page and keeps its own height."""
    assert forest_spec(kb)[0]["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_forest_legend_shows_each_option_name_whole(kb: KnowledgeBase) -> None:
    """The legend's label limit is wider than the longest option name."""
    legend = forest_spec(kb)[0]["layer"][0]["encoding"]["color"]["legend"]
    assert legend["labelLimit"] >= max(len(t.short_name) for t in kb.treatments.values()) * PX_PER_CHAR


def test_forest_keeps_its_title_and_summary(kb: KnowledgeBase) -> None:
    """The forest plot keeps its title, and its summary names every study and outcome in full."""
    spec, summary = forest_spec(kb)
    chart, plot_summary = forest_plot(kb)
    assert spec["title"]["text"] == "Key effect sizes"
    assert spec["title"]["subtitle"] == ["Ratio with 95% CI, log scale", "Dashed line: no effect"]
    assert summary == plot_summary
    assert summary.startswith(f"Forest plot of {len(forest_frame(kb))} effect sizes")
    assert all(label in summary for label in forest_frame(kb)["label"])


# --------------------------------------------------------------------------- timeline


def test_timeline_rows_carry_their_whole_window(timeline_parts: tuple[Any, dict[str, Any], str]) -> None:
    """Each timeline row's label, read across its lines, is the guideline, options and kind in full."""
    frame, _, _ = timeline_parts
    assert [row.replace("\n", " ") for row in frame["row"]] == list(frame["window"])
    assert max(len(line) for line in lines_of(frame["row"])) <= TIMELINE_LABEL_CHARS


def test_timeline_row_axis_never_drops_or_cuts_a_label(timeline_parts: tuple[Any, dict[str, Any], str]) -> None:
    """The timeline's row axis keeps every label and is wider than the longest line."""
    frame, spec, _ = timeline_parts
    longest = max(len(line) for line in lines_of(frame["row"]))
    axes = row_axes(spec)
    assert axes
    for axis in axes:
        assert axis.get("labelOverlap") is False
        assert limit_at(axis, DESKTOP_CHART_PX) >= longest * PX_PER_CHAR
        assert limit_at(axis, PHONE_CHART_PX) <= PHONE_CHART_PX / 2
        assert axis.get("labelExpr") == "split(datum.label, '\\n')"


def test_timeline_height_grows_with_the_number_of_rows(timeline_parts: tuple[Any, dict[str, Any], str]) -> None:
    """The timeline is one readable step tall per window, sized for the tallest label."""
    frame, spec, _ = timeline_parts
    rows = frame["row"].drop_duplicates()
    assert spec["height"] == len(rows) * (tallest(rows) * LABEL_LINE_PX + ROW_GAP_PX)
    assert spec["height"] >= len(rows) * (tallest(rows) * MIN_LINE_PX + MIN_GAP_PX)


def test_timeline_fits_only_its_width_to_the_page(timeline_parts: tuple[Any, dict[str, Any], str]) -> None:
    """The timeline fits its width to the page and keeps its own height."""
    _, spec, _ = timeline_parts
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_timeline_keeps_its_title_and_summary(timeline_parts: tuple[Any, dict[str, Any], str]) -> None:
    """The timeline keeps its title, and its summary names every window in full."""
    frame, spec, summary = timeline_parts
    assert spec["title"] == "Timing windows by gestational age"
    assert all(f"{w}: " in summary for w in frame["window"])


def test_a_window_open_on_one_side_is_not_drawn_from_the_axis_edge(
    timeline_parts: tuple[Any, dict[str, Any], str],
) -> None:
    """'Before 24+0' is a short cap at 24 weeks with the words 'until', never a bar from 8 weeks."""
    frame, _, _ = timeline_parts
    open_side = frame[frame["edge"].notna()]
    assert (frame["start"] > 8).all()
    assert ((open_side["end"] - open_side["start"]) < 1).all()
    assert open_side["edge_text"].str.match(r"^(until|from) \d+\+\d$").all()


def test_a_scan_before_12_weeks_stays_inside_the_cervical_length_chart() -> None:
    """The chart's weeks widen to take in a scan at 10+0."""
    import pandas as pd

    from dashboard.charts import cl_axis

    assert cl_axis(pd.Series([10.0, 20.0])) == [10, 34]
    assert cl_axis(pd.Series([16.0, 22.0])) == [12, 34]
    assert cl_axis(pd.Series([16.0, 35.3])) == [12, 36]
