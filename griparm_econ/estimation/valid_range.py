"""Values outside their unit do not enter estimation (issue 9).

The panel keeps every value as its source publishes it (docs/data.md); a catalog entry's ``valid_range`` (e.g.
``[0, 100]`` for a percentage share) says which values the unit allows. Before any table reads the study panel, values
outside it become missing, unless the spec's ``[sample] keep_outside_valid_range`` lists the variable. Every table
then says how many observations that cost and which country-years and values caused it, and the estimates file
records them, so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.spec.vocabulary import ESTIMATORS

if TYPE_CHECKING:
    from griparm_econ.estimation.dataset import Dataset
    from griparm_econ.spec.formula import Factor
    from griparm_econ.spec import LoadedSpec, ModelConfig

KEY = "keep_outside_valid_range"


@dataclass(frozen=True)
class OutsideValue:
    """One value of the panel outside its variable's valid range."""

    variable: str
    entity: str
    year: int
    value: float
    label: str = ""
    valid_range: tuple[float, float] = (0.0, 0.0)

    def as_dict(self) -> dict:
        return {"variable": self.variable, "label": self.label, "valid_range": list(self.valid_range),
                "entity": self.entity, "year": self.year, "value": self.value}


def kept_variables(loaded: "LoadedSpec") -> tuple[str, ...]:
    """The variables whose out-of-range values the spec keeps (``[sample] keep_outside_valid_range``); the key is
    refused in named samples and descriptive groups, since it applies to every model and row of the file."""
    spec = loaded.spec
    for key, table in [(f"samples.{name}", s) for name, s in (getattr(spec, "samples", None) or {}).items()] + \
            [(f"group[{i + 1}]", g) for i, g in enumerate(getattr(spec, "group", None) or [])]:
        if getattr(table, KEY, None) is not None:
            raise SpecError(f"{KEY} applies to the whole file, not to one sample.", where=loaded.path,
                            field=f"{key}.{KEY}", fix="move it to [sample] (it then applies to every model).")
    sample = getattr(spec, "sample", None)
    return tuple(sorted(set(getattr(sample, KEY, None) or ()))) if sample is not None else ()


def exclude_outside(data: "Dataset", loaded: "LoadedSpec", kept: Sequence[str]) -> "Dataset":
    """The study panel with every value outside its catalog ``valid_range`` set to missing, except the variables in
    ``kept``. The result remembers which cells it blanked (``outside``) and the untouched data (``raw``)."""
    catalog = data.catalog
    ranges = {entry.name: entry.valid_range for entry in getattr(catalog, "entries", ())
              if entry.valid_range is not None}
    for name in kept:
        if name not in ranges:
            close = [n for n in catalog.nearest(name, n=3) if n in ranges]
            raise SpecError(f"'{name}' has no valid_range in the catalog, so there is nothing to keep"
                            f"{' (nearest with one: ' + ', '.join(close) + ')' if close else ''}.", where=loaded.path,
                            field=f"sample.{KEY}: {name}",
                            fix=f"list only variables with a valid_range: {', '.join(sorted(ranges))}.")
    frame = data.frame.copy()
    outside: dict[str, np.ndarray] = {}
    for name, (low, high) in ranges.items():
        if name in kept or name not in frame.columns:
            continue
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(values) & ((values < low) | (values > high))
        if bad.any():
            outside[name] = bad
            frame.loc[bad, name] = np.nan
    # A copy of the same dataclass (not a new Dataset: valid_range is what dataset.py imports, not the reverse),
    # with its own cache of computed columns.
    return replace(data, frame=frame, outside=outside, raw=data, _columns={})


def _cells(data: "Dataset", variable: str, rows: np.ndarray) -> list[OutsideValue]:
    raw = data.raw.frame
    entry = data.catalog[variable]
    return [OutsideValue(variable, str(raw[data.entity].iat[r]), int(raw[data.time].iat[r]),
                         float(raw[variable].iat[r]), entry.label, tuple(entry.valid_range)) for r in rows]


def _source_offsets(factor: "Factor", first_difference: bool) -> list[int]:
    """How many periods back each value a factor reads lies (D.x reads t and t-1; first differences add t-1)."""
    if factor.op == "D":
        offsets = [0, 1]
    elif factor.op == "L":
        offsets = [factor.lag]
    elif factor.op == "F":
        offsets = [-factor.lag]
    else:
        offsets = [0]
    return sorted(set(offsets + ([o + 1 for o in offsets] if first_difference else [])))


