"""The one results type every estimator returns and every report reads.

A formatter only ever sees these frozen objects, never a linearmodels or statsmodels result, so the report package
cannot fit a model and the estimation package cannot format a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

TEST_DISTRIBUTIONS = ("F", "chi2", "t", "z")
# How a test is written into the flat "stats" of an estimates file (keys stable since schema 1; the replication check
# and readers of older files rely on them): test name -> (statistic key, df key, p-value key); a test not listed is
# written as its key (name, or "name:term") -> statistic.
FLAT_STAT_KEYS: dict[str, tuple[str, str | None, str | None]] = {
    "hausman": ("hausman_chi2", "hausman_df", "hausman_pvalue"),
}


@dataclass(frozen=True)
class TestStatistic:
    """One hypothesis test a model reports: the statistic, its reference distribution and degrees of freedom, and
    its p-value.

    ``df`` is an integer for chi2 and t, and a (numerator, denominator) pair for F; a denominator of None is the
    large-sample F(q, infinity) = chi2(q)/q. ``term`` names the coefficient a per-term test is about (e.g. the
    endogenous regressor of a first-stage F)."""

    __test__ = False                    # a results type, not a pytest test class

    name: str                           # "f_stat", "wald_chi2", "first_stage_f", "hausman"
    statistic: float
    distribution: str                   # one of TEST_DISTRIBUTIONS
    df: int | tuple[int, int | None] | None = None
    pvalue: float | None = None
    term: str | None = None

    def __post_init__(self):
        if self.distribution not in TEST_DISTRIBUTIONS:
            raise ValueError(f"distribution {self.distribution!r} is not one of {TEST_DISTRIBUTIONS}")

    @property
    def key(self) -> str:
        """The test's name, with its term after a colon for a per-term test ("first_stage_f:restriction")."""
        return self.name if self.term is None else f"{self.name}:{self.term}"

    def flat_stats(self) -> dict[str, float]:
        """The test as entries of an estimates file's flat ``stats`` mapping (see FLAT_STAT_KEYS)."""
        stat_key, df_key, p_key = FLAT_STAT_KEYS.get(self.name, (self.key, None, None))
        out = {stat_key: float(self.statistic)}
        if df_key is not None and self.df is not None:
            out[df_key] = float(self.df if not isinstance(self.df, tuple) else self.df[0])
        if p_key is not None and self.pvalue is not None:
            out[p_key] = float(self.pvalue)
        return out

    def to_json_dict(self) -> dict:
        return {"name": self.name, "term": self.term, "statistic": float(self.statistic),
                "distribution": self.distribution, "df": list(self.df) if isinstance(self.df, tuple) else self.df,
                "pvalue": self.pvalue}

    @classmethod
    def from_json_dict(cls, data: Mapping) -> "TestStatistic":
        df = data.get("df")
        return cls(name=data["name"], statistic=data["statistic"], distribution=data["distribution"],
                   df=tuple(df) if isinstance(df, list) else df, pvalue=data.get("pvalue"), term=data.get("term"))


@dataclass(frozen=True, kw_only=True)
class ArtefactResult:
    """What every result artefact (a regression table, a multiverse, an event study, a synthetic control, a
    descriptive table) records: its kind, output stem and title, the spec and data it came from with their
    digests, and its notes. Every estimates file's header is written from these fields."""

    stem: str                                   # output file stem (the spec file's stem)
    title: str
    spec_path: str                              # as given, relative to the project root where possible
    spec_sha256: str
    data_path: str
    data_sha256: str
    notes: tuple[str, ...] = ()
    # each artefact type sets its own, redeclared as field(default=..., kw_only=True) so that it stays keyword-only
    kind: str = ""


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
    # descriptive scalars (sigma_u, theta_mean, log likelihood, counts...); hypothesis tests are in ``tests``
    stats: Mapping[str, float] = field(default_factory=dict)
    tests: tuple[TestStatistic, ...] = ()       # model F, Wald chi2, first-stage F per endogenous term, Hausman
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

    def test(self, name: str, term: str | None = None) -> TestStatistic | None:
        """The model's test ``name`` (for ``term``), or None."""
        return next((t for t in self.tests if t.name == name and t.term == term), None)

    def flat_stats(self) -> dict[str, float]:
        """``stats`` with every test flattened into it: the estimates file's ``stats`` (stable keys)."""
        out = dict(self.stats)
        for test in self.tests:
            out.update(test.flat_stats())
        return out

    def to_json_dict(self) -> dict:
        """The estimates-file shape of one model (issue 3): stable keys, plain floats. ``stats`` keeps the flat keys
        of earlier files (tests included); ``tests`` carries each test typed."""
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
            "stats": self.flat_stats(),
            "tests": [test.to_json_dict() for test in self.tests],
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
        tests = tuple(TestStatistic.from_json_dict(t) for t in data.get("tests") or ())
        flattened = {key for test in tests for key in test.flat_stats()}
        values["tests"] = tests
        values["stats"] = {k: v for k, v in (values.get("stats") or {}).items() if k not in flattened}
        terms = data.get("terms")
        if terms:  # the file's keys are sorted; "terms" restores the model's own order
            for key in ("params", "std_errors", "pvalues", "tstats"):
                if key in values:
                    values[key] = {t: values[key][t] for t in terms if t in values[key]}
        return cls(**values)


@dataclass(frozen=True)
class TableResult(ArtefactResult):
    """Everything one regression spec file produced: the input to every table writer. ``notes`` are table-level
    (sample, coverage, data vintage)."""

    models: tuple[ModelResult, ...]
    labels: Mapping[str, str] = field(default_factory=dict)   # term -> label (catalog, then spec overrides)
    order: tuple[str, ...] | None = None        # terms to show, in this order; None = all, first-seen order
    kind: str = field(default="regression", kw_only=True)
    star_levels: tuple[float, ...] = (0.10, 0.05, 0.01)
    digits: int = 3
