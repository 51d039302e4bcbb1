"""A within-engine model's estimation sample made ready for the wild cluster bootstrap
(:mod:`griparm_econ.estimation.bootstrap`): nested fixed effects partialled out, the others as dummy columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from griparm_econ.errors import SpecError
from griparm_econ.estimation.demean import compact_codes, within_transform
from griparm_econ.estimation.within_groups import fit_group, group_task, plan_groups
from griparm_econ.estimation.within_model import INTERCEPT, WithinModel, cov_kind
from griparm_econ.estimation.within_ols import collinear_columns, is_nested
from griparm_econ.estimation.within_panel import prepare_panel


@dataclass(frozen=True)
class WithinDesign:
    """A model's estimation sample ready for the wild cluster bootstrap.

    Fixed effects nested in the clusters are partialled out (FWL); with ``partial_out="nested"`` the others enter
    ``x`` as dummy columns (named ``time[2001]`` etc., redundant levels dropped), because the bootstrap residuals
    must stay orthogonal to them, which partialling out once before the bootstrap does not guarantee when they cut
    across clusters. ``partial_out="all"`` partials out every fixed effect (faster; exact only for nested effects).
    """

    names: tuple[str, ...]          # columns of x; the model's regressors come first
    y: np.ndarray
    x: np.ndarray
    clusters: np.ndarray | None
    df_k: int                       # K of the model's small-sample factor (fixest convention)
    partialled_out: tuple[str, ...] = ()
    as_dummies: tuple[str, ...] = ()


def within_design(frame: pd.DataFrame, model: WithinModel, *, entity: str, time: str, method: str = "auto",
                  partial_out: str = "nested") -> WithinDesign:
    """The outcome and regressors of one model with its fixed effects handled for the bootstrap, its cluster codes
    and its small-sample K."""
    if partial_out not in ("nested", "all"):
        raise SpecError(f"partial_out = {partial_out!r}.", field="partial_out", fix="use 'nested' or 'all'.")
    panel = prepare_panel(frame, [model], entity, time)
    task = group_task(panel, plan_groups(panel, [model])[0], method)
    fit = fit_group(task)[0][1]
    kind, dim = cov_kind(model)
    clusters = compact_codes(task.clusters[dim])[0] if kind == "cluster" else None
    codes = {"entity": compact_codes(task.entity_codes)[0], "time": compact_codes(task.time_codes)[0]}
    if partial_out == "all" or clusters is None:
        absorbed = list(task.effects)
    else:
        absorbed = [e for e in task.effects if e == dim or is_nested(codes[e], clusters)]
    dummies = [e for e in task.effects if e not in absorbed]
    where = {c: j for j, c in enumerate(task.columns)}
    regressors = [name for name in fit.names if name != INTERCEPT]
    raw = task.values[:, [where[model.dependent]] + [where[c] for c in regressors]]
    extra_names: list[str] = []
    if not task.effects:
        raw = np.column_stack([raw[:, :1], np.ones(raw.shape[0]), raw[:, 1:]])
        extra_names = []
    for effect in dummies:
        levels, inverse = np.unique(task.time_values if effect == "time" else task.entity_codes, return_inverse=True)
        block = np.zeros((raw.shape[0], levels.size))
        block[np.arange(raw.shape[0]), inverse.ravel()] = 1.0
        raw = np.column_stack([raw, block])
        extra_names += [f"{effect}[{level}]" for level in levels]
    transformed = within_transform(raw, codes["entity"] if "entity" in absorbed else None,
                                   codes["time"] if "time" in absorbed else None, method=method)
    y, x = transformed[:, 0], transformed[:, 1:]
    names = ([INTERCEPT] if not task.effects else []) + regressors + extra_names
    if extra_names:
        # Redundant dummies (one level per absorbed dimension or per extra dimension) are dropped; regressors come
        # first, so none of them is, having survived the fit's own check.
        scale = (raw[:, 1:] ** 2).sum(axis=0)
        dropped = set(collinear_columns(x.T @ x, scale))
        keep = [j for j in range(x.shape[1]) if j not in dropped]
        x, names = x[:, keep], [names[j] for j in keep]
    return WithinDesign(tuple(names), y, x, clusters, fit.df_k, tuple(absorbed), tuple(dummies))
