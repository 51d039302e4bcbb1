"""Estimator dispatch: one design + one model configuration -> one :class:`ModelResult`.

Each estimator name of the spec vocabulary (``griparm_econ.spec.vocabulary.ESTIMATORS``, which says what each can do)
maps to its engine in :data:`ENGINES`: the linearmodels fits here, or the maximum-likelihood fits of
:mod:`.nonlinear`. The covariance comes from :mod:`.covariance`, so this module only fits and reduces the fit to
plain numbers. linearmodels is imported lazily so that ``griparm check`` stays fast.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.estimation.degenerate import refuse_collinear, refuse_outcome_problems
from griparm_econ.estimation.covariance import CovPlan, plan_covariance, pvalue_df
from griparm_econ.estimation.model_bootstrap import bootstrap_settings, wild_bootstrap
from griparm_econ.estimation.model_tests import first_stage_tests, hausman_test, slopes_test
from griparm_econ.estimation.results import ModelResult
from griparm_econ.spec.vocabulary import ESTIMATORS

if TYPE_CHECKING:
    from griparm_econ.estimation.design import Design
    from griparm_econ.spec import ModelConfig


def _panel_model(config: "ModelConfig", design: "Design"):
    from linearmodels import BetweenOLS, PanelOLS, PooledOLS, RandomEffects

    y, x, w = design.y, design.exog, design.weights
    if config.estimator == "panel_ols":
        return PanelOLS(y, x, weights=w, entity_effects="entity" in config.effects,
                        time_effects="time" in config.effects, check_rank=False)
    # first_difference: the design holds calendar first differences already (design.build_design), so the model
    # is pooled OLS on them without a constant, i.e. `regress D.y D.x, nocons`.
    cls = {"random_effects": RandomEffects, "between_ols": BetweenOLS, "first_difference": PooledOLS,
           "pooled_ols": PooledOLS}[config.estimator]
    return cls(y, x, weights=w, check_rank=False)


def _absorbed_names(message: str, candidates: tuple[str, ...]) -> list[str]:
    rows = [line.strip() for line in message.splitlines() if line.startswith(" " * 10)]
    names = [part.strip() for row in rows for part in row.split(",")]
    return [n for n in names if n in candidates] or names


def absorbed_by_effects(config: "ModelConfig", design: "Design") -> list[str]:
    """Regressors that do not vary within the groups of one absorbed effect (checked before fitting, so the
    message names the variable itself rather than a collinear combination)."""
    absorbed = []
    for name in design.exog.columns:
        if name == "Intercept":
            continue
        values = design.exog[name].to_numpy()
        scale = max(float(np.max(np.abs(values))), 1.0)
        for dim in config.effects:
            codes = design.cluster_codes(dim)
            means = np.bincount(codes, weights=values) / np.bincount(codes)
            if np.max(np.abs(values - means[codes])) <= 1e-10 * scale:
                absorbed.append(name)
                break
    return absorbed


def _absorbed_error(names: list[str], config: "ModelConfig", where: str, field: str) -> SpecError:
    return SpecError(f"{', '.join(names) or 'a regressor'} is fully absorbed by the "
                     f"{' and '.join(config.effects)} fixed effects (it does not vary within them in this sample).",
                     where=where, field=f"{field}.formula: {', '.join(names)}",
                     fix="drop it from the formula or remove the effect that absorbs it.")


def _fit(config: "ModelConfig", design: "Design", plan: CovPlan, where: str, field: str):
    from linearmodels.iv import IV2SLS
    from linearmodels.panel.utility import AbsorbingEffectError

    kwargs = dict(plan.fit_kwargs)
    refuse_outcome_problems(config, design, where=where, field=field)
    if config.effects:
        absorbed = absorbed_by_effects(config, design)
        if absorbed:
            raise _absorbed_error(absorbed, config, where, field)
    refuse_collinear(config, design, where=where, field=field)
    for dim in plan.clusters:
        if design.n_groups(dim) < 2:
            label = design.entity_label if dim == "entity" else design.time_label
            raise SpecError(f"the estimation sample has a single {label.lower()}, so standard errors clustered by "
                            f"{label.lower()} cannot be computed.", where=where, field=f"{field}.cov",
                            fix="cluster by a dimension with several levels in this sample, use cov = \"robust\", "
                                "or widen the sample.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if config.estimator in ("ols", "iv2sls"):
                if plan.clusters:
                    codes = np.column_stack([design.cluster_codes(dim) for dim in plan.clusters])
                    kwargs["clusters"] = codes[:, 0] if codes.shape[1] == 1 else codes
                model = IV2SLS(design.y, design.exog, design.endog, design.instruments, weights=design.weights)
                return model.fit(**kwargs)
            model = _panel_model(config, design)
            if config.estimator == "between_ols":
                kwargs["reweight"] = config.between_wls
            return model.fit(**kwargs)
    except AbsorbingEffectError as err:
        names = _absorbed_names(str(err), tuple(design.exog.columns))
        raise _absorbed_error(names, config, where, field) from None
    except np.linalg.LinAlgError as err:
        raise SpecError(f"the regressors are perfectly collinear ({err}).", where=where, field=f"{field}.formula",
                        fix="drop one of the collinear terms.") from None
    except ValueError as err:
        raise SpecError(f"linearmodels cannot estimate this model: {err}", where=where, field=field,
                        fix="check the estimator, cov and formula against docs/specs.md.") from None


def _named(values, names: list[str]) -> dict[str, float]:
    return {name: float(v) for name, v in zip(names, np.asarray(values, dtype=float).ravel())}


def _maybe(res, attr: str) -> float | None:
    try:
        value = getattr(res, attr)
    except Exception:   # linearmodels raises for statistics a model does not define
        return None
    if value is None:
        return None
    value = float(value)
    return None if not np.isfinite(value) else value


def _rsquared_within(res, config: "ModelConfig") -> float | None:
    """The within R-squared as fixest defines it: the R-squared of the model on data demeaned by every absorbed
    effect. linearmodels' ``rsquared_within`` removes only the entity effects; with absorbed effects its
    ``rsquared`` is the R-squared of the fully demeaned (weighted) model, i.e. fixest's within R-squared."""
    if config.estimator == "panel_ols" and config.effects:
        return _maybe(res, "rsquared")
    return _maybe(res, "rsquared_within")


