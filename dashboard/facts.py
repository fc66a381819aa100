"""Named facts derived from a case, the vocabulary rule conditions are written in.

Rules in ``data/rules/*.yaml`` never reach into the case directly: they test facts by
name. Each fact is documented with its kind, unit, plausible range and the case fields it
reads, so the knowledge-base loader can refuse a rule that tests an unknown fact, uses the
wrong unit or a threshold outside the plausible range.

A fact's value is ``UNKNOWN`` when the inputs do not settle it. Numbers may also be an
``Interval`` when only a bound is known (three losses recorded, preterm births not known:
at least three).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from dashboard.case import (
    CERCLAGE_DETAIL_FIELDS,
    CERCLAGE_NOW_DETAIL_FIELDS,
    Amniocentesis,
    CerclageIndication,
    Case,
    PriorBirth,
    PriorCerclageReason,
    PriorLoss,
    PriorCerclageRoute,
    Tri,
)

FactKind = Literal["tri", "number", "ga", "choice"]


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # guard against truthiness slips
        raise TypeError("UNKNOWN has no truth value; compare it explicitly")


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True, slots=True)
class Interval:
    """A number known only to lie between ``low`` and ``high`` (inclusive)."""

    low: float
    high: float

    def __str__(self) -> str:
        if math.isinf(self.high):
            return f"at least {_num(self.low)}"
        return f"{_num(self.low)} to {_num(self.high)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    kind: FactKind
    description: str
    inputs: tuple[str, ...]  # case field paths this fact reads
    fn: Callable[[Case], Any]
    unit: str | None = None
    range: tuple[float, float] = (0, 0)
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """A short name for tables: the description up to its first colon or full stop."""
        return SHORT_LABELS.get(self.name) or self.description.split(":")[0].rstrip(".")

    @property
    def range_text(self) -> str:
        low, high = self.range
        if self.kind == "ga":
            return f"{int(low) // 7}+{int(low) % 7} to {int(high) // 7}+{int(high) % 7} weeks"
        return f"{_num(low)} to {_num(high)} {self.unit or ''}".strip()


FACTS: dict[str, FactSpec] = {}

SHORT_LABELS = {
    "gestational_age": "Gestational age",
    "fetuses": "Fetuses",
    "painless_second_trimester_losses": "Painless second-trimester losses",
    "mid_trimester_loss_from_16_weeks": "Mid-trimester loss at 16+0 or later",
    "spontaneous_preterm_births": "Spontaneous preterm births",
    "prior_spontaneous_preterm_birth_before_34_weeks": "Spontaneous preterm birth before 34+0",
    "prior_spontaneous_preterm_birth_up_to_34_weeks": "Spontaneous preterm birth up to 34+0",
    "prior_spontaneous_preterm_birth": "Earlier spontaneous preterm birth",
    "prior_loss_or_preterm_birth": "Earlier loss or preterm birth",
    "us_prior_spontaneous_preterm_birth": "Earlier spontaneous preterm birth (US: losses from 20+0 count)",
    "us_prior_spontaneous_preterm_birth_before_34_weeks": "Spontaneous preterm birth before 34+0 (US: losses from 20+0 count)",
    "preterm_births_and_losses": "Preterm births + second-trimester losses",
    "prior_cerclage": "Earlier cerclage",
    "prior_cerclage_for_painless_dilation": "Earlier cerclage for painless dilation",
    "prior_failed_transvaginal_cerclage": "Earlier failed transvaginal cerclage",
    "prior_failed_transvaginal_cerclage_any_indication": "Earlier failed transvaginal cerclage, any indication",
    "cervical_risk_factor": "Cervical risk factor",
    "cervical_dilation_cm": "Cervical dilation",
    "membranes_at_or_beyond_os": "Membranes at or beyond the os",
    "shortest_cervical_length_before_24_weeks": "Shortest cervical length before 24+0",
    "shortest_cervical_length_16_to_24_weeks": "Shortest cervical length 16+0 to 24+0",
    "shortest_cervical_length_16_to_before_24_weeks": "Shortest cervical length 16+0 to 23+6",
    "shortest_cervical_length_14_to_before_24_weeks": "Shortest cervical length 14+0 to 23+6",
    "shortest_cervical_length": "Shortest cervical length",
    "funneling": "Funneling",
    "labour": "Labour",
    "bleeding_or_abruption": "Bleeding or abruption",
    "ruptured_membranes": "Ruptured membranes",
    "clinical_chorioamnionitis": "Clinical chorioamnionitis",
    "amniocentesis": "Amniocentesis",
    "infection": "Infection",
    "fetal_demise": "Fetal demise",
    "lethal_anomaly": "Lethal anomaly",
    "fetal_compromise": "Fetal compromise",
    "mild_contractions": "Mild contractions",
}


def _fact(name: str, kind: FactKind, description: str, inputs: tuple[str, ...], **extra: Any):
    def register(fn: Callable[[Case], Any]) -> Callable[[Case], Any]:
        FACTS[name] = FactSpec(name=name, kind=kind, description=description, inputs=inputs, fn=fn, **extra)
        return fn

    return register


_TRI_FACT = {Tri.present: "present", Tri.absent: "absent", Tri.unknown: UNKNOWN}
_AMNIO_FACT = {a: UNKNOWN if a == Amniocentesis.unknown else a.value for a in Amniocentesis}
# Amniocentesis read as the infection exclusion: not done counts as no infection found.
_AMNIO_INFECTION = {
    Amniocentesis.infection_found: "present",
    Amniocentesis.no_infection: "absent",
    Amniocentesis.not_done: "absent",
    Amniocentesis.unknown: UNKNOWN,
}


def _tri(value: Tri) -> Any:
    return _TRI_FACT[value]


def _tri_any(values: list[Any]) -> Any:
    """Kleene OR over present/absent/UNKNOWN."""
    if "present" in values:
        return "present"
    if UNKNOWN in values:
        return UNKNOWN
    return "absent"


def _count(items: list[PriorBirth] | list[PriorLoss] | None) -> Any:
    return UNKNOWN if items is None else len(items)


def _any_birth(items: list[PriorBirth] | list[PriorLoss] | None, test: Callable[[int], bool]) -> Any:
    """present if any entry's gestational age passes ``test``; absent only when all are known to fail."""
    if items is None:
        return UNKNOWN
    age_unknown = False
    for birth in items:
        ga = birth.gestational_age
        if ga is None:
            age_unknown = True
        elif test(ga.total_days):
            return "present"
    return UNKNOWN if age_unknown else "absent"


