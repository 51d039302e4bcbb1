"""A ``synthetic_control`` spec in, a :class:`SyntheticSpecResult` out (the engine's result plus where it came from);
nothing is written. The report side is :mod:`griparm_econ.report.synthetic_control`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from griparm_econ.config import Settings
from griparm_econ.errors import GriparmError, SpecError
from griparm_econ.estimation.designs.synthetic_control import (BalanceRow, Predictor, SyntheticControlResult,
                                                               synthetic_control)
from griparm_econ.estimation.results import ArtefactResult
from griparm_econ.spec import LoadedSpec, nearest


@dataclass(frozen=True)
class SyntheticSpecResult(ArtefactResult):
    result: SyntheticControlResult
    labels: dict
    entity_label: str
    time_label: str
    digits: int
    kind: str = field(default="synthetic_control", kw_only=True)


def estimate_synthetic_control(loaded: LoadedSpec, settings: Settings, cache: dict, *,
                               display_path) -> SyntheticSpecResult:
    from griparm_econ.estimation.dataset import load_dataset, sample_mask

    spec = loaded.spec
    data = load_dataset(loaded, settings, cache)
    frame = data.frame
    if spec.sample is not None:
        frame = frame.loc[sample_mask(spec.sample, data, loaded.path, "sample")]
    for key, name in [("outcome", spec.outcome)] + [(f"predictors[{i}].variable", p.variable)
                                                     for i, p in enumerate(spec.predictors, start=1)]:
        if name not in frame.columns:
            close = nearest(name, [str(c) for c in frame.columns])
            raise SpecError(f"'{name}' is not a column of the data{' (nearest: ' + ', '.join(close) + ')' if close else ''}.",
                            where=loaded.path, field=key, fix="name a column of the data (study panel: a variable "
                            "of specs/variables.toml).")
    units = set(frame[data.entity].astype(str))
    for key, listed in (("unit_treated", [spec.unit_treated]), ("donors", spec.donors or []),
                        ("exclude_donors", spec.exclude_donors)):
        unknown = [u for u in listed if u not in units]
        if unknown:
            close = nearest(unknown[0], sorted(units))
            raise SpecError(f"'{unknown[0]}' is not a unit of the data{' (nearest: ' + ', '.join(close) + ')' if close else ''}.",
                            where=loaded.path, field=key, fix=f"name values of the {data.entity} column.")
    columns = list(dict.fromkeys([data.entity, data.time, *spec.variables]))
    work = frame[columns].copy()
    work[data.entity] = work[data.entity].astype(str)
    donors = spec.donors
    if donors is None and spec.exclude_donors:
        outcomes = work.pivot(index=data.time, columns=data.entity, values=spec.outcome)
        donors = [u for u in outcomes.columns if outcomes[u].notna().all() and u != spec.unit_treated
                  and u not in spec.exclude_donors]
    pre_period = list(range(spec.pre_period[0], spec.pre_period[1] + 1)) if spec.pre_period else None
    predictors = [Predictor(p.variable, p.years[0], p.years[1], p.op) for p in spec.predictors]
    try:
        result = synthetic_control(work, outcome=spec.outcome, unit=data.entity, time=data.time,
                                   unit_treated=spec.unit_treated, treatment_period=spec.treatment_period,
                                   predictors=predictors, donors=donors, pre_period=pre_period, search=spec.search,
                                   placebo=spec.placebo, leave_one_out=spec.leave_one_out)
    except GriparmError as err:
        raise SpecError(err.problem, where=loaded.path, field=err.field or "(synthetic control)",
                        fix=err.fix) from None
    return _spec_result(loaded, settings, data, result, display_path)


def rerender_synthetic_control(loaded: LoadedSpec, settings: Settings, record: dict, cache: dict, *,
                               display_path) -> SyntheticSpecResult:
    """A synthetic control's result from its estimates record, nothing optimised: what a change to the report code
    alone needs (griparm_econ.freshness decides when). The record holds the weights, the predictor balance, the
    treated and synthetic paths, each placebo's gap path and each leave-one-out path: everything the tables, notes
    and figures are drawn from."""
    from griparm_econ.estimation.dataset import load_dataset

    data = load_dataset(loaded, settings, cache)      # labels and unit names, as the run read them
    return _spec_result(loaded, settings, data, stored_result(record["models"][0]), display_path)


def _number(value) -> float:
    return math.nan if value is None else float(value)     # the record writes non-finite numbers as null


def _path(stored: dict) -> dict[int, float]:
    return {int(t): _number(v) for t, v in stored.items()}


def stored_result(model: dict) -> SyntheticControlResult:
    """A :class:`SyntheticControlResult` as :func:`griparm_econ.report.synthetic_control.synthetic_dict` wrote it.
    A run without placebos stores null placebo gaps; one without leave-one-out refits an empty ``leave_one_out``."""
    placebo_gaps = model["placebo_gaps"]
    return SyntheticControlResult(
        outcome=model["outcome"], unit_treated=model["unit_treated"], treatment_period=int(model["treatment_period"]),
        donors=tuple(model["donors"]), fit_periods=tuple(int(t) for t in model["fit_periods"]),
        search=model["search"], weights={d: _number(w) for d, w in model["weights"].items()},
        v_weights={p: _number(v) for p, v in model["v_weights"].items()},
        balance=tuple(BalanceRow(b["predictor"], *(_number(b[key]) for key in
                                                   ("v_weight", "treated", "synthetic", "donor_mean")))
                      for b in model["balance"]),
        pre_rmspe=_number(model["pre_rmspe"]), treated_path=_path(model["treated_path"]),
        synthetic_path=_path(model["synthetic_path"]), post_gap=_path(model["post_gap"]),
        att=_number(model["att"]), rmspe_ratio=_number(model["rmspe_ratio"]),
        placebo_gaps=None if placebo_gaps is None else {d: _path(gap) for d, gap in placebo_gaps.items()},
        placebo_ratios=None if placebo_gaps is None else {d: _number(r) for d, r in model["placebo_ratios"].items()},
        placebo_pvalue=None if model["placebo_pvalue"] is None else float(model["placebo_pvalue"]),
        leave_one_out={d: _path(fit["synthetic_path"]) for d, fit in model["leave_one_out"].items()} or None)


def _spec_result(loaded: LoadedSpec, settings: Settings, data, result: SyntheticControlResult,
                 display_path) -> SyntheticSpecResult:
    """The engine's result with its labels, notes and provenance (the same whether fitted or read back)."""
    from griparm_econ.labels import plural

    spec = loaded.spec
    labels = {v: spec.labels.get(v) or (data.catalog.label_or_name(v) if data.catalog is not None else v)
              for v in spec.variables}
    unit = data.entity_label.lower()
    notes = [f"Synthetic control of {spec.unit_treated} (treated from {spec.treatment_period}) from "
             f"{len(result.donors)} donor {plural(unit)}: weights as in Abadie, Diamond and Hainmueller (2010), "
             f"nested choice of predictor (V) and donor (W) weights minimising the outcome's RMSPE over "
             f"{result.fit_periods[0]}-{result.fit_periods[-1]}; pre-period RMSPE {result.pre_rmspe:.4g}.",
             f"ATT: mean gap (treated minus synthetic) from {spec.treatment_period} on = {result.att:.4g}."]
    if result.placebo_pvalue is not None:
        notes.append(f"Placebo-in-space p-value {result.placebo_pvalue:.3f}: share of the {len(result.donors) + 1} "
                     "units (each donor in turn treated, the others as its pool) whose post/pre RMSPE ratio is at "
                     "least the treated unit's.")
    loo = result.leave_one_out_fits()
    if loo:
        notes.append("Leave one donor out (each donor with positive weight dropped in turn, V re-chosen): " + "; ".join(
            f"without {d}, ATT {att:.4g} (pre-period RMSPE {rmspe:.4g})" for d, (att, rmspe) in sorted(loo.items()))
            + ".")
    if spec.exclude_donors:
        notes.append(f"Left out of the donor pool: {', '.join(spec.exclude_donors)}.")
    return SyntheticSpecResult(stem=loaded.stem, title=spec.title, spec_path=display_path(loaded.path, settings),
                               spec_sha256=loaded.sha256, data_path=display_path(Path(data.path), settings),
                               data_sha256=data.sha256, result=result, labels=labels,
                               entity_label=data.entity_label, time_label=data.time_label,
                               notes=tuple(notes) + tuple(spec.notes), digits=spec.digits)
