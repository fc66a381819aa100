"""Teaching cases for residents: a vignette, questions answered before the reveal, cited points.

Loaded and checked like the rest of the knowledge base: every case must be a valid case
file and every point must cite a known reference with a locator.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dashboard.assess import AllAssessments, TreatmentResult
from dashboard.case import Case, CaseError, case_from_dict
from dashboard.kb import DATA_DIR, Citation, KnowledgeBase, KnowledgeBaseError

Question = Literal["diagnosis", "cerclage_acog", "cerclage_rcog", "cerclage_nice", "transabdominal_rcog"]

TREATMENT_STATUSES = (
    "recommended",
    "consider",
    "not_recommended",
    "contraindicated",
    "not_applicable",
    "insufficient_data",
)
# A question about one option's status: question id -> (treatment id, guideline).
TREATMENT_QUESTIONS = {"transabdominal_rcog": ("transabdominal_cerclage", "rcog")}

QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "diagnosis": ("Does she meet the criteria for cervical insufficiency?", ("met", "not_met", "insufficient_data")),
    "cerclage_acog": (
        "Cerclage indication under ACOG?",
        ("history", "ultrasound", "physical_exam", "none", "insufficient_data"),
    ),
    "cerclage_rcog": (
        "Cerclage indication under RCOG?",
        ("history", "ultrasound", "physical_exam", "none", "insufficient_data"),
    ),
    "cerclage_nice": (
        "Cerclage indication under NICE?",
        ("history", "ultrasound", "physical_exam", "none", "insufficient_data"),
    ),
    "transabdominal_rcog": ("Transabdominal cerclage in this pregnancy, under RCOG?", TREATMENT_STATUSES),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Strict):
    text: str
    citations: Annotated[list[Citation], Field(min_length=1)]


class TeachingCase(_Strict):
    id: str
    title: str
    level: Literal["core", "advanced"]
    vignette: str
    case: dict[str, Any]
    questions: list[Question]
    points: Annotated[list[Point], Field(min_length=1)]

    def as_case(self) -> Case:
        return case_from_dict(self.case)


def answer(result: AllAssessments, question: str) -> str:
    """The engine's answer to one teaching question."""
    if question == "diagnosis":
        return result.guidelines["acog"].diagnosis.status
    if question in TREATMENT_QUESTIONS:
        return treatment_answer(result, question).status
    return result.guidelines[question.split("_", 1)[1]].cerclage.indication


def open_answer_note(result: AllAssessments, question: str, guess: str | None) -> str | None:
    """What to tell a resident who answered 'no indication' where the answer is still open.

    Nothing recorded meets an indication yet, so 'no indication' is right about the present; the
    engine's answer stays 'insufficient data' because an unknown answer (often a scan whose
    window has not opened) could still meet one. That is a different mistake from a wrong
    verdict, and the note says which answers would decide it.
    """
    if guess != "none" or question not in QUESTIONS or not question.startswith("cerclage_"):
        return None
    if answer(result, question) != "insufficient_data":
        return None
    g = question.split("_", 1)[1]
    deciding = [m.label for m in result.guidelines[g].missing if "cerclage indication" in m.affects]
    return (
        "Nearly: no indication is met on what is recorded now, but the question stays open"
        + (f" until these are known: {'; '.join(deciding)}." if deciding else ".")
    )


def treatment_answer(result: AllAssessments, question: str) -> TreatmentResult:
    """The option a treatment question asks about, as the engine assessed it."""
    treatment, guideline = TREATMENT_QUESTIONS[question]
    return next(t for t in result.guidelines[guideline].treatments if t.treatment == treatment)


def load_teaching(kb: KnowledgeBase, path: Path | None = None) -> list[TeachingCase]:
    path = path or DATA_DIR / "teaching.yaml"
    rel = f"data/{path.name}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{rel}: cannot be read: {exc}") from None
    out = []
    for i, item in enumerate((raw or {}).get("cases", [])):
        name = item.get("id", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
        try:
            tc = TeachingCase.model_validate(item)
            tc.as_case()
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in err["loc"])
            raise KnowledgeBaseError(f"{rel}: entry {name}: field {field}: {err['msg']}") from None
        except CaseError as exc:
            raise KnowledgeBaseError(f"{rel}: entry {name}: field case: {exc}") from None
        for j, point in enumerate(tc.points):
            for k, c in enumerate(point.citations):
                if c.ref not in kb.references:
                    raise KnowledgeBaseError(
                        f"{rel}: entry {name}: field points[{j}].citations[{k}].ref: unknown reference id '{c.ref}'"
                    )
        out.append(tc)
    return out


@lru_cache(maxsize=1)
def _cached(kb_id: int) -> tuple[TeachingCase, ...]:
    from dashboard.kb import default_knowledge_base

    return tuple(load_teaching(default_knowledge_base()))


def teaching_cases() -> tuple[TeachingCase, ...]:
    """The shipped teaching cases, loaded once per process."""
    return _cached(0)
