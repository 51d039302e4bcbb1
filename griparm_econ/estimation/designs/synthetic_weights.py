"""Donor and predictor weights of a synthetic control (Abadie and Gardeazabal 2003; Abadie, Diamond and Hainmueller 2010).

The nested problem: for predictor weights V (diagonal, non-negative, summing to one) the donor weights W(V) minimise
the V-weighted distance between the treated unit's predictors and the donors' on the simplex; V is chosen so that
W(V) minimises the outcome's mean squared prediction error over the fitting periods.

Own optimiser, because the libraries tried do not serve: pysyncon 1.7 solves the inner problem with SLSQP from the
equal-weights start on every outer step, and one Prop 99 fit (38 donors, 7 predictors) had not finished after three
minutes on the project's machine, which rules out placebo inference (one refit per donor); scpi-pkg estimates W for a
given V and does not choose V. Here the inner problem is an exact non-negative least-squares problem (Lawson-Hanson,
``scipy.optimize.nnls``) with the adding-up constraint as a heavily weighted extra row, so an outer step costs well
under a millisecond; the outer search is Powell on log V with Nelder-Mead polishes (see ``fit_weights``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, nnls

# Weight of the adding-up row relative to the scale of the predictors: large enough that sum(W) = 1 up to ~1e-12
# after renormalisation, small enough to keep the least-squares problem well conditioned.
_ADDING_UP_WEIGHT = 1e4
_OUTER_OPTIONS = {"maxiter": 2000, "maxfev": 2000, "xatol": 1e-6, "fatol": 1e-10}
_POWELL_OPTIONS = {"maxfev": 8000}


@dataclass(frozen=True)
class WeightFit:
    """W on the donors, V on the predictors (both sum to one) and the fitting-period MSPE they give."""

    w: np.ndarray
    v: np.ndarray
    mspe: float


def scale_predictors(x1: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each predictor by its standard deviation across treated and donors (ddof 1), as R Synth and Stata
    synth do, so that V compares predictors measured in different units."""
    both = np.column_stack([x1, x0])
    sd = both.std(axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)          # a predictor equal for every unit carries no information; keep it finite
    return x1 / sd, x0 / sd[:, None]


def donor_weights(v: np.ndarray, x1: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """W(V): argmin (x1 - x0 w)' diag(v) (x1 - x0 w) over the simplex, exactly (NNLS with an adding-up row)."""
    root = np.sqrt(v)[:, None]
    a = root * x0
    b = root[:, 0] * x1
    scale = _ADDING_UP_WEIGHT * max(1.0, float(np.abs(a).max(initial=0.0)))
    a = np.vstack([a, np.full((1, x0.shape[1]), scale)])
    b = np.append(b, scale)
    w, _ = nnls(a, b, maxiter=50 * x0.shape[1])
    total = w.sum()
    return w / total if total > 0 else np.full(x0.shape[1], 1.0 / x0.shape[1])


def _v_from(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    total = a.sum()
    return a / total if total > 0 else np.full(len(x), 1.0 / len(x))


def _v_from_log(log_v: np.ndarray) -> np.ndarray:
    e = np.exp(log_v - log_v.max())
    return e / e.sum()


def _mspe(w: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> float:
    gap = z1 - z0 @ w
    return float(gap @ gap / len(z1))


def fit_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray,
                fixed_v: np.ndarray | None = None, polish: bool = True) -> WeightFit:
    """Nested fit on scaled predictors ``x1`` (k), ``x0`` (k x J) and fitting-period outcomes ``z1`` (T), ``z0``
    (T x J). With ``fixed_v`` only W is solved (the cross-validated V of Abadie, Diamond and Hainmueller 2015)."""
    k = len(x1)
    if fixed_v is not None:
        v = _v_from(np.asarray(fixed_v, dtype=float))
        w = donor_weights(v, x1, x0)
        return WeightFit(w=w, v=v, mspe=_mspe(w, z1, z0))
    if k == 1:
        w = donor_weights(np.ones(1), x1, x0)
        return WeightFit(w=w, v=np.ones(1), mspe=_mspe(w, z1, z0))

    def loss(log_v: np.ndarray) -> float:
        return _mspe(donor_weights(_v_from_log(log_v), x1, x0), z1, z0)

    # Powell on log V (V = softmax) from equal weights: in the references it reached fits at least as good as the
    # published ones, where Nelder-Mead on |x|/sum|x| (R Synth's parametrisation) stopped early (Prop 99 RMSPE 1.82
    # against the published weights' 1.76). A Nelder-Mead polish from Powell's optimum guards against Powell's line
    # searches stalling (``polish=False`` skips it: the placebo and leave-one-out refits' fast path).
    candidates = [minimize(loss, np.zeros(k), method="Powell", options=_POWELL_OPTIONS)]
    if polish:
        candidates.append(minimize(loss, candidates[0].x, method="Nelder-Mead", options=_OUTER_OPTIONS))
    best: WeightFit | None = None
    for res in candidates:
        v = _v_from_log(res.x)
        w = donor_weights(v, x1, x0)
        fit = WeightFit(w=w, v=v, mspe=_mspe(w, z1, z0))
        if best is None or fit.mspe < best.mspe:
            best = fit
    return best
