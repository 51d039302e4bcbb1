"""Spec files: the schema, defined once here, and validated once, before any data are read.

One TOML file is one table (``kind = "regression"``, the default). docs/specs.md documents every key. Loading a
spec either returns a frozen :class:`LoadedSpec` whose models have every default resolved and every formula parsed,
or raises one :class:`SpecError` naming the file, the field and the fix.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from griparm_econ.errors import SpecError
from griparm_econ.estimation.covariance import COV_NAMES, COV_OPTIONS, SMALL_SAMPLE
from griparm_econ.estimation.dispatch import ESTIMATOR_NAMES, ESTIMATORS
from griparm_econ.estimation.formula import Factor, FormulaError, ParsedFormula, Term, parse_formula
from griparm_econ.io import sha256_bytes
from griparm_econ.multiverse_axes import MULTIVERSE_ESTIMATORS
from griparm_econ.spec_expr import check_spec_conditions
from griparm_econ.spec_names import check_data_path, check_spec_names, check_spec_stem
from griparm_econ.suggest import did_you_mean as _suggest, nearest  # noqa: F401 (nearest: imported from here)

EFFECT_NAMES = ("entity", "time")
DATA_SUFFIXES = (".csv", ".parquet", ".dta")

Estimator = Literal[ESTIMATOR_NAMES]  # type: ignore[valid-type]
CovName = Literal[COV_NAMES]  # type: ignore[valid-type]
SmallSample = Literal[SMALL_SAMPLE]  # type: ignore[valid-type]
Effect = Literal[EFFECT_NAMES]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DataTable(_Strict):
    """``[data]``: a data file of its own instead of the study's country-year panel."""

    path: str = Field(min_length=1)
    entity: str | None = None
    time: str | None = None
    entity_label: str | None = None
    time_label: str | None = None


class SampleTable(_Strict):
    """``[sample]`` (every model) or ``[samples.NAME]`` (models that say ``sample = "NAME"``)."""

    query: str | None = None
    years: tuple[int, int] | None = None
    entities: list[str] | None = None          # keep only these entities (e.g. ISO3 codes)
    exclude_entities: list[str] | None = None
    description: str | None = None             # printed in the table notes
    # [sample] only: variables whose values outside their catalog valid_range still enter (default: none do)
    keep_outside_valid_range: list[str] | None = None


BOOTSTRAP_WEIGHTS = ("rademacher", "webb")
RISK_SETS = ("first_adoption",)   # sample rules of discrete-time hazard models (griparm_econ.estimation.hazard)
# Estimators whose fit the wild cluster bootstrap engine reproduces (a linear model after partialling out effects).
BOOTSTRAP_ESTIMATORS = ("panel_ols", "pooled_ols", "ols")
BOOTSTRAP_COVS = ("cluster:entity", "cluster:time")


class BootstrapTable(_Strict):
    """``bootstrap = {...}``: wild cluster bootstrap p-values and intervals for named coefficients."""

    terms: list[str] = Field(min_length=1)
    B: int = Field(default=9_999, ge=99, le=1_000_000)
    weights: Literal[BOOTSTRAP_WEIGHTS] = "rademacher"  # type: ignore[valid-type]
    impose_null: bool = True                    # WCR (null imposed) by default; false = WCU
    seed: int = Field(default=20261128, ge=0)
    level: float = Field(default=0.95, gt=0, lt=1)


# Keys whose `key = false` in a model switches off what [defaults] sets (the other keys have an "off" value of their
# own: effects = [], cov = "unadjusted", drop_singletons/between_wls/hausman = false; estimator has none).
SWITCH_OFF = ("bandwidth", "weights", "sample", "bootstrap", "risk_set")


class RandomizationTable(_Strict):
    """``randomization_inference = {...}``: permutation p-value of a treatment coefficient (twfe_diagnostics.py)."""

    term: str = Field(min_length=1)
    draws: int = Field(default=999, ge=1, le=100_000)
    seed: int = Field(default=20261129, ge=0)


class ModelOptions(_Strict):
    """Keys a model may set and ``[defaults]`` may set for every model."""

    estimator: Estimator | None = None
    effects: list[Effect] | None = None
    cov: CovName | None = None
    small_sample: SmallSample | None = None
    bandwidth: Annotated[int, Field(ge=0)] | Literal[False] | None = None
    weights: str | Literal[False] | None = None
    sample: str | Literal[False] | None = None
    drop_singletons: bool | None = None
    between_wls: bool | None = None
    hausman: bool | None = None                 # random_effects: Hausman test against fixed effects (as `hausman`)
    bootstrap: BootstrapTable | Literal[False] | None = None     # wild cluster bootstrap for named coefficients
    bacon: bool | str | None = None             # Goodman-Bacon decomposition (true: the only 0/1 regressor; or a term)
    randomization_inference: RandomizationTable | None = None
    # binary hazards (estimation.hazard)
    risk_set: Literal[RISK_SETS] | Literal[False] | None = None  # type: ignore[valid-type]

    @field_validator(*SWITCH_OFF, mode="before")
    @classmethod
    def _only_false(cls, value, info):
        if value is True:
            raise ValueError(f"{info.field_name} = true means nothing; write {info.field_name} = false to switch off "
                             "what [defaults] sets, or give a value")
        return value


class ModelTable(ModelOptions):
    """``[[model]]``: one column of the table."""

    name: str = Field(min_length=1)
    formula: str = Field(min_length=1)


