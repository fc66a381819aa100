"""Clinic words for each case field, and the intake section it lives in.

Used to name what is missing ("cervical length scans") and to link it back to its place
in the intake checklist.
"""

from __future__ import annotations

SECTIONS: dict[str, str] = {
    "pregnancy": "This pregnancy",
    "cerclage": "Cerclage in this pregnancy",
    "history": "Obstetric history",
    "risk_factors": "Cervical risk factors",
    "symptoms": "Symptoms",
    "exam": "Examination",
    "ultrasound": "Ultrasound",
    "exclusions": "Findings that exclude the diagnosis",
    "fetal": "Fetal status",
}

FIELD_LABELS: dict[str, str] = {
    "gestational_age": "Current gestational age",
    "fetuses": "Number of fetuses",
    "cerclage.in_place": "Cerclage already in place in this pregnancy",
    "cerclage.route": "Route of the cerclage in place",
    "cerclage.indication": "What the cerclage in place was placed for",
    "cerclage.placed_at": "Gestational age the cerclage was placed at",
    "history.second_trimester_losses": "Spontaneous second-trimester losses",
    "history.second_trimester_losses.painless": "Whether each earlier loss was painless",
    "history.spontaneous_preterm_births": "Spontaneous preterm births",
    "history.prior_cerclage": "Cerclage in an earlier pregnancy",
    "history.prior_cerclage_reason": "Reason for the earlier cerclage",
    "history.prior_cerclage_route": "Route of the earlier cerclage",
    "history.prior_cerclage_failed": "Earlier cerclage failed (loss or birth before 28 weeks)",
    "risk_factors.conization_or_leep": "Conization or LEEP",
    "risk_factors.repeated_mechanical_dilation": "Repeated mechanical cervical dilation",
    "risk_factors.obstetric_cervical_laceration": "Obstetric cervical laceration",
    "risk_factors.mullerian_anomaly": "Müllerian anomaly",
    "risk_factors.connective_tissue_disorder": "Connective-tissue disorder",
    "risk_factors.in_utero_des_exposure": "In-utero DES exposure",
    "symptoms.pelvic_pressure": "Pelvic pressure",
    "symptoms.cramping": "Cramping",
    "symptoms.backache": "Backache",
    "symptoms.discharge_change": "Change in vaginal discharge",
    "symptoms.mild_contractions": "Mild contractions",
    "exam.cervical_dilation_cm": "Cervical dilation (cm)",
    "exam.membranes_at_or_beyond_os": "Membranes visible at or beyond the external os",
    "ultrasound.cervical_lengths": "Cervical length scans (mm, with gestational age)",
    "ultrasound.funneling": "Funneling",
    "exclusions.labour": "Regular painful contractions or labour",
    "exclusions.bleeding_or_abruption": "Vaginal bleeding or abruption",
    "exclusions.ruptured_membranes": "Ruptured membranes",
    "exclusions.clinical_chorioamnionitis": "Clinical chorioamnionitis",
    "exclusions.amniocentesis": "Amniocentesis result",
    "fetal.fetal_demise": "Fetal demise",
    "fetal.lethal_anomaly": "Lethal fetal anomaly",
    "fetal.fetal_compromise": "Fetal compromise",
}


def section_of(path: str) -> str:
    """The intake section key a field path belongs to."""
    head = path.split(".", 1)[0]
    return head if head in SECTIONS and "." in path else "pregnancy"


def label_of(path: str) -> str:
    """The clinic name of a field; a sub-field (gestational_age.weeks) is named by its field."""
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    head, _, tail = path.rpartition(".")
    if head in FIELD_LABELS:
        return f"{FIELD_LABELS[head]} ({tail.replace('_', ' ')})"
    return path


_ROW_NOUNS = {
    "second_trimester_losses": "loss",
    "spontaneous_preterm_births": "birth",
    "cervical_lengths": "scan",
}


def place_of(path: str) -> str | None:
    """Where a message belongs, in clinic words, or None for a name the case format does not have.

    'gestational_age.weeks' is 'Current gestational age (weeks)';
    'ultrasound.cervical_lengths[1].cervical_length_mm' is
    'Cervical length scans (mm, with gestational age), scan 2: cervical length'.
    """
    head, _, rest = path.partition("[")
    if not rest:
        named = label_of(path)
        return None if named == path else named
    if label_of(head) == head:
        return None
    index, _, tail = rest.partition("]")
    if not index.isdigit():
        return None
    noun = _ROW_NOUNS.get(head.rsplit(".", 1)[-1], "row")
    field, _, part = tail.strip(".").partition(".")
    column = field.removesuffix("_mm").replace("_", " ") + (f" ({part})" if part else "")
    return f"{label_of(head)}, {noun} {int(index) + 1}" + (f": {column}" if column else "")
