"""A declared multiverse (``kind = "multiverse"``): the grid of models, their fits, and the specification-curve
summary.

The grid is the product of the spec's choices in a fixed order (outcome, treatment set, control set, lag, sample,
fixed effects, covariance, estimator family), so model ids are stable as long as the spec is. Outcomes and treatment
sets are written out or named (outcome families; treatment definitions crossed with moderators): both resolve to the
same lists in griparm_econ/spec/multiverse_axes.py, so the names only add the columns that say which choice a model
made. Each model is handed to the within
engine (:func:`griparm_econ.estimation.within.fit_many`), which does the work models share once: the panel is
converted once, and models with one estimation sample and fixed-effect structure share one within-transformation.
Regressor columns (lags, products) are computed by the same :class:`~griparm_econ.estimation.dataset.Dataset` code the
regression tables use, so ``L.x`` means the same thing everywhere. Nothing here writes a file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import SpecError
from griparm_econ.spec.formula import parse_formula
from griparm_econ.estimation.multiverse_curve import Indicator, indicators, summarise
from griparm_econ.estimation.results import ArtefactResult
from griparm_econ.spec.multiverse_axes import (MULTIVERSE_ESTIMATORS, NO_FAMILY, NO_MODERATOR, focus_terms,
                                               outcome_family, outcome_list, treatment_sets)
from griparm_econ.spec import LoadedSpec, MultiverseSpec, SampleTable, control_sets, lag_term, multiverse_variables

# Choice columns of the estimates file, in grid order.
CHOICES = ("outcome", "treatment", "controls", "lag", "sample", "effects", "cov", "estimator",
           "outcome_family", "treatment_definition", "moderator")   # the last three: names of the choices above
ALL_SAMPLE = "all"               # the name of the only sample when the spec defines no [samples.NAME]
_SAMPLE_COLUMN = "__sample__{}"   # boolean columns added to the model frame, one per sample choice


@dataclass(frozen=True)
class GridModel:
    """One model of the grid: the choices that made it and the terms they expand to."""

    model_id: str
    outcome: str
    treatment: str                # the treatment set as written (lag-1 form), terms joined by " + "
    controls: str                 # the control set as written, joined by " + " ("" = none)
    n_controls: int
    lag: int
    sample: str
    effects: str                  # "entity+time", "entity", "time" or "none"
    cov: str
    focus: str                    # the focus term after the lag rewrite, e.g. "L2.export_restriction_any"
    regressors: tuple[str, ...]   # after the lag rewrite
    estimator: str = "twfe"       # the estimator family (multiverse_axes.MULTIVERSE_ESTIMATORS)
    outcome_family: str = NO_FAMILY
    treatment_definition: str = ""   # the focus term's variable
    moderator: str = NO_MODERATOR    # the other variables of the treatment set, "+"-joined, or "none"

    def choices(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in CHOICES}


def _effects_label(effects) -> str:
    return "+".join(effects) if effects else "none"


def expand_grid(spec: MultiverseSpec) -> list[GridModel]:
    """Every model of the grid, in grid order."""
    samples = list(spec.samples) or [ALL_SAMPLE]
    sets = control_sets(spec)
    families = outcome_family(spec)
    combos = list(itertools.product(outcome_list(spec), treatment_sets(spec), sets, spec.lags, samples, spec.effects,
                                    spec.cov, spec.estimators))
    width = len(str(len(combos)))
    models = []
    for number, (outcome, treatment, chosen, lag, sample, effects, cov, estimator) in enumerate(combos, start=1):
        regressors = tuple(dict.fromkeys(lag_term(t, lag) for t in (*treatment.terms, *chosen)))
        models.append(GridModel(model_id=f"m{number:0{width}d}", outcome=outcome,
                                treatment=" + ".join(treatment.terms), controls=" + ".join(chosen),
                                n_controls=len(chosen), lag=lag, sample=sample, effects=_effects_label(effects),
                                cov=cov, focus=lag_term(treatment.focus, lag), regressors=regressors,
                                estimator=estimator, outcome_family=families[outcome],
                                treatment_definition=treatment.definition, moderator=treatment.moderator))
    return models


@dataclass(frozen=True)
class MultiverseResult(ArtefactResult):
    """Everything one multiverse spec produced, for the report. Its ``notes`` are composed by
    griparm_econ.report.notes.multiverse_notes, from the facts below."""

    estimates: pd.DataFrame          # one row per model and term
    curve: pd.DataFrame              # one row per model: its focus estimate and choices, sorted by estimate
    summary_table: pd.DataFrame      # the short summary (all models, then by choice)
    summary: dict                    # headline numbers for the record
    expected_sign: str
    level: float
    scale: str
    kind: str = field(default="multiverse", kw_only=True)
    digits: int = 3
    indicators: tuple[Indicator, ...] = ()
    # Facts the report's notes are written from (estimation composes no prose).
    grid_counts: tuple[tuple[int, str], ...] = ()    # (number of choices, what they are), in grid order
    focus_variables: tuple[str, ...] = ()            # the focus terms' variables, e.g. "export_restriction_any"
    labels: Mapping[str, str] = field(default_factory=dict)
    restriction: SampleTable | None = None           # the file-level [sample] (the SD scale is taken over it)
    entity_label: str = "Entity"
    time_label: str = "Time"
    collinear: tuple[str, ...] = ()                  # model ids that lost the focus coefficient
    spec_notes: tuple[str, ...] = ()
    outside_valid_range: tuple = ()                  # OutsideValue: values the grid's variables left out
    not_applicable: tuple[tuple[str, str, str], ...] = ()   # (model id, estimator, reason): robust cells not fitted

    @property
    def n_models(self) -> int:
        return int(len(self.curve))


def _sample_masks(loaded: LoadedSpec, data) -> dict[str, np.ndarray]:
    from griparm_econ.estimation.dataset import sample_mask

    spec: MultiverseSpec = loaded.spec
    base = np.ones(len(data.frame), dtype=bool)
    if spec.sample is not None:
        base &= sample_mask(spec.sample, data, loaded.path, "sample")
    if not spec.samples:
        return {ALL_SAMPLE: base}
    return {name: base & sample_mask(table, data, loaded.path, f"samples.{name}")
            for name, table in spec.samples.items()}


def _check_variables(loaded: LoadedSpec, data) -> None:
    from griparm_econ.spec import multiverse_variables, nearest

    known = set(map(str, data.frame.columns))
    catalog = set(getattr(data.catalog, "names", ()) or ()) if data.study_panel else None
    for variable in multiverse_variables(loaded.spec):
        if variable not in known or (catalog is not None and variable not in catalog):
            close = nearest(variable, catalog if catalog is not None else known)
            raise SpecError(f"'{variable}' is not a variable of the data"
                            f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=loaded.path,
                            field=f"(grid): {variable}", fix="use a name from specs/variables.toml (or a column of "
                                                              "the [data] file).")


def model_frame(loaded: LoadedSpec, data, grid: list[GridModel]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The columns every model reads (lagged and product terms computed once, by the design code) plus one boolean
    column per sample choice; returns the frame and sample name -> column."""
    columns: dict[str, np.ndarray] = {data.entity: data.frame[data.entity].to_numpy(),
                                      data.time: data.frame[data.time].to_numpy()}
    for model in grid:
        for name in (model.outcome, *model.regressors):
            if name not in columns:
                term = parse_formula(f"y ~ {name}").exog[0]
                columns[name] = data.term(term, loaded.path, f"(grid): {name}")
    sample_columns = {}
    for number, (name, mask) in enumerate(_sample_masks(loaded, data).items()):
        sample_columns[name] = _SAMPLE_COLUMN.format(number)
        columns[sample_columns[name]] = mask
    return pd.DataFrame(columns), sample_columns


