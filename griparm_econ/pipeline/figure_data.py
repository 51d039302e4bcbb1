"""The data a figure is drawn from: the frames and estimates the drawing steps of
:mod:`griparm_econ.pipeline.figure_kinds` hand to ``report/``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError, SpecError
from griparm_econ.pipeline.layout import table_record
from griparm_econ.labels import exhibit_name, term_label
from griparm_econ.spec import LoadedSpec

# ---------------------------------------------------------------------------------------------------------------
# What the drawing steps read, loaded once per run.


@dataclass
class FigureContext:
    """What the drawing steps read, loaded once per run: the panel, the catalog, the tables' estimates."""

    settings: Settings
    out_dir: Path
    _panel: pd.DataFrame | None = None
    _aggregates: pd.DataFrame | None = None
    _catalog: object | None = None

    @property
    def panel(self) -> pd.DataFrame:
        if self._panel is None:
            from griparm_econ.panel import load_panel

            self._panel = load_panel(self.settings)
        return self._panel

    @property
    def aggregates(self) -> pd.DataFrame:
        if self._aggregates is None:
            from griparm_econ.panel import read_aggregates

            self._aggregates = read_aggregates(self.settings)
        return self._aggregates

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
        path = table_record(self.out_dir, stem)
        if not path.is_file():
            raise SpecError(f"the figure reads the estimates of table '{stem}', which have not been written.",
                            where=loaded.path, field=field,
                            fix=f"name a table spec of specs/ (e.g. {stem}.toml) and run it first "
                                "(`griparm tables` runs tables before figures).")
        return json.loads(path.read_text(encoding="utf-8"))


def events_path(settings: Settings) -> Path:
    from griparm_econ.sources.restrictions import EVENTS_FILE, FOLDER

    folder = settings.source_dir(FOLDER)
    if folder is None:
        raise DataError("the export-restriction events file is needed for the timeline figure, but no data "
                        "directory is set.", where="GRIPARM_DATA", field="restrictions/" + EVENTS_FILE,
                        fix="set GRIPARM_DATA (or --data DIR) to a folder with restrictions/ (see docs/data.md).")
    return folder / EVENTS_FILE


def countries_frame(ctx: FigureContext, countries: Sequence[str], variables: Sequence[str],
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


def model_entry(estimates: dict, name: str, loaded: LoadedSpec, field: str) -> dict:
    for model in estimates["models"]:
        if model["name"] == name:
            return model
    names = ", ".join(m["name"] for m in estimates["models"])
    raise SpecError(f"table '{estimates.get('stem')}' has no model named {name!r}.", where=loaded.path, field=field,
                    fix=f"use one of: {names}.")


def moderator_lag(interaction: str, moderator: str, loaded: LoadedSpec) -> int:
    """Periods by which the moderator is lagged in the interaction term (negative for a lead)."""
    from griparm_econ.spec.formula import FormulaError, parse_formula

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


def without_lags(term: str) -> str:
    """A term with its time-series operators removed (``L2.x:L2.z`` -> ``x:z``), to spot the same term at another lag."""
    return ":".join(re.sub(r"^[LFD]\d*\.", "", part) for part in term.split(":"))


def coefficient_rows(tables: Sequence[tuple[str, dict]], terms: Sequence[str], crit: float,
                     scale_of: Callable[[dict], float | None]) -> tuple[list[dict], list[str]]:
    """The rows of the coefficient figure (one per table, model and plotted term), and one phrase for each model
    that has none of the terms, saying why it is not shown (``scale_of(model)`` is None when a model cannot be
    rescaled; it is then plotted unscaled)."""
    rows, omitted = [], []
    wanted = {without_lags(term) for term in terms}
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
            relagged = [term_label(p, labels) for p in model["params"] if without_lags(p) in wanted]
            why = (f"its terms enter at another lag than the panels show (e.g. {relagged[0]})" if relagged
                   else "it has none of the plotted terms")
            omitted.append(f"{group} ({position}) {model['name']}: {why}")
    return rows, omitted


def moderator_term(interaction: str, moderator: str) -> str:
    """The factor of the interaction that is the moderator, as a column name (e.g. ``L.state_capacity``)."""
    from griparm_econ.spec.formula import parse_formula

    for factor in parse_formula(f"y ~ {interaction}").exog[0].factors:
        if factor.variable == moderator:
            return factor.name
    raise SpecError(f"the moderator '{moderator}' is not a factor of '{interaction}'.", field="moderator",
                    fix="name the variable the interaction multiplies by.")


def annual_share_frame(ctx: FigureContext, spec, *, rest_label: str) -> pd.DataFrame:
    """Each group's share of the world total per measure and year (columns panel, year, group, share), within the
    figure's years."""
    from griparm_econ.estimation.frames import share_groups
    from griparm_econ.estimation.shares import Measure, annual_shares
    aggregates = ctx.aggregates
    groups = share_groups(spec.group)
    frames = [annual_shares(ctx.panel, aggregates, groups, Measure(m.name, m.variable, m.world),
                            rest_label=rest_label) for m in spec.measure]
    annual = pd.concat(frames, ignore_index=True).rename(columns={"measure": "panel"})
    if spec.years:
        annual = annual[annual["year"].between(*spec.years)]
    return annual


def share_group_names(spec) -> list[str]:
    from griparm_econ.estimation.frames import share_groups

    return [g.name for g in share_groups(spec.group)]
