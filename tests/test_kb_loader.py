"""The knowledge-base loader refuses a broken knowledge base, naming the file, the entry and the field.

Each test copies data/ to a temporary directory, breaks one thing in one file, and loads the copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard.kb import DATA_DIR, KnowledgeBase, KnowledgeBaseError, load_knowledge_base

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of data/ to break."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def edit(path: Path, change: Callable[[Any], None]) -> None:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    change(doc)
    path.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def entry(doc: dict[str, Any], key: str, entry_id: str) -> dict[str, Any]:
    return next(e for e in doc[key] if e.get("id") == entry_id)


def rule_in(data: Path, file: str, rule_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    edit(data / "rules" / file, lambda doc: change(entry(doc, "rules", rule_id)))


def load_error(data: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(data)
    return str(caught.value)


def assert_names(message: str, *parts: str) -> None:
    missing = [p for p in parts if p not in message]
    assert not missing, f"{missing} not named in: {message}"


# --------------------------------------------------------------------------- loads


def test_shipped_knowledge_base_loads() -> None:
    """The knowledge base in data/ loads, with rules, references and nine treatments."""
    kb = load_knowledge_base()
    assert isinstance(kb, KnowledgeBase)
    assert (len(kb.rules) > 0, len(kb.references) > 0, len(kb.treatments)) == (True, True, 9)


def test_unchanged_copy_loads(data: Path) -> None:
    """A copy of data/ rewritten through the YAML round trip still loads (the breakage tests start from it)."""
    edit(data / "rules" / "acog.yaml", lambda doc: None)
    assert load_knowledge_base(data).rule("ACOG-USI").guideline == "acog"


# --------------------------------------------------------------------------- citations and references


def test_unknown_reference_in_a_rule_citation_is_refused(data: Path) -> None:
    """A rule citing a reference id that references.yaml does not hold is refused."""
    rule_in(data, "acog.yaml", "ACOG-USI", lambda r: r["citations"][0].update(ref="NO-SUCH-REF"))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-USI", "citations[0].ref", "NO-SUCH-REF")


def test_rule_without_citations_is_refused(data: Path) -> None:
    """A rule with an empty citation list is refused."""
    rule_in(data, "acog.yaml", "ACOG-USI", lambda r: r.update(citations=[]))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-USI", "citations")


def test_duplicate_rule_id_is_refused(data: Path) -> None:
    """A second rule with an id already used in another file is refused in the file that repeats it."""
    acog = yaml.load((data / "rules" / "acog.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    original = entry(acog, "rules", "ACOG-USI")
    edit(data / "rules" / "rcog.yaml", lambda doc: doc["rules"].append(dict(original, guideline="rcog")))
    assert_names(load_error(data), "rules/rcog.yaml", "ACOG-USI", "field id", "duplicate")


def test_duplicate_reference_id_is_refused(data: Path) -> None:
    """A reference id listed twice in references.yaml is refused."""
    def duplicate(doc: dict[str, Any]) -> None:
        doc["references"].append(dict(doc["references"][0]))

    edit(data / "references.yaml", duplicate)
    first = yaml.load((data / "references.yaml").read_text(encoding="utf-8"), Loader=_Loader)["references"][0]["id"]
    assert_names(load_error(data), "references.yaml", first, "field id", "duplicate")


def test_reference_without_doi_pmid_or_url_is_refused(data: Path) -> None:
    """A reference that cannot be found (no DOI, PMID, issuer's URL or page it was read at) is refused."""
    def strip(doc: dict[str, Any]) -> None:
        for key in ("doi", "pmid", "url", "read_at"):
            doc["references"][0].pop(key, None)

    edit(data / "references.yaml", strip)
    first = yaml.load((data / "references.yaml").read_text(encoding="utf-8"), Loader=_Loader)["references"][0]["id"]
    assert_names(load_error(data), "references.yaml", first, "doi", "pmid", "url", "read_at")


# --------------------------------------------------------------------------- conditions


def test_unknown_fact_is_refused(data: Path) -> None:
    """A condition testing a fact that facts.py does not define is refused."""
    rule_in(data, "acog.yaml", "ACOG-SHORT-CERVIX", lambda r: r["condition"].update(fact="cervix_on_a_hunch"))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-SHORT-CERVIX", "condition.fact", "cervix_on_a_hunch")


def test_wrong_unit_is_refused(data: Path) -> None:
    """A cervical-length threshold written in cm (the fact is in mm) is refused."""
    rule_in(data, "acog.yaml", "ACOG-SHORT-CERVIX", lambda r: r["condition"].update(unit="cm"))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-SHORT-CERVIX", "condition.unit", "mm")


def test_cervical_length_threshold_outside_plausible_range_is_refused(data: Path) -> None:
    """A cervical-length threshold of 250 mm is refused as implausible."""
    rule_in(data, "acog.yaml", "ACOG-SHORT-CERVIX", lambda r: r["condition"].update(value=250))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-SHORT-CERVIX", "condition.value", "250", "plausible")


def test_gestational_age_threshold_outside_plausible_range_is_refused(data: Path) -> None:
    """A gestational-age threshold of 45+0 weeks is refused, naming the file and the rule."""
    rule_in(data, "common.yaml", "DX-PE-SECOND-TRIMESTER", lambda r: r["condition"]["all"][1].update(value="45+0"))
    assert_names(load_error(data), "rules/common.yaml", "DX-PE-SECOND-TRIMESTER")


def test_gestational_age_threshold_outside_plausible_range_names_the_field(data: Path) -> None:
    """A gestational-age threshold of 45+0 weeks is refused with the condition path and the value."""
    rule_in(data, "common.yaml", "DX-PE-SECOND-TRIMESTER", lambda r: r["condition"]["all"][1].update(value="45+0"))
    assert_names(load_error(data), "rules/common.yaml", "DX-PE-SECOND-TRIMESTER", "condition.all[1].value", "45+0")


def test_numeric_operator_on_a_present_absent_fact_is_refused(data: Path) -> None:
    """A present/absent fact compared with 'ge' is refused, and the message says which operators it takes."""
    rule_in(data, "common.yaml", "EXC-LABOUR", lambda r: r["condition"].update(op="ge"))
    assert_names(load_error(data), "rules/common.yaml", "EXC-LABOUR", "condition", "op is/is_not")


def test_reference_to_a_missing_rule_is_refused(data: Path) -> None:
    """A {rule: X} condition naming a rule that does not exist is refused."""
    rule_in(data, "acog.yaml", "ACOG-TX-HIC-RECOMMENDED", lambda r: r.update(condition={"rule": "ACOG-NO-SUCH-RULE"}))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-TX-HIC-RECOMMENDED", "field condition", "ACOG-NO-SUCH-RULE")


def test_rules_referring_to_each_other_in_a_loop_are_refused(data: Path) -> None:
    """Two rules whose conditions refer to each other are refused as a loop."""
    rule_in(data, "acog.yaml", "ACOG-HIC", lambda r: r.update(condition={"rule": "ACOG-TX-HIC-RECOMMENDED"}))
    assert_names(load_error(data), "rules/acog.yaml", "ACOG-HIC", "field condition", "loop", "ACOG-TX-HIC-RECOMMENDED")


def test_fact_written_as_a_list_is_refused(data: Path) -> None:
    """A condition whose fact is written as a list is refused as a knowledge-base error, not a crash."""
    rule_in(data, "common.yaml", "EXC-LABOUR", lambda r: r["condition"].update(fact=["labour"]))
    assert_names(load_error(data), "rules/common.yaml", "EXC-LABOUR", "condition.fact")


# --------------------------------------------------------------------------- treatments


@pytest.mark.parametrize(
    ("file", "rule_id", "field"),
    [
        ("acog.yaml", "ACOG-TX-17OHPC", "treatments"),
        ("common.yaml", "CI-LABOUR", "blocks"),
        ("acog.yaml", "ACOG-WIN-HIC", "applies_to"),
    ],
)
def test_unknown_treatment_id_is_refused(data: Path, file: str, rule_id: str, field: str) -> None:
    """A rule that names a treatment id treatments.yaml does not hold is refused."""
    rule_in(data, file, rule_id, lambda r: r[field].append("leeches"))
    assert_names(load_error(data), f"rules/{file}", rule_id, f"field {field}", "leeches")


def test_cross_reference_error_names_the_file_that_holds_the_rule(data: Path) -> None:
    """An unknown treatment is reported in the rule's own file even when another file has a rule whose id extends it."""
    def add_lookalike(doc: dict[str, Any]) -> None:
        doc["rules"].append(dict(entry(doc, "rules", "ACOG-DEF"), id="CI-LABOUR-ACOG-VIEW"))

    edit(data / "rules" / "acog.yaml", add_lookalike)
    rule_in(data, "common.yaml", "CI-LABOUR", lambda r: r["blocks"].append("leeches"))
    assert load_error(data).split(": entry ")[0].endswith("rules/common.yaml")


def test_evidence_estimate_outside_its_confidence_interval_is_refused(data: Path) -> None:
    """An effect estimate lying outside its own 95% confidence interval is refused."""
    found: dict[str, Any] = {}

    def break_first_effect(doc: dict[str, Any]) -> None:
        for treatment in doc["treatments"]:
            for index, item in enumerate(treatment["evidence"]):
                if item.get("measure", "none") != "none":
                    item["estimate"] = item["ci_high"] + 1
                    found.update(treatment=treatment["id"], index=index)
                    return

    edit(data / "treatments.yaml", break_first_effect)
    assert_names(load_error(data), "treatments.yaml", found["treatment"], f"evidence.{found['index']}", "outside")


# --------------------------------------------------------------------------- files


def test_invalid_yaml_is_refused_naming_the_file(data: Path) -> None:
    """A rules file that is not valid YAML is refused, naming the file."""
    (data / "rules" / "nice.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    assert_names(load_error(data), "rules/nice.yaml", "not valid YAML")


def test_missing_file_is_refused_naming_the_file(data: Path) -> None:
    """A knowledge base without its references file is refused, naming the file."""
    (data / "references.yaml").unlink()
    assert_names(load_error(data), "references.yaml", "missing")


def test_a_key_repeated_in_a_rule_is_refused_naming_file_line_and_key(data: Path) -> None:
    """A second 'value' in one rule's test (a 25 mm threshold silently read as 15) is refused by name."""
    path = data / "rules" / "acog.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{fact: shortest_cervical_length_14_to_before_24_weeks, op: lt, value: 25, unit: mm}"
    assert old in text
    path.write_text(text.replace(old, old[:-1] + ", value: 15}", 1), encoding="utf-8")
    assert_names(load_error(data), "rules/acog.yaml", "line", "'value' appears twice")


def test_a_byte_that_is_not_utf8_is_refused_naming_file_and_offset(data: Path) -> None:
    """One non-UTF-8 byte in a data file is a named knowledge-base error, never a traceback."""
    path = data / "references.yaml"
    raw = path.read_bytes()
    path.write_bytes(raw[:100] + b"\xff" + raw[100:])
    assert_names(load_error(data), "references.yaml", "not UTF-8", "byte 100", "0xff")
