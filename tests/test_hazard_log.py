"""The clinical safety hazard log (data/hazard_log.yaml): at least 15 complete hazards, ratings on
DCB0129's scales that are its matrix's, and every control proved by tests that exist as pytest
names them (a named test that is missing, renamed or no longer parametrised so fails here)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from dashboard import safety

ROOT = Path(__file__).resolve().parents[1]
LOG = yaml.safe_load((ROOT / "data" / "hazard_log.yaml").read_text(encoding="utf-8"))
HAZARDS = LOG["hazards"]
MIN_HAZARDS = 15
# DCB0129's scales, mildest first, and its risk matrix (NHS Digital's clinical risk management
# guidance): the rating for each likelihood (row) and severity (column, in SEVERITIES order).
SEVERITIES = ("minor", "significant", "considerable", "major", "catastrophic")
LIKELIHOODS = ("very_low", "low", "medium", "high", "very_high")
MATRIX = {
    "very_high": (3, 4, 4, 5, 5),
    "high": (2, 3, 3, 4, 5),
    "medium": (2, 2, 3, 3, 4),
    "low": (1, 2, 2, 3, 4),
    "very_low": (1, 1, 2, 2, 3),
}
FIELDS = ("id", "title", "cause", "effect", "severity", "likelihood", "risk", "residual_likelihood",
          "residual_risk", "controls", "status")  # fmt: skip
FIRST_IDS = [f"HAZ-{n:02d}" for n in range(1, 12)]  # the log's first entries, kept as written
RESERVED_IDS = {f"HAZ-{n}" for n in range(12, 20)}  # kept for issue 11's integrity work
TEST_ID = re.compile(r"^(?P<path>tests/[\w/]+\.py)::(?:(?P<cls>Test\w+)::)?(?P<name>test_\w+)(?P<param>\[.+\])?$")
REFERENCES = [(h["id"], t) for h in HAZARDS for c in h["controls"] for t in c["tests"]]


def rating(severity: str, likelihood: str) -> int:
    return MATRIX[likelihood][SEVERITIES.index(severity)]


@cache
def defined_tests(path: str) -> frozenset[str]:
    """Test functions at the top level of a test file, and Class::method for its test classes."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return frozenset(names)


# Run in a subprocess: pytest collects the named files and reports each test with the skip and
# xfail marks that would stop it running as proof (a skipif only when its condition holds).
COLLECT = """
import json, sys
import pytest

class Items:
    def __init__(self):
        self.items = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marks = [m.name for m in item.iter_markers() if m.name in ("skip", "xfail")]
            marks += ["skipif" for m in item.iter_markers("skipif") if not m.args or m.args[0]]
            self.items[item.nodeid] = marks

items = Items()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[items])
print("HAZARD-ITEMS " + json.dumps({"code": int(code), "items": items.items}))
"""


@pytest.fixture(scope="module")
def collected() -> dict[str, list[str]]:
    """Every node id pytest collects from the files the log names, with its skip and xfail marks
    (one quick subprocess)."""
    files = sorted({t.partition("::")[0] for _, t in REFERENCES})
    run = subprocess.run([sys.executable, "-c", COLLECT, *files], cwd=ROOT, capture_output=True, text=True, timeout=240)
    [line] = [line for line in run.stdout.splitlines() if line.startswith("HAZARD-ITEMS ")] or [""]
    result = json.loads(line.removeprefix("HAZARD-ITEMS ")) if line else {"code": -1, "items": {}}
    assert result["code"] == 0 and result["items"], run.stdout[-3000:] + run.stderr[-3000:]
    return result["items"]


def proving(test: str, collected: dict[str, list[str]]) -> list[str]:
    """The node ids that run for a named test: itself, or each of its parameters."""
    if test in collected:
        return [test]
    return [c for c in collected if "[" not in test and c.startswith(test + "[")]


def test_the_log_has_at_least_15_hazards() -> None:
    """The log holds at least 15 hazards this tool could contribute to."""
    assert len(HAZARDS) >= MIN_HAZARDS


