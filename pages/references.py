"""References: every source, numbered as cited everywhere else, grouped by kind and searchable."""

import streamlit as st

from dashboard.ui import require_frame, knowledge_base

require_frame()  # first: run inside the app frame, never as a bare legacy page

KIND_GROUPS = {
    "Guidelines and statements": ("guideline", "regulatory"),
    "Systematic reviews and meta-analyses": ("systematic_review",),
    "Trials": ("trial",),
    "Other studies, reviews and textbooks": ("cohort", "review", "textbook", "patient_information", "other"),
}
PROVENANCE = {
    "primary": "",
    "secondary": " · secondary source",
    "low": " · low-provenance copy: confirm against the original",
}

kb = knowledge_base()
numbers = kb.citation_number()

st.title("References")
st.caption(
    f"{len(kb.references)} sources. The numbers match the bracketed citations on every page. "
    f"Knowledge base {kb.meta.version}, reviewed {kb.meta.last_reviewed:%d %b %Y}."
)

wanted = st.query_params.get("refs", "")
selected = {int(n) for n in wanted.split(",") if n.strip().isdigit()}
query = st.text_input("Search references", placeholder="author, title, journal, year, DOI or PMID")
if selected:
    st.info(f"Showing the {len(selected)} source(s) cited where you came from.", icon=":material/filter_alt:")
    if st.button("Show all references", icon=":material/clear_all:"):
        st.query_params.clear()
        st.rerun()


def matches(ref) -> bool:
    if selected and numbers[ref.id] not in selected:
        return False
    if not query:
        return True
    haystack = " ".join(
        str(x) for x in (ref.id, ref.authors, ref.year, ref.title, ref.source, ref.doi, ref.pmid, ref.note) if x
    ).lower()
    return all(word in haystack for word in query.lower().split())


shown = 0
for group, kinds in KIND_GROUPS.items():
    refs = [r for r in kb.references.values() if r.kind in kinds and matches(r)]
    if not refs:
        continue
    st.subheader(f"{group} ({len(refs)})")
    for ref in refs:
        shown += 1
        n = numbers[ref.id]
        links = " · ".join(f"[{name}]({url})" for name, url in ref.links)
        version = f" {ref.version}." if ref.version else ""
        pmid = f" PMID {ref.pmid}." if ref.pmid else ""
        doi = f" doi:{ref.doi}." if ref.doi else ""
        st.markdown(
            f"**[{n}]** {ref.authors} ({ref.year_text}). *{ref.title}*. {ref.source}.{version}{doi}{pmid}  \n"
            f"{links}{PROVENANCE[ref.provenance]}  \n"
            + (f"_{ref.note}_" if ref.note else ""),
        )
if shown == 0:
    st.warning("No reference matches that search.", icon=":material/search_off:")
