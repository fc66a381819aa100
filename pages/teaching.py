"""Teaching mode: read a vignette, commit to answers, then compare with the guidelines' answers."""

import streamlit as st

from dashboard.assess import Cite, assess_all
from dashboard.intake import case_to_form
from dashboard.kb import GUIDELINE_NAMES
from dashboard.teaching import (
    QUESTIONS,
    TREATMENT_QUESTIONS,
    answer,
    open_answer_note,
    teaching_cases,
    treatment_answer,
)
from dashboard.ui import (
    PERSIST,
    STATUS_LOOK,
    badge,
    cite_marks,
    clear_case,
    glance,
    knowledge_base,
    require_frame,
    sources,
)
from dashboard.views import words

require_frame()  # first: run inside the app frame, never as a bare legacy page

kb = knowledge_base()
cases = teaching_cases()
numbers = kb.citation_number()

st.title("Teaching cases")
st.caption(
    "For residents: read the vignette, commit to your answers, then reveal what each guideline says "
    "and why. These are invented cases, not patients."
)

chosen = st.selectbox(
    "Teaching case",
    [c.id for c in cases],
    format_func=lambda cid: next(f"{c.title} ({c.level})" for c in cases if c.id == cid),
    key="teach.case",
    persist_state=PERSIST,
)
tc = next(c for c in cases if c.id == chosen)
case = tc.as_case()
result = assess_all(case, kb)

with st.container(border=True):
    st.markdown(f"### {tc.title}")
    st.write(tc.vignette)
    st.caption("Key findings: " + " · ".join(glance(case)))

st.subheader("Your answers")
# Each answer is kept as it is chosen (not held in a form until Reveal), so a resident who
# looks something up on another page comes back to the answers already given.
with st.container(border=True):
    guesses = {}
    for q in tc.questions:
        text, options = QUESTIONS[q]
        guesses[q] = st.radio(
            text,
            options,
            index=None,
            format_func=words,
            horizontal=True,
            key=f"teach.{tc.id}.{q}",
            persist_state=PERSIST,
        )
    revealed = st.button("Reveal the answers", icon=":material/visibility:", key=f"teach-reveal-{tc.id}")

if revealed or st.session_state.get(f"teach.{tc.id}.shown"):
    st.session_state[f"teach.{tc.id}.shown"] = True
    st.subheader("What the guidelines say")
    for q in tc.questions:
        text, _ = QUESTIONS[q]
        right = answer(result, q)
        guess = st.session_state.get(f"teach.{tc.id}.{q}")
        with st.container(border=True):
            st.markdown(f"**{text}**")
            badge(right, f"Answer: {STATUS_LOOK.get(right, (words(right),))[0]}")  # the badge has its own icon
            if guess is None:
                st.caption("You did not answer this one.")
            elif guess == right:
                st.markdown(":material/check_circle: Your answer matches.")
            elif note := open_answer_note(result, q, guess):
                st.markdown(f":material/info: You answered {words(guess)}. {note}")
            else:
                st.markdown(f":material/cancel: You answered {words(guess)}.")
            if q == "diagnosis":
                a = result.guidelines["acog"]
                st.write(f"{a.diagnosis.summary} {cite_marks([c for t in a.diagnosis.criteria for c in t.citations])}")
            elif q in TREATMENT_QUESTIONS:
                option = treatment_answer(result, q)
                st.write(f"{option.reason} {cite_marks(option.citations)}")
            else:
                g = q.split("_", 1)[1]
                cer = result.guidelines[g].cerclage
                st.write(f"{cer.summary}")
                for t in cer.indications:
                    st.markdown(f"- {t.title}: {words(t.status)}. {cite_marks(t.citations)}")
                if right == "insufficient_data":
                    missing = [m.label for m in result.guidelines[g].missing if "cerclage indication" in m.affects]
                    if missing:
                        st.caption("Not yet known, and would decide it: " + "; ".join(missing))
    if result.disagreements:
        short = {t.name: t.short_name for t in kb.treatments.values()}  # the names used on every other page
        st.markdown(
            "**Where the guidelines part ways on this case:** "
            + "; ".join(short.get(d.topic, d.topic) for d in result.disagreements)
        )
    st.subheader("Teaching points")
    cites: list[Cite] = []
    for point in tc.points:
        marks = [Cite(c.ref, c.locator, numbers[c.ref]) for c in point.citations]
        cites += marks
        st.markdown(f"- {point.text} {cite_marks(marks)}")
    sources(cites, label="Sources for these points", key=f"src-teach-{tc.id}")
    st.caption(f"Diagnosis shown under {GUIDELINE_NAMES['acog']}; the Criteria page compares all three.")


def _load_into_intake() -> None:
    """Button callback: the teaching case replaces the intake (values are sent to the browser)."""
    clear_case()
    st.session_state.update(case_to_form(case))


@st.dialog("Open this case in the intake?")
def _open_in_intake() -> None:
    st.write("This replaces everything currently in the intake with the teaching case.")
    if st.button("Replace the intake", type="primary", icon=":material/edit_note:", on_click=_load_into_intake):
        st.switch_page("pages/intake.py")


if st.button("Open this case in the intake to explore it", icon=":material/open_in_new:"):
    _open_in_intake()