class RegressionSpec(_Strict):
    """A regression table."""

    kind: Literal["regression"] = "regression"
    title: str = Field(min_length=1)
    data: DataTable | None = None
    sample: SampleTable | None = None
    samples: dict[str, SampleTable] = Field(default_factory=dict)
    defaults: ModelOptions = Field(default_factory=ModelOptions)
    model: list[ModelTable] = Field(min_length=1)
    labels: dict[str, str] = Field(default_factory=dict)
    order: list[str] | None = None
    omit: list[str] = Field(default_factory=list)   # estimated terms deliberately not shown (say so in the notes)
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)
    stars: tuple[float, ...] = (0.10, 0.05, 0.01)


class GroupSample(SampleTable):
    """``[[group]]`` of a descriptive table: one panel of rows, on a sample of its own."""

    name: str = Field(min_length=1)


class DescriptiveSpec(_Strict):
    """Descriptive statistics (N, mean, overall/between/within SD, min, max) of study-panel variables."""

    kind: Literal["descriptive"]
    title: str = Field(min_length=1)
    variables: list[str] = Field(min_length=1)
    sample: SampleTable | None = None
    group: list[GroupSample] = Field(default_factory=list)   # none = one panel, "All observations"
    labels: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)


class ShareGroup(_Strict):
    """A group of economies whose share of the world total a shares table or figure reports."""

    name: str = Field(min_length=1)
    members: list[str] | Literal["EU27"] = Field(min_length=1)   # ISO3 codes, or "EU27" (the 27 current members)


class ShareMeasure(_Strict):
    """``[[measure]]``: one world total to split between the groups."""

    name: str = Field(min_length=1)
    variable: str = Field(min_length=1)                  # a study-panel variable in levels (tonnes, US$)
    world: Literal["reported", "sum"] = "reported"       # the source's WLD row, or the sum over listed economies


class SharesSpec(_Strict):
    """Shares of world totals by group and period (Table 5)."""

    kind: Literal["shares"]
    title: str = Field(min_length=1)
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    periods: list[tuple[int, int]] = Field(min_length=1)
    rest_label: str = "Rest of the world"
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=1, ge=0, le=6)


class BeforeAfterSpec(_Strict):
    """Groups' shares of world totals before and after a date: period means, change, descriptive comparison."""

    kind: Literal["before_after"]
    title: str = Field(min_length=1)
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    before: tuple[int, int]                      # first and last year of the "before" window (inclusive)
    after: tuple[int, int]
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=2, ge=0, le=6)


class _Figure(_Strict):
    kind: Literal["figure"]
    title: str = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)


class TrajectoriesFigure(_Figure):
    """Lines per economy over time, one panel per variable. "EU27" = the unweighted mean of reporting members."""

    figure: Literal["trajectories"]
    countries: list[str] = Field(min_length=1)
    variables: list[str] = Field(min_length=1)
    years: tuple[int, int] | None = None
    ncols: int = Field(default=2, ge=1, le=4)


class MarginalEffectFigure(_Figure):
    """d(outcome)/d(treatment) across the observed range of a moderator, from one model's estimates."""

    figure: Literal["marginal_effect"]
    table: str = Field(min_length=1)          # the stem of a regression spec in specs/
    model: str = Field(min_length=1)          # a model name in it
    treatment: str = Field(min_length=1)      # a term, e.g. "L.export_restriction_any"
    interaction: str = Field(min_length=1)    # the product term, e.g. "L.export_restriction_any:L.state_capacity"
    moderator: str = Field(min_length=1)      # the study-panel variable whose observed range is the x axis
    level: float = Field(default=0.95, gt=0, lt=1)
    points: int = Field(default=101, ge=3, le=2001)
    # > 0: also the binning estimator (Hainmueller, Mummolo and Xu 2019) with this many quantile bins of the
    # moderator, and the moderator's distribution among treated observations beneath (estimation/binned.py)
    bins: int = Field(default=0, ge=0, le=10)


class CoefficientsFigure(_Figure):
    """Dot-and-whisker plot of named terms across the models of several regression specs."""

    figure: Literal["coefficients"]
    tables: list[str] = Field(min_length=1)
    terms: list[str] = Field(min_length=1)
    level: float = Field(default=0.95, gt=0, lt=1)
    # Outcomes differ in units (percent vs shares): "outcome_sd" divides each model's estimates by the standard
    # deviation of its dependent variable over the model's years, so the panels share one scale.
    scale: Literal["none", "outcome_sd"] = "outcome_sd"


class SharesFigure(_Figure):
    """Stacked shares of world totals over time, one panel per measure."""

    figure: Literal["shares"]
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    rest_label: str = "Rest of the world"
    years: tuple[int, int] | None = None


class ImporterSharesFigure(_Figure):
    """Each group's share of a world total over time, one line per group and panel per measure, the break marked."""

    figure: Literal["importer_shares"]
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    break_year: int                               # first year of the "after" window, drawn as a vertical line
    years: tuple[int, int] | None = None


class TimelineFigure(_Figure):
    """Export-restriction events (from the events file) over time, by country and measure type."""

    figure: Literal["timeline"]
    countries: list[str] | None = None        # ISO3; None = every country with a dated event
    rare_earth_only: bool = False
    years: tuple[int, int] | None = None


MULTIVERSE_COVS = ("unadjusted", "robust", "cluster:entity", "cluster:time")   # what the within engine computes
EXECUTOR_BACKENDS = ("loky", "threading", "sequential", "multiprocessing", "dask")


