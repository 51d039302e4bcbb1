"""The whole study in one call (``griparm tables`` / ``make tables``), its figures, and the replication commands.

Order: panel (rebuilt only when stale) -> every table spec in ``specs/`` (re-estimated only when its spec, data or
code changed) -> every figure spec in ``specs/figures/`` (redrawn on the same rule) -> ``output/index.html`` ->
``output/manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError, SpecError
from griparm_econ.freshness import TABLE_SUFFIXES
from griparm_econ.io import atomic_write_text, sha256_file
from griparm_econ.report.labels import effect_axis_label, exhibit_name, term_label
from griparm_econ.spec import LoadedSpec, load_spec

Echo = Callable[[str], None]
FIGURES_DIR = "figures"
INDEX_TITLE = "GRIP-ARM panel study: tables and figures"
REPORTED_FILE = Path("reported") / "estimates.json"

MEASURE_LABELS = {"quota": "Export quota", "tax": "Export tax", "ban": "Export ban",
                  "licence_control": "Licence or control"}


def _quiet(_: str) -> None:
    return None


def discover_figures(settings: Settings) -> list[Path]:
    folder = settings.specs_dir / FIGURES_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


# ---------------------------------------------------------------------------------------------------------------
# Figure inputs: each figure kind names the files it reads, so an unchanged figure is not redrawn.


@dataclass
class _Context:
    settings: Settings
    out_dir: Path
    _panel: pd.DataFrame | None = None
    _catalog: object | None = None

    @property
    def panel(self) -> pd.DataFrame:
        if self._panel is None:
            from griparm_econ.panel import load_panel

            self._panel = load_panel(self.settings)
        return self._panel

    @property
    def catalog(self):
        if self._catalog is None:
            from griparm_econ.catalog import load_catalog

            self._catalog = load_catalog(self.settings.catalog_path)
        return self._catalog

    def label(self, name: str) -> str:
        try:
            return self.catalog.label(name)
        except Exception:  # not a catalog name: keep it as written
            return name

    def unit(self, name: str) -> str:
        try:
            return self.catalog[name].unit
        except Exception:  # not a catalog name: no unit to state
            return ""

    def estimates(self, stem: str, loaded: LoadedSpec, field: str) -> dict:
        path = self.out_dir / "estimates" / f"{stem}.json"
        if not path.is_file():
            raise SpecError(f"the figure reads the estimates of table '{stem}', which have not been written.",
                            where=loaded.path, field=field,
                            fix=f"name a table spec of specs/ (e.g. {stem}.toml) and run it first "
                                "(`griparm tables` runs tables before figures).")
        return json.loads(path.read_text(encoding="utf-8"))


def _events_path(settings: Settings) -> Path:
    from griparm_econ.sources.restrictions import EVENTS_FILE, FOLDER

    folder = settings.source_dir(FOLDER)
    if folder is None:
        raise DataError("the export-restriction events file is needed for the timeline figure, but no data "
                        "directory is set.", where="GRIPARM_DATA", field="restrictions/" + EVENTS_FILE,
                        fix="set GRIPARM_DATA (or --data DIR) to a folder with restrictions/ (see docs/data.md).")
    return folder / EVENTS_FILE


def figure_inputs(loaded: LoadedSpec, ctx: _Context) -> dict[str, str]:
    """path -> sha256 of every file the figure reads."""
    from griparm_econ.panel import aggregates_path

    spec = loaded.spec
    settings = ctx.settings
    paths: list[Path] = []
    if spec.figure in ("trajectories", "marginal_effect", "shares", "importer_shares"):
        paths.append(settings.panel_path)
    if spec.figure in ("shares", "importer_shares"):
        paths.append(aggregates_path(settings))
    if spec.figure == "marginal_effect":
        paths.append(ctx.out_dir / "estimates" / f"{spec.table}.json")
        if spec.bins:   # the binned estimator refits the table's model from its spec
            paths.append(settings.specs_dir / f"{spec.table}.toml")
    if spec.figure == "coefficients":
        paths += [ctx.out_dir / "estimates" / f"{t}.json" for t in spec.tables]
    if spec.figure == "timeline":
        paths.append(_events_path(settings))
    return {_display(p, settings): (sha256_file(p) if p.is_file() else "missing") for p in paths}


def _display(path: Path, settings: Settings) -> str:
    from griparm_econ.runner import _display_path

    return _display_path(path, settings)


# ---------------------------------------------------------------------------------------------------------------
# Drawing


def _countries_frame(ctx: _Context, countries: Sequence[str], variables: Sequence[str],
                     years: tuple[int, int] | None) -> tuple[pd.DataFrame, list[str]]:
    from griparm_econ.estimation.frames import eu27_members

    panel = ctx.panel
    missing = [v for v in variables if v not in panel.columns]
    if missing:
        close = ctx.catalog.nearest(missing[0], n=3)
        raise SpecError(f"'{missing[0]}' is not a study-panel variable"
                        f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where="figure spec",
                        field="variables", fix="use names from specs/variables.toml.")
    if years:
        panel = panel[panel["year"].between(*years)]
    names = dict(zip(panel["iso3"], panel["country"]))
    frames, notes = [], []
    for code in countries:
        if code == "EU27":
            members = panel[panel["iso3"].isin(eu27_members())]
            part = members.groupby("year")[list(variables)].mean().reset_index()
            part["country"] = "EU27 (mean of members)"
            notes.append("EU27: unweighted mean of the member states reporting each year (the 27 current members).")
        else:
            if code not in names:
                raise SpecError(f"'{code}' is not an economy of the study panel.", where="figure spec",
                                field="countries", fix="use ISO3 codes of economies (or \"EU27\").")
            part = panel.loc[panel["iso3"] == code, ["year", *variables]].copy()
            part["country"] = names[code]
        frames.append(part.melt(id_vars=["country", "year"], var_name="variable", value_name="value"))
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"]), notes


def _draw_trajectories(loaded: LoadedSpec, ctx: _Context):
    from griparm_econ.report.figures import plot_trajectories

    spec = loaded.spec
    frame, notes = _countries_frame(ctx, spec.countries, spec.variables, spec.years)
    fig = plot_trajectories(frame, title=spec.title, variable_labels={v: ctx.label(v) for v in spec.variables},
                            order=spec.variables, ncols=spec.ncols)
    coverage = [f"{ctx.label(v)}: {int(part['year'].min())}-{int(part['year'].max())}"
                for v, part in frame.groupby("variable", sort=False)]
    return fig, notes + ["Years with data: " + "; ".join(coverage) + ". Gaps are not interpolated."]


def _model_entry(estimates: dict, name: str, loaded: LoadedSpec, field: str) -> dict:
    for model in estimates["models"]:
        if model["name"] == name:
            return model
    names = ", ".join(m["name"] for m in estimates["models"])
    raise SpecError(f"table '{estimates.get('stem')}' has no model named {name!r}.", where=loaded.path, field=field,
                    fix=f"use one of: {names}.")


def _moderator_lag(interaction: str, moderator: str, loaded: LoadedSpec) -> int:
    """Periods by which the moderator is lagged in the interaction term (negative for a lead)."""
    from griparm_econ.estimation.formula import FormulaError, parse_formula

    try:
        factors = parse_formula(f"y ~ {interaction}").exog[0].factors
    except FormulaError as err:
        raise SpecError(f"the interaction '{interaction}' is not a formula term: {err.problem}", where=loaded.path,
                        field="interaction", fix="write it as the formula does, e.g. \"L.x:L.z\".") from None
    for factor in factors:
        if factor.variable == moderator:
            if factor.op == "D":
                raise SpecError(f"the moderator enters '{interaction}' differenced; its range is not defined.",
                                where=loaded.path, field="moderator", fix="use a level, lag or lead of it.")
            return -factor.lag if factor.op == "F" else factor.lag if factor.op == "L" else 0
    raise SpecError(f"the moderator '{moderator}' is not a factor of the interaction '{interaction}'.",
                    where=loaded.path, field="moderator", fix="name the variable the interaction multiplies by.")


def _draw_marginal_effect(loaded: LoadedSpec, ctx: _Context):
    if loaded.spec.bins:
        from griparm_econ.report.binned_figure import draw_binned_marginal_effect

        return draw_binned_marginal_effect(loaded, ctx)
    from griparm_econ.estimation.postestimation import marginal_effect
    from griparm_econ.estimation.results import ModelResult
    from griparm_econ.report.figures import plot_marginal_effect

    spec = loaded.spec
    estimates = ctx.estimates(spec.table, loaded, "table")
    result = ModelResult.from_json_dict(_model_entry(estimates, spec.model, loaded, "model"))
    panel = ctx.panel
    if spec.moderator not in panel.columns:
        raise SpecError(f"'{spec.moderator}' is not a study-panel variable.", where=loaded.path, field="moderator",
                        fix="name the variable whose range the x axis spans, e.g. state_capacity.")
    first, last = result.years or (int(panel["year"].min()), int(panel["year"].max()))
    # The moderator enters the interaction with its own lag (L2.x of years first..last is x of first-2..last-2).
    lag = _moderator_lag(spec.interaction, spec.moderator, loaded)
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


def _without_lags(term: str) -> str:
    """A term with its time-series operators removed (``L2.x:L2.z`` -> ``x:z``), to spot the same term at another lag."""
    return ":".join(re.sub(r"^[LFD]\d*\.", "", part) for part in term.split(":"))


def coefficient_rows(tables: Sequence[tuple[str, dict]], terms: Sequence[str], crit: float,
                     scale_of: Callable[[dict], float | None]) -> tuple[list[dict], list[str]]:
    """The rows of the coefficient figure (one per table, model and plotted term), and one phrase for each model
    that has none of the terms, saying why it is not shown (``scale_of(model)`` is None when a model cannot be
    rescaled; it is then plotted unscaled)."""
    rows, omitted = [], []
    wanted = {_without_lags(term) for term in terms}
    for table, estimates in tables:
        labels = estimates.get("labels", {})
        group = exhibit_name(table)
        for position, model in enumerate(estimates["models"], start=1):
            scale = scale_of(model) or 1.0
            shown = False
            for term in terms:
                if term not in model["params"] or model["std_errors"].get(term) is None:
                    continue
                b, se = model["params"][term] / scale, model["std_errors"][term] / scale
                rows.append({"term": labels.get(term, term), "model": f"{group} ({position}) {model['name']}",
                             "group": group, "estimate": b, "lower": b - crit * se, "upper": b + crit * se})
                shown = True
            if shown:
                continue
            relagged = [term_label(p, labels) for p in model["params"] if _without_lags(p) in wanted]
            why = (f"its terms enter at another lag than the panels show (e.g. {relagged[0]})" if relagged
                   else "it has none of the plotted terms")
            omitted.append(f"{group} ({position}) {model['name']}: {why}")
    return rows, omitted


def _draw_coefficients(loaded: LoadedSpec, ctx: _Context):
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


def _draw_shares(loaded: LoadedSpec, ctx: _Context):
    from griparm_econ.estimation.frames import share_groups
    from griparm_econ.estimation.shares import Measure, annual_shares
    from griparm_econ.panel import aggregates_path
    from griparm_econ.report.figures import plot_shares

    spec = loaded.spec
    aggregates = pd.read_parquet(aggregates_path(ctx.settings))
    groups = share_groups(spec.group)
    frames = [annual_shares(ctx.panel, aggregates, groups, Measure(m.name, m.variable, m.world),
                            rest_label=spec.rest_label) for m in spec.measure]
    annual = pd.concat(frames, ignore_index=True).rename(columns={"measure": "panel"})
    if spec.years:
        annual = annual[annual["year"].between(*spec.years)]
    fig = plot_shares(annual, title=spec.title, panel_titles={m.name: m.name for m in spec.measure},
                      group_order=[g.name for g in groups] + [spec.rest_label])
    coverage = [f"{name}: {int(part['year'].min())}-{int(part['year'].max())}"
                for name, part in annual.groupby("panel", sort=False)]
    return fig, ["Share of the world total each year; " + "; ".join(coverage) + ".",
                 "An economy a source does not list in a year counts as zero; the rest of the world is the world "
                 "total less the groups shown."]


def _draw_timeline(loaded: LoadedSpec, ctx: _Context):
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


DRAW = {"trajectories": _draw_trajectories, "marginal_effect": _draw_marginal_effect,
        "coefficients": _draw_coefficients, "shares": _draw_shares, "timeline": _draw_timeline,
        "importer_shares": lambda loaded, ctx: _importers().draw_importer_shares(loaded, ctx)}


def _importers():
    from griparm_econ.report import importers   # imported when drawn: matplotlib is slow to import

    return importers


def _record_path(out_dir: Path, stem: str) -> Path:
    return out_dir / FIGURES_DIR / f"{stem}.json"


def run_figures(settings: Settings, specs: Sequence[Path] | None = None, *, force: bool = False,
                echo: Echo = print, out_dir: Path | None = None) -> list[Path]:
    """Draw every figure spec (or those named); a figure whose spec, inputs and code are unchanged is skipped."""
    out = Path(out_dir) if out_dir is not None else settings.output_dir
    paths = list(specs) if specs else discover_figures(settings)
    loaded = [load_spec(p) for p in paths]
    for item in loaded:
        if item.kind != "figure":
            raise SpecError(f"is a {item.kind} spec, not a figure.", where=item.path, field="kind",
                            fix="figure specs live in specs/figures/ and say kind = \"figure\".")
    from griparm_econ.freshness import (clean_stale_temps, code_fingerprints, figure_current, file_hashes,
                                        seal_record, writing_unit)

    clean_stale_temps(out / FIGURES_DIR)
    ctx = _Context(settings=settings, out_dir=out)
    written: list[Path] = []
    for item in loaded:
        inputs = figure_inputs(item, ctx)
        record_path = _record_path(out, item.stem)
        key = {"spec_sha256": item.sha256, "inputs": inputs, **code_fingerprints()}
        if not force and figure_current(record_path, out, key):
            echo(f"up to date: {_display(item.path, settings)}")
            continue
        # Imported only when a figure is drawn: matplotlib and seaborn take most of an unchanged rerun's time.
        from griparm_econ.report.figures import FORMATS, save_figure

        fig, notes = DRAW[item.spec.figure](item, ctx)
        with writing_unit(out, record_path, [f"{FIGURES_DIR}/{item.stem}.{fmt}" for fmt in FORMATS], item.stem):
            files = save_figure(fig, out, item.stem)
            record = {"kind": "figure", "figure": item.spec.figure, "stem": item.stem, "title": item.spec.title,
                      "spec": _display(item.path, settings), **key, "notes": list(notes) + list(item.spec.notes),
                      "files": [f.relative_to(out).as_posix() for f in files], "outputs": file_hashes(out, files)}
            written += files + [atomic_write_text(record_path, json.dumps(seal_record(record), indent=2,
                                                                      sort_keys=True) + "\n")]
        echo(f"drew {item.stem} ({', '.join(f.suffix.lstrip('.') for f in files)}) in {out / FIGURES_DIR}")
    return written


# ---------------------------------------------------------------------------------------------------------------
# Index and manifest


def _table_records(settings: Settings, out: Path) -> list[dict]:
    from griparm_econ.runner import discover_specs

    records = []
    for spec in discover_specs(settings):
        path = out / "estimates" / f"{spec.stem}.json"
        if path.is_file():
            records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def _figure_records(settings: Settings, out: Path) -> list[dict]:
    records = []
    for spec in discover_figures(settings):
        path = _record_path(out, spec.stem)
        if path.is_file():
            records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def _multiverse_files(record: dict) -> tuple[str, ...]:
    """A table unit's outputs beyond its table and record: a multiverse's parquet and curve, an event study's figure,
    a synthetic control's weights table and figures (freshness.extra_files names them)."""
    from griparm_econ.freshness import extra_files

    return tuple(extra_files(record["stem"], record.get("kind", "")))


