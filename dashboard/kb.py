"""The knowledge base: references, guideline rules and treatments, validated at load.

The files under ``data/`` are meant to be read and edited by clinicians. This module
checks them once, at load, and refuses a broken knowledge base with a message that names
the file, the entry and the field. Everything downstream trusts the types.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dashboard.case import ga_days
from dashboard.facts import FACTS, FactKind

# libyaml's safe loader when present (about 5x faster), PyYAML's pure-Python one otherwise.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

GUIDELINES: tuple[str, ...] = ("acog", "rcog", "nice")
GUIDELINE_NAMES = {
    "acog": "ACOG (US)",
    "rcog": "RCOG (UK)",
    "nice": "NICE (England)",
}
GuidelineId = Literal["acog", "rcog", "nice"]
RuleScope = Literal["acog", "rcog", "nice", "all"]
# "no_stated_position": the guideline is silent on this option for this case (distinct from
# "not_applicable", the option does not fit the case); it is shown as such, never as a
# disagreement by itself.
TREATMENT_STATUSES = (
    "recommended", "consider", "not_recommended", "contraindicated", "not_applicable", "no_stated_position"
)
# What the engine may report for a treatment: a rule's status, or undecided when only the
# fallback matched and an unknown answer could still make the option one to offer.
TREATMENT_RESULT_STATUSES = (*TREATMENT_STATUSES, "insufficient_data")
TreatmentStatus = Literal[
    "recommended", "consider", "not_recommended", "contraindicated", "not_applicable", "no_stated_position"
]

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_GA = r"^\d{1,2}\+[0-6]$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KnowledgeBaseError(Exception):
    """A knowledge-base file that cannot be used; the message names file, entry and field."""


# --------------------------------------------------------------------------- references

RefKind = Literal[
    "guideline",
    "systematic_review",
    "trial",
    "cohort",
    "review",
    "textbook",
    "regulatory",
    "patient_information",
    "other",
]


class Confirmation(_Strict):
    """Where an item the evidence brief lists as UNVERIFIED was confirmed before use."""

    unverified_item: str  # e.g. "brief UNVERIFIED #7 / 9.1 item 3a"
    confirmed_at: str  # URL of the primary source that was read
    confirmed_on: dt.date
    what: str  # what exactly was confirmed, in our words


READ_AT = "Text read at"  # the label of a page a reference's text was actually read at (provenance)
THIRD_PARTY = "third-party copy"  # the caveat on a page read somewhere other than its publisher

# Publishers of the cited journals and books, guideline bodies and official registries (a host
# matches itself and its subdomains). A reference's own ``url`` must be on one of these; any other
# page is where its text was read (``read_at``), never the citation's link.
OFFICIAL_HOSTS = (
    "nice.org.uk", "rcog.org.uk", "acog.org", "smfm.org", "figo.org", "aafp.org", "who.int",
    "ncbi.nlm.nih.gov", "nichd.nih.gov", "fda.gov", "isrctn.com", "clinicaltrials.gov",
    "cochranelibrary.com", "onlinelibrary.wiley.com", "ajog.org", "ejog.org", "sciencedirect.com",
    "thelancet.com", "nejm.org", "journals.lww.com", "bmj.com", "jamanetwork.com",
    "springer.com", "springermedizin.de", "nature.com", "tandfonline.com",
    "informahealthcare.com", "taylorfrancis.com",
    "glowm.com",  # publisher of its own chapters (DOI prefix 10.3843)
    "scirp.org",  # publisher of Open J Obstet Gynecol (DOI prefix 10.4236)
)
# Where a guideline's strength of recommendation comes from: the scheme must be named with it.
STRENGTH_SCHEMES = {
    "ACOG level": "ACOG level of recommendation (A good and consistent evidence, B limited or inconsistent,"
    " C consensus and expert opinion)",
    "RCOG grade": "RCOG grade of recommendation (A to D, from the strength of the evidence behind it)",
    "SMFM GRADE": "GRADE, as used by SMFM (1 strong, 2 weak; A high, B moderate, C low or very low quality)",
    "NICE wording": "NICE's wording ('offer' for a strong recommendation, 'consider' for a weaker one)",
    "FIGO": "FIGO good practice recommendation (FIGO's own label)",
}
STRENGTH_NOT_STATED = "strength not stated"

_URL = r"^https?://\S+$"


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower()


def is_official(url: str) -> bool:
    host = host_of(url)
    return any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS)


class IdentifierCheck(_Strict):
    """Where one identifier of a reference (its DOI, PMID or issuer page) was confirmed."""

    identifier: Literal["doi", "pmid", "url"]
    where: str  # the kind of record: "PubMed record", "publisher's article page", "printed on the first page"
    record: Annotated[str, Field(pattern=_URL)]  # the address of that record
    by: Literal["search tool", "evidence brief"]  # confirmed in this knowledge base's check, or carried over
    checked_on: dt.date | None = None  # when, for a check made with the search tool


class ReadAt(_Strict):
    """A page the reference's text was actually read at: provenance, never the citation's link."""

    url: Annotated[str, Field(pattern=_URL)]
    what: str  # what that page is, e.g. "third-party upload of the PDF (scribd)"


class Reference(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    kind: RefKind
    authors: str
    year: Annotated[int | None, Field(ge=1950, le=2030)]  # None: undated as read ("n.d.")
    title: str
    source: str  # the canonical place: journal volume(issue):pages, or issuing body and document number
    version: str | None = None  # for guidelines: edition, date, reaffirmation
    doi: Annotated[str | None, Field(pattern=r"^10\.\d{4,9}/\S+$")] = None
    pmid: Annotated[str | None, Field(pattern=r"^\d{5,9}$")] = None
    url: Annotated[str | None, Field(pattern=_URL)] = None  # the issuer's or publisher's own page
    checks: list[IdentifierCheck] = []  # where each DOI and PMID was confirmed
    unconfirmed: list[Literal["doi", "pmid", "url"]] = []  # cited somewhere, but not confirmed: not shown as a link
    read_at: list[ReadAt] = []  # where the text was read (often a third-party copy)
    # low: the reference is known only through an unrelated site, a shop, a content farm or an
    # anonymous mirror, with no confirmed record tying it to its issuer; no rule or treatment
    # statement may cite it (tests/test_provenance.py).
    provenance: Literal["primary", "secondary", "low"] = "primary"
    note: str | None = None
    confirmation: Confirmation | None = None

    @model_validator(mode="after")
    def _findable(self) -> "Reference":
        if not (self.doi or self.pmid or self.url or self.read_at):
            raise ValueError("a reference needs a doi, a pmid, an issuer url or a read_at page")
        if self.url and not is_official(self.url):
            raise ValueError(
                f"url {self.url} is not the issuer's or publisher's own site; a third-party copy goes under read_at"
            )
        for name in ("doi", "pmid"):
            if getattr(self, name) and not any(c.identifier == name for c in self.checks):
                raise ValueError(f"the {name} needs a check saying where it was confirmed (or move it to unconfirmed)")
            if getattr(self, name) and name in self.unconfirmed:
                raise ValueError(f"the {name} is both given and listed as unconfirmed")
        for c in self.checks:
            if c.by == "search tool" and c.checked_on is None:
                raise ValueError(f"the {c.identifier} check made with the search tool needs checked_on")
        return self

    @property
    def year_text(self) -> str:
        return str(self.year) if self.year else "n.d."

    @property
    def unconfirmed_text(self) -> str:
        """'DOI not confirmed' (and so on) for each identifier that was cited but not confirmed."""
        names = {"doi": "DOI", "pmid": "PMID", "url": "issuer's page"}
        return "; ".join(f"{names[n]} not confirmed" for n in self.unconfirmed)

    @property
    def canonical_url(self) -> str | None:
        """The citation's own link: DOI, else PubMed, else PMC or the issuer's page; None if none is confirmed."""
        canonical = [url for label, url, _ in self.links if label != READ_AT]
        return canonical[0] if canonical else None

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """Where to find this source, most trustworthy first, as (label, URL, caveat).

        First the canonical links ("DOI", "PubMed", "PMC", then "Issuer's page" for a guideline or
        "Publisher's page"; caveat ""), then each page its text was read at ("Text read at"). That
        caveat says "third-party copy" unless the host is the publisher, the guideline body or an
        official registry, and "plain http, not encrypted" for such a copy read over http; official
        hosts all serve https, so their pages are linked over https.
        """
        from urllib.parse import quote, urlsplit

        def pmc_of(url: str) -> str | None:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            on_ncbi = host == "ncbi.nlm.nih.gov" or host.endswith(".ncbi.nlm.nih.gov")
            pmc = re.match(r"/(?:pmc/)?articles/(PMC\d+)", parts.path) if on_ncbi else None
            return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmc.group(1)}/" if pmc else None

        def https(url: str) -> str:
            return "https" + url[len("http") :] if url.startswith("http:") else url

        out = []
        if self.doi:
            out.append(("DOI", f"https://doi.org/{quote(self.doi, safe='/:;()')}", ""))
        if self.pmid:
            out.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/", ""))
        pages = ([self.url] if self.url else []) + [r.url for r in self.read_at]
        pmc = next((p for p in map(pmc_of, pages) if p), None)
        if pmc:
            out.append(("PMC", pmc, ""))
        if self.url and not pmc_of(self.url):
            label = "Issuer's page" if self.kind in ("guideline", "regulatory") else "Publisher's page"
            out.append((label, https(self.url), ""))
        what = {r.url: r.what for r in self.read_at}
        for read in ([self.url] if self.url and pmc_of(self.url) and https(self.url) != pmc else []) + [
            r.url for r in self.read_at
        ]:
            caveats, url = [what[read]] if what.get(read) else [], read
            if not is_official(read):
                caveats.append(THIRD_PARTY)
            else:
                url = https(read)
            if url.startswith("http:"):
                caveats.append("plain http, not encrypted")
            out.append((READ_AT, url, "; ".join(caveats)))
        return out


class Strength(_Strict):
    """A recommendation's strength in the guideline's own scheme, with the scheme named."""

    scheme: Literal["ACOG level", "RCOG grade", "SMFM GRADE", "NICE wording", "FIGO"]
    value: str  # as the source states it: "Level A", "Grade B", "1B", "offer"
    ref: Annotated[str, Field(pattern=_ID)]  # the reference that states it

    @property
    def text(self) -> str:
        """'ACOG Level A', 'RCOG Grade B', 'SMFM GRADE 1B', 'NICE wording “offer”': the scheme named."""
        if self.scheme == "NICE wording":
            return f"NICE wording “{self.value}”"
        if self.scheme in ("SMFM GRADE", "FIGO"):
            return f"{self.scheme} {self.value}"
        return f"{self.scheme.split()[0]} {self.value}"


def strength_text(strength: list[Strength]) -> str | None:
    return "; ".join(s.text for s in strength) or None


class Citation(_Strict):
    ref: Annotated[str, Field(pattern=_ID)]
    locator: Annotated[str, Field(min_length=2)]  # recommendation number, section, table, page


# --------------------------------------------------------------------------- conditions

Op = Literal["is", "is_not", "eq", "ne", "lt", "le", "gt", "ge", "in"]


@dataclass(frozen=True, slots=True)
class Leaf:
    fact: str
    op: str
    value: Any  # already converted: GA strings to days, enums to strings


@dataclass(frozen=True, slots=True)
class RuleRef:
    """The outcome of another rule (for example a cerclage indication), so thresholds live once."""

    rule: str


@dataclass(frozen=True, slots=True)
class AllOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    term: "Condition"


Condition = Leaf | RuleRef | AllOf | AnyOf | NotOf

_TRI_VALUES = ("present", "absent")


def parse_condition(raw: Any, where: str) -> Condition:
    """Turn the YAML form of a condition into a tree; errors name the path inside it."""
    if not isinstance(raw, dict) or len(raw) == 0:
        raise ValueError(f"{where}: a condition is a mapping (fact/op/value, all, any or not)")
    if set(raw) == {"all"} or set(raw) == {"any"}:
        key = next(iter(raw))
        terms = raw[key]
        if not isinstance(terms, list) or not terms:
            raise ValueError(f"{where}.{key}: needs a non-empty list of conditions")
        parsed = tuple(parse_condition(t, f"{where}.{key}[{i}]") for i, t in enumerate(terms))
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if set(raw) == {"not"}:
        return NotOf(parse_condition(raw["not"], f"{where}.not"))
    if set(raw) == {"rule"}:
        if not isinstance(raw["rule"], str):
            raise ValueError(f"{where}.rule: names another rule's id")
        return RuleRef(raw["rule"])
    allowed = {"fact", "op", "value", "unit"}
    unknown = set(raw) - allowed
    if unknown or not {"fact", "op", "value"} <= set(raw):
        raise ValueError(f"{where}: a test has exactly fact, op, value (and optionally unit); got {sorted(raw)}")
    fact_name, op, value = raw["fact"], raw["op"], raw["value"]
    if not isinstance(fact_name, str):
        raise ValueError(f"{where}.fact: a fact is named by a single word, got {fact_name!r}")
    spec = FACTS.get(fact_name)
    if spec is None:
        raise ValueError(f"{where}.fact: unknown fact '{fact_name}'")
    unit = raw.get("unit")
    if unit is not None and unit != spec.unit:
        raise ValueError(f"{where}.unit: fact '{fact_name}' is in {spec.unit or 'no unit'}, not '{unit}'")
    return Leaf(fact_name, op, _check_value(spec, op, value, f"{where}.value"))


def _check_value(spec: Any, op: str, value: Any, where: str) -> Any:
    kind: FactKind = spec.kind
    if kind == "tri":
        if op not in ("is", "is_not") or value not in _TRI_VALUES:
            raise ValueError(f"{where}: fact '{spec.name}' is present/absent; use op is/is_not with present or absent")
        return value
    if kind == "choice":
        values = value if op == "in" else [value]
        if op not in ("is", "is_not", "in") or not isinstance(values, list):
            raise ValueError(f"{where}: fact '{spec.name}' takes is/is_not/in")
        for v in values:
            if v not in spec.choices:
                raise ValueError(f"{where}: '{v}' is not one of {list(spec.choices)} for fact '{spec.name}'")
        return tuple(values) if op == "in" else value
    if op not in ("eq", "ne", "lt", "le", "gt", "ge"):
        raise ValueError(f"{where}: fact '{spec.name}' is a number; use eq/ne/lt/le/gt/ge")
    if kind == "ga":
        if not isinstance(value, str) or not re.match(_GA, value):
            raise ValueError(f"{where}: gestational age is written weeks+days, e.g. '24+0'; got {value!r}")
        weeks, days = value.split("+")
        value = int(weeks) * 7 + int(days)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: fact '{spec.name}' needs a number in {spec.unit or 'units'}; got {value!r}")
    low, high = spec.range
    if not (low <= value <= high):
        shown = f"{value // 7}+{value % 7}" if kind == "ga" else value
        raise ValueError(f"{where}: {shown} is outside the plausible range of fact '{spec.name}' ({spec.range_text})")
    return value


# --------------------------------------------------------------------------- rules

RuleKind = Literal[
    "definition",
    "diagnostic_criterion",
    "exclusion",
    "risk_finding",
    "cerclage_indication",
    "contraindication",
    "timing_window",
    "treatment_status",
    "other_picture",  # a presentation that is not cervical insufficiency: name it and point on
    "cerclage_in_place",  # what a guideline says once a cerclage is in place in this pregnancy
]


@lru_cache(maxsize=256)
def _ga_days_cached(text: str) -> int:
    return ga_days(text)


class Window(_Strict):
    start: Annotated[str | None, Field(pattern=_GA)] = None  # None: open start
    end: Annotated[str | None, Field(pattern=_GA)] = None  # None: open end (e.g. "at diagnosis")
    label: str

    @property
    def start_days(self) -> int | None:
        return _ga_days_cached(self.start) if self.start else None

    @property
    def end_days(self) -> int | None:
        return _ga_days_cached(self.end) if self.end else None

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.start and self.end and ga_days(self.start) > ga_days(self.end):
            raise ValueError(f"window start {self.start} is after its end {self.end}")
        return self


class Rule(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    guideline: RuleScope
    kind: RuleKind
    title: str  # short label for tables
    statement: str  # the plain-language condition, in our words
    condition: Any = None  # parsed into ``parsed_condition``
    # The strength of the guideline recommendation, in its own scheme, only where the source states it.
    strength: list[Strength] = []
    citations: Annotated[list[Citation], Field(min_length=1)]
    confirmation: Confirmation | None = None
    note: str | None = None
    # kind-specific
    pathway: Literal["history", "physical_exam"] | None = None
    exclusion: Literal[
        "labour", "contractions", "bleeding", "ruptured_membranes", "infection", "fetal_demise", "lethal_anomaly"
    ] | None = None
    indication: Literal["history", "ultrasound", "physical_exam"] | None = None
    severity: Literal["absolute", "relative"] | None = None
    treatments: list[str] | None = None  # treatment_status: the options it sets
    status: TreatmentStatus | None = None
    priority: Annotated[int, Field(ge=0, le=99)] = 50  # treatment_status: lower is tried first
    blocks: list[str] | None = None  # contraindication: treatments it makes contraindicated
    window: Window | None = None
    window_kind: Literal["placement", "removal", "surveillance", "course"] | None = None
    applies_to: list[str] | None = None  # timing_window: the treatments it belongs to

    @model_validator(mode="after")
    def _kind_fields(self) -> "Rule":
        needs = {
            "definition": (),
            "diagnostic_criterion": ("pathway", "condition"),
            "exclusion": ("exclusion", "condition"),
            "risk_finding": ("condition",),
            "cerclage_indication": ("indication", "condition"),
            "contraindication": ("severity", "condition", "blocks"),
            "timing_window": ("window", "window_kind", "applies_to"),
            "treatment_status": ("treatments", "status"),  # no condition: "otherwise"
            "other_picture": ("condition",),
            "cerclage_in_place": ("condition",),
        }[self.kind]
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.kind} rule needs '{name}'")
        return self

    @property
    def grade(self) -> str | None:
        """The strength as shown: each in its scheme ('ACOG Level A; SMFM GRADE 1B'), or None."""
        return strength_text(self.strength)


# --------------------------------------------------------------------------- treatments


class EvidenceItem(_Strict):
    study: str  # short label, e.g. "Berghella 2011 IPD MA"
    design: str
    population: str
    outcome: str
    result: str  # the figures as reported, e.g. "28.4% vs 41.3%"
    measure: Literal["RR", "OR", "aRR", "aOR", "mean difference", "none"] = "none"
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: Annotated[int | None, Field(ge=1)] = None
    n_label: str | None = None  # e.g. "women", "pregnancies", "trials"
    favours: Literal["treatment", "control", "neither"] | None = None
    citations: Annotated[list[Citation], Field(min_length=1)]

    @model_validator(mode="after")
    def _interval(self) -> "EvidenceItem":
        if self.measure != "none":
            if self.estimate is None or self.ci_low is None or self.ci_high is None:
                raise ValueError("an effect size needs estimate, ci_low and ci_high")
            if not (self.ci_low <= self.estimate <= self.ci_high):
                raise ValueError(f"estimate {self.estimate} lies outside its 95% CI {self.ci_low}-{self.ci_high}")
            if self.measure in ("RR", "OR", "aRR", "aOR") and self.ci_low <= 0:
                raise ValueError("a ratio's confidence interval must be above zero")
        return self


class CitedText(_Strict):
    text: str
    citations: Annotated[list[Citation], Field(min_length=1)]


class Stance(_Strict):
    summary: str  # the guideline's position, in our words
    addressed: bool = True  # False: not addressed in the text we could verify
    strength: list[Strength] = []  # the recommendation's strength in the guideline's scheme, where stated
    citations: Annotated[list[Citation], Field(min_length=1)]

    @property
    def strength_shown(self) -> str:
        return strength_text(self.strength) or STRENGTH_NOT_STATED


class Treatment(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    name: str
    short_name: str  # for tables, charts and the sidebar
    group: Literal["monitoring", "cerclage", "medication", "device", "discouraged"]
    withdrawn: bool = False
    summary: CitedText
    population: CitedText
    timing: CitedText
    evidence: list[EvidenceItem]
    harms: Annotated[list[CitedText], Field(min_length=1)]
    stances: dict[GuidelineId, Stance]

    @field_validator("stances")
    @classmethod
    def _every_guideline(cls, value: dict[str, Stance]) -> dict[str, Stance]:
        missing = [g for g in GUIDELINES if g not in value]
        if missing:
            raise ValueError(f"a stance is needed for every guideline; missing {missing}")
        return value


class Disagreement(_Strict):
    """A known point where guidelines part ways (shown even when this case does not hit it)."""

    id: Annotated[str, Field(pattern=_ID)]
    topic: str
    positions: dict[str, CitedText]  # guideline or body -> its position


class ReferenceLine(_Strict):
    value_mm: Annotated[float, Field(ge=0, le=60)]
    label: str
    citations: Annotated[list[Citation], Field(min_length=1)]


class Edition(_Strict):
    """The edition of a guideline the knowledge base was built from, and when it was last checked."""

    ref: Annotated[str, Field(pattern=_ID)]
    edition: str  # document number and edition, as issued
    published: str  # its date as far as it was confirmed ("June 2022", "2021")
    status: str | None = None  # reaffirmation, corrections, what of it was read
    checked_on: dt.date  # when the knowledge base was last checked against this edition


class Meta(_Strict):
    version: str
    last_reviewed: dt.date
    reviewed_by: str
    scope: str
    intended_use: str
    limits: list[str]
    cervical_length_lines: list[ReferenceLine] = []
    editions: dict[Literal["acog", "rcog", "nice", "others"], list[Edition]] = {}


# --------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class KnowledgeBase:
    meta: Meta
    references: dict[str, Reference]
    rules: tuple[Rule, ...]
    conditions: dict[str, Condition | None]
    treatments: dict[str, Treatment]
    disagreements: tuple[Disagreement, ...]

    def __post_init__(self) -> None:
        index: dict[tuple[str, str | None], tuple[Rule, ...]] = {}
        for kind in {r.kind for r in self.rules}:
            for g in (None, *GUIDELINES):
                index[(kind, g)] = tuple(
                    r for r in self.rules if r.kind == kind and (g is None or r.guideline in (g, "all"))
                )
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_id", {r.id: r for r in self.rules})
        object.__setattr__(self, "_numbers", {ref_id: i + 1 for i, ref_id in enumerate(self.references)})

    def rules_of(self, kind: str, guideline: str | None = None) -> list[Rule]:
        """Rules of one kind that apply under a guideline (its own and the shared ones), in file order."""
        return list(self._index.get((kind, guideline), ()))  # type: ignore[attr-defined]

    def rules_tuple(self, kind: str, guideline: str | None = None) -> tuple[Rule, ...]:
        """As rules_of, without copying (hot path)."""
        return self._index.get((kind, guideline), ())  # type: ignore[attr-defined]

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]  # type: ignore[attr-defined]

    def citation_number(self) -> dict[str, int]:
        """A stable numbering of references (order in references.yaml) for [n] citations."""
        return self._numbers  # type: ignore[attr-defined]


def _read_yaml(path: Path) -> Any:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeBaseError(f"{_rel(path)}: file is missing") from None
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(
            f"{_rel(path)}: not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x}); save it as UTF-8"
        ) from None
    except DuplicateKeyError as exc:
        raise KnowledgeBaseError(f"{_rel(path)}: {exc}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{_rel(path)}: not valid YAML: {exc}") from None


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice: YAML would keep the later value without a word."""

    def __init__(self, key: Any, line: int) -> None:
        super().__init__(f"line {line}: the key {key!r} appears twice in one mapping; only one may stay")


