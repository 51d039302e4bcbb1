"""The drawing step of each figure kind: the data from :mod:`griparm_econ.pipeline.figure_data`, the notes under
the figure, and the drawing by ``report/`` (which only draws what it is handed). ``FIGURE_KINDS`` is the
figure-kind registry: figure name -> its drawing step (spec, context) -> (figure, notes) and what it reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.io import sha256_file
from griparm_econ.pipeline.figure_checks import (check_coefficients, check_marginal_effect, check_trajectories,
                                                 no_check)
from griparm_econ.pipeline.figure_data import (FigureContext, annual_share_frame, coefficient_rows, countries_frame,
                                               events_path, model_entry, moderator_lag, moderator_term,
                                               share_group_names)
from griparm_econ.pipeline.layout import display_path, table_record
from griparm_econ.labels import effect_axis_label, exhibit_name, term_label
from griparm_econ.spec import LoadedSpec

MEASURE_LABELS = {"quota": "Export quota", "tax": "Export tax", "ban": "Export ban",
                  "licence_control": "Licence or control"}


def _draw_trajectories(loaded: LoadedSpec, ctx: FigureContext):
    from griparm_econ.report.figures import plot_trajectories

    spec = loaded.spec
    frame, notes = countries_frame(ctx, spec.countries, spec.variables, spec.years)
    fig = plot_trajectories(frame, title=spec.title, variable_labels={v: ctx.label(v) for v in spec.variables},
                            order=spec.variables, ncols=spec.ncols)
    coverage = [f"{ctx.label(v)}: {int(part['year'].min())}-{int(part['year'].max())}"
                for v, part in frame.groupby("variable", sort=False)]
    return fig, notes + ["Years with data: " + "; ".join(coverage) + ". Gaps are not interpolated."]


def _draw_marginal_effect(loaded: LoadedSpec, ctx: FigureContext):
    if loaded.spec.bins:
        return _draw_binned_marginal_effect(loaded, ctx)
    from griparm_econ.estimation.postestimation import marginal_effect
    from griparm_econ.estimation.results import ModelResult
    from griparm_econ.report.figures import plot_marginal_effect

    spec = loaded.spec
    estimates = ctx.estimates(spec.table, loaded, "table")
    result = ModelResult.from_json_dict(model_entry(estimates, spec.model, loaded, "model"))
    panel = ctx.panel
    if spec.moderator not in panel.columns:
        raise SpecError(f"'{spec.moderator}' is not a study-panel variable.", where=loaded.path, field="moderator",
                        fix="name the variable whose range the x axis spans, e.g. state_capacity.")
    first, last = result.years or (int(panel["year"].min()), int(panel["year"].max()))
    # The moderator enters the interaction with its own lag (L2.x of years first..last is x of first-2..last-2).
    lag = moderator_lag(spec.interaction, spec.moderator, loaded)
    observed = panel.loc[panel["year"].between(first - lag, last - lag), spec.moderator].dropna().to_numpy()
    grid = np.linspace(observed.min(), observed.max(), spec.points)
    effect = marginal_effect(result, spec.treatment, spec.interaction, grid, moderator=spec.moderator,
                             level=spec.level)
    term_labels = estimates.get("labels", {})
    moderator = ctx.label(spec.moderator)
    fig = plot_marginal_effect(effect, title=spec.title,
                               xlabel=moderator + (f" (t-{lag})" if lag > 0 else f" (t+{-lag})" if lag < 0 else ""),
                               ylabel=effect_axis_label(ctx.label(result.dependent), ctx.unit(result.dependent)),
                               observed=np.quantile(observed, np.linspace(0, 1, 41)))
    column = [m["name"] for m in estimates["models"]].index(spec.model) + 1
    notes = [f"From {exhibit_name(spec.table)}, column ({column}) {spec.model} ({result.cov_label.lower()}; "
             f"N = {result.nobs:,}).",
             f"Effect = b({term_label(spec.treatment, term_labels)}) + b({term_label(spec.interaction, term_labels)})"
             f" x {moderator}; {spec.level:.0%} band by the delta method on the model's covariance.",
             f"The x axis spans the observed range of {moderator} in {first - lag}-{last - lag}; the ticks at "
             "the bottom mark its 2.5-percentile steps."]
    return fig, notes


def _draw_coefficients(loaded: LoadedSpec, ctx: FigureContext):
    from scipy import stats

    from griparm_econ.report.figures import plot_coefficients

    spec = loaded.spec
    crit = float(stats.norm.ppf((1 + spec.level) / 2))
    panel = ctx.panel
    unscaled: list[str] = []

    def scale_of(model: dict) -> float | None:
        if spec.scale != "outcome_sd":
            return None
        dependent, years = model["dependent"], model.get("years")
        if dependent in panel.columns and years:
            return float(panel.loc[panel["year"].between(*years), dependent].std())
        unscaled.append(model["name"])
        return None

    tables = [(table, ctx.estimates(table, loaded, "tables")) for table in spec.tables]
    rows, omitted = coefficient_rows(tables, spec.terms, crit, scale_of)
    if not rows:
        raise SpecError("none of the terms appears in any model of the tables named.", where=loaded.path,
                        field="terms", fix="list terms exactly as the formulas write them, e.g. "
                                           "\"L.export_restriction_any\".")
    xlabel = "Estimate (in standard deviations of the outcome)" if spec.scale == "outcome_sd" else "Estimate"
    fig = plot_coefficients(pd.DataFrame(rows), title=spec.title, xlabel=xlabel)
    notes = [f"Point estimates with {spec.level:.0%} intervals (estimate ± {crit:.2f} standard errors, each model's "
             f"own standard errors), from {', '.join(exhibit_name(table) for table in spec.tables)}."]
    if omitted:
        notes.append("Not shown: " + "; ".join(omitted) + ".")
    if spec.scale == "outcome_sd":
        notes.append("Each model's estimates and intervals are divided by the standard deviation of its dependent "
                     "variable in the study panel over the model's years, so outcomes in different units share "
                     "one axis." + (f" Not rescaled: {', '.join(unscaled)}." if unscaled else ""))
    return fig, notes


def _draw_shares(loaded: LoadedSpec, ctx: FigureContext):
    from griparm_econ.report.figures import plot_shares

    spec = loaded.spec
    annual = annual_share_frame(ctx, spec, rest_label=spec.rest_label)
    fig = plot_shares(annual, title=spec.title, panel_titles={m.name: m.name for m in spec.measure},
                      group_order=share_group_names(spec) + [spec.rest_label])
    coverage = [f"{name}: {int(part['year'].min())}-{int(part['year'].max())}"
                for name, part in annual.groupby("panel", sort=False)]
    return fig, ["Share of the world total each year; " + "; ".join(coverage) + ".",
                 "An economy a source does not list in a year counts as zero; the rest of the world is the world "
                 "total less the groups shown."]


def _draw_timeline(loaded: LoadedSpec, ctx: FigureContext):
    from griparm_econ.report.figures import plot_timeline
    from griparm_econ.sources.restrictions import read_events

    spec = loaded.spec
    events = read_events(ctx.settings).rows
    events = events[events["role"] == "restriction"].copy()
    events = events[events["measure_type"].isin(list(MEASURE_LABELS))]
    if spec.countries:
        events = events[events["iso3"].isin(spec.countries)]
    if spec.rare_earth_only:
        events = events[events["rare_earth"]]
    last_year = spec.years[1] if spec.years else int(ctx.panel["year"].max())
    first_year = spec.years[0] if spec.years else int(events["start_year"].min())
    frame = pd.DataFrame({
        "country": events["country"].astype(str),
        "measure": events["measure_type"].astype(str),
        "start_year": events["start_year"].astype(float).clip(lower=first_year),
        "end_year": events["effective_end"].astype(float),
        "rare_earth": events["rare_earth"].astype(bool),
    }).sort_values(["country", "start_year", "measure"], kind="mergesort")
    frame = frame[frame["start_year"] <= last_year]
    fig = plot_timeline(frame, title=spec.title, last_year=last_year, measure_labels=MEASURE_LABELS)
    return fig, [f"{len(frame)} dated export-restriction events in force between {first_year} and {last_year}, from "
                 "the hand-compiled events file; an event without an end year is drawn through "
                 f"{last_year}; undated events, rate changes within a regime and measures of type 'other' are left "
                 "out (rules in docs/data.md)."]


def _draw_binned_marginal_effect(loaded: LoadedSpec, ctx: FigureContext):
    """Figure 2 with the binning estimator: refit the table's model with the binned terms (same design, effects and
    covariance) and draw both."""
    from griparm_econ.estimation.binned import binned_effects
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.estimation.design import build_design
    from griparm_econ.estimation.postestimation import marginal_effect
    from griparm_econ.estimation.results import ModelResult
    from griparm_econ.report.binned_figure import plot_binned_marginal_effect
    from griparm_econ.spec import load_spec

    spec = loaded.spec
    estimates = ctx.estimates(spec.table, loaded, "table")
    entry = model_entry(estimates, spec.model, loaded, "model")
    result = ModelResult.from_json_dict(entry)
    table = load_spec(ctx.settings.specs_dir / f"{spec.table}.toml")
    index = [m.name for m in table.models].index(spec.model)
    design = build_design(table, index, load_dataset(table, ctx.settings))
    if design.nobs != result.nobs:
        raise SpecError(f"the model refitted for the binned estimator has {design.nobs} observations, the table's "
                        f"estimates {result.nobs}.", where=loaded.path, field="table",
                        fix="rerun the table (`griparm tables`) so its estimates match its spec and data.")
    moderator_column = moderator_term(spec.interaction, spec.moderator)
    binned = binned_effects(table.models[index], design, treatment=spec.treatment, moderator=moderator_column,
                            interaction=spec.interaction, n_bins=spec.bins, level=spec.level, where=str(loaded.path),
                            field=f"model[{index + 1}] (name = {spec.model!r})")
    observed = design.exog[moderator_column].to_numpy(dtype=float)
    grid = np.linspace(observed.min(), observed.max(), spec.points)
    effect = marginal_effect(result, spec.treatment, spec.interaction, grid, moderator=spec.moderator,
                             level=spec.level)
    moderator = ctx.label(spec.moderator)
    lag = moderator_lag(spec.interaction, spec.moderator, loaded)
    xlabel = moderator + (f" (t-{lag})" if lag > 0 else f" (t+{-lag})" if lag < 0 else "")
    fig = plot_binned_marginal_effect(effect, binned, title=spec.title, xlabel=xlabel,
                                      ylabel=effect_axis_label(ctx.label(result.dependent), ctx.unit(result.dependent)),
                                      observed=observed)
    column = index + 1
    bins = binned.frame
    described = "; ".join(f"bin {int(r.bin)}: {r.lower_edge:.2f} to {r.upper_edge:.2f}, median {r.median:.2f}, "
                          f"{int(r.n):,} obs., {int(r.n_treated):,} treated"
                          + ("" if r.identified else ", effect not identified: the treatment does not vary within "
                             "any country in this bin") for r in bins.itertuples())
    notes = [f"From {exhibit_name(spec.table)}, column ({column}) {spec.model} ({result.cov_label.lower()}; "
             f"N = {result.nobs:,}).",
             "Line and band: the linear interaction model's effect b(treatment) + b(interaction) x moderator, delta "
             f"method, {spec.level:.0%}.",
             f"Squares: the binning estimator of Hainmueller, Mummolo and Xu (2019): the moderator is cut at its "
             f"{spec.bins}-quantiles in the estimation sample and the model refitted with a separate treatment "
             "effect, intercept and moderator slopes in each bin (centred at the bin median), same controls, fixed "
             f"effects and covariance; each square is the effect at its bin's median ({described}).",
             "Beneath: the moderator's distribution in the estimation sample (grey) and among treated observations "
             "(coloured). Where the binned estimates leave the line, the linearity the line assumes fails; where "
             "treated observations are absent, the line is an extrapolation."]
    return fig, notes


def _draw_importer_shares(loaded: LoadedSpec, ctx: FigureContext):
    """The importers' figure (RQ3): annual shares of world imports from the panel and aggregates."""
    from griparm_econ.report.importers import plot_importer_shares

    spec = loaded.spec
    rest = "Rest of the world"
    annual = annual_share_frame(ctx, spec, rest_label=rest)
    annual = annual[annual["group"] != rest]
    fig = plot_importer_shares(annual, title=spec.title, panel_titles={m.name: m.name for m in spec.measure},
                               groups=share_group_names(spec), break_year=spec.break_year)
    coverage = [f"{name}: {int(part['year'].min())}-{int(part['year'].max())}"
                for name, part in annual.groupby("panel", sort=False)]
    return fig, ["Share of world imports each year (" + "; ".join(coverage) + "); the dotted line marks "
                 f"{spec.break_year}, the shaded segments the mean share before and from it.",
                 "EU27: sum of the 27 current members' imports, intra-EU trade included (the data are not "
                 "bilateral); an economy the source does not list in a year counts as zero."] + [
        f"{m.name}: world = " + ("the source's world total." if m.world == "reported" else
                                 "the sum over the economies the source lists that year (non-reporters are absent, "
                                 "not zero, so the world total is that of the reporters).") for m in spec.measure]


