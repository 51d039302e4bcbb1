"""Wild cluster bootstrap (WCR by default) for one coefficient of a linear model after partialling out fixed effects.

The algorithm is the "fast and wild" one of Roodman, MacKinnon, Nielsen and Webb (2019): everything the bootstrap
needs reduces to per-cluster score sums, so each bootstrap draw costs O(G k) arithmetic on a B x G weight matrix
rather than a regression on N rows. With the null beta_j = r imposed (WCR), the restricted estimate, the restricted
scores and hence the bootstrap numerator and every cluster's contribution to the bootstrap standard error are affine
in r. Precomputing the two affine parts once makes the bootstrap p-value a cheap function of r, which the confidence
interval inverts by bisection.

Conventions follow the ``wildboottest`` package (and Stata's ``boottest``) so that results can be checked against it:

* the bootstrap t uses the CR1 variance with factor ``G/(G-1) * (N-1)/(N-K)`` (fixest's default small-sample object,
  :data:`griparm_econ.estimation.small_sample.FIXEST_DEFAULT`); the p-value does not depend on this factor, only the
  reported t-statistic does;
* Rademacher weights are fully enumerated (all 2^G sign vectors) when 2^G < B; otherwise weights are drawn from a
  seeded :class:`numpy.random.Generator` (same draw order as ``wildboottest``);
* the default p-value is symmetric: the share of bootstrap |t*| strictly greater than |t|; ``"equal-tailed"`` gives
  2 min(P(t* > t), P(t* < t)). Draws whose t* equals t up to rounding are ties, not exceedances (see
  :func:`bootstrap_pvalue`).

The model is given after the within-transformation (:func:`griparm_econ.estimation.bootstrap_design.within_design`). Fixed
effects nested in the clusters are partialled out (FWL), which is exact for the bootstrap; fixed effects that cut
across clusters (years, when clustering by country) stay in the design as dummies, so that the bootstrap residuals
remain orthogonal to them, as in the full model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.estimation.small_sample import FIXEST_DEFAULT, SmallSample
from griparm_econ.spec.vocabulary import (BOOTSTRAP_DEFAULT_WEIGHTS, BOOTSTRAP_DRAWS, BOOTSTRAP_SEED,
                                          BOOTSTRAP_WEIGHTS)

PVALUE_TYPES = ("symmetric", "equal-tailed")
TIE_TOLERANCE = 1e-10
# Fixed unless the caller chooses another, so that a results file is byte-identical from one run to the next.
DEFAULT_SEED = BOOTSTRAP_SEED      # the spec's default: a direct call draws what a spec's bootstrap draws
_WEBB_VALUES = np.concatenate([-np.sqrt(np.array([3.0, 2.0, 1.0]) / 2), np.sqrt(np.array([1.0, 2.0, 3.0]) / 2)])


@dataclass(frozen=True)
class BootstrapResult:
    """Wild cluster bootstrap inference for one coefficient."""

    term: str
    estimate: float
    tstat: float                 # t-statistic of H0: beta = null, CR1 standard error
    pvalue: float
    ci_low: float
    ci_high: float
    B: int                       # bootstrap draws actually used (2^G under full enumeration)
    n_clusters: int
    weights: str
    full_enumeration: bool
    impose_null: bool
    pvalue_type: str
    null: float = 0.0
    level: float = 0.95
    t_boot: np.ndarray | None = field(default=None, repr=False, compare=False)   # with keep_draws=True

    def as_dict(self) -> dict[str, float]:
        """The shape :class:`ModelResult.bootstrap` stores per term."""
        return {"pvalue": self.pvalue, "ci_low": self.ci_low, "ci_high": self.ci_high, "B": float(self.B)}


def bootstrap_weights(n_clusters: int, B: int, weights: str, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """G x B weight matrix and whether it is the full enumeration of Rademacher sign vectors."""
    n_clusters = int(n_clusters)          # 2 ** G must not overflow a fixed-width integer
    if weights not in BOOTSTRAP_WEIGHTS:
        raise SpecError(f"unknown bootstrap weights {weights!r}.", field="weights", fix=f"use one of {BOOTSTRAP_WEIGHTS}.")
    if weights == "rademacher" and 2 ** n_clusters < B:
        # Every sign vector once: the bootstrap distribution is then exact and the seed irrelevant.
        draws = np.arange(2 ** n_clusters, dtype=np.int64)
        bits = (draws[None, :] >> np.arange(n_clusters - 1, -1, -1, dtype=np.int64)[:, None]) & 1
        return (2.0 * bits - 1.0), True
    if weights == "rademacher":
        values = rng.choice(np.array([-1, 1]), size=n_clusters * B, replace=True)
    else:
        values = rng.choice(_WEBB_VALUES, size=n_clusters * B, replace=True)
    return values.reshape(n_clusters, B).astype(np.float64), False


def _cluster_sums(codes: np.ndarray, n_clusters: int, values: np.ndarray) -> np.ndarray:
    out = np.empty((n_clusters, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_clusters)
    return out


def _cluster_cross_products(codes: np.ndarray, n_clusters: int, x: np.ndarray) -> np.ndarray:
    """X_g'X_g for every cluster (G x k x k), one slice of cluster-sorted rows at a time (no N x k x k temporary)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_clusters + 1))
    sorted_x = x[order]
    out = np.empty((n_clusters, x.shape[1], x.shape[1]))
    for g in range(n_clusters):
        block = sorted_x[bounds[g]:bounds[g + 1]]
        out[g] = block.T @ block
    return out


