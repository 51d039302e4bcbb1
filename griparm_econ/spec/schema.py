"""Spec files: the schema of the table and figure kinds, defined once here (docs/specs.md documents every key).

The pydantic tables say which keys a spec may write and of what type; what the types cannot say (a model's
estimator and covariance together, a multiverse's grid) is checked by the kind's own module (:mod:`.kinds` lists
them). The vocabularies (estimators, covariances, ...) come from :mod:`.vocabulary`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from griparm_econ.spec.multiverse_axes import MULTIVERSE_ESTIMATORS
from griparm_econ.spec.vocabulary import (BOOTSTRAP_DEFAULT_WEIGHTS, BOOTSTRAP_DRAWS, BOOTSTRAP_SEED,
                                          BOOTSTRAP_WEIGHTS, COV_NAMES, EFFECT_NAMES,
                                          ESTIMATOR_NAMES, EXECUTOR_BACKENDS, MULTIVERSE_COVS, RANDOMIZATION_SEED,
                                          RISK_SETS, SMALL_SAMPLE)

Estimator = Literal[ESTIMATOR_NAMES]  # type: ignore[valid-type]
CovName = Literal[COV_NAMES]  # type: ignore[valid-type]
SmallSample = Literal[SMALL_SAMPLE]  # type: ignore[valid-type]
Effect = Literal[EFFECT_NAMES]  # type: ignore[valid-type]


class StrictTable(BaseModel):
    """A spec table: unknown keys refused, values frozen, strings stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DataTable(StrictTable):
    """``[data]``: a data file of its own instead of the study's country-year panel."""

    path: str = Field(min_length=1)
    entity: str | None = None
    time: str | None = None
    entity_label: str | None = None
    time_label: str | None = None


class SampleTable(StrictTable):
    """``[sample]`` (every model) or ``[samples.NAME]`` (models that say ``sample = "NAME"``)."""

    query: str | None = None
    years: tuple[int, int] | None = None
    entities: list[str] | None = None          # keep only these entities (e.g. ISO3 codes)
    exclude_entities: list[str] | None = None
    description: str | None = None             # printed in the table notes
    # [sample] only: variables whose values outside their catalog valid_range still enter (default: none do)
    keep_outside_valid_range: list[str] | None = None




class BootstrapTable(StrictTable):
    """``bootstrap = {...}``: wild cluster bootstrap p-values and intervals for named coefficients."""

    terms: list[str] = Field(min_length=1)
    B: int = Field(default=BOOTSTRAP_DRAWS, ge=99, le=1_000_000)
    weights: Literal[BOOTSTRAP_WEIGHTS] = BOOTSTRAP_DEFAULT_WEIGHTS  # type: ignore[valid-type]
    impose_null: bool = True                    # WCR (null imposed) by default; false = WCU
    seed: int = Field(default=BOOTSTRAP_SEED, ge=0)
    level: float = Field(default=0.95, gt=0, lt=1)


# Keys whose `key = false` in a model switches off what [defaults] sets (the other keys have an "off" value of their
# own: effects = [], cov = "unadjusted", drop_singletons/between_wls/hausman = false; estimator has none).
SWITCH_OFF = ("bandwidth", "weights", "sample", "bootstrap", "risk_set")


class RandomizationTable(StrictTable):
    """``randomization_inference = {...}``: permutation p-value of a treatment coefficient (twfe_diagnostics.py)."""

    term: str = Field(min_length=1)
    draws: int = Field(default=999, ge=1, le=100_000)
    seed: int = Field(default=RANDOMIZATION_SEED, ge=0)


class ModelOptions(StrictTable):
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


class RegressionSpec(StrictTable):
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


class DescriptiveSpec(StrictTable):
    """Descriptive statistics (N, mean, overall/between/within SD, min, max) of study-panel variables."""

    kind: Literal["descriptive"]
    title: str = Field(min_length=1)
    variables: list[str] = Field(min_length=1)
    sample: SampleTable | None = None
    group: list[GroupSample] = Field(default_factory=list)   # none = one panel, "All observations"
    labels: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)


class ShareGroup(StrictTable):
    """A group of economies whose share of the world total a shares table or figure reports."""

    name: str = Field(min_length=1)
    members: list[str] | Literal["EU27"] = Field(min_length=1)   # ISO3 codes, or "EU27" (the 27 current members)


class ShareMeasure(StrictTable):
    """``[[measure]]``: one world total to split between the groups."""

    name: str = Field(min_length=1)
    variable: str = Field(min_length=1)                  # a study-panel variable in levels (tonnes, US$)
    world: Literal["reported", "sum"] = "reported"       # the source's WLD row, or the sum over listed economies


class SharesSpec(StrictTable):
    """Shares of world totals by group and period (Table 5)."""

    kind: Literal["shares"]
    title: str = Field(min_length=1)
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    periods: list[tuple[int, int]] = Field(min_length=1)
    rest_label: str = "Rest of the world"
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=1, ge=0, le=6)


class BeforeAfterSpec(StrictTable):
    """Groups' shares of world totals before and after a date: period means, change, descriptive comparison."""

    kind: Literal["before_after"]
    title: str = Field(min_length=1)
    group: list[ShareGroup] = Field(min_length=1)
    measure: list[ShareMeasure] = Field(min_length=1)
    before: tuple[int, int]                      # first and last year of the "before" window (inclusive)
    after: tuple[int, int]
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=2, ge=0, le=6)


class _Figure(StrictTable):
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



class ExecutorTable(StrictTable):
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


class MultiverseSpec(StrictTable):
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

    # what a misspelt value's message offers where it differs from the registry's (messages.py reads it)
    LITERAL_CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"cov": MULTIVERSE_COVS}

    @field_validator("focus", mode="before")
    @classmethod
    def _one_focus(cls, value):
        return [value] if isinstance(value, str) else value


FIGURE_KINDS: dict[str, type[BaseModel]] = {
    "trajectories": TrajectoriesFigure, "marginal_effect": MarginalEffectFigure, "coefficients": CoefficientsFigure,
    "shares": SharesFigure, "timeline": TimelineFigure, "importer_shares": ImporterSharesFigure,
}
