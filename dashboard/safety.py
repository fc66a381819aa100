"""The clinical safety file, in the style of NHS DCB0129: scope, review status and the hazard log.

``data/safety.yaml`` says what the tool is for, for whom, what it is not for, how far it has
been reviewed and how to report a problem; ``data/hazard_log.yaml`` holds the hazards, each
with its cause, effect, DCB0129 severity and likelihood, the risk rating they give, the
controls in the product and the tests that prove each control. Both are checked once, at
load, with messages that name the file, the entry and the field (like the knowledge base).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dashboard.kb import DATA_DIR, parse_yaml
from dashboard.views import md_text

# DCB0129's five-point scales, mildest first (NHS Digital, DCB0129 implementation guidance).
SEVERITIES: tuple[str, ...] = ("minor", "significant", "considerable", "major", "catastrophic")
LIKELIHOODS: tuple[str, ...] = ("very_low", "low", "medium", "high", "very_high")
Severity = Literal["minor", "significant", "considerable", "major", "catastrophic"]
Likelihood = Literal["very_low", "low", "medium", "high", "very_high"]

# DCB0129's risk matrix: the clinical risk rating (1 lowest, 5 highest) for each likelihood
# (row) and severity (column, in SEVERITIES order), as in NHS Digital's guidance.
RISK_MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "very_high": (3, 4, 4, 5, 5),
    "high": (2, 3, 3, 4, 5),
    "medium": (2, 2, 3, 3, 4),
    "low": (1, 2, 2, 3, 4),
    "very_low": (1, 1, 2, 2, 3),
}
RISK_MEANING: dict[int, str] = {
    5: "Unacceptable level of risk.",
    4: "Mandatory elimination or control to reduce the risk to an acceptable level.",
    3: "Undesirable: acceptable only when further risk reduction is impractical.",
    2: "Acceptable where the cost of further reduction outweighs the benefit gained.",
    1: "Acceptable, no further action required.",
}
SEVERITY_MEANING: dict[str, str] = {  # DCB0129's examples, shortened
    "catastrophic": "Death, or permanent life-changing harm, of several patients.",
    "major": "Death or permanent life-changing harm of one patient; severe injury of several.",
    "considerable": "Severe injury from which one patient recovers in the short term; minor injury of several.",
    "significant": "Minor injury of one patient from which recovery is not short; minor injury of several.",
    "minor": "Minor injury from which one patient recovers in the short term; inconvenience.",
}
LIKELIHOOD_MEANING: dict[str, str] = {
    "very_high": "Certain or almost certain; highly likely to occur.",
    "high": "Not certain but very possible; reasonably expected in most cases.",
    "medium": "Possible.",
    "low": "Could occur, but on the great majority of occasions will not.",
    "very_low": "Negligible or nearly negligible possibility of occurring.",
}
STATUS_WORDS = {"open": "Open", "controlled": "Controlled"}


def scale_words(value: str) -> str:
    """'very_low' -> 'Very low'."""
    return value.replace("_", " ").capitalize()


def risk_rating(severity: str, likelihood: str) -> int:
    """The DCB0129 matrix's rating for a severity and a likelihood."""
    return RISK_MATRIX[likelihood][SEVERITIES.index(severity)]