class _AffineBootstrap:
    """Bootstrap t-statistics of H0: beta_j = r as explicit functions of r (WCR) or free of r (WCU)."""

    def __init__(self, y: np.ndarray, x: np.ndarray, clusters: np.ndarray, j: int, v: np.ndarray, ssc: float,
                 impose_null: bool):
        n_clusters = v.shape[0]
        xtx = x.T @ x
        xtx_inv = np.linalg.inv(xtx)
        beta = xtx_inv @ (x.T @ y)
        a = xtx_inv[:, j]                                  # (X'X)^-1 R'
        # Per-cluster cross products X_g'y_g (G x k) and X_g'X_g (G x k x k).
        xty_g = _cluster_sums(clusters, n_clusters, x * y[:, None])
        xtx_g = _cluster_cross_products(clusters, n_clusters, x)
        # Unrestricted scores give the CR1 standard error of the original statistic.
        scores_hat = xty_g - xtx_g @ beta
        self.estimate = float(beta[j])
        self.se = float(np.sqrt(ssc * np.sum((scores_hat @ a) ** 2)))
        # Restricted estimate beta(r) = b0 + r d; scores s_g(r) = s0_g + r s1_g.
        if impose_null:
            d = a / a[j]
            b0 = beta - d * beta[j]
            s0 = xty_g - xtx_g @ b0
            s1 = -(xtx_g @ d)
        else:
            s0, s1 = scores_hat, np.zeros_like(scores_hat)
        q = xtx_g @ a                                      # G x k: X_g'X_g (X'X)^-1 R'
        w = q @ xtx_inv                                    # row g: R (X'X)^-1 X_g'X_g (X'X)^-1
        c0, c1 = s0 @ a, s1 @ a                            # numerator contributions R (X'X)^-1 s_g
        # Z_gb(r) = C_g(r) v_gb - sum_h H_gh(r) v_hb with H(r) = W S(r)'; (S'v) is k x B, so no G x G x B work.
        z0 = c0[:, None] * v - w @ (s0.T @ v)
        z1 = c1[:, None] * v - w @ (s1.T @ v)
        self.numer0, self.numer1 = c0 @ v, c1 @ v
        self.den_a = ssc * np.einsum("gb,gb->b", z0, z0)
        self.den_b = ssc * np.einsum("gb,gb->b", z0, z1)
        self.den_c = ssc * np.einsum("gb,gb->b", z1, z1)
        self.impose_null = impose_null

    def tstat(self, r: float) -> float:
        return (self.estimate - r) / self.se

    def tboot(self, r: float) -> np.ndarray:
        if not self.impose_null:
            return self.numer0 / np.sqrt(self.den_a)
        numer = self.numer0 + r * self.numer1
        denom = self.den_a + 2 * r * self.den_b + r * r * self.den_c
        return numer / np.sqrt(denom)

    def pvalue(self, r: float, pvalue_type: str) -> float:
        return bootstrap_pvalue(self.tstat(r), self.tboot(r), pvalue_type)


def bootstrap_pvalue(t: float, t_boot: np.ndarray, pvalue_type: str = "symmetric") -> float:
    """Share of bootstrap statistics more extreme than ``t``; exact ties count as not more extreme.

    Under WCR the draws v = c (1, ..., 1) rebuild the original sample, so their t* equals t in exact arithmetic and
    only rounding decides a strict comparison. Treating differences within TIE_TOLERANCE (relative) as ties makes the
    p-value the exact-arithmetic value of the strict rule, instead of a coin flip on the last bit.
    """
    tie = TIE_TOLERANCE * max(abs(t), np.finfo(float).tiny)
    if pvalue_type == "symmetric":
        return float(np.mean(np.abs(t_boot) - abs(t) > tie))
    above = np.mean(t_boot - t > tie)
    below = np.mean(t - t_boot > tie)
    return float(2 * min(above, below))


def _invert(boot: _AffineBootstrap, level: float, pvalue_type: str, side: int, rel_tol: float = 1e-10) -> float:
    """The end of the confidence set on one side: where the bootstrap p-value falls below 1 - level."""
    alpha = 1 - level
    inside = boot.estimate
    step = max(boot.se, 1e-12 * max(abs(boot.estimate), 1.0))
    outside = inside + side * 2 * step
    expansions = 0
    while boot.pvalue(outside, pvalue_type) >= alpha:
        inside = outside
        step *= 2
        outside = inside + side * step
        expansions += 1
        if expansions > 200:
            return side * np.inf
    tol = rel_tol * max(boot.se, abs(boot.estimate), 1e-300)
    while abs(outside - inside) > tol:
        middle = (inside + outside) / 2
        if boot.pvalue(middle, pvalue_type) >= alpha:
            inside = middle
        else:
            outside = middle
    return (inside + outside) / 2


