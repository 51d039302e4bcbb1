"""Within-transformation: one-way demeaning, the exact two-way projection and alternating projections.

The transformation is exact, not iterative, whenever one fixed-effect dimension is small (years in a country-year
panel): one-way demeaning on the large dimension, then the projection on the demeaned dummies of the small dimension,
solved through its (small) Gram matrix whose null space is known from the connected components of the panel's
bipartite graph. When both dimensions are large it falls back to the method of alternating projections with a tight
tolerance.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components

# Exact two-way demeaning solves a dense system in the smaller dimension; beyond this many levels it would cost more
# than alternating projections.
EXACT_TWO_WAY_MAX_LEVELS = 2000
MAP_TOLERANCE = 1e-13
MAP_MAX_ITERATIONS = 100_000


def compact_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber non-negative integer codes 0..L-1 over the levels present, keeping their order."""
    if codes.size == 0:
        return codes.astype(np.int64), 0
    present = np.bincount(codes) > 0
    renumbered = np.cumsum(present) - 1
    return renumbered[codes], int(present.sum())


def group_sums(codes: np.ndarray, n_levels: int, values: np.ndarray) -> np.ndarray:
    """Sum of each column of ``values`` within each level: n_levels x p."""
    out = np.empty((n_levels, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_levels)
    return out


def demean_one_way(codes: np.ndarray, n_levels: int, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_levels).astype(np.float64)
    means = group_sums(codes, n_levels, values) / counts[:, None]
    return values - means[codes]


def _demean_two_way_exact(large: np.ndarray, n_large: int, small: np.ndarray, n_small: int,
                          values: np.ndarray) -> np.ndarray:
    """Exact two-way within-transformation: M_{A,D} x = M_A x - M_A D (D'M_A D)^- D'M_A x.

    A is the large dimension (absorbed by one-way demeaning), D the small one (solved densely). D'M_A D is
    n_small x n_small and singular, with one null direction per connected component of the bipartite (A, D) graph;
    fixing one D level per component at zero leaves a positive definite system, solved by Cholesky. The projection
    does not depend on which level is fixed.
    """
    n_large_rows = np.bincount(large, minlength=n_large).astype(np.float64)
    n_small_rows = np.bincount(small, minlength=n_small).astype(np.float64)
    # Rows per (large, small) cell, sparse: at most N cells are non-zero whatever the dimensions.
    cross = sparse.csr_matrix((np.ones(large.size), (large, small)), shape=(n_large, n_small))
    gram = np.diag(n_small_rows) - (cross.T @ sparse.diags(1.0 / n_large_rows) @ cross).toarray()
    graph = sparse.bmat([[None, cross], [cross.T, None]], format="csr")
    _, component = connected_components(graph, directed=False)
    small_component = component[n_large:]
    _, first_of_component = np.unique(small_component, return_index=True)
    free = np.setdiff1d(np.arange(n_small), first_of_component)
    demeaned_large = demean_one_way(large, n_large, values)
    rhs = group_sums(small, n_small, demeaned_large)
    gamma = np.zeros((n_small, values.shape[1]))
    if free.size:
        gamma[free] = linalg.cho_solve(linalg.cho_factor(gram[np.ix_(free, free)]), rhs[free])
    fitted_large_means = (cross @ gamma) / n_large_rows[:, None]
    return demeaned_large - (gamma[small] - fitted_large_means[large])


def _demean_alternating(codes: Sequence[tuple[np.ndarray, int]], values: np.ndarray,
                        tol: float = MAP_TOLERANCE, max_iterations: int = MAP_MAX_ITERATIONS) -> np.ndarray:
    """Method of alternating projections, stopped when a sweep changes no value by more than tol x column scale."""
    out = values.copy()
    scale = np.maximum(np.abs(values).max(axis=0), 1.0)
    for _ in range(max_iterations):
        before = out.copy()
        for code, n_levels in codes:
            out = demean_one_way(code, n_levels, out)
        if (np.abs(out - before).max(axis=0) <= tol * scale).all():
            return out
    raise RuntimeError("alternating projections did not converge; the fixed effects are nearly collinear.")


def within_transform(values: np.ndarray, entity_codes: np.ndarray | None, time_codes: np.ndarray | None,
                     *, method: str = "auto") -> np.ndarray:
    """Within-transformation of every column of ``values`` (rows: one estimation sample) for the given effects.

    ``method``: ``"auto"`` (exact when one dimension has at most EXACT_TWO_WAY_MAX_LEVELS levels), ``"exact"`` or
    ``"map"`` (alternating projections).
    """
    values = np.asarray(values, dtype=np.float64)
    present = [c for c in (entity_codes, time_codes) if c is not None]
    if not present:
        return values.copy()
    compacted = [compact_codes(c) for c in present]
    if len(compacted) == 1:
        return demean_one_way(*compacted[0], values)
    (a, n_a), (b, n_b) = compacted
    if n_b > n_a:
        (a, n_a), (b, n_b) = (b, n_b), (a, n_a)
    if method == "map" or (method == "auto" and n_b > EXACT_TWO_WAY_MAX_LEVELS):
        return _demean_alternating([(a, n_a), (b, n_b)], values)
    return _demean_two_way_exact(a, n_a, b, n_b, values)
