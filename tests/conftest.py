"""Shared fixtures for the domain tests: the shipped knowledge base and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.kb import KnowledgeBase, default_knowledge_base

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded once for the whole run."""
    return default_knowledge_base()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
