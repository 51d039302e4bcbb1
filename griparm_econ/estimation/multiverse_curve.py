"""The specification curve's summary of a multiverse: the rows under the curve (one per choice that varies across
the grid) and the table of shares by row. It reads the curve (one row per model's focus term) and the spec, never a
fit; :mod:`griparm_econ.estimation.multiverse` builds the curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from griparm_econ.labels import term_label
from griparm_econ.spec import MultiverseSpec, control_sets
from griparm_econ.spec.formula import parse_formula
from griparm_econ.spec.multiverse_axes import MULTIVERSE_ESTIMATORS, NO_MODERATOR, outcome_list
from griparm_econ.spec.vocabulary import MULTIVERSE_COVS, cov_label


def _summary_row(curve: pd.DataFrame, expected_sign: str) -> dict[str, float]:
    estimate = curve["estimate"].to_numpy()
    expected = estimate > 0 if expected_sign == "positive" else estimate < 0
    significant = curve["pvalue"].to_numpy() < 0.05
    outcomes = curve["outcome"].nunique()
    return {
        "Models": float(len(curve)),
        "Expected sign (%)": 100 * float(np.mean(expected)),
        "Significant at 5% (%)": 100 * float(np.mean(significant)),
        "Expected sign and significant (%)": 100 * float(np.mean(expected & significant)),
        # Raw estimates of different outcomes are in different units: their median is shown only within an outcome.
        "Median estimate": float(np.median(estimate)) if outcomes == 1 else np.nan,
        "Median estimate (SD of outcome)": float(np.median(curve["estimate_scaled"])),
    }


@dataclass(frozen=True)
class Indicator:
    """One row under the specification curve (and of the summary): the models that made one choice."""

    group: str           # "Outcome", "Controls", ...
    label: str           # the choice, e.g. "Manufactures exports" or "with Log GDP per capita (t-1)"
    mask: np.ndarray     # over the rows of the curve


def _treatment_text(treatment: str, labels: dict[str, str]) -> str:
    """A treatment set by its variables (its lag varies across the grid): "Any restriction × State capacity"."""
    if treatment in labels:
        return labels[treatment]
    terms = treatment.split(" + ")
    product = next((t for t in terms if ":" in t), None)
    names = [term_label(f.variable, labels) for f in parse_formula(f"y ~ {product or terms[0]}").exog[0].factors]
    return " × ".join(names) if product else " + ".join(term_label(t, labels) for t in terms)


def indicators(curve: pd.DataFrame, spec: MultiverseSpec, *, entity_label: str = "Entity",
               time_label: str = "Time") -> list[Indicator]:
    """The choices that vary across the grid, one indicator per value (per control: included or not)."""
    labels = dict(spec.labels)
    effects_text = {"entity+time": f"{entity_label} and {time_label.lower()}", "entity": f"{entity_label} only",
                    "time": f"{time_label} only", "none": "None (pooled)"}
    cov_text = {key: cov_label(key, entity_label, time_label) for key in MULTIVERSE_COVS}
    out: list[Indicator] = []

    def add(group: str, column: str, values, text) -> None:
        if len(values) > 1:
            for value in values:
                out.append(Indicator(group, text(value), (curve[column] == value).to_numpy()))

    add("Outcome family", "outcome_family", list(spec.outcome_families), lambda v: labels.get(v, v.replace("_", " ")))
    add("Outcome", "outcome", outcome_list(spec), lambda v: term_label(v, labels))
    if spec.treatment_definitions:
        add("Treatment definition", "treatment_definition", spec.treatment_definitions,
            lambda v: term_label(v, labels))
        add("Moderator", "moderator", spec.moderators,
            lambda v: "None (no interaction)" if v == NO_MODERATOR else term_label(v, labels))
    else:
        add("Treatment", "treatment", [" + ".join(t) for t in spec.treatments], lambda v: _treatment_text(v, labels))
    if len(control_sets(spec)) > 1 and isinstance(spec.control_sets, list):
        # Sets listed by hand: one row per set (per-control rows would repeat each other, e.g. for none vs all).
        def set_text(chosen: str) -> str:
            terms = chosen.split(" + ") if chosen else []
            return ("none" if not terms else f"all {len(terms)}" if terms == list(spec.controls)
                    else "with " + ", ".join(term_label(t, labels) for t in terms))

        add("Controls", "controls", [" + ".join(c) for c in control_sets(spec)], set_text)
    elif len(control_sets(spec)) > 1:
        sets = curve["controls"].str.split(" + ", regex=False)
        for control in spec.controls:
            out.append(Indicator("Controls", f"with {term_label(control, labels)}",
                                 sets.map(lambda chosen, c=control: c in chosen).to_numpy(dtype=bool)))
    add("Lag", "lag", spec.lags, lambda v: f"t-{v}")
    add("Sample", "sample", list(spec.samples),
        lambda v: labels.get(v) or spec.samples[v].description or v)
    add("Fixed effects", "effects", ["+".join(e) if e else "none" for e in spec.effects],
        lambda v: effects_text.get(v, v))
    add("Standard errors", "cov", list(spec.cov), lambda v: cov_text.get(v, v))
    add("Estimator", "estimator", list(spec.estimators), lambda v: MULTIVERSE_ESTIMATORS[v].label)
    return out


def summarise(curve: pd.DataFrame, expected_sign: str, rows: list[Indicator]) -> pd.DataFrame:
    """All models, then the models of each indicator."""
    table = {"All models": _summary_row(curve, expected_sign)}
    for row in rows:
        table[f"{row.group}: {row.label}"] = _summary_row(curve[row.mask], expected_sign)
    return pd.DataFrame.from_dict(table, orient="index")
