"""Criteria checker: the verdict, its trace and sources, cerclage, and the three guidelines side by side."""

import pandas as pd
import streamlit as st

from dashboard.assess import Cite
from dashboard.fields import SECTIONS
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES
from dashboard.ui import (
    require_frame,
    badge,
    blocked_by_problems,
    cite_marks,
    current_assessment,
    current_case,
    guideline,
    knowledge_base,
    sources,
    status_words,
)
from dashboard.views import comparison_rows, criteria_rows, window_rows

require_frame()  # first: run inside the app frame, never as a bare legacy page

st.title("Diagnostic criteria")

state = current_case()
if state.case is None:
    blocked_by_problems(state.problems)
    st.stop()

result = current_assessment(state.case)
g = guideline()
a = result.guidelines[g]
d = a.diagnosis

# ------------------------------------------------------------------ verdict card
with st.container(border=True):
    st.caption(f"Under {GUIDELINE_NAMES[g]} (change the guideline in the sidebar)")
    badge(d.status)
    basis = ", ".join({"history": "obstetric history", "physical_exam": "physical examination"}[b] for b in d.basis)
    heading = {
        "met": f"Meets the criteria for cervical insufficiency, on {basis}",
        "not_met": "Does not meet the criteria for cervical insufficiency",
        "insufficient_data": "Not enough information to apply the criteria",
    }[d.status]
    st.markdown(f"### {status_words(d.status).split(' ', 1)[0]} {heading}")
    st.write(d.summary)
    for trace in d.definition:
        st.caption(f"{trace.statement} {cite_marks(trace.citations)}")
    if a.missing and d.status == "insufficient_data":
        st.markdown("See **What is missing** below.")

# ------------------------------------------------------------------ criteria table
st.subheader("Criteria")
st.table(pd.DataFrame(criteria_rows(a)))
sources([c for t in d.criteria + d.definition for c in t.citations], key="src-criteria")

# ------------------------------------------------------------------ exclusions and risk findings
left, right = st.columns(2)
with left:
    st.subheader("Exclusions")
    shown = False
    for e in a.exclusions:
        if e.status == "absent":
            continue
        shown = True
        with st.container(border=True):
            badge(e.status, f"{e.trace.title}: {e.status}")
            st.write(f"{e.effect} {cite_marks(e.trace.citations)}")
    if not shown:
        st.markdown(
            ":material/check: Every exclusion is recorded as absent: "
            + "; ".join(e.trace.title.lower() for e in a.exclusions)
            + "."
        )
    sources([c for e in a.exclusions for c in e.trace.citations], key="src-exclusions")
with right:
    st.subheader("Risk findings")
    for finding in (a.short_cervix, a.risk_factors):
        with st.container(border=True):
            badge(finding.status, f"{finding.trace.title}: {finding.status}")
            st.write(f"{finding.trace.statement} {cite_marks(finding.trace.citations)}")
            st.caption("A risk finding only: not diagnostic on its own.")
    sources([c for f in (a.short_cervix, a.risk_factors) for c in f.trace.citations], key="src-risk")

# ------------------------------------------------------------------ cerclage
st.subheader("Cerclage")
cer = a.cerclage
with st.container(border=True):
    badge(cer.indication)
    st.write(cer.summary)
    for t in cer.indications:
        st.markdown(f"- **{t.title}**: {status_words(t.status)}. {t.statement} {cite_marks(t.citations)}"
                    + (f" *Evidence: {t.grade}.*" if t.grade else ""))
    present = [c for c in cer.contraindications if c.status == "present"]
    unknown = [c for c in cer.contraindications if c.status == "unknown"]
    if present:
        st.error("**Contraindications present:** " + "; ".join(f"{c.title} ({c.severity})" for c in present),
                 icon=":material/block:")
        for c in present:
            st.markdown(f"- **{c.title}**: {c.statement} {cite_marks(c.citations)}")
    if unknown:
        st.warning("**Not yet excluded:** " + "; ".join(c.title for c in unknown), icon=":material/help:")
    if cer.cleared:
        st.caption("Known to be absent: " + "; ".join(cer.cleared))
    st.markdown("**Timing windows** for this gestational age")
    st.table(pd.DataFrame(window_rows(cer.windows)))
sources([c for t in cer.indications + cer.contraindications for c in t.citations] + [c for w in cer.windows for c in w.citations], key="src-cerclage")

# ------------------------------------------------------------------ what is missing
st.subheader("What is missing")
if result.missing:
    st.write("These answers are unknown, and knowing them would change a verdict:")
    for m in result.missing:
        with st.container():
            st.markdown(f"**{m.label}** ({SECTIONS[m.section]}): affects {'; '.join(m.affects)}")
            st.page_link("pages/intake.py", label=f"Answer in the intake: {SECTIONS[m.section]}",
                         icon=":material/edit_note:", query_params={"section": m.section})
else:
    st.success("Nothing unknown would change a verdict.", icon=":material/task_alt:")

# ------------------------------------------------------------------ side by side
st.subheader("ACOG, RCOG and NICE side by side")
rows = comparison_rows(result)
table = pd.DataFrame(rows)
differ = table["Guidelines differ"] == "Yes"


def _highlight(row: pd.Series) -> list[str]:
    colour = "background-color: #FFF4E5" if row["Guidelines differ"] == "Yes" else ""
    return [colour] * len(row)


st.caption(
    f"{int(differ.sum())} of {len(table)} rows differ between the guidelines; they are marked "
    "“Yes” in the last column and shaded. Numbers in brackets are sources."
)
st.table(table.style.apply(_highlight, axis=1))
sources(
    [c for ga in result.guidelines.values() for t in ga.treatments for c in t.citations]
    + [c for ga in result.guidelines.values() for t in ga.cerclage.indications for c in t.citations],
    label="Sources for the comparison",
    key="src-compare",
)
if result.disagreements:
    st.markdown("**Where they part ways for this case**")
    for dis in result.disagreements:
        st.markdown(f"- **{dis.topic}**: " + "; ".join(
            f"{GUIDELINE_NAMES[gg]}: {status_words(dis.answers[gg])} {cite_marks(dis.citations[gg])}" for gg in GUIDELINES
        ))

# ------------------------------------------------------------------ known disagreements in general
st.subheader("Where the guidelines disagree in general")
st.caption("Points of disagreement in the guidance itself, whether or not this case touches them.")
numbers = knowledge_base().citation_number()
for dis in knowledge_base().disagreements:
    with st.expander(dis.topic):
        for body, position in dis.positions.items():
            marks = cite_marks(Cite(c.ref, c.locator, numbers[c.ref]) for c in position.citations)
            st.markdown(f"**{body}.** {position.text} {marks}")
