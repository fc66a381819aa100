"""The clinical safety hazard log (data/hazard_log.yaml): complete entries, and every control
proved by tests that exist (a named test that is missing fails here)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LOG = yaml.safe_load((ROOT / "data" / "hazard_log.yaml").read_text(encoding="utf-8"))
SEVERITIES = ("minor", "significant", "considerable", "major", "catastrophic")  # DCB0129 examples
LIKELIHOODS = ("very_low", "low", "medium", "high", "very_high")
FIELDS = ("id", "title", "cause", "effect", "severity", "likelihood", "controls", "status")


@cache
def defined_tests(path: str) -> frozenset[str]:
    """Names of the test functions defined at the top level of a test file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_"))


HAZARDS = LOG["hazards"]
REFERENCES = [(h["id"], t) for h in HAZARDS for c in h["controls"] for t in c["tests"]]


def test_the_log_has_a_review_status() -> None:
    """The log says whether it has been reviewed, and by whom it still needs to be."""
    assert LOG["review"]["status"] in {"draft", "reviewed"} and LOG["review"]["note"].strip()


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h["id"])
def test_each_hazard_is_complete(hazard: dict) -> None:
    """Each hazard has cause, effect, a DCB0129 severity and likelihood, and controls that each name a test."""
    assert all(str(hazard.get(f, "")).strip() for f in FIELDS), hazard["id"]
    assert hazard["severity"] in SEVERITIES and hazard["likelihood"] in LIKELIHOODS
    assert hazard["status"] in {"open", "controlled"}
    for control in hazard["controls"]:
        assert control["control"].strip() and control["tests"], hazard["id"]


def test_hazard_ids_are_unique() -> None:
    ids = [h["id"] for h in HAZARDS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("hazard", "test"), REFERENCES, ids=[f"{h}:{t.split('::')[-1]}" for h, t in REFERENCES])
def test_every_control_names_a_test_that_exists(hazard: str, test: str) -> None:
    """A control's test is a real top-level test function in a real test file."""
    path, _, name = test.partition("::")
    assert (ROOT / path).is_file(), f"{hazard}: no test file {path}"
    assert name in defined_tests(path), f"{hazard}: {path} has no test named {name}"
