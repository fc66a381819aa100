"""Treatment comparison: every option side by side, marked for this case, with evidence and charts."""

import pandas as pd
import streamlit as st

from dashboard.assess import Cite
from dashboard.bottomline import IN_PLAY
from dashboard.charts import cervical_length_chart, forest_spec, timeline
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES
from dashboard.ui import (
    PERSIST,
    badge,
    blocked_by_problems,
    bottom_line_card,
    current_assessment,
    current_case,
    entered_twice_warning,
    guideline,
    knowledge_base,
    require_frame,
    sources,
)
from dashboard.views import option_order, status_cell, treatment_cards, treatment_differ_cell, words

require_frame()  # first: run inside the app frame, never as a bare legacy page


def text_summary(summary: str, label: str) -> None:
    """A chart's text summary: its first paragraph as the caption, the list of items in an expander."""
    intro, _, items = summary.partition("\n\n")
    st.caption(intro)
    if items:
        with st.expander(label):
            st.markdown(items)

st.title("Treatment options")
st.caption("Options with their basis, not instructions. Numbers in brackets are sources (see References).")

kb = knowledge_base()
state = current_case()
if state.case is None:
    blocked_by_problems(state.problems)
    st.stop()
result = current_assessment(state.case)
g = guideline()
a = result.guidelines[g]
entered_twice_warning(state.case)
bottom_line_card(result)  # the answer now, the same words as on Intake and Criteria

# Offered now first (strongest first), then undecided, then the rest: the engine's order.
order = option_order(a)

# ------------------------------------------------------------------ all guidelines, status only
st.subheader("Status for this case under each guideline")
st.caption(
    f"Ordered by {GUIDELINE_NAMES[g]}, the guideline chosen in the sidebar: offered now first, then "
    "those that cannot be decided yet, then those not offered."
)
status_table = pd.DataFrame(
    [
        {"Option": a.treatments[i].short_name}
        | {GUIDELINE_NAMES[gg]: status_cell(result.guidelines[gg].treatments[i]) for gg in GUIDELINES}
        | {"Guidelines differ": treatment_differ_cell([result.guidelines[h].treatments[i].status for h in GUIDELINES])}
        for i in order
    ]
)
st.table(status_table)

# ------------------------------------------------------------------ side by side detail
st.subheader("Side by side: who, when, evidence, harms and each guideline's stance")
all_cards = treatment_cards(kb, result, g)
in_play = [i for i in order if a.treatments[i].status in IN_PLAY]
left_out = [i for i in order if i not in in_play]
st.caption(f"Offered now or still to be decided under {GUIDELINE_NAMES[g]}: {len(in_play)} of {len(order)} options.")
shown = list(in_play)
if left_out and st.toggle(
    f"Show the {len(left_out)} options not offered now under {GUIDELINE_NAMES[g]}",
    key="show-not-offered",
    persist_state=PERSIST,
):
    shown += left_out
for start in range(0, len(shown), 3):
    for col, i in zip(st.columns(3), shown[start : start + 3], strict=False):  # the last row may be short
        card, option = all_cards[i], a.treatments[i]
        with col.container(border=True):
            withdrawn = card["withdrawn"] and "withdrawn" not in card["name"]
            st.markdown(f"#### {card['name']}" + (" (withdrawn)" if withdrawn else ""))
            badge(card["status"], f"This case: {words(card['status']).split(' ', 1)[1]}")
            if option.cautions:
                st.warning(
                    f"Relative contraindication present: {'; '.join(option.cautions)}. A decision for senior review.",
                    icon=":material/warning:",
                )
            strength = f"  \n*Strength of recommendation: {card['strength']}.*" if card["strength"] else ""
            st.markdown(card["reason"] + strength)
            if option.could_change:
                st.caption(option.could_change)
            st.markdown(f"**What it is.** {card['summary']}")
            st.markdown(f"**Who it is for.** {card['who']}")
            st.markdown(f"**Timing.** {card['timing']}")
            if card["evidence"]:
                with st.expander(f"Evidence ({len(card['evidence'])})"):
                    for line in card["evidence"]:
                        st.markdown(f"- {line}")
            else:
                st.caption("No trial evidence is listed for this option; its basis is the guidelines' stance below.")
            with st.expander(f"Harms ({len(card['harms'])})"):
                for line in card["harms"]:
                    st.markdown(f"- {line}")
            with st.expander("Each guideline's stance"):
                for name, text in card["stances"].items():
                    st.markdown(f"**{name}.** {text}")
sources(
    [c for t in a.treatments for c in t.citations]
    + [
        Cite(c.ref, c.locator, kb.citation_number()[c.ref])
        for t in kb.treatments.values()
        for part in (t.summary, t.population, t.timing, *t.harms)
        for c in part.citations
    ],
    label="Sources for the options",
    key="src-options",
)

# ------------------------------------------------------------------ charts
st.subheader("Effect sizes")
spec, summary = forest_spec(kb)
st.vega_lite_chart(spec, width="stretch")
text_summary(summary, "Each result in words")

st.subheader("Timing")
chart, summary = timeline(result, kb, state.case)
st.altair_chart(chart, width="stretch")
text_summary(summary, "Each window in words")

st.subheader("Cervical length")
chart, summary = cervical_length_chart(state.case, kb)
if chart is not None:
    st.altair_chart(chart, width="stretch")
else:
    st.info("No cervical-length scans recorded yet; add them on the Intake page.", icon=":material/info:")
st.caption(summary)
