"""Quantities derived from a fitted model's estimates and covariance (no refitting).

Kept apart from the figures: the figure code only draws what these functions compute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.estimation.results import ModelResult
from griparm_econ.errors import SpecError


@dataclass(frozen=True)
class MarginalEffect:
    """dy/d(treatment) as a linear function of a moderator, with pointwise confidence bands."""

    treatment: str
    moderator: str
    interaction: str
    grid: pd.DataFrame          # columns: moderator, effect, se, lower, upper
    level: float


def _term(result: ModelResult, term: str, what: str) -> None:
    if term not in result.params:
        raise SpecError(f"model {result.name!r} has no term {term!r} ({what}).", field=what,
                        fix=f"use one of: {', '.join(result.params)}")


def marginal_effect(result: ModelResult, treatment: str, interaction: str, moderator_values, *,
                    moderator: str = "", level: float = 0.95) -> MarginalEffect:
    """Effect of ``treatment`` at each moderator value m: b_t + b_int * m, with the delta-method variance
    V_tt + m^2 V_ii + 2 m V_ti from the model's own covariance (so clustered errors carry through).

    Critical values come from the distribution behind the model's own p-values (t with G-1 degrees of freedom when
    clustered, as Stata's ``margins`` after ``vce(cluster)``; the normal for random effects), so the band and the
    table's stars agree.
    """
    _term(result, treatment, "treatment")
    _term(result, interaction, "interaction")
    m = np.asarray(moderator_values, dtype=float)
    b_t, b_i = result.params[treatment], result.params[interaction]
    cov = result.cov_matrix
    v_tt, v_ii, v_ti = cov[treatment][treatment], cov[interaction][interaction], cov[treatment][interaction]
    effect = b_t + b_i * m
    se = np.sqrt(np.maximum(v_tt + m**2 * v_ii + 2 * m * v_ti, 0.0))
    tail = (1 + level) / 2
    crit = stats.t.ppf(tail, result.df_pvalues) if result.df_pvalues else stats.norm.ppf(tail)
    grid = pd.DataFrame({"moderator": m, "effect": effect, "se": se,
                         "lower": effect - crit * se, "upper": effect + crit * se})
    return MarginalEffect(treatment=treatment, moderator=moderator, interaction=interaction, grid=grid, level=level)


@dataclass(frozen=True)
class Hausman:
    chi2: float
    df: int
    pvalue: float
    terms: tuple[str, ...]


def hausman(b_consistent: pd.Series, v_consistent: pd.DataFrame, b_efficient: pd.Series,
            v_efficient: pd.DataFrame) -> Hausman:
    """Stata's ``hausman consistent efficient``: (b_c - b_e)' (V_c - V_e)^- (b_c - b_e) over the coefficients the
    two models share, with a generalised inverse and df = rank(V_c - V_e), as Stata computes it."""
    terms = [t for t in b_consistent.index if t in b_efficient.index and t != "Intercept"]
    diff = (b_consistent[terms] - b_efficient[terms]).to_numpy()
    v = (v_consistent.loc[terms, terms] - v_efficient.loc[terms, terms]).to_numpy()
    chi2 = float(diff @ np.linalg.pinv(v) @ diff)
    df = int(np.linalg.matrix_rank(v))
    return Hausman(chi2=chi2, df=df, pvalue=float(stats.chi2.sf(chi2, df)), terms=tuple(terms))
