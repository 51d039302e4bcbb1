"""The display grid of a regression table: coefficients with stars and standard errors, fixed-effect rows, the
statistics rows (observations, R-squared, clusters, bootstrap, test statistics) and the notes, one column per model.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from griparm_econ.estimation.results import ModelResult, TableResult
from griparm_econ.report.grid import Cell, Grid, Row, spanning_cells
from griparm_econ.labels import INTERCEPT, plural, term_label
from griparm_econ.report.notes import by_columns, columns_text, lost_values_notes, sentence, singleton_notes
from griparm_econ.report.number_text import format_count, format_number, significance_stars, star_legend
from griparm_econ.report.statistic_rows import statistic_rows
from griparm_econ.spec.vocabulary import ESTIMATORS, capable


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
    header = [Row("Dependent variable:", spanning_cells(dependent_labels), kind="header"),
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

    add("Estimator", [ESTIMATORS[m.estimator].label if m.estimator in ESTIMATORS else m.estimator
                      for m in models])
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
