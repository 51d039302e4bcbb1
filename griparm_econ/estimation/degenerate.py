"""Designs that no estimator can fit honestly, refused before fitting with one message.

linearmodels fits rank-deficient designs when asked not to check the rank (``check_rank=False``, which the package
needs for its own absorbed-effect message), and then prints coefficients of a pseudo-inverse; a constant outcome gives
round-off coefficients with tiny standard errors (and so does an outcome the fixed effects absorb completely); an
outcome that is also a regressor gives R-squared 1. Each is a
spec the user has to change, so each is a :class:`SpecError` naming the formula term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.estimation.demean import within_transform
from griparm_econ.estimation.within_ols import COLLINEARITY_TOLERANCE, collinear_columns

if TYPE_CHECKING:
    from griparm_econ.estimation.design import Design
    from griparm_econ.spec import ModelConfig

INTERCEPT = "Intercept"


def refuse_outcome_problems(config: "ModelConfig", design: "Design", *, where: str, field: str) -> None:
    """The outcome must vary in the estimation sample and must not be one of its own regressors."""
    parsed = config.parsed
    dependent = parsed.dependent.name
    regressors = [t.name for t in (*parsed.exog, *parsed.endog)]
    if dependent in regressors:
        raise SpecError(f"the outcome {dependent} is also a regressor, so it explains itself (R-squared 1).",
                        where=where, field=f"{field}.formula: {dependent}",
                        fix=f"remove {dependent} from the right-hand side (a lag, L.{dependent}, is allowed).")
    y = design.y.to_numpy(dtype=float)
    scale = max(float(np.max(np.abs(y))), 1.0) if y.size else 1.0
    if y.size and float(np.max(y) - np.min(y)) <= 1e-12 * scale:
        # A first-difference design holds the differences already: a single value there is a constant change.
        what = (f"the first differences of the outcome {dependent} take" if config.estimator == "first_difference"
                else f"the outcome {dependent} takes")
        raise SpecError(f"{what} a single value ({y[0]:g}) in the estimation sample, so there is nothing to "
                        "explain.", where=where, field=f"{field}.formula: {dependent}",
                        fix="choose an outcome that varies in this sample, or widen the sample.")
    _refuse_absorbed_outcome(config, design, y, where=where, field=f"{field}.formula: {dependent}")


def _refuse_absorbed_outcome(config: "ModelConfig", design: "Design", y: np.ndarray, *, where: str,
                             field: str) -> None:
    """An outcome that the fixed effects explain completely (constant within each entity under entity effects, within
    each period under time effects, or a sum of the two under both) leaves zeros to regress on: every coefficient
    prints as 0.000 (0.000)."""
    dependent = config.parsed.dependent.name
    if config.estimator != "panel_ols" or not config.effects:
        return     # first differences: the design holds them, so the single-value check above covers it
    effects = list(config.effects)
    entity = design.entity_codes if "entity" in effects else None
    time = design.time_codes if "time" in effects else None
    left = within_transform(y[:, None], entity, time)[:, 0]
    if float(np.linalg.norm(left)) > 1e-10 * float(np.linalg.norm(y - y.mean())):
        return
    units = {"entity": design.entity_label.lower(), "time": design.time_label.lower()}
    if len(effects) == 1:
        how = f"it is constant within each {units[effects[0]]}"
    else:
        how = f"it is the sum of a {units['entity']} effect and a {units['time']} effect"
    raise SpecError(f"the outcome {dependent} is fully absorbed: {how} in the estimation sample, so the "
                    f"{' and '.join(effects)} fixed effects leave nothing to explain.", where=where, field=field,
                    fix="choose an outcome that varies within the units the effects hold fixed, or drop the effects "
                        "that absorb it.")


def _columns_to_check(config: "ModelConfig", design: "Design") -> tuple[np.ndarray, list[str]]:
    """The regressor columns as the estimator uses them, up to a full-rank transformation."""
    exog = design.exog
    names = list(exog.columns)
    values = exog.to_numpy(dtype=float)
    if design.endog is not None:
        names += list(design.endog.columns)
        values = np.column_stack([values, design.endog.to_numpy(dtype=float)])
    if config.estimator == "panel_ols" and config.effects:
        keep = [j for j, name in enumerate(names) if name != INTERCEPT]
        names = [names[j] for j in keep]
        values = within_transform(values[:, keep],
                                  design.entity_codes if "entity" in config.effects else None,
                                  design.time_codes if "time" in config.effects else None)
    elif config.estimator == "between_ols":
        codes = design.entity_codes
        counts = np.bincount(codes)
        values = np.column_stack([np.bincount(codes, weights=values[:, j]) / counts for j in range(values.shape[1])])
    return values, names


def _combination(values: np.ndarray, j: int, kept: list[int], names: list[str]) -> list[str]:
    """The earlier columns that column ``j`` is a combination of (those with a coefficient that matters)."""
    if not kept:
        return []
    basis = values[:, kept]
    coef, *_ = np.linalg.lstsq(basis, values[:, j], rcond=None)
    weight = np.abs(coef) * np.linalg.norm(basis, axis=0)
    return [names[i] for i, w in zip(kept, weight) if w > 1e-8 * max(float(np.linalg.norm(values[:, j])), 1e-300)]


def refuse_collinear(config: "ModelConfig", design: "Design", *, where: str, field: str) -> None:
    """Refuse regressors that are exact linear combinations of others (after the estimator's transformation)."""
    values, names = _columns_to_check(config, design)
    if not names:
        return
    raw = np.column_stack([design.exog[n].to_numpy(dtype=float) if n in design.exog.columns
                           else design.endog[n].to_numpy(dtype=float) for n in names])
    if config.estimator == "panel_ols" and config.effects:
        scale = ((raw - raw.mean(axis=0)) ** 2).sum(axis=0)
    else:
        scale = (values ** 2).sum(axis=0)
    dropped = collinear_columns(values.T @ values, scale, COLLINEARITY_TOLERANCE)
    if not dropped:
        return
    j = dropped[0]
    kept = [i for i in range(j) if i not in dropped]
    partners = _combination(values, j, kept, names)
    effects = (f" once the {' and '.join(config.effects)} fixed effects are removed"
               if config.estimator == "panel_ols" and config.effects else "")
    if not partners and effects:
        raise SpecError(f"{names[j]} is fully absorbed by the {' and '.join(config.effects)} fixed effects (it is a "
                        "combination of them in this sample).", where=where, field=f"{field}.formula: {names[j]}",
                        fix="drop it from the formula or remove the effects that absorb it.")
    named = ["the constant" if p == INTERCEPT else p for p in partners]
    described = _and(named) or "the other regressors"
    other = named[0] if len(named) == 1 else f"one of {described}"
    raise SpecError(f"the regressors are perfectly collinear: {names[j]} is a linear combination of {described}"
                    f"{effects}.", where=where, field=f"{field}.formula: {names[j]}",
                    fix=f"drop {names[j]} (or {other}) from the formula.")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
