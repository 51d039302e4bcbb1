"""From a validated spec and its loaded data (:mod:`griparm_econ.estimation.dataset`) to the numbers a model is fitted
on: sample filters, complete cases, singletons, risk sets and aligned design matrices."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from griparm_econ.errors import SpecError
from griparm_econ.estimation.dataset import Dataset, sample_mask
from griparm_econ.spec.formula import Factor
from griparm_econ.spec import LoadedSpec, ModelConfig
from griparm_econ.spec.vocabulary import ESTIMATORS


@dataclass
class Design:
    """What one model is fitted on: aligned y, regressors, instruments, weights and the panel index."""

    y: pd.Series
    exog: pd.DataFrame
    endog: pd.DataFrame | None
    instruments: pd.DataFrame | None
    weights: pd.Series | None
    entity_codes: np.ndarray | None
    time_codes: np.ndarray | None
    entity_label: str
    time_label: str
    n_singletons: int
    years: tuple[int, int] | None
    notes: tuple[str, ...] = ()
    sample_description: str = ""     # the named sample's description (the report writes it into the notes)
    outside_valid_range: tuple = ()     # OutsideValue: out-of-range values whose observations the sample lost
    n_outside_valid_range: int = 0      # observations lost to them
    # first differences: each regressor in levels, 1 where it is 1 in either year of the row's difference (the
    # ever-treated cluster count reads the treatment, not its changes)
    levels: dict = field(default_factory=dict)

    @property
    def nobs(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_entities(self) -> int | None:
        return None if self.entity_codes is None else int(len(np.unique(self.entity_codes)))

    @property
    def n_periods(self) -> int | None:
        return None if self.time_codes is None else int(len(np.unique(self.time_codes)))

    def cluster_codes(self, dim: str) -> np.ndarray:
        codes = self.entity_codes if dim == "entity" else self.time_codes
        assert codes is not None, "validated: cluster dimensions exist"
        return codes

    def n_groups(self, dim: str) -> int:
        return int(len(np.unique(self.cluster_codes(dim))))


def build_design(loaded: LoadedSpec, index: int, data: Dataset) -> Design:
    """The design of model ``index`` of the spec: filters, complete cases, singletons, aligned matrices."""
    model: ModelConfig = loaded.models[index]
    spec = loaded.spec
    where = loaded.path
    formula_field = f"model[{index + 1}] (name = {model.name!r}).formula"
    parsed = model.parsed
    frame = data.frame
    panel = data.entity is not None and data.time is not None
    needs_panel_index = ESTIMATORS[model.estimator].panel_index

    mask = np.ones(len(frame), dtype=bool)
    sample_description = ""
    if spec.sample is not None:
        mask &= sample_mask(spec.sample, data, where, "sample")
    if model.sample is not None:
        named = spec.samples[model.sample]
        mask &= sample_mask(named, data, where, f"samples.{model.sample}")
        sample_description = named.description or ""
    if not mask.any():
        raise SpecError("the sample is empty after the filters (no row passes [sample] and the model's named "
                        "sample).", where=where,
                        field=f"samples.{model.sample}" if model.sample else "sample",
                        fix="loosen query/years/entities, and check them against the data's values.")

    y = data.column(parsed.dependent, where, formula_field)
    if model.risk_set is not None:
        y, at_risk = _risk_set(y, data, where, formula_field + f": {parsed.dependent.name}")
        mask &= at_risk
    columns: dict[str, np.ndarray] = {}
    if parsed.constant:
        columns["Intercept"] = np.ones(len(frame))
    for term in parsed.exog:
        columns[term.name] = data.term(term, where, formula_field)
    endog = {t.name: data.term(t, where, formula_field) for t in parsed.endog}
    instruments = {t.name: data.term(t, where, formula_field) for t in parsed.instruments}
    weights = data.column(Factor(model.weights), where, f"model[{index + 1}].weights") if model.weights else None
    levels: dict[str, np.ndarray] = {}
    if ESTIMATORS[model.estimator].differenced:
        # Differences over one calendar period (Stata's D.): a year whose predecessor is missing drops out, rather
        # than being differenced against an older year as differencing adjacent rows would do.
        levels = {name: np.fmax(values, data.earlier(values, 1)) for name, values in columns.items()}
        y = y - data.earlier(y, 1)
        columns = {name: values - data.earlier(values, 1) for name, values in columns.items()}

    complete = mask & ~np.isnan(y)
    for values in (*columns.values(), *endog.values(), *instruments.values()):
        complete &= ~np.isnan(values)
    if weights is not None:
        complete &= ~np.isnan(weights)
    if data.entity is not None:
        complete &= frame[data.entity].notna().to_numpy()
    if data.time is not None:
        complete &= frame[data.time].notna().to_numpy()
    if not complete.any():
        missing = [name for name, values in [(parsed.dependent.name, y), *columns.items(), *endog.items(),
                                             *instruments.items()] if np.isnan(values[mask]).all()]
        raise SpecError("the sample is empty after the filters and dropping rows with missing values"
                        f"{' (' + ', '.join(missing) + ' missing in every selected row)' if missing else ''}.",
                        where=where, field=formula_field + (f": {missing[0]}" if missing else ""),
                        fix="check the variables' coverage and the sample filters; lags lose the first period.")
    if weights is not None and (weights[complete] <= 0).any():
        raise SpecError(f"the weights '{model.weights}' have zero or negative values in the sample.", where=where,
                        field=f"model[{index + 1}] (name = {model.name!r}).weights",
                        fix="use strictly positive weights, or filter those rows out in [sample].")

    n_singletons = 0
    notes: list[str] = []
    lost_values, n_lost = (), 0
    if data.outside:
        from griparm_econ.estimation import valid_range

        lost = valid_range.raw_complete(data, model, mask, where, formula_field) & ~complete
        n_lost = int(lost.sum())
        lost_values = tuple(valid_range.lost_values(data, valid_range.model_factors(model), lost,
                                                    ESTIMATORS[model.estimator].differenced))
    if panel and model.drop_singletons and "entity" in model.effects:
        entity_values = frame[data.entity].to_numpy()[complete]
        _, inverse, counts = np.unique(entity_values, return_inverse=True, return_counts=True)
        singleton_rows = counts[inverse] == 1
        n_singletons = int((counts == 1).sum())
        if n_singletons:
            positions = np.flatnonzero(complete)
            complete[positions[singleton_rows]] = False
            if not complete.any():
                raise SpecError("the sample is empty after dropping singleton entities.", where=where,
                                field=f"model[{index + 1}] (name = {model.name!r}).drop_singletons",
                                fix="set drop_singletons = false, or widen the sample.")

    rows = np.flatnonzero(complete)
    if panel and needs_panel_index:
        index_obj = pd.MultiIndex.from_arrays([frame[data.entity].to_numpy()[rows], frame[data.time].to_numpy()[rows]],
                                              names=[data.entity, data.time])
    else:
        index_obj = pd.RangeIndex(len(rows))
    exog = pd.DataFrame({k: v[rows] for k, v in columns.items()}, index=index_obj)
    design = Design(
        y=pd.Series(y[rows], index=index_obj, name=parsed.dependent.name),
        exog=exog,
        endog=pd.DataFrame({k: v[rows] for k, v in endog.items()}, index=index_obj) if endog else None,
        instruments=pd.DataFrame({k: v[rows] for k, v in instruments.items()}, index=index_obj) if instruments else None,
        weights=pd.Series(weights[rows], index=index_obj, name=model.weights) if weights is not None else None,
        entity_codes=pd.factorize(frame[data.entity].to_numpy()[rows])[0] if data.entity else None,
        time_codes=pd.factorize(frame[data.time].to_numpy()[rows])[0] if data.time else None,
        entity_label=data.entity_label,
        time_label=data.time_label,
        n_singletons=n_singletons,
        years=_years(frame, data.time, rows),
        notes=tuple(notes),
        sample_description=sample_description,
        outside_valid_range=lost_values,
        n_outside_valid_range=n_lost,
        levels={name: values[rows] for name, values in levels.items()},
    )
    return design


def _risk_set(status: np.ndarray, data: Dataset, where: Path, field_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The first-adoption event and risk-set mask of a hazard model (rules: griparm_econ.estimation.hazard)."""
    from griparm_econ.estimation.hazard import first_adoption

    if (status[~np.isnan(status)] < 0).any():
        raise SpecError("risk_set reads the dependent variable as a status (0 = not adopted, positive = adopted), "
                        "but it has negative values.", where=where, field=field_name,
                        fix="use an in-force indicator or a count of measures in force as the dependent variable.")
    at_risk, event = first_adoption(status, data.frame[data.entity].to_numpy(), data.frame[data.time].to_numpy())
    return event, at_risk


def _years(frame: pd.DataFrame, time: str | None, rows: np.ndarray) -> tuple[int, int] | None:
    if time is None or not len(rows):
        return None
    values = frame[time].to_numpy()[rows]
    if not np.issubdtype(values.dtype, np.number):
        return None
    return int(np.nanmin(values)), int(np.nanmax(values))