class _StrictLoader(_YAML_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key repeated in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:  # before merge keys are flattened: an explicit key may override a merged one
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if (key_node.tag, key_node.value) in seen:
                    raise DuplicateKeyError(key_node.value, key_node.start_mark.line + 1)
                seen.add((key_node.tag, key_node.value))
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """What ``yaml.load(text, Loader=_YAML_LOADER)`` gives (values, types, errors), several times faster,
    except that a key repeated in one mapping is refused (``DuplicateKeyError``), never silently replaced."""
    try:
        return _plain_yaml(text)
    except DuplicateKeyError:
        raise
    except Exception:  # noqa: BLE001 - anything unusual or wrong is left to PyYAML itself
        # Tags, anchors, merge keys, several documents, and every error go through the safe
        # loader, so they behave (and are reported) exactly as before.
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader


class _NotPlain(Exception):
    """The document uses YAML beyond plain mappings, sequences and scalars."""


_NO_KEY, _IN_SEQUENCE = object(), object()
_STR_TAG = "tag:yaml.org,2002:str"
_NOT_SCALARS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _plain_yaml(text: str) -> Any:
    """Build the document straight from libyaml's events, resolving plain scalars as the safe loader does.

    PyYAML's loader spends most of its time in pure-Python node composition and construction;
    the knowledge-base files only use mappings, sequences and scalars, which this builds directly.
    Raises ``_NotPlain`` (or PyYAML's error) for anything else; ``parse_yaml`` then uses PyYAML.
    """
    loader = _YAML_LOADER(text)
    if loader.yaml_path_resolvers:
        raise _NotPlain
    resolvers = loader.yaml_implicit_resolvers
    wildcard = resolvers.get(None, [])
    constructors = loader.yaml_constructors
    tags: dict[str, str] = {}
    stack: list[list[Any]] = []  # [container, key waiting for its value (or a marker)]
    get = loader.get_event
    try:
        if type(get()) is not yaml.StreamStartEvent:
            raise _NotPlain
        event = get()
        if type(event) is yaml.StreamEndEvent:
            return None
        if type(event) is not yaml.DocumentStartEvent:
            raise _NotPlain
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _NotPlain
                value = event.value
                if event.implicit[0]:  # plain style: the implicit resolvers decide the type
                    tag = tags.get(value)
                    if tag is None:
                        tag = _STR_TAG
                        for candidate, regexp in resolvers.get(value[0] if value else "", []) + wildcard:
                            if regexp.match(value):
                                tag = candidate
                                break
                        tags[value] = tag
                    if tag is not _STR_TAG:
                        if tag in _NOT_SCALARS or tag not in constructors:
                            raise _NotPlain
                        value = constructors[tag](loader, yaml.ScalarNode(tag, value))
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _NotPlain
                stack.append([{}, _NO_KEY, set()] if kind is yaml.MappingStartEvent else [[], _IN_SEQUENCE])
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
            else:
                raise _NotPlain
            if not stack:
                break
            top = stack[-1]
            if top[1] is _IN_SEQUENCE:
                top[0].append(value)
            elif top[1] is _NO_KEY:
                if type(value) is dict or type(value) is list:
                    raise _NotPlain
                typed = (type(value), value)  # 1 and true are different YAML keys, though equal in Python
                if typed in top[2]:
                    raise DuplicateKeyError(value, event.start_mark.line + 1)
                top[2].add(typed)
                top[1] = value
            else:
                top[0][top[1]] = value
                top[1] = _NO_KEY
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _NotPlain
        return value
    finally:
        loader.dispose()


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


def _explain(path: Path, entry: str, exc: ValidationError) -> KnowledgeBaseError:
    lines = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(entry)"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{_rel(path)}: entry {entry}: field {field}: {msg}")
    return KnowledgeBaseError("\n".join(lines))