def write_index(settings: Settings, out: Path) -> Path:
    from griparm_econ.report.index import IndexEntry, write_index as render

    entries = []
    # Multiverses after the numbered tables they vary (stable sort: each group keeps its file order).
    for record in sorted(_table_records(settings, out), key=lambda r: r.get("kind") == "multiverse"):
        stem = record["stem"]
        files = tuple(f"tables/{stem}{s}" for s in TABLE_SUFFIXES) + (f"estimates/{stem}.json",)
        extra = _multiverse_files(record)
        entries.append(IndexEntry(kind="table", title=record["title"], spec=record["spec"], files=files + extra,
                                  notes=tuple(record.get("notes", ())), embed=f"tables/{stem}.html",
                                  preview=next((f for f in extra if f.endswith(".png")), None)))
    for record in _figure_records(settings, out):
        files = tuple(record["files"])
        png = next((f for f in files if f.endswith(".png")), None)
        entries.append(IndexEntry(kind="figure", title=record["title"], spec=record["spec"], files=files,
                                  notes=tuple(record.get("notes", ())), preview=png))
    preamble = ["Every table and figure of the study, each with the spec file that makes it and its notes on sample "
                "and coverage. Rebuild everything with `make tables`; check the reported estimates with "
                "`make replicate`. Provenance of every file: manifest.json."]
    return render(entries, out, title=INDEX_TITLE, preamble=preamble)


