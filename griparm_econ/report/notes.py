"""The prose under a table: every note sentence a table prints is composed here, from the facts estimation returns.

Estimation code returns numbers and settings (singletons dropped, the named sample's description, the bootstrap's
settings, the Hausman statistic); this module turns them into sentences, in one fixed order a reader can rely on:

1. sample     what rows were used (restrictions, each column's years and entities, singletons dropped);
2. estimation how the coefficients were computed;
3. inference  how uncertainty was measured (bootstrap, the F statistic, tests);
4. others     notes the models carry that no rule above composed, then the spec's own notes, as the author wrote them.

Every sentence ends with a full stop, and every term is printed by its label (:mod:`griparm_econ.labels`).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from griparm_econ.estimation.results import ModelResult
from griparm_econ.labels import counted, plural, term_label, time_unit
from griparm_econ.spec.vocabulary import capable

SECTIONS = ("sample", "estimation", "inference", "others")


def sentence(text: str) -> str:
    """``text`` as a note sentence: stripped, first letter kept, ending in a full stop (or ? !)."""
    text = text.strip()
    if text and text[-1] not in ".?!":
        text += "."
    return text


def _unique(notes: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(sentence(note) for note in notes if note and note.strip()))


# ------------------------------------------------------------------------------------------------ sample

def restriction_text(sample, time_label: str = "Year") -> str:
    """What a ``[sample]`` table keeps, as a phrase ("years 1996-2025; only CHN, IDN"); "" when it keeps all."""
    if sample is None:
        return ""
    parts = []
    if sample.description:
        parts.append(sample.description)
    if sample.query:
        parts.append(f"rows where {sample.query}")
    if sample.years:
        first, last = sample.years
        parts.append(f"{time_unit(time_label)} {first}-{last}" if first != last
                     else f"{time_label.lower()} {first}")
    if sample.entities:
        parts.append(f"only {', '.join(sample.entities)}")
    if sample.exclude_entities:
        parts.append(f"excluding {', '.join(sample.exclude_entities)}")
    return "; ".join(parts)


def restriction_notes(sample, time_label: str = "Year") -> list[str]:
    """The file-level [sample] filters, stated so that a reader knows the sample was restricted."""
    text = restriction_text(sample, time_label)
    return [f"Sample restriction: {text}."] if text else []


def columns_text(numbers: Sequence[int]) -> str:
    """Column numbers as a table's notes name them: "(1)-(4), (6), (8)"; a run of three or more as a range."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"({run[0]})-({run[-1]})" if len(run) > 2 else ", ".join(f"({n})" for n in run)
                     for run in runs)


def by_columns(facts: Iterable[tuple[int, str]]) -> list[tuple[str, list[int]]]:
    """Facts (column number, text) grouped by text, in the order of each text's first column: a fact that holds
    for several columns is stated once, naming them."""
    groups: dict[str, list[int]] = {}
    for number, text in facts:
        if text:
            groups.setdefault(text, []).append(number)
    return list(groups.items())


def per_columns(groups: Sequence[tuple[str, list[int]]], *, fact_first: bool = False) -> str:
    """"(1)-(4) <fact>; (5) <fact>" (or "<fact> in (1)-(4); ..." with ``fact_first``)."""
    return "; ".join(f"{text} in {columns_text(numbers)}" if fact_first else f"{columns_text(numbers)} {text}"
                     for text, numbers in groups)


def _coverage(model: ModelResult, described: str = "; ") -> str:
    parts = []
    if model.years:
        first, last = model.years
        # A named sample's description that already gives its years ("2017-2022, the years of ...") is not followed
        # by the same years again.
        if (f"{first}-{last}" if first != last else str(first)) not in model.sample_description:
                parts.append(f"{time_unit(model.time_label)} {first}-{last}" if first != last
                         else f"{model.time_label.lower()} {first}")
    if model.n_entities is not None:
        parts.append(counted(model.n_entities, model.entity_label.lower()))
    if not parts:
        parts.append(counted(model.nobs, "observation"))
    text = ", ".join(parts)
    return f"{model.sample_description}{described}{text}" if model.sample_description else text