def wild_cluster_bootstrap(y: np.ndarray, x: np.ndarray, clusters: np.ndarray, names: Sequence[str],
                           terms: Sequence[str], *, B: int = BOOTSTRAP_DRAWS,
                           weights: str = BOOTSTRAP_DEFAULT_WEIGHTS,
                           seed: int | np.random.Generator | None = DEFAULT_SEED, impose_null: bool = True,
                           pvalue_type: str = "symmetric", level: float = 0.95, null: float = 0.0,
                           df_k: int | None = None, confidence_interval: bool = True,
                           keep_draws: bool = False, small_sample: SmallSample = FIXEST_DEFAULT) -> dict[str, BootstrapResult]:
    """Wild cluster bootstrap p-values and confidence intervals for ``terms`` of the OLS model ``y ~ x``.

    ``y`` and ``x`` are the model after partialling out any fixed effects; ``clusters`` integer or label codes, one per
    row. ``df_k`` is the K of the small-sample factor (default: the columns of ``x``), ``small_sample`` its convention
    (fixest's default: G/(G-1) (N-1)/(N-K)); they scale the reported t-statistic only. The same weight matrix serves every term. ``seed`` (default :data:`DEFAULT_SEED`; ``None`` for
    fresh entropy) makes random draws reproducible; under full enumeration it is irrelevant. ``keep_draws`` keeps the
    bootstrap t-statistics under the null in the result.
    """
    if pvalue_type not in PVALUE_TYPES:
        raise SpecError(f"unknown bootstrap p-value type {pvalue_type!r}.", field="pvalue_type",
                        fix=f"use one of {PVALUE_TYPES}.")
    if B < 1:
        raise SpecError(f"the number of bootstrap draws must be positive, got {B}.", field="B", fix="use e.g. 9999.")
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    _, cluster_codes = np.unique(np.asarray(clusters), return_inverse=True)
    cluster_codes = cluster_codes.ravel()
    n, k = x.shape
    n_clusters = int(cluster_codes.max()) + 1
    if n_clusters < 2:
        raise SpecError("the wild cluster bootstrap needs at least two clusters.", field="cov",
                        fix="cluster by a variable with more than one level.")
    names = list(names)
    for term in terms:
        if term not in names:
            raise SpecError(f"the bootstrap asks for {term!r}, which is not a coefficient of the model.", field=term,
                            fix=f"use one of {names}.")
    ssc = small_sample.factor("cluster", n, k if df_k is None else df_k, n_clusters)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    v, full = bootstrap_weights(n_clusters, B, weights, rng)
    out = {}
    for term in terms:
        boot = _AffineBootstrap(y, x, cluster_codes, names.index(term), v, ssc, impose_null)
        if confidence_interval:
            low, high = _invert(boot, level, pvalue_type, -1), _invert(boot, level, pvalue_type, +1)
        else:
            low = high = float("nan")
        out[term] = BootstrapResult(term=term, estimate=boot.estimate, tstat=boot.tstat(null),
                                    pvalue=boot.pvalue(null, pvalue_type), ci_low=float(low), ci_high=float(high),
                                    B=int(v.shape[1]), n_clusters=n_clusters, weights=weights, full_enumeration=full,
                                    impose_null=impose_null, pvalue_type=pvalue_type, null=null, level=level,
                                    t_boot=boot.tboot(null) if keep_draws else None)
    return out


def bootstrap_model(frame, model, terms: Sequence[str], *, entity: str, time: str, partial_out: str = "nested",
                    **options) -> dict[str, BootstrapResult]:
    """Wild cluster bootstrap for ``terms`` of a :class:`~griparm_econ.estimation.within_model.WithinModel` clustered by
    one dimension.

    Fixed effects nested in the clusters are partialled out; the others (years, when clustering by country) enter as
    dummies, so the bootstrap is that of the full model, the one ``pyfixest``'s ``wildboottest`` runs with one-hot
    fixed effects (``partial_out="all"`` partials out everything: faster, exact only for nested effects). The
    reported t-statistic uses the model's own small-sample K, so it is the engine's clustered t.
    """
    from griparm_econ.estimation.bootstrap_design import within_design

    design = within_design(frame, model, entity=entity, time=time, partial_out=partial_out)
    if design.clusters is None:
        raise SpecError(f"model {model.name!r} asks for a wild cluster bootstrap but its cov is {model.cov!r}.",
                        field="cov", fix="use cov = 'cluster:entity' (or another cluster dimension).")
    options.setdefault("df_k", design.df_k)
    return wild_cluster_bootstrap(design.y, design.x, design.clusters, design.names, terms, **options)
