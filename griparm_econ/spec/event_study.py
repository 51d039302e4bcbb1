"""The schema of ``kind = "event_study"`` spec files (docs/specs.md, "Event studies"), validated before any data are read.

One file is one table: each ``[[model]]`` is a column (an outcome, a treatment timing and an estimator). Defaults
resolve model < ``[defaults]`` < built-in, then :meth:`EventStudySpec.check` refuses, with one message naming the
field and the fix, whatever the chosen estimator cannot do (the estimator registry says what each can).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from griparm_econ.errors import SpecError
from griparm_econ.spec.checks import check_years
from griparm_econ.spec.design_vocabulary import (CONTROL_GROUPS, CRITICAL_VALUES, EVENT_ESTIMATORS,
                                                 MAX_POST_PERIODS, UNAVAILABLE_ESTIMATORS)
from griparm_econ.spec.schema import DataTable, SampleTable

EVENT_ESTIMATOR_NAMES = tuple(EVENT_ESTIMATORS) + tuple(UNAVAILABLE_ESTIMATORS)
EVENT_COVS = ("cluster:entity",)              # every engine clusters by unit (Callaway-Sant'Anna: influence function)
EVENT_EFFECTS = ("entity", "time")
ON_OFF = ("refuse", "first_adoption")
HONEST_TARGETS = ("first", "average")
HONEST_RESTRICTIONS = ("smoothness", "relative_magnitudes")
MAX_RELATIVE_MAGNITUDES_HI = MAX_POST_PERIODS - 1      # post periods 0..hi
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HonestDidTable(_Strict):
    """``honest_did = {...}``: Rambachan-Roth robust sets for the post period, under smoothness (Delta^SD(M), FLCI) or
    relative magnitudes (Delta^RM(Mbar), conditional least-favourable hybrid)."""

    type: Literal[HONEST_RESTRICTIONS] = "smoothness"          # type: ignore[valid-type]
    M: list[float] | None = Field(default=None, min_length=1)  # smoothness bounds, in the outcome's units
    Mbar: list[float] | None = Field(default=None, min_length=1)   # post/pre ratios of the largest trend changes
    target: Literal[HONEST_TARGETS] = "first"                  # type: ignore[valid-type]  first post period or mean
    critical: Literal[CRITICAL_VALUES] | None = None           # type: ignore[valid-type]  smoothness only


class EventModelOptions(_Strict):
    """Keys a ``[[model]]`` may set and ``[defaults]`` may set for every model."""

    outcome: str | None = None
    cohort: str | None = None
    treatment: str | None = None
    estimator: Literal[EVENT_ESTIMATOR_NAMES] | None = None    # type: ignore[valid-type]
    window: tuple[int, int] | None = None
    reference: int | None = None
    controls: list[str] | None = None
    effects: list[str] | None = None
    cov: str | None = None
    control_group: Literal[CONTROL_GROUPS] | None = None       # type: ignore[valid-type]
    on_off: Literal[ON_OFF] | None = None                      # type: ignore[valid-type]
    honest_did: HonestDidTable | None = None


class EventModelTable(EventModelOptions):
    name: str = Field(min_length=1)


@dataclass(frozen=True)
class EventModel:
    """One column with every default resolved: what the estimation driver reads."""

    name: str
    outcome: str
    cohort: str | None
    treatment: str | None
    estimator: str
    window: tuple[int, int]
    reference: int
    controls: tuple[str, ...]
    effects: tuple[str, ...]
    cov: str
    control_group: str
    on_off: str
    honest_did: HonestDidTable | None

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.outcome, self.cohort or self.treatment, *self.controls]))


class EventStudySpec(_Strict):
    """An event-study table: dynamic effects of a staggered treatment, estimators side by side."""

    kind: Literal["event_study"]
    title: str = Field(min_length=1)
    data: DataTable | None = None          # [data] and [sample] as in regression specs (spec.schema)
    sample: SampleTable | None = None
    defaults: EventModelOptions = Field(default_factory=EventModelOptions)
    model: list[EventModelTable] = Field(min_length=1)
    labels: dict[str, str] = Field(default_factory=dict)       # outcome -> label (else the catalog's)
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)
    level: float = Field(default=0.95, gt=0, lt=1)

    # what a misspelt value's message offers (spec/messages.py reads it)
    LITERAL_CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "estimator": EVENT_ESTIMATOR_NAMES, "control_group": CONTROL_GROUPS, "on_off": ON_OFF,
        "target": HONEST_TARGETS, "critical": CRITICAL_VALUES, "type": HONEST_RESTRICTIONS}

    def resolve(self, path: Path) -> tuple[EventModel, ...]:
        """Every model with its defaults resolved, checked against what its estimator can do."""
        models = tuple(_resolve(i, table, self, path) for i, table in enumerate(self.model))
        names = [m.name for m in models]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SpecError(f"two models are named '{duplicates[0]}'.", where=path, field="model.name",
                            fix="give every [[model]] a different name (it heads the table column).")
        if self.data is not None and (self.data.entity is None or self.data.time is None):
            raise SpecError("an event study needs a panel, but [data] sets no "
                            f"{'entity' if self.data.entity is None else 'time'}.", where=path, field="data",
                            fix="set entity and time in [data].")
        if self.sample is not None:
            check_years(self.sample.years, path, "sample.years")
        outcomes = {m.outcome for m in models}
        for key in self.labels:
            if key not in outcomes:
                raise SpecError(f"[labels] names '{key}', which is not an outcome of any model.", where=path,
                                field=f"labels.{key}", fix=f"label outcomes only: {', '.join(sorted(outcomes))}.")
        return models


def _resolve(index: int, table: EventModelTable, spec: EventStudySpec, path: Path) -> EventModel:
    where = f"model[{index + 1}] (name = {table.name!r})"

    def fail(key: str, problem: str, fix: str):
        raise SpecError(problem, where=path, field=f"{where}.{key}", fix=fix)

    def value(key: str, builtin=None):
        own = getattr(table, key)
        inherited = getattr(spec.defaults, key)
        return own if own is not None else inherited if inherited is not None else builtin

    estimator = value("estimator")
    if estimator is None:
        fail("estimator", "the model has no estimator and [defaults] sets none.",
             f"add estimator = one of: {', '.join(EVENT_ESTIMATORS)}.")
    if estimator in UNAVAILABLE_ESTIMATORS:
        fail("estimator", f"estimator '{estimator}' is not available: {UNAVAILABLE_ESTIMATORS[estimator]}.",
             f"use one of: {', '.join(EVENT_ESTIMATORS)} (with a treatment that stays on once adopted).")
    info = EVENT_ESTIMATORS[estimator]
    outcome = value("outcome")
    if outcome is None:
        fail("outcome", "the model names no outcome.", "add outcome = \"<variable>\".")
    cohort, treatment = value("cohort"), value("treatment")
    if table.cohort is not None and table.treatment is None:
        treatment = None            # the model's own timing key wins over the other one inherited from [defaults]
    if table.treatment is not None and table.cohort is None:
        cohort = None
    if (cohort is None) == (treatment is None):
        fail("cohort", "name the treatment timing once: either cohort (first treated period) or treatment "
             f"(0/1 column){', not both' if cohort is not None else ''}.",
             "set cohort = \"<column>\" (0 or missing = never treated) or treatment = \"<0/1 column>\".")
    controls = tuple(value("controls", []))
    for name in (outcome, cohort or treatment, *controls):
        if not _NAME.match(name) or name.startswith(("L.", "F.", "D.")):
            key = "outcome" if name == outcome else "controls" if name in controls else (
                "cohort" if cohort else "treatment")
            fail(key, f"'{name}' is not a plain variable name (event-study models take columns, not formula terms).",
                 "name a column of the data; lag or transform it in the catalog or the data file.")
    window = value("window")
    if window is None:
        fail("window", "the model gives no event-time window.", "add window = [lo, hi], e.g. [-5, 5].")
    reference = value("reference", -1)
    lo, hi = window
    if not lo < reference < 0 <= hi:
        fail("window", f"window = [{lo}, {hi}] with reference {reference}: needs lo < reference < 0 <= hi.",
             "widen the window so it has a pre-period before the reference and reaches period 0.")
    if info.reference_free and reference != -1:
        fail("reference", f"{estimator} compares each period with the period before adoption (R did's varying base "
             "period); it has no reference to choose.", "remove reference from this model.")
    effects = tuple(value("effects", list(EVENT_EFFECTS)))
    if sorted(effects) != sorted(EVENT_EFFECTS):
        fail("effects", f"effects = {list(effects)}: every event-study estimator here absorbs entity and time "
             "effects.", "remove effects (the default is [\"entity\", \"time\"]).")
    cov = value("cov", EVENT_COVS[0])
    if cov not in EVENT_COVS:
        fail("cov", f"cov = \"{cov}\" is not available for event studies: every engine clusters by entity.",
             "remove cov (the default is \"cluster:entity\").")
    control_group = value("control_group", info.control_groups[0])
    if control_group not in info.control_groups:
        fail("control_group", f"{estimator} compares with {' or '.join(g.replace('_', ' ') for g in info.control_groups)}"
             f" units only, not {control_group.replace('_', ' ')}.",
             "remove control_group, or use estimator = \"callaway_santanna\", which takes either.")
    honest = value("honest_did")
    if honest is not None:
        if not info.honest_did:
            capable = [n for n, e in EVENT_ESTIMATORS.items() if e.honest_did]
            fail("honest_did", f"robust (Rambachan-Roth) sets need the event-time covariance, which the {estimator} "
                 "engine does not return.", f"ask for honest_did on {', '.join(capable)} models.")
        _check_honest(honest, reference, lo, hi, fail)
    return EventModel(name=table.name, outcome=outcome, cohort=cohort, treatment=treatment, estimator=estimator,
                      window=(int(lo), int(hi)), reference=int(reference), controls=controls, effects=effects, cov=cov,
                      control_group=control_group, on_off=value("on_off", "refuse"), honest_did=honest)


def _check_honest(honest: HonestDidTable, reference: int, lo: int, hi: int, fail) -> None:
    """Each restriction's own bound list, and the pre-periods (and, for relative magnitudes, post periods) it needs."""
    if honest.type == "smoothness":
        if honest.M is None or honest.Mbar is not None:
            fail("honest_did", "smoothness sets take M (bounds on the trend's second differences), not Mbar.",
                 "write honest_did = { M = [0, 0.5] }, or type = \"relative_magnitudes\" with Mbar = [...].")
        if any(m < 0 for m in honest.M):
            fail("honest_did.M", f"M = {honest.M}: smoothness bounds are >= 0.", "give M values >= 0, e.g. [0, 0.5].")
        if reference != -1 or lo > -3:
            fail("honest_did", "robust sets need the reference period -1 and at least two pre-periods before it.",
                 "set reference = -1 and window = [lo, hi] with lo <= -3.")
        return
    if honest.Mbar is None or honest.M is not None or honest.critical is not None:
        fail("honest_did", "relative-magnitudes sets take Mbar (post-period trend changes as multiples of the "
             "largest pre-period one) and neither M nor critical.",
             "write honest_did = { type = \"relative_magnitudes\", Mbar = [0.5, 1, 2] }.")
    if any(m < 0 for m in honest.Mbar):
        fail("honest_did.Mbar", f"Mbar = {honest.Mbar}: relative-magnitude bounds are >= 0.",
             "give Mbar values >= 0, e.g. [0.5, 1, 2].")
    if reference != -1 or lo > -2:
        fail("honest_did", "relative-magnitudes sets need the reference period -1 and a pre-period before it.",
             "set reference = -1 and window = [lo, hi] with lo <= -2.")
    if hi > MAX_RELATIVE_MAGNITUDES_HI:
        fail("window", f"window ends at {hi}: relative-magnitudes sets enumerate the test's vertices, which grow "
             f"combinatorially with the post periods.", f"end the window at {MAX_RELATIVE_MAGNITUDES_HI} or earlier, "
             "or use smoothness sets (M).")
