"""The one registry of covariance options: spec string -> linearmodels options and small-sample convention.

The vocabulary (the ``cov`` and ``small_sample`` names, their table labels and what each needs) is the registry in
``griparm_econ.spec.vocabulary`` (``COVARIANCES``, ``SMALL_SAMPLE``); this module turns one entry into fit options.
Each ``small_sample`` name is one :class:`~griparm_econ.estimation.small_sample.SmallSample` object
(:data:`~.small_sample.LINEAR_CONVENTIONS`), the one small-sample object every engine uses.

Small-sample conventions (model key ``small_sample``):

``stata`` (default)
    What a reviewer's Stata run prints. Conventional and robust: N/(N-K) (``regress``, HC1). Clustered: every
    clustering dimension's meat term gets its own G_d/(G_d-1) * (N-1)/(N-K) (``regress, vce(cluster)``,
    ``xtreg, fe vce(cluster)``, and the Cameron-Gelbach-Miller two-way estimator that reproduces Petersen's
    published firm-and-year numbers). linearmodels gives this with ``debiased=True, group_debias=True``; for
    ``panel_ols`` the absorbed entity effects are not counted in K when they nest in the clusters (as in xtreg).
    Driscoll-Kraay: no adjustment (as ``xtscc`` / ``ivreg2, dkraay()``).
``min_g``
    One adjustment Gmin/(Gmin-1) * (N-1)/(N-K) on the whole two-way meat, Gmin the smaller cluster count
    (``ivreg2, cluster(a b) small``). Computed here from linearmodels' unadjusted sandwich, by a scalar.
``none``
    No finite-sample adjustment at all; p-values from the normal distribution.

For ``panel_ols`` and ``random_effects``, ``cov = "robust"`` means what ``xtreg, fe|re vce(robust)`` means:
clustered by entity (White's heteroskedasticity-robust covariance is inconsistent with absorbed entity effects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from griparm_econ.estimation.small_sample import LINEAR_CONVENTIONS, SmallSample
from griparm_econ.spec.vocabulary import COVARIANCES, ESTIMATORS, CovOption, cov_label


def default_bandwidth(n_periods: int) -> int:
    """xtscc's default lag length floor(4 (T/100)^(2/9)), at least 1."""
    return max(1, int(np.floor(4.0 * (n_periods / 100.0) ** (2.0 / 9.0))))


@dataclass(frozen=True)
class CovPlan:
    """How to ask linearmodels for a covariance and how to adjust what it returns."""

    option: CovOption
    fit_kwargs: dict
    clusters: tuple[str, ...]        # dimensions actually clustered on (after robust -> entity for xtreg)
    small_sample: str
    ssc: SmallSample | None = None   # the convention small_sample names; None = no adjustment, normal p-values
    bandwidth: int | None = None
    rescale_min_g: bool = False      # multiply the raw sandwich by Gmin/(Gmin-1)*(N-1)/(N-K) afterwards
    # panel_ols with absorbed effects, clustered: linearmodels is asked not to count the effects and the
    # (N-1)/(N-K) factor is then corrected to Stata's K (SmallSample.k), because linearmodels counts every level
    # of every effect once there are two effects, which xtreg/reghdfe/fixest do not.
    stata_k_for_effects: bool = False

    def label(self, entity_label: str, time_label: str) -> str:
        if self.option.key == "robust" and self.clusters:
            return f"Robust (clustered by {entity_label.lower()})"
        return cov_label(self.option.key, entity_label, time_label, self.bandwidth)


def plan_covariance(cov: str, estimator: str, small_sample: str, *, bandwidth: int | None,
                    n_periods: int | None, panel_api: bool) -> CovPlan:
    """linearmodels fit options for one model. ``panel_api`` is False for IV2SLS-based estimators (ols, iv2sls),
    which take cluster codes as an array (added by the caller)."""
    option = COVARIANCES[cov]
    clusters = option.clusters
    if cov == "robust" and ESTIMATORS[estimator].robust_clusters_entity:
        clusters = ("entity",)
    ssc = LINEAR_CONVENTIONS[small_sample]
    # linearmodels applies the convention itself except Gmin/(Gmin-1) on a clustered sum ("min"), which is applied
    # to its unadjusted sandwich afterwards (rescale_min_g).
    min_g = bool(clusters) and ssc is not None and ssc.cluster_df == "min"
    adjusted = ssc is not None and ssc.adj and not min_g
    kwargs: dict = {"debiased": adjusted}
    bw = None
    if option.kernel:
        bw = bandwidth if bandwidth is not None else default_bandwidth(n_periods or 1)
        kwargs.update(cov_type="kernel", kernel="bartlett", bandwidth=bw)
        # xtscc and ivreg2's dkraay apply no finite-sample factor; "stata" reproduces them.
        kwargs["debiased"] = False
    elif clusters:
        kwargs["cov_type"] = "clustered"
        if panel_api:
            # only the dimensions in use: FirstDifferenceOLS and BetweenOLS do not accept cluster_time at all
            kwargs.update({f"cluster_{dim}": True for dim in clusters})
            kwargs["group_debias"] = adjusted and ssc.cluster_adj
            if estimator == "panel_ols":
                # Effects not counted here; K is set afterwards as Stata counts it (SmallSample.k).
                kwargs.update(auto_df=False, count_effects=False)
    elif cov == "robust":
        kwargs["cov_type"] = "robust"
    else:
        kwargs["cov_type"] = "unadjusted"
    return CovPlan(option=option, fit_kwargs=kwargs, clusters=clusters, small_sample=small_sample, ssc=ssc,
                   bandwidth=bw, rescale_min_g=min_g,
                   stata_k_for_effects=bool(clusters) and not option.kernel and estimator == "panel_ols"
                   and ssc is not None)


def pvalue_df(plan: CovPlan, *, df_resid: int | None, n_clusters: int | None, n_periods: int | None,
              estimator: str = "") -> int | None:
    """Degrees of freedom of the t distribution for p-values (None = normal), as Stata reports them: t(G-1) when
    clustered, t(T-1) for Driscoll-Kraay, t(df_resid) otherwise; z for ``xtreg, re`` and for ``small_sample =
    "none"``."""
    if plan.ssc is None or (estimator in ESTIMATORS and ESTIMATORS[estimator].normal_pvalues):
        return None
    if plan.clusters and n_clusters:
        return plan.ssc.df_t("cluster", df_resid=df_resid, n_clusters=n_clusters)
    if plan.option.kernel and n_periods:
        return n_periods - 1
    return plan.ssc.df_t("iid", df_resid=df_resid)