class SafetyFileError(Exception):
    """A safety file that cannot be used; the message names the file, the entry and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, Field(min_length=1)]


class Control(_Strict):
    control: Text
    tests: Annotated[list[Text], Field(min_length=1)]  # test ids: path::function[param]


class Hazard(_Strict):
    id: Annotated[str, Field(pattern=r"^HAZ-\d{2,}$")]
    title: Text
    cause: Text
    effect: Text
    severity: Severity
    likelihood: Likelihood  # before the controls
    risk: Annotated[int, Field(ge=1, le=5)]
    residual_likelihood: Likelihood  # with the controls in place
    residual_risk: Annotated[int, Field(ge=1, le=5)]
    controls: Annotated[list[Control], Field(min_length=1)]
    status: Literal["open", "controlled"]
    residual: str = ""  # what remains, in words
    deployer: str = ""  # what the deploying organisation must do (DCB0160)

    @model_validator(mode="after")
    def _ratings_follow_the_matrix(self) -> Hazard:
        for field, likelihood, given in (
            ("risk", self.likelihood, self.risk),
            ("residual_risk", self.residual_likelihood, self.residual_risk),
        ):
            want = risk_rating(self.severity, likelihood)
            if given != want:
                raise ValueError(
                    f"{field} {given} is not the DCB0129 rating for {self.severity} severity and "
                    f"{likelihood} likelihood ({want})"
                )
        if LIKELIHOODS.index(self.residual_likelihood) > LIKELIHOODS.index(self.likelihood):
            raise ValueError("residual_likelihood is higher than the likelihood before the controls")
        return self


class HazardLog(_Strict):
    version: int
    hazards: Annotated[list[Hazard], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_are_unique(self) -> HazardLog:
        ids = [h.id for h in self.hazards]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"hazard ids used twice: {', '.join(twice)}")
        return self


class ReviewItem(_Strict):
    item: Text
    reviewed_by: Text
    status: Text


class Review(_Strict):
    status: Literal["draft", "signed_off"]
    headline: Text
    items: Annotated[list[ReviewItem], Field(min_length=1)]


class Route(_Strict):
    route: Text
    contact: Text


class Report(_Strict):
    intro: Text
    routes: Annotated[list[Route], Field(min_length=1)]
    placeholder: Text


class SafetyFile(_Strict):
    version: int
    intended_use: Text
    users: Annotated[list[Text], Field(min_length=1)]
    population: Annotated[list[Text], Field(min_length=1)]
    out_of_scope: Annotated[list[Text], Field(min_length=1)]
    review: Review
    review_interval_days: Annotated[int, Field(ge=1)]
    report: Report


@dataclass(frozen=True)
class Safety:
    file: SafetyFile
    log: HazardLog


def _read(path: Path, model: type[_Strict]) -> _Strict:
    name = path.name
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise SafetyFileError(f"data/{name}: cannot be read ({type(exc).__name__}: {exc})") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            loc = list(err["loc"])
            entry = ""
            if loc[:1] == ["hazards"] and len(loc) > 1 and isinstance(loc[1], int):
                hazards = raw.get("hazards") if isinstance(raw, dict) else None
                item = hazards[loc[1]] if isinstance(hazards, list) and loc[1] < len(hazards) else None
                entry = f"entry {item.get('id') if isinstance(item, dict) else '#' + str(loc[1] + 1)}: "
                loc = loc[2:]
            field = ".".join(str(p) for p in loc) or "(entry)"
            lines.append(f"data/{name}: {entry}field {field}: {err['msg'].removeprefix('Value error, ')}")
        raise SafetyFileError("\n".join(lines)) from None


def load_safety(data_dir: Path | None = None) -> Safety:
    """Read and check data/safety.yaml and data/hazard_log.yaml; raises SafetyFileError when broken."""
    root = Path(data_dir) if data_dir else DATA_DIR
    file = _read(root / "safety.yaml", SafetyFile)
    log = _read(root / "hazard_log.yaml", HazardLog)
    assert isinstance(file, SafetyFile) and isinstance(log, HazardLog)
    return Safety(file, log)


@lru_cache(maxsize=1)
def default_safety() -> Safety:
    """The shipped safety file, loaded once per process."""
    return load_safety()


# --------------------------------------------------------------------------- review dates


def today() -> dt.date:
    """Today's date (one place, so a test can move the clock)."""
    return dt.date.today()


def review_due(last_reviewed: dt.date, interval_days: int) -> dt.date:
    """When the knowledge base is next due to be checked against its sources."""
    return last_reviewed + dt.timedelta(days=interval_days)


def review_overdue(last_reviewed: dt.date, interval_days: int, today: dt.date) -> bool:
    """Whether today is past the date the next review was due."""
    return today > review_due(last_reviewed, interval_days)


# --------------------------------------------------------------------------- rendering (plain Markdown)


HAZARD_FIELDS = ("Hazard", "Cause", "Effect", "Severity", "Likelihood", "Risk", "Controls", "Tests", "Status")


