"""Router and frame: page setup, the knowledge base check, navigation and the shared sidebar."""

from pathlib import Path

import streamlit as st

from dashboard.kb import KnowledgeBaseError
from dashboard.ui import knowledge_base, one_case_per_run, page_boundary, protect_process, session_guard, sidebar

protect_process()  # first: nothing entered reaches the log, no case file outlives its download

st.set_page_config(
    page_title="Cervical insufficiency: decision support",
    # A bundled image: a Material icon name makes every browser fetch it from Google's servers.
    page_icon=str(Path(__file__).parent / "dashboard" / "icon.png"),
    layout="wide",
)

try:
    kb = knowledge_base()
except KnowledgeBaseError as exc:
    # A broken knowledge base must never produce verdicts: say exactly what is wrong and stop.
    st.title("The knowledge base could not be loaded")
    st.error(
        "The dashboard will not show any verdict until this is fixed. Each line names the file, "
        "the entry and the field:",
        icon=":material/error:",
    )
    st.code(str(exc), language=None, wrap_lines=True)
    st.stop()

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/intake.py", title="Intake", icon=":material/edit_note:"),
    st.Page("pages/criteria.py", title="Criteria", icon=":material/fact_check:"),
    st.Page("pages/treatments.py", title="Treatments", icon=":material/compare:"),
    st.Page("pages/teaching.py", title="Teaching", icon=":material/school:"),
    st.Page("pages/references.py", title="References", icon=":material/menu_book:"),
    st.Page("pages/safety.py", title="Clinical safety and scope", icon=":material/health_and_safety:"),
]
page = st.navigation(pages)
lost = session_guard()
with one_case_per_run():  # the answers cannot change during a run: read them once
    sidebar(kb, lost=lost)  # a lost session shows no case and no verdict anywhere
    if lost:
        st.stop()  # draw nothing else until the user starts a new case or loads a file (session_guard)
    with page_boundary():  # an unexpected error: a message in the page's words, the case kept
        page.run()
