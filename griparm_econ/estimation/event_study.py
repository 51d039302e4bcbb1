"""An ``event_study`` spec in, an :class:`EventStudyResult` out: every model fitted, nothing written.

The report side (:mod:`griparm_econ.report.event_study`) turns the result into the table, the figure and the
estimates file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from griparm_econ.config import Settings
from griparm_econ.errors import GriparmError, SpecError
from griparm_econ.estimation.designs.event_study_spec import fit_event_model
from griparm_econ.spec.design_vocabulary import EVENT_ESTIMATORS
from griparm_econ.estimation.designs.honest_did import RobustInterval, smoothness_flci
from griparm_econ.estimation.designs.relative_magnitudes import relative_magnitudes_set
from griparm_econ.estimation.designs.results import DesignResult, Estimate, EventTimeEstimate, PretrendTest
from griparm_econ.estimation.results import ArtefactResult
from griparm_econ.spec import LoadedSpec


@dataclass(frozen=True)
class EventColumn:
    model: object                       # spec.event_study.EventModel
    result: DesignResult
    honest_did: tuple[RobustInterval, ...] = ()


@dataclass(frozen=True)
class EventStudyResult(ArtefactResult):
    columns: tuple[EventColumn, ...]
    labels: dict                        # outcome -> label
    entity_label: str
    time_label: str
    digits: int
    level: float
    kind: str = field(default="event_study", kw_only=True)


def robust_sets(model, result: DesignResult, level: float) -> tuple[RobustInterval, ...]:
    """Rambachan-Roth robust sets for the model's post-period target: one per M (smoothness) or Mbar (relative
    magnitudes)."""
    honest = model.honest_did
    if honest is None:
        return ()
    smoothness = honest.type == "smoothness"
    needed = 2 if smoothness else 1
    ks = [e.k for e in result.event_time]
    pre = [i for i, k in enumerate(ks) if k < model.reference]
    post = [i for i, k in enumerate(ks) if k >= 0]
    pre_ks = [ks[i] for i in pre]
    if len(pre) < needed or not post or pre_ks != list(range(min(pre_ks), model.reference)):
        raise SpecError(f"model '{model.name}': robust sets need at least {needed} consecutive pre-period"
                        f"{'s' if needed > 1 else ''} before the reference, but the estimates have {pre_ks}.",
                        where="honest_did", field="window",
                        fix=f"widen the window (lo <= {-1 - needed}) or check that the pre-periods are identified.")
    order = pre + post
    beta = np.array([result.event_time[i].estimate for i in order])
    sigma = np.array(result.event_time_cov, dtype=float)[np.ix_(order, order)]
    l_vec = np.eye(len(post))[0] if honest.target == "first" else np.full(len(post), 1.0 / len(post))
    if smoothness:
        return tuple(smoothness_flci(beta, sigma, num_pre=len(pre), num_post=len(post), m=float(m), l_vec=l_vec,
                                     alpha=1 - level, critical=honest.critical or "honestdid") for m in honest.M)
    try:
        return tuple(relative_magnitudes_set(beta, sigma, num_pre=len(pre), num_post=len(post), mbar=float(m),
                                             l_vec=l_vec, alpha=1 - level) for m in honest.Mbar)
    except GriparmError as err:
        raise SpecError(f"model '{model.name}': {err.problem}", where="honest_did", field="window",
                        fix=err.fix) from None


def estimate_event_study(loaded: LoadedSpec, settings: Settings, cache: dict, *, display_path) -> EventStudyResult:
    from griparm_econ.estimation.dataset import load_dataset, sample_mask

    spec = loaded.spec
    data = load_dataset(loaded, settings, cache)
    frame = data.frame
    if spec.sample is not None:
        frame = frame.loc[sample_mask(spec.sample, data, loaded.path, "sample")]
    if frame.empty:
        raise SpecError("the sample is empty after its filters.", where=loaded.path, field="sample",
                        fix="loosen query/years/entities, and check them against the data's values.")
    columns = []
    labels = {}
    for i, model in enumerate(loaded.models):
        field = f"model[{i + 1}] (name = {model.name!r})"
        for key, name in (("outcome", model.outcome), ("cohort" if model.cohort else "treatment",
                                                        model.cohort or model.treatment), *[("controls", c) for c in
                                                                                            model.controls]):
            if name not in frame.columns:
                from griparm_econ.spec import nearest

                close = nearest(name, [str(c) for c in frame.columns])
                raise SpecError(f"'{name}' is not a column of the data{' (nearest: ' + ', '.join(close) + ')' if close else ''}.",
                                where=loaded.path, field=f"{field}.{key}", fix="name a column of the data (study "
                                "panel: a variable of specs/variables.toml).")
        result = fit_event_model(frame, model, data.entity, data.time, level=spec.level, where=loaded.path,
                                 field=field)
        try:
            honest = robust_sets(model, result, spec.level)
        except SpecError as err:
            raise SpecError(err.problem, where=loaded.path, field=f"{field}.honest_did", fix=err.fix) from None
        columns.append(EventColumn(model, result, honest))
        if model.outcome not in labels:
            labels[model.outcome] = spec.labels.get(model.outcome) or (
                data.catalog.label_or_name(model.outcome) if data.catalog is not None else model.outcome)
    return _result(loaded, settings, data, columns, labels, display_path)


def _result(loaded: LoadedSpec, settings: Settings, data, columns: list, labels: dict,
            display_path) -> EventStudyResult:
    spec = loaded.spec
    notes = _notes(spec, columns, data)
    return EventStudyResult(stem=loaded.stem, title=spec.title, spec_path=display_path(loaded.path, settings),
                            spec_sha256=loaded.sha256, data_path=display_path(Path(data.path), settings),
                            data_sha256=data.sha256, columns=tuple(columns), labels=labels,
                            entity_label=data.entity_label, time_label=data.time_label,
                            notes=tuple(notes) + tuple(spec.notes), digits=spec.digits, level=spec.level)


def rerender_event_study(loaded: LoadedSpec, settings: Settings, record: dict, cache: dict, *,
                         display_path) -> EventStudyResult:
    """An event study's result from its estimates record, nothing fitted: what a change to the report code alone
    needs (griparm_econ.freshness decides when). The record holds every relative period each engine estimated, the
    pre-trend test and the robust sets; the covariance the robust sets were computed from is not stored, and not
    needed to draw the table and figure again."""
    from griparm_econ.estimation.dataset import load_dataset

    spec = loaded.spec
    data = load_dataset(loaded, settings, cache)
    stored = {model["name"]: model for model in record["models"]}
    columns, labels = [], {}
    for model in loaded.models:
        column = stored[model.name]
        honest = tuple(RobustInterval.from_json_dict(h) for h in column["honest_did"])
        columns.append(EventColumn(model, _stored_result(column), honest))
        if model.outcome not in labels:
            labels[model.outcome] = spec.labels.get(model.outcome) or (
                data.catalog.label_or_name(model.outcome) if data.catalog is not None else model.outcome)
    return _result(loaded, settings, data, columns, labels, display_path)


def _number(value) -> float:
    return math.nan if value is None else float(value)     # the record writes non-finite numbers as null


def _stored_estimate(stored: dict | None) -> Estimate | None:
    if stored is None:
        return None
    return Estimate(*(_number(stored[key]) for key in ("estimate", "std_error", "ci_low", "ci_high")))


def _stored_result(stored: dict) -> DesignResult:
    """A :class:`DesignResult` as ``to_json_dict`` wrote it (with every relative period, ``event_time_all``)."""
    pretrend = stored["pretrend"]
    return DesignResult(
        estimator=stored["estimator"], outcome=stored["outcome"], att=_stored_estimate(stored["att"]),
        event_time=tuple(EventTimeEstimate(int(e["k"]), *(_number(e[key]) for key in
                                                          ("estimate", "std_error", "ci_low", "ci_high")))
                         for e in stored["event_time_all"]),
        pretrend=None if pretrend is None else PretrendTest(
            _number(pretrend["statistic"]), int(pretrend["df"]), _number(pretrend["pvalue"]),
            pretrend["distribution"], pretrend["df_denominator"]),
        nobs=int(stored["nobs"]), n_units=int(stored["n_units"]), n_treated_units=int(stored["n_treated_units"]),
        cohorts={int(k): int(v) for k, v in stored["cohorts"].items()}, cov_label=stored["cov_label"],
        aggregations={name: {label: _stored_estimate(est) for label, est in block.items()}
                      for name, block in stored["aggregations"].items()},
        stats={key: _number(value) for key, value in stored["stats"].items()}, notes=tuple(stored["notes"]))


def _notes(spec, columns, data) -> list[str]:
    from griparm_econ.labels import plural

    unit = data.entity_label.lower()
    units = plural(unit)
    first = columns[0].model
    timing = (f"cohorts are each {unit}'s first {data.time_label.lower()} with {first.treatment} = 1"
              if first.treatment else f"cohorts from {first.cohort} (0 or missing = never treated)")
    notes = [f"Event study of a staggered treatment: {timing}; event time k = {data.time_label.lower()} minus "
             f"cohort; reference k = {first.reference}; {unit} and {data.time_label.lower()} effects; standard errors "
             f"clustered by {unit}; {spec.level:.0%} confidence intervals."]
    if any(c.model.on_off == "first_adoption" for c in columns):
        notes.append(f"The treatment switches off in some {units}; each is counted as treated from its first "
                     "adoption on (an intention-to-treat reading of the timing).")
    seen = set()
    for column in columns:
        info = EVENT_ESTIMATORS[column.model.estimator]
        if info.name in seen:
            continue
        seen.add(info.name)
        group = ("never-treated" if column.model.control_group == "never_treated"
                 else "not-yet-treated and never-treated")
        notes.append(f"{info.label}: controls are {group} {units}; {info.window_use}.")
    notes.append("Pre-trend test: joint Wald test (F for Sun-Abraham and dynamic TWFE, chi2 for did2s) that every "
                 "pre-adoption event-time coefficient inside the window is zero; Callaway-Sant'Anna: R did's chi2 "
                 "pre-test of every pre-period group-time effect, not computed when their covariance is singular "
                 "(cohorts of one unit).")
    for i, column in enumerate(columns, start=1):
        for note in column.result.notes:
            if note.startswith(("Left out", "Balanced panel")):   # sample facts of one column
                notes.append(f"({i}) {column.model.name}: {note[0].lower() + note[1:]}")
    notes.append("ATT: the overall average effect on the treated (TWFE: the static two-way coefficient; "
                 "Sun-Abraham: cohort-share weighted post-period cells; Callaway-Sant'Anna: the simple aggregation; "
                 "did2s: the second-stage treatment coefficient).")
    restrictions = {h.restriction for c in columns for h in c.honest_did}
    if "smoothness" in restrictions:
        notes.append("Robust sets: Rambachan-Roth fixed-length intervals under smoothness (second differences of "
                     "the trend bounded by M) for the first post-period effect or the post-period mean.")
    if "relative_magnitudes" in restrictions:
        notes.append("Robust sets (Mbar): Rambachan-Roth sets under relative magnitudes (no post-period change in "
                     "the trend larger than Mbar times the largest pre-period change), inverting Andrews-Roth-Pakes' "
                     "conditional least-favourable hybrid test on HonestDiD's grid of 1000 values, for the first "
                     "post-period effect or the post-period mean; -inf or inf: the set reaches the grid's edge "
                     "(+/- 20 standard errors), so it is unbounded there.")
    return notes
