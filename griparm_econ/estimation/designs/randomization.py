"""Randomization inference for the TWFE coefficient of a staggered binary treatment.

The sharp null is that the treatment has no effect on any unit in any period. Under it, re-assigning adoption dates
across units leaves every outcome unchanged, so the TWFE coefficient recomputed under re-assigned dates traces its
null distribution. Each draw permutes the units' cohorts (first treated periods, never treated included), so the
number of units per cohort is kept; the treatment becomes 1[period >= cohort] again.

p-value (two-sided, documented here and in the result): p = (1 + #{b : |beta_b| >= |beta_obs|}) / (1 + B), i.e. the
observed assignment counts as one draw (Phipson and Smyth 2010), so p is never 0 and the test has size at most
alpha at any B. Draws come from ``numpy.random.default_rng(seed)`` over units in sorted order: same data, seed and
B give the same p-value bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.panel_inputs import NEVER_TREATED, cohorts_of, in_sample_cohorts, require_columns
from griparm_econ.estimation.demean import within_transform
from griparm_econ.spec.vocabulary import RANDOMIZATION_SEED

ESTIMATOR = "randomization_inference"
PVALUE_DEFINITION = "(1 + #{|beta_draw| >= |beta_observed|}) / (1 + draws), two-sided, cohorts permuted across units"
DRAWS_PER_BLOCK = 256   # draws demeaned together: bounded memory, same numbers whatever the block size


@dataclass(frozen=True)
class RandomizationInference:
    outcome: str
    estimate: float                 # TWFE coefficient under the observed assignment
    pvalue: float
    draws: int
    seed: int
    n_extreme: int                  # draws at least as extreme as the observed coefficient
    null_quantiles: tuple[float, float, float]   # 2.5%, 50%, 97.5% of the permutation distribution
    definition: str = PVALUE_DEFINITION

    def to_json_dict(self) -> dict:
        return {"estimator": ESTIMATOR, "outcome": self.outcome, "estimate": self.estimate, "pvalue": self.pvalue,
                "draws": self.draws, "seed": self.seed, "n_extreme": self.n_extreme,
                "null_quantiles": list(self.null_quantiles), "definition": self.definition}


def _partial_out(values: np.ndarray, controls: np.ndarray) -> np.ndarray:
    if controls.shape[1] == 0:
        return values
    coef = np.linalg.lstsq(controls, values, rcond=None)[0]
    return values - controls @ coef


def randomization_inference(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
                            covariates: tuple[str, ...] = (), draws: int = 999,
                            seed: int = RANDOMIZATION_SEED
                            ) -> RandomizationInference:
    """Permutation p-value of the TWFE coefficient on 1[period >= cohort] (cohort 0 or missing = never treated)."""
    if int(draws) < 1:
        raise GriparmError(f"{ESTIMATOR}: draws = {draws}.", field="draws", fix="ask for at least 1 draw (999+).")
    require_columns(frame, [outcome, unit, time, cohort, *covariates], estimator=ESTIMATOR)
    data = frame[list(dict.fromkeys([outcome, unit, time, cohort, *covariates]))].dropna(
        subset=[outcome, unit, time, *covariates])
    data = data.sort_values([unit, time], kind="stable").reset_index(drop=True)   # row order cannot change p
    data[cohort] = in_sample_cohorts(data, time=time, cohort=cohort)
    per_unit = cohorts_of(data, unit, cohort, estimator=ESTIMATOR).sort_index()
    if per_unit.nunique() < 2:
        raise GriparmError(f"{ESTIMATOR}: every unit has the same adoption date, nothing to permute.", field=cohort,
                           fix="randomization inference needs units with different cohorts.")
    unit_index = pd.Index(per_unit.index).get_indexer(data[unit])
    periods = pd.to_numeric(data[time]).to_numpy(float)
    codes = (pd.factorize(data[unit])[0], pd.factorize(data[time])[0])
    controls = within_transform(data[list(covariates)].to_numpy(float), *codes) if covariates else \
        np.zeros((len(data), 0))
    y = _partial_out(within_transform(data[[outcome]].to_numpy(float), *codes), controls)[:, 0]

    def coefficients(cohort_by_unit: np.ndarray) -> np.ndarray:
        """TWFE coefficient for each column of unit cohorts (units x assignments)."""
        g = cohort_by_unit[unit_index]
        d = ((g != NEVER_TREATED) & (periods[:, None] >= g)).astype(float)
        d = _partial_out(within_transform(d, *codes), controls)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (y @ d) / (d * d).sum(axis=0)

    observed_g = per_unit.to_numpy(float)
    estimate = float(coefficients(observed_g[:, None])[0])
    if not np.isfinite(estimate):
        raise GriparmError(f"{ESTIMATOR}: the treatment has no variation left after the fixed effects.",
                           field=cohort, fix="check the cohort column.")
    rng = np.random.default_rng(seed)
    null = np.empty(int(draws))
    for start in range(0, int(draws), DRAWS_PER_BLOCK):
        block = min(DRAWS_PER_BLOCK, int(draws) - start)
        assignments = np.column_stack([rng.permutation(observed_g) for _ in range(block)])
        null[start:start + block] = coefficients(assignments)
    # A permutation that leaves no treated variation has an undefined coefficient: it counts as extreme (conservative).
    extreme = int(np.sum(~np.isfinite(null) | (np.abs(null) >= abs(estimate) * (1 - 1e-12))))
    finite = null[np.isfinite(null)]
    quantiles = tuple(float(q) for q in np.quantile(finite, [0.025, 0.5, 0.975])) if finite.size else \
        (float("nan"),) * 3
    return RandomizationInference(outcome, estimate, (1 + extreme) / (1 + int(draws)), int(draws), int(seed),
                                  extreme, quantiles)
