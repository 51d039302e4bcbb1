"""Rambachan-Roth (2023) robust confidence intervals under smoothness restrictions (Delta^SD), by the optimal
fixed-length confidence interval (FLCI) of HonestDiD.

Event-study coefficients beta = (pre, post) estimate tau_post + delta with the bias delta_pre observable; Delta^SD(M)
bounds every second difference of delta (the reference period's delta is 0) by M, so M = 0 allows only linear
trends. The target theta = l' tau_post is estimated by an affine combination w' beta_hat with w_post = l; its
worst-case bias over Delta^SD(M) is M ||mu||_1 for the cheapest mu with A' mu = w (A the second-difference matrix,
linear-programming duality), and the interval w' beta_hat +/- sd(w) cv_alpha(bias / sd(w)) is valid for every
delta in Delta^SD(M) (cv_alpha(b): the 1 - alpha quantile of |N(b, 1)|). The FLCI picks w to minimise that
half-length: for each standard-deviation budget h the least-bias w is a small convex program (solved with SLSQP
on mu), and h is searched on a grid refined by a bounded scalar minimisation.

Own code: the Python ``honestdid`` package (0.1.1) needs torch and is a single release; this module matches the
R package's published Medicaid intervals at their printed precision (tests/test_designs_honest_did.py). The
relative-magnitudes sets (Delta^RM) are in relative_magnitudes.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from griparm_econ.errors import GriparmError
from griparm_econ.spec.design_vocabulary import CRITICAL_VALUES

GRID_POINTS = 40
R_SIMULATIONS = 10 ** 6     # HonestDiD's .qfoldednormal: quantile of |N(b, 1)| from 1e6 draws after set.seed(0)


@dataclass(frozen=True)
class RobustInterval:
    restriction: str          # "smoothness" (Delta^SD) or "relative_magnitudes" (Delta^RM, relative_magnitudes.py)
    method: str               # "FLCI" or "C-LF"
    m: float
    ci_low: float
    ci_high: float

    @property
    def bound_name(self) -> str:
        return "Mbar" if self.restriction == "relative_magnitudes" else "M"

    def to_json_dict(self) -> dict:
        out = {"restriction": self.restriction, "method": self.method, self.bound_name: self.m,
               "ci_low": self.ci_low, "ci_high": self.ci_high}
        if self.restriction == "relative_magnitudes":      # null ends: an empty set, or unbounded on the grid
            out["empty"] = bool(math.isnan(self.ci_low))
        return out

    @classmethod
    def from_json_dict(cls, stored: dict) -> "RobustInterval":
        """The interval as :meth:`to_json_dict` wrote it. JSON has no infinities, so a null end is NaN for an empty
        set and -inf/inf (the side it stands on) for a relative-magnitudes set unbounded on the grid."""
        restriction = stored["restriction"]
        empty = stored.get("empty", True) if restriction == "relative_magnitudes" else True

        def end(value, unbounded: float) -> float:
            if value is not None:
                return float(value)
            return math.nan if empty else unbounded

        bound = stored["Mbar"] if restriction == "relative_magnitudes" else stored["M"]
        return cls(restriction, stored["method"], math.nan if bound is None else float(bound),
                   end(stored["ci_low"], -math.inf), end(stored["ci_high"], math.inf))


def folded_normal_quantile(bias: float, level: float) -> float:
    """c with P(|N(bias, 1)| <= c) = level."""
    b = abs(bias)
    def coverage(c):
        return stats.norm.cdf(c - b) - stats.norm.cdf(-c - b) - level
    return float(optimize.brentq(coverage, 0.0, b + 10.0, xtol=1e-14))


def r_rnorm(n: int, seed: int) -> np.ndarray:
    """R's ``set.seed(seed); rnorm(n)`` (Mersenne-Twister, Inversion): R's seed scrambling, numpy's MT19937 core,
    R's two-uniform inversion. Checked against R: set.seed(0); rnorm(5) = 1.2629543 -0.3262334 1.3297993 ..."""
    state = np.uint32(seed)
    key = np.empty(625, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for _ in range(50):
            state = np.uint32(np.uint32(69069) * state + np.uint32(1))
        for j in range(625):
            state = np.uint32(np.uint32(69069) * state + np.uint32(1))
            key[j] = state
    generator = np.random.MT19937()
    generator.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}   # key[0] is R's mti
    tiny = 2.328306437080797e-10
    uniforms = np.clip(generator.random_raw(2 * n).astype(np.float64) * 2.3283064365386963e-10, tiny / 2,
                       1 - tiny / 2)
    big = 134217728.0   # 2^27: R adds a second uniform for precision
    return special.ndtri((np.floor(big * uniforms[0::2]) + uniforms[1::2]) / big)


class FoldedNormalQuantile:
    """cv(b) = the ``level`` quantile of |N(b, 1)|: exact, or as HonestDiD computes it (simulated, R's RNG)."""

    def __init__(self, level: float, kind: str):
        if kind not in CRITICAL_VALUES:
            raise GriparmError(f"honest_did: critical = {kind!r}.", field="critical",
                               fix=f"use one of {', '.join(CRITICAL_VALUES)}.")
        self.level, self.kind = level, kind
        self.draws = r_rnorm(R_SIMULATIONS, 0) if kind == "honestdid" else None

    def __call__(self, bias: float) -> float:
        if self.draws is None:
            return folded_normal_quantile(bias, self.level)
        return float(np.quantile(np.abs(self.draws + bias), self.level))   # R quantile type 7


