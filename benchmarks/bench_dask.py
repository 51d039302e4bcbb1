"""The multiverse on a dask.distributed cluster: models per second against the number of workers (1, 2).

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_dask.py [--models 1000] [--repeat 1]

The same 1,000 models as ``bench_multiverse.py`` (study panel, or its synthetic stand-in without one), fitted by
``fit_many(backend="dask", scheduler=...)`` on a LocalCluster of 1 and then 2 single-threaded worker processes on
this machine (the cluster is started before the clock starts; connecting, shipping the panel and fitting are
timed), next to the local ``sequential`` and ``loky`` backends. Prints models per second for each and checks that
every backend's estimates equal the sequential ones exactly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_multiverse import ENTITY, TIME, analysis_frame, multiverse, study_frame  # noqa: E402
from griparm_econ.estimation.within import fit_many  # noqa: E402


def timed(frame, models, repeat: int, **executor) -> tuple[float, list]:
    best, fits = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        fits = fit_many(frame, models, entity=ENTITY, time=TIME, progress=False, **executor)
        best = min(best, time.perf_counter() - started)
    return best, fits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    try:
        from distributed import LocalCluster
    except ImportError:
        print("dask.distributed is not installed: pip install -e '.[cluster]'")
        raise SystemExit(1)
    panel, origin = study_frame()
    frame = analysis_frame(panel)
    models = multiverse(args.models)
    print(f"{len(models):,} models on {origin}; {os.cpu_count()} cores; best of {args.repeat}")

    reference_seconds, reference = timed(frame, models, args.repeat, backend="sequential")
    rows = [("sequential (this process)", reference_seconds, reference)]
    seconds, fits = timed(frame, models, args.repeat, backend="loky", n_jobs=2)
    rows.append(("loky, 2 processes", seconds, fits))
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          scheduler_port=0) as cluster:
            seconds, fits = timed(frame, models, args.repeat, backend="dask", scheduler=cluster.scheduler_address)
        rows.append((f"dask, {workers} worker{'s' if workers > 1 else ''}", seconds, fits))

    print(f"{'backend':28s} {'seconds':>8s} {'models/s':>9s}  identical to sequential")
    for name, seconds, fits in rows:
        same = all(np.array_equal(a.params, b.params) and np.array_equal(a.std_errors, b.std_errors)
                   for a, b in zip(fits, reference))
        print(f"{name:28s} {seconds:8.2f} {len(models) / seconds:9.1f}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
