"""Fast fixed-effects engine for many models at once (the multiverse of issue 6).

A multiverse is hundreds of linear models that differ in outcome, regressors, controls and sample, but draw on one
panel. This module does the work they share once:

* the panel's columns are converted to one float matrix and the entity and time identifiers to integer codes once;
* each model's estimation sample is its complete cases (rows where its own outcome and regressors are all present,
  inside its optional sample restriction), with singletons of the absorbed fixed effects dropped iteratively as
  fixest does;
* models with the same estimation sample and the same fixed-effect structure form one *group*, and the
  within-transformation of every column any model of the group uses is computed once for the group, as one matrix.
  A multiverse whose models differ in their regressors but not in their complete-case sample (e.g. controls without
  gaps, or specifications that share a restricted sample) therefore demeans each column once, not once per model.

The within-transformation is exact, not iterative, whenever one fixed-effect dimension is small (years in a
country-year panel): one-way demeaning on the large dimension, then the projection on the demeaned dummies of the
small dimension, solved through its (small) Gram matrix whose null space is known from the connected components of
the panel's bipartite graph. When both dimensions are large it falls back to the method of alternating projections
with a tight tolerance.

Covariances follow fixest/pyfixest's default small-sample conventions (``ssc()`` defaults, the
:class:`~griparm_econ.estimation.small_sample.SmallSample` object): K counts the regressors plus the absorbed
fixed-effect levels, minus one per extra fixed-effect dimension, and a fixed effect nested in the cluster variable
counts as one parameter only; iid uses SSR/(N-K), hetero N/(N-K), clustered G/(G-1) * (N-1)/(N-K), and p-values use a
t distribution with N-K (iid, hetero) or G-1 (clustered) degrees of freedom.

Groups are fitted in parallel with joblib; the executor is one setting (``backend``): ``"loky"`` (processes on all
cores, the default), ``"threading"``, ``"sequential"``, or ``"dask"``: a dask.distributed cluster whose scheduler
address is given (``scheduler="tcp://host:8786"``), so that the same grid runs unchanged on a cluster when one
machine is not enough. The results do not depend on the backend: the same fits come back in the same order.

Each worker receives the prepared panel once per chunk of groups (joblib memory-maps its large arrays for local
processes) and the row indices of its groups. For small grids the start-up of process workers can cost more than it
saves; ``backend="sequential"`` is then as fast.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, sparse, special
from scipy.sparse.csgraph import connected_components

from griparm_econ.errors import SpecError
from griparm_econ.estimation.results import ModelResult
from griparm_econ.estimation.small_sample import FIXEF_K, SmallSample

EFFECTS = ("entity", "time")
# cov keys shared with estimation.covariance where they mean the same thing; "iid"/"hetero" are fixest's names.
COV_ALIASES = {"unadjusted": "iid", "iid": "iid", "robust": "hetero", "hetero": "hetero"}
BACKENDS = ("loky", "threading", "sequential", "multiprocessing", "dask")
DASK_INSTALL = "pip install 'griparm-econ[cluster]' (dask.distributed)"
INTERCEPT = "Intercept"

# Exact two-way demeaning solves a dense system in the smaller dimension; beyond this many levels it would cost more
# than alternating projections.
EXACT_TWO_WAY_MAX_LEVELS = 2000
MAP_TOLERANCE = 1e-13
MAP_MAX_ITERATIONS = 100_000
# fixest's default collinearity tolerance (relative pivot of the Cholesky factor).
COLLINEARITY_TOLERANCE = 1e-9
CONNECT_TIMEOUT_SECONDS = 20      # to reach a dask scheduler


@dataclass(frozen=True)
class WithinModel:
    """One linear model: ``dependent ~ regressors`` with absorbed ``effects``.

    ``cov`` is ``"iid"`` (alias ``"unadjusted"``), ``"hetero"`` (alias ``"robust"``: White/HC1, as fixest's hetero) or
    ``"cluster:<dim>"`` where ``<dim>`` is ``entity``, ``time`` or any column of the frame. ``sample`` names a boolean
    column of the frame that restricts the estimation sample (e.g. ``resource_rich``). Without effects the model gets
    an intercept, as fixest's ``y ~ x`` does. ``fixef_k`` says how absorbed fixed effects enter K of the small-sample
    factor, with pyfixest's ``ssc(k_fixef=...)`` meanings: ``"nonnested"`` (default of fixest and pyfixest: a fixed
    effect nested in the cluster counts as one), ``"full"`` (all levels, minus one per extra dimension; what
    linearmodels' ``debiased=True, group_debias=True`` gives) or ``"none"`` (regressors only).
    """

    name: str
    dependent: str
    regressors: tuple[str, ...]
    effects: tuple[str, ...] = ("entity", "time")
    cov: str = "cluster:entity"
    sample: str | None = None
    fixef_k: str = "nonnested"

    def __post_init__(self):
        if self.fixef_k not in FIXEF_K:
            raise SpecError(f"model {self.name!r} has fixef_k = {self.fixef_k!r}.", field="fixef_k",
                            fix=f"use one of {FIXEF_K}.")
        object.__setattr__(self, "regressors", tuple(self.regressors))
        object.__setattr__(self, "effects", tuple(e for e in EFFECTS if e in self.effects))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.dependent, *self.regressors)

    @property
    def small_sample(self) -> SmallSample:
        """fixest's default convention with this model's ``fixef_k``."""
        return SmallSample(fixef_k=self.fixef_k)


@dataclass(frozen=True)
class WithinFit:
    """One fitted model as plain arrays, in the order of ``names``."""

    model: WithinModel
    names: tuple[str, ...]
    params: np.ndarray
    std_errors: np.ndarray
    tstats: np.ndarray
    pvalues: np.ndarray
    cov_matrix: np.ndarray
    nobs: int
    df_k: int                         # K in the small-sample factor
    df_t: int                         # degrees of freedom of the t distribution for p-values
    n_clusters: int | None
    n_entities: int
    n_periods: int
    years: tuple[int, int] | None
    n_singletons_dropped: int
    rsquared: float                   # of the full model, fixed effects included (fixest's r2)
    rsquared_within: float | None     # of the demeaned model (fixest's wr2); None without fixed effects
    ssr: float
    dropped_collinear: tuple[str, ...] = ()

    def params_dict(self) -> dict[str, float]:
        return dict(zip(self.names, map(float, self.params)))


# ---------------------------------------------------------------------------------------------------------------------
# Preparation shared by all models


@dataclass
class _Panel:
    """The frame reduced once to what every model needs: codes and one float matrix."""

    entity_codes: np.ndarray
    time_codes: np.ndarray
    time_values: np.ndarray
    values: np.ndarray                 # n_rows x n_columns, float64, NaN for missing
    column_index: dict[str, int]
    present: np.ndarray                # n_rows x n_columns, bool
    samples: dict[str, np.ndarray]     # sample column -> bool array
    cluster_codes: dict[str, np.ndarray]


def _codes(series: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(series, sort=True)
    return codes.astype(np.int64)


def _prepare(frame: pd.DataFrame, models: Sequence[WithinModel], entity: str, time: str) -> _Panel:
    for column in (entity, time):
        if column not in frame.columns:
            raise SpecError(f"the panel has no column {column!r}.", field=column,
                            fix="pass the entity and time columns of the panel (e.g. entity='iso3', time='year').")
    used: list[str] = []
    for model in models:
        for effect in model.effects:
            if effect not in EFFECTS:
                raise SpecError(f"unknown fixed effect {effect!r} in model {model.name!r}.", field="effects",
                                fix=f"use a subset of {EFFECTS}.")
        for column in model.columns:
            if column not in frame.columns:
                raise SpecError(f"model {model.name!r} uses {column!r}, which is not a column of the panel.",
                                field=column, fix="add the variable to the panel or correct its name.")
            if column not in used:
                used.append(column)
        _cov_kind(model)
    values = np.empty((len(frame), len(used)), dtype=np.float64)
    for j, column in enumerate(used):
        try:
            values[:, j] = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as error:
            raise SpecError(f"column {column!r} is not numeric ({error}).", field=column,
                            fix="use a numeric variable, or encode the category as indicator columns.") from None
    entity_codes, time_codes = _codes(frame[entity]), _codes(frame[time])
    time_values = frame[time].to_numpy()
    samples = {}
    cluster_codes = {"entity": entity_codes, "time": time_codes}
    for model in models:
        if model.sample is not None and model.sample not in samples:
            if model.sample not in frame.columns:
                raise SpecError(f"model {model.name!r} restricts its sample to {model.sample!r}, which is not a column "
                                "of the panel.", field="sample", fix="name a boolean column of the panel.")
            restriction = frame[model.sample]
            if not (pd.api.types.is_bool_dtype(restriction) or pd.api.types.is_numeric_dtype(restriction)):
                raise SpecError(f"the sample column {model.sample!r} is not boolean.", field="sample",
                                fix="name a column of True/False (missing counts as False).")
            samples[model.sample] = restriction.fillna(False).to_numpy(dtype=bool)
        kind, dim = _cov_kind(model)
        if kind == "cluster" and dim not in cluster_codes:
            if dim not in frame.columns:
                raise SpecError(f"model {model.name!r} clusters by {dim!r}, which is not a column of the panel.",
                                field="cov", fix="cluster by 'entity', 'time' or an existing column.")
            cluster_codes[dim] = _codes(frame[dim])
    present = ~np.isnan(values)
    present &= (entity_codes >= 0)[:, None] & (time_codes >= 0)[:, None]
    return _Panel(entity_codes, time_codes, time_values, values, {c: j for j, c in enumerate(used)}, present,
                  samples, cluster_codes)


def _cov_kind(model: WithinModel) -> tuple[str, str | None]:
    if model.cov in COV_ALIASES:
        return COV_ALIASES[model.cov], None
    if model.cov.startswith("cluster:") and len(model.cov) > len("cluster:"):
        return "cluster", model.cov.split(":", 1)[1]
    raise SpecError(f"model {model.name!r} asks for covariance {model.cov!r}.", field="cov",
                    fix="use 'iid', 'hetero' (or 'unadjusted', 'robust') or 'cluster:<entity|time|column>'.")


def drop_singletons(codes: Sequence[np.ndarray], keep: np.ndarray) -> np.ndarray:
    """Drop, until none is left, rows that are alone in their level of any fixed effect (fixest's fixef_rm)."""
    keep = keep.copy()
    while True:
        changed = False
        for code in codes:
            counts = np.bincount(code[keep], minlength=int(code.max()) + 1 if code.size else 0)
            alone = keep & (counts[code] == 1)
            if alone.any():
                keep &= ~alone
                changed = True
        if not changed:
            return keep


def _model_rows(panel: _Panel, model: WithinModel) -> np.ndarray:
    columns = [panel.column_index[c] for c in model.columns]
    keep = panel.present[:, columns].all(axis=1)
    if model.sample is not None:
        keep &= panel.samples[model.sample]
    kind, dim = _cov_kind(model)
    if kind == "cluster":
        keep &= panel.cluster_codes[dim] >= 0          # a row without a cluster label cannot enter the meat
    return keep


# ---------------------------------------------------------------------------------------------------------------------
# Within-transformation


def _compact(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber non-negative integer codes 0..L-1 over the levels present, keeping their order."""
    if codes.size == 0:
        return codes.astype(np.int64), 0
    present = np.bincount(codes) > 0
    renumbered = np.cumsum(present) - 1
    return renumbered[codes], int(present.sum())


def _group_sums(codes: np.ndarray, n_levels: int, values: np.ndarray) -> np.ndarray:
    """Sum of each column of ``values`` within each level: n_levels x p."""
    out = np.empty((n_levels, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_levels)
    return out


def _demean_one_way(codes: np.ndarray, n_levels: int, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_levels).astype(np.float64)
    means = _group_sums(codes, n_levels, values) / counts[:, None]
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
    demeaned_large = _demean_one_way(large, n_large, values)
    rhs = _group_sums(small, n_small, demeaned_large)
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
            out = _demean_one_way(code, n_levels, out)
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
    compacted = [_compact(c) for c in present]
    if len(compacted) == 1:
        return _demean_one_way(*compacted[0], values)
    (a, n_a), (b, n_b) = compacted
    if n_b > n_a:
        (a, n_a), (b, n_b) = (b, n_b), (a, n_a)
    if method == "map" or (method == "auto" and n_b > EXACT_TWO_WAY_MAX_LEVELS):
        return _demean_alternating([(a, n_a), (b, n_b)], values)
    return _demean_two_way_exact(a, n_a, b, n_b, values)


# ---------------------------------------------------------------------------------------------------------------------
# OLS and covariance on the transformed columns


def _collinear_columns(xtx: np.ndarray, scale: np.ndarray, tol: float = COLLINEARITY_TOLERANCE) -> list[int]:
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


def _nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Every level of ``inner`` lies in a single level of ``outer`` (both compact codes)."""
    outer_of_level = np.empty(int(inner.max()) + 1, dtype=outer.dtype)
    outer_of_level[inner] = outer                     # any one row's outer level per inner level
    return bool(np.array_equal(outer_of_level[inner], outer))


def _fit_one(model: WithinModel, names: list[str], y: np.ndarray, x: np.ndarray, x_scale: np.ndarray,
             y_raw: np.ndarray,
             fe_codes: dict[str, np.ndarray], cluster: np.ndarray | None, years: tuple[int, int] | None,
             n_entities: int, n_periods: int, n_singletons: int) -> WithinFit:
    n = y.size
    dropped = _collinear_columns(x.T @ x, x_scale) if x.shape[1] else []
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

    kind, dim = _cov_kind(model)
    if kind == "cluster" and int(cluster.max()) < 1:
        raise SpecError(f"model {model.name!r} has a single cluster in its estimation sample.", field="cov",
                        fix="cluster by a dimension with several levels in this sample, or use 'hetero'.")
    levels = {e: int(c.max()) + 1 for e, c in fe_codes.items()}          # compact codes
    n_fe = len(levels)
    ssc = model.small_sample
    nested = {e: kind == "cluster" and (e == dim or _nested(c, cluster)) for e, c in fe_codes.items()}
    df_k = ssc.k(k, levels, nested)
    if n - df_k <= 0:
        raise SpecError(f"model {model.name!r} has {n} observations for {df_k} parameters (fixed effects "
                        "included).", field="sample", fix="use fewer regressors or fixed effects, or a larger sample.")
    n_clusters = None
    if kind == "cluster":
        n_clusters = int(cluster.max()) + 1
        scores = _group_sums(cluster, int(cluster.max()) + 1, x * resid[:, None])
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


# ---------------------------------------------------------------------------------------------------------------------
# Groups: one estimation sample and fixed-effect structure, many models


@dataclass
class _Group:
    effects: tuple[str, ...]
    rows: np.ndarray                   # row indices of the estimation sample
    n_singletons: int
    models: list[tuple[int, WithinModel]] = field(default_factory=list)


def _plan_groups(panel: _Panel, models: Sequence[WithinModel]) -> list[_Group]:
    groups: dict[tuple[bytes, tuple[str, ...]], _Group] = {}
    singleton_cache: dict[tuple[bytes, tuple[str, ...]], tuple[np.ndarray, int]] = {}
    for position, model in enumerate(models):
        keep = _model_rows(panel, model)
        key = (np.packbits(keep).tobytes(), model.effects)
        if key not in singleton_cache:
            codes = [panel.entity_codes if e == "entity" else panel.time_codes for e in model.effects]
            final = drop_singletons(codes, keep) if codes else keep
            singleton_cache[key] = (np.flatnonzero(final).astype(np.int32), int(keep.sum() - final.sum()))
        rows, n_singletons = singleton_cache[key]
        final_key = (rows.tobytes(), model.effects)
        group = groups.get(final_key)
        if group is None:
            group = groups[final_key] = _Group(model.effects, rows, n_singletons)
        group.models.append((position, model))
    return list(groups.values())


def sample_groups(frame: pd.DataFrame, models: Sequence[WithinModel], *, entity: str,
                  time: str) -> list[tuple[int, ...]]:
    """Positions of the models that share one estimation sample and fixed-effect structure, hence one
    within-transformation: what :func:`fit_many` will compute once per group."""
    models = list(models)
    panel = _prepare(frame, models, entity, time)
    return [tuple(position for position, _ in group.models) for group in _plan_groups(panel, models)]


@dataclass
class _GroupTask:
    """Everything a worker needs for one group, without the rest of the panel."""

    effects: tuple[str, ...]
    n_singletons: int
    columns: list[str]
    values: np.ndarray
    entity_codes: np.ndarray
    time_codes: np.ndarray
    time_values: np.ndarray
    clusters: dict[str, np.ndarray]
    models: list[tuple[int, WithinModel]]
    method: str


def _task(panel: _Panel, group: _Group, method: str) -> _GroupTask:
    columns: list[str] = []
    for _, model in group.models:
        columns += [c for c in model.columns if c not in columns]
    rows = group.rows
    values = panel.values[np.ix_(rows, [panel.column_index[c] for c in columns])]
    clusters = {}
    for _, model in group.models:
        kind, dim = _cov_kind(model)
        if kind == "cluster" and dim not in clusters:
            clusters[dim] = panel.cluster_codes[dim][rows]
    return _GroupTask(group.effects, group.n_singletons, columns, values, panel.entity_codes[rows],
                      panel.time_codes[rows], panel.time_values[rows], clusters, group.models, method)


def _year_range(time_values: np.ndarray) -> tuple[int, int] | None:
    try:
        return int(np.min(time_values)), int(np.max(time_values))
    except (TypeError, ValueError):
        return None


def _fit_group(task: _GroupTask) -> list[tuple[int, WithinFit]]:
    entity = task.entity_codes if "entity" in task.effects else None
    time = task.time_codes if "time" in task.effects else None
    demeaned = within_transform(task.values, entity, time, method=task.method)
    where = {c: j for j, c in enumerate(task.columns)}
    raw = task.values
    # Variation of each column before the transformation: the yardstick of the collinearity check.
    scale = ((raw - raw.mean(axis=0)) ** 2).sum(axis=0) if task.effects else (raw ** 2).sum(axis=0)
    fe_codes = {}
    if entity is not None:
        fe_codes["entity"] = _compact(entity)[0]
    if time is not None:
        fe_codes["time"] = _compact(time)[0]
    clusters = {dim: _compact(codes)[0] for dim, codes in task.clusters.items()}
    n_entities = _compact(task.entity_codes)[1]
    n_periods = _compact(task.time_codes)[1]
    years = _year_range(task.time_values) if task.time_values.size else None
    out = []
    for position, model in task.models:
        y = demeaned[:, where[model.dependent]]
        y_raw = task.values[:, where[model.dependent]]
        x = demeaned[:, [where[c] for c in model.regressors]]
        x_scale = scale[[where[c] for c in model.regressors]]
        names = list(model.regressors)
        if not model.effects:
            x = np.column_stack([np.ones(y.size), x])
            x_scale = np.concatenate([[float(y.size)], x_scale])
            names = [INTERCEPT, *names]
        kind, dim = _cov_kind(model)
        cluster = clusters[dim] if kind == "cluster" else None
        out.append((position, _fit_one(model, names, y, x, x_scale, y_raw, fe_codes, cluster, years, n_entities,
                                       n_periods, task.n_singletons)))
    return out


def _fit_chunk(panel: _Panel, groups: list[_Group], method: str) -> list[tuple[int, WithinFit]] | dict:
    """Fit a chunk of groups. The panel travels whole (joblib memory-maps its large arrays for process workers);
    each group only names its rows, so a chunk costs little to send."""
    out = []
    for group in groups:
        try:
            out += _fit_group(_task(panel, group, method))
        except SpecError as error:
            # Sent back as plain fields: an exception with keyword-only details does not survive pickling intact.
            return {"problem": error.problem, "where": error.where, "field": error.field, "fix": error.fix}
    return out


def _chunks(groups: list[_Group], n_chunks: int) -> list[list[_Group]]:
    """Balance chunks by rows x models, largest first, so that each worker gets about the same work."""
    def load(group: _Group) -> int:
        return group.rows.size * len(group.models)

    loads = [0] * n_chunks
    chunks: list[list[_Group]] = [[] for _ in range(n_chunks)]
    for group in sorted(groups, key=load, reverse=True):
        target = loads.index(min(loads))
        chunks[target].append(group)
        loads[target] += load(group)
    return [c for c in chunks if c]


def fit_many(frame: pd.DataFrame, models: Sequence[WithinModel], *, entity: str, time: str, n_jobs: int = -1,
             backend: str = "loky", progress: bool = True, method: str = "auto",
             chunks_per_job: int = 4, scheduler: str | None = None) -> list[WithinFit]:
    """Fit every model on ``frame``; results come back in the order of ``models``.

    ``n_jobs`` workers (-1: all cores) of joblib ``backend`` fit groups of models that share a sample and fixed-effect
    structure; ``progress`` shows a tqdm bar counting models. With ``backend="dask"``, ``scheduler`` is the address
    of a running dask.distributed scheduler (without one, a client already connected in this process is used).
    """
    if backend not in BACKENDS:
        raise SpecError(f"unknown executor backend {backend!r}.", field="backend", fix=f"use one of {BACKENDS}.")
    if backend == "dask":
        with _dask_client(scheduler):
            return _fit_many(frame, models, entity, time, n_jobs, backend, progress, method, chunks_per_job)
    return _fit_many(frame, models, entity, time, n_jobs, backend, progress, method, chunks_per_job)


def _fit_many(frame: pd.DataFrame, models: Sequence[WithinModel], entity: str, time: str, n_jobs: int,
              backend: str, progress: bool, method: str, chunks_per_job: int) -> list[WithinFit]:
    models = list(models)
    if not models:
        return []
    panel = _prepare(frame, models, entity, time)
    groups = _plan_groups(panel, models)
    for group in groups:
        if group.rows.size == 0:
            names = ", ".join(m.name for _, m in group.models[:3])
            raise SpecError(f"model(s) {names} have no complete observations.", field="sample",
                            fix="check the variables' coverage and the sample restriction.")

    from joblib import Parallel, delayed, effective_n_jobs, parallel_config
    from tqdm.auto import tqdm

    if backend == "sequential":
        workers = 1
    else:
        # Asked inside the backend's context: on a dask cluster -1 means the cluster's workers, not ours.
        with parallel_config(backend=backend, n_jobs=n_jobs):
            workers = effective_n_jobs()
    local = workers == 1 and backend != "dask"      # a one-worker cluster still fits on the cluster
    n_chunks = 1 if local else min(len(groups), workers * chunks_per_job)
    chunks = _chunks(groups, n_chunks)
    results: list[WithinFit | None] = [None] * len(models)
    with tqdm(total=len(models), disable=not progress, desc="models", unit="model") as bar:
        def store(fitted: list[tuple[int, WithinFit]] | dict[str, str | None]) -> None:
            if isinstance(fitted, dict):
                raise SpecError(fitted["problem"], where=fitted["where"], field=fitted["field"], fix=fitted["fix"])
            for position, fit in fitted:
                results[position] = fit
            bar.update(len(fitted))

        if local:
            for chunk in chunks:
                store(_fit_chunk(panel, chunk, method))
        else:
            with parallel_config(backend=backend, n_jobs=n_jobs):
                calls = (delayed(_fit_chunk)(panel, chunk, method) for chunk in chunks)
                for fitted in Parallel(return_as="generator")(calls):
                    store(fitted)
    return results  # type: ignore[return-value]


@contextmanager
def _dask_client(scheduler: str | None):
    """A client of the cluster at ``scheduler`` for the duration of one fit (joblib's dask backend uses it), closed
    afterwards; the cluster itself is left running."""
    try:
        from distributed import Client, get_client
    except ImportError:
        raise SpecError("the executor backend 'dask' is not installed.", field="backend",
                        fix=DASK_INSTALL + "; or use 'loky' on this machine.") from None
    if scheduler is None:
        try:
            get_client()
        except ValueError:
            raise SpecError("the executor backend 'dask' needs the address of a dask scheduler.", field="scheduler",
                            fix="set [executor] scheduler = \"tcp://HOST:8786\" in the spec or pass --scheduler "
                                "tcp://HOST:8786 (docs/specs.md, Executor).") from None
        yield
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=True)
    except (OSError, TimeoutError) as err:
        raise SpecError(f"no dask scheduler answered at {scheduler!r} within {CONNECT_TIMEOUT_SECONDS} s ({err}).",
                        field="scheduler", fix="start the cluster first (dask scheduler / dask worker, or "
                        "dask-jobqueue) and check the address and port.") from None
    with client:
        yield


def fit_one(frame: pd.DataFrame, model: WithinModel, *, entity: str, time: str, method: str = "auto") -> WithinFit:
    """One model, in this process."""
    return fit_many(frame, [model], entity=entity, time=time, backend="sequential", progress=False,
                    method=method)[0]


@dataclass(frozen=True)
class WithinDesign:
    """A model's estimation sample ready for the wild cluster bootstrap.

    Fixed effects nested in the clusters are partialled out (FWL); with ``partial_out="nested"`` the others enter
    ``x`` as dummy columns (named ``time[2001]`` etc., redundant levels dropped), because the bootstrap residuals
    must stay orthogonal to them, which partialling out once before the bootstrap does not guarantee when they cut
    across clusters. ``partial_out="all"`` partials out every fixed effect (faster; exact only for nested effects).
    """

    names: tuple[str, ...]          # columns of x; the model's regressors come first
    y: np.ndarray
    x: np.ndarray
    clusters: np.ndarray | None
    df_k: int                       # K of the model's small-sample factor (fixest convention)
    partialled_out: tuple[str, ...] = ()
    as_dummies: tuple[str, ...] = ()


def within_design(frame: pd.DataFrame, model: WithinModel, *, entity: str, time: str, method: str = "auto",
                  partial_out: str = "nested") -> WithinDesign:
    """The outcome and regressors of one model with its fixed effects handled for the bootstrap, its cluster codes
    and its small-sample K."""
    if partial_out not in ("nested", "all"):
        raise SpecError(f"partial_out = {partial_out!r}.", field="partial_out", fix="use 'nested' or 'all'.")
    panel = _prepare(frame, [model], entity, time)
    task = _task(panel, _plan_groups(panel, [model])[0], method)
    fit = _fit_group(task)[0][1]
    kind, dim = _cov_kind(model)
    clusters = _compact(task.clusters[dim])[0] if kind == "cluster" else None
    codes = {"entity": _compact(task.entity_codes)[0], "time": _compact(task.time_codes)[0]}
    if partial_out == "all" or clusters is None:
        absorbed = list(task.effects)
    else:
        absorbed = [e for e in task.effects if e == dim or _nested(codes[e], clusters)]
    dummies = [e for e in task.effects if e not in absorbed]
    where = {c: j for j, c in enumerate(task.columns)}
    regressors = [name for name in fit.names if name != INTERCEPT]
    raw = task.values[:, [where[model.dependent]] + [where[c] for c in regressors]]
    extra_names: list[str] = []
    if not task.effects:
        raw = np.column_stack([raw[:, :1], np.ones(raw.shape[0]), raw[:, 1:]])
        extra_names = []
    for effect in dummies:
        levels, inverse = np.unique(task.time_values if effect == "time" else task.entity_codes, return_inverse=True)
        block = np.zeros((raw.shape[0], levels.size))
        block[np.arange(raw.shape[0]), inverse.ravel()] = 1.0
        raw = np.column_stack([raw, block])
        extra_names += [f"{effect}[{level}]" for level in levels]
    transformed = within_transform(raw, codes["entity"] if "entity" in absorbed else None,
                                   codes["time"] if "time" in absorbed else None, method=method)
    y, x = transformed[:, 0], transformed[:, 1:]
    names = ([INTERCEPT] if not task.effects else []) + regressors + extra_names
    if extra_names:
        # Redundant dummies (one level per absorbed dimension or per extra dimension) are dropped; regressors come
        # first, so none of them is, having survived the fit's own check.
        scale = (raw[:, 1:] ** 2).sum(axis=0)
        dropped = set(_collinear_columns(x.T @ x, scale))
        keep = [j for j in range(x.shape[1]) if j not in dropped]
        x, names = x[:, keep], [names[j] for j in keep]
    return WithinDesign(tuple(names), y, x, clusters, fit.df_k, tuple(absorbed), tuple(dummies))


# ---------------------------------------------------------------------------------------------------------------------
# Hand-over to the report


def _cov_label(model: WithinModel, entity_label: str, time_label: str) -> str:
    kind, dim = _cov_kind(model)
    if kind == "iid":
        return "Conventional"
    if kind == "hetero":
        return "Robust (HC1)"
    label = {"entity": entity_label, "time": time_label}.get(dim, dim)
    return f"Clustered by {label.lower()}"


def to_model_result(fit: WithinFit, *, entity_label: str = "Entity", time_label: str = "Time",
                    bootstrap: Mapping[str, Mapping[str, float]] | None = None,
                    notes: Sequence[str] = ()) -> ModelResult:
    """A :class:`ModelResult` for the report, estimator ``panel_ols`` (with effects) or ``ols`` (without)."""
    model = fit.model
    names = fit.names
    formula = f"{model.dependent} ~ {' + '.join(model.regressors) or '1'}"
    if model.effects:
        formula += " | " + " + ".join(model.effects)
    kind, dim = _cov_kind(model)
    clusters_by_dim = {dim: int(fit.n_clusters)} if kind == "cluster" and fit.n_clusters is not None else {}
    all_notes = list(notes)
    if fit.dropped_collinear:
        all_notes.append("Dropped as collinear with the fixed effects or other regressors: "
                         + ", ".join(fit.dropped_collinear) + ".")
    return ModelResult(
        name=model.name,
        estimator="panel_ols" if model.effects else "ols",
        dependent=model.dependent,
        formula=formula,
        cov=model.cov,
        cov_label=_cov_label(model, entity_label, time_label),
        nobs=int(fit.nobs),
        params=dict(zip(names, map(float, fit.params))),
        std_errors=dict(zip(names, map(float, fit.std_errors))),
        pvalues=dict(zip(names, map(float, fit.pvalues))),
        tstats=dict(zip(names, map(float, fit.tstats))),
        cov_matrix={a: {b: float(fit.cov_matrix[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)},
        df_resid=int(fit.nobs - fit.df_k),      # as dispatch reports it; p-values used fit.df_t (G-1 if clustered)
        df_pvalues=int(fit.df_t),
        rsquared=float(fit.rsquared),
        rsquared_within=None if fit.rsquared_within is None else float(fit.rsquared_within),
        n_entities=int(fit.n_entities),
        n_clusters=None if fit.n_clusters is None else int(fit.n_clusters),
        clusters_by_dim=clusters_by_dim,
        effects=tuple(model.effects),
        entity_label=entity_label,
        time_label=time_label,
        n_singletons_dropped=int(fit.n_singletons_dropped),
        years=fit.years,
        stats={"df_k": float(fit.df_k), "df_t": float(fit.df_t)},
        bootstrap={k: dict(v) for k, v in (bootstrap or {}).items()},
        notes=tuple(all_notes),
    )