def fit_model(config: "ModelConfig", design: "Design", *, where: str, field: str | None = None) -> ModelResult:
    """Fit one model on its design with its estimator's engine and reduce it to a :class:`ModelResult`."""
    return ENGINES[config.estimator](config, design, where=where, field=field or f"model (name = {config.name!r})")


def _fit_nonlinear(config: "ModelConfig", design: "Design", *, where: str, field: str) -> ModelResult:
    from griparm_econ.estimation.nonlinear import fit_nonlinear

    return fit_nonlinear(config, design, where=where, field=field)


def _fit_linear(config: "ModelConfig", design: "Design", *, where: str, field: str) -> ModelResult:
    """The linearmodels estimators, with Stata's small-sample conventions."""
    from scipy import stats

    info = ESTIMATORS[config.estimator]
    plan = plan_covariance(config.cov, config.estimator, config.small_sample, bandwidth=config.bandwidth,
                           n_periods=design.n_periods, panel_api=info.panel)
    res = _fit(config, design, plan, where, field)

    names = list(res.params.index)
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov, dtype=float)
    nobs = int(res.nobs)
    clusters_by_dim = {dim: design.n_groups(dim) for dim in plan.clusters}
    n_clusters = min(clusters_by_dim.values()) if clusters_by_dim else None
    if plan.stata_k_for_effects and config.effects:
        # linearmodels used K = the regressors it was given; Stata's K (as reghdfe's and fixest's) adds the absorbed
        # constant and the levels of effects not nested in the clusters.
        k_given = len(names)
        k_stata = plan.ssc.k(sum(1 for n in names if n != "Intercept"),
                             {dim: design.n_groups(dim) for dim in config.effects},
                             {dim: dim in plan.clusters for dim in config.effects})
        if plan.rescale_min_g and n_clusters:
            cov = cov * plan.ssc.factor("cluster", nobs, k_stata, n_clusters)
        else:
            cov = plan.ssc.recount_k(cov, nobs, k_given, k_stata)
    elif plan.rescale_min_g and n_clusters:
        cov = cov * plan.ssc.factor("cluster", nobs, len(names), n_clusters)
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstats = params / se
    df_resid = int(res.df_resid) if getattr(res, "df_resid", None) is not None else None
    df = pvalue_df(plan, df_resid=df_resid, n_clusters=n_clusters, n_periods=design.n_periods,
                   estimator=config.estimator)
    pvalues = 2 * (stats.norm.sf(np.abs(tstats)) if df is None else stats.t.sf(np.abs(tstats), df))

    panel_fit = info.panel
    r2 = _maybe(res, "rsquared")
    result_stats: dict[str, float] = {}
    slopes = slopes_test(config.estimator, params, cov, names, df)
    tests = () if slopes is None else (slopes,)
    if info.panel is False and design.endog is not None:
        tests += first_stage_tests(res)
    if config.estimator == "random_effects":
        theta = np.asarray(res.theta, dtype=float).ravel()
        if theta.size:
            result_stats["theta_mean"] = float(np.mean(theta))
        variance = res.variance_decomposition
        result_stats["sigma_u"] = float(np.sqrt(variance["Effects"]))
        result_stats["sigma_e"] = float(np.sqrt(variance["Residual"]))

    notes = list(design.notes)
    ever_treated = _ever_treated_clusters(config, design, plan.clusters)
    if ever_treated and config.estimator == "first_difference":
        notes.append(f"Clusters ever treated in {config.name}: counted on the treatment in levels, before "
                     "differencing (a cluster counts when the treatment is 1 in either year of one of its "
                     "differences).")
    if config.hausman:
        tests += (hausman_test(design, config),)
    bootstrap: dict[str, dict] = {}
    settings: dict[str, object] = {}
    if config.bootstrap is not None:
        bootstrap = wild_bootstrap(config, design, params=_named(params, names), where=where,
                                   field=field or f"model (name = {config.name!r})")
        settings = bootstrap_settings(config)
    return ModelResult(
        name=config.name,
        estimator=config.estimator,
        dependent=config.parsed.dependent.name,
        formula=config.formula,
        cov=config.cov,
        cov_label=plan.label(design.entity_label, design.time_label),
        nobs=design.nobs if config.estimator == "between_ols" else nobs,
        params=_named(params, names),
        std_errors=_named(se, names),
        pvalues=_named(pvalues, names),
        tstats=_named(tstats, names),
        cov_matrix={r: {c: float(cov[i, j]) for j, c in enumerate(names)} for i, r in enumerate(names)},
        df_resid=df_resid,
        df_pvalues=df,
        rsquared=r2,
        rsquared_within=_rsquared_within(res, config) if panel_fit else None,
        rsquared_between=_maybe(res, "rsquared_between") if panel_fit else None,
        rsquared_overall=_maybe(res, "rsquared_overall") if panel_fit else None,
        n_entities=design.n_entities,
        n_clusters=n_clusters,
        clusters_by_dim=clusters_by_dim,
        effects=tuple(config.effects),
        entity_label=design.entity_label,
        time_label=design.time_label,
        n_singletons_dropped=design.n_singletons,
        sample_description=design.sample_description,
        years=design.years,
        instruments=tuple(t.name for t in config.parsed.instruments),
        endogenous=tuple(t.name for t in config.parsed.endog),
        stats=result_stats,
        tests=tests,
        bootstrap=bootstrap,
        bootstrap_settings=settings,
        ever_treated_clusters=ever_treated,
        n_outside_valid_range=design.n_outside_valid_range,
        outside_valid_range=tuple(value.as_dict() for value in design.outside_valid_range),
        notes=tuple(notes),
    )


