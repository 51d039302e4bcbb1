"""Groups of models that share one estimation sample and fixed-effect structure, hence one within-transformation,
and the fit of one group (the unit of work the executor in :mod:`griparm_econ.estimation.within` hands out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from griparm_econ.estimation.demean import compact_codes, within_transform
from griparm_econ.estimation.within_model import INTERCEPT, WithinFit, WithinModel, cov_kind
from griparm_econ.estimation.within_ols import fit_demeaned
from griparm_econ.estimation.within_panel import PreparedPanel, drop_singletons, model_rows, prepare_panel


@dataclass
class SampleGroup:
    effects: tuple[str, ...]
    rows: np.ndarray                   # row indices of the estimation sample
    n_singletons: int
    models: list[tuple[int, WithinModel]] = field(default_factory=list)


def plan_groups(panel: PreparedPanel, models: Sequence[WithinModel]) -> list[SampleGroup]:
    groups: dict[tuple[bytes, tuple[str, ...]], SampleGroup] = {}
    singleton_cache: dict[tuple[bytes, tuple[str, ...]], tuple[np.ndarray, int]] = {}
    for position, model in enumerate(models):
        keep = model_rows(panel, model)
        key = (np.packbits(keep).tobytes(), model.effects)
        if key not in singleton_cache:
            codes = [panel.entity_codes if e == "entity" else panel.time_codes for e in model.effects]
            final = drop_singletons(codes, keep) if codes else keep
            singleton_cache[key] = (np.flatnonzero(final).astype(np.int32), int(keep.sum() - final.sum()))
        rows, n_singletons = singleton_cache[key]
        final_key = (rows.tobytes(), model.effects)
        group = groups.get(final_key)
        if group is None:
            group = groups[final_key] = SampleGroup(model.effects, rows, n_singletons)
        group.models.append((position, model))
    return list(groups.values())


def sample_groups(frame: pd.DataFrame, models: Sequence[WithinModel], *, entity: str,
                  time: str) -> list[tuple[int, ...]]:
    """Positions of the models that share one estimation sample and fixed-effect structure, hence one
    within-transformation: what :func:`fit_many` will compute once per group."""
    models = list(models)
    panel = prepare_panel(frame, models, entity, time)
    return [tuple(position for position, _ in group.models) for group in plan_groups(panel, models)]


@dataclass
class GroupTask:
    """Everything a worker needs for one group, without the rest of the panel."""

    effects: tuple[str, ...]
    n_singletons: int
    columns: list[str]
    values: np.ndarray
    entity_codes: np.ndarray
    time_codes: np.ndarray
    time_values: np.ndarray
    clusters: dict[str, np.ndarray]
    models: list[tuple[int, WithinModel]]
    method: str


def group_task(panel: PreparedPanel, group: SampleGroup, method: str) -> GroupTask:
    columns: list[str] = []
    for _, model in group.models:
        columns += [c for c in model.columns if c not in columns]
    rows = group.rows
    values = panel.values[np.ix_(rows, [panel.column_index[c] for c in columns])]
    clusters = {}
    for _, model in group.models:
        kind, dim = cov_kind(model)
        if kind == "cluster" and dim not in clusters:
            clusters[dim] = panel.cluster_codes[dim][rows]
    return GroupTask(group.effects, group.n_singletons, columns, values, panel.entity_codes[rows],
                      panel.time_codes[rows], panel.time_values[rows], clusters, group.models, method)


def _year_range(time_values: np.ndarray) -> tuple[int, int] | None:
    try:
        return int(np.min(time_values)), int(np.max(time_values))
    except (TypeError, ValueError):
        return None


def fit_group(task: GroupTask) -> list[tuple[int, WithinFit]]:
    entity = task.entity_codes if "entity" in task.effects else None
    time = task.time_codes if "time" in task.effects else None
    demeaned = within_transform(task.values, entity, time, method=task.method)
    where = {c: j for j, c in enumerate(task.columns)}
    raw = task.values
    # Variation of each column before the transformation: the yardstick of the collinearity check.
    scale = ((raw - raw.mean(axis=0)) ** 2).sum(axis=0) if task.effects else (raw ** 2).sum(axis=0)
    fe_codes = {}
    if entity is not None:
        fe_codes["entity"] = compact_codes(entity)[0]
    if time is not None:
        fe_codes["time"] = compact_codes(time)[0]
    clusters = {dim: compact_codes(codes)[0] for dim, codes in task.clusters.items()}
    n_entities = compact_codes(task.entity_codes)[1]
    n_periods = compact_codes(task.time_codes)[1]
    years = _year_range(task.time_values) if task.time_values.size else None
    out = []
    for position, model in task.models:
        y = demeaned[:, where[model.dependent]]
        y_raw = task.values[:, where[model.dependent]]
        x = demeaned[:, [where[c] for c in model.regressors]]
        x_scale = scale[[where[c] for c in model.regressors]]
        names = list(model.regressors)
        if not model.effects:
            x = np.column_stack([np.ones(y.size), x])
            x_scale = np.concatenate([[float(y.size)], x_scale])
            names = [INTERCEPT, *names]
        kind, dim = cov_kind(model)
        cluster = clusters[dim] if kind == "cluster" else None
        out.append((position, fit_demeaned(model, names, y, x, x_scale, y_raw, fe_codes, cluster, years, n_entities,
                                       n_periods, task.n_singletons)))
    return out
