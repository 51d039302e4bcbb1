"""The schema of ``kind = "synthetic_control"`` spec files (docs/specs.md, "Synthetic-control specs"): one treated
unit, one adoption period, a donor pool. Validated before any data are read; ``[data]`` and ``[sample]`` are the
regression specs' tables (:mod:`griparm_econ.spec.schema`).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from griparm_econ.errors import SpecError
from griparm_econ.spec.checks import check_years
from griparm_econ.spec.design_vocabulary import PREDICTOR_OPS, SEARCHES
from griparm_econ.spec.schema import DataTable, SampleTable

OPS = tuple(PREDICTOR_OPS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PredictorTable(_Strict):
    """``{ variable, years = [first, last], op = "mean" }``: one row of the balance table."""

    variable: str = Field(min_length=1)
    years: tuple[int, int]
    op: Literal[OPS] = "mean"                            # type: ignore[valid-type]


class SyntheticControlSpec(_Strict):
    kind: Literal["synthetic_control"]
    title: str = Field(min_length=1)
    data: DataTable | None = None
    sample: SampleTable | None = None
    outcome: str = Field(min_length=1)
    unit_treated: str = Field(min_length=1)
    treatment_period: int
    donors: list[str] | None = None                      # default: every other unit with complete outcome data
    exclude_donors: list[str] = Field(default_factory=list)
    predictors: list[PredictorTable] = Field(min_length=1)
    pre_period: tuple[int, int] | None = None            # [first, last] fitting periods; default: all before treatment
    search: Literal[tuple(SEARCHES)] = "local"           # type: ignore[valid-type]
    placebo: bool = True
    leave_one_out: bool = True
    labels: dict[str, str] = Field(default_factory=dict)  # variable -> label
    notes: list[str] = Field(default_factory=list)
    digits: int = Field(default=3, ge=0, le=8)

    LITERAL_CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"op": OPS, "search": tuple(SEARCHES)}

    def resolve(self, path: Path) -> tuple:
        def fail(field: str, problem: str, fix: str):
            raise SpecError(problem, where=path, field=field, fix=fix)

        if self.data is not None and (self.data.entity is None or self.data.time is None):
            fail("data", "a synthetic control needs a panel, but [data] sets no "
                 f"{'entity' if self.data.entity is None else 'time'}.", "set entity and time in [data].")
        for i, predictor in enumerate(self.predictors, start=1):
            check_years(predictor.years, path, f"predictors[{i}].years")
            first, last = predictor.years
            if first >= self.treatment_period:
                fail(f"predictors[{i}].years", f"years = [{first}, {last}] start at or after the treatment period "
                     f"{self.treatment_period}.", "use pre-treatment years for predictors.")
        labels = [(p.variable, p.years, p.op) for p in self.predictors]
        if len(set(labels)) < len(labels):
            fail("predictors", "a predictor is listed twice.", "list each {variable, years, op} once.")
        if self.pre_period is not None:
            check_years(self.pre_period, path, "pre_period")
            first, last = self.pre_period
            if last >= self.treatment_period:
                fail("pre_period", f"pre_period = [{first}, {last}] must end before {self.treatment_period}.",
                     "give [first, last] fitting years before the treatment period.")
        if self.unit_treated in (self.donors or []) or self.unit_treated in self.exclude_donors:
            fail("donors", f"the treated unit {self.unit_treated!r} is listed as a donor.", "remove it from the list.")
        if self.donors is not None and self.exclude_donors:
            fail("exclude_donors", "donors and exclude_donors are both set.",
                 "list the donors, or exclude from the default pool, not both.")
        return ()

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.outcome, *(p.variable for p in self.predictors)]))
