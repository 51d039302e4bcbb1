"""Frozen result types of the causal-design engines, shaped for the estimates file (issue 12).

Every engine in this subpackage returns a :class:`DesignResult`; ``to_json_dict`` gives the estimates-file shape
(``att``, ``event_time``, ``pretrend``) with plain floats, so the runner can write it later without knowing which
library produced the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from scipy import stats


def _plain(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Estimate:
    """One scalar effect with its standard error and confidence interval."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float

    @classmethod
    def from_se(cls, estimate: float, std_error: float, critical: float) -> "Estimate":
        return cls(float(estimate), float(std_error), float(estimate - critical * std_error),
                   float(estimate + critical * std_error))

    @property
    def tstat(self) -> float:
        return self.estimate / self.std_error if self.std_error > 0 else math.nan

    def to_json_dict(self) -> dict:
        return {"estimate": _plain(self.estimate), "std_error": _plain(self.std_error),
                "ci_low": _plain(self.ci_low), "ci_high": _plain(self.ci_high)}


@dataclass(frozen=True)
class EventTimeEstimate:
    """The effect ``k`` periods after adoption (k = -1 the last period before it)."""

    k: int
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float

    @classmethod
    def from_se(cls, k: int, estimate: float, std_error: float, critical: float) -> "EventTimeEstimate":
        est = Estimate.from_se(estimate, std_error, critical)
        return cls(int(k), est.estimate, est.std_error, est.ci_low, est.ci_high)

    def to_json_dict(self) -> dict:
        return {"k": self.k, "estimate": _plain(self.estimate), "std_error": _plain(self.std_error),
                "ci_low": _plain(self.ci_low), "ci_high": _plain(self.ci_high)}


@dataclass(frozen=True)
class PretrendTest:
    """Joint test that every pre-adoption coefficient is zero."""

    statistic: float
    df: int
    pvalue: float
    distribution: str = "chi2"          # chi2 (Wald) or F (with df_denominator)
    df_denominator: int | None = None

    def to_json_dict(self) -> dict:
        return {"statistic": _plain(self.statistic), "df": int(self.df), "pvalue": _plain(self.pvalue),
                "distribution": self.distribution, "df_denominator": self.df_denominator}


def wald_pretrend(estimates, cov, *, df_denominator: int | None = None) -> PretrendTest | None:
    """Wald test of ``estimates == 0`` with covariance ``cov``; an F test when ``df_denominator`` is given."""
    import numpy as np

    b = np.asarray(estimates, dtype=float)
    if b.size == 0:
        return None
    v = np.asarray(cov, dtype=float)
    wald = float(b @ np.linalg.pinv(v) @ b)
    q = int(b.size)
    if df_denominator is None:
        return PretrendTest(wald, q, float(stats.chi2.sf(wald, q)), "chi2")
    f = wald / q
    return PretrendTest(f, q, float(stats.f.sf(f, q, df_denominator)), "F", int(df_denominator))


@dataclass(frozen=True)
class DesignResult:
    """One fitted design: the overall effect, the event-time path and the pre-trend test, plus counts.

    ``aggregations`` holds further named summaries (e.g. Callaway-Sant'Anna's group and calendar effects) as
    name -> label -> Estimate; ``stats`` holds extra scalars (R², number of comparisons, ...).
    """

    estimator: str
    outcome: str
    att: Estimate | None
    event_time: tuple[EventTimeEstimate, ...] = ()
    pretrend: PretrendTest | None = None
    nobs: int = 0
    n_units: int = 0
    n_treated_units: int = 0
    cohorts: Mapping[int, int] = field(default_factory=dict)      # first treated period -> number of units
    cov_label: str = ""
    aggregations: Mapping[str, Mapping[str, Estimate]] = field(default_factory=dict)
    stats: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # covariance of the event_time estimates, in their order (rows of plain floats); empty when the engine has none.
    # Not written to the estimates file (its robust sets are); the Rambachan-Roth sets need it.
    event_time_cov: tuple[tuple[float, ...], ...] = ()

    def event(self, k: int) -> EventTimeEstimate:
        return next(e for e in self.event_time if e.k == k)

    def to_json_dict(self) -> dict:
        return {
            "estimator": self.estimator,
            "outcome": self.outcome,
            "att": self.att.to_json_dict() if self.att else None,
            "event_time": [e.to_json_dict() for e in self.event_time],
            "pretrend": self.pretrend.to_json_dict() if self.pretrend else None,
            "nobs": int(self.nobs),
            "n_units": int(self.n_units),
            "n_treated_units": int(self.n_treated_units),
            "cohorts": {str(k): int(v) for k, v in sorted(self.cohorts.items())},
            "cov_label": self.cov_label,
            "aggregations": {name: {label: est.to_json_dict() for label, est in block.items()}
                             for name, block in self.aggregations.items()},
            "stats": {k: _plain(v) for k, v in self.stats.items()},
            "notes": list(self.notes),
        }
