"""Rambachan-Roth (2023) robust confidence sets under relative magnitudes (Delta^RM(Mbar)), by inverting the
conditional-least-favourable hybrid test of Andrews, Roth and Pakes (ARP, 2023) over a grid of theta (method "C-LF",
HonestDiD's default for these sets).

Event-study coefficients beta = (pre, post) estimate tau_post + delta. Delta^RM(Mbar) says no post-period first
difference of delta exceeds Mbar times the largest pre-period first difference (reference-period delta = 0). It is a
union of polyhedra, one for each pre-period difference s that is the largest and each sign of it: on each,
A delta <= 0 with rows  +/-(delta_{t+1} - delta_t) - bound_t * sign * (delta_s - delta_{s-1}) <= 0, bound_t = 1 before
the reference period and Mbar after it. theta = l' tau_post is in the set if ARP's test of E[A beta - A_post tau] <= 0
accepts on some polyhedron; the other post effects (tau orthogonal to l) are nuisance parameters.

The test on one polyhedron: y = A beta - A_post l theta / (l'l), nuisance directions X = A_post N (N a basis of l's
null space), Sigma_y = A Sigma A'. The statistic eta = min_delta max_i (y - X delta)_i / sd_i equals the largest
gamma'y over the vertices gamma of the dual polytope {gamma >= 0, gamma'sd = 1, gamma'X = 0}, which depends on
neither theta nor y: the vertices are enumerated once, so every grid point is a matrix product rather than a linear
program. Conditioning on the optimal vertex gamma~ (ARP section 5), eta / sigma_B with sigma_B^2 = gamma~' Sigma_y
gamma~ is a normal truncated to [v_lo, v_up], the range of gamma~'y over which gamma~ stays optimal (closed form over
the vertices). Least-favourable hybrid: reject at once if eta exceeds the 1 - kappa quantile of eta under the
least-favourable null (kappa = alpha / 10; simulated from 1000 draws), otherwise cap v_up there and compare with the
truncated normal's 1 - (alpha - kappa) / (1 - kappa) quantile.

As HonestDiD does, with more than one post period only the moments that involve post-period coefficients enter the
test, the grid is 1000 points on +/- 20 sd(l' beta_post), the least-favourable draws are R's ``set.seed(0)``
standard normals times the symmetric square root of the moments' covariance (mvtnorm's eigen method), and the
published set is the smallest and largest accepted grid point. With one post period HonestDiD's own no-nuisance test
uses the nominal alpha and no cap; this module applies the same hybrid in both cases, as ARP define it.

Own code, not a wrapper: the only Python port on PyPI (``honestdid`` 0.1.1, a single release) needs torch and cvxpy;
this module matches the R and Stata packages' published Medicaid sets to the grid's resolution with numpy and scipy
alone (tests/test_designs_relative_magnitudes.py).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import special

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.honest_did import RobustInterval, r_rnorm
from griparm_econ.spec.design_vocabulary import MAX_POST_PERIODS

GRID_POINTS = 1000            # HonestDiD's gridPoints
GRID_HALF_WIDTH = 20.0        # grid = +/- 20 sd(theta_hat), HonestDiD's default bounds
LF_SIMULATIONS = 1000         # HonestDiD's draws for the least-favourable critical value
MAX_VERTEX_CANDIDATES = 200_000   # bases tried: C(2 * post periods, post periods) with the post-period moments
_TOL = 1e-10


def relative_magnitude_constraints(num_pre: int, num_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """A with Delta^RM_{s,sign}(mbar) = {delta : A delta <= 0}; columns are periods -num_pre..-1, 1..num_post.

    s in -(num_pre - 1)..0 names the largest pre-period difference delta_s - delta_{s-1}."""
    periods = num_pre + num_post + 1                      # with the reference period, column num_pre
    diffs = np.zeros((periods - 1, periods))
    for r in range(periods - 1):
        diffs[r, r], diffs[r, r + 1] = -1.0, 1.0
    largest = np.zeros(periods)
    largest[num_pre + s - 1], largest[num_pre + s] = -1.0, 1.0
    if not positive:
        largest = -largest
    bound = np.vstack([np.tile(largest, (num_pre, 1)), np.tile(mbar * largest, (num_post, 1))])
    a = np.vstack([diffs - bound, -diffs - bound])
    a = a[(a * a).sum(axis=1) > _TOL]                     # the largest difference bounding itself: no constraint
    return np.delete(a, num_pre, axis=1)


def dual_vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Rows: the vertices of {gamma >= 0, gamma'sd = 1, gamma'x = 0} (bounded since sd > 0), by their bases."""
    w = np.column_stack([sd, x]) if x.size else sd[:, None]
    m, k = w.shape
    if math.comb(m, k) > MAX_VERTEX_CANDIDATES:
        raise GriparmError(f"honest_did: relative-magnitudes sets with {k} post periods are too large to enumerate.",
                           field="window", fix=f"use at most {MAX_POST_PERIODS} post periods (event times 0 to "
                           f"{MAX_POST_PERIODS - 1}) for relative magnitudes.")
    bases = np.array(list(itertools.combinations(range(m), k)))
    blocks = w[bases]                                     # (n, k, k): rows of the basis
    keep = np.abs(np.linalg.det(blocks)) > 1e-12 * np.abs(w).max() ** k
    bases, blocks = bases[keep], blocks[keep]
    e1 = np.zeros(k)
    e1[0] = 1.0
    coef = np.linalg.solve(np.transpose(blocks, (0, 2, 1)), np.broadcast_to(e1, (len(blocks), k))[..., None])[..., 0]
    feasible = (coef >= -1e-9).all(axis=1)
    vertices = np.zeros((int(feasible.sum()), m))
    rows = np.arange(len(vertices))[:, None]
    vertices[rows, bases[feasible]] = np.maximum(coef[feasible], 0.0)
    return np.unique(np.round(vertices, 12), axis=0)


