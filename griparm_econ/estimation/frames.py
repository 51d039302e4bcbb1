"""Tables that are not regressions: descriptive statistics (Table 1), shares of world totals (Table 5) and shares
before and after a date (Table 9), one entry point per spec kind.

Each returns a :class:`FrameResult`; the report package turns it into the five table formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.estimation.descriptive import xtsum
from griparm_econ.estimation.dataset import Dataset, load_dataset, sample_mask
from griparm_econ.estimation.results import ArtefactResult
from griparm_econ.estimation.shares import Group, Measure, annual_shares, period_shares
from griparm_econ.spec import DescriptiveSpec, LoadedSpec, ShareGroup, SharesSpec


@dataclass(frozen=True)
class FrameResult(ArtefactResult):
    """A descriptive or shares table (``kind`` is the spec's kind)."""

    frame: pd.DataFrame
    digits: int | dict[str, int]


def eu27_members() -> tuple[str, ...]:
    from griparm_econ.sources.country_names import EU27

    return tuple(EU27)


def share_groups(groups: list[ShareGroup]) -> list[Group]:
    return [Group(g.name, eu27_members() if g.members == "EU27" else tuple(g.members)) for g in groups]


def _require_variables(names, data: Dataset, where: Path, field: str) -> None:
    catalog = data.catalog
    for name in names:
        if name not in data.frame.columns:
            close = catalog.nearest(name, n=3) if catalog is not None else []
            raise SpecError(f"'{name}' is not a variable of the study panel"
                            f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=where, field=field,
                            fix="use a name from specs/variables.toml.")


def _label(data: Dataset, name: str, overrides: dict[str, str]) -> str:
    if name in overrides:
        return overrides[name]
    return data.catalog.label_or_name(name) if data.catalog is not None else name


def descriptive_table(loaded: LoadedSpec, data: Dataset) -> tuple[pd.DataFrame, list[str]]:
    spec: DescriptiveSpec = loaded.spec
    _require_variables(spec.variables, data, loaded.path, "variables")
    base = sample_mask(spec.sample, data, loaded.path, "sample") if spec.sample else None
    groups = spec.group or []
    panels, notes = [], []
    for i, group in enumerate(groups or [None]):
        mask = base.copy() if base is not None else pd.Series(True, index=data.frame.index).to_numpy()
        if group is not None:
            mask &= sample_mask(group, data, loaded.path, f"group[{i + 1}]")
        frame = data.frame.loc[mask]
        if frame.empty:
            raise SpecError("the sample is empty after its filters.", where=loaded.path,
                            field=f"group[{i + 1}]" if group else "sample",
                            fix="loosen query/years/entities, and check them against the panel's values.")
        stats = xtsum(frame, spec.variables, entity=data.entity)
        stats.index = [_label(data, v, spec.labels) for v in stats.index]
        name = group.name if group is not None else "All observations"
        panels.append(pd.concat({name: stats}, names=["Sample", "Variable"]))
        years = frame[data.time]
        notes.append(f"{name}: {frame[data.entity].nunique()} countries, {int(years.min())}-{int(years.max())}"
                     + (f" ({group.description})" if group is not None and group.description else "") + ".")
        if data.outside:
            from griparm_econ.estimation.valid_range import frame_values, left_out_note

            left_out = frame_values(data, spec.variables, mask)
            if left_out:
                notes.append(left_out_note(left_out, name))
    notes.append("N and Countries count non-missing observations of each variable; SD between is the standard "
                 "deviation of country means, SD within that of deviations from country means (plus the grand "
                 "mean), as Stata's xtsum.")
    return pd.concat(panels), notes


def shares_table(loaded: LoadedSpec, data: Dataset, aggregates: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    spec: SharesSpec = loaded.spec
    _require_variables([m.variable for m in spec.measure], data, loaded.path, "measure.variable")
    groups = share_groups(spec.group)
    annual = pd.concat([annual_shares(data.frame, aggregates, groups, Measure(m.name, m.variable, m.world),
                                      rest_label=spec.rest_label) for m in spec.measure], ignore_index=True)
    notes = ["Percent of the world total cumulated over each period's years with data; rows sum to 100."]
    for m in spec.measure:
        world = "the source's world total" if m.world == "reported" else "the sum over the economies the source lists"
        notes.append(f"{m.name}: {_label(data, m.variable, {})}; world = {world}.")
    if any(g.members == "EU27" for g in spec.group):
        notes.append("EU27: the 27 current member states in every year.")
    notes.append(f"{spec.rest_label}: world total less the groups shown (includes economies a source does not list "
                 "separately).")
    return period_shares(annual, spec.periods), notes


def before_after(loaded: LoadedSpec, data: Dataset, aggregates: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    from griparm_econ.estimation.before_after import before_after_table

    spec = loaded.spec
    _require_variables([m.variable for m in spec.measure], data, loaded.path, "measure.variable")
    groups = share_groups(spec.group)
    annual = pd.concat([annual_shares(data.frame, aggregates, groups, Measure(m.name, m.variable, m.world),
                                      rest_label="Rest of the world") for m in spec.measure], ignore_index=True)
    frame = before_after_table(annual, [g.name for g in groups], spec.before, spec.after)
    (b0, b1), (a0, a1) = spec.before, spec.after
    notes = [f"Share of the world total in each year, averaged over the years with data in {b0}-{b1} (before) and "
             f"{a0}-{a1} (after); change in percentage points.",
             "Welch t and p-value compare the annual shares of the two windows as if the years were independent; "
             "they are not (shares are serially correlated and the break is a chosen date), so both are descriptive "
             "summaries, not a test of the event's effect."]
    for m in spec.measure:
        world = "the source's world total" if m.world == "reported" else "the sum over the economies the source lists"
        notes.append(f"{m.name}: {_label(data, m.variable, {})}; world = {world}.")
    dropped = [m.name for m in spec.measure if m.name not in frame.index.get_level_values(0)]
    if dropped:
        notes.append(f"No row for {', '.join(dropped)}: the data do not cover both windows.")
    return frame, notes


def _result(loaded: LoadedSpec, settings: Settings, data: Dataset, frame: pd.DataFrame, notes, digits,
            display_path) -> FrameResult:
    return FrameResult(stem=loaded.stem, kind=loaded.kind, title=loaded.spec.title, frame=frame,
                       notes=tuple(notes) + tuple(loaded.spec.notes), digits=digits,
                       spec_path=display_path(loaded.path, settings), spec_sha256=loaded.sha256,
                       data_path=display_path(Path(data.path), settings), data_sha256=data.sha256)


def descriptive_result(loaded: LoadedSpec, settings: Settings, cache: dict, *, display_path) -> FrameResult:
    """A descriptive-statistics table of the study panel (the ``descriptive`` kind)."""
    data = load_dataset(loaded, settings, cache)
    frame, notes = descriptive_table(loaded, data)
    digits = {c: loaded.spec.digits for c in frame.columns} | {"N": 0, "Countries": 0}
    return _result(loaded, settings, data, frame, notes, digits, display_path)


def stored_frame(layout: dict, columns: list[str]) -> pd.DataFrame:
    """The frame :func:`griparm_econ.report.estimates.frame_layout` wrote (null cells come back missing)."""
    names = layout["index_names"]
    rows = [tuple(row) for row in layout["index"]]
    index = (pd.MultiIndex.from_tuples(rows, names=names) if len(names) > 1
             else pd.Index([row[0] for row in rows], name=names[0]))
    frame = pd.DataFrame(layout["data"], index=index, columns=columns)
    return frame.astype(dict(zip(columns, layout["dtypes"])))


def rerender_frame(loaded: LoadedSpec, settings: Settings, record: dict, cache: dict, *,
                   display_path) -> FrameResult:
    """A descriptive, shares or before/after table from its record, nothing computed from the panel: what a change to
    the report code alone needs (any change to these specs re-computes them). The record holds the frame with its
    row index and dtypes, its digits, and the notes as computed."""
    data = load_dataset(loaded, settings, cache)        # the data file's path and sha256, as the run read them
    frame = stored_frame(record["frame"], record["columns"])
    return FrameResult(stem=loaded.stem, kind=loaded.kind, title=loaded.spec.title, frame=frame,
                       notes=tuple(record["notes"]), digits=record["frame"]["digits"],
                       spec_path=display_path(loaded.path, settings), spec_sha256=loaded.sha256,
                       data_path=display_path(Path(data.path), settings), data_sha256=data.sha256)


def _aggregates(settings: Settings) -> pd.DataFrame:
    from griparm_econ.panel import aggregates_path

    return pd.read_parquet(aggregates_path(settings))


def shares_result(loaded: LoadedSpec, settings: Settings, cache: dict, *, display_path) -> FrameResult:
    """Shares of world totals by period (the ``shares`` kind)."""
    data = load_dataset(loaded, settings, cache)
    frame, notes = shares_table(loaded, data, _aggregates(settings))
    return _result(loaded, settings, data, frame, notes, loaded.spec.digits, display_path)


def before_after_result(loaded: LoadedSpec, settings: Settings, cache: dict, *, display_path) -> FrameResult:
    """Shares before and after a date (the ``before_after`` kind)."""
    data = load_dataset(loaded, settings, cache)
    frame, notes = before_after(loaded, data, _aggregates(settings))
    return _result(loaded, settings, data, frame, notes, loaded.spec.digits, display_path)