def _outcome_sd(frame: pd.DataFrame, outcome: str, base: np.ndarray) -> float:
    values = frame[outcome].to_numpy(dtype=float)[base]
    values = values[~np.isnan(values)]
    return float(np.std(values, ddof=1)) if values.size > 1 else float("nan")


# [executor] n_jobs above this many workers per core of the machine is clamped to the core count, with one warning
# (docs/specs.md): more processes than cores only cost memory, and a spec written on a large machine stays runnable on
# a laptop. A dask cluster's workers are not this machine's cores, so its n_jobs is left alone.
JOBS_PER_CORE = 2


def local_workers(n_jobs: int, backend: str, where: Path) -> int:
    """``n_jobs`` as the executor uses it on this machine."""
    from joblib import cpu_count

    cores = cpu_count()
    if backend == "dask" or n_jobs <= JOBS_PER_CORE * cores:
        return n_jobs
    import sys

    print(f"griparm: warning: {where} [executor] n_jobs = {n_jobs:,} is more than {JOBS_PER_CORE} per core of this "
          f"machine ({cores} cores); using {cores}. Fix: n_jobs = -1 uses every core.", file=sys.stderr)
    return cores


def estimate_multiverse(loaded: LoadedSpec, settings, cache: dict | None = None, *,
                        echo: Callable[[str], None] = print, display_path=None) -> MultiverseResult:
    """Fit every model of the grid; nothing is written."""
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.estimation.within import fit_many
    from griparm_econ.estimation.within_model import WithinModel

    spec: MultiverseSpec = loaded.spec
    display = display_path or (lambda path, _settings: str(path))
    grid = expand_grid(spec)
    echo(f"{loaded.stem}: {len(grid):,} models (limit {spec.limit:,})")
    data = load_dataset(loaded, settings, cache)
    if data.entity is None or data.time is None:
        raise SpecError("a multiverse needs a panel: entity and time indexes.", where=loaded.path, field="data",
                        fix="set entity and time in [data].")
    _check_variables(loaded, data)
    frame, sample_columns = model_frame(loaded, data, grid)
    # The "twfe" models go to the within engine together; the robust families' cells, one static ATT each, to the
    # design engines (multiverse_robust), which also name the cells where a family does not apply.
    twfe = [m for m in grid if not MULTIVERSE_ESTIMATORS[m.estimator].robust]
    models = [WithinModel(name=m.model_id, dependent=m.outcome, regressors=m.regressors,
                          effects=tuple(m.effects.split("+")) if m.effects != "none" else (), cov=m.cov,
                          sample=sample_columns[m.sample]) for m in twfe]
    # --scheduler on the command line sends every multiverse to that dask cluster, whatever its spec says.
    cli_scheduler = getattr(settings, "scheduler", None)
    backend = "dask" if cli_scheduler else spec.executor.backend
    n_jobs = local_workers(spec.executor.n_jobs, backend, loaded.path)
    try:
        fits = [] if not models else fit_many(frame, models, entity=data.entity, time=data.time, n_jobs=n_jobs,
                        backend=backend, progress=spec.executor.progress,
                        scheduler=cli_scheduler or spec.executor.scheduler)
    except SpecError as err:
        raise SpecError(err.problem, where=loaded.path, field=f"(grid) {err.field or ''}".strip(),
                        fix=err.fix) from None

    # The scale of the curve: each outcome's SD over the rows of the file-level [sample].
    base = np.ones(len(frame), dtype=bool)
    if spec.sample is not None:
        from griparm_econ.estimation.dataset import sample_mask

        base = sample_mask(spec.sample, data, loaded.path, "sample")
    outcome_sd = {o: _outcome_sd(frame, o, base) for o in outcome_list(spec)}

    rows = []
    critical: dict[int, float] = {}     # t quantile by degrees of freedom (few distinct values in a grid)
    for model, fit in zip(twfe, fits):
        if fit.df_t not in critical:
            critical[fit.df_t] = float(stats.t.ppf((1 + spec.level) / 2, fit.df_t))
        crit = critical[fit.df_t]
        for name, estimate, se, pvalue in zip(fit.names, fit.params, fit.std_errors, fit.pvalues):
            rows.append({"model_id": model.model_id, **model.choices(), "n_controls": model.n_controls,
                         "term": name, "is_focus": name == model.focus, "estimate": float(estimate),
                         "std_error": float(se), "pvalue": float(pvalue), "ci_low": float(estimate - crit * se),
                         "ci_high": float(estimate + crit * se), "nobs": int(fit.nobs),
                         "n_clusters": -1 if fit.n_clusters is None else int(fit.n_clusters),
                         "outcome_sd": outcome_sd[model.outcome]})
    from griparm_econ.estimation.multiverse_robust import robust_rows

    robust, not_applicable = robust_rows(grid, frame, sample_columns, data.entity, data.time, spec.level,
                                         outcome_sd)
    estimates = pd.DataFrame(sorted(rows + robust, key=lambda row: row["model_id"]))   # grid order (stable)
    estimates["lag"] = estimates["lag"].astype("int64")
    return _assemble(loaded, settings, data, grid, estimates, display, not_applicable)


