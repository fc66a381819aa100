"""Shared fixtures: the shipped knowledge base, the repository root and the app on one page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dashboard.kb import KnowledgeBase, default_knowledge_base

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def at() -> Iterator[AppTest]:
    """The dashboard after its first run, on its default page, with an empty case (AppTest tests)."""
    app = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    yield app


@pytest.fixture
def app_on(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], AppTest]:
    """Opens the app in AppTest from its entrypoint and moves to one page, as the sidebar link does.

    The pages-directory flag is kept off, as on the real server (test_apptest_pages explains why).
    """
    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)

    def open_page(page: str) -> AppTest:
        at = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=60)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded once for the whole run."""
    return default_knowledge_base()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