GA_MAX_DAYS = 42 * 7 + 6
LOSSES_PAINLESS = "history.second_trimester_losses.painless"  # "was each loss painless?", one answer per loss


# -- pregnancy ------------------------------------------------------------------------


@_fact("gestational_age", "ga", "Current gestational age.", ("gestational_age",), range=(0, GA_MAX_DAYS))
def _ga(case: Case) -> Any:
    return UNKNOWN if case.gestational_age is None else case.gestational_age.total_days


@_fact("fetuses", "number", "Number of fetuses in this pregnancy.", ("fetuses",), unit="fetuses", range=(1, 6))
def _fetuses(case: Case) -> Any:
    return UNKNOWN if case.fetuses is None else case.fetuses


# -- history --------------------------------------------------------------------------


@_fact(
    "painless_second_trimester_losses",
    "number",
    "Number of earlier second-trimester losses from painless cervical dilation (a range while some losses "
    "are not known to be painless or not).",
    ("history.second_trimester_losses", "history.second_trimester_losses.painless"),
    unit="losses",
    range=(0, 20),
)
def _painless_losses(case: Case) -> Any:
    losses = case.history.second_trimester_losses
    if losses is None:
        return UNKNOWN
    painless = sum(loss.painless == Tri.present for loss in losses)
    undecided = sum(loss.painless == Tri.unknown for loss in losses)
    return Interval(painless, painless + undecided) if undecided else painless


@_fact(
    "mid_trimester_loss_from_16_weeks",
    "tri",
    "An earlier spontaneous mid-trimester loss at 16+0 weeks or later, painless or not.",
    ("history.second_trimester_losses",),
)
def _loss_from_16(case: Case) -> Any:
    return _any_birth(case.history.second_trimester_losses, lambda d: d >= 16 * 7)


