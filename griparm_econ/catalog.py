"""The variable catalog (``specs/variables.toml``) and the transformations it names.

The catalog is the one place a panel variable is declared: short name, label, unit, source, source code and
transformation. Specs and tables refer to variables by these names only. Each transformation is implemented once,
here, in :data:`TRANSFORMATIONS`; the panel builder applies them in catalog order.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from griparm_econ.config import PROJECT_ROOT
from griparm_econ.errors import SpecError
from griparm_econ.io import sha256_file
from griparm_econ.baseline import baseline_value, check_baseline_params
from griparm_econ.sources.country_names import EU27
from griparm_econ.spec.suggest import nearest

DEFAULT_CATALOG = PROJECT_ROOT / "specs" / "variables.toml"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CASE_GROUPS: Mapping[str, tuple[str, ...]] = {"EU27": EU27}


# ---------------------------------------------------------------------------------------------------------------
# Transformations


@dataclass
class TransformInput:
    """What a transformation sees: the panel built so far (iso3, year and every earlier variable), the entry,
    the source values aligned to the panel rows (source variables only), and world totals by year per variable."""

    panel: pd.DataFrame
    entry: "VariableEntry"
    source_values: pd.Series | None = None
    world: Mapping[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _identity(data: TransformInput) -> pd.Series:
    return data.source_values.astype("float64")


def _zero_filled(data: TransformInput) -> pd.Series:
    # Event counts: a country-year with no recorded event in force is 0, not a gap.
    return data.source_values.astype("float64").fillna(0.0)


def _year_series(data: TransformInput) -> pd.Series:
    # A world series (one value per year, e.g. a commodity price boom), the same for every economy in a year.
    world = data.world.get(data.entry.name)
    if world is None or world.empty:
        raise SpecError(f"no world (WLD) rows for {data.entry.source_code!r}.", where="specs/variables.toml",
                        field=data.entry.name, fix="use year_series only on series the source gives as WLD rows.")
    return data.panel["year"].map(world).astype("float64")


def _product(data: TransformInput) -> pd.Series:
    # All inputs must be present (an exposure = weight x shock is missing when either is).
    values = data.panel[list(data.entry.inputs)].astype("float64")
    return values.prod(axis=1, min_count=len(data.entry.inputs))


def _log(data: TransformInput) -> pd.Series:
    values = data.panel[data.entry.inputs[0]].astype("float64")
    nonpositive = int((values <= 0).sum())
    if nonpositive:
        data.notes.append(f"{data.entry.name}: {nonpositive} non-positive values of {data.entry.inputs[0]} left "
                          "as gaps (log undefined).")
    return np.log(values.where(values > 0))


def _ratio(data: TransformInput) -> pd.Series:
    params = data.entry.params
    numerator = data.panel[params["numerator"]].sum(axis=1, min_count=len(params["numerator"]))
    denominator = data.panel[params["denominator"]].sum(axis=1, min_count=len(params["denominator"]))
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def _sum(data: TransformInput) -> pd.Series:
    # All inputs must be present: a sum over a partial set of components would not be the same quantity.
    return data.panel[list(data.entry.inputs)].sum(axis=1, min_count=len(data.entry.inputs)).astype("float64")


def _share_of_world(data: TransformInput) -> pd.Series:
    source = data.entry.inputs[0]
    world = data.world.get(source)
    if world is None or world.empty:
        raise SpecError(f"no world total (WLD) is available for {source!r}.", where="specs/variables.toml",
                        field=data.entry.name, fix="use share_of_world only on series whose source gives WLD rows.")
    total = data.panel["year"].map(world).astype("float64")
    return data.panel[source].astype("float64") / total.where(total != 0)


def _pca_first_component(data: TransformInput) -> pd.Series:
    """Standardised first principal component of the inputs.

    Sample: panel rows (economy-years) with every input present, pooled over years. Each input is z-scored on that
    sample (sample sd), the first right singular vector of the z-score matrix gives the loadings, and the score is
    z-scored again on the same sample, so it has mean 0 and sd 1 there. The sign is fixed so that the loading of
    ``params.sign_anchor`` is positive (higher = more of what the anchor measures)."""
    columns = list(data.entry.inputs)
    values = data.panel[columns].astype("float64")
    complete = values.notna().all(axis=1)
    sample = values[complete].to_numpy()
    if len(sample) < len(columns) + 1:
        raise SpecError(f"too few complete rows ({len(sample)}) for a principal component.",
                        where="specs/variables.toml", field=data.entry.name, fix="check the inputs' coverage.")
    mean, sd = sample.mean(axis=0), sample.std(axis=0, ddof=1)
    z = (sample - mean) / sd
    _, singular, vt = np.linalg.svd(z, full_matrices=False)
    loadings = vt[0]
    anchor = columns.index(data.entry.params.get("sign_anchor", columns[0]))
    if loadings[anchor] < 0:
        loadings = -loadings
    score = z @ loadings
    score = (score - score.mean()) / score.std(ddof=1)
    explained = singular[0] ** 2 / (singular ** 2).sum()
    data.notes.append(
        f"{data.entry.name}: PC1 of {', '.join(columns)} on {len(sample)} economy-years with all inputs; loadings "
        + ", ".join(f"{c} {w:.4f}" for c, w in zip(columns, loadings))
        + f"; share of variance {explained:.4f}; sign: {columns[anchor]} loading positive.")
    out = pd.Series(np.nan, index=data.panel.index, dtype="float64")
    out[complete] = score
    return out


def _resource_rich_rule(data: TransformInput) -> pd.Series:
    """1 if any input's economy mean (over all panel years with data) reaches its threshold in params; missing when
    every input mean is missing; constant within an economy."""
    thresholds = {name: float(data.entry.params[name]) for name in data.entry.inputs}
    means = data.panel.groupby("iso3")[list(thresholds)].mean()
    hits = pd.concat([means[name] >= limit for name, limit in thresholds.items()], axis=1).any(axis=1)
    flag = hits.astype("float64").where(means.notna().any(axis=1))
    data.notes.append(f"{data.entry.name}: {int(flag.sum())} of {int(flag.notna().sum())} economies with data flagged "
                      "(" + " or ".join(f"mean {k} >= {v:g}" for k, v in thresholds.items()) + ").")
    return data.panel["iso3"].map(flag).astype("float64")


def _case_members(params: Mapping[str, Any]) -> dict[str, str]:
    members = {code: code for code in params.get("economies", [])}
    for group in params.get("groups", []):
        members.update({code: group for code in CASE_GROUPS[group]})
    return members


def _case_country(data: TransformInput) -> pd.Series:
    members = _case_members(data.entry.params)
    return data.panel["iso3"].isin(list(members)).astype("float64")


def _case_group(data: TransformInput) -> pd.Series:
    return data.panel["iso3"].map(_case_members(data.entry.params)).astype("string")


TRANSFORMATIONS: Mapping[str, Callable[[TransformInput], pd.Series]] = {
    "identity": _identity,
    "zero_filled": _zero_filled,
    "year_series": _year_series,
    "product": _product,
    "baseline": baseline_value,
    "log": _log,
    "ratio": _ratio,
    "sum": _sum,
    "share_of_world": _share_of_world,
    "pca_first_component": _pca_first_component,
    "resource_rich_rule": _resource_rich_rule,
    "case_country": _case_country,
    "case_group": _case_group,
}
SOURCE_TRANSFORMATIONS = frozenset({"identity", "zero_filled", "year_series"})
WORLD_SERIES_TRANSFORMATIONS = frozenset({"year_series"})


# ---------------------------------------------------------------------------------------------------------------
# Catalog


class VariableEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN.pattern)
    label: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    source: Literal["worldbank", "trade", "gvc", "production", "restrictions", "state_capacity", "vdem", "tax_revenue",
                    "prices", "derived"]
    source_code: str = ""
    transformation: str
    inputs: tuple[str, ...] = ()
    params: dict[str, Any] = Field(default_factory=dict)
    description: str = Field(min_length=1)
    # The values the unit allows (e.g. [0, 100] for a percentage share). Values outside are kept as published and
    # listed in the coverage report, never changed.
    valid_range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "VariableEntry":
        if self.valid_range is not None and self.valid_range[0] > self.valid_range[1]:
            raise ValueError(f"valid_range {list(self.valid_range)} runs backwards")
        if self.transformation not in TRANSFORMATIONS:
            close = nearest(self.transformation, TRANSFORMATIONS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown transformation {self.transformation!r}{hint}; known: "
                             f"{', '.join(sorted(TRANSFORMATIONS))}")
        if self.source == "derived":
            if self.source_code:
                raise ValueError("a derived variable has no source_code")
            if self.transformation in SOURCE_TRANSFORMATIONS:
                raise ValueError(f"{self.transformation!r} applies to source variables, not derived ones")
        else:
            if not self.source_code:
                raise ValueError(f"source {self.source!r} needs a source_code")
            if self.transformation not in SOURCE_TRANSFORMATIONS or self.inputs:
                raise ValueError("a source variable takes identity, zero_filled or year_series and no inputs")
        if self.transformation in ("log", "share_of_world") and len(self.inputs) != 1:
            raise ValueError(f"{self.transformation} takes exactly one input")
        if self.transformation == "ratio":
            parts = list(self.params.get("numerator", [])) + list(self.params.get("denominator", []))
            if not self.params.get("numerator") or not self.params.get("denominator") \
                    or set(parts) != set(self.inputs):
                raise ValueError("ratio needs params.numerator and params.denominator covering exactly the inputs")
        if self.transformation in ("sum", "product") and len(self.inputs) < 2:
            raise ValueError(f"{self.transformation} needs at least two inputs")
        if self.transformation == "baseline":
            check_baseline_params(self.inputs, self.params)
        if self.transformation == "pca_first_component":
            if len(self.inputs) < 2:
                raise ValueError("pca_first_component needs at least two inputs")
            if self.params.get("sign_anchor", self.inputs[0]) not in self.inputs:
                raise ValueError("params.sign_anchor must be one of the inputs")
        if self.transformation == "resource_rich_rule" and set(self.params) != set(self.inputs):
            raise ValueError("resource_rich_rule needs one threshold in params per input")
        if self.transformation in ("case_country", "case_group"):
            unknown = set(self.params.get("groups", [])) - set(CASE_GROUPS)
            if unknown or not (self.params.get("economies") or self.params.get("groups")):
                raise ValueError(f"params need economies and/or groups from {sorted(CASE_GROUPS)}")
        return self


@dataclass(frozen=True)
class Catalog:
    entries: tuple[VariableEntry, ...]
    path: Path
    sha256: str
    _by_name: Mapping[str, VariableEntry] = field(repr=False, compare=False, default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self.entries)

    def __getitem__(self, name: str) -> VariableEntry:
        try:
            return self._by_name[name]
        except KeyError:
            close = self.nearest(name)
            hint = f"did you mean {', '.join(close)}?" if close else "see the names in the catalog."
            raise SpecError(f"unknown variable {name!r}.", where=self.path, field=name, fix=hint) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[VariableEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def label(self, name: str) -> str:
        return self[name].label

    def label_or_name(self, name: str) -> str:
        """The catalog label of ``name``, or ``name`` itself for a column the catalog does not declare."""
        entry = self._by_name.get(name)
        return entry.label if entry is not None else name

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """Catalog names close to ``name`` (for error messages)."""
        return nearest(name, self.names, n=n, cutoff=0.6)

    def by_source(self, source: str) -> tuple[VariableEntry, ...]:
        return tuple(entry for entry in self.entries if entry.source == source)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate the catalog (once per file content; later calls return the same object)."""
    path = Path(path) if path is not None else DEFAULT_CATALOG
    if not path.is_file():
        raise SpecError("the variable catalog is missing.", where=path, field="variables.toml",
                        fix="restore specs/variables.toml from the repository.")
    return _load_catalog(path.resolve(), sha256_file(path))


