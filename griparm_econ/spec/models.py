"""Regression specs' models: every default resolved (model < ``[defaults]`` < built-in), every formula parsed, and
every combination the estimator cannot fit refused, reading what it can from the registry in :mod:`.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from griparm_econ.errors import SpecError
from griparm_econ.spec.checks import check_years
from griparm_econ.spec.formula import FormulaError, ParsedFormula, parse_formula
from griparm_econ.spec.schema import (SWITCH_OFF, BootstrapTable, ModelTable, RandomizationTable, RegressionSpec)
from griparm_econ.spec.suggest import did_you_mean as _suggest
from griparm_econ.spec.vocabulary import (BOOTSTRAP_COVS, COVARIANCES, DATA_SUFFIXES, ESTIMATOR_NAMES, ESTIMATORS,
                                          EstimatorInfo, estimators_computing, estimators_that)

BUILTIN_DEFAULTS: dict[str, Any] = {"effects": [], "cov": "unadjusted", "small_sample": "stata", "bandwidth": None,
                                    "weights": None, "sample": None, "drop_singletons": True, "between_wls": False,
                                    "hausman": False, "bootstrap": None, "bacon": False,
                                    "randomization_inference": None, "risk_set": None}


@dataclass(frozen=True)
class ModelConfig:
    """One model with every default resolved and its formula parsed: what estimation reads."""

    name: str
    formula: str
    parsed: ParsedFormula
    estimator: str
    effects: tuple[str, ...]
    cov: str
    small_sample: str
    bandwidth: int | None
    weights: str | None
    sample: str | None
    drop_singletons: bool
    between_wls: bool
    hausman: bool = False
    bootstrap: BootstrapTable | None = None
    bacon: bool | str = False
    randomization_inference: RandomizationTable | None = None
    risk_set: str | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        extra = (self.weights,) if self.weights else ()
        return tuple(dict.fromkeys(self.parsed.variables + extra))


def _model_field(index: int, model: ModelTable, key: str) -> str:
    return f"model[{index + 1}] (name = {model.name!r}).{key}"


def _resolve_model(index: int, table: ModelTable, spec: RegressionSpec, path: Path) -> ModelConfig:
    values: dict[str, Any] = {}
    for key, builtin in BUILTIN_DEFAULTS.items():
        own = getattr(table, key)
        inherited = getattr(spec.defaults, key)
        values[key] = own if own is not None else inherited if inherited is not None else builtin
        if key in SWITCH_OFF and values[key] is False:   # `key = false`: what [defaults] set is switched off
            values[key] = builtin
    estimator = table.estimator or spec.defaults.estimator
    if estimator is None:
        raise SpecError("the model has no estimator and [defaults] sets none.", where=path,
                        field=_model_field(index, table, "estimator"),
                        fix=f"add estimator = one of: {', '.join(ESTIMATOR_NAMES)}.")
    try:
        parsed = parse_formula(table.formula)
    except FormulaError as err:
        field = _model_field(index, table, "formula") + (f": {err.term}" if err.term else "")
        raise SpecError(err.problem, where=path, field=field, fix=err.fix) from None
    return ModelConfig(name=table.name, formula=parsed.text, parsed=parsed, estimator=estimator,
                       effects=tuple(dict.fromkeys(values["effects"])), cov=values["cov"],
                       small_sample=values["small_sample"], bandwidth=values["bandwidth"], weights=values["weights"],
                       sample=values["sample"], drop_singletons=values["drop_singletons"],
                       between_wls=values["between_wls"], hausman=values["hausman"], bootstrap=values["bootstrap"],
                       bacon=values["bacon"], randomization_inference=values["randomization_inference"],
                       risk_set=values["risk_set"])


def _check_model(index: int, table: ModelTable, model: ModelConfig, spec: RegressionSpec, path: Path) -> None:
    def fail(key: str, problem: str, fix: str) -> None:
        raise SpecError(problem, where=path, field=_model_field(index, table, key), fix=fix)

    info = ESTIMATORS[model.estimator]
    has_entity = spec.data is None or spec.data.entity is not None
    has_time = spec.data is None or spec.data.time is not None
    parsed = model.parsed
    if info.instruments and not parsed.is_iv:
        fail("formula", f"estimator {model.estimator} needs instruments, but the formula has no IV bracket.",
             "write the endogenous regressors and their instruments as y ~ 1 + x + [endogenous ~ instrument].")
    if parsed.is_iv and not info.instruments:
        fail("estimator", f"the formula has an IV bracket but the estimator is {model.estimator}.",
             f"use estimator = one of: {', '.join(estimators_that('instruments'))}, or remove the bracket.")
    if model.effects and not info.effects:
        fail("effects", f"{model.estimator} cannot absorb fixed effects.",
             f"use estimator = one of: {', '.join(estimators_that('effects'))} for fixed effects, or remove effects.")
    if parsed.constant and not info.constant:
        fail("formula", f"{model.estimator} has no constant (differencing removes it).",
             "remove '1 +' from the formula.")
    if info.panel and not (has_entity and has_time):
        fail("estimator", f"{model.estimator} needs a panel, but [data] sets no "
             f"{'entity' if not has_entity else 'time'}.",
             "set [data] entity and time, or use an estimator for cross-section data: "
             f"{', '.join(n for n, e in ESTIMATORS.items() if not e.panel)}.")
    for dim in ("entity", "time"):
        present = has_entity if dim == "entity" else has_time
        if not present and (dim in model.effects):
            fail("effects", f"{dim} effects need a {dim} index, but [data] sets no {dim}.",
                 f"set {dim} = \"<column>\" in [data], or remove \"{dim}\" from effects.")
    _check_estimator_options(model, info, fail, has_entity and has_time)
    option = COVARIANCES[model.cov]
    needed = set(option.clusters) | ({"entity", "time"} if option.needs_panel else set())
    for dim in sorted(needed):
        present = has_entity if dim == "entity" else has_time
        if not present:
            fail("cov", f"cov = \"{model.cov}\" needs a {dim} index, but [data] sets no {dim}.",
                 f"set {dim} = \"<column>\" in [data], or choose a cov that does not use the {dim}: "
                 f"{', '.join(k for k, o in COVARIANCES.items() if dim not in o.clusters and not o.needs_panel)}.")
    if parsed.uses_time_operators and not (has_entity and has_time):
        fail("formula", "lags, leads and differences (L., F., D.) need entity and time indexes.",
             "set entity and time in [data], or remove the time operators.")
    if model.bandwidth is not None and not option.kernel:
        kernels = [k for k, o in COVARIANCES.items() if o.kernel]
        fail("bandwidth", f"bandwidth is used only by cov = {', '.join(kernels)}, not \"{model.cov}\".",
             f"remove bandwidth, or set cov = \"{kernels[0]}\".")
    _check_cov(model, info, fail)
    if model.hausman and not info.hausman:
        fail("hausman", "the Hausman test compares random with fixed effects; it applies to "
             f"{', '.join(estimators_that('hausman'))} only.",
             f"remove hausman, or set estimator = \"{estimators_that('hausman')[0]}\".")
    if model.bootstrap is not None:
        _check_bootstrap(model, info, fail)
    _check_twfe_diagnostics(model, info, fail)
    if model.between_wls and not info.between_wls:
        fail("between_wls", f"between_wls applies to estimator {', '.join(estimators_that('between_wls'))} only.",
             "remove between_wls.")
    if model.sample is not None and model.sample not in spec.samples:
        known = ", ".join(spec.samples) or "(none defined)"
        fail("sample", f"the named sample '{model.sample}' is not defined{_suggest(model.sample, spec.samples)}.",
             f"define [samples.{model.sample}] or use one of: {known}.")


def _check_cov(model: ModelConfig, info: EstimatorInfo, fail) -> None:
    """The covariances the estimator computes (its registry entry's ``covs``)."""
    if model.cov in info.covs:
        return
    reason = f"; {info.cov_note}" if info.cov_note else ""
    fail("cov", f"{model.estimator} computes cov = {', '.join(info.covs)}, not \"{model.cov}\"{reason}.",
         f"set cov = one of: {', '.join(info.covs)}, or use an estimator that computes {model.cov}: "
         f"{', '.join(estimators_computing(model.cov))}.")


def _check_estimator_options(model: ModelConfig, info: EstimatorInfo, fail, panel: bool) -> None:
    """What the estimator's registry entry allows besides covariances (small-sample conventions, weights, a risk
    set)."""
    if info.likelihood:      # the likelihood engines refuse these first, before the clusters are looked at
        _check_cov(model, info, fail)
    if model.small_sample not in info.small_samples:
        fail("small_sample", f"{model.estimator} has the small-sample conventions {', '.join(info.small_samples)}, "
             f"not \"{model.small_sample}\".", f"set small_sample = one of: {', '.join(info.small_samples)}.")
    if not info.weights and model.weights is not None:
        fail("weights", f"{model.estimator} is fitted without weights here.", "remove weights from this model.")
    if model.risk_set is not None:
        if not info.binary:
            binary = ", ".join(estimators_that("binary"))
            fail("risk_set", f"risk_set applies to the binary hazard estimators ({binary}), not {model.estimator}.",
                 f"set estimator = one of: {binary}, or remove risk_set.")
        if not panel:
            fail("risk_set", "a risk set follows each entity over time, but [data] sets no entity or time.",
                 "set entity and time in [data], or remove risk_set.")


def _check_twfe_diagnostics(model: ModelConfig, info: EstimatorInfo, fail) -> None:
    """bacon and randomization_inference describe a two-way fixed-effects coefficient (issue 12)."""
    capable = " or ".join(estimators_that("twfe_diagnostics"))
    for key, asked in (("bacon", model.bacon), ("randomization_inference", model.randomization_inference)):
        if asked and (not info.twfe_diagnostics or sorted(model.effects) != ["entity", "time"]
                      or model.weights is not None):
            fail(key, f"{key} applies to two-way fixed-effects models ({capable} with entity and time effects, "
                 f"unweighted).", f"remove {key}, or set estimator = \"{estimators_that('twfe_diagnostics')[0]}\" "
                 "and effects = [\"entity\", \"time\"].")
    names = model.parsed.regressor_names
    for key, term in (("bacon", model.bacon if isinstance(model.bacon, str) else None),
                      ("randomization_inference.term",
                       model.randomization_inference.term if model.randomization_inference else None)):
        if term is not None and (term not in names or term == "Intercept"):
            fail(key, f"'{term}' is not a slope of the model{_suggest(term, names)}.",
                 "name the treatment term exactly as the formula writes it, e.g. \"L.x\".")


def _check_bootstrap(model: ModelConfig, info: EstimatorInfo, fail) -> None:
    if not info.bootstrap:
        fail("bootstrap", f"the wild cluster bootstrap is available for {', '.join(estimators_that('bootstrap'))}, "
             f"not {model.estimator}.", "remove bootstrap from this model, or change its estimator.")
    if not COVARIANCES[model.cov].bootstrap:
        fail("bootstrap", f"the wild cluster bootstrap needs errors clustered in one dimension, but cov = "
             f"\"{model.cov}\".", f"set cov = one of: {', '.join(BOOTSTRAP_COVS)}, or remove bootstrap.")
    if model.weights is not None or model.parsed.is_iv:
        fail("bootstrap", "the wild cluster bootstrap is implemented for unweighted least squares only.",
             "remove weights (or the IV bracket), or remove bootstrap.")
    if not model.effects and not model.parsed.constant:
        fail("bootstrap", "the bootstrap engine fits a model without fixed effects with a constant, but the "
             "formula has none.", "add '1 +' to the formula, or remove bootstrap.")
    names = model.parsed.regressor_names
    for term in model.bootstrap.terms:
        if term not in names or term == "Intercept":
            fail("bootstrap", f"bootstrap.terms names '{term}', which is not a slope of the model"
                 f"{_suggest(term, names)}.", "list coefficients exactly as the formula writes them, e.g. "
                 "\"L.x\" or \"L.x:L.z\".")


def _check_regression(spec: RegressionSpec, models: tuple[ModelConfig, ...], path: Path) -> None:
    names = [m.name for m in models]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"two models are named '{duplicates[0]}'.", where=path, field="model.name",
                        fix="give every [[model]] a different name (it heads the table column).")
    if spec.data is not None:
        suffix = Path(spec.data.path).suffix.lower()
        if suffix not in DATA_SUFFIXES:
            raise SpecError(f"cannot read '{spec.data.path}': unknown file type '{suffix}'.", where=path,
                            field="data.path", fix=f"use a {', '.join(DATA_SUFFIXES)} file.")
    for key, sample in [("sample", spec.sample)] + [(f"samples.{k}", v) for k, v in spec.samples.items()]:
        if sample is not None:
            check_years(sample.years, path, f"{key}.years")
    terms = {t for m in models for t in m.parsed.regressor_names}
    for key in ("order", "omit"):
        for term in getattr(spec, key) or ():
            if term not in terms:
                raise SpecError(f"'{term}' is not a coefficient of any model{_suggest(term, terms)}.", where=path,
                                field=key, fix=f"list only terms of the formulas: {', '.join(sorted(terms))}.")
            if key == "omit" and term in (spec.order or ()):
                raise SpecError(f"'{term}' is listed in both order and omit.", where=path, field="omit",
                                fix="list it in order to show it, or in omit to leave it out, not both.")
    labelled = {t for m in models for t in m.parsed.regressor_names} | {m.parsed.dependent.name for m in models}
    for term in spec.labels:
        if term not in labelled:
            raise SpecError(f"[labels] names '{term}', which is neither a coefficient nor a dependent variable of any "
                            f"model{_suggest(term, labelled)}.", where=path, field=f"labels.{term}",
                            fix="use a term exactly as the formulas write it (e.g. \"L.x\", \"x:z\"), or remove it.")
    if any(not 0 < s < 1 for s in spec.stars):
        raise SpecError("star levels must lie strictly between 0 and 1.", where=path, field="stars",
                        fix="write e.g. stars = [0.10, 0.05, 0.01].")



def resolve_regression(spec: RegressionSpec, path: Path) -> tuple[ModelConfig, ...]:
    """The models of a regression spec, resolved and checked (the ``regression`` kind's entry in :mod:`.kinds`)."""
    models = tuple(_resolve_model(i, table, spec, path) for i, table in enumerate(spec.model))
    for i, (table, model) in enumerate(zip(spec.model, models)):
        _check_model(i, table, model, spec, path)
    _check_regression(spec, models, path)
    return models
