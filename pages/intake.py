"""Intake checklist: every finding present / absent / unknown, numbers with units."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.case import case_to_json
from dashboard.fields import SECTIONS, label_of, place_of
from dashboard.intake import (
    BIRTH_LISTS,
    CHOICE_FIELDS,
    CHOICE_WORDS,
    LIST_KNOWN,
    LOSSES,
    NUMBER_CHARS,
    PAINLESS_WORDS,
    SCANS,
    TRI_FIELDS,
    TRI_OPTIONS,
    TRI_WORDS,
    answer_key,
    box_text,
    cell_key,
    completeness,
    key,
    none_answers,
    none_of_these,
    none_record_key,
    overall,
    still_as_recorded,
)
from dashboard.ui import (
    PERSIST,
    add_row,
    bottom_line_card,
    case_file_uploader,
    current_assessment,
    current_case,
    ensure_rows,
    entered_twice_warning,
    problem_lines,
    remove_row,
    require_frame,
    upload_outcome,
)

require_frame()  # first: run inside the app frame, never as a bare legacy page

st.title("Intake checklist")
st.caption(
    "Answer what you know. Every finding starts as **Unknown**, and unknown is never read as absent. "
    "No names, record numbers or dates of birth are asked for, and nothing is stored."
)

state = current_case()
complete = completeness(state.case) if state.case else {}
# The bottom line, updated with every answer: always the same one card here, so nothing above
# the inputs comes and goes (which would make the browser redraw them and lose the focus).
bottom_line_card(current_assessment(state.case) if state.case is not None else None)

focus = st.query_params.get("section")
if focus in SECTIONS:
    st.info(
        f"Answers are needed in **{SECTIONS[focus]}**. [Jump to that section](#{focus})",
        icon=":material/arrow_downward:",
    )


def show_problems(prefix: str, *, below: bool = True) -> None:
    """The message for a field, right where the field is; ``below=False`` takes the field's own
    messages only, not those of the fields inside it (shown at their own place)."""
    for path, message in state.problems:
        inside = path.startswith(prefix + "[") or path.startswith(prefix + ".")
        if path == prefix or (below and inside):
            st.error(f"{place_of(path) or label_of(prefix)}: {message}", icon=":material/error:")


def section_header(section: str) -> None:
    st.subheader(SECTIONS[section], anchor=section)
    # Always one caption here: an element that came and went above the inputs would make the
    # browser redraw them and lose the keyboard focus while someone types through the form.
    if section in complete:
        done, total = complete[section]
        st.caption(f"{done} of {total} answered")
    else:
        st.caption("Counted again once the answers marked below can be used")


def tri(path: str, help_text: str | None = None) -> None:
    st.session_state.setdefault(key(path), "unknown")
    st.radio(
        label_of(path),
        TRI_OPTIONS,
        format_func=TRI_WORDS.get,
        horizontal=True,
        key=key(path),
        persist_state=PERSIST,
        help=help_text,
    )


def tri_grid(section: str, columns: int = 2) -> None:
    """The section's findings in columns, filled top to bottom: the checklist order reads down
    the first column, then the next, which is also the order Tab and a screen reader take."""
    names = TRI_FIELDS[section]
    per_column = -(-len(names) // columns)  # ceiling division
    for col, start in zip(st.columns(columns), range(0, len(names), per_column), strict=False):
        with col:
            for name in names[start : start + per_column]:
                tri(f"{section}.{name}")


def record_none(section: str) -> None:
    """on_click of "None of these": the section's answers still Unknown become absent (or none).

    Runs before the rerun, so the radios are drawn with the new answers. What it set is kept
    (with anything an earlier click set and still in place) for the section's Undo.
    """
    setting = none_of_these(section, st.session_state)
    kept = still_as_recorded(section, st.session_state.get(none_record_key(section), ()), st.session_state)
    st.session_state.update({answer_key(path): answer for path, answer in setting.items()})
    st.session_state[none_record_key(section)] = tuple(p for p in none_answers(section) if p in setting or p in kept)


def undo_none(section: str) -> None:
    """on_click of Undo: back to Unknown what "None of these" set, unless it was changed since."""
    recorded = st.session_state.pop(none_record_key(section), ())
    for path in still_as_recorded(section, recorded, st.session_state):
        st.session_state[answer_key(path)] = "unknown"


def none_of_these_action(section: str, help_text: str) -> None:
    """One button under the section's findings; after it, what it recorded and an Undo.

    Below the inputs, never above them: an element that comes and goes above would make the
    browser redraw the inputs and lose the keyboard focus.
    """
    name = SECTIONS[section].lower()
    st.button(
        f"None of these: {name}",
        key=f"none-{section}",
        on_click=record_none,
        args=(section,),
        disabled=not none_of_these(section, st.session_state),  # nothing left Unknown here
        icon=":material/playlist_remove:",
        help=help_text + " Answers already given are not changed.",
    )
    shown = still_as_recorded(section, st.session_state.get(none_record_key(section), ()), st.session_state)
    if not shown:
        return
    by_answer: dict[str, list[str]] = {}
    for path, answer in shown.items():
        by_answer.setdefault(answer, []).append(label_of(path))
    st.caption(" ".join(f"Recorded as {answer}: {', '.join(labels)}." for answer, labels in by_answer.items()))
    st.button(
        f"Undo none of these: {name}",
        key=f"undo-{section}",
        on_click=undo_none,
        args=(section,),
        icon=":material/undo:",
        help="Puts the answers listed above back to Unknown, unless you changed them since.",
    )


FINDINGS_HELP = "Records every finding in this section that is still Unknown as Absent."

# ------------------------------------------------------------------ file in and out
with st.container(border=True):
    st.markdown("**Case file**: keep this case, or continue one saved earlier.")
    down, up = st.columns(2)
    with down:
        if state.case is not None:
            case = state.case
            st.download_button(
                "Download case file (JSON)",
                # Made on click, under a one-time name that only this session learns, and removed
                # once served (dashboard/downloads.py): nothing stays fetchable from /media.
                data=lambda: case_to_json(case),
                file_name="cervical-insufficiency-case.json",
                mime="application/json",
                icon=":material/download:",
                on_click="ignore",
            )
        else:
            st.button(
                "Download case file (JSON)",
                disabled=True,
                icon=":material/download:",
                help="Fix the answers marked below first.",
            )
    with up:
        case_file_uploader()
    upload_outcome()


def number_box(where: DeltaGenerator, label: str, box_key: str, placeholder: str, **kw) -> None:
    """A number box: typed text, read by ``dashboard.intake.read_number`` (what it shows is what is
    assessed, or it is refused at its field). A value the session holds as a number (written by
    code, never by the browser) is shown as its text first, since a text box holds only text."""
    held = st.session_state.get(box_key)
    if held is not None and not isinstance(held, str):
        st.session_state[box_key] = box_text(held)
    where.text_input(label, max_chars=NUMBER_CHARS, key=box_key, persist_state=PERSIST, placeholder=placeholder, **kw)


def weeks_and_days(path: str, label: str, *cells: tuple[DeltaGenerator, str]) -> None:
    """A gestational age as two whole-number boxes, weeks then days, each in its own column (typed
    text, read by ``dashboard.intake.read_number``: what the box shows is what is assessed)."""
    for (column, placeholder), part in zip(cells, ("weeks", "days"), strict=True):
        number_box(column, f"{label}: {part}", key(f"{path}.{part}"), placeholder)


def pregnancy_section() -> None:
    """This pregnancy: gestational age and number of fetuses, in one row."""
    with st.container(border=True):
        section_header("pregnancy")
        weeks, days, fetuses = st.columns(3)
        weeks_and_days(
            "gestational_age", "Current gestational age", (weeks, "weeks"), (days, "days 0 to 6 (blank counts as 0)")
        )
        number_box(fetuses, "Number of fetuses", key("fetuses"), "unknown")
        show_problems("gestational_age")
        show_problems("fetuses")


def cerclage_section() -> None:
    """A cerclage already in place in this pregnancy, and its details once it is."""
    with st.container(border=True):
        section_header("cerclage")
        tri(
            "cerclage.in_place",
            help_text="A stitch placed in this pregnancy (or a transabdominal one placed before it). "
            "With one in place the tool does not suggest placing another; it shows what each guideline says "
            "about the one there.",
        )
        if st.session_state.get(key("cerclage.in_place")) == "present":
            route, why = st.columns(2)
            for col, path in ((route, "cerclage.route"), (why, "cerclage.indication")):
                with col:
                    st.session_state.setdefault(key(path), "unknown")
                    st.selectbox(
                        label_of(path), CHOICE_FIELDS[path], format_func=CHOICE_WORDS.get, key=key(path),
                        persist_state=PERSIST,
                    )  # fmt: skip
            weeks, days = st.columns(2)
            weeks_and_days(
                "cerclage.placed_at", "Placed at", (weeks, "weeks (blank if not recorded)"), (days, "days 0 to 6")
            )
        show_problems("cerclage")


def history_section() -> None:
    """History."""
    with st.container(border=True):
        section_header("history")
        for path in BIRTH_LISTS:
            st.session_state.setdefault(key(path + ".known"), "unknown")
            st.radio(
                f"Earlier {label_of(path).lower()}?",
                LIST_KNOWN,
                format_func=CHOICE_WORDS.get,
                horizontal=True,
                key=key(path + ".known"),
                persist_state=PERSIST,
                help=(
                    "Spontaneous losses between 13+0 and 27+6 weeks. Say for each whether it was painless "
                    "(dilation without labour, abruption or infection): ACOG's history indication counts "
                    "painless losses only, NICE and RCOG any spontaneous loss. Record each pregnancy once: "
                    "a loss goes here, not under preterm births as well."
                    if "losses" in path
                    else "Spontaneous births before 37+0 weeks (not indicated deliveries). Record each pregnancy "
                    "once: a painless second-trimester loss belongs under losses only."
                ),
            )
            if st.session_state.get(key(path + ".known")) == "yes":
                rows = ensure_rows(path, minimum=1)
                st.caption("Gestational age of each (leave blank if not known)")
                for n, row_id in enumerate(rows, start=1):
                    noun = "Loss" if "losses" in path else "Birth"
                    if path == LOSSES:
                        c1, c2, cp, c3 = st.columns([2, 2, 3, 1])
                        st.session_state.setdefault(cell_key(path, row_id, "painless"), "unknown")
                        cp.selectbox(
                            f"Loss {n}: painless?",
                            TRI_OPTIONS,
                            format_func=PAINLESS_WORDS.get,
                            key=cell_key(path, row_id, "painless"),
                            persist_state=PERSIST,
                        )
                    else:
                        c1, c2, c3 = st.columns([2, 2, 1])
                    number_box(c1, f"{noun} {n}: weeks", cell_key(path, row_id, "weeks"), "weeks")
                    number_box(c2, f"{noun} {n}: days", cell_key(path, row_id, "days"), "days")
                    if len(rows) == 1:
                        continue  # "Yes" means at least one: the only row stays (answer "None" instead)
                    c3.button(
                        f"Remove {noun.lower()} {n}",
                        key=f"rm-{path}-{row_id}",  # row ids of a loaded case repeat across lists
                        on_click=remove_row,
                        args=(path, row_id),
                        icon=":material/delete:",
                    )
                st.button(
                    f"Add another {'loss' if 'losses' in path else 'birth'}",
                    key=f"add-{path}",
                    on_click=add_row,
                    args=(path,),
                    icon=":material/add:",
                )
            show_problems(path)
        if state.case is not None:
            entered_twice_warning(state.case)
        st.divider()
        tri("history.prior_cerclage")
        if st.session_state.get(key("history.prior_cerclage")) == "present":
            c1, c2, c3 = st.columns(3)
            for col, path in ((c1, "history.prior_cerclage_reason"), (c2, "history.prior_cerclage_route")):
                with col:
                    st.session_state.setdefault(key(path), "unknown")
                    st.selectbox(
                        label_of(path),
                        CHOICE_FIELDS[path],
                        format_func=CHOICE_WORDS.get,
                        key=key(path),
                        persist_state=PERSIST,
                    )
            with c3:
                tri("history.prior_cerclage_failed", help_text="Loss or birth before 28+0 weeks despite the cerclage.")
        show_problems("history", below=False)
        for path in ("history.prior_cerclage_reason", "history.prior_cerclage_route", "history.prior_cerclage_failed"):
            show_problems(path)
        none_of_these_action(
            "history",
            "Records no earlier painless losses, no spontaneous preterm births and no earlier cerclage, "
            "for each still Unknown.",
        )


def risk_factors_section() -> None:
    """Risk factors."""
    with st.container(border=True):
        section_header("risk_factors")
        st.caption(
            "Associations with cervical insufficiency are inconsistent; none is an indication for cerclage by itself."
        )
        tri_grid("risk_factors")
        none_of_these_action("risk_factors", FINDINGS_HELP)


def symptoms_section() -> None:
    """Symptoms."""
    with st.container(border=True):
        section_header("symptoms")
        st.caption(
            "Often there are none. Recorded for the picture; only mild contractions change a verdict "
            "(they count against cerclage)."
        )
        tri_grid("symptoms")
        none_of_these_action("symptoms", FINDINGS_HELP)


def exam_section() -> None:
    """Exam."""
    with st.container(border=True):
        section_header("exam")
        a, b = st.columns(2)
        number_box(a, "Cervical dilation (cm)", key("exam.cervical_dilation_cm"), "unknown (not examined)")
        with b:
            tri("exam.membranes_at_or_beyond_os")
        show_problems("exam")


def ultrasound_section() -> None:
    """Ultrasound."""
    with st.container(border=True):
        section_header("ultrasound")
        st.markdown("Transvaginal cervical-length scans in this pregnancy")
        rows = ensure_rows(SCANS)
        if rows:
            h1, h2, h3, h4 = st.columns([2, 2, 2, 1])
            h1.markdown("**Gestational age (weeks)**")
            h2.markdown("**Days**")
            h3.markdown("**Cervical length (mm)**")
        for n, row_id in enumerate(rows, start=1):
            c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
            hidden = {"label_visibility": "collapsed"}  # the column headings above name them
            number_box(c1, f"Scan {n}: gestational age, weeks", cell_key(SCANS, row_id, "weeks"), "weeks", **hidden)
            number_box(c2, f"Scan {n}: gestational age, days", cell_key(SCANS, row_id, "days"), "days", **hidden)
            number_box(c3, f"Scan {n}: cervical length (mm)", cell_key(SCANS, row_id, "mm"), "mm", **hidden)
            c4.button(
                f"Remove scan {n}",
                key=f"rm-{SCANS}-{row_id}",
                on_click=remove_row,
                args=(SCANS, row_id),
                icon=":material/delete:",
            )
        st.button("Add a scan", key="add-scan", on_click=add_row, args=(SCANS,), icon=":material/add:")
        show_problems(SCANS)
        tri("ultrasound.funneling")


def exclusions_section() -> None:
    """Exclusions."""
    with st.container(border=True):
        section_header("exclusions")
        st.caption("Any of these excludes the diagnosis and contraindicates cerclage. Confirm each one.")
        tri_grid("exclusions")
        none_of_these_action("exclusions", FINDINGS_HELP + " The amniocentesis result is not changed.")
        st.session_state.setdefault(key("exclusions.amniocentesis"), "unknown")
        st.radio(
            label_of("exclusions.amniocentesis"),
            CHOICE_FIELDS["exclusions.amniocentesis"],
            format_func=CHOICE_WORDS.get,
            horizontal=True,
            key=key("exclusions.amniocentesis"),
            persist_state=PERSIST,
        )


def fetal_section() -> None:
    """Fetal status."""
    with st.container(border=True):
        section_header("fetal")
        tri_grid("fetal", columns=3)
        none_of_these_action("fetal", FINDINGS_HELP)


# ------------------------------------------------------------------ completeness and what is missing
def show_summary() -> None:
    """Completeness and what is still missing, below the sections."""
    if state.case is None:
        st.error(
            "**Some answers cannot be used yet; everything else you entered is kept.**\n\n"
            + "\n".join(problem_lines(state.problems)),
            icon=":material/error:",
        )
        return
    done, total = overall(complete)
    text = f"**{done} of {total} answered overall.** " + " · ".join(
        f"{SECTIONS[s]}: {a}/{t}" for s, (a, t) in complete.items()
    )
    missing = current_assessment(state.case).missing
    if missing:
        text += "\n\n**Still unknown, and would change a verdict:**\n" + "\n".join(
            f"- [{m.label}](#{m.section}) ({SECTIONS[m.section]}): affects {'; '.join(m.affects)}" for m in missing
        )
    else:
        text += "\n\n:material/task_alt: Nothing unknown would change a verdict."
    st.markdown(text)


# Every answer reruns the whole page. Sections as st.fragment would rerun faster, but a
# fragment's rerun is dropped by a server that no longer holds the session (after a restart
# or a long disconnection), so the page would ignore answers without saying the case was lost.
for draw in (
    pregnancy_section,
    cerclage_section,
    history_section,
    risk_factors_section,
    symptoms_section,
    exam_section,
    ultrasound_section,
    exclusions_section,
    fetal_section,
):
    draw()
st.subheader("Completeness", anchor="completeness")
show_summary()