def _data_inputs(settings: Settings) -> list[dict]:
    from griparm_econ.panel import provenance_path

    path = provenance_path(settings)
    if not path.is_file():
        return []
    provenance = json.loads(path.read_text(encoding="utf-8"))
    keep = ("source", "path", "url", "sha256", "rows", "vintage", "origin", "series")
    return [{k: e[k] for k in keep if k in e} for e in provenance.get("inputs", [])]


def data_vintage(settings: Settings) -> dict:
    """What the data were: every input file's sha256 and the World Bank series' last-updated dates."""
    inputs = _data_inputs(settings)
    last_updated: dict[str, str] = {}
    for entry in inputs:
        if str(entry.get("source", "")).startswith("worldbank") and isinstance(entry.get("vintage"), dict):
            last_updated.update(entry["vintage"])
    return {"inputs": [{"path": e.get("path") or e.get("url"), "sha256": e.get("sha256")} for e in inputs],
            "worldbank_last_updated": dict(sorted(last_updated.items()))}


def write_manifest(settings: Settings, out: Path) -> Path:
    from griparm_econ.replication.manifest import OutputRecord, write_manifest as render
    from griparm_econ.runner import discover_specs

    from griparm_econ.freshness import intact_outputs

    # Only files that match the hashes their record holds: a file of an aborted run is never listed.
    outputs: list[OutputRecord] = []
    for record in _table_records(settings, out):
        for rel in [*intact_outputs(record, out), f"estimates/{record['stem']}.json"]:
            outputs.append(OutputRecord(out / rel, record["spec"], record["spec_sha256"], record["data_sha256"]))
    for record in _figure_records(settings, out):
        digest = hashlib.sha256(json.dumps(record["inputs"], sort_keys=True).encode()).hexdigest()
        for rel in [*intact_outputs(record, out), f"{FIGURES_DIR}/{record['stem']}.json"]:
            outputs.append(OutputRecord(out / rel, record["spec"], record["spec_sha256"], digest))
    specs = discover_specs(settings) + discover_figures(settings)
    if settings.catalog_path.is_file():
        specs.append(settings.catalog_path)
    return render(settings, outputs, inputs=_data_inputs(settings), specs=specs)


