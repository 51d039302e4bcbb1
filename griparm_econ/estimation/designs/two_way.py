"""Exact two-way fixed effects on a subsample, and their values on every row (the first stage of did2s).

The coefficients of the larger fixed-effect dimension are group means once the smaller dimension's are known; those
solve a small dense system (the Schur complement D'M_A D), so nothing is iterated and the imputed counterfactuals
are exact to rounding. This matters: pyfixest's did2s demeans iteratively and differs from R did2s by up to 4e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components

from griparm_econ.errors import GriparmError


@dataclass(frozen=True)
class TwoWayFit:
    """y = X beta + alpha[large] + gamma[small] fitted on the rows of ``fit_rows``."""

    beta: np.ndarray
    alpha: np.ndarray          # by level of the larger dimension
    gamma: np.ndarray          # by level of the smaller dimension (one level per connected component fixed at 0)
    large_codes: np.ndarray    # codes of every row (not only the fitted ones)
    small_codes: np.ndarray
    free_small: np.ndarray     # the small-dimension levels that are estimated (the others are normalised to 0)
    n_large: int
    n_small: int

    def fitted(self, x: np.ndarray) -> np.ndarray:
        return x @ self.beta + self.alpha[self.large_codes] + self.gamma[self.small_codes]

    def dummies(self, x: np.ndarray) -> sparse.csr_matrix:
        """Full-rank first-stage design of every row: covariates, all large levels, the free small levels."""
        n = self.large_codes.size
        rows = np.arange(n)
        large = sparse.csr_matrix((np.ones(n), (rows, self.large_codes)), shape=(n, self.n_large))
        position = np.full(self.n_small, -1)
        position[self.free_small] = np.arange(self.free_small.size)
        keep = position[self.small_codes] >= 0
        small = sparse.csr_matrix((np.ones(int(keep.sum())), (rows[keep], position[self.small_codes][keep])),
                                  shape=(n, self.free_small.size))
        return sparse.hstack([sparse.csr_matrix(x), large, small], format="csr")


def _group_means(codes: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes, minlength=n).astype(float)
    return np.column_stack([np.bincount(codes, weights=values[:, j], minlength=n) for j in range(values.shape[1])]) \
        / counts[:, None]


def fit_two_way(frame: pd.DataFrame, y: str, x: list[str], effects: tuple[str, str], fit_rows: np.ndarray,
                *, estimator: str) -> TwoWayFit:
    """Fit y on x and two fixed effects on ``fit_rows`` (a boolean mask); codes cover every row of ``frame``."""
    codes = [pd.factorize(frame[e])[0] for e in effects]
    counts = [c.max() + 1 for c in codes]
    for name, code in zip(effects, codes):
        unseen = np.setdiff1d(np.unique(code), np.unique(code[fit_rows]))
        if unseen.size:
            level = frame[name].to_numpy()[code == unseen[0]][0]
            raise GriparmError(f"{estimator}: level {level!r} of {name!r} occurs only in treated rows, so its fixed "
                               "effect cannot be estimated from untreated rows.", field=name,
                               fix="drop units or periods without untreated observations.")
    large_i = 0 if counts[0] >= counts[1] else 1
    large, small = codes[large_i][fit_rows], codes[1 - large_i][fit_rows]
    n_large, n_small = counts[large_i], counts[1 - large_i]
    cross = sparse.csr_matrix((np.ones(large.size), (large, small)), shape=(n_large, n_small))
    n_large_rows = np.asarray(cross.sum(axis=1)).ravel()
    gram = np.diag(np.asarray(cross.sum(axis=0)).ravel()) - (cross.T @ sparse.diags(1.0 / n_large_rows) @ cross).toarray()
    graph = sparse.bmat([[None, cross], [cross.T, None]], format="csr")
    _, component = connected_components(graph, directed=False)
    _, first_of_component = np.unique(component[n_large:], return_index=True)
    free = np.setdiff1d(np.arange(n_small), first_of_component)
    factor = linalg.cho_factor(gram[np.ix_(free, free)]) if free.size else None

    def solve_small(values: np.ndarray) -> np.ndarray:
        """gamma such that values - gamma[small] has no within-large variation explained by the small dummies."""
        demeaned = values - _group_means(large, n_large, values)[large]
        rhs = np.column_stack([np.bincount(small, weights=demeaned[:, j], minlength=n_small)
                               for j in range(values.shape[1])])
        gamma = np.zeros((n_small, values.shape[1]))
        if factor is not None:
            gamma[free] = linalg.cho_solve(factor, rhs[free])
        return gamma

    def within(values: np.ndarray) -> np.ndarray:
        gamma = solve_small(values)
        resid = values - gamma[small]
        return resid - _group_means(large, n_large, resid)[large]

    yv = frame[y].to_numpy(dtype=float)
    xv = frame[x].to_numpy(dtype=float) if x else np.zeros((len(frame), 0))
    beta = np.zeros(len(x))
    if x:
        my, mx = within(yv[fit_rows][:, None]).ravel(), within(xv[fit_rows])
        beta = np.linalg.lstsq(mx, my, rcond=None)[0]
    r = (yv[fit_rows] - xv[fit_rows] @ beta)[:, None]
    gamma = solve_small(r)
    alpha = _group_means(large, n_large, r - gamma[small]).ravel()
    return TwoWayFit(beta, alpha, gamma.ravel(), codes[large_i], codes[1 - large_i], free, n_large, n_small)