class ExecutorTable(_Strict):
    """``[executor]``: where the models of a multiverse are fitted (joblib backend and workers)."""

    backend: Literal[EXECUTOR_BACKENDS] = "loky"  # type: ignore[valid-type]
    # -1: every core (or every worker of a cluster backend); above 2 per core: clamped (estimation/multiverse.py)
    n_jobs: int = Field(default=-1, ge=-1)
    progress: bool = True                         # a progress bar on the terminal (stderr)
    # backend "dask": the scheduler's address; `--scheduler` on the command line overrides it
    scheduler: str | None = Field(default=None, pattern=r"^(tcp|tls|ucx|inproc)://\S+$")

    @field_validator("n_jobs")
    @classmethod
    def _some_workers(cls, value: int) -> int:
        if value == 0:
            raise ValueError("n_jobs = 0 runs nothing: give a number of workers, or -1 for every core")
        return value


class MultiverseSpec(_Strict):
    """A grid of models (a specification curve): every combination of the choices below is one model."""

    kind: Literal["multiverse"]
    title: str = Field(min_length=1)
    focus: list[str] = Field(default_factory=list)   # the coefficient(s) the curve shows; one per treatment set
    expected_sign: Literal["positive", "negative"]
    limit: int = Field(default=5_000, ge=1)       # refuse grids with more models than this
    # Outcomes and treatment sets, written out or by name (griparm_econ/multiverse_axes.py resolves both forms).
    outcomes: list[str] = Field(default_factory=list)
    outcome_families: dict[str, list[str]] = Field(default_factory=dict)
    treatments: list[list[str]] = Field(default_factory=list)
    treatment_definitions: list[str] = Field(default_factory=list)
    moderators: list[str] = Field(default_factory=lambda: ["none"], min_length=1)
    estimators: list[Literal[tuple(MULTIVERSE_ESTIMATORS)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["twfe"], min_length=1)
    controls: list[str] = Field(default_factory=list)
    control_sets: Literal["all_subsets", "all", "none"] | list[list[str]] = "all"
    lags: list[int] = Field(default_factory=lambda: [1], min_length=1)
    effects: list[list[Effect]] = Field(default_factory=lambda: [["entity", "time"]], min_length=1)
    cov: list[Literal[MULTIVERSE_COVS]] = Field(default_factory=lambda: ["cluster:entity"],  # type: ignore[valid-type]
                                                min_length=1)
    data: DataTable | None = None                 # a panel file of its own instead of the study panel
    sample: SampleTable | None = None             # applies to every model
    samples: dict[str, SampleTable] = Field(default_factory=dict)   # each one a choice; none = [sample] only
    level: float = Field(default=0.95, gt=0, lt=1)
    scale: Literal["outcome_sd", "none"] = "outcome_sd"
    executor: ExecutorTable = Field(default_factory=ExecutorTable)
    labels: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)

    @field_validator("focus", mode="before")
    @classmethod
    def _one_focus(cls, value):
        return [value] if isinstance(value, str) else value


FIGURE_KINDS: dict[str, type[BaseModel]] = {
    "trajectories": TrajectoriesFigure, "marginal_effect": MarginalEffectFigure, "coefficients": CoefficientsFigure,
    "shares": SharesFigure, "timeline": TimelineFigure, "importer_shares": ImporterSharesFigure,
}


from griparm_econ.spec_event_study import EventStudySpec  # noqa: E402  (its [data]/[sample] are defined above)
from griparm_econ.spec_synthetic_control import SyntheticControlSpec  # noqa: E402

for _design_kind in (EventStudySpec, SyntheticControlSpec):
    _design_kind.model_rebuild(_types_namespace={"DataTable": DataTable, "SampleTable": SampleTable})

# Every kind of spec file; the runner dispatches on ``kind`` (figures then on ``figure``).
SPEC_KINDS: dict[str, type[BaseModel] | None] = {"regression": RegressionSpec, "descriptive": DescriptiveSpec,
                                                 "shares": SharesSpec, "multiverse": MultiverseSpec,
                                                 "event_study": EventStudySpec,
                                                 "synthetic_control": SyntheticControlSpec,
                                                 "before_after": BeforeAfterSpec,
                                                 "figure": None}  # figure: see FIGURE_KINDS

BUILTIN_DEFAULTS: dict[str, Any] = {"effects": [], "cov": "unadjusted", "small_sample": "stata", "bandwidth": None,
                                    "weights": None, "sample": None, "drop_singletons": True, "between_wls": False,
                                    "hausman": False, "bootstrap": None, "bacon": False,
                                    "randomization_inference": None, "risk_set": None}


@dataclass(frozen=True)
class ModelConfig:
    """One model with every default resolved and its formula parsed: what estimation reads."""

    name: str
    formula: str
    parsed: ParsedFormula
    estimator: str
    effects: tuple[str, ...]
    cov: str
    small_sample: str
    bandwidth: int | None
    weights: str | None
    sample: str | None
    drop_singletons: bool
    between_wls: bool
    hausman: bool = False
    bootstrap: BootstrapTable | None = None
    bacon: bool | str = False
    randomization_inference: RandomizationTable | None = None
    risk_set: str | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        extra = (self.weights,) if self.weights else ()
        return tuple(dict.fromkeys(self.parsed.variables + extra))


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    sha256: str
    spec: BaseModel             # RegressionSpec, DescriptiveSpec, SharesSpec or a figure spec
    models: tuple[ModelConfig, ...]

    @property
    def kind(self) -> str:
        return getattr(self.spec, "kind", "regression")

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def uses_study_panel(self) -> bool:
        return getattr(self.spec, "data", None) is None

    @property
    def entity(self) -> str | None:
        return "iso3" if self.uses_study_panel else self.spec.data.entity

    @property
    def time(self) -> str | None:
        return "year" if self.uses_study_panel else self.spec.data.time