@_fact(
    "spontaneous_preterm_births",
    "number",
    "Number of earlier spontaneous preterm births.",
    ("history.spontaneous_preterm_births",),
    unit="births",
    range=(0, 20),
)
def _sptb(case: Case) -> Any:
    return _count(case.history.spontaneous_preterm_births)


@_fact(
    "prior_spontaneous_preterm_birth_before_34_weeks",
    "tri",
    "An earlier spontaneous preterm birth before 34+0 weeks.",
    ("history.spontaneous_preterm_births",),
)
def _sptb_before_34(case: Case) -> Any:
    return _any_birth(case.history.spontaneous_preterm_births, lambda d: d < 34 * 7)


@_fact(
    "prior_spontaneous_preterm_birth_up_to_34_weeks",
    "tri",
    "An earlier spontaneous preterm birth at or before 34+0 weeks.",
    ("history.spontaneous_preterm_births",),
)
def _sptb_up_to_34(case: Case) -> Any:
    return _any_birth(case.history.spontaneous_preterm_births, lambda d: d <= 34 * 7)


@_fact(
    "prior_spontaneous_preterm_birth",
    "tri",
    "Any earlier spontaneous preterm birth.",
    ("history.spontaneous_preterm_births",),
)
def _any_sptb(case: Case) -> Any:
    births = case.history.spontaneous_preterm_births
    return UNKNOWN if births is None else ("present" if births else "absent")


# In US usage a pregnancy ending at 20+0 weeks or later is a birth (stillbirth), not a
# miscarriage [AAFP-2007], and ACOG counts births after cervical insufficiency as spontaneous
# preterm births [ACOG-PB130]. So for the ACOG rules a spontaneous loss from 20+0 weeks counts,
# painless or not.
US_BIRTH_FROM_DAYS = 20 * 7


@_fact(
    "us_prior_spontaneous_preterm_birth",
    "tri",
    "An earlier spontaneous preterm birth, counting second-trimester losses from 20+0 weeks as "
    "births (US convention).",
    ("history.spontaneous_preterm_births", "history.second_trimester_losses"),
)
def _us_sptb(case: Case) -> Any:
    h = case.history
    births = UNKNOWN if h.spontaneous_preterm_births is None else ("present" if h.spontaneous_preterm_births else "absent")
    return _tri_any([births, _any_birth(h.second_trimester_losses, lambda d: d >= US_BIRTH_FROM_DAYS)])


@_fact(
    "us_prior_spontaneous_preterm_birth_before_34_weeks",
    "tri",
    "An earlier spontaneous preterm birth before 34+0 weeks, counting second-trimester losses from "
    "20+0 weeks as births (US convention).",
    ("history.spontaneous_preterm_births", "history.second_trimester_losses"),
)
def _us_sptb_before_34(case: Case) -> Any:
    h = case.history
    return _tri_any(
        [
            _any_birth(h.spontaneous_preterm_births, lambda d: d < 34 * 7),
            _any_birth(h.second_trimester_losses, lambda d: d >= US_BIRTH_FROM_DAYS),
        ]
    )


@_fact(
    "prior_loss_or_preterm_birth",
    "tri",
    "Any earlier second-trimester loss (painless or not) or spontaneous preterm birth.",
    ("history.second_trimester_losses", "history.spontaneous_preterm_births"),
)
def _loss_or_ptb(case: Case) -> Any:
    h = case.history
    parts = [
        UNKNOWN if items is None else ("present" if items else "absent")
        for items in (h.second_trimester_losses, h.spontaneous_preterm_births)
    ]
    return _tri_any(parts)


@_fact(
    "preterm_births_and_losses",
    "number",
    "Earlier spontaneous preterm births plus second-trimester losses (a lower bound when one is not known).",
    ("history.second_trimester_losses", "history.spontaneous_preterm_births"),
    unit="pregnancies",
    range=(0, 40),
)
def _ptb_plus_losses(case: Case) -> Any:
    losses, births = case.history.second_trimester_losses, case.history.spontaneous_preterm_births
    known = (0 if losses is None else len(losses)) + (0 if births is None else len(births))
    if losses is not None and births is not None:
        return known
    return Interval(known, math.inf)