@dataclass(frozen=True)
class FigureKind:
    """One figure kind: its drawing step and what it reads, so an unchanged figure is not redrawn and a figure is
    keyed on nothing it does not read. ``frames``: the study-panel tables it draws from ("panel", "aggregates"),
    keyed on the columns its spec names (and the identifiers); ``tables``: the table stems whose estimates records
    it reads; ``files``: other files it reads (settings, spec -> paths); ``check``: what ``griparm check`` asks of
    it beyond its schema (spec, regression specs by stem, catalog), before any data are read."""

    draw: Callable[[LoadedSpec, FigureContext], tuple]
    check: Callable[[LoadedSpec, dict, object], None] = no_check
    frames: tuple[str, ...] = ()
    tables: Callable[[object], Sequence[str]] = lambda spec: ()
    files: Callable[[Settings, object], Sequence[Path]] = lambda settings, spec: ()


def _table_spec_if_binned(settings: Settings, spec) -> list[Path]:
    # The binned estimator refits the table's model from its spec (its data: the table record's data_read_sha256).
    return [settings.specs_dir / f"{spec.table}.toml"] if spec.bins else []


# Report modules are imported inside each step, when a figure is drawn: matplotlib is slow to import. The
# coefficients figure reads the panel's dependent columns only through its tables, whose records change with them.
FIGURE_KINDS = {
    "trajectories": FigureKind(_draw_trajectories, check_trajectories, frames=("panel",)),
    "marginal_effect": FigureKind(_draw_marginal_effect, check_marginal_effect, frames=("panel",),
                                  tables=lambda spec: [spec.table], files=_table_spec_if_binned),
    "coefficients": FigureKind(_draw_coefficients, check_coefficients, tables=lambda spec: list(spec.tables)),
    "shares": FigureKind(_draw_shares, frames=("panel", "aggregates")),
    "timeline": FigureKind(_draw_timeline, frames=("panel",), files=lambda settings, spec: [events_path(settings)]),
    "importer_shares": FigureKind(_draw_importer_shares, frames=("panel", "aggregates")),
}


def figure_inputs(loaded: LoadedSpec, ctx: FigureContext) -> dict[str, str]:
    """What the figure reads -> its sha256: the study-panel columns it names (see :class:`FigureKind`), the tables'
    estimates records and other files."""
    from griparm_econ.freshness import frames_read_sha256

    kind = FIGURE_KINDS[loaded.spec.figure]
    inputs = {}
    if kind.frames:
        frames = {name: getattr(ctx, name) for name in kind.frames}
        inputs["study panel: the columns read"] = frames_read_sha256(loaded, frames, ctx.catalog)
    paths = [table_record(ctx.out_dir, stem) for stem in kind.tables(loaded.spec)]
    paths += kind.files(ctx.settings, loaded.spec)
    inputs |= {display_path(p, ctx.settings): (sha256_file(p) if p.is_file() else "missing") for p in paths}
    return inputs