def _loc_text(loc: tuple, raw: dict) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            label = f"[{item + 1}]"
            if parts and parts[-1] == "model":
                try:
                    label = f"[{item + 1}] (name = {raw['model'][item]['name']!r})"
                except (KeyError, IndexError, TypeError):
                    pass
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts).replace(".[", "[")


def _spec_loc(loc: tuple, raw: dict) -> tuple:
    """The location as the file writes it: without pydantic's union-member tags (``constrained-int``, ...)."""
    node, kept = raw, []
    for i, item in enumerate(loc):
        if isinstance(item, str) and (not isinstance(node, dict) or (item not in node and i < len(loc) - 1)):
            continue
        kept.append(item)
        node = node.get(item) if isinstance(node, dict) else node[item] if isinstance(node, list) and isinstance(
            item, int) and item < len(node) else None
    return tuple(kept)


def _nested_schema(annotation) -> type[BaseModel] | None:
    """The spec table class inside a field's annotation (``X``, ``X | None``, ``list[X]``, ``dict[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_schema(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(loc: tuple, schema: type[BaseModel]) -> list[str]:
    """The keys the schema allows in the table that ``loc`` (a pydantic error location) points into."""
    for item in loc[:-1]:
        if isinstance(item, str) and item in schema.model_fields:
            nested = _nested_schema(schema.model_fields[item].annotation)
            if nested is not None:
                schema = nested
    return sorted(schema.model_fields)


def _validation_error(err: ValidationError, path: Path, raw: dict, schema: type[BaseModel]) -> SpecError:
    # An unknown key is named even when a required key is missing too: it is usually the misspelt required key.
    first = next((e for e in err.errors() if e["type"] == "extra_forbidden"), err.errors()[0])
    loc = _spec_loc(tuple(first["loc"]), raw)
    field = _loc_text(loc, raw) or "(file)"
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc, schema)
        return SpecError(f"unknown key '{loc[-1]}'{_suggest(loc[-1], allowed)}.", where=path, field=field,
                         fix=f"remove it or use one of: {', '.join(allowed)}.")
    if kind == "literal_error":
        key = next((item for item in reversed(loc) if isinstance(item, str)), "")
        allowed = {"estimator": ESTIMATOR_NAMES, "cov": COV_NAMES, "small_sample": SMALL_SAMPLE,
                   "effects": EFFECT_NAMES, "kind": tuple(SPEC_KINDS), "figure": tuple(FIGURE_KINDS),
                   "world": ("reported", "sum"), "expected_sign": ("positive", "negative"),
                   "backend": EXECUTOR_BACKENDS, "weights": BOOTSTRAP_WEIGHTS, "scale": ("outcome_sd", "none"),
                   "control_sets": ("all_subsets", "all", "none"),
                   "estimators": tuple(MULTIVERSE_ESTIMATORS),
                   "risk_set": RISK_SETS}.get(key, ())
        if key == "cov" and schema is MultiverseSpec:   # the multiverse engine computes fewer covariances
            allowed = MULTIVERSE_COVS
        allowed = getattr(schema, "LITERAL_CHOICES", {}).get(key, allowed)   # a kind's own vocabularies
        return SpecError(f"'{value}' is not a valid {key}{_suggest(value, allowed)}.", where=path, field=field,
                         fix=f"use one of: {', '.join(allowed)}." if allowed else first["msg"])
    if kind == "missing":
        return SpecError(f"the required key '{loc[-1]}' is missing.", where=path, field=field,
                         fix=f"add {loc[-1]} = ... (see docs/specs.md).")
    return SpecError(f"{first['msg'].removeprefix('Value error, ')} (got {value!r}).", where=path, field=field,
                     fix="correct the value (see docs/specs.md for the type of every key).")


def _model_field(index: int, model: ModelTable, key: str) -> str:
    return f"model[{index + 1}] (name = {model.name!r}).{key}"


def _resolve_model(index: int, table: ModelTable, spec: RegressionSpec, path: Path) -> ModelConfig:
    values: dict[str, Any] = {}
    for key, builtin in BUILTIN_DEFAULTS.items():
        own = getattr(table, key)
        inherited = getattr(spec.defaults, key)
        values[key] = own if own is not None else inherited if inherited is not None else builtin
        if key in SWITCH_OFF and values[key] is False:   # `key = false`: what [defaults] set is switched off
            values[key] = builtin
    estimator = table.estimator or spec.defaults.estimator
    if estimator is None:
        raise SpecError("the model has no estimator and [defaults] sets none.", where=path,
                        field=_model_field(index, table, "estimator"),
                        fix=f"add estimator = one of: {', '.join(ESTIMATOR_NAMES)}.")
    try:
        parsed = parse_formula(table.formula)
    except FormulaError as err:
        field = _model_field(index, table, "formula") + (f": {err.term}" if err.term else "")
        raise SpecError(err.problem, where=path, field=field, fix=err.fix) from None
    return ModelConfig(name=table.name, formula=parsed.text, parsed=parsed, estimator=estimator,
                       effects=tuple(dict.fromkeys(values["effects"])), cov=values["cov"],
                       small_sample=values["small_sample"], bandwidth=values["bandwidth"], weights=values["weights"],
                       sample=values["sample"], drop_singletons=values["drop_singletons"],
                       between_wls=values["between_wls"], hausman=values["hausman"], bootstrap=values["bootstrap"],
                       bacon=values["bacon"], randomization_inference=values["randomization_inference"],
                       risk_set=values["risk_set"])


def _check_model(index: int, table: ModelTable, model: ModelConfig, spec: RegressionSpec, path: Path) -> None:
    def fail(key: str, problem: str, fix: str) -> None:
        raise SpecError(problem, where=path, field=_model_field(index, table, key), fix=fix)

    info = ESTIMATORS[model.estimator]
    has_entity = spec.data is None or spec.data.entity is not None
    has_time = spec.data is None or spec.data.time is not None
    parsed = model.parsed
    if model.estimator == "iv2sls" and not parsed.is_iv:
        fail("formula", "estimator iv2sls needs instruments, but the formula has no IV bracket.",
             "write the endogenous regressors and their instruments as y ~ 1 + x + [endogenous ~ instrument].")
    if parsed.is_iv and model.estimator != "iv2sls":
        fail("estimator", f"the formula has an IV bracket but the estimator is {model.estimator}.",
             "use estimator = \"iv2sls\", or remove the bracket.")
    if model.effects and not info.effects:
        fail("effects", f"{model.estimator} cannot absorb fixed effects.",
             "use estimator = \"panel_ols\" for fixed effects, or remove effects.")
    if parsed.constant and not info.constant:
        fail("formula", f"{model.estimator} has no constant (differencing removes it).",
             "remove '1 +' from the formula.")
    if info.panel and not (has_entity and has_time):
        fail("estimator", f"{model.estimator} needs a panel, but [data] sets no "
             f"{'entity' if not has_entity else 'time'}.",
             "set [data] entity and time, or use estimator = \"ols\" / \"iv2sls\" for cross-section data.")
    for dim in ("entity", "time"):
        present = has_entity if dim == "entity" else has_time
        if not present and (dim in model.effects):
            fail("effects", f"{dim} effects need a {dim} index, but [data] sets no {dim}.",
                 f"set {dim} = \"<column>\" in [data], or remove \"{dim}\" from effects.")
    _check_estimator_options(model, info, fail, has_entity and has_time)
    option = COV_OPTIONS[model.cov]
    needed = set(option.clusters) | ({"entity", "time"} if option.needs_panel else set())
    for dim in sorted(needed):
        present = has_entity if dim == "entity" else has_time
        if not present:
            fail("cov", f"cov = \"{model.cov}\" needs a {dim} index, but [data] sets no {dim}.",
                 f"set {dim} = \"<column>\" in [data], or choose a cov that does not use the {dim}: "
                 f"{', '.join(k for k, o in COV_OPTIONS.items() if dim not in o.clusters and not o.needs_panel)}.")
    if parsed.uses_time_operators and not (has_entity and has_time):
        fail("formula", "lags, leads and differences (L., F., D.) need entity and time indexes.",
             "set entity and time in [data], or remove the time operators.")
    if model.bandwidth is not None and not option.kernel:
        fail("bandwidth", f"bandwidth is used only by cov = \"driscoll_kraay\", not \"{model.cov}\".",
             "remove bandwidth, or set cov = \"driscoll_kraay\".")
    if option.kernel and model.estimator not in ("pooled_ols", "panel_ols", "first_difference"):
        fail("cov", f"driscoll_kraay is available for pooled_ols, panel_ols and first_difference, "
             f"not {model.estimator}.", "choose another cov or estimator.")
    if model.estimator == "between_ols" and model.cov not in ("unadjusted", "robust"):
        fail("cov", f"between_ols has one observation per entity; cov = \"{model.cov}\" is not defined for it.",
             "use unadjusted or robust (with one observation per entity, robust is clustering by entity).")
    if model.hausman and model.estimator != "random_effects":
        fail("hausman", "the Hausman test compares random with fixed effects; it applies to random_effects only.",
             "remove hausman, or set estimator = \"random_effects\".")
    if model.bootstrap is not None:
        _check_bootstrap(model, fail)
    _check_twfe_diagnostics(model, fail)
    if model.between_wls and model.estimator != "between_ols":
        fail("between_wls", "between_wls applies to estimator between_ols only.", "remove between_wls.")
    if model.sample is not None and model.sample not in spec.samples:
        known = ", ".join(spec.samples) or "(none defined)"
        fail("sample", f"the named sample '{model.sample}' is not defined{_suggest(model.sample, spec.samples)}.",
             f"define [samples.{model.sample}] or use one of: {known}.")


def _check_estimator_options(model: ModelConfig, info, fail, panel: bool) -> None:
    """What the estimator's registry entry allows (covariances, small-sample conventions, a risk set): the one place
    an unsupported combination is refused."""
    if info.covs is not None and model.cov not in info.covs:
        fail("cov", f"{model.estimator} computes cov = {', '.join(info.covs)}, not \"{model.cov}\".",
             f"set cov = one of: {', '.join(info.covs)}.")
    if info.small_samples is not None and model.small_sample not in info.small_samples:
        fail("small_sample", f"{model.estimator} has the small-sample conventions {', '.join(info.small_samples)}, "
             f"not \"{model.small_sample}\".", f"set small_sample = one of: {', '.join(info.small_samples)}.")
    if info.likelihood and model.weights is not None:
        fail("weights", f"{model.estimator} is fitted without weights here.", "remove weights from this model.")
    if model.risk_set is not None:
        if not info.binary:
            binary = ", ".join(name for name, entry in ESTIMATORS.items() if entry.binary)
            fail("risk_set", f"risk_set applies to the binary hazard estimators ({binary}), not {model.estimator}.",
                 f"set estimator = one of: {binary}, or remove risk_set.")
        if not panel:
            fail("risk_set", "a risk set follows each entity over time, but [data] sets no entity or time.",
                 "set entity and time in [data], or remove risk_set.")


def _check_twfe_diagnostics(model: ModelConfig, fail) -> None:
    """bacon and randomization_inference describe a two-way fixed-effects coefficient (issue 12)."""
    for key, asked in (("bacon", model.bacon), ("randomization_inference", model.randomization_inference)):
        if asked and (model.estimator != "panel_ols" or sorted(model.effects) != ["entity", "time"]
                      or model.weights is not None):
            fail(key, f"{key} applies to two-way fixed-effects models (panel_ols with entity and time effects, "
                 "unweighted).", f"remove {key}, or set estimator = \"panel_ols\" and effects = [\"entity\", "
                 "\"time\"].")
    names = model.parsed.regressor_names
    for key, term in (("bacon", model.bacon if isinstance(model.bacon, str) else None),
                      ("randomization_inference.term",
                       model.randomization_inference.term if model.randomization_inference else None)):
        if term is not None and (term not in names or term == "Intercept"):
            fail(key, f"'{term}' is not a slope of the model{_suggest(term, names)}.",
                 "name the treatment term exactly as the formula writes it, e.g. \"L.x\".")


def _check_bootstrap(model: ModelConfig, fail) -> None:
    if model.estimator not in BOOTSTRAP_ESTIMATORS:
        fail("bootstrap", f"the wild cluster bootstrap is available for {', '.join(BOOTSTRAP_ESTIMATORS)}, not "
             f"{model.estimator}.", "remove bootstrap from this model, or change its estimator.")
    if model.cov not in BOOTSTRAP_COVS:
        fail("bootstrap", f"the wild cluster bootstrap needs errors clustered in one dimension, but cov = "
             f"\"{model.cov}\".", f"set cov = one of: {', '.join(BOOTSTRAP_COVS)}, or remove bootstrap.")
    if model.weights is not None or model.parsed.is_iv:
        fail("bootstrap", "the wild cluster bootstrap is implemented for unweighted least squares only.",
             "remove weights (or the IV bracket), or remove bootstrap.")
    if not model.effects and not model.parsed.constant:
        fail("bootstrap", "the bootstrap engine fits a model without fixed effects with a constant, but the "
             "formula has none.", "add '1 +' to the formula, or remove bootstrap.")
    names = model.parsed.regressor_names
    for term in model.bootstrap.terms:
        if term not in names or term == "Intercept":
            fail("bootstrap", f"bootstrap.terms names '{term}', which is not a slope of the model"
                 f"{_suggest(term, names)}.", "list coefficients exactly as the formula writes them, e.g. "
                 "\"L.x\" or \"L.x:L.z\".")


def _check_spec(spec: RegressionSpec, models: tuple[ModelConfig, ...], path: Path) -> None:
    names = [m.name for m in models]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"two models are named '{duplicates[0]}'.", where=path, field="model.name",
                        fix="give every [[model]] a different name (it heads the table column).")
    if spec.data is not None:
        suffix = Path(spec.data.path).suffix.lower()
        if suffix not in DATA_SUFFIXES:
            raise SpecError(f"cannot read '{spec.data.path}': unknown file type '{suffix}'.", where=path,
                            field="data.path", fix=f"use a {', '.join(DATA_SUFFIXES)} file.")
    for key, sample in [("sample", spec.sample)] + [(f"samples.{k}", v) for k, v in spec.samples.items()]:
        if sample is not None and sample.years is not None and sample.years[0] > sample.years[1]:
            raise SpecError(f"years = {list(sample.years)} runs backwards.", where=path, field=f"{key}.years",
                            fix=f"write years = [{sample.years[1]}, {sample.years[0]}] (first, last; inclusive).")
    terms = {t for m in models for t in m.parsed.regressor_names}
    for key in ("order", "omit"):
        for term in getattr(spec, key) or ():
            if term not in terms:
                raise SpecError(f"'{term}' is not a coefficient of any model{_suggest(term, terms)}.", where=path,
                                field=key, fix=f"list only terms of the formulas: {', '.join(sorted(terms))}.")
            if key == "omit" and term in (spec.order or ()):
                raise SpecError(f"'{term}' is listed in both order and omit.", where=path, field="omit",
                                fix="list it in order to show it, or in omit to leave it out, not both.")
    labelled = {t for m in models for t in m.parsed.regressor_names} | {m.parsed.dependent.name for m in models}
    for term in spec.labels:
        if term not in labelled:
            raise SpecError(f"[labels] names '{term}', which is neither a coefficient nor a dependent variable of any "
                            f"model{_suggest(term, labelled)}.", where=path, field=f"labels.{term}",
                            fix="use a term exactly as the formulas write it (e.g. \"L.x\", \"x:z\"), or remove it.")
    if any(not 0 < s < 1 for s in spec.stars):
        raise SpecError("star levels must lie strictly between 0 and 1.", where=path, field="stars",
                        fix="write e.g. stars = [0.10, 0.05, 0.01].")


def parse_spec_text(text: str, path: Path) -> LoadedSpec:
    """Validate a spec's text; ``path`` is used for messages and to resolve the data path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        position = re.search(r"\(at line (\d+), column (\d+)\)", message)
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise SpecError(f"is not valid TOML: {problem}.", where=path,
                        field=f"line {position.group(1)}, column {position.group(2)}" if position else "(syntax)",
                        fix="correct the TOML syntax there (strings in double quotes, lists in [ ], one key = value "
                            "per line).") from None
    kind = raw.get("kind", "regression")
    if kind not in SPEC_KINDS:
        raise SpecError(f"unknown spec kind '{kind}'{_suggest(kind, SPEC_KINDS)}.", where=path, field="kind",
                        fix=f"use one of: {', '.join(SPEC_KINDS)}.")
    schema = SPEC_KINDS[kind]
    if schema is None:
        figure = raw.get("figure")
        if figure not in FIGURE_KINDS:
            raise SpecError(f"unknown or missing figure type {figure!r}{_suggest(str(figure), FIGURE_KINDS)}.",
                            where=path, field="figure", fix=f"set figure = one of: {', '.join(FIGURE_KINDS)}.")
        schema = FIGURE_KINDS[figure]
    try:
        spec = schema.model_validate(raw)
    except ValidationError as err:
        raise _validation_error(err, path, raw, schema) from None
    check_spec_conditions(spec, path)          # no condition may run code
    check_spec_names(spec, path)               # nothing read or written outside --out
    if getattr(spec, "data", None) is not None:
        check_data_path(spec.data.path, path)  # no environment expanded from spec text
    sha = sha256_bytes(text.encode("utf-8"))
    if isinstance(spec, MultiverseSpec):
        _check_multiverse(spec, path)
        return LoadedSpec(path=path, sha256=sha, spec=spec, models=())
    if hasattr(spec, "resolve"):    # a kind whose schema module resolves and checks its own models (event_study)
        return LoadedSpec(path=path, sha256=sha, spec=spec, models=spec.resolve(path))
    if not isinstance(spec, RegressionSpec):
        _check_other(spec, path)
        return LoadedSpec(path=path, sha256=sha, spec=spec, models=())
    models = tuple(_resolve_model(i, table, spec, path) for i, table in enumerate(spec.model))
    for i, (table, model) in enumerate(zip(spec.model, models)):
        _check_model(i, table, model, spec, path)
    _check_spec(spec, models, path)
    return LoadedSpec(path=path, sha256=sha, spec=spec, models=models)