def rerender_multiverse(loaded: LoadedSpec, settings, estimates: pd.DataFrame, cache: dict | None = None, *,
                        display_path=None, not_applicable: Sequence[tuple[str, str, str]] = ()) -> MultiverseResult:
    """A multiverse's result from the estimates its run stored (``estimates/<stem>.parquet``) and the cells its
    record lists as not applicable, nothing fitted: what a change to the report code or to display keys alone needs
    (griparm_econ.freshness decides when)."""
    from griparm_econ.estimation.dataset import load_dataset

    display = display_path or (lambda path, _settings: str(path))
    return _assemble(loaded, settings, load_dataset(loaded, settings, cache), expand_grid(loaded.spec), estimates,
                     display, tuple(tuple(cell) for cell in not_applicable))


def _assemble(loaded: LoadedSpec, settings, data, grid, estimates: pd.DataFrame, display,
              not_applicable: Sequence[tuple[str, str, str]]) -> MultiverseResult:
    """The curve, summary and facts of a multiverse from its estimates (one row per model and term)."""
    spec: MultiverseSpec = loaded.spec
    curve = estimates[estimates["is_focus"]].copy()
    missing = sorted(set(m.model_id for m in grid) - set(curve["model_id"]) - {n[0] for n in not_applicable})
    scale = curve["outcome_sd"] if spec.scale == "outcome_sd" else 1.0
    for column in ("estimate", "ci_low", "ci_high"):
        curve[f"{column}_scaled"] = curve[column] / scale
    curve = curve.sort_values(["estimate_scaled", "model_id"], kind="mergesort").reset_index(drop=True)
    rows_below = indicators(curve, spec, entity_label=data.entity_label, time_label=data.time_label)
    summary_table = summarise(curve, spec.expected_sign, rows_below)
    headline = summary_table.loc["All models"]
    summary = {"n_models": len(grid) - len(not_applicable), "n_not_applicable": len(not_applicable),
               "n_focus_estimated": int(len(curve)),
               "share_expected_sign": float(headline["Expected sign (%)"]) / 100,
               "share_significant_5pct": float(headline["Significant at 5% (%)"]) / 100,
               "share_expected_sign_significant": float(headline["Expected sign and significant (%)"]) / 100,
               "median_estimate": (None if np.isnan(headline["Median estimate"])
                                   else float(headline["Median estimate"])),
               "median_estimate_scaled": float(headline["Median estimate (SD of outcome)"])}

    treatment_counts = (((len(spec.treatment_definitions), "treatment definition"),
                         (len(spec.moderators), "moderator choice")) if spec.treatment_definitions
                        else ((len(spec.treatments), "treatment set"),))
    counts = ((len(outcome_list(spec)), "outcome"), *treatment_counts,
              (len(control_sets(spec)), "control set"), (len(spec.lags), "lag length"),
              (max(1, len(spec.samples)), "sample"), (len(spec.effects), "fixed-effect structure"),
              (len(spec.cov), "covariance type"), (len(spec.estimators), "estimator family"))
    focus_variables = tuple(dict.fromkeys(factor.variable for term in focus_terms(spec)
                                          for factor in parse_formula(f"y ~ {term}").exog[0].factors))
    outside = ()
    if data.outside:
        from griparm_econ.estimation.valid_range import frame_values

        # the years the grid can read: [sample] years, and as many before them as the longest lag
        read = np.ones(len(data.frame), dtype=bool)
        if spec.sample is not None and spec.sample.years is not None:
            time = data.frame[data.time].to_numpy()
            read = (time >= spec.sample.years[0] - max(spec.lags)) & (time <= spec.sample.years[1])
        outside = tuple(frame_values(data, multiverse_variables(spec), read))
    return MultiverseResult(stem=loaded.stem, title=spec.title, spec_path=display(loaded.path, settings),
                            spec_sha256=loaded.sha256, data_path=display(Path(data.path), settings),
                            data_sha256=data.sha256, estimates=estimates, curve=curve, summary_table=summary_table,
                            summary=summary, expected_sign=spec.expected_sign, level=spec.level, scale=spec.scale,
                            digits=spec.digits, indicators=tuple(rows_below), grid_counts=counts,
                            focus_variables=focus_variables, labels=dict(spec.labels), restriction=spec.sample,
                            entity_label=data.entity_label, time_label=data.time_label, collinear=tuple(missing),
                            spec_notes=tuple(spec.notes), outside_valid_range=outside,
                            not_applicable=tuple(not_applicable))
