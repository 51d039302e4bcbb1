"""The one results type every estimator returns and every report reads.

A formatter only ever sees these frozen objects, never a linearmodels or statsmodels result, so the report package
cannot fit a model and the estimation package cannot format a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class ModelResult:
    """One fitted model, reduced to plain numbers.

    ``params``, ``std_errors``, ``pvalues`` and ``tstats`` are keyed by the parameter names as the formula gives them
    (``Intercept`` for the constant), in the model's own order. ``cov_matrix`` is the full covariance of the
    estimates as nested dicts (row name -> column name -> value), for the delta method and coefficient plots.
    """

    name: str
    estimator: str                      # panel_ols | random_effects | between_ols | first_difference | pooled_ols | iv2sls | ols
    dependent: str
    formula: str
    cov: str                            # the spec's cov string, e.g. "cluster:entity"
    cov_label: str                      # what a table prints, e.g. "Clustered (country)"
    nobs: int
    params: Mapping[str, float]
    std_errors: Mapping[str, float]
    pvalues: Mapping[str, float]
    tstats: Mapping[str, float]
    cov_matrix: Mapping[str, Mapping[str, float]]
    df_resid: int | None = None
    df_pvalues: int | None = None               # t degrees of freedom behind the p-values (G-1 clustered); None = z
    rsquared: float | None = None
    rsquared_within: float | None = None
    rsquared_between: float | None = None
    rsquared_overall: float | None = None
    n_entities: int | None = None
    n_clusters: int | None = None               # the G used in the small-sample adjustment (min over dimensions)
    clusters_by_dim: Mapping[str, int] = field(default_factory=dict)   # {"entity": 10, "time": 20}
    effects: tuple[str, ...] = ()               # absorbed fixed effects: "entity", "time"
    entity_label: str = "Entity"                # "Country" for the study panel
    time_label: str = "Time"
    n_singletons_dropped: int = 0
    sample_description: str = ""               # the model's named sample, as its spec describes it
    years: tuple[int, int] | None = None        # first and last time period actually used
    instruments: tuple[str, ...] = ()
    endogenous: tuple[str, ...] = ()
    stats: Mapping[str, float] = field(default_factory=dict)        # extra statistics: F, Hausman chi2, first-stage F...
    bootstrap: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # term -> {"pvalue","ci_low","ci_high","B"}
    # How the bootstrap ran (impose_null, weights, B, seed, level), for the report to describe it.
    bootstrap_settings: Mapping[str, object] = field(default_factory=dict)
    # binary (0/1) regressor -> clustering dimension -> clusters with the regressor at 1 in some observation: the
    # clusters that carry a treatment's identifying variation, for reading clustered and bootstrap inference
    ever_treated_clusters: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # observations dropped because a value lies outside its catalog valid_range, and those values
    # ({"variable", "entity", "year", "value"} each)
    n_outside_valid_range: int = 0
    outside_valid_range: tuple[Mapping, ...] = ()
    notes: tuple[str, ...] = ()
    # two-way FE diagnostics asked for by the spec (issue 12): "bacon", "randomization_inference" -> record
    diagnostics: Mapping[str, Mapping] = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        """The estimates-file shape of one model (issue 3): stable keys, plain floats."""
        return ({"diagnostics": dict(self.diagnostics)} if self.diagnostics else {}) | {  # noqa: E501
            "name": self.name,
            "estimator": self.estimator,
            "dependent": self.dependent,
            "formula": self.formula,
            "nobs": int(self.nobs),
            "params": dict(self.params),
            "std_errors": dict(self.std_errors),
            "pvalues": dict(self.pvalues),
            "tstats": dict(self.tstats),
            "rsquared": self.rsquared,
            "rsquared_within": self.rsquared_within,
            "rsquared_between": self.rsquared_between,
            "rsquared_overall": self.rsquared_overall,
            "n_entities": self.n_entities,
            "n_clusters": self.n_clusters,
            "clusters_by_dim": dict(self.clusters_by_dim),
            "cov": self.cov,
            "cov_label": self.cov_label,
            "effects": list(self.effects),
            "df_resid": self.df_resid,
            "df_pvalues": self.df_pvalues,
            "n_singletons_dropped": self.n_singletons_dropped,
            "sample_description": self.sample_description,
            "years": list(self.years) if self.years else None,
            "instruments": list(self.instruments),
            "endogenous": list(self.endogenous),
            "stats": dict(self.stats),
            "bootstrap": {k: dict(v) for k, v in self.bootstrap.items()},
            "bootstrap_settings": dict(self.bootstrap_settings),
            "ever_treated_clusters": {k: dict(v) for k, v in self.ever_treated_clusters.items()},
            "n_outside_valid_range": int(self.n_outside_valid_range),
            "outside_valid_range": [dict(v) for v in self.outside_valid_range],
            "cov_matrix": {k: dict(v) for k, v in self.cov_matrix.items()},
            "notes": list(self.notes),
        }


    @classmethod
    def from_json_dict(cls, data: Mapping) -> "ModelResult":
        """Rebuild a result from its estimates-file entry (figures read results this way, so they need no refit)."""
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in names}
        for key in ("effects", "instruments", "endogenous", "notes", "outside_valid_range"):
            values[key] = tuple(values.get(key) or ())
        if values.get("years"):
            values["years"] = tuple(values["years"])
        terms = data.get("terms")
        if terms:  # the file's keys are sorted; "terms" restores the model's own order
            for key in ("params", "std_errors", "pvalues", "tstats"):
                if key in values:
                    values[key] = {t: values[key][t] for t in terms if t in values[key]}
        return cls(**values)


@dataclass(frozen=True)
class TableResult:
    """Everything one spec file produced: the input to every table writer."""

    stem: str                                   # output file stem (the spec file's stem)
    title: str
    spec_path: str                              # as given, relative to the project root where possible
    spec_sha256: str
    data_path: str
    data_sha256: str
    models: tuple[ModelResult, ...]
    labels: Mapping[str, str] = field(default_factory=dict)   # term -> label (catalog, then spec overrides)
    order: tuple[str, ...] | None = None        # terms to show, in this order; None = all, first-seen order
    notes: tuple[str, ...] = ()                 # table-level notes (sample, coverage, data vintage)
    star_levels: tuple[float, ...] = (0.10, 0.05, 0.01)
    digits: int = 3
