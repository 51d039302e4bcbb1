"""Fast fixed-effects engine for many models at once (the multiverse of issue 6).

A multiverse is hundreds of linear models that differ in outcome, regressors, controls and sample, but draw on one
panel. This module is the executor; the engine's other jobs have one module each: the model and fit types
(:mod:`.within_model`), preparation of the panel and each model's rows (:mod:`.within_panel`), groups of models
sharing one transformation (:mod:`.within_groups`), the within-transformation (:mod:`.demean`), OLS and covariance
(:mod:`.within_ols`), the bootstrap's design (:mod:`.bootstrap_design`) and the hand-over to the report
(:mod:`.within_result`). Together they do the work the models share once:

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

from contextlib import contextmanager
from typing import Sequence

import pandas as pd

from griparm_econ.errors import SpecError
from griparm_econ.estimation.within_groups import SampleGroup, fit_group, group_task, plan_groups
from griparm_econ.estimation.within_model import WithinFit, WithinModel
from griparm_econ.estimation.within_panel import PreparedPanel, prepare_panel

from griparm_econ.spec.vocabulary import EXECUTOR_BACKENDS
DASK_INSTALL = "pip install 'griparm-econ[cluster]' (dask.distributed)"
CONNECT_TIMEOUT_SECONDS = 20      # to reach a dask scheduler


def _fit_chunk(panel: PreparedPanel, groups: list[SampleGroup], method: str) -> list[tuple[int, WithinFit]] | dict:
    """Fit a chunk of groups. The panel travels whole (joblib memory-maps its large arrays for process workers);
    each group only names its rows, so a chunk costs little to send."""
    out = []
    for group in groups:
        try:
            out += fit_group(group_task(panel, group, method))
        except SpecError as error:
            # Sent back as plain fields: an exception with keyword-only details does not survive pickling intact.
            return {"problem": error.problem, "where": error.where, "field": error.field, "fix": error.fix}
    return out


def _chunks(groups: list[SampleGroup], n_chunks: int) -> list[list[SampleGroup]]:
    """Balance chunks by rows x models, largest first, so that each worker gets about the same work."""
    def load(group: SampleGroup) -> int:
        return group.rows.size * len(group.models)

    loads = [0] * n_chunks
    chunks: list[list[SampleGroup]] = [[] for _ in range(n_chunks)]
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
    if backend not in EXECUTOR_BACKENDS:
        raise SpecError(f"unknown executor backend {backend!r}.", field="backend", fix=f"use one of {EXECUTOR_BACKENDS}.")
    if backend == "dask":
        with _dask_client(scheduler):
            return _fit_many(frame, models, entity, time, n_jobs, backend, progress, method, chunks_per_job)
    return _fit_many(frame, models, entity, time, n_jobs, backend, progress, method, chunks_per_job)


def _fit_many(frame: pd.DataFrame, models: Sequence[WithinModel], entity: str, time: str, n_jobs: int,
              backend: str, progress: bool, method: str, chunks_per_job: int) -> list[WithinFit]:
    models = list(models)
    if not models:
        return []
    panel = prepare_panel(frame, models, entity, time)
    groups = plan_groups(panel, models)
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
