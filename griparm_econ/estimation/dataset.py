"""The data a spec's models read: the table loaded once (its digest recorded), variables checked against it and the
catalog, and the sample filters of a spec as a row mask.

Lags and leads are looked up on the time index within each entity (the value of entity i at t-k), never by shifting
rows, so a gap in the panel gives a missing lag instead of the previous row's value, and one entity's last year
never becomes another's lag. They are computed on the full data before the sample filters, as Stata's ``L.x`` with
``if`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from griparm_econ.spec import names as spec_names
from griparm_econ.config import Settings
from griparm_econ.errors import DataError, SpecError
from griparm_econ.spec.formula import Factor, Term
from griparm_econ.io import sha256_bytes, sha256_file
from griparm_econ.spec import LoadedSpec, SampleTable, nearest
from griparm_econ.spec.expr import evaluate_condition


@dataclass
class Dataset:
    """A loaded data table, shared by every model of a spec (and by specs that read the same file)."""

    frame: pd.DataFrame
    path: str
    sha256: str
    entity: str | None
    time: str | None
    entity_label: str
    time_label: str
    study_panel: bool = False
    catalog: object | None = None
    _columns: dict = field(default_factory=dict)    # factor name -> float array, computed once
    # values outside their catalog valid_range, blanked (variable -> row mask) and the data before (valid_range.py)
    outside: dict = field(default_factory=dict)
    raw: "Dataset | None" = None

    def column(self, factor: Factor, where: Path, field_name: str) -> np.ndarray:
        key = factor.name
        if key not in self._columns:
            self._columns[key] = self._compute(factor, where, field_name)
        return self._columns[key]

    def _base(self, variable: str, where: Path, field_name: str) -> np.ndarray:
        series = self.frame[variable]
        if series.dtype == bool:
            return series.to_numpy(dtype=float)
        if not pd.api.types.is_numeric_dtype(series):
            raise SpecError(f"'{variable}' is not numeric (dtype {series.dtype}).", where=where,
                            field=f"{field_name}: {variable}",
                            fix="use a numeric column, or code the categories as 0/1 variables in the data.")
        return series.to_numpy(dtype=float, na_value=np.nan)

    def _compute(self, factor: Factor, where: Path, field_name: str) -> np.ndarray:
        base = self._base(factor.variable, where, field_name)
        if not factor.op:
            return base
        if self.entity is None or self.time is None:
            raise SpecError(f"'{factor.name}' needs entity and time indexes.", where=where,
                            field=f"{field_name}: {factor.name}", fix="set entity and time in [data].")
        time = self.frame[self.time]
        if not pd.api.types.is_integer_dtype(time) and not (
                pd.api.types.is_float_dtype(time) and np.all(np.mod(time.dropna(), 1) == 0)):
            raise SpecError(f"'{factor.name}' needs an integer time index (years or period numbers), but "
                            f"'{self.time}' is {time.dtype}.", where=where, field=f"{field_name}: {factor.name}",
                            fix="use an integer period column as [data] time.")
        if factor.op == "D" and factor.lag != 1:
            raise SpecError(f"'{factor.name}': only first differences (D.x) are supported.", where=where,
                            field=f"{field_name}: {factor.name}",
                            fix="write D.x, or compute longer differences in the data.")
        span = int(time.max() - time.min()) if time.notna().any() else 0
        if factor.lag > span:
            # Every value would be missing; and a lag of 20 digits overflows the time index's integers.
            raise SpecError(f"'{factor.name}' reaches {factor.lag} periods {'ahead' if factor.op == 'F' else 'back'}, "
                            f"but the time index '{self.time}' spans only {span} periods "
                            f"({int(time.min())}-{int(time.max())}), so every value would be missing.", where=where,
                            field=f"{field_name}: {factor.name}",
                            fix=f"use a {'lead' if factor.op == 'F' else 'lag'} of at most {span} periods.")
        # the value of the same entity `periods_back` periods earlier (negative = later), looked up, not shifted
        periods_back = -factor.lag if factor.op == "F" else factor.lag
        earlier = self.earlier(base, periods_back)
        return base - earlier if factor.op == "D" else earlier

    def earlier(self, values: np.ndarray, periods_back: int) -> np.ndarray:
        """``values`` of the same entity ``periods_back`` periods earlier on the time index (a gap gives NaN; one
        entity's value never becomes another's)."""
        entity = self.frame[self.entity]
        time = self.frame[self.time]
        lookup = pd.Series(values, index=pd.MultiIndex.from_arrays([entity, time]))
        return lookup.reindex(pd.MultiIndex.from_arrays([entity, time - periods_back])).to_numpy()

    def term(self, term: Term, where: Path, field_name: str) -> np.ndarray:
        values = self.column(term.factors[0], where, field_name)
        for factor in term.factors[1:]:
            values = values * self.column(factor, where, field_name)
        return values


def expand_data_path(raw: str, spec_path: Path, settings: Settings) -> Path:
    """A leading ``$GRIPARM_DATA`` becomes the data directory (no other environment variable is expanded);
    relative paths are relative to the spec."""
    return spec_names.expand_data_path(raw, spec_path, settings.data_dir)


def _read_table(path: Path, spec_path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"the data file {path} does not exist.", where=spec_path, field="data.path",
                        fix="correct the path (relative paths are relative to the spec file; $GRIPARM_DATA is "
                            "expanded).")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".dta":
            frame = pd.read_stata(path, convert_categoricals=False)
            return frame
    except Exception as err:  # a reader's own error, whatever its type, becomes one message
        raise DataError(f"cannot read {path}: {err}", where=spec_path, field="data.path",
                        fix="check that the file is a valid .csv, .parquet or .dta file.") from None
    raise SpecError(f"unknown data file type '{suffix}'.", where=spec_path, field="data.path",
                    fix="use a .csv, .parquet or .dta file.")


def load_dataset(loaded: LoadedSpec, settings: Settings, cache: dict | None = None) -> Dataset:
    """The spec's data: its own ``[data]`` file, or the study panel when there is no ``[data]`` table."""
    cache = {} if cache is None else cache
    spec = loaded.spec
    if loaded.uses_study_panel:
        if "study_panel" not in cache:
            from griparm_econ.catalog import load_catalog
            from griparm_econ.panel import load_panel

            frame = load_panel(settings)
            catalog = load_catalog(settings.catalog_path)
            digest = (sha256_file(settings.panel_path) if settings.panel_path.is_file() else
                      sha256_bytes(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()))
            cache["study_panel"] = Dataset(frame=frame, path=str(settings.panel_path), sha256=digest, entity="iso3",
                                           time="year", entity_label="Country", time_label="Year", study_panel=True,
                                           catalog=catalog)
        from griparm_econ.estimation.valid_range import exclude_outside, kept_variables

        kept = kept_variables(loaded)
        if ("study_panel", kept) not in cache:
            cache[("study_panel", kept)] = exclude_outside(cache["study_panel"], loaded, kept)
        return cache[("study_panel", kept)]
    table = spec.data
    path = expand_data_path(table.path, loaded.path, settings).resolve()
    key = ("file", str(path), table.entity, table.time)
    if key not in cache:
        frame = _read_table(path, loaded.path)
        for role, column in (("entity", table.entity), ("time", table.time)):
            if column is not None and column not in frame.columns:
                raise SpecError(f"the {role} column '{column}' is not in {path.name}"
                                f"{_hint(column, frame.columns)}.", where=loaded.path, field=f"data.{role}",
                                fix=f"name one of its columns: {', '.join(map(str, frame.columns[:20]))}.")
        if table.entity and table.time:
            dup = frame.duplicated([table.entity, table.time])
            if dup.any():
                row = frame.loc[dup, [table.entity, table.time]].iloc[0]
                raise DataError(f"{path.name} has {int(dup.sum())} duplicate ({table.entity}, {table.time}) rows, "
                                f"e.g. ({row.iloc[0]}, {row.iloc[1]}).", where=loaded.path, field="data.entity",
                                fix="entity and time must identify one row each; choose the right panel identifier.")
        cache[key] = Dataset(frame=frame, path=str(path), sha256=sha256_file(path), entity=table.entity,
                             time=table.time, entity_label=table.entity_label or _title(table.entity, "Entity"),
                             time_label=table.time_label or _title(table.time, "Time"))
    data = cache[key]
    if table.entity_label or table.time_label:
        data = Dataset(frame=data.frame, path=data.path, sha256=data.sha256, entity=data.entity, time=data.time,
                       entity_label=table.entity_label or data.entity_label,
                       time_label=table.time_label or data.time_label, _columns=data._columns)
    return data