# ---------------------------------------------------------------------------------------------------------------
# Entry points


def run_study(settings: Settings, *, force: bool = False, echo: Echo = print):
    """Panel, tables, figures, index and manifest; each step skipped where nothing it depends on changed."""
    from griparm_econ.panel import load_panel
    from griparm_econ.runner import discover_specs, run_specs

    from griparm_econ.freshness import clean_stale_temps, orphan_outputs

    settings.output_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(settings.output_dir, settings.work_dir)
    load_panel(settings, echo=echo)
    tables = run_specs(None, settings, force=force, echo=echo) if discover_specs(settings) else []
    run_figures(settings, force=force, echo=echo)
    # A replication package holds nothing no spec made: outputs of removed or renamed specs go.
    orphans = orphan_outputs(settings.output_dir, [p.stem for p in discover_specs(settings) + discover_figures(settings)])
    for path in orphans:
        path.unlink()
    if orphans:
        echo(f"removed {len(orphans)} output file{'s' if len(orphans) != 1 else ''} of specs that no longer exist: "
             + ", ".join(sorted({p.relative_to(settings.output_dir).as_posix() for p in orphans})))
    index = write_index(settings, settings.output_dir)
    manifest = write_manifest(settings, settings.output_dir)
    echo(f"wrote {index} and {manifest}")
    return tables


