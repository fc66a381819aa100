"""References: every source, numbered as cited everywhere else, grouped by kind and searchable.

Each source shows its canonical citation and links first (DOI, PubMed, PubMed Central, the
issuer's page), says which identifier could not be confirmed, gives a guideline's edition and
when it was last checked, and only then, as a secondary line, where its text was read.
"""

import streamlit as st

from dashboard.kb import KnowledgeBase
from dashboard.ui import knowledge_base, require_frame
from dashboard.views import md_text, reference_markdown, reference_matches

require_frame()  # first: run inside the app frame, never as a bare legacy page

KIND_GROUPS = {
    "Guidelines and statements": ("guideline", "regulatory"),
    "Systematic reviews and meta-analyses": ("systematic_review",),
    "Trials": ("trial",),
    "Other studies, reviews and textbooks": ("cohort", "review", "textbook", "patient_information", "other"),
}
PROVENANCE = {
    "primary": "",
    "secondary": "  \nSecondary source: a summary or report of the original.",
    "low": "  \nLow provenance: no confirmed record ties this copy to its issuer; no statement in the tool cites it.",
}
CHECKED_BY = {"search tool": "checked", "evidence brief": "recorded by the evidence brief"}

kb = knowledge_base()
numbers = kb.citation_number()

st.title("References")
st.caption(
    f"{len(kb.references)} sources. The numbers match the bracketed citations on every page. "
    f"Knowledge base {kb.meta.version}, reviewed {kb.meta.last_reviewed:%d %b %Y}. "
    "Each source gives its citation and its DOI, PubMed, PubMed Central or issuer's page first, and "
    "says when an identifier could not be confirmed; “Text read at” is the page its content was "
    "read on, marked when that is a third-party copy or plain http."
)

wanted = st.query_params.get("refs", "")
selected = {int(n) for n in wanted.split(",") if n.strip().isdigit()}
query = st.text_input(
    "Search references", placeholder="author, title, journal, year, DOI, PMID, or a source number such as [9]"
)
if selected:
    st.info(f"Showing the {len(selected)} source(s) cited where you came from.", icon=":material/filter_alt:")
    if st.button("Show all references", icon=":material/clear_all:"):
        st.query_params.clear()
        st.rerun()


def matches(ref) -> bool:
    if selected and numbers[ref.id] not in selected:
        return False
    return reference_matches(ref, numbers[ref.id], query)


@st.cache_resource(show_spinner=False, max_entries=1, hash_funcs={KnowledgeBase: id})
def entries(kb: KnowledgeBase) -> tuple[KnowledgeBase, dict[str, str]]:
    """Each reference as Markdown (citation, links, note), built once per knowledge base; data shown literally.

    Kept beside the knowledge base itself: the key is its id(), which cannot pass to another object
    while this entry holds it.
    """
    numbers = kb.citation_number()
    editions = {e.ref: e for column in kb.meta.editions.values() for e in column}
    out = {}
    for ref in kb.references.values():
        version = f" {md_text(ref.version)}." if ref.version else ""
        doi = f" doi:{md_text(ref.doi)}." if ref.doi else ""
        pmid = f" PMID {ref.pmid}." if ref.pmid else ""
        names = {"doi": "DOI", "pmid": "PMID", "url": "Issuer's page"}
        checks = "; ".join(
            f"{names[c.identifier]}: {md_text(c.where)}, {CHECKED_BY[c.by]}"
            + (f" {c.checked_on:%d %b %Y}" if c.checked_on else "")
            for c in ref.checks
        )
        confirmed = f"  \nConfirmed at: {checks}." if checks else ""
        ed = editions.get(ref.id)
        edition = (
            f"  \nEdition used: {md_text(ed.edition)} ({md_text(ed.published)}); "
            f"knowledge base last checked against it on {ed.checked_on:%d %b %Y}."
            if ed else ""
        )
        note = f"  \n_{md_text(ref.note)}_" if ref.note else ""
        out[ref.id] = (
            f"**[{numbers[ref.id]}]** {md_text(ref.authors)} ({ref.year_text}). *{md_text(ref.title)}*. "
            f"{md_text(ref.source)}.{version}{doi}{pmid}  \n"
            f"{reference_markdown(ref)}{confirmed}{edition}{PROVENANCE[ref.provenance]}{note}"
        )
    return kb, out


_, text = entries(kb)

# One Markdown element per group, whatever the number of references (Streamlit's cost is per element).
shown = 0
for group, kinds in KIND_GROUPS.items():
    refs = [r for r in kb.references.values() if r.kind in kinds and matches(r)]
    if not refs:
        continue
    shown += len(refs)
    st.subheader(f"{group} ({len(refs)})")
    st.markdown("\n\n".join(text[r.id] for r in refs))
if shown == 0:
    st.warning("No reference matches that search.", icon=":material/search_off:")
