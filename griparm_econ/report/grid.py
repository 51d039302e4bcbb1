"""The display grid: every number a table shows, formatted once, before any output format is chosen.

Each writer (LaTeX, HTML, Markdown, CSV, Word) only lays these cells out, so a coefficient cannot read 0.123 in
the PDF and 0.124 in the Word file. Cells hold plain Unicode text; escaping is the renderer's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from griparm_econ.estimation.results import ModelResult, TableResult
from griparm_econ.labels import INTERCEPT, plural, term_label
from griparm_econ.report.statistic_rows import statistic_rows
from griparm_econ.report.notes import by_columns, columns_text, lost_values_notes, sentence, singleton_notes
from griparm_econ.spec.vocabulary import capable


@dataclass(frozen=True)
class Cell:
    text: str = ""
    stars: str = ""          # significance marks, apart from the number so LaTeX/HTML/Word can superscript them
    span: int = 1            # header cells may span several data columns

    @property
    def display(self) -> str:
        return self.text + self.stars


@dataclass(frozen=True)
class Row:
    stub: str                      # the left-hand label ("" under a coefficient, for its standard error)
    cells: tuple[Cell, ...]        # spans add up to the number of data columns
    kind: str = "data"             # header | coef | se | stat | data | group (a panel title, no cells)
    describes: str = ""            # for rows with an empty stub: what the row is, for screen readers


@dataclass(frozen=True)
class Grid:
    stem: str
    title: str
    n_columns: int                         # data columns, not counting the stub
    header: tuple[Row, ...]
    panels: tuple[tuple[Row, ...], ...]    # body blocks, separated by a rule
    notes: tuple[str, ...] = ()
    provenance: str = ""                   # small last note: where the numbers came from

    def rows(self) -> Iterable[Row]:
        yield from self.header
        for panel in self.panels:
            yield from panel

    def expanded(self, row: Row) -> list[str]:
        """A row's cells one per data column, a spanning cell's text in its first column (for CSV/Markdown)."""
        out: list[str] = []
        for cell in row.cells:
            out.append(cell.display)
            out.extend([""] * (cell.span - 1))
        return out + [""] * (self.n_columns - len(out))


# --------------------------------------------------------------------------------------------------- numbers

def format_number(value: float | int | None, digits: int, *, thousands: bool = False) -> str:
    """Fixed decimals; blank for missing; never "-0.000" (a rounded zero carries no sign)."""
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    text = f"{number:{',' if thousands else ''}.{max(int(digits), 0)}f}"
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


def format_count(value: int | float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{int(round(float(value))):,}"


def significance_stars(pvalue: float | None, levels: Sequence[float]) -> str:
    """One star per level the p-value is strictly below: p = 0.05 earns the 10% star, not the 5% one."""
    if pvalue is None or not isinstance(pvalue, (int, float)) or math.isnan(pvalue):
        return ""
    return "*" * sum(1 for level in levels if pvalue < level)


def _level_text(level: float) -> str:
    for decimals in range(2, 8):
        if abs(round(level, decimals) - level) < 1e-12:
            return f"{level:.{decimals}f}"
    return repr(level)


def star_legend(levels: Sequence[float]) -> str:
    ordered = sorted(set(levels), reverse=True)
    return ", ".join(f"{'*' * (i + 1)} p<{_level_text(level)}" for i, level in enumerate(ordered))


# --------------------------------------------------------------------------------------------- regressions

_ESTIMATOR_LABELS = {
    "panel_ols": "Panel OLS",
    "random_effects": "Random effects",
    "between_ols": "Between",
    "first_difference": "First difference",
    "pooled_ols": "Pooled OLS",
    "iv2sls": "2SLS",
    "ols": "OLS",
    "ppml": "PPML",
    "logit": "Logit",
    "cloglog": "Complementary log-log",
}

def _ordered_terms(table: TableResult) -> list[str]:
    seen: list[str] = []
    for model in table.models:
        for term in model.params:
            if term not in seen:
                seen.append(term)
    if table.order is not None:
        # esttab's order(): terms no model has are skipped rather than printed as empty rows.
        return [term for term in table.order if term in seen]
    return [t for t in seen if t != INTERCEPT] + ([INTERCEPT] if INTERCEPT in seen else [])


def _spans(values: Sequence[str]) -> tuple[Cell, ...]:
    """Adjacent equal header texts merge into one spanning cell, as in a grouped header."""
    cells: list[Cell] = []
    for value in values:
        if cells and cells[-1].text == value and value:
            cells[-1] = Cell(value, span=cells[-1].span + 1)
        else:
            cells.append(Cell(value))
    return tuple(cells)


def _effect_label(effect: str, models: Sequence[ModelResult]) -> str:
    for model in models:
        if effect == "entity":
            return f"{model.entity_label} FE"
        if effect == "time":
            return f"{model.time_label} FE"
    return f"{effect.replace('_', ' ').capitalize()} FE"


def _effect_cell(effect: str, model: ModelResult) -> str:
    if effect in model.effects:
        return "Yes"
    if effect == "entity" and capable(model.estimator, "differenced"):
        return "Differenced out"     # first differences remove the entity effects rather than estimate them
    return "No"


def _cluster_dims(model: ModelResult) -> dict[str, int]:
    if model.clusters_by_dim:
        return {str(k): int(v) for k, v in model.clusters_by_dim.items()}
    if model.n_clusters is not None:
        return {"": int(model.n_clusters)}
    return {}


def _dim_label(dim: str, models: Sequence[ModelResult]) -> str:
    first = models[0]
    if dim == "entity":
        return first.entity_label
    if dim == "time":
        return first.time_label
    return dim.replace("_", " ")


def _model_notes(table: TableResult) -> list[str]:
    """The models' own notes, each stated once naming its columns ("(1), (4) ..."); then the singletons and the
    out-of-range observations the columns dropped, one sentence each (:mod:`griparm_econ.report.notes`).

    Notes the table already carries (the runner copies model notes into the table notes) are not repeated.
    """
    already = {sentence(text) for text in table.notes}
    mentions_singletons = any("singleton" in text.lower() for text in table.notes)
    facts: list[tuple[int, str]] = []
    unnoted_singletons = []
    for number, model in enumerate(table.models, start=1):
        texts = [sentence(text) for text in model.notes if sentence(text) not in already]
        if not (mentions_singletons or any("singleton" in text.lower() for text in model.notes)):
            unnoted_singletons.append((number, model))
        if model.endogenous or model.instruments:
            endogenous = ", ".join(term_label(t, table.labels) for t in model.endogenous)
            instruments = ", ".join(term_label(t, table.labels) for t in model.instruments)
            texts.append(f"Instrumented: {endogenous}; instruments: {instruments}.")
        facts.extend((number, text) for text in texts)
    return ([f"{columns_text(numbers)} {text}" for text, numbers in by_columns(facts)]
            + singleton_notes(unnoted_singletons) + lost_values_notes(enumerate(table.models, start=1)))


def _interval(draws: Mapping[str, float], digits: int) -> str:
    low, high = format_number(draws.get("ci_low"), digits), format_number(draws.get("ci_high"), digits)
    return f"[{low}, {high}]" if low and high else ""


def _year_span(years: tuple[int, int] | None) -> str:
    if not years:
        return ""
    first, last = years
    return str(first) if first == last else f"{first}–{last}"


def build_regression_grid(table: TableResult) -> Grid:
    models = table.models
    n = len(models)
    digits = table.digits
    labels = table.labels

    dependent_labels = [term_label(model.dependent, labels) for model in models]
    header = [Row("Dependent variable:", _spans(dependent_labels), kind="header"),
              Row("", tuple(Cell(f"({i})") for i in range(1, n + 1)), kind="header")]
    if any(model.name for model in models):
        header.append(Row("", tuple(Cell(model.name) for model in models), kind="header"))

    coefficient_rows: list[Row] = []
    for term in _ordered_terms(table):
        label = term_label(term, labels)
        coefs, errors = [], []
        for model in models:
            if term not in model.params:
                coefs.append(Cell())
                errors.append(Cell())
                continue
            coefs.append(Cell(format_number(model.params[term], digits),
                              significance_stars(model.pvalues.get(term), table.star_levels)))
            error = format_number(model.std_errors.get(term), digits)
            errors.append(Cell(f"({error})" if error else ""))
        coefficient_rows.append(Row(label, tuple(coefs), kind="coef"))
        coefficient_rows.append(Row("", tuple(errors), kind="se", describes=f"{label}, standard error"))

    effects: list[str] = []
    for model in models:
        effects.extend(e for e in model.effects if e not in effects)
    effects.sort(key=lambda e: ({"entity": 0, "time": 1}.get(e, 2), e))
    effect_rows = [Row(_effect_label(effect, models),
                       tuple(Cell(_effect_cell(effect, model)) for model in models), kind="stat")
                   for effect in effects]

    stat_rows: list[Row] = []

    def add(label: str, values: Sequence[str]) -> None:
        if any(values):
            stat_rows.append(Row(label, tuple(Cell(v) for v in values), kind="stat"))

    add("Estimator", [_ESTIMATOR_LABELS.get(m.estimator, m.estimator) for m in models])
    add("Observations", [format_count(m.nobs) for m in models])
    # Models that absorb effects report the within R-squared, the one that means something after demeaning.
    within = [bool(m.effects) and m.rsquared_within is not None for m in models]
    add("R-squared", [format_number(m.rsquared, digits) if not w else "" for m, w in zip(models, within)])
    add("Within R-squared", [format_number(m.rsquared_within, digits) if w else "" for m, w in zip(models, within)])
    add(plural(models[0].entity_label) if models else "Entities", [format_count(m.n_entities) for m in models])
    add("Years", [_year_span(m.years) for m in models])
    dims: list[str] = []
    for model in models:
        dims.extend(d for d in _cluster_dims(model) if d not in dims)
    dims.sort(key=lambda d: ({"": 0, "entity": 1, "time": 2}.get(d, 3), d))
    for dim in dims:
        add("Clusters" if not dim else f"Clusters ({_dim_label(dim, models)})",
            [format_count(_cluster_dims(m).get(dim)) for m in models])
    treated: list[tuple[str, str]] = []
    for model in models:
        treated.extend(k for k in ((term, dim) for term, by_dim in model.ever_treated_clusters.items()
                                   for dim in by_dim) if k not in treated)
    for term, dim in treated:
        where = f" ({_dim_label(dim, models).lower()})" if len(dims) > 1 or dim != "entity" else ""
        add(f"Clusters ever treated{where}: {term_label(term, labels)}",
            [format_count(m.ever_treated_clusters.get(term, {}).get(dim)) for m in models])
    add("Standard errors", [m.cov_label for m in models])

    boot_terms: list[str] = []
    for term in _ordered_terms(table) + [t for m in models for t in m.bootstrap]:
        if term not in boot_terms and any(term in m.bootstrap for m in models):
            boot_terms.append(term)
    for term in boot_terms:
        add(f"Bootstrap p-value: {term_label(term, labels)}",
            [format_number(m.bootstrap.get(term, {}).get("pvalue"), digits) for m in models])
        add(f"Bootstrap CI: {term_label(term, labels)}",
            [_interval(m.bootstrap.get(term, {}), digits) for m in models])
    if boot_terms:
        add("Bootstrap replications",
            [format_count(next((v["B"] for v in m.bootstrap.values() if "B" in v), None)) for m in models])

    for label, count, values in statistic_rows(models, labels, models[0].entity_label if models else "Entity"):
        add(label, [(format_count if count else (lambda v: format_number(v, digits)))(v) for v in values])

    notes = [star_legend(table.star_levels), "Standard errors in parentheses."]
    if any(within):
        notes.append("Within R-squared: R-squared of the model on the data demeaned by every absorbed fixed effect "
                     "(as fixest's within R-squared).")
    notes.extend(sentence(note) for note in table.notes)
    notes.extend(_model_notes(table))
    provenance = (f"Spec {table.spec_path} (sha256 {table.spec_sha256[:12]}); "
                  f"data sha256 {table.data_sha256[:12]}.")
    panels = tuple(tuple(p) for p in (coefficient_rows, effect_rows, stat_rows) if p)
    return Grid(stem=table.stem, title=table.title, n_columns=n, header=tuple(header), panels=panels,
                notes=tuple(notes), provenance=provenance)


# ------------------------------------------------------------------------------------------ plain frames

def _frame_cell(value, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (int, np.integer)):
        return format_count(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(float(value)):
            return ""
        return format_number(float(value), digits, thousands=True)
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _digits_for(column, digits: int | Mapping) -> int:
    if isinstance(digits, Mapping):
        if column in digits:
            return int(digits[column])
        if isinstance(column, tuple) and column and column[-1] in digits:
            return int(digits[column[-1]])
        return 3
    return int(digits)


def build_frame_grid(frame: pd.DataFrame, *, stem: str, title: str, notes: Sequence[str] = (),
                     digits: int | Mapping = 3, index_label: str = "",
                     column_groups: Sequence[tuple[str, int]] | Mapping[str, Sequence] | None = None) -> Grid:
    """A descriptive table: rows are the frame's index, columns its columns.

    ``column_groups`` puts spanning headers over the columns: either ``[(label, span), ...]`` left to right or
    ``{label: [columns...]}`` (the columns must be adjacent). A two-level column MultiIndex groups by its first level.
    """
    columns = list(frame.columns)
    n = len(columns)
    header: list[Row] = []
    if isinstance(frame.columns, pd.MultiIndex):
        if frame.columns.nlevels != 2:
            raise ValueError(f"{stem}: only one or two column levels can be shown, not {frame.columns.nlevels}")
        header.append(Row("", _spans([str(c[0]) for c in columns]), kind="header"))
        names = [str(c[1]) for c in columns]
    else:
        names = [str(c) for c in columns]
        if column_groups is not None:
            if isinstance(column_groups, Mapping):
                owner = {}
                for label, members in column_groups.items():
                    for member in members:
                        owner[member] = str(label)
                group_texts = [owner.get(c, "") for c in columns]
                header.append(Row("", _spans(group_texts), kind="header"))
            else:
                cells = [Cell(str(label), span=int(span)) for label, span in column_groups]
                covered = sum(cell.span for cell in cells)
                if covered > n:
                    raise ValueError(f"{stem}: column groups span {covered} columns but the frame has {n}")
                cells.extend(Cell() for _ in range(n - covered))
                header.append(Row("", tuple(cells), kind="header"))
    grouped = isinstance(frame.index, pd.MultiIndex) and frame.index.nlevels == 2
    if not index_label:
        index_names = [str(name) for name in frame.index.names[1 if grouped else 0:] if name is not None]
        index_label = ", ".join(index_names)
    header.append(Row(index_label, tuple(Cell(name) for name in names), kind="header"))

    # A two-level row index becomes panels: one titled block per first-level value, rows named by the second.
    panels: dict[str, list[Row]] = {}
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None)):
        if grouped:
            group, stub = str(label[0]), str(label[1])
        else:
            group = ""
            stub = ", ".join(str(part) for part in label) if isinstance(label, tuple) else str(label)
        cells = tuple(Cell(_frame_cell(value, _digits_for(column, digits))) for column, value in zip(columns, values))
        if group not in panels:
            panels[group] = [Row(group, (), kind="group")] if grouped else []
        panels[group].append(Row(stub, cells, kind="data"))
    return Grid(stem=stem, title=title, n_columns=n, header=tuple(header),
                panels=tuple(tuple(rows) for rows in panels.values()), notes=tuple(sentence(n) for n in notes))