def _title(name: str | None, fallback: str) -> str:
    return fallback if not name else name.replace("_", " ").capitalize()


def _hint(name: str, choices) -> str:
    close = nearest(str(name), [str(c) for c in choices])
    return f" (nearest: {', '.join(close)})" if close else ""


def check_variables(loaded: LoadedSpec, data: Dataset) -> None:
    """Every variable a model reads exists in the data (and, for the study panel, in the catalog)."""
    known = set(map(str, data.frame.columns))
    catalog_names = set(getattr(data.catalog, "names", ()) or ()) if data.study_panel else None
    for index, model in enumerate(loaded.models):
        for variable in model.variables:
            key = "weights" if variable == model.weights and variable not in model.parsed.variables else "formula"
            where_field = f"model[{index + 1}] (name = {model.name!r}).{key}: {variable}"
            if catalog_names is not None and variable not in catalog_names:
                close = (data.catalog.nearest(variable, n=3) if hasattr(data.catalog, "nearest")
                         else nearest(variable, catalog_names))
                raise SpecError(f"'{variable}' is not a variable of the study panel's catalog"
                                f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=loaded.path,
                                field=where_field, fix="use a name from specs/variables.toml, or add the variable "
                                                       "to the catalog and the panel.")
            if variable not in known:
                close = nearest(variable, known)
                raise SpecError(f"'{variable}' is not a column of {Path(data.path).name}"
                                f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=loaded.path,
                                field=where_field,
                                fix=f"use one of the data's columns{': ' + ', '.join(close) if close else ''}.")