def _check_other(spec: BaseModel, path: Path) -> None:
    """Checks of descriptive, shares and figure specs that the field types cannot express."""
    def backwards(years, field: str) -> None:
        if years is not None and years[0] > years[1]:
            raise SpecError(f"years = {list(years)} runs backwards.", where=path, field=field,
                            fix=f"write [{years[1]}, {years[0]}] (first, last; inclusive).")

    for key in ("years",):
        backwards(getattr(spec, key, None), key)
    sample = getattr(spec, "sample", None)
    if isinstance(sample, SampleTable):
        backwards(sample.years, "sample.years")
    for i, group in enumerate(getattr(spec, "group", []) or []):
        if isinstance(group, SampleTable):
            backwards(group.years, f"group[{i + 1}].years")
    for i, period in enumerate(getattr(spec, "periods", []) or []):
        backwards(period, f"periods[{i + 1}]")
    if isinstance(spec, BeforeAfterSpec):
        backwards(spec.before, "before")
        backwards(spec.after, "after")
        if spec.before[1] >= spec.after[0]:
            raise SpecError(f"the windows overlap: before ends in {spec.before[1]}, after starts in {spec.after[0]}.",
                            where=path, field="after", fix="let the after window start after the before window ends.")
    names = [g.name for g in getattr(spec, "group", []) or []]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"two groups are named '{duplicates[0]}'.", where=path, field="group.name",
                        fix="give every [[group]] a different name.")


