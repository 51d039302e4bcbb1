"""OLS and its covariance on within-transformed columns: the collinearity check, the normal equations and the
sandwich scaled by the model's small-sample object (:mod:`griparm_econ.estimation.small_sample`)."""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg, special

from griparm_econ.errors import SpecError
from griparm_econ.estimation.demean import group_sums
from griparm_econ.estimation.within_model import WithinFit, WithinModel, cov_kind

# fixest's default collinearity tolerance (relative pivot of the Cholesky factor).
COLLINEARITY_TOLERANCE = 1e-9


def collinear_columns(xtx: np.ndarray, scale: np.ndarray, tol: float = COLLINEARITY_TOLERANCE) -> list[int]:
    """Columns that are (numerically) combinations of earlier columns or of the fixed effects.

    Sequential Cholesky as fixest does it, but a pivot is compared with the column's own variation before the
    within-transformation (``scale``), so a regressor the fixed effects absorb is caught whatever its units.
    """
    k = xtx.shape[0]
    chol = np.zeros_like(xtx)
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(k):
        pivot = xtx[j, j] - chol[j, kept] @ chol[j, kept]
        if scale[j] <= 0 or pivot <= tol * scale[j]:
            dropped.append(j)
            continue
        chol[j, j] = math.sqrt(pivot)
        chol[j + 1:, j] = (xtx[j + 1:, j] - chol[j + 1:, kept] @ chol[j, kept]) / chol[j, j]
        kept.append(j)
    return dropped


def is_nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Every level of ``inner`` lies in a single level of ``outer`` (both compact codes)."""
    outer_of_level = np.empty(int(inner.max()) + 1, dtype=outer.dtype)
    outer_of_level[inner] = outer                     # any one row's outer level per inner level
    return bool(np.array_equal(outer_of_level[inner], outer))


def fit_demeaned(model: WithinModel, names: list[str], y: np.ndarray, x: np.ndarray, x_scale: np.ndarray,
                 y_raw: np.ndarray, fe_codes: dict[str, np.ndarray], cluster: np.ndarray | None,
                 years: tuple[int, int] | None, n_entities: int, n_periods: int, n_singletons: int) -> WithinFit:
    """OLS of demeaned ``y`` on demeaned ``x`` (``x_scale``: each column's variation before demeaning, for the
    collinearity check), with the covariance, K and p-value degrees of freedom of the model's small-sample object."""
    n = y.size
    dropped = collinear_columns(x.T @ x, x_scale) if x.shape[1] else []
    if dropped:
        keep = [j for j in range(x.shape[1]) if j not in dropped]
        dropped_names = tuple(names[j] for j in dropped)
        x, names = x[:, keep], [names[j] for j in keep]
    else:
        dropped_names = ()
    k = x.shape[1]
    if k:
        # Normal equations through a Cholesky factor: the columns are demeaned and checked for collinearity above,
        # so X'X is well conditioned enough, and this is what fixest and pyfixest do too.
        factor = linalg.cho_factor(x.T @ x)
        params = linalg.cho_solve(factor, x.T @ y)
        bread = linalg.cho_solve(factor, np.eye(k))
        bread = (bread + bread.T) / 2
    else:
        params, bread = np.zeros(0), np.zeros((0, 0))
    resid = y - x @ params
    ssr = float(resid @ resid)

    kind, dim = cov_kind(model)
    if kind == "cluster" and int(cluster.max()) < 1:
        raise SpecError(f"model {model.name!r} has a single cluster in its estimation sample.", field="cov",
                        fix="cluster by a dimension with several levels in this sample, or use 'hetero'.")
    levels = {e: int(c.max()) + 1 for e, c in fe_codes.items()}          # compact codes
    n_fe = len(levels)
    ssc = model.small_sample
    nested = {e: kind == "cluster" and (e == dim or is_nested(c, cluster)) for e, c in fe_codes.items()}
    df_k = ssc.k(k, levels, nested)
    if n - df_k <= 0:
        raise SpecError(f"model {model.name!r} has {n} observations for {df_k} parameters (fixed effects "
                        "included).", field="sample", fix="use fewer regressors or fixed effects, or a larger sample.")
    n_clusters = None
    if kind == "cluster":
        n_clusters = int(cluster.max()) + 1
        scores = group_sums(cluster, int(cluster.max()) + 1, x * resid[:, None])
        meat = scores.T @ scores
    elif kind == "hetero":
        scores = x * resid[:, None]
        meat = scores.T @ scores
    if kind == "iid":
        cov = ssc.factor(kind, n, df_k) * (ssr / n) * bread
    else:
        cov = ssc.factor(kind, n, df_k, n_clusters) * bread @ meat @ bread
    df_t = ssc.df_t(kind, df_resid=n - df_k, n_clusters=n_clusters)
    std_errors = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstats = params / std_errors
    pvalues = 2 * special.stdtr(df_t, -np.abs(tstats))
    tss_raw = float(((y_raw - y_raw.mean()) ** 2).sum())
    if n_fe:
        tss_within = float(y @ y)          # demeaned: mean zero
        rsquared_within = 1 - ssr / tss_within if tss_within > 0 else float("nan")
    else:
        rsquared_within = None
    rsquared = 1 - ssr / tss_raw if tss_raw > 0 else float("nan")
    return WithinFit(model=model, names=tuple(names), params=params, std_errors=std_errors, tstats=tstats,
                     pvalues=pvalues, cov_matrix=cov, nobs=n, df_k=int(df_k), df_t=int(df_t), n_clusters=n_clusters,
                     n_entities=n_entities, n_periods=n_periods, years=years, n_singletons_dropped=n_singletons,
                     rsquared=rsquared, rsquared_within=rsquared_within, ssr=ssr, dropped_collinear=dropped_names)
