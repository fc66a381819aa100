"""What one session can make the server hold or show: a few uploads, a screenful of problems."""

from __future__ import annotations

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec
from streamlit.testing.v1 import AppTest

from dashboard.messages import SHOWN_PROBLEMS
from dashboard.uploads import BoundedUploads

MB = 1024 * 1024


def _file(n: int, size: int = MB) -> UploadedFileRec:
    return UploadedFileRec(file_id=f"f{n}", name=f"case{n}.json", type="application/json", data=b"x" * size)


def test_two_hundred_uploads_of_a_megabyte_leave_at_most_the_bound_held() -> None:
    """A session that sends 200 files of 1 MB holds at most the last few, within the byte bound."""
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    guard = BoundedUploads.install(manager)
    for n in range(200):
        manager.add_file("hostile", _file(n))
    held = manager.file_storage["hostile"]
    assert len(held) <= guard.max_files
    assert sum(len(f.data) for f in held.values()) <= guard.max_bytes
    assert guard.held("hostile") == (len(held), sum(len(f.data) for f in held.values()))
    assert "f199" in held  # the newest is the one kept: the file just chosen is the one read
    assert manager.get_files("hostile", ["f199"])[0].name == "case199.json"


def test_one_session_filling_its_bound_leaves_another_sessions_file() -> None:
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    BoundedUploads.install(manager)
    manager.add_file("clinician", _file(1, size=1000))
    for n in range(50):
        manager.add_file("hostile", _file(100 + n))
    assert [f.file_id for f in manager.get_files("clinician", ["f1"])] == ["f1"]


def test_removal_and_session_end_free_the_bookkeeping() -> None:
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    guard = BoundedUploads.install(manager)
    assert BoundedUploads.install(manager) is guard  # installed once
    manager.add_file("s", _file(1, size=10))
    manager.add_file("s", _file(2, size=10))
    manager.remove_file("s", "f1")
    assert guard.held("s") == (1, 10)
    manager.remove_session_files("s")
    assert guard.held("s") == (0, 0) and "s" not in manager.file_storage


def _problem_page(count: int, more: int) -> AppTest:
    def page(count: int, more: int) -> None:
        from dashboard.ui import problem_list

        problem_list([(f"ultrasound.cervical_lengths[{i}].cervical_length_mm", "bad") for i in range(count)], more)

    return AppTest.from_function(page, args=(count, more)).run()


def test_a_file_with_thousands_of_problems_shows_a_screenful_and_the_count() -> None:
    """200 named problems and 2,300 more counted: the first 20 are listed, then "and 2,480 more"."""
    at = _problem_page(200, 2300)
    assert not at.exception
    (text,) = [m.value for m in at.markdown]
    items = text.splitlines()
    assert len(items) == SHOWN_PROBLEMS + 1
    assert "scan 1:" in items[0] and "scan 20:" in items[SHOWN_PROBLEMS - 1]
    assert items[-1] == f"- *and {2500 - SHOWN_PROBLEMS:,} more problems*"


def test_a_few_problems_are_all_listed() -> None:
    at = _problem_page(3, 0)
    (text,) = [m.value for m in at.markdown]
    assert len(text.splitlines()) == 3 and "more problem" not in text


def _upload_page() -> None:
    import streamlit as st

    from dashboard import ui

    class Unreadable:
        name = "case.json"

        def getvalue(self) -> bytes:
            raise RuntimeError("the upload store failed")

    st.session_state.setdefault("in.fetuses", 2)
    if st.button("choose"):
        st.session_state[f"uploader_{st.session_state.get('uploader_round', 0)}"] = Unreadable()
        ui.load_case_file()
    ui.upload_outcome()
    st.write(f"fetuses={st.session_state['in.fetuses']}")


def test_a_file_that_fails_in_any_way_is_refused_and_the_case_kept() -> None:
    """An error no reader expected, inside the upload, is a refusal naming the file, not a crash."""
    at = AppTest.from_function(_upload_page).run()
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["That file was not loaded; the current case is unchanged."]
    assert any("could not be read as a case file" in m.value for m in at.markdown)
    assert any(m.value == "fetuses=2" for m in at.markdown)
    assert at.session_state["uploader_round"] == 1  # that uploader and its file are let go


def _failing_page() -> None:
    import streamlit as st

    from dashboard.ui import page_boundary

    st.session_state.setdefault("in.fetuses", 2)
    with page_boundary():
        st.write("drawn before the fault")
        raise KeyError("a bug in a page")
    st.write(f"after fetuses={st.session_state['in.fetuses']}")


def test_a_fault_inside_a_page_shows_a_message_and_keeps_the_answers() -> None:
    at = AppTest.from_function(_failing_page).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("**Something went wrong while drawing this page.** Your answers are kept")
    assert "a bug in a page" not in error.value  # no details of the fault on screen
    assert any(m.value == "after fetuses=2" for m in at.markdown)
