"""The one small-sample object every engine uses: how many parameters K count, which factor scales a covariance,
and which distribution the p-values take.

Its fields follow fixest's ``ssc()`` (and pyfixest's ``ssc``), so a convention can be read against their
documentation:

``adj``
    the (N-1)/(N-K) term of clustered covariances; for heteroskedasticity-robust and conventional covariances it is
    N/(N-K) (HC1, and SSR/(N-K) as the residual variance). Without it a robust covariance keeps N/(N-1), as fixest's
    heteroskedasticity-robust estimator and Stata's ``_robust`` do, and a conventional one no factor.
``fixef_k``
    how absorbed fixed effects enter K: ``"nonnested"`` (fixest's "nested", the default: every level, minus one per
    dimension after the first, and a fixed effect nested in the clusters counts as one parameter only), ``"full"``
    (every level, minus one per dimension after the first) or ``"none"`` (the regressors only).
``cluster_adj``
    the G/(G-1) term of clustered covariances.
``cluster_df``
    with several clustering dimensions: ``"conventional"`` gives each dimension's term its own G_d/(G_d-1) (Stata's
    ``vce(cluster a b)`` as Cameron-Gelbach-Miller), ``"min"`` one Gmin/(Gmin-1) on the whole sum (fixest's default,
    ``ivreg2, small``).
``t_df``
    p-values from t(G-1) when clustered (``"min"``, G the smallest cluster count) or t(N-K) always
    (``"conventional"``), or from the normal distribution (``"normal"``, z statistics as Stata's ML commands).

The spec's ``small_sample`` names (``stata``, ``min_g``, ``none``) map to objects in :data:`LINEAR_CONVENTIONS` and
:data:`LIKELIHOOD_CONVENTIONS`; ``None`` there means no finite-sample adjustment at all and normal p-values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from griparm_econ.errors import SpecError

FIXEF_K = ("nonnested", "full", "none")
CLUSTER_DF = ("min", "conventional")
T_DF = ("min", "conventional", "normal")
# Covariance kinds the factor distinguishes (fixest's names).
KINDS = ("iid", "hetero", "cluster")


@dataclass(frozen=True)
class SmallSample:
    """One small-sample convention (fixest's ``ssc(adj, fixef.K, cluster.adj, cluster.df, t.df)``)."""

    adj: bool = True
    fixef_k: str = "nonnested"
    cluster_adj: bool = True
    cluster_df: str = "min"
    t_df: str = "min"

    def __post_init__(self):
        for name, value, allowed in (("fixef_k", self.fixef_k, FIXEF_K), ("cluster_df", self.cluster_df, CLUSTER_DF),
                                     ("t_df", self.t_df, T_DF)):
            if value not in allowed:
                raise SpecError(f"{name} = {value!r} is not a small-sample option.", field=name,
                                fix=f"use one of {allowed}.")

    def k(self, n_regressors: int, fe_levels: Mapping[str, int] | None = None,
          nested: Mapping[str, bool] | None = None) -> int:
        """K of the factor: the regressors (an intercept included when the model has one) plus the absorbed
        fixed-effect levels ``fe_levels`` as ``fixef_k`` counts them; ``nested[dim]`` says whether that effect is
        nested in a clustering dimension (only ``"nonnested"`` reads it)."""
        levels = dict(fe_levels or {})
        if self.fixef_k == "none" or not levels:
            return int(n_regressors)
        k = n_regressors + sum(levels.values()) - (len(levels) - 1)
        if self.fixef_k == "nonnested":
            nested_dims = [dim for dim in levels if (nested or {}).get(dim, False)]
            k -= sum(levels[dim] for dim in nested_dims) - len(nested_dims)
        return int(k)

    def factor(self, kind: str, n: int, k: int, n_clusters: int | None = None) -> float:
        """The scalar that multiplies the unadjusted covariance of ``kind``: for ``"iid"`` sigma^2 = SSR/N times the
        inverse Gram matrix, for ``"hetero"`` and ``"cluster"`` the sandwich without any factor. With several
        clustering dimensions and ``cluster_df = "min"``, ``n_clusters`` is the smallest G."""
        if kind not in KINDS:
            raise ValueError(f"unknown covariance kind {kind!r}; one of {KINDS}")
        if kind == "cluster":
            g = n_clusters / (n_clusters - 1) if self.cluster_adj else 1.0
            return g * (n - 1) / (n - k) if self.adj else g
        if self.adj:
            return n / (n - k)
        return n / (n - 1) if kind == "hetero" else 1.0

    def ratio(self, kind: str, n: int, k: int, n_clusters: int | None = None) -> tuple[int, int]:
        """:meth:`factor` as an exact ratio of integers (numerator, denominator)."""
        if kind not in KINDS:
            raise ValueError(f"unknown covariance kind {kind!r}; one of {KINDS}")
        if kind == "cluster":
            g = (n_clusters, n_clusters - 1) if self.cluster_adj else (1, 1)
            return (g[0] * (n - 1), g[1] * (n - k)) if self.adj else g
        if self.adj:
            return n, n - k
        return (n, n - 1) if kind == "hetero" else (1, 1)

    def scale(self, cov: np.ndarray, kind: str, n: int, k: int, n_clusters: int | None = None) -> np.ndarray:
        """``cov`` times the factor, multiplied by its numerator and divided by its denominator (no rounded ratio
        in between)."""
        numerator, denominator = self.ratio(kind, n, k, n_clusters)
        return cov * numerator / denominator

    def recount_k(self, cov: np.ndarray, n: int, k_applied: int, k: int) -> np.ndarray:
        """A covariance whose (N-1)/(N-K) term a library computed with ``k_applied`` parameters, with that term
        recomputed for ``k`` (e.g. linearmodels counts every level of two absorbed effects, fixest and Stata do
        not)."""
        if not self.adj:
            return cov
        return cov * (n - k_applied) / (n - k)

    def df_t(self, kind: str, *, df_resid: int | None, n_clusters: int | None = None) -> int | None:
        """Degrees of freedom of the t distribution of the p-values; None for the normal distribution."""
        if self.t_df == "normal":
            return None
        if kind == "cluster" and self.t_df == "min" and n_clusters:
            return int(n_clusters) - 1
        return df_resid


# The spec's small_sample names for the linear estimators (estimation.dispatch): "stata" is what Stata's regress,
# xtreg and reghdfe print (each clustering dimension its own G_d/(G_d-1)); "min_g" ivreg2's small.
LINEAR_CONVENTIONS: dict[str, SmallSample | None] = {
    "stata": SmallSample(cluster_df="conventional"),
    "min_g": SmallSample(cluster_df="min"),
    "none": None,
}
# Maximum likelihood (estimation.nonlinear): Stata's ML commands apply no (N-1)/(N-K) term; robust N/(N-1),
# clustered G/(G-1), z statistics. The conventional covariance (the inverse information) gets no factor.
LIKELIHOOD_CONVENTIONS: dict[str, SmallSample | None] = {
    "stata": SmallSample(adj=False, t_df="normal"),
    "none": None,
}
# The fast engines (estimation.within, bootstrap, event-study designs): fixest's and pyfixest's defaults.
FIXEST_DEFAULT = SmallSample()
