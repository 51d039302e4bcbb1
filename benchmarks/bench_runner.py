"""100 models on the Grunfeld panel: through ``griparm run`` (spec files -> estimates + tables) vs bare linearmodels.

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_runner.py [--repeat 3] [--no-tables]

The 100 models are 5 formulas x 4 estimators (FE, two-way FE, pooled OLS, RE) x 5 covariances (conventional,
robust, clustered by firm, by year, by both), in 10 spec files of 10 models. The runner's time includes validating the
specs, reading the data, building the designs, fitting, and writing every output file; bare linearmodels reads the
CSV once and calls ``from_formula(...).fit(...)`` 100 times with the same options. Prints both times (best of
``--repeat``) and their ratio (goal: <= 1.2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMULAS = ["inv ~ 1 + value + capital", "inv ~ 1 + value", "inv ~ 1 + capital", "value ~ 1 + inv + capital",
            "capital ~ 1 + value"]
ESTIMATORS = [("panel_ols", ["entity"]), ("panel_ols", ["entity", "time"]), ("pooled_ols", []),
              ("random_effects", [])]
COVS = ["unadjusted", "robust", "cluster:entity", "cluster:time", "cluster:entity+time"]
DATA = "reference/grunfeld_plm/Grunfeld.csv"


def models() -> list[dict]:
    out = []
    for formula in FORMULAS:
        for estimator, effects in ESTIMATORS:
            for cov in COVS:
                out.append({"formula": formula, "estimator": estimator, "effects": effects, "cov": cov})
    return out


def write_specs(folder: Path, data_path: Path) -> list[Path]:
    paths = []
    batch = models()
    for k in range(10):
        lines = [f'title = "Benchmark {k}"', "[data]", f"path = {json.dumps(str(data_path))}", 'entity = "firm"',
                 'time = "year"']
        for j, model in enumerate(batch[10 * k:10 * k + 10]):
            lines += ["[[model]]", f'name = "m{10 * k + j}"', f"formula = {json.dumps(model['formula'])}",
                      f"estimator = {json.dumps(model['estimator'])}", f"effects = {json.dumps(model['effects'])}",
                      f"cov = {json.dumps(model['cov'])}"]
        path = folder / f"bench_{k}.toml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def run_runner(paths: list[Path], out: Path, tables: bool) -> float:
    from dataclasses import replace

    from griparm_econ.config import Settings
    from griparm_econ.pipeline import kinds, sequencer

    settings = Settings(output_dir=out)
    original = kinds.KINDS["regression"]
    if not tables:
        def estimates_only(table, out_dir, estimation_sha256=""):
            from griparm_econ.report.estimates import write_estimates
            return [write_estimates(table, out_dir)]

        kinds.KINDS["regression"] = replace(original, write=estimates_only)   # the kind's writer, estimates only
    start = time.perf_counter()
    try:
        sequencer.run_specs(paths, settings, force=True, echo=lambda _: None)
    finally:
        kinds.KINDS["regression"] = original
    return time.perf_counter() - start


def run_bare(data_path: Path, use_formulas: bool = True) -> float:
    """Bare linearmodels; ``use_formulas=False`` selects columns with pandas instead of ``from_formula``."""
    from linearmodels import PanelOLS, PooledOLS, RandomEffects

    start = time.perf_counter()
    frame = pd.read_csv(data_path).set_index(["firm", "year"])
    frame["Intercept"] = 1.0
    for model in models():
        formula = model["formula"]
        if not use_formulas:
            dependent, right = formula.split("~")
            regressors = ["Intercept"] + [t.strip() for t in right.split("+")[1:]]
            entity, both = model["effects"] == ["entity"], model["effects"] == ["entity", "time"]
            args = (frame[dependent.strip()], frame[regressors])
            if model["estimator"] == "panel_ols":
                mod = PanelOLS(*args, entity_effects=entity or both, time_effects=both)
            else:
                mod = (PooledOLS if model["estimator"] == "pooled_ols" else RandomEffects)(*args)
        if model["estimator"] == "panel_ols":
            formula += "".join(" + EntityEffects" if e == "entity" else " + TimeEffects" for e in model["effects"])
            cls = PanelOLS
        else:
            cls = PooledOLS if model["estimator"] == "pooled_ols" else RandomEffects
        cov = model["cov"]
        if cov == "unadjusted":
            options = {"cov_type": "unadjusted"}
        elif cov == "robust" and model["estimator"] in ("pooled_ols",):
            options = {"cov_type": "robust"}
        else:
            options = {"cov_type": "clustered", "group_debias": True,
                       "cluster_entity": cov in ("robust", "cluster:entity", "cluster:entity+time"),
                       "cluster_time": cov in ("cluster:time", "cluster:entity+time")}
        if use_formulas:
            mod = cls.from_formula(formula, frame)
        result = mod.fit(debiased=True, **options)
        _ = (result.params, result.std_errors, result.pvalues)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tables", action="store_true", help="time the runner without the five table files")
    args = parser.parse_args()
    data_dir = os.environ.get("GRIPARM_DATA")
    if not data_dir:
        print("set GRIPARM_DATA (the folder holding reference/grunfeld_plm/Grunfeld.csv)", file=sys.stderr)
        return 2
    data_path = Path(data_dir).resolve() / DATA
    import linearmodels  # noqa: F401  (import cost outside both timings)
    import griparm_econ.estimation.dispatch  # noqa: F401
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_specs(Path(tmp), data_path)
        run_runner(paths, Path(tmp) / "warm", not args.no_tables)     # warm-up: imports, caches
        run_bare(data_path)
        runner_times = [run_runner(paths, Path(tmp) / f"out{i}", not args.no_tables) for i in range(args.repeat)]
        bare_times = [run_bare(data_path) for _ in range(args.repeat)]
        array_times = [run_bare(data_path, use_formulas=False) for _ in range(args.repeat)]
    best_runner, best_bare, best_arrays = min(runner_times), min(bare_times), min(array_times)
    print(f"models: {len(models())} (Grunfeld, 10 specs x 10 models), tables: {not args.no_tables}, "
          f"cores: {os.cpu_count()}, best of {args.repeat}")
    print(f"runner (griparm run): {best_runner:.3f} s   bare linearmodels: {best_bare:.3f} s   "
          f"ratio: {best_runner / best_bare:.2f} (goal <= 1.2)")
    print(f"bare linearmodels without formulas (pandas column selection): {best_arrays:.3f} s   "
          f"ratio: {best_runner / best_arrays:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