def _second_differences(num_pre: int, num_post: int) -> np.ndarray:
    """Rows: second differences of delta over periods -num_pre..num_post with delta_0 = 0 dropped (columns)."""
    periods = list(range(-num_pre, 0)) + list(range(1, num_post + 1))
    column = {t: j for j, t in enumerate(periods)}
    rows = []
    for t in range(-num_pre + 1, num_post):
        row = np.zeros(len(periods))
        for s, coef in ((t - 1, 1.0), (t, -2.0), (t + 1, 1.0)):
            if s in column:
                row[column[s]] += coef
        rows.append(row)
    return np.array(rows)


class _Problem:
    def __init__(self, sigma: np.ndarray, num_pre: int, num_post: int, l_vec: np.ndarray):
        self.sigma, self.num_pre, self.l_vec = sigma, num_pre, l_vec
        a = _second_differences(num_pre, num_post)
        self.a_pre, self.a_post = a[:, :num_pre].T, a[:, num_pre:].T
        self.k = a.shape[0]

    def weights(self, mu: np.ndarray) -> np.ndarray:
        return np.concatenate([self.a_pre @ mu, self.l_vec])

    def sd(self, mu: np.ndarray) -> float:
        w = self.weights(mu)
        return float(np.sqrt(max(w @ self.sigma @ w, 0.0)))

    def min_variance(self) -> np.ndarray:
        """mu of the least-variance estimator whose bias is finite (w orthogonal to linear trends), exactly: the
        weights solve a KKT system; mu is the least-L1 representation A' mu = w (a linear program, HiGHS)."""
        num_pre = self.num_pre
        trend = np.concatenate([np.arange(-num_pre, 0), np.arange(1, self.l_vec.size + 1)]).astype(float)
        s_pp, s_pq = self.sigma[:num_pre, :num_pre], self.sigma[:num_pre, num_pre:]
        kkt = np.block([[2 * s_pp, trend[:num_pre, None]], [trend[None, :num_pre], np.zeros((1, 1))]])
        rhs = np.concatenate([-2 * s_pq @ self.l_vec, [-trend[num_pre:] @ self.l_vec]])
        w = np.concatenate([np.linalg.solve(kkt, rhs)[:num_pre], self.l_vec])
        a_t = np.vstack([self.a_pre, self.a_post])
        k = self.k
        lp = optimize.linprog(np.ones(2 * k), A_eq=np.hstack([a_t, -a_t]), b_eq=w, bounds=[(0, None)] * (2 * k),
                              method="highs")
        return lp.x[:k] - lp.x[k:]

    def solve(self, h: float, start: np.ndarray) -> np.ndarray:
        """mu minimising ||mu||_1 with A_post' mu = l and sd <= h."""
        k = self.k
        split = np.concatenate([np.maximum(start, 0), np.maximum(-start, 0)])

        def mu_of(x):
            return x[:k] - x[k:]
        cons = [{"type": "eq", "fun": lambda x: self.a_post @ mu_of(x) - self.l_vec},
                {"type": "ineq", "fun": lambda x: h ** 2 - self.sd(mu_of(x)) ** 2}]
        res = optimize.minimize(lambda x: x.sum(), split, method="SLSQP", bounds=[(0, None)] * (2 * k),
                                constraints=cons, options={"ftol": 1e-15, "maxiter": 2000})
        return mu_of(res.x)


def smoothness_flci(betahat, sigma, *, num_pre: int, num_post: int, m: float, l_vec=None,
                    alpha: float = 0.05, critical: str = "honestdid") -> RobustInterval:
    """The optimal FLCI for l' tau_post under Delta^SD(m); betahat = (pre..., post...), reference period omitted.

    ``critical = "honestdid"`` (default) takes cv_alpha from HonestDiD's simulation (1e6 draws of R's RNG, seed 0),
    which the published intervals depend on at their fourth digit; ``"exact"`` solves for it."""
    beta = np.asarray(betahat, float)
    sigma = np.asarray(sigma, float)
    if beta.size != num_pre + num_post or sigma.shape != (beta.size, beta.size) or num_pre < 2 or num_post < 1:
        raise GriparmError("honest_did: betahat, sigma and the numbers of pre/post periods do not fit.",
                           field="betahat", fix="give num_pre >= 2 pre-period and num_post >= 1 post coefficients.")
    if m < 0:
        raise GriparmError(f"honest_did: M = {m}.", field="M", fix="give M >= 0.")
    l_vec = np.eye(num_post)[0] if l_vec is None else np.asarray(l_vec, float)
    problem = _Problem(sigma, num_pre, num_post, l_vec)
    mu_low = problem.min_variance()
    h_low = problem.sd(mu_low)
    mu_unbiased = problem.solve(1e6 * max(h_low, 1e-12), mu_low)
    h_high = max(problem.sd(mu_unbiased), h_low)
    cv = FoldedNormalQuantile(1 - alpha, critical)

    def half_length(h: float) -> tuple[float, np.ndarray]:
        mu = problem.solve(h, mu_unbiased if h >= h_high else mu_low)
        sd = problem.sd(mu)
        bias = m * np.abs(mu).sum()
        return sd * cv(bias / sd), mu

    if m == 0 or h_high - h_low <= 1e-12 * h_low:
        best_mu = mu_low
        best = h_low * cv(m * np.abs(mu_low).sum() / h_low)
    else:
        grid = np.linspace(h_low, h_high, GRID_POINTS)
        values = [half_length(h)[0] for h in grid]
        i = int(np.argmin(values))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, GRID_POINTS - 1)]
        refined = optimize.minimize_scalar(lambda h: half_length(h)[0], bounds=(lo, hi), method="bounded",
                                           options={"xatol": 1e-12 * h_high})
        best, best_mu = half_length(refined.x) if refined.fun <= values[i] else half_length(grid[i])
    centre = float(problem.weights(best_mu) @ beta)
    return RobustInterval("smoothness", "FLCI", float(m), centre - best, centre + best)
