"""Preparation shared by all models of the fast engine: the panel's columns as one float matrix, identifiers and
clusters as integer codes, and each model's complete-case rows (singletons of absorbed effects dropped as fixest
does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from griparm_econ.errors import SpecError
from griparm_econ.estimation.within_model import EFFECTS, WithinModel, cov_kind


@dataclass
class PreparedPanel:
    """The frame reduced once to what every model needs: codes and one float matrix."""

    entity_codes: np.ndarray
    time_codes: np.ndarray
    time_values: np.ndarray
    values: np.ndarray                 # n_rows x n_columns, float64, NaN for missing
    column_index: dict[str, int]
    present: np.ndarray                # n_rows x n_columns, bool
    samples: dict[str, np.ndarray]     # sample column -> bool array
    cluster_codes: dict[str, np.ndarray]


def _codes(series: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(series, sort=True)
    return codes.astype(np.int64)


def prepare_panel(frame: pd.DataFrame, models: Sequence[WithinModel], entity: str, time: str) -> PreparedPanel:
    for column in (entity, time):
        if column not in frame.columns:
            raise SpecError(f"the panel has no column {column!r}.", field=column,
                            fix="pass the entity and time columns of the panel (e.g. entity='iso3', time='year').")
    used: list[str] = []
    for model in models:
        for effect in model.effects:
            if effect not in EFFECTS:
                raise SpecError(f"unknown fixed effect {effect!r} in model {model.name!r}.", field="effects",
                                fix=f"use a subset of {EFFECTS}.")
        for column in model.columns:
            if column not in frame.columns:
                raise SpecError(f"model {model.name!r} uses {column!r}, which is not a column of the panel.",
                                field=column, fix="add the variable to the panel or correct its name.")
            if column not in used:
                used.append(column)
        cov_kind(model)
    values = np.empty((len(frame), len(used)), dtype=np.float64)
    for j, column in enumerate(used):
        try:
            values[:, j] = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as error:
            raise SpecError(f"column {column!r} is not numeric ({error}).", field=column,
                            fix="use a numeric variable, or encode the category as indicator columns.") from None
    entity_codes, time_codes = _codes(frame[entity]), _codes(frame[time])
    time_values = frame[time].to_numpy()
    samples = {}
    cluster_codes = {"entity": entity_codes, "time": time_codes}
    for model in models:
        if model.sample is not None and model.sample not in samples:
            if model.sample not in frame.columns:
                raise SpecError(f"model {model.name!r} restricts its sample to {model.sample!r}, which is not a column "
                                "of the panel.", field="sample", fix="name a boolean column of the panel.")
            restriction = frame[model.sample]
            if not (pd.api.types.is_bool_dtype(restriction) or pd.api.types.is_numeric_dtype(restriction)):
                raise SpecError(f"the sample column {model.sample!r} is not boolean.", field="sample",
                                fix="name a column of True/False (missing counts as False).")
            samples[model.sample] = restriction.fillna(False).to_numpy(dtype=bool)
        kind, dim = cov_kind(model)
        if kind == "cluster" and dim not in cluster_codes:
            if dim not in frame.columns:
                raise SpecError(f"model {model.name!r} clusters by {dim!r}, which is not a column of the panel.",
                                field="cov", fix="cluster by 'entity', 'time' or an existing column.")
            cluster_codes[dim] = _codes(frame[dim])
    present = ~np.isnan(values)
    present &= (entity_codes >= 0)[:, None] & (time_codes >= 0)[:, None]
    return PreparedPanel(entity_codes, time_codes, time_values, values, {c: j for j, c in enumerate(used)}, present,
                  samples, cluster_codes)


def drop_singletons(codes: Sequence[np.ndarray], keep: np.ndarray) -> np.ndarray:
    """Drop, until none is left, rows that are alone in their level of any fixed effect (fixest's fixef_rm)."""
    keep = keep.copy()
    while True:
        changed = False
        for code in codes:
            counts = np.bincount(code[keep], minlength=int(code.max()) + 1 if code.size else 0)
            alone = keep & (counts[code] == 1)
            if alone.any():
                keep &= ~alone
                changed = True
        if not changed:
            return keep


def model_rows(panel: PreparedPanel, model: WithinModel) -> np.ndarray:
    columns = [panel.column_index[c] for c in model.columns]
    keep = panel.present[:, columns].all(axis=1)
    if model.sample is not None:
        keep &= panel.samples[model.sample]
    kind, dim = cov_kind(model)
    if kind == "cluster":
        keep &= panel.cluster_codes[dim] >= 0          # a row without a cluster label cannot enter the meat
    return keep
