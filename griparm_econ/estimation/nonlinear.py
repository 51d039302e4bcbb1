"""Maximum-likelihood estimators a spec can name: Poisson PML with absorbed fixed effects, and binary logit and
complementary log-log (discrete-time hazards when the model sets ``risk_set``).

The fit is delegated to well-kept libraries (pyfixest ``fepois`` for PPML, statsmodels ``Logit`` and ``GLM`` with the
binomial family and the cloglog link for the binary models). Each library is asked for the *unadjusted* sandwich, and
the one small-sample convention below is applied here, so every estimator reports what Stata's maximum-likelihood
commands report (``poisson``/``ppmlhdfe``, ``logit``, ``cloglog`` with ``vce(robust)`` or ``vce(cluster)``):

``small_sample = "stata"`` (default)
    robust: N/(N-1); clustered: G/(G-1); conventional (inverse information): no factor. No (N-1)/(N-K) term: Stata's
    ML commands do not apply one (this is also what ``tests/test_nonlinear.py`` checks against Stata's published
    runs shipped with statsmodels).
``small_sample = "none"``
    the raw sandwich; p-values from the normal distribution in both cases (z statistics, as Stata's ML commands).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from griparm_econ.errors import SpecError
from griparm_econ.estimation.results import ModelResult, TestStatistic
from griparm_econ.estimation.small_sample import LIKELIHOOD_CONVENTIONS
from griparm_econ.spec.vocabulary import cov_label

if TYPE_CHECKING:
    from griparm_econ.estimation.design import Design
    from griparm_econ.spec import ModelConfig

# What each of these estimators computes (ML_COVS, ML_SMALL_SAMPLE) is said by their entries in the registry
# griparm_econ.spec.vocabulary.ESTIMATORS, so spec validation refuses anything else in one place.


def _cluster_dim(cov: str) -> str | None:
    return cov.split(":", 1)[1] if cov.startswith("cluster:") else None


def _adjust(raw: np.ndarray, cov: str, small_sample: str, nobs: int, k: int, n_clusters: int | None) -> np.ndarray:
    ssc = LIKELIHOOD_CONVENTIONS[small_sample]
    if ssc is None or cov == "unadjusted":   # the inverse information is no sandwich: no factor
        return raw
    return ssc.scale(raw, "hetero" if cov == "robust" else "cluster", nobs, k, n_clusters)


def _refuse_bad_outcome(config: "ModelConfig", design: "Design", where: str, field: str) -> None:
    y = design.y.to_numpy(dtype=float)
    name = config.parsed.dependent.name
    if config.estimator == "ppml":
        if (y < 0).any():
            raise SpecError(f"ppml needs a non-negative outcome, but '{name}' has {int((y < 0).sum())} negative "
                            "values in the sample.", where=where, field=f"{field}.formula: {name}",
                            fix="use a level (trade values, counts), not a log, share change or difference.")
        if not (y > 0).any():
            raise SpecError(f"'{name}' is zero in every observation of the sample; ppml has nothing to fit.",
                            where=where, field=f"{field}.formula: {name}", fix="check the outcome and the sample.")
        return
    if not np.isin(y, (0.0, 1.0)).all():
        raise SpecError(f"{config.estimator} needs a 0/1 outcome, but '{name}' takes other values in the sample.",
                        where=where, field=f"{field}.formula: {name}",
                        fix="use a 0/1 indicator, or set risk_set = \"first_adoption\" to model the first year a "
                            "status variable turns positive.")
    if y.min() == y.max():
        raise SpecError(f"'{name}' is {int(y[0])} in every observation of the sample, so {config.estimator} has no "
                        "variation to fit.", where=where, field=f"{field}.formula: {name}",
                        fix="widen the sample or choose an outcome with both values.")


def _raw_design(design: "Design") -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = list(design.exog.columns)
    return design.y.to_numpy(dtype=float), design.exog.to_numpy(dtype=float), names


def _fit_binary(config: "ModelConfig", design: "Design"):
    import statsmodels.api as sm

    y, x, names = _raw_design(design)
    dim = _cluster_dim(config.cov)
    if dim is not None:
        cov_type, cov_kwds = "cluster", {"groups": design.cluster_codes(dim), "use_correction": False}
    elif config.cov == "robust":
        cov_type, cov_kwds = "HC0", {}
    else:
        cov_type, cov_kwds = "nonrobust", {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if config.estimator == "logit":
            res = sm.Logit(y, x).fit(disp=0, maxiter=200, cov_type=cov_type, cov_kwds=cov_kwds or None)
            converged = bool(res.mle_retvals.get("converged", True))
            llf, llnull = float(res.llf), float(res.llnull)
        else:
            family = sm.families.Binomial(link=sm.families.links.CLogLog())
            # Newton steps on the observed information, as Stata's cloglog (IRLS would use the expected one).
            res = sm.GLM(y, x, family=family).fit(method="newton", maxiter=200, disp=0, cov_type=cov_type,
                                                  cov_kwds=cov_kwds or None)
            converged = bool(getattr(res, "mle_retvals", {}).get("converged", True))
            llf, llnull = float(res.llf), float(res.llnull)
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    stats = {"loglik": llf, "pseudo_r2": 1.0 - llf / llnull, "events_count": float(y.sum())}
    return names, params, cov, int(len(y)), stats, converged, res


def _fit_ppml(config: "ModelConfig", design: "Design", where: str, field: str):
    try:
        import pyfixest as pf
    except ImportError:
        raise SpecError("estimator ppml needs the pyfixest package, which is not installed.", where=where,
                        field=f"{field}.estimator", fix="install it: .venv/bin/python -m pip install pyfixest") from None
    y, x, names = _raw_design(design)
    # pyfixest reads a formula: safe column names stand in for the spec's terms (which hold dots and colons).
    slopes = [n for n in names if n != "Intercept"]
    frame = pd.DataFrame({"y__": y, **{f"x{i}__": x[:, names.index(n)] for i, n in enumerate(slopes)}})
    for dim in ("entity", "time"):
        if dim in config.effects or _cluster_dim(config.cov) == dim:
            frame[f"{dim}__"] = design.cluster_codes(dim)
    rhs = " + ".join(f"x{i}__" for i in range(len(slopes))) or "1"
    fml = f"y__ ~ {rhs}"
    if config.effects:
        fml += " | " + " + ".join(f"{dim}__" for dim in config.effects)
    elif "Intercept" not in names:
        fml = f"y__ ~ -1 + {rhs}"
    dim = _cluster_dim(config.cov)
    vcov = {"CRV1": f"{dim}__"} if dim else "hetero" if config.cov == "robust" else "iid"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = pf.fepois(fml, data=frame, vcov=vcov, ssc=pf.ssc(k_adj=False, G_adj=False), fixef_rm="singleton")
        except Exception as err:   # pyfixest's own error, whatever its type, becomes one message
            raise SpecError(f"pyfixest cannot estimate this ppml model: {err}", where=where, field=field,
                            fix="check the formula, effects and cov against docs/specs.md.") from None
    coef = fit.coef()
    order = [f"x{i}__" for i in range(len(slopes))]
    kept_names = (["Intercept"] if "Intercept" in coef.index else []) + slopes
    index = (["Intercept"] if "Intercept" in coef.index else []) + order
    dropped = [slopes[order.index(c)] for c in order if c not in coef.index]
    if dropped:
        raise SpecError(f"{', '.join(dropped)} is collinear with the other regressors or absorbed by the fixed "
                        "effects in the ppml sample.", where=where, field=f"{field}.formula: {dropped[0]}",
                        fix="drop it from the formula or remove the effect that absorbs it.")
    position = {name: i for i, name in enumerate(coef.index)}
    pick = [position[c] for c in index]
    params = coef.to_numpy(dtype=float)[pick]
    cov = np.asarray(fit._vcov, dtype=float)[np.ix_(pick, pick)]
    nobs = int(fit._N)
    stats: dict[str, float] = {}
    loglik = getattr(fit, "_loglik", None)
    if loglik is not None and np.isfinite(loglik):
        stats["loglik"] = float(loglik)
    pseudo = getattr(fit, "_pseudo_r2", None)
    if pseudo is not None and np.isfinite(pseudo):
        stats["pseudo_r2"] = float(pseudo)
    dropped_rows = len(y) - nobs
    if dropped_rows:
        # rows in a fixed-effect group whose outcome is zero throughout carry no information (separation) and are
        # dropped, as fixest/ppmlhdfe drop them
        stats["separated_dropped_count"] = float(dropped_rows)
    # the rows pyfixest kept (its stored data keep the frame's row labels), for the cluster counts
    kept = np.zeros(len(y), dtype=bool)
    kept[np.asarray(fit._data.index, dtype=int)] = True
    return kept_names, params, cov, nobs, stats, bool(getattr(fit, "_convergence", True)), kept, fit


def fit_nonlinear(config: "ModelConfig", design: "Design", *, where: str, field: str) -> ModelResult:
    """Fit a ppml, logit or cloglog model on its design and reduce it to a :class:`ModelResult` (z p-values)."""
    from scipy import stats as sps

    _refuse_bad_outcome(config, design, where, field)
    dim = _cluster_dim(config.cov)
    if dim is not None and design.n_groups(dim) < 2:
        label = design.entity_label if dim == "entity" else design.time_label
        raise SpecError(f"the estimation sample has a single {label.lower()}, so standard errors clustered by "
                        f"{label.lower()} cannot be computed.", where=where, field=f"{field}.cov",
                        fix="cluster by a dimension with several levels in this sample, or use cov = \"robust\".")
    kept = np.ones(design.nobs, dtype=bool)
    try:
        if config.estimator == "ppml":
            names, params, raw, nobs, stats, converged, kept, _ = _fit_ppml(config, design, where, field)
        else:
            names, params, raw, nobs, stats, converged, _ = _fit_binary(config, design)
    except np.linalg.LinAlgError as err:
        raise SpecError(f"the regressors are perfectly collinear ({err}).", where=where, field=f"{field}.formula",
                        fix="drop one of the collinear terms.") from None
    except SpecError:
        raise
    except Exception as err:   # statsmodels' perfect-separation and singular-matrix errors, whatever their type
        raise SpecError(f"{config.estimator} cannot be estimated on this sample: {err}", where=where, field=field,
                        fix="check for a regressor that predicts the outcome perfectly or is constant.") from None
    if not converged or not np.all(np.isfinite(params)) or not np.all(np.isfinite(np.diag(raw))):
        raise SpecError(f"{config.estimator} did not converge (or its information matrix is singular) on this "
                        "sample.", where=where, field=field,
                        fix="check for a regressor that predicts the outcome perfectly (separation) or is constant.")
    codes = {d: values[kept] for d, values in (("entity", design.entity_codes), ("time", design.time_codes))
             if values is not None}
    clusters_by_dim = {dim: int(np.unique(codes[dim]).size)} if dim else {}
    n_clusters = clusters_by_dim.get(dim) if dim else None
    cov = _adjust(raw, config.cov, config.small_sample, nobs, len(names), n_clusters)
    se = np.sqrt(np.diag(cov))
    tstats = params / se
    pvalues = 2 * sps.norm.sf(np.abs(tstats))
    slopes = [i for i, n in enumerate(names) if n != "Intercept"]
    tests: tuple[TestStatistic, ...] = ()
    if slopes:
        b, v = params[slopes], cov[np.ix_(slopes, slopes)]
        try:
            wald = float(b @ np.linalg.solve(v, b))
            if np.isfinite(wald):
                tests = (TestStatistic("wald_chi2", wald, "chi2", df=len(slopes),
                                       pvalue=float(sps.chi2.sf(wald, len(slopes)))),)
        except np.linalg.LinAlgError:   # more slopes than clusters: no joint test, as Stata reports none
            pass
    entity_codes = codes.get("entity")
    label = cov_label(config.cov, design.entity_label, design.time_label, likelihood=True)
    named = lambda values: {n: float(v) for n, v in zip(names, values)}  # noqa: E731
    years = design.years
    return ModelResult(
        name=config.name, estimator=config.estimator, dependent=config.parsed.dependent.name, formula=config.formula,
        cov=config.cov, cov_label=label, nobs=nobs, params=named(params), std_errors=named(se),
        pvalues=named(pvalues), tstats=named(tstats),
        cov_matrix={r: {c: float(cov[i, j]) for j, c in enumerate(names)} for i, r in enumerate(names)},
        df_resid=None, df_pvalues=None, rsquared=None,
        n_entities=int(np.unique(entity_codes).size) if entity_codes is not None else None,
        n_clusters=n_clusters, clusters_by_dim=clusters_by_dim, effects=tuple(config.effects),
        entity_label=design.entity_label, time_label=design.time_label, n_singletons_dropped=0,
        sample_description=design.sample_description, years=years, stats=stats, tests=tests,
        notes=tuple(design.notes),
        n_outside_valid_range=design.n_outside_valid_range,
        outside_valid_range=tuple(value.as_dict() for value in design.outside_valid_range),
    )


def library_fit(config: "ModelConfig", design: "Design", *, where: str, field: str):
    """The library's own result object (pyfixest ``Fepois``; statsmodels ``LogitResults`` or ``GLMResults``) for users
    who want its methods. Its covariance is the raw sandwich the library was asked for: the reported standard errors
    add the small-sample factor of :func:`fit_nonlinear`, and pyfixest names the slopes x0__, x1__... in formula
    order."""
    _refuse_bad_outcome(config, design, where, field)
    if config.estimator == "ppml":
        return _fit_ppml(config, design, where, field)[-1]
    return _fit_binary(config, design)[-1]