@_fact("prior_cerclage", "tri", "A cerclage in an earlier pregnancy.", ("history.prior_cerclage",))
def _prior_cerclage(case: Case) -> Any:
    return _tri(case.history.prior_cerclage)


@_fact(
    "prior_cerclage_for_painless_dilation",
    "tri",
    "An earlier cerclage placed because of painless second-trimester dilation.",
    ("history.prior_cerclage", "history.prior_cerclage_reason"),
)
def _prior_cerclage_painless(case: Case) -> Any:
    h = case.history
    if h.prior_cerclage == Tri.absent:
        return "absent"
    reason = h.prior_cerclage_reason
    if h.prior_cerclage == Tri.present and reason == PriorCerclageReason.painless_dilation:
        return "present"
    if reason in (PriorCerclageReason.history, PriorCerclageReason.ultrasound):
        return "absent"
    return UNKNOWN


@_fact(
    "prior_failed_transvaginal_cerclage_any_indication",
    "tri",
    "An earlier transvaginal cerclage, placed for any reason (rescue included), followed by loss or birth before "
    "28+0 weeks.",
    ("history.prior_cerclage", "history.prior_cerclage_failed", "history.prior_cerclage_route"),
)
def _failed_tv_any(case: Case) -> Any:
    h = case.history
    # RCOG GTG 75 speaks of a previous unsuccessful transvaginal cerclage without naming its
    # indication; FIGO's narrower reading is the fact below.
    if h.prior_cerclage == Tri.absent or h.prior_cerclage_failed == Tri.absent:
        return "absent"
    if h.prior_cerclage_route == PriorCerclageRoute.transabdominal:
        return "absent"
    if (
        h.prior_cerclage == Tri.present
        and h.prior_cerclage_failed == Tri.present
        and h.prior_cerclage_route == PriorCerclageRoute.transvaginal
    ):
        return "present"
    return UNKNOWN


@_fact(
    "prior_failed_transvaginal_cerclage",
    "tri",
    "An earlier history- or ultrasound-indicated transvaginal cerclage followed by loss or birth before 28+0 weeks.",
    (
        "history.prior_cerclage",
        "history.prior_cerclage_failed",
        "history.prior_cerclage_route",
        "history.prior_cerclage_reason",
    ),
)
def _failed_tv(case: Case) -> Any:
    # FIGO counts failure after a history- or ultrasound-indicated cerclage; MAVRIC enrolled
    # after a failed low vaginal one. A failed rescue cerclage is not this indication: the
    # fact above, narrowed by the reason for the first cerclage.
    reason = case.history.prior_cerclage_reason
    failed = _failed_tv_any(case)
    if failed == "absent" or reason == PriorCerclageReason.painless_dilation:
        return "absent"
    if failed == "present" and reason in (PriorCerclageReason.history, PriorCerclageReason.ultrasound):
        return "present"
    return UNKNOWN


# -- a cerclage in this pregnancy ------------------------------------------------------


@_fact("cerclage_in_place", "tri", "A cerclage already in place in this pregnancy.", ("cerclage.in_place",))
def _cerclage_now(case: Case) -> Any:
    return _tri(case.cerclage.in_place)


def _cerclage_now_by(case: Case, route: PriorCerclageRoute) -> Any:
    now = case.cerclage
    if now.in_place == Tri.absent:
        return "absent"
    if now.route not in (route, PriorCerclageRoute.unknown):
        return "absent"
    return "present" if now.in_place == Tri.present and now.route == route else UNKNOWN


@_fact(
    "transvaginal_cerclage_in_place",
    "tri",
    "A transvaginal cerclage in place in this pregnancy.",
    ("cerclage.in_place", "cerclage.route"),
)
def _tv_now(case: Case) -> Any:
    return _cerclage_now_by(case, PriorCerclageRoute.transvaginal)


@_fact(
    "transabdominal_cerclage_in_place",
    "tri",
    "A transabdominal cerclage in place in this pregnancy.",
    ("cerclage.in_place", "cerclage.route"),
)
def _tac_now(case: Case) -> Any:
    return _cerclage_now_by(case, PriorCerclageRoute.transabdominal)