def model_factors(model: "ModelConfig") -> list["Factor"]:
    from griparm_econ.spec.formula import Factor

    parsed = model.parsed
    factors = [parsed.dependent] + [f for t in (*parsed.exog, *parsed.endog, *parsed.instruments) for f in t.factors]
    if model.weights:
        factors.append(Factor(model.weights))
    return factors


def lost_values(data: "Dataset", factors: Iterable["Factor"], lost: np.ndarray,
                first_difference: bool = False) -> list[OutsideValue]:
    """The out-of-range values behind the observations ``lost`` (a row mask of the data)."""
    if not data.outside or not lost.any():
        return []
    positions = np.arange(len(data.frame), dtype=float)
    found: dict[tuple[str, int], None] = {}
    for factor in factors:
        bad = data.outside.get(factor.variable)
        if bad is None:
            continue
        for back in _source_offsets(factor, first_difference):
            source = data.raw.earlier(positions, back) if back else positions
            source = source[lost]
            source = source[~np.isnan(source)].astype(int)
            for row in source[bad[source]]:
                found[(factor.variable, int(row))] = None
    rows = sorted(found, key=lambda key: (key[0], str(data.raw.frame[data.entity].iat[key[1]]),
                                          int(data.raw.frame[data.time].iat[key[1]])))
    return [cell for variable, row in rows for cell in _cells(data, variable, np.array([row]))]


def frame_values(data: "Dataset", variables: Sequence[str], mask: np.ndarray) -> list[OutsideValue]:
    """The out-of-range values of ``variables`` among the rows ``mask`` (descriptive tables, multiverse notes)."""
    out = []
    for variable in variables:
        bad = data.outside.get(variable)
        if bad is not None:
            out.extend(_cells(data, variable, np.flatnonzero(bad & mask)))
    return out


def describe(values: Sequence) -> str:
    """"Manufactures exports (% of merchandise exports), valid range 0-100: JOR 2005 (372.9); ..." from
    :class:`OutsideValue` objects or their estimates-file dicts."""
    records = [v.as_dict() if isinstance(v, OutsideValue) else v for v in values]
    by_variable: dict[str, list[dict]] = {}
    for record in records:
        by_variable.setdefault(record["variable"], []).append(record)
    parts = []
    for cells in by_variable.values():
        low, high = cells[0]["valid_range"]
        listed = ", ".join(f"{c['entity']} {c['year']} ({c['value']:.4g})" for c in cells)
        parts.append(f"{cells[0]['label'] or cells[0]['variable']}, valid range {low:g}-{high:g}: {listed}")
    return "; ".join(parts)


def lost_note(n_lost: int, values: Sequence, first_difference: bool = False) -> str:
    """The table note of a model whose sample lost observations to out-of-range values. Under first differences a
    value enters two differences (its own year's and the next year's), so one value can cost two observations."""
    why = ("; in first differences a value enters its own year's and the following year's difference, and both are "
           "lost" if first_difference and n_lost > len(values) else "")
    return (f"{n_lost:,} observation{'s' if n_lost != 1 else ''} dropped because a value lies outside its unit's "
            f"valid range ({describe(values)}){why}.")


def raw_complete(data: "Dataset", model: "ModelConfig", mask: np.ndarray, where, field: str) -> np.ndarray:
    """Rows that would be complete cases if out-of-range values were kept (same rules as design.build_design)."""
    raw = data.raw
    parsed = model.parsed
    columns = [raw.column(parsed.dependent, where, field)]
    columns += [raw.term(t, where, field) for t in (*parsed.exog, *parsed.endog, *parsed.instruments)]
    if model.weights:
        from griparm_econ.spec.formula import Factor

        columns.append(raw.column(Factor(model.weights), where, field))
    complete = mask.copy()
    for values in columns:
        if ESTIMATORS[model.estimator].differenced:
            values = values - raw.earlier(values, 1)
        complete &= ~np.isnan(values)
    return complete


def left_out_note(values: Sequence[OutsideValue], what: str) -> str:
    """The note of a table that leaves out-of-range values out of its statistics."""
    n = len(values)
    return (f"{what}: {n:,} value{'s' if n != 1 else ''} outside {'their' if n != 1 else 'its'} unit's valid range "
            f"left out ({describe(values)}).")
