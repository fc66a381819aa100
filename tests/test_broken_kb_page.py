"""A broken knowledge base at start-up gives a clear page, never a verdict or a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboard.kb import default_knowledge_base
from dashboard.ui import knowledge_base

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def broken_data(tmp_path, monkeypatch):
    """A copy of data/ whose rule EXC-LABOUR cites a reference that does not exist."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    path = copy / "rules" / "common.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in doc["rules"] if r["id"] == "EXC-LABOUR")
    rule["citations"][0]["ref"] = "NO-SUCH-REF"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(copy))
    default_knowledge_base.cache_clear()
    knowledge_base.clear()
    yield copy
    default_knowledge_base.cache_clear()
    knowledge_base.clear()


def test_broken_knowledge_base_shows_file_entry_and_field(broken_data):
    """The start page names the file, the entry and the field, and shows no verdict."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["The knowledge base could not be loaded"]
    message = " ".join(c.value for c in at.code)
    assert "rules/common.yaml" in message and "EXC-LABOUR" in message and "NO-SUCH-REF" in message
    assert "citations[0].ref" in message
    assert not any("Meets the criteria" in m.value for m in at.markdown)