def _entries(path: Path, raw: Any, key: str) -> list[dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise KnowledgeBaseError(f"{_rel(path)}: expected a top-level '{key}:' list")
    return raw[key]


def _entry_name(item: Any, index: int) -> str:
    return str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"


def load_knowledge_base(data_dir: Path | None = None) -> KnowledgeBase:
    """Read and check every knowledge-base file; raises KnowledgeBaseError when broken."""
    root = Path(data_dir) if data_dir else DATA_DIR

    meta_path = root / "knowledge_base.yaml"
    raw_meta = _read_yaml(meta_path)
    try:
        meta = Meta.model_validate(raw_meta)
    except ValidationError as exc:
        raise _explain(meta_path, "meta", exc) from None

    ref_path = root / "references.yaml"
    references: dict[str, Reference] = {}
    for i, item in enumerate(_entries(ref_path, _read_yaml(ref_path), "references")):
        name = _entry_name(item, i)
        try:
            ref = Reference.model_validate(item)
        except ValidationError as exc:
            raise _explain(ref_path, name, exc) from None
        if ref.id in references:
            raise KnowledgeBaseError(f"{_rel(ref_path)}: entry {ref.id}: field id: duplicate reference id")
        references[ref.id] = ref

    def check_citations(path: Path, entry: str, cites: list[tuple[str, Citation]]) -> None:
        for field, cite in cites:
            if cite.ref not in references:
                raise KnowledgeBaseError(
                    f"{_rel(path)}: entry {entry}: field {field}: unknown reference id '{cite.ref}'"
                )

    for i, line in enumerate(meta.cervical_length_lines):
        check_citations(
            meta_path, f"cervical_length_lines[{i}]", [(f"citations[{j}].ref", c) for j, c in enumerate(line.citations)]
        )

    for column, editions in meta.editions.items():
        for i, ed in enumerate(editions):
            if ed.ref not in references:
                raise KnowledgeBaseError(
                    f"{_rel(meta_path)}: entry editions.{column}[{i}]: field ref: unknown reference id '{ed.ref}'"
                )

    rules: list[Rule] = []
    conditions: dict[str, Condition | None] = {}
    seen_ids: set[str] = set()
    rule_files: dict[str, str] = {}
    for path in sorted((root / "rules").glob("*.yaml")):
        rel = _rel(path)
        for i, item in enumerate(_entries(path, _read_yaml(path), "rules")):
            name = _entry_name(item, i)
            try:
                rule = Rule.model_validate(item)
            except ValidationError as exc:
                raise _explain(path, name, exc) from None
            if rule.id in seen_ids:
                raise KnowledgeBaseError(f"{_rel(path)}: entry {rule.id}: field id: duplicate rule id")
            seen_ids.add(rule.id)
            rule_files[rule.id] = rel
            check_citations(path, rule.id, [(f"citations[{j}].ref", c) for j, c in enumerate(rule.citations)])
            for j, st in enumerate(rule.strength):
                if st.ref not in {c.ref for c in rule.citations}:
                    raise KnowledgeBaseError(
                        f"{rel}: entry {rule.id}: field strength[{j}].ref: {st.ref} is not among the rule's citations"
                    )
            try:
                raw = rule.condition
                conditions[rule.id] = parse_condition(raw, "condition") if raw is not None else None
            except ValueError as exc:
                raise KnowledgeBaseError(f"{_rel(path)}: entry {rule.id}: field {exc}") from None
            rules.append(rule)

    tr_path = root / "treatments.yaml"
    raw_tr = _read_yaml(tr_path)
    treatments: dict[str, Treatment] = {}
    for i, item in enumerate(_entries(tr_path, raw_tr, "treatments")):
        name = _entry_name(item, i)
        try:
            tr = Treatment.model_validate(item)
        except ValidationError as exc:
            raise _explain(tr_path, name, exc) from None
        if tr.id in treatments:
            raise KnowledgeBaseError(f"{_rel(tr_path)}: entry {tr.id}: field id: duplicate treatment id")
        cites: list[tuple[str, Citation]] = []
        for part in ("summary", "population", "timing"):
            cites += [(f"{part}.citations[{j}].ref", c) for j, c in enumerate(getattr(tr, part).citations)]
        for k, ev in enumerate(tr.evidence):
            cites += [(f"evidence[{k}].citations[{j}].ref", c) for j, c in enumerate(ev.citations)]
        for k, harm in enumerate(tr.harms):
            cites += [(f"harms[{k}].citations[{j}].ref", c) for j, c in enumerate(harm.citations)]
        for g, stance in tr.stances.items():
            cites += [(f"stances.{g}.citations[{j}].ref", c) for j, c in enumerate(stance.citations)]
        check_citations(tr_path, tr.id, cites)
        treatments[tr.id] = tr

    disagreements: list[Disagreement] = []
    for i, item in enumerate(_entries(tr_path, raw_tr, "disagreements") if "disagreements" in (raw_tr or {}) else []):
        name = _entry_name(item, i)
        try:
            d = Disagreement.model_validate(item)
        except ValidationError as exc:
            raise _explain(tr_path, name, exc) from None
        check_citations(
            tr_path,
            d.id,
            [
                (f"positions.{k}.citations[{j}].ref", c)
                for k, p in d.positions.items()
                for j, c in enumerate(p.citations)
            ],
        )
        disagreements.append(d)

    _check_cross_references(rule_files, rules, conditions, treatments)

    return KnowledgeBase(
        meta=meta,
        references=references,
        rules=tuple(rules),
        conditions=conditions,
        treatments=treatments,
        disagreements=tuple(disagreements),
    )


def _rule_refs(cond: Condition | None) -> list[str]:
    if cond is None or isinstance(cond, Leaf):
        return []
    if isinstance(cond, RuleRef):
        return [cond.rule]
    if isinstance(cond, NotOf):
        return _rule_refs(cond.term)
    return [ref for term in cond.terms for ref in _rule_refs(term)]


def _check_cross_references(
    rule_files: dict[str, str],
    rules: list[Rule],
    conditions: dict[str, Condition | None],
    treatments: dict[str, Treatment],
) -> None:
    def where(rule: Rule) -> str:
        return rule_files[rule.id]

    by_id = {r.id: r for r in rules}
    for rule in rules:
        for field in ("treatments", "applies_to", "blocks"):
            for tid in getattr(rule, field) or []:
                if tid not in treatments:
                    raise KnowledgeBaseError(
                        f"{where(rule)}: entry {rule.id}: field {field}: unknown treatment '{tid}'"
                    )
        for ref in _rule_refs(conditions[rule.id]):
            if ref not in by_id:
                raise KnowledgeBaseError(f"{where(rule)}: entry {rule.id}: field condition: unknown rule '{ref}'")
    # no rule may depend on itself, directly or through others
    def visit(rule_id: str, trail: tuple[str, ...]) -> None:
        if rule_id in trail:
            raise KnowledgeBaseError(
                f"{where(by_id[trail[0]])}: entry {trail[0]}: field condition: "
                f"rules refer to each other in a loop ({' -> '.join(trail + (rule_id,))})"
            )
        for ref in _rule_refs(conditions[rule_id]):
            visit(ref, trail + (rule_id,))

    for rule in rules:
        visit(rule.id, ())


T = TypeVar("T")
KNOWLEDGE_BASES_KEPT = 2  # the one a server uses, and one more (a test's or a benchmark's fresh load)


class PerKnowledgeBase(Generic[T]):
    """``build(kb)``, made once for each of the few most recently built knowledge bases.

    Kept by ``id(kb)`` beside a reference to that knowledge base: an id is unique only among
    live objects, and the reference keeps the object alive (so its id cannot pass to another)
    for exactly as long as what was built from it is kept. At most ``keep`` are kept; making
    one more drops the oldest, and with it the reference.
    """

    def __init__(self, build: Callable[[KnowledgeBase], T], keep: int = KNOWLEDGE_BASES_KEPT) -> None:
        self.build, self.keep = build, keep
        self._kept: dict[int, tuple[KnowledgeBase, T]] = {}
        self._lock = threading.Lock()  # script threads of one server may miss together

    def __call__(self, kb: KnowledgeBase) -> T:
        hit = self._kept.get(id(kb))
        if hit is not None and hit[0] is kb:
            return hit[1]
        with self._lock:
            hit = self._kept.get(id(kb))
            if hit is not None and hit[0] is kb:
                return hit[1]
            value = self.build(kb)
            self._kept.pop(id(kb), None)
            while len(self._kept) >= self.keep:
                del self._kept[next(iter(self._kept))]
            self._kept[id(kb)] = (kb, value)
            return value

    def __len__(self) -> int:
        return len(self._kept)

    def values(self) -> list[T]:
        return [value for _, value in list(self._kept.values())]


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base (or the one in $DASHBOARD_DATA_DIR), loaded once per process."""
    override = os.environ.get("DASHBOARD_DATA_DIR")
    return load_knowledge_base(Path(override) if override else None)