@_fact(
    "cervical_risk_factor",
    "tri",
    "Any cervical risk factor: conization or LEEP, repeated mechanical dilation, obstetric cervical laceration, "
    "Müllerian anomaly, connective-tissue disorder, in-utero DES exposure.",
    tuple(f"risk_factors.{n}" for n in (
        "conization_or_leep", "repeated_mechanical_dilation", "obstetric_cervical_laceration",
        "mullerian_anomaly", "connective_tissue_disorder", "in_utero_des_exposure",
    )),
)
def _risk(case: Case) -> Any:
    return _tri_any([_TRI_FACT[v] for v in case.risk_factors.__dict__.values()])


# -- exam and ultrasound --------------------------------------------------------------


@_fact("cervical_dilation_cm", "number", "Cervical dilation on examination.", ("exam.cervical_dilation_cm",), unit="cm", range=(0, 10))
def _dilation(case: Case) -> Any:
    return UNKNOWN if case.exam.cervical_dilation_cm is None else case.exam.cervical_dilation_cm


@_fact(
    "membranes_at_or_beyond_os",
    "tri",
    "Fetal membranes visible at or beyond the external os (absent when the cervix is closed, 0 cm).",
    ("exam.membranes_at_or_beyond_os", "exam.cervical_dilation_cm"),
)
def _membranes(case: Case) -> Any:
    # A closed cervix (0 cm) shows no membranes at the external os: the question is settled by
    # the dilation, so the examination route is closed rather than left waiting on it.
    if case.exam.membranes_at_or_beyond_os == Tri.unknown and case.exam.cervical_dilation_cm == 0:
        return "absent"
    return _tri(case.exam.membranes_at_or_beyond_os)


def ga_text(days: int) -> str:
    """A gestational age in days as weeks+days: 167 is '23+6'."""
    return f"{days // 7}+{days % 7}"


@dataclass(frozen=True, slots=True)
class ScanWindow:
    """The gestational ages (in days, both ends included; ``None`` leaves that end open) whose
    cervical-length scans a fact reads."""

    first: int | None
    last: int | None

    def holds(self, day: int) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)

    @property
    def span(self) -> str:
        """The window in short: '16+0 to 23+6', 'before 24+0' or 'from 24+0'."""
        if self.first is None:
            return f"before {ga_text(self.last + 1)}" if self.last is not None else "at any time"
        if self.last is None:
            return f"from {ga_text(self.first)}"
        return f"{ga_text(self.first)} to {ga_text(self.last)}"

    @property
    def when(self) -> str:
        """When a scan must be made to count: 'between 16+0 and 23+6 weeks', 'before 24+0 weeks'."""
        if self.first is not None and self.last is not None:
            return f"between {ga_text(self.first)} and {ga_text(self.last)} weeks"
        if self.first is not None:
            return f"at {ga_text(self.first)} weeks or later"
        return f"before {ga_text(self.last + 1)} weeks" if self.last is not None else "at any time"


def _shortest(case: Case, window: ScanWindow) -> Any:
    lengths = [
        scan.cervical_length_mm
        for scan in case.ultrasound.cervical_lengths
        if window.holds(scan.gestational_age.total_days)
    ]
    return min(lengths) if lengths else UNKNOWN


@_fact(
    "shortest_cervical_length_since_cerclage",
    "number",
    "Shortest cervical length measured after the cerclage in place was placed (scans on the day it was placed "
    "are taken as before it).",
    ("cerclage.in_place", "cerclage.placed_at", "ultrasound.cervical_lengths"),
    unit="mm",
    range=(0, 60),
)
def _shortest_since_cerclage(case: Case) -> Any:
    now = case.cerclage
    if now.in_place != Tri.present or now.placed_at is None:
        return UNKNOWN
    return _shortest(case, ScanWindow(now.placed_at.total_days + 1, None))


