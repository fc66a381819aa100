"""Overview: what the tool is for and not for, who it serves, how to use it, and its version."""

import streamlit as st

from dashboard.safety import bullets, default_safety
from dashboard.ui import knowledge_base, require_frame
from dashboard.views import md_text

require_frame()  # first: run inside the app frame, never as a bare legacy page

kb = knowledge_base()
meta = kb.meta
scope = default_safety().file  # intended use, population and scope: written once, in data/safety.yaml

st.title("Cervical insufficiency: decision support")
st.markdown(
    "Cervical insufficiency is painless dilation of the cervix in the second trimester, without "
    "contractions or labour, bleeding, ruptured membranes or infection. It is a recognised cause "
    "of second-trimester loss and preterm birth. This dashboard sets one case against the ACOG, "
    "RCOG and NICE guidance, with the basis and the source of every statement."
)
# The review status first, not only at the foot of the page (issue 12).
st.warning(f"**{md_text(scope.review.headline)}**", icon=":material/warning:")

left, right = st.columns(2)
with left:
    with st.container(border=True):
        st.subheader(":material/check: What it is for")
        st.markdown(
            f"{md_text(scope.intended_use)}\n\n**Who it is for**\n\n{bullets(scope.users)}\n\n"
            f"**Patients it covers**\n\n{bullets(scope.population)}"
        )
with right:
    with st.container(border=True):
        st.subheader(":material/block: What it is not for")
        st.markdown(bullets(scope.out_of_scope))
        st.page_link("pages/safety.py", label="Clinical safety and scope", icon=":material/health_and_safety:")

st.subheader("How to use it")
st.markdown(
    "1. **Intake**: answer what you know. Every finding starts as *Unknown*; unknown is never read "
    "as absent. Numbers carry their units.\n"
    "2. **Criteria**: the verdict (met, not met, or insufficient data) with each criterion, the "
    "values used and the sources; the cerclage indication, contraindications and timing windows; "
    "and ACOG, RCOG and NICE side by side, with their disagreements highlighted.\n"
    "3. **Treatments**: every option with its evidence, harms and each guideline's stance, marked "
    "for this case.\n"
    "4. **Teaching**: worked cases for residents.  \n"
    "5. **References**: every source, with DOI and PubMed links. Numbers in square brackets "
    "everywhere refer to this list.\n\n"
    "Choose the guideline in use in the sidebar. **Download the case file** from the Intake page "
    "if you need to keep a case: nothing is saved on the server, and a restart or a closed tab "
    "loses it."
)

st.subheader("Limits")
for limit in meta.limits:
    st.markdown(f"- {limit}")

st.subheader("Knowledge base")
st.markdown(
    f"Version **{meta.version}**, last reviewed **{meta.last_reviewed:%d %B %Y}**.  \n"
    f"Reviewed by: {meta.reviewed_by}  \n"
    f"Scope: {meta.scope}  \n"
    f"{len(kb.references)} references, {len(kb.rules)} rules, {len(kb.treatments)} treatment options."
)
