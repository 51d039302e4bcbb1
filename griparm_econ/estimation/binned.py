"""The binning estimator of a marginal effect (Hainmueller, Mummolo and Xu 2019, "How Much Should We Trust
Estimates from Multiplicative Interaction Models?", Political Analysis 27(2)).

The linear interaction model forces the effect of a treatment D to change linearly in the moderator X. The binning
estimator drops that assumption: X is cut into bins at its quantiles (terciles by default) in the estimation sample,
and within each bin j the model has its own intercept, treatment effect, and slopes in X centred at the bin's median
x_j:

    y = sum_j G_j * [mu_j + alpha_j D + eta_j (X - x_j) + beta_j (X - x_j) D] + Z gamma + fixed effects + e

so alpha_j is the effect of D at X = x_j. The controls Z, fixed effects, sample and covariance are the model's own
(the design is the one the table estimated; only the interaction part is replaced). With absorbed effects one bin
intercept is dropped (the bins' intercepts sum to the absorbed constant). If the linear model is right, the alpha_j
lie on its line; if they do not, the line is an extrapolation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import SpecError


@dataclass(frozen=True)
class BinnedEffects:
    """alpha_j per bin: columns bin, lower_edge, upper_edge, median, effect, se, lower, upper, n, n_treated."""

    frame: pd.DataFrame
    level: float
    treated_moderator: np.ndarray     # the moderator's values in treated observations (D != 0) of the sample


def _bin_codes(x: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.quantile(x, np.linspace(0, 1, n_bins + 1))
    if len(np.unique(edges)) != len(edges):
        raise ValueError("the moderator has too few distinct values for this many bins")
    codes = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    return codes, edges


def binned_exog(exog: pd.DataFrame, *, treatment: str, moderator: str, interaction: str, n_bins: int,
                absorbed_constant: bool) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The design's regressors with the linear interaction replaced by the binned terms; the bins (edges, medians,
    counts); the bin code of each row."""
    d = exog[treatment].to_numpy(dtype=float)
    x = exog[moderator].to_numpy(dtype=float)
    codes, edges = _bin_codes(x, n_bins)
    controls = exog.drop(columns=[c for c in (treatment, moderator, interaction, "Intercept") if c in exog.columns])
    columns: dict[str, np.ndarray] = {}
    rows = []
    for j in range(n_bins):
        g = (codes == j).astype(float)
        median = float(np.median(x[codes == j]))
        if j > 0 or not absorbed_constant:
            columns[f"bin{j + 1}"] = g
        columns[f"bin{j + 1}:D"] = g * d
        columns[f"bin{j + 1}:X"] = g * (x - median)
        columns[f"bin{j + 1}:X:D"] = g * (x - median) * d
        rows.append({"bin": j + 1, "lower_edge": float(edges[j]), "upper_edge": float(edges[j + 1]),
                     "median": median, "n": int(g.sum()), "n_treated": int(((d != 0) & (codes == j)).sum())})
    binned = pd.DataFrame(columns, index=exog.index)
    return pd.concat([binned, controls], axis=1), pd.DataFrame(rows), codes


def binned_effects(config, design, *, treatment: str, moderator: str, interaction: str, n_bins: int = 3,
                   level: float = 0.95, where: str, field: str) -> BinnedEffects:
    """Refit the model (its design, effects, covariance) with the binned terms; alpha_j with their bands."""
    from griparm_econ.estimation.dispatch import fit_model

    for term, what in ((treatment, "treatment"), (moderator, "moderator"), (interaction, "interaction")):
        if term not in design.exog.columns:
            raise SpecError(f"the model has no regressor '{term}' ({what}) to bin.", where=where, field=what,
                            fix=f"name a term of the model exactly as its formula writes it "
                                f"({', '.join(c for c in design.exog.columns if c != 'Intercept')}).")
    absorbed = bool(config.effects) or "Intercept" not in design.exog.columns
    try:
        exog, bins, _ = binned_exog(design.exog, treatment=treatment, moderator=moderator, interaction=interaction,
                                    n_bins=n_bins, absorbed_constant=absorbed)
    except ValueError as err:
        raise SpecError(f"cannot bin '{moderator}': {err}.", where=where, field="bins",
                        fix="use fewer bins.") from None
    binned_config = replace(config, bootstrap=None, hausman=False)
    binned_design = replace(design, exog=exog)
    if config.effects:
        from griparm_econ.estimation.dispatch import absorbed_by_effects

        # A bin in which the treatment never changes within a country (e.g. no treated country at that level of
        # the moderator) has no within estimate: its terms are dropped and its effect reported as not identified,
        # which is the finding, rather than a failure.
        absorbed = [c for c in absorbed_by_effects(binned_config, binned_design) if ":D" in c]
        if absorbed:
            binned_design = replace(design, exog=exog.drop(columns=absorbed))
    result = fit_model(binned_config, binned_design, where=where, field=field)
    tail = (1 + level) / 2
    crit = stats.t.ppf(tail, result.df_pvalues) if result.df_pvalues else stats.norm.ppf(tail)
    effect = np.array([result.params.get(f"bin{j}:D", np.nan) for j in bins["bin"]])
    se = np.array([result.std_errors.get(f"bin{j}:D", np.nan) for j in bins["bin"]])
    frame = bins.assign(effect=effect, se=se, lower=effect - crit * se, upper=effect + crit * se,
                        identified=np.isfinite(effect))
    d = design.exog[treatment].to_numpy(dtype=float)
    return BinnedEffects(frame=frame, level=level,
                         treated_moderator=design.exog[moderator].to_numpy(dtype=float)[d != 0])