def coverage_notes(models: Sequence[ModelResult]) -> list[str]:
    """The columns' samples (named sample, years and entities) in one sentence: "Sample: ..." when every column
    shares it, else "Samples: (1)-(4) ...; (5) ..." naming the columns of each."""
    described = [_coverage(model) for model in models]
    if not described:
        return []
    if len(set(described)) == 1:
        return [f"Sample: {described[0]}."]
    groups = by_columns((number, _coverage(model, ": ")) for number, model in enumerate(models, start=1))
    return [f"Samples: {per_columns(groups)}."]


def singleton_notes(numbered: Iterable[tuple[int, ModelResult]]) -> list[str]:
    """One sentence for the singletons every column dropped: "Singleton countries (one observation each) dropped:
    3 in (1)-(4); 2 in (5)." (none when no column dropped any)."""
    numbered = [(number, model) for number, model in numbered if model.n_singletons_dropped]
    if not numbered:
        return []
    groups = by_columns((number, f"{model.n_singletons_dropped:,}") for number, model in numbered)
    each = "one observation" if all(model.n_singletons_dropped == 1 for _, model in numbered) \
        else "one observation each"
    entities = plural(numbered[0][1].entity_label.lower())
    return [f"Singleton {entities} ({each}) dropped: {per_columns(groups, fact_first=True)}."]


def lost_values_notes(numbered: Iterable[tuple[int, ModelResult]]) -> list[str]:
    """One sentence for the observations columns lost to out-of-range values: the counts by column, grouped by the
    values behind them, each set of values listed once."""
    from griparm_econ.estimation.valid_range import describe

    numbered = [(number, model) for number, model in numbered if model.n_outside_valid_range]
    if not numbered:
        return []
    by_values: dict[str, list[tuple[int, str]]] = {}
    for number, model in numbered:
        by_values.setdefault(describe(model.outside_valid_range), []).append(
            (number, f"{model.n_outside_valid_range:,}"))
    parts = [" and ".join(f"{count} in {columns_text(numbers)}" for count, numbers in by_columns(facts))
             + (f" ({values})" if values else "") for values, facts in by_values.items()]
    many = sum(model.n_outside_valid_range for _, model in numbered) > 1
    # Under first differences a value enters two differences (its own year's and the next), so it can cost two rows.
    differenced = [number for number, model in numbered if capable(model.estimator, "differenced")
                   and model.n_outside_valid_range > len(model.outside_valid_range)]
    why = (f"; in first differences ({columns_text(differenced)}) a value enters its own year's and the following "
           "year's difference, and both are lost" if differenced else "")
    return [f"Observation{'s' if many else ''} dropped because a value lies outside its unit's valid range: "
            + "; ".join(parts) + why + "."]


# -------------------------------------------------------------------------------------------- inference

def bootstrap_note(settings: Mapping) -> str:
    """The wild cluster bootstrap's method, from the settings a model records."""
    kind = "WCR, null imposed" if settings.get("impose_null") else "WCU, null not imposed"
    return (f"Bootstrap p-values and {float(settings['level']):.0%} intervals: wild cluster bootstrap ({kind}), "
            f"{str(settings['weights']).capitalize()} weights, B = {int(settings['B']):,} (all 2^G sign vectors when "
            f"fewer), seed {settings['seed']}; intervals by test inversion; symmetric p-values.")


def hausman_note(model: ModelResult) -> str:
    test = model.test("hausman")
    if test is None:
        return ""
    df = int(test.df)
    return (f"{model.name}: Hausman test of random against fixed {model.entity_label.lower()} effects on "
            f"{counted(df, 'common coefficient')}, conventional covariances (Stata's `hausman fe re`): "
            f"chi2({df}) = {test.statistic:.2f}, p = {test.pvalue:.3f}.")


def f_statistic_note(models: Sequence[ModelResult]) -> str:
    """What the "F statistic" row is: the test, and its degrees of freedom column by column."""
    groups: dict[str, list[int]] = {}
    for number, model in enumerate(models, start=1):
        test = model.test("f_stat")
        if test is None:
            continue
        q, denominator = test.df
        dist = f"F({q}, {denominator:,})" if denominator is not None else f"chi2({q})/{q} (large-sample)"
        groups.setdefault(dist, []).append(number)
    if not groups:
        return ""
    where = per_columns(list(groups.items()), fact_first=True)
    return ("F statistic: Wald test that all slope coefficients are zero, computed with each column's own "
            "covariance matrix (as Stata's model F), with the degrees of freedom of the column's t tests "
            f"(clusters less one when clustered): {where}.")