def hazard_rows(h: Hazard) -> list[tuple[str, str]]:
    """One hazard as (field, Markdown) rows, for a two-column table that reads on any screen:
    hazard, cause, effect, severity, likelihood, risk, controls, tests, status.

    Likelihood and risk read "before the controls → with them". Controls are numbered, and the
    tests marked with the same number prove that control.
    """
    status = f"**{STATUS_WORDS[h.status]}**"
    if h.residual:
        status += f"\n\nRemains: {md_text(h.residual)}"
    if h.deployer:
        status += f"\n\nDeploying organisation: {md_text(h.deployer)}"
    values = (
        f"**{md_text(h.title)}**",
        md_text(h.cause),
        md_text(h.effect),
        scale_words(h.severity),
        f"{scale_words(h.likelihood)} → {scale_words(h.residual_likelihood).lower()}",
        f"**{h.risk} → {h.residual_risk}**",
        "\n".join(f"{n}. {md_text(c.control)}" for n, c in enumerate(h.controls, start=1)),
        "\n".join(f"- ({n}) {test_words(t)}" for n, c in enumerate(h.controls, start=1) for t in c.tests),
        status,
    )
    return list(zip(HAZARD_FIELDS, values, strict=True))


def test_words(test_id: str) -> str:
    """A test id as a reader takes it in, in Markdown: its file (without ``tests/``), then what it checks,
    in words. ``tests/test_rules.py::test_before_24_weeks_means_up_to_23_plus_6[x]`` reads
    "`test_rules.py` before 24 weeks means up to 23 plus 6 [x]" and a scenario parameter
    ``[twins_acute_dilation]`` reads "[twins acute dilation]". The words wrap on a phone, where the
    id itself would not; data/hazard_log.yaml keeps the exact id."""
    path, _, rest = test_id.partition("::")
    name, bracket, param = rest.partition("[")
    *classes, function = name.split("::")
    words = " ".join([*(c.removeprefix("Test") for c in classes), function.removeprefix("test_").replace("_", " ")])
    if bracket:  # a parameter, e.g. a scenario file's name, in words too
        words += f" [{param.removesuffix(']').replace('_', ' ')}]"
    return f"`{path.removeprefix('tests/')}` {md_text(words)}"


def matrix_rows() -> list[dict[str, str]]:
    """DCB0129's 5x5 matrix for ``st.table``: severity down (worst first), likelihood across (narrow
    enough for a phone); each cell the rating."""
    return [
        {"Severity": scale_words(severity)}
        | {scale_words(likelihood): str(risk_rating(severity, likelihood)) for likelihood in LIKELIHOODS}
        for severity in reversed(SEVERITIES)
    ]


def hazards_by_residual_risk(log: HazardLog) -> list[tuple[int, list[str]]]:
    """The hazard ids at each risk rating with the controls in place, highest first."""
    at: dict[int, list[str]] = {}
    for h in log.hazards:
        at.setdefault(h.residual_risk, []).append(h.id)
    return sorted(at.items(), reverse=True)


def review_rows(file: SafetyFile) -> list[dict[str, str]]:
    """What has been reviewed, by which role, and how far, as Markdown cells for ``st.table``."""
    return [
        {"What": md_text(i.item), "Reviewed by (role)": md_text(i.reviewed_by), "Status": md_text(i.status)}
        for i in file.review.items
    ]


def report_markdown(file: SafetyFile) -> str:
    """How to report a problem; a contact not yet known is said to be so, in bold, never invented."""
    lines = [md_text(file.report.intro), ""]
    for r in file.report.routes:
        contact = md_text(r.contact)
        if r.contact == file.report.placeholder:
            contact = f"**{contact}** (not yet known)"
        lines.append(f"- **{md_text(r.route)}**: {contact}")
    return "\n".join(lines)


def bullets(items: list[str]) -> str:
    return "\n".join(f"- {md_text(i)}" for i in items)


__all__ = [
    "LIKELIHOODS",
    "RISK_MATRIX",
    "SEVERITIES",
    "Hazard",
    "HazardLog",
    "Safety",
    "SafetyFile",
    "SafetyFileError",
    "bullets",
    "default_safety",
    "HAZARD_FIELDS",
    "hazard_rows",
    "hazards_by_residual_risk",
    "test_words",
    "load_safety",
    "matrix_rows",
    "report_markdown",
    "review_due",
    "review_overdue",
    "review_rows",
    "risk_rating",
    "today",
]