def _symmetric_sqrt(sigma: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((sigma + sigma.T) / 2)
    return (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


def least_favourable_cv(vertices: np.ndarray, sigma_y: np.ndarray, kappa: float) -> float:
    """1 - kappa quantile of eta = max_v v'xi, xi ~ N(0, Sigma_y), over HonestDiD's 1000 seeded draws."""
    m = sigma_y.shape[0]
    xi = r_rnorm(LF_SIMULATIONS * m, 0).reshape(LF_SIMULATIONS, m) @ _symmetric_sqrt(sigma_y)   # rows filled first
    eta = (xi @ vertices.T).max(axis=1)
    return float(np.quantile(eta, 1 - kappa))             # R's quantile type 7


def truncated_normal_quantile(p: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Quantile p of N(0, 1) truncated to [low, high], from the upper tail when it is the accurate side."""
    upper = low > 0
    lo_cdf, hi_cdf = special.ndtr(low), special.ndtr(high)
    lo_sf, hi_sf = special.ndtr(-low), special.ndtr(-high)
    with np.errstate(invalid="ignore", divide="ignore"):
        from_below = special.ndtri(lo_cdf + p * (hi_cdf - lo_cdf))
        from_above = -special.ndtri(lo_sf - p * (lo_sf - hi_sf))
    return np.where(upper, from_above, from_below)


def _accepts(y: np.ndarray, sigma_y: np.ndarray, vertices: np.ndarray, lf_cv: float, alpha: float,
             kappa: float) -> np.ndarray:
    """ARP's LF-hybrid test on each column of y (moments x grid points): True where it accepts."""
    values = vertices @ y                                  # (vertices, grid)
    best = values.argmax(axis=0)
    eta = values[best, np.arange(y.shape[1])]
    gamma = vertices[best]                                 # (grid, moments)
    var_b = np.einsum("gi,ij,gj->g", gamma, sigma_y, gamma)
    sigma_b = np.sqrt(np.maximum(var_b, 0.0))
    degenerate = sigma_b < 1e-10
    safe_var = np.where(degenerate, 1.0, var_b)
    b = (gamma @ sigma_y) / safe_var[:, None]             # y = s + b gamma~'y, s independent of gamma~'y
    s = y.T - b * eta[:, None]
    gb, gs = b @ vertices.T, s @ vertices.T                # (grid, vertices)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = gs / (1.0 - gb)
    v_lo = np.where(gb < 1 - 1e-9, cut, -np.inf).max(axis=1)
    v_up = np.where(gb > 1 + 1e-9, cut, np.inf).min(axis=1)
    safe_sd = np.where(degenerate, 1.0, sigma_b)
    z_lo, z_up, stat = v_lo / safe_sd, np.minimum(v_up, lf_cv) / safe_sd, eta / safe_sd
    inside = (z_lo <= stat) & (stat <= z_up)
    size = (alpha - kappa) / (1 - kappa)
    critical = np.maximum(0.0, truncated_normal_quantile(np.full_like(stat, 1 - size), z_lo, z_up))
    accept = ~inside | ~(stat > critical)
    accept = np.where(degenerate, eta <= 0, accept)
    return np.where(eta > lf_cv, False, accept)            # first stage of the hybrid


def _check(beta: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int, mbar: float, l_vec: np.ndarray):
    if beta.size != num_pre + num_post or sigma.shape != (beta.size, beta.size) or num_pre < 1 or num_post < 1:
        raise GriparmError("honest_did: betahat, sigma and the numbers of pre/post periods do not fit.",
                           field="betahat", fix="give num_pre >= 1 pre-period and num_post >= 1 post coefficients.")
    if not mbar >= 0:
        raise GriparmError(f"honest_did: Mbar = {mbar}.", field="Mbar", fix="give Mbar >= 0.")
    if l_vec.shape != (num_post,) or not np.any(l_vec):
        raise GriparmError("honest_did: the target weights do not fit the post periods.", field="target",
                           fix=f"give {num_post} weights, not all zero.")


def relative_magnitudes_set(betahat, sigma, *, num_pre: int, num_post: int, mbar: float, l_vec=None,
                            alpha: float = 0.05, grid_points: int = GRID_POINTS,
                            grid_bounds: tuple[float, float] | None = None) -> RobustInterval:
    """HonestDiD's C-LF robust set for l' tau_post under Delta^RM(mbar); betahat = (pre..., post...), reference
    period omitted. An empty set (no grid point accepted) has NaN ends; an end accepted at the grid's edge is
    infinite."""
    beta, sigma = np.asarray(betahat, float), np.asarray(sigma, float)
    l_vec = np.eye(num_post)[0] if l_vec is None else np.asarray(l_vec, float)
    _check(beta, sigma, num_pre, num_post, mbar, l_vec)
    kappa = alpha / 10
    sd_theta = math.sqrt(float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    low, high = grid_bounds or (-GRID_HALF_WIDTH * sd_theta, GRID_HALF_WIDTH * sd_theta)
    grid = np.linspace(low, high, grid_points)
    unit = l_vec / (l_vec @ l_vec)                         # tau = unit theta + (null space of l') nuisance
    null = np.linalg.svd(l_vec[None, :])[2][1:].T
    accepted = np.zeros(grid_points, dtype=bool)
    for s, positive in itertools.product(range(-(num_pre - 1), 1), (True, False)):
        a = relative_magnitude_constraints(num_pre, num_post, mbar, s, positive)
        a_post = a[:, num_pre:]
        rows = np.flatnonzero(np.abs(a_post).sum(axis=1) > 0) if num_post > 1 else np.arange(a.shape[0])
        sigma_y = (a @ sigma @ a.T)[np.ix_(rows, rows)]
        sd = np.sqrt(np.diag(sigma_y))
        vertices = dual_vertices(sd, (a_post @ null)[rows])
        if not len(vertices):
            accepted[:] = True                              # eta is unbounded below: the test never rejects
            continue
        lf_cv = least_favourable_cv(vertices, sigma_y, kappa)
        y = (a @ beta)[rows, None] - np.outer((a_post @ unit)[rows], grid)
        accepted |= _accepts(y, sigma_y, vertices, lf_cv, alpha, kappa)
    if not accepted.any():
        return RobustInterval("relative_magnitudes", "C-LF", float(mbar), math.nan, math.nan)
    inside = grid[accepted]
    # a set that reaches the grid's edge is unbounded there as far as the grid can tell (HonestDiD reports the edge
    # and warns that the interval is open): -inf / inf rather than a number that looks like a bound
    low = -math.inf if accepted[0] else float(inside.min())
    high = math.inf if accepted[-1] else float(inside.max())
    return RobustInterval("relative_magnitudes", "C-LF", float(mbar), low, high)