def sample_mask(sample: SampleTable, data: Dataset, spec_path: Path, key: str) -> np.ndarray:
    frame = data.frame
    mask = np.ones(len(frame), dtype=bool)
    if sample.query:
        mask &= evaluate_condition(sample.query, frame, spec_path, f"{key}.query")
    if sample.years is not None:
        if data.time is None:
            raise SpecError("years needs a time index.", where=spec_path, field=f"{key}.years",
                            fix="set time in [data], or filter with query.")
        time = frame[data.time]
        if not pd.api.types.is_numeric_dtype(time) or pd.api.types.is_bool_dtype(time):
            raise SpecError(f"years needs a numeric time column, but '{data.time}' holds {time.dtype} values "
                            f"(e.g. {time.dropna().iloc[0]!r})." if time.notna().any() else
                            f"years needs a numeric time column, but '{data.time}' is empty.", where=spec_path,
                            field=f"{key}.years", fix=f"make '{data.time}' integer periods (e.g. 1996) in the data, "
                                                      "or filter with query instead of years.")
        time = time.to_numpy()
        mask &= (time >= sample.years[0]) & (time <= sample.years[1])
    for listed, keep in ((sample.entities, True), (sample.exclude_entities, False)):
        if listed is None:
            continue
        if data.entity is None:
            raise SpecError("entities needs an entity index.", where=spec_path, field=f"{key}.entities",
                            fix="set entity in [data], or filter with query.")
        entity = frame[data.entity].astype(str)
        unknown = sorted(set(listed) - set(entity))
        if unknown:
            raise SpecError(f"'{unknown[0]}' is not an entity of the data{_hint(unknown[0], set(entity))}.",
                            where=spec_path, field=f"{key}.{'entities' if keep else 'exclude_entities'}",
                            fix="list entities as they appear in the entity column.")
        inside = entity.isin(listed).to_numpy()
        mask &= inside if keep else ~inside
    return mask