@lru_cache(maxsize=8)
def _load_catalog(path: Path, digest: str) -> Catalog:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"not valid TOML ({err}).", where=path, fix="fix the syntax at the position given.") from err
    tables = document.get("variable")
    if not isinstance(tables, list) or not tables:
        raise SpecError("no [[variable]] tables.", where=path, field="variable",
                        fix="declare each variable as a [[variable]] table.")
    extra = sorted(set(document) - {"variable"})
    if extra:
        raise SpecError(f"unexpected top-level keys {extra}.", where=path, field=", ".join(extra),
                        fix="put every variable in a [[variable]] table.")
    entries: list[VariableEntry] = []
    seen: dict[str, int] = {}
    for position, table in enumerate(tables):
        label = table.get("name", f"variable #{position + 1}") if isinstance(table, dict) else f"#{position + 1}"
        try:
            entry = VariableEntry.model_validate(table)
        except ValidationError as err:
            first = err.errors()[0]
            where_in = ".".join(str(part) for part in first.get("loc", ())) or "entry"
            raise SpecError(f"variable {label!r}: {first['msg']}.", where=path, field=f"{label}.{where_in}",
                            fix="see the field list at the top of the catalog.") from None
        if entry.name in seen:
            raise SpecError(f"variable {entry.name!r} is declared twice.", where=path, field=entry.name,
                            fix="keep one declaration per name.")
        for name in entry.inputs:
            if name not in seen:
                close = nearest(name, seen, n=3, cutoff=0.6)
                raise SpecError(f"variable {entry.name!r} uses {name!r}, which is not declared before it.",
                                where=path, field=f"{entry.name}.inputs",
                                fix=f"declare {name!r} earlier" + (f" (or did you mean {', '.join(close)}?)"
                                                                  if close else "."))
        seen[entry.name] = position
        entries.append(entry)
    frozen = tuple(entries)
    return Catalog(frozen, path, digest, {entry.name: entry for entry in frozen})