def test_hazard_ids_are_unique_keep_the_first_eleven_and_number_the_integrity_ones_from_12() -> None:
    """Ids are unique, HAZ-01 to HAZ-11 are still there, and the integrity hazards of issue 11 use
    HAZ-12 to HAZ-19 in order, with no gap."""
    ids = [h["id"] for h in HAZARDS]
    assert len(ids) == len(set(ids))
    assert set(FIRST_IDS) <= set(ids)
    used = sorted(RESERVED_IDS & set(ids))
    assert used == sorted(RESERVED_IDS)[: len(used)]


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h["id"])
def test_each_hazard_is_complete(hazard: dict) -> None:
    """Each hazard has a title, cause, effect, ratings, controls and a status, none of them empty."""
    assert all(str(hazard.get(f, "")).strip() for f in FIELDS), hazard["id"]
    assert hazard["status"] in {"open", "controlled"}
    if hazard["status"] == "open":  # an open hazard says what remains
        assert str(hazard.get("residual", "")).strip(), hazard["id"]


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h["id"])
def test_each_rating_is_on_dcb0129s_scales_and_is_its_matrixs(hazard: dict) -> None:
    """Severity and both likelihoods are on DCB0129's scales, and each risk is the matrix's rating."""
    assert hazard["severity"] in SEVERITIES
    assert hazard["likelihood"] in LIKELIHOODS and hazard["residual_likelihood"] in LIKELIHOODS
    assert hazard["risk"] == rating(hazard["severity"], hazard["likelihood"]), hazard["id"]
    assert hazard["residual_risk"] == rating(hazard["severity"], hazard["residual_likelihood"]), hazard["id"]
    assert LIKELIHOODS.index(hazard["residual_likelihood"]) <= LIKELIHOODS.index(hazard["likelihood"])


def test_the_app_uses_dcb0129s_matrix() -> None:
    """The matrix the safety page draws and the loader checks is DCB0129's."""
    assert safety.SEVERITIES == SEVERITIES and safety.LIKELIHOODS == LIKELIHOODS
    assert safety.RISK_MATRIX == MATRIX


def test_a_rating_that_is_not_the_matrixs_is_refused_naming_the_hazard_and_field(tmp_path: Path) -> None:
    """The loader refuses a risk that is not the matrix's rating, naming the hazard and the field."""
    log = yaml.safe_load((ROOT / "data" / "hazard_log.yaml").read_text(encoding="utf-8"))
    log["hazards"][0]["risk"] = 5
    (tmp_path / "hazard_log.yaml").write_text(yaml.safe_dump(log), encoding="utf-8")
    (tmp_path / "safety.yaml").write_text((ROOT / "data" / "safety.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(safety.SafetyFileError) as error:
        safety.load_safety(tmp_path)
    first = log["hazards"][0]["id"]
    assert f"data/hazard_log.yaml: entry {first}: field (entry): risk 5 is not the DCB0129 rating" in str(error.value)


def test_the_shipped_log_loads() -> None:
    """The shipped safety file and hazard log pass the loader's checks."""
    assert len(safety.load_safety().log.hazards) == len(HAZARDS)


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h["id"])
def test_every_control_names_at_least_one_test(hazard: dict) -> None:
    """Each hazard has at least one control, and every control names at least one test id."""
    assert hazard["controls"]
    for control in hazard["controls"]:
        assert str(control["control"]).strip() and control["tests"], hazard["id"]
        assert all(TEST_ID.match(t) for t in control["tests"]), [t for t in control["tests"] if not TEST_ID.match(t)]


@pytest.mark.parametrize(("hazard", "test"), REFERENCES, ids=[f"{h}:{t.split('::')[-1]}" for h, t in REFERENCES])
def test_every_control_names_a_test_that_exists(hazard: str, test: str) -> None:
    """A control's test is a real test function (or Class::method) in a real test file."""
    match = TEST_ID.match(test)
    assert match, f"{hazard}: {test} is not a test id (path::function, path::function[param], path::Class::method)"
    path = match["path"]
    assert (ROOT / path).is_file(), f"{hazard}: no test file {path}"
    name = f"{match['cls']}::{match['name']}" if match["cls"] else match["name"]
    assert name in defined_tests(path), f"{hazard}: {path} has no test named {name}"


def test_every_named_test_is_one_pytest_collects(collected: dict[str, list[str]]) -> None:
    """Every test id in the log is what pytest collects: a parametrised id names a real parameter,
    and a plain one a test that pytest runs (directly or as each of its parameters)."""
    missing = [f"{hazard}: {test}" for hazard, test in REFERENCES if not proving(test, collected)]
    assert not missing, "named in data/hazard_log.yaml but not collected by pytest:\n" + "\n".join(missing)


def test_no_named_test_is_skipped_or_expected_to_fail(collected: dict[str, list[str]]) -> None:
    """No test that proves a control carries a skip, a skipif that holds, or an xfail: each one runs and must pass."""
    marked = [f"{hazard}: {node} ({', '.join(collected[node])})"
              for hazard, test in REFERENCES for node in proving(test, collected) if collected[node]]  # fmt: skip
    assert not marked, "\n".join(marked)