# ---------------------------------------------------------------------------------------------------------------------
# Multiverse: what each choice expands to (the estimation module enumerates the grid from these)


def control_sets(spec: MultiverseSpec) -> list[tuple[str, ...]]:
    """The control sets of the grid: every subset (smallest first, in the order listed), all, none, or the list."""
    if spec.control_sets == "all_subsets":
        from itertools import combinations

        return [combo for size in range(len(spec.controls) + 1) for combo in combinations(spec.controls, size)]
    if spec.control_sets == "all":
        return [tuple(spec.controls)]
    if spec.control_sets == "none":
        return [()]
    return [tuple(s) for s in spec.control_sets]


@functools.lru_cache(maxsize=4096)   # a grid asks for the same few terms thousands of times
def lag_term(term: str, lag: int) -> str:
    """``term`` with every one-period lag ``L.`` made ``L<lag>.``; other factors (unlagged, L2., F., D.) unchanged."""
    parsed = parse_formula(f"y ~ {term}")
    factors = [Factor(f.variable, f.op, lag) if f.op == "L" and f.lag == 1 else f for f in parsed.exog[0].factors]
    return Term(tuple(factors)).name


MAX_GRID = 1_000_000   # models per multiverse spec, whatever its limit: the grid is enumerated in memory


def multiverse_size(spec: MultiverseSpec) -> int:
    """The number of models, counted from the choices (the grid itself is not built)."""
    n_sets = (2 ** len(spec.controls) if spec.control_sets == "all_subsets" else
              1 if spec.control_sets in ("all", "none") else len(spec.control_sets))
    from griparm_econ.multiverse_axes import n_treatment_sets, outcome_list

    return (len(outcome_list(spec)) * n_treatment_sets(spec) * n_sets * len(spec.lags)
            * max(1, len(spec.samples)) * len(spec.effects) * len(spec.cov) * len(spec.estimators))


