"""The hypothesis tests a linear spec model reports, as typed :class:`~griparm_econ.estimation.results.TestStatistic`
records: the model F (or the Wald chi2 of ``xtreg, re``), the first-stage F of each endogenous regressor, and the
Hausman test of random against fixed effects."""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from griparm_econ.estimation.covariance import plan_covariance
from griparm_econ.estimation.results import TestStatistic

if TYPE_CHECKING:
    from griparm_econ.estimation.design import Design
    from griparm_econ.spec import ModelConfig

INTERCEPT = "Intercept"
# linearmodels' WaldTestStatistic.dist_name: "F(q,d)" or "chi2(q)"
_DIST_NAME = re.compile(r"^\s*(F|chi2)\((\d+)(?:,\s*([\d.]+))?\)\s*$")


def wald_f(params: np.ndarray, cov: np.ndarray, names: list[str]) -> float | None:
    """F statistic (Wald / q) of the test that every slope is zero, from the reported covariance (so it follows the
    model's cov and small-sample convention, as Stata's model F does)."""
    slopes = [i for i, name in enumerate(names) if name != INTERCEPT]
    if not slopes:
        return None
    b = params[slopes]
    v = cov[np.ix_(slopes, slopes)]
    try:
        value = float(b @ np.linalg.solve(v, b)) / len(slopes)
    except np.linalg.LinAlgError:   # a singular covariance (e.g. more slopes than clusters) has no F
        return None
    return value if np.isfinite(value) else None


def slopes_test(estimator: str, params: np.ndarray, cov: np.ndarray, names: list[str],
                df_denominator: int | None) -> TestStatistic | None:
    """The model's joint test of its slopes: F(q, df of the t tests) as Stata's model F, F(q, infinity) when the
    p-values are z; for random effects the Wald chi2(q) that ``xtreg, re`` reports instead."""
    fstat = wald_f(params, cov, names)
    if fstat is None:
        return None
    q = sum(1 for n in names if n != INTERCEPT)
    if estimator == "random_effects":
        chi2 = fstat * q
        return TestStatistic("wald_chi2", chi2, "chi2", df=q, pvalue=float(stats.chi2.sf(chi2, q)))
    pvalue = stats.f.sf(fstat, q, df_denominator) if df_denominator is not None else stats.chi2.sf(fstat * q, q)
    return TestStatistic("f_stat", fstat, "F", df=(q, df_denominator), pvalue=float(pvalue))


def first_stage_tests(res) -> tuple[TestStatistic, ...]:
    """linearmodels' first-stage test of the excluded instruments, one per endogenous regressor: F(q, N-K) under a
    conventional covariance, else the Wald chi2(q) of the model's covariance (linearmodels' ``f.stat``)."""
    try:
        diag = res.first_stage.diagnostics
        out = []
        for endog_name in diag.index:
            match = _DIST_NAME.match(str(diag.loc[endog_name, "f.dist"]))
            if match is None:
                continue
            dist, df1, df2 = match.group(1), int(match.group(2)), match.group(3)
            df = (df1, int(float(df2))) if dist == "F" else df1
            out.append(TestStatistic("first_stage_f", float(diag.loc[endog_name, "f.stat"]), dist, df=df,
                                     pvalue=float(diag.loc[endog_name, "f.pval"]), term=str(endog_name)))
        return tuple(out)
    except Exception:   # first-stage diagnostics are a courtesy, never a reason to fail
        return ()


def hausman_test(design: "Design", config: "ModelConfig") -> TestStatistic:
    """Fixed (entity) and random effects on the same design, both with conventional covariances (Stata's
    convention for ``hausman``: each model's own variance estimate), compared by :func:`postestimation.hausman`.
    The report states it in the notes (griparm_econ.report.notes.hausman_note)."""
    from linearmodels import PanelOLS, RandomEffects

    from griparm_econ.estimation.postestimation import hausman

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fe_plan = plan_covariance("unadjusted", "panel_ols", config.small_sample, bandwidth=None,
                                  n_periods=design.n_periods, panel_api=True)
        re_plan = plan_covariance("unadjusted", "random_effects", config.small_sample, bandwidth=None,
                                  n_periods=design.n_periods, panel_api=True)
        slopes = design.exog.drop(columns=[INTERCEPT], errors="ignore")
        fe = PanelOLS(design.y, slopes, weights=design.weights, entity_effects=True,
                      check_rank=False).fit(**fe_plan.fit_kwargs)
        re = RandomEffects(design.y, design.exog, weights=design.weights, check_rank=False).fit(**re_plan.fit_kwargs)
    test = hausman(fe.params, fe.cov, re.params, re.cov)
    return TestStatistic("hausman", test.chi2, "chi2", df=int(test.df), pvalue=test.pvalue)
