"""Criteria checker: the verdict, its trace and sources, cerclage, and the three guidelines side by side.

Streamlit's cost is per element drawn, so each table is one Markdown table and each list one
Markdown text; the text is built once per assessment (``CriteriaText``, kept in the session
beside it) and, for what comes from the knowledge base alone, once per process.
"""

import streamlit as st

from dashboard.kb import GUIDELINE_NAMES, GUIDELINES
from dashboard.ui import (
    badge,
    badge_markdown,
    blocked_by_problems,
    bottom_line_card,
    current_assessment,
    current_case,
    entered_twice_warning,
    guideline,
    knowledge_base,
    require_frame,
    sources,
    status_words,
)
from dashboard.views import CriteriaText, editions_list, general_disagreements

require_frame()  # first: run inside the app frame, never as a bare legacy page

st.title("Diagnostic criteria")

state = current_case()
if state.case is None:
    blocked_by_problems(state.problems)
    st.stop()

result = current_assessment(state.case)
page = st.session_state.get("_criteria_text")
if page is None or page.result is not result:
    page = st.session_state["_criteria_text"] = CriteriaText(result, say=status_words)
g = guideline()
a = result.guidelines[g]
d = a.diagnosis
text = page.guideline(g)
bottom_line_card(result)  # the answer now, the same words as on Intake and Treatments

# ------------------------------------------------------------------ verdict card
with st.container(border=True):
    st.caption(f"Under {GUIDELINE_NAMES[g]} (change the guideline in the sidebar)")
    badge(d.status)
    heading = a.bottom_line.diagnosis_headline  # the engine's words, as in the bottom line
    # Words only: the badge above carries the icon, and an icon inside the heading is read
    # aloud by screen readers as its name ("check_circle").
    st.markdown(f"### {heading}")
    st.write(d.summary)
    if text.definition:
        st.caption(text.definition)
    if a.missing and d.status == "insufficient_data":
        st.markdown("See **What is missing** below.")

# ------------------------------------------------------------------ criteria table
st.subheader("Criteria")
st.markdown(text.criteria_table)
sources(text.criteria_cites, key="src-criteria")

# ------------------------------------------------------------------ exclusions and risk findings
left, right = st.columns(2)
with left:
    st.subheader("Exclusions")
    if text.exclusions:  # one Markdown list: each finding a badge (words and icon) and its effect
        st.markdown("\n".join(f"- {badge_markdown(f.status, f.badge)} {f.text}" for f in text.exclusions))
    if text.all_excluded:
        st.markdown(text.all_excluded)
    if text.also_recorded:
        st.warning(text.also_recorded, icon=":material/warning:")
    sources(text.exclusion_cites, key="src-exclusions")
with right:
    st.subheader("Risk findings")
    st.caption("Risk findings only: neither is diagnostic on its own.")
    st.markdown("\n".join(f"- {badge_markdown(f.status, f.badge)} {f.text}" for f in text.risk_findings))
    sources(text.risk_cites, key="src-risk")

# ------------------------------------------------------------------ cerclage
st.subheader("Cerclage")
cer = a.cerclage
with st.container(border=True):
    entered_twice_warning(state.case)
    badge(cer.indication)
    st.write(cer.summary)
    st.markdown(text.indications)
    if text.contraindications_present:
        alert, details = text.contraindications_present
        st.error(alert, icon=":material/block:")
        st.markdown(details)
    if text.not_excluded:
        st.warning(text.not_excluded, icon=":material/help:")
    if text.cleared:
        st.caption(text.cleared)
    st.markdown(text.windows)
sources(text.cerclage_cites, key="src-cerclage")

# ------------------------------------------------------------------ what is missing
st.subheader("What is missing")
if page.missing:
    st.write("These answers are unknown, and knowing them would change a verdict:")
    for section in page.missing:
        st.markdown(section.text)
        st.page_link("pages/intake.py", label=f"Answer in the intake: {section.title}",
                     icon=":material/edit_note:", query_params={"section": section.section})
else:
    st.success("Nothing unknown would change a verdict.", icon=":material/task_alt:")

# ------------------------------------------------------------------ side by side
st.subheader("ACOG, RCOG and NICE side by side")
comparison = page.comparison
st.caption(comparison.caption)
st.markdown(comparison.table)
# Beside the columns: the edition of each guideline they rest on, and when it was last checked.
st.markdown(editions_list(knowledge_base(), GUIDELINES))
sources(comparison.cites, label="Sources for the comparison", key="src-compare")
if comparison.part_ways:
    st.markdown(comparison.part_ways)

# ------------------------------------------------------------------ known disagreements in general
st.subheader("Where the guidelines disagree in general")
st.caption("Points of disagreement in the guidance itself, whether or not this case touches them.")
for topic, positions in general_disagreements(knowledge_base()):
    with st.expander(topic):
        st.markdown(positions)