# -------------------------------------------------------------------------------------------- tables

def regression_notes(models: Sequence[ModelResult], *, restriction=None, spec_notes: Sequence[str] = ()) -> list[str]:
    """Every note of a regression table (after the star legend), in the order sample, estimation, inference,
    others."""
    time_label = models[0].time_label if models else "Year"
    sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
    sections["sample"] += restriction_notes(restriction, time_label)
    sections["sample"] += coverage_notes(models)
    sections["sample"] += singleton_notes(enumerate(models, start=1))
    sections["inference"].append(f_statistic_note(models))
    sections["inference"] += [bootstrap_note(model.bootstrap_settings) for model in models
                              if model.bootstrap_settings]
    sections["inference"] += [hausman_note(model) for model in models]
    sections["others"] += [note for model in models for note in model.notes]
    sections["others"] += list(spec_notes)
    return _unique([note for name in SECTIONS for note in sections[name]])


def robust_family_notes(result) -> list[str]:
    """The heterogeneity-robust families of the grid: their inference convention, and the cells where each does not
    apply, counted by reason."""
    from collections import Counter

    from griparm_econ.spec.multiverse_axes import MULTIVERSE_ESTIMATORS

    curve = getattr(result, "curve", None)
    estimators = curve["estimator"] if curve is not None and "estimator" in curve else ()
    used = [name for name in dict.fromkeys(estimators) if MULTIVERSE_ESTIMATORS[name].robust]
    skipped = Counter((estimator, reason) for _, estimator, reason in getattr(result, "not_applicable", ()))
    out = []
    for name in dict.fromkeys([*used, *(estimator for estimator, _ in skipped)]):
        family = MULTIVERSE_ESTIMATORS[name]
        reasons = "; ".join(f"{reason} ({count:,})" for (estimator, reason), count in sorted(skipped.items())
                            if estimator == name)
        out.append(f"{family.label}: one static ATT per model ({family.description}); inference: "
                   f"{family.inference}." + (f" Not applicable, not fitted: {reasons}." if reasons else ""))
    return out


def multiverse_notes(result) -> list[str]:
    """The notes of a multiverse's summary table: the grid, the focus coefficient, inference, the scale, then the
    spec's notes."""
    labels = dict(result.labels)
    focus = [term_label(variable, labels) for variable in result.focus_variables]
    focus_text = focus[0] if len(focus) == 1 else ", ".join(focus[:-1]) + f" or {focus[-1]}"
    counts = " x ".join(counted(n, word) for n, word in result.grid_counts)
    not_applicable = getattr(result, "not_applicable", ())
    cells = (f" of {result.n_models + len(not_applicable):,} cells (the robust families' cells where they do "
             "not apply are not fitted; see below)" if not_applicable else "")
    notes = [f"{result.n_models:,} models{cells}: {counts}.",
             f"Focus coefficient: {focus_text} (whichever the model's treatment set holds), lagged by the model's "
             f"lag length; expected sign {result.expected_sign}. Significance: p < 0.05 with each model's own "
             "standard errors.",
             "Standard errors and p-values follow fixest's small-sample conventions (clustered: G/(G-1) (N-1)/(N-K), "
             "t with G-1 degrees of freedom); singletons of the fixed effects are dropped."]
    if result.scale == "outcome_sd":
        where = restriction_text(result.restriction, result.time_label)
        notes.append("Scaled estimates (and the curve) are divided by the standard deviation of the outcome "
                     + (f"in the study sample ({where})" if where else "over all rows of the data")
                     + ", so outcomes in different units share one axis.")
    notes.extend(robust_family_notes(result))
    if result.collinear:
        shown = ", ".join(result.collinear[:10]) + (" ..." if len(result.collinear) > 10 else "")
        notes.append(f"{counted(len(result.collinear), 'model')} lost the focus coefficient as collinear: {shown}.")
    if result.outside_valid_range:
        from griparm_econ.estimation.valid_range import left_out_note

        notes.append(left_out_note(result.outside_valid_range, "Variables of the grid"))
    notes.extend(result.spec_notes)
    return _unique(notes)