# The one place an estimator name meets its engine: every name of the spec vocabulary
# (griparm_econ.spec.vocabulary.ESTIMATORS) has exactly one engine here (tests/test_vocabulary.py).
ENGINES = {
    "panel_ols": _fit_linear, "random_effects": _fit_linear, "between_ols": _fit_linear,
    "first_difference": _fit_linear, "pooled_ols": _fit_linear, "iv2sls": _fit_linear, "ols": _fit_linear,
    "ppml": _fit_nonlinear, "logit": _fit_nonlinear, "cloglog": _fit_nonlinear,
}


def _ever_treated_clusters(config: "ModelConfig", design: "Design", clusters: tuple[str, ...]) -> dict:
    """For each binary (0/1) regressor of a clustered model: how many clusters have it at 1 somewhere in the sample.
    Interactions are not treatments of their own and are skipped. Under first differences the regressor is read in
    levels (a cluster whose treatment is 1 in either year of one of its differences), not its changes (-1, 0, 1)."""
    if not clusters:
        return {}
    out: dict[str, dict[str, int]] = {}
    for term in config.parsed.exog:
        if len(term.factors) != 1 or term.name not in design.exog.columns:
            continue
        values = design.levels.get(term.name, design.exog[term.name].to_numpy(dtype=float))
        if not np.isin(values, (0.0, 1.0)).all() or values.min() == values.max():
            continue
        out[term.name] = {dim: int(np.unique(design.cluster_codes(dim)[values == 1.0]).size) for dim in clusters}
    return out


def linearmodels_fit(config: "ModelConfig", design: "Design", *, where: str, field: str | None = None):
    """linearmodels' own result object for one model (the fit that :func:`fit_model` reduces to plain numbers), for
    users who want its summary or methods. Its covariance is linearmodels' own: where :func:`fit_model` applies
    Stata's small-sample convention for absorbed effects, the reported standard errors differ by that factor."""
    info = ESTIMATORS[config.estimator]
    if info.likelihood:   # not a linearmodels model: the fitting library's own result (estimation.nonlinear)
        from griparm_econ.estimation.nonlinear import library_fit

        return library_fit(config, design, where=where, field=field or f"model (name = {config.name!r})")
    plan = plan_covariance(config.cov, config.estimator, config.small_sample, bandwidth=config.bandwidth,
                           n_periods=design.n_periods, panel_api=info.panel)
    return _fit(config, design, plan, where, field or f"model (name = {config.name!r})")
