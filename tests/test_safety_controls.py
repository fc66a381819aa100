"""Controls named in the hazard log that had no test of their own (data/hazard_log.yaml): withdrawn
and discouraged options are never offered, a picture that is not cervical insufficiency is named
with nothing offered beside it, every command-line report names the knowledge-base version and
review date, and the review falls due."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from dashboard.assess import AllAssessments, assess_all
from dashboard.case import Case, case_from_dict
from dashboard.cli import main
from dashboard.kb import GUIDELINES, default_knowledge_base
from dashboard.safety import review_due, review_overdue
from dashboard.views import bottom_line_markdown, md_text
from tests.strategies import cases
from tests.test_bottom_line_consistency import grid

KB = default_knowledge_base()
# 17-OHPC (FDA withdrawal, April 2023), the cervical pessary (TOPS: no benefit, more fetal and
# newborn deaths) and activity restriction (ACOG Level B: discouraged) are never an option.
NEVER_OFFERED = ("hydroxyprogesterone_caproate", "cervical_pessary", "activity_restriction")
OFFERING = {"recommended", "consider"}
CERCLAGE = frozenset(tid for tid, t in KB.treatments.items() if t.group == "cerclage")
ACUTE = Path(__file__).parent / "scenarios" / "acute_painless_dilation_20_weeks.json"
# One finding recorded on the acute painless dilation case, and the picture it is instead.
PICTURES = {
    "preterm-labour": (("exclusions", "labour", "present"), "OP-PRETERM-LABOUR"),
    "contractions": (("symptoms", "mild_contractions", "present"), "OP-CONTRACTIONS"),
    "pprom": (("exclusions", "ruptured_membranes", "present"), "OP-PPROM"),
    "chorioamnionitis": (("exclusions", "clinical_chorioamnionitis", "present"), "OP-INFECTION"),
    "infection-on-amniocentesis": (("exclusions", "amniocentesis", "infection_found"), "OP-INFECTION"),
    "bleeding-or-abruption": (("exclusions", "bleeding_or_abruption", "present"), "OP-BLEEDING"),
    "fetal-demise": (("fetal", "fetal_demise", "present"), "OP-FETAL-DEMISE"),
}


def offers_of_the_never_offered(result: AllAssessments) -> list[str]:
    """Every place a withdrawn or discouraged option is offered: its status, or the bottom line."""
    found = []
    for g in GUIDELINES:
        a = result.guidelines[g]
        assert set(NEVER_OFFERED) <= {t.treatment for t in a.treatments}, g  # each has a status to check
        found += [f"{g}: {t.treatment} {t.status}" for t in a.treatments
                  if t.treatment in NEVER_OFFERED and t.status in OFFERING]  # fmt: skip
        found += [f"{g}: bottom line offers {i.treatment}" for i in a.bottom_line.offered
                  if i.treatment in NEVER_OFFERED]  # fmt: skip
    return found


def test_withdrawn_and_discouraged_options_are_never_offered_on_the_grid() -> None:
    """On every case of the covering grid, no guideline offers 17-OHPC, a pessary or activity restriction."""
    cases_seen = grid()
    assert len(cases_seen) > 1000
    bad = [f"{found} for {axes}" for axes, case in cases_seen
           for found in offers_of_the_never_offered(assess_all(case))]  # fmt: skip
    assert not bad, "\n".join(bad[:10])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_withdrawn_and_discouraged_options_are_never_offered_on_any_case(case: Case) -> None:
    """On any valid case, no guideline offers 17-OHPC, a pessary or activity restriction."""
    assert offers_of_the_never_offered(assess_all(case)) == []


def acute_case_with(section: str, field: str, value: str) -> Case:
    doc: dict[str, Any] = copy.deepcopy(json.loads(ACUTE.read_bytes()))
    doc.setdefault(section, {})[field] = value
    return case_from_dict(doc)


@pytest.mark.parametrize("picture", PICTURES)
def test_an_out_of_scope_picture_is_named_and_no_cerclage_is_offered(picture: str) -> None:
    """Recorded on a painless dilation, each other picture leads every guideline's bottom line, named with
    its cited guidance, and nothing (no cerclage above all) is offered beside it."""
    (section, field, value), rule_id = PICTURES[picture]
    result = assess_all(acute_case_with(section, field, value))
    for g in GUIDELINES:
        a = result.guidelines[g]
        line = a.bottom_line
        assert line.state == "other_picture", g
        named = {p.rule_id: p for p in line.other_pictures}
        assert rule_id in named and named[rule_id].citations, g
        assert line.offered == [], g
        assert not [t.treatment for t in a.treatments if t.treatment in CERCLAGE and t.status in OFFERING], g
        assert md_text(named[rule_id].title) in bottom_line_markdown(line, lambda status, text=None: text or status), g


def test_the_painless_dilation_itself_is_not_another_picture() -> None:
    """Without any such finding the same case is no other picture: the test above changes one finding only."""
    result = assess_all(case_from_dict(json.loads(ACUTE.read_bytes())))
    assert all(result.guidelines[g].bottom_line.other_pictures == [] for g in GUIDELINES)


@pytest.mark.parametrize("form", ["text", "json"])
def test_every_command_line_report_names_the_knowledge_base_version_and_review_date(form: str) -> None:
    """The command line's text and JSON reports name the knowledge-base version and the date it was last reviewed."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["assess", str(ACUTE), "--format", form], out=out, err=err) == 0, err.getvalue()
    meta = KB.meta
    if form == "json":
        assert json.loads(out.getvalue())["knowledge_base"] == {
            "version": meta.version, "last_reviewed": meta.last_reviewed.isoformat()
        }  # fmt: skip
    else:
        assert f"Knowledge base {meta.version}, last reviewed {meta.last_reviewed.isoformat()}." in out.getvalue()


def test_a_review_is_due_one_interval_after_the_last_and_overdue_after_that() -> None:
    """The next knowledge-base review is due one interval after the last; only the day after is it overdue."""
    last = dt.date(2026, 12, 7)
    assert review_due(last, 365) == dt.date(2027, 12, 7)
    assert not review_overdue(last, 365, dt.date(2027, 12, 7))
    assert review_overdue(last, 365, dt.date(2027, 12, 8))