# The window each windowed cervical-length fact reads. Once today is past a window's last day no
# scan can answer the fact, so nothing asks for one; while it is not, a scan in it is what to get.
CERVICAL_LENGTH_WINDOWS = {
    "shortest_cervical_length_before_24_weeks": ScanWindow(None, 24 * 7 - 1),
    "shortest_cervical_length_16_to_before_24_weeks": ScanWindow(16 * 7, 24 * 7 - 1),
    "shortest_cervical_length_14_to_before_24_weeks": ScanWindow(14 * 7, 24 * 7 - 1),
    "shortest_cervical_length_16_to_24_weeks": ScanWindow(16 * 7, 24 * 7),
    "shortest_cervical_length_from_24_weeks": ScanWindow(24 * 7, None),
}
ANY_TIME = ScanWindow(None, None)


@_fact(
    "shortest_cervical_length_before_24_weeks",
    "number",
    "Shortest transvaginal cervical length measured before 24+0 weeks in this pregnancy.",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_before_24(case: Case) -> Any:
    return _shortest(case, CERVICAL_LENGTH_WINDOWS["shortest_cervical_length_before_24_weeks"])


@_fact(
    "shortest_cervical_length_16_to_before_24_weeks",
    "number",
    "Shortest transvaginal cervical length measured from 16+0 weeks to before 24+0 weeks (ACOG's window).",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_16_before_24(case: Case) -> Any:
    return _shortest(case, CERVICAL_LENGTH_WINDOWS["shortest_cervical_length_16_to_before_24_weeks"])


@_fact(
    "shortest_cervical_length_14_to_before_24_weeks",
    "number",
    "Shortest transvaginal cervical length measured from 14+0 weeks to before 24+0 weeks: the mid-trimester scan "
    "(RCOG's window; ACOG's 'before 24 weeks' read from the second trimester).",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_14_before_24(case: Case) -> Any:
    return _shortest(case, CERVICAL_LENGTH_WINDOWS["shortest_cervical_length_14_to_before_24_weeks"])


@_fact(
    "shortest_cervical_length_16_to_24_weeks",
    "number",
    "Shortest transvaginal cervical length measured between 16+0 and 24+0 weeks.",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_16_24(case: Case) -> Any:
    return _shortest(case, CERVICAL_LENGTH_WINDOWS["shortest_cervical_length_16_to_24_weeks"])


@_fact(
    "shortest_cervical_length",
    "number",
    "Shortest transvaginal cervical length measured at any time in this pregnancy.",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_any(case: Case) -> Any:
    return _shortest(case, ANY_TIME)


@_fact(
    "shortest_cervical_length_from_24_weeks",
    "number",
    "Shortest transvaginal cervical length measured at 24+0 weeks or later in this pregnancy.",
    ("ultrasound.cervical_lengths",),
    unit="mm",
    range=(0, 60),
)
def _cl_from_24(case: Case) -> Any:
    return _shortest(case, CERVICAL_LENGTH_WINDOWS["shortest_cervical_length_from_24_weeks"])


@_fact("funneling", "tri", "Funneling of the internal os on ultrasound.", ("ultrasound.funneling",))
def _funneling(case: Case) -> Any:
    return _tri(case.ultrasound.funneling)


# -- exclusions and fetal status ------------------------------------------------------


@_fact("labour", "tri", "Regular painful contractions or labour.", ("exclusions.labour",))
def _labour(case: Case) -> Any:
    return _tri(case.exclusions.labour)


@_fact("bleeding_or_abruption", "tri", "Vaginal bleeding or placental abruption.", ("exclusions.bleeding_or_abruption",))
def _bleeding(case: Case) -> Any:
    return _tri(case.exclusions.bleeding_or_abruption)


@_fact("ruptured_membranes", "tri", "Ruptured membranes.", ("exclusions.ruptured_membranes",))
def _rom(case: Case) -> Any:
    return _tri(case.exclusions.ruptured_membranes)


@_fact("clinical_chorioamnionitis", "tri", "Clinical chorioamnionitis.", ("exclusions.clinical_chorioamnionitis",))
def _chorio(case: Case) -> Any:
    return _tri(case.exclusions.clinical_chorioamnionitis)


@_fact(
    "amniocentesis",
    "choice",
    "Amniocentesis for intra-amniotic infection in this pregnancy.",
    ("exclusions.amniocentesis",),
    choices=("infection_found", "no_infection", "not_done"),
)
def _amnio(case: Case) -> Any:
    return _AMNIO_FACT[case.exclusions.amniocentesis]


@_fact(
    "infection",
    "tri",
    "Infection: clinical chorioamnionitis, or intra-amniotic infection found on amniocentesis. Absent when "
    "chorioamnionitis is absent and amniocentesis found none or was not done.",
    ("exclusions.clinical_chorioamnionitis", "exclusions.amniocentesis"),
)
def _infection(case: Case) -> Any:
    ex = case.exclusions
    return _tri_any([_TRI_FACT[ex.clinical_chorioamnionitis], _AMNIO_INFECTION[ex.amniocentesis]])


@_fact("fetal_demise", "tri", "Fetal demise.", ("fetal.fetal_demise",))
def _demise(case: Case) -> Any:
    return _tri(case.fetal.fetal_demise)


@_fact("lethal_anomaly", "tri", "A lethal fetal anomaly.", ("fetal.lethal_anomaly",))
def _lethal(case: Case) -> Any:
    return _tri(case.fetal.lethal_anomaly)


@_fact("fetal_compromise", "tri", "Evidence of fetal compromise.", ("fetal.fetal_compromise",))
def _compromise(case: Case) -> Any:
    return _tri(case.fetal.fetal_compromise)


@_fact(
    "mild_contractions",
    "tri",
    "Contractions the woman reports or the team records, short of labour.",
    ("symptoms.mild_contractions",),
)
def _mild_contractions(case: Case) -> Any:
    return _tri(case.symptoms.mild_contractions)


def compute_facts(case: Case) -> dict[str, Any]:
    """Every fact's value for this case, computed once."""
    return {name: spec.fn(case) for name, spec in FACTS.items()}


def field_is_unknown(case: Case, path: str) -> bool:
    """True when the case field at ``path`` holds no answer yet."""
    if path == LOSSES_PAINLESS:  # one answer per recorded loss
        losses = case.history.second_trimester_losses
        return losses is None or any(loss.painless == Tri.unknown for loss in losses)
    value: Any = case
    for part in path.split("."):
        value = getattr(value, part)
    if value is None:
        return True
    if isinstance(value, (Tri, Amniocentesis, PriorCerclageReason, PriorCerclageRoute, CerclageIndication)):
        return value.value == "unknown"
    if isinstance(value, list):
        # No scan recorded means the cervical length is not known; an empty history list
        # means "none" and is an answer.
        if path == "ultrasound.cervical_lengths":
            return len(value) == 0
        return any(getattr(item, "gestational_age", 1) is None for item in value)
    return False


# Asked only once a cerclage in an earlier pregnancy is known to have happened.
CERCLAGE_DETAILS = tuple(f"history.{name}" for name in CERCLAGE_DETAIL_FIELDS)
# Asked only once a cerclage in this pregnancy is known to be in place.
CERCLAGE_NOW_DETAILS = tuple(f"cerclage.{name}" for name in CERCLAGE_NOW_DETAIL_FIELDS)


def field_is_missing(case: Case, path: str) -> bool:
    """True when the field holds no answer and can be asked now.

    The details of an earlier cerclage are asked only once a cerclage is known to have happened;
    until then the question to answer is whether there was one, so the details are not listed.
    """
    if path in CERCLAGE_DETAILS and case.history.prior_cerclage != Tri.present:
        return False
    if path in CERCLAGE_NOW_DETAILS and case.cerclage.in_place != Tri.present:
        return False
    if path == LOSSES_PAINLESS and not case.history.second_trimester_losses:
        return False  # asked of each loss once losses are recorded; until then the list is the question
    return field_is_unknown(case, path)


ONE_OF = {"losses": "loss", "births": "birth", "pregnancies": "pregnancy", "fetuses": "fetus"}  # "1 loss"


def show_value(spec: FactSpec, value: Any) -> str:
    """A fact's value in words, with its unit."""
    if value is UNKNOWN:
        return "unknown"
    if spec.kind == "ga":
        return f"{value // 7}+{value % 7} weeks"
    if spec.kind == "number":
        text = str(value) if isinstance(value, Interval) else _num(value)
        unit = ONE_OF.get(spec.unit, spec.unit) if not isinstance(value, Interval) and value == 1 else spec.unit
        return f"{text} {unit}" if unit else text
    return str(value).replace("_", " ")
