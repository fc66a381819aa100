"""Clinical safety and scope: what the tool is for and not for, how far it has been reviewed, how
to report a problem, and the hazard log with its risk matrix (DCB0129 style).

Everything shown comes from data/safety.yaml and data/hazard_log.yaml (dashboard/safety.py).
"""

import pandas as pd
import streamlit as st

from dashboard import safety
from dashboard.ui import knowledge_base, require_frame
from dashboard.views import markdown_table, md_text

require_frame()  # first: run inside the app frame, never as a bare legacy page

st.title("Clinical safety and scope")
try:
    file, log = safety.default_safety().file, safety.default_safety().log
except safety.SafetyFileError as exc:
    st.error(
        "The clinical safety file could not be loaded. Each line names the file, the entry and the field:",
        icon=":material/error:",
    )
    st.code(str(exc), language=None, wrap_lines=True)
    st.stop()

meta = knowledge_base().meta
# Said first and plainly: nothing here has been signed off by a clinician or a safety officer.
st.warning(f"**{md_text(file.review.headline)}**", icon=":material/warning:")

st.header("Intended use")
st.markdown(
    f"{md_text(file.intended_use)}\n\n"
    f"**Who it is for**\n\n{safety.bullets(file.users)}\n\n"
    f"**Patients it covers**\n\n{safety.bullets(file.population)}\n\n"
    f"**Out of scope**\n\n{safety.bullets(file.out_of_scope)}"
)

st.header("Review status")
st.table(pd.DataFrame(safety.review_rows(file)).set_index("What"), alt="Review status: what, by which role, how far")
due = safety.review_due(meta.last_reviewed, file.review_interval_days)
checked = (
    f"Knowledge base {meta.version} was last checked against its sources on {meta.last_reviewed:%d %B %Y}; "
    f"the next check is due by {due:%d %B %Y}."
)
if safety.review_overdue(meta.last_reviewed, file.review_interval_days, safety.today()):
    st.error(
        f"**The knowledge-base review is overdue.** {checked} Check the guidance it rests on before relying on it.",
        icon=":material/event_busy:",
    )
else:
    st.caption(checked)

st.header("Report a problem")
st.markdown(safety.report_markdown(file))

st.header("Hazard log")
open_ = [h.id for h in log.hazards if h.status == "open"]
st.markdown(
    f"{len(log.hazards)} hazards this tool could contribute to, in the style of the NHS clinical risk "
    f"management standard DCB0129; {len(open_)} still open ({', '.join(open_)}). Severity and likelihood use "
    "DCB0129's five-point scales, and the risk is the rating its matrix gives (1 acceptable to 5 unacceptable), "
    "before the controls → with them. Each control is numbered, and the tests marked with the same number prove "
    "it; a test is named by its file and, in words, what it checks (data/hazard_log.yaml gives its exact id). "
    "Every rating is the engineering team's estimate, **not yet reviewed by a Clinical Safety Officer**."
)
# One two-column table per hazard (field, then its text): it reads on a phone without scrolling sideways.
for hazard in log.hazards:
    fields, values = zip(*safety.hazard_rows(hazard), strict=True)
    st.table(
        # The id heads the column; a long header would not wrap (Streamlit sets table headers nowrap).
        pd.DataFrame({hazard.id: values}, index=pd.Index(fields, name="Field")),
        alt=f"Hazard {hazard.id}: {hazard.title}",
    )

st.subheader("Risk matrix")
st.markdown("The DCB0129 rating for each severity and likelihood (1 acceptable, 5 unacceptable).")
st.table(pd.DataFrame(safety.matrix_rows()).set_index("Severity"), alt="Risk matrix: severity by likelihood")
st.markdown(
    "\n".join(f"- **{n}**: {md_text(safety.RISK_MEANING[n])} With the controls in place: {', '.join(ids)}."
               for n, ids in safety.hazards_by_residual_risk(log))  # fmt: skip
)
with st.expander("The severity and likelihood scales"):
    st.markdown(
        markdown_table([{"Severity": safety.scale_words(k), "Meaning": v} for k, v in safety.SEVERITY_MEANING.items()])
        + "\n\n"
        + markdown_table(
            [{"Likelihood": safety.scale_words(k), "Meaning": v} for k, v in safety.LIKELIHOOD_MEANING.items()]
        )
    )
st.caption(f"Safety file version {file.version}, hazard log version {log.version}.")