def reported_path(settings: Settings) -> Path:
    return settings.project_root / REPORTED_FILE


def freeze_reported(settings: Settings, *, echo: Echo = print) -> Path:
    """Run the study, then record its estimates as the reported ones (a deliberate act: review the diff)."""
    from griparm_econ.replication.reported import freeze

    run_study(settings, echo=_quiet)
    path = freeze(settings.output_dir / "estimates", reported_path(settings), data_vintage=data_vintage(settings))
    echo(f"wrote {path}: review `git diff {REPORTED_FILE}` before committing it")
    return path


def _record(kind: str, result) -> dict:
    """The estimates record of a kind whose models the reported file holds, built in memory (files: none)."""
    if kind == "event_study":
        from griparm_econ.report.event_study import event_study_dict

        return event_study_dict(result, [])
    if kind == "synthetic_control":
        from griparm_econ.report.synthetic_control import synthetic_dict

        return synthetic_dict(result, [])
    from griparm_econ.report.estimates import estimates_dict

    return estimates_dict(result)


# The spec kinds whose estimates the reported file holds (freeze records their models; replicate re-estimates them).
_RECORDS = ("regression", "event_study", "synthetic_control")


def replicate(settings: Settings, *, echo: Echo = print) -> bool:
    """Re-estimate every regression, event-study and synthetic-control spec in memory and compare every reported number with it; True when all match.
    Nothing in the output folder is read (an edited estimates record could agree with an edited reported file) and
    only the replication report is written there."""
    from griparm_econ.panel import load_panel
    from griparm_econ.replication import check, reported
    from griparm_econ.replication.manifest import package_versions
    from griparm_econ.report.replication import console_lines, write_replication_report
    from griparm_econ.runner import check_specs, discover_specs, estimate

    frozen = reported.load(reported_path(settings))
    load_panel(settings)   # a panel rebuilt because it changed since its build says so (one line on stderr)
    specs = discover_specs(settings)
    reporting = [item for item in (check_specs(specs, settings, echo=_quiet) if specs else [])
                 if item.kind in _RECORDS]
    cache: dict = {}
    # The tables that report estimates come from the specs (not from the file under check): each must be reported.
    replicated = {item.stem: _record(item.kind, estimate(item, settings, cache)) for item in reporting}
    report = check.check(frozen, replicated, data_vintage(settings), study_tables=list(replicated),
                         versions=package_versions())
    for line in console_lines(report):
        echo(line)
    paths = write_replication_report(report, settings.output_dir)
    echo(f"wrote {', '.join(str(p) for p in paths)}")
    return report.ok
