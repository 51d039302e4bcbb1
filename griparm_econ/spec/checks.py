"""Checks of the descriptive, shares, before-after and figure specs that their field types cannot express."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from griparm_econ.errors import SpecError
from griparm_econ.spec.schema import BeforeAfterSpec, SampleTable

def check_years(years, path: Path, field: str) -> None:
    """A [first, last] pair of years (inclusive) must run forwards."""
    if years is not None and years[0] > years[1]:
        raise SpecError(f"years = {list(years)} runs backwards.", where=path, field=field,
                        fix=f"write [{years[1]}, {years[0]}] (first, last; inclusive).")


def check_other(spec: BaseModel, path: Path) -> None:
    """Checks of descriptive, shares and figure specs that the field types cannot express."""
    def backwards(years, field: str) -> None:
        check_years(years, path, field)

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
    names = [g.name for g in getattr(spec, "group", []) or []]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"two groups are named '{duplicates[0]}'.", where=path, field="group.name",
                        fix="give every [[group]] a different name.")



def check_before_after(spec: BeforeAfterSpec, path: Path) -> None:
    """A before-after table: its groups as any shares table's, and two windows that run forwards without overlap."""
    check_other(spec, path)
    check_years(spec.before, path, "before")
    check_years(spec.after, path, "after")
    if spec.before[1] >= spec.after[0]:
        raise SpecError(f"the windows overlap: before ends in {spec.before[1]}, after starts in {spec.after[0]}.",
                        where=path, field="after", fix="let the after window start after the before window ends.")