def multiverse_variables(spec: MultiverseSpec) -> tuple[str, ...]:
    from griparm_econ.multiverse_axes import outcome_list, treatment_sets

    names = outcome_list(spec)
    for term in [t for ts in treatment_sets(spec) for t in ts.terms] + list(spec.controls):
        names += [f.variable for f in parse_formula(f"y ~ {term}").exog[0].factors]
    return tuple(dict.fromkeys(names))


def _check_multiverse(spec: MultiverseSpec, path: Path) -> None:
    def fail(field: str, problem: str, fix: str) -> None:
        raise SpecError(problem, where=path, field=field, fix=fix)

    from griparm_econ.multiverse_axes import check_axes, outcome_list, treatment_sets

    if spec.data is not None and (spec.data.entity is None or spec.data.time is None):
        fail("data", "a multiverse needs a panel, but [data] sets no "
             f"{'entity' if spec.data.entity is None else 'time'}.", "set entity and time in [data].")
    check_axes(spec, path)
    outcomes = outcome_list(spec)
    for key, terms in ([(f"treatments[{i + 1}]", ts) for i, ts in enumerate(spec.treatments)]
                       + [("controls", spec.controls), ("focus", spec.focus)]
                       + [(f"outcomes[{i + 1}]", [o]) for i, o in enumerate(outcomes)]):
        for term in terms:
            try:
                parse_formula(f"y ~ {term}")
            except FormulaError as err:
                fail(f"{key}: {term}", err.problem, err.fix or "write a term as a formula does, e.g. \"L.x:L.z\".")
    for i, outcome in enumerate(outcomes):
        if parse_formula(f"{outcome} ~ x").dependent.op:
            fail(f"outcomes[{i + 1}]", f"the outcome '{outcome}' has a time-series operator.",
                 "name outcome variables without L./F./D. (regressors are lagged through `lags`).")
    if isinstance(spec.control_sets, list):
        for i, chosen in enumerate(spec.control_sets):
            unknown = [c for c in chosen if c not in spec.controls]
            if unknown:
                fail(f"control_sets[{i + 1}]", f"'{unknown[0]}' is not in controls{_suggest(unknown[0], spec.controls)}.",
                     "list in control_sets only terms that controls lists.")
    elif spec.control_sets in ("all_subsets", "all") and not spec.controls:
        fail("control_sets", f"control_sets = \"{spec.control_sets}\" but controls is empty.",
             "list the controls, or set control_sets = \"none\".")
    for i, treatment in enumerate(spec.treatments):
        found = [t for t in treatment if t in spec.focus]
        if len(found) != 1:
            fail(f"treatments[{i + 1}]", f"the treatment set {treatment} contains {len(found)} of the focus terms "
                 f"{spec.focus}; each set must contain exactly one (the coefficient the curve shows).",
                 "add the set's focus term to focus, or the focus term to the set.")
    for i, chosen in enumerate(treatment_sets(spec)):
        overlap = [c for c in spec.controls if c in chosen.terms]
        if overlap:
            fail(f"treatments[{i + 1}]" if spec.treatments else "controls",
                 f"'{overlap[0]}' is both a treatment and a control.",
                 "list it in one of them only.")
    if any(lag < 1 for lag in spec.lags) or len(set(spec.lags)) != len(spec.lags):
        fail("lags", f"lags = {spec.lags} must be distinct positive lag lengths.", "write e.g. lags = [1, 2].")
    for i, effects in enumerate(spec.effects):
        if len(set(effects)) != len(effects):
            fail(f"effects[{i + 1}]", f"{effects} repeats an effect.", "write each effect once, e.g. [\"entity\"].")
    for key, sample in [("sample", spec.sample)] + [(f"samples.{k}", v) for k, v in spec.samples.items()]:
        if sample is not None and sample.years is not None and sample.years[0] > sample.years[1]:
            fail(f"{key}.years", f"years = {list(sample.years)} runs backwards.",
                 f"write years = [{sample.years[1]}, {sample.years[0]}] (first, last; inclusive).")
    size = multiverse_size(spec)
    if size > MAX_GRID:
        fail("controls" if spec.control_sets == "all_subsets" else "limit",
             f"the grid expands to {size:,} models"
             + (f" ({len(spec.controls)} controls give {2 ** len(spec.controls):,} subsets)"
                if spec.control_sets == "all_subsets" else "") + f"; at most {MAX_GRID:,} can be run from one spec.",
             "drop choices (fewer controls with control_sets = \"all_subsets\", or list the control sets), or split "
             "the grid into several specs.")
    if size > spec.limit:
        fail("limit", f"the grid expands to {size:,} models, above the limit of {spec.limit:,}.",
             f"set limit = {size} (or more) if you mean to run them all, or drop choices (outcomes, treatments, "
             "moderators, control_sets, lags, samples, effects, cov, estimators).")


def load_spec(path: str | os.PathLike) -> LoadedSpec:
    """Read and validate one spec file, before any data are read."""
    path = Path(path)
    if path.is_dir():
        raise SpecError("is a directory, not a spec file.", where=path, field="(file)",
                        fix="name a spec file (e.g. specs/table2_forward.toml), or give no spec to run every "
                            "specs/*.toml.")
    if not path.is_file():
        raise SpecError("the spec file does not exist." if not path.exists() else
                        "is not a regular file (a spec is a .toml text file).", where=path, field="(file)",
                        fix="check the path; specs live in specs/*.toml.")
    check_spec_stem(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("the spec file is not UTF-8 text.", where=path, field="(file)",
                        fix="save it as UTF-8.") from None
    return parse_spec_text(text, path)
