"""Donor and predictor weights of a synthetic control (Abadie and Gardeazabal 2003; Abadie et al. 2010).

The nested problem: for predictor weights V (diagonal, non-negative, summing to one) the donor weights W(V) minimise
the V-weighted distance between the treated unit's predictors and the donors' on the simplex; V is chosen so that
W(V) minimises the outcome's mean squared prediction error over the fitting periods.

Own optimiser, because the libraries tried do not serve: pysyncon 1.7 solves the inner problem with SLSQP from the
equal-weights start on every outer step, and one Prop 99 fit (38 donors, 7 predictors) had not finished after three
minutes on the project's machine, which rules out placebo inference (one refit per donor); scpi-pkg estimates W for a
given V and does not choose V. Here the inner problem is an exact non-negative least-squares problem (Lawson-Hanson,
``scipy.optimize.nnls``) with the adding-up constraint as a heavily weighted extra row, so an outer step costs well
under a millisecond; the outer search is one of ``SEARCHES``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, nnls

from griparm_econ.spec.design_vocabulary import SEARCHES

# Weight of the adding-up row relative to the scale of the predictors: large enough that sum(W) = 1 up to ~1e-12
# after renormalisation, small enough to keep the least-squares problem well conditioned.
_ADDING_UP_WEIGHT = 1e4
_OPTIONS = {"Nelder-Mead": {"maxiter": 2000, "maxfev": 2000, "xatol": 1e-6, "fatol": 1e-10},
            "Powell": {"maxfev": 4000}}
_RANDOM_STARTS = 4
_SEED = 20100101

# The outer searches. The loss is flat wherever W(V) sits at a vertex of the simplex and has many local minima, and
# the published fits are local minima of a search from equal weights, not global ones (Kloessner, Kaul, Pfeifer and
# Schieler 2018 found the cross-validated West German weights not to be unique). So:
# - "local": Powell on log V (V = softmax) from equal weights, then a Nelder-Mead polish. Reproduces the published
#   fits of Prop 99, the Basque Country and West Germany with an RMSPE no worse than theirs
#   (tests/test_designs_synth.py). Nelder-Mead on |x|/sum|x| from equal weights, R Synth's own search, stopped early
#   on Prop 99 (RMSPE 1.82 against the published 1.76).
# - "multistart": adds Powell on |x|/sum|x| from equal weights and on log V from four Dirichlet starts of a fixed
#   seed, keeps the best. Lower MSPE where the local search stalls (the Basque Country: MSPE 0.0043 against the
#   published 0.0089, with another donor mix and ATT -1.02 instead of -0.70): a robustness check of how much the
#   effect depends on the search. About six times slower.
# The names (the spec's vocabulary) are griparm_econ.spec.design_vocabulary.SEARCHES.


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


def _searches(k: int, search: str) -> list[tuple[str, np.ndarray]]:
    """The local searches of one fit, as (parametrisation, start) pairs, each run by Powell."""
    searches = [("log", np.zeros(k))]
    if search == "multistart":
        draws = np.random.default_rng(_SEED).dirichlet(np.ones(k), size=_RANDOM_STARTS)
        searches += [("abs", np.full(k, 1.0 / k))] + [("log", np.log(draw)) for draw in draws]
    return searches


def fit_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray,
                fixed_v: np.ndarray | None = None, search: str = "local") -> WeightFit:
    """Nested fit on scaled predictors ``x1`` (k), ``x0`` (k x J) and fitting-period outcomes ``z1`` (T), ``z0``
    (T x J). With ``fixed_v`` only W is solved (the cross-validated V of Abadie, Diamond and Hainmueller 2015).
    ``search`` is a key of ``SEARCHES``."""
    if search not in SEARCHES:
        raise ValueError(f"unknown search {search!r}")
    k = len(x1)
    if fixed_v is not None:
        v = _v_from(np.asarray(fixed_v, dtype=float))
        w = donor_weights(v, x1, x0)
        return WeightFit(w=w, v=v, mspe=_mspe(w, z1, z0))
    if k == 1:
        w = donor_weights(np.ones(1), x1, x0)
        return WeightFit(w=w, v=np.ones(1), mspe=_mspe(w, z1, z0))
    to_v = {"log": _v_from_log, "abs": _v_from}
    losses = {name: (lambda x, f=f: _mspe(donor_weights(f(x), x1, x0), z1, z0)) for name, f in to_v.items()}
    best_x, best_loss, best_param = None, np.inf, None
    for param, start in _searches(k, search):
        res = minimize(losses[param], start, method="Powell", options=_OPTIONS["Powell"])
        if res.fun < best_loss:
            best_x, best_loss, best_param = res.x, float(res.fun), param
    # Nelder-Mead polish: Powell's line searches sometimes stop on the loss's flat stretches.
    res = minimize(losses[best_param], best_x, method="Nelder-Mead", options=_OPTIONS["Nelder-Mead"])
    if res.fun < best_loss:
        best_x = res.x
    v = to_v[best_param](best_x)
    w = donor_weights(v, x1, x0)
    return WeightFit(w=w, v=v, mspe=_mspe(w, z1, z0))
