"""The command line: ``python -m dashboard assess CASE.json`` and ``python -m dashboard schema``."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import dashboard.cli
from dashboard.case import case_json_schema
from dashboard.cli import EXIT_BROKEN_KB, EXIT_INVALID_CASE, main
from dashboard.kb import GUIDELINE_NAMES, GUIDELINES, KnowledgeBaseError
from tests.strategies import births, ga, scan

# Painless dilation at 20 weeks after an earlier painless loss: every section of the report has content.
CASE = {
    "gestational_age": ga("20+0"),
    "fetuses": 1,
    "history": {"painless_second_trimester_losses": births("19+0"), "spontaneous_preterm_births": []},
    "exam": {"cervical_dilation_cm": 2.0, "membranes_at_or_beyond_os": "present"},
    "ultrasound": {"cervical_lengths": [scan("18+0", 22.0)]},
    "exclusions": {"labour": "absent", "bleeding_or_abruption": "absent", "ruptured_membranes": "absent"},
}


def write(tmp_path: Path, doc: Any, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- assess


def test_json_format_reports_every_guideline_and_the_knowledge_base(tmp_path: Path) -> None:
    """--format json prints one JSON document with all three guidelines and the knowledge-base version."""
    code, out, _ = run("assess", str(write(tmp_path, CASE)), "--guideline", "all", "--format", "json")
    payload = json.loads(out)
    assert (code, sorted(payload["guidelines"]), bool(payload["knowledge_base"]["version"])) == (
        0,
        sorted(GUIDELINES),
        True,
    )


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_json_format_for_one_guideline(tmp_path: Path, guideline: str) -> None:
    """--guideline with --format json prints that guideline's assessment alone."""
    code, out, _ = run("assess", str(write(tmp_path, CASE)), "--guideline", guideline, "--format", "json")
    payload = json.loads(out)
    assert (code, payload["guideline"], payload["diagnosis"]["status"]) == (0, guideline, "met")


@pytest.mark.parametrize("guideline", GUIDELINES)
def test_text_format_for_one_guideline(tmp_path: Path, guideline: str) -> None:
    """--guideline with --format text prints that guideline's section only, with numbered references."""
    code, out, _ = run("assess", str(write(tmp_path, CASE)), "--guideline", guideline, "--format", "text")
    headers = [line for line in out.splitlines() if line.startswith("== ")]
    assert (code, headers) == (0, ["== Bottom line ==", f"== {GUIDELINE_NAMES[guideline]} =="])
    assert "\nReferences\n" in out


def test_text_format_for_all_guidelines_is_the_default(tmp_path: Path) -> None:
    """Without options the command prints readable text for all three guidelines."""
    code, out, _ = run("assess", str(write(tmp_path, CASE)))
    headers = [line for line in out.splitlines() if line.startswith("== ") and "differ" not in line]
    assert (code, headers) == (0, ["== Bottom line ==", *(f"== {GUIDELINE_NAMES[g]} ==" for g in GUIDELINES)])
    assert out.startswith("Cervical insufficiency assessment")


def test_text_report_lists_the_references_it_cites(tmp_path: Path) -> None:
    """Every [n] cited in the text report appears in its reference list."""
    _, out, _ = run("assess", str(write(tmp_path, CASE)), "--guideline", "acog")
    body, _, references = out.partition("\nReferences\n")
    cited = {int(n) for group in re.findall(r"\[([\d, ]+)\]", body) for n in group.split(",")}
    listed = {int(line.split("]")[0].strip(" [")) for line in references.splitlines() if line.strip().startswith("[")}
    assert cited and cited == listed


# --------------------------------------------------------------------------- failures


def test_invalid_case_file_exits_2_naming_each_bad_field(tmp_path: Path) -> None:
    """An invalid case file exits 2 with one line per bad field."""
    bad = dict(CASE, fetuses=0, name="Jane Doe", gestational_age={"weeks": 43, "days": 0})
    path = write(tmp_path, bad)
    code, out, err = run("assess", str(path))
    assert (code, out) == (EXIT_INVALID_CASE, "")
    assert str(path) in err
    for field in ("fetuses", "name", "gestational_age.weeks"):
        assert f"  {field}: " in err


def test_file_that_is_not_json_exits_2(tmp_path: Path) -> None:
    """A file that is not JSON exits 2 with a message, not a traceback."""
    path = tmp_path / "case.json"
    path.write_bytes(b"\x00\x01 not json")
    code, _, err = run("assess", str(path))
    assert code == EXIT_INVALID_CASE and "(file)" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    """A case file that does not exist exits 2, naming the file."""
    path = tmp_path / "no-such-case.json"
    code, _, err = run("assess", str(path))
    assert code == EXIT_INVALID_CASE and str(path) in err


def test_broken_knowledge_base_exits_3_with_its_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A knowledge base that cannot be loaded exits 3 and passes on the loader's message."""
    message = "data/rules/acog.yaml: entry ACOG-USI: field citations[0].ref: unknown reference id 'X'"

    def broken() -> None:
        raise KnowledgeBaseError(message)

    monkeypatch.setattr(dashboard.cli, "default_knowledge_base", broken)
    code, out, err = run("assess", str(write(tmp_path, CASE)))
    assert (code, out) == (EXIT_BROKEN_KB, "")
    assert message in err


# --------------------------------------------------------------------------- schema and the module entry point


def test_schema_subcommand_prints_the_case_schema() -> None:
    """`schema` prints the case file's JSON Schema as valid JSON."""
    code, out, _ = run("schema")
    assert (code, json.loads(out)) == (0, case_json_schema())


def test_module_runs_as_a_program(tmp_path: Path, repo_root: Path) -> None:
    """`python -m dashboard assess CASE.json` runs in a fresh interpreter and prints the report."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "assess", str(write(tmp_path, CASE)), "--format", "json"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(json.loads(done.stdout)["guidelines"]) == sorted(GUIDELINES)


def test_module_reports_an_invalid_file_without_a_traceback(tmp_path: Path, repo_root: Path) -> None:
    """`python -m dashboard assess` on an invalid file exits 2 with field messages and no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "assess", str(write(tmp_path, {"mrn": "12345"}))],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, "Traceback" in done.stderr) == (EXIT_INVALID_CASE, False)
    assert "  mrn: " in done.stderr


def test_a_met_indication_whose_option_has_closed_says_so_in_the_text_report(tmp_path: Path) -> None:
    """At 24+0 ACOG's ultrasound indication is met on a 23+6 scan, and the line says the option is not open now."""
    doc = {
        "gestational_age": ga("24+0"),
        "fetuses": 1,
        "history": {"painless_second_trimester_losses": [], "spontaneous_preterm_births": births("32+0")},
        "ultrasound": {"cervical_lengths": [scan("23+6", 20.0)]},
    }
    code, out, _ = run("assess", str(write(tmp_path, doc)), "--guideline", "acog", "--format", "text")
    [line] = [line for line in out.splitlines() if line.startswith("  - Ultrasound-indicated cerclage (ACOG)")]
    assert code == 0
    assert "MET (for this case now: not applicable; see the options below)" in line
