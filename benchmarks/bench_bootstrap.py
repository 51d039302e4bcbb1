"""Wild cluster bootstrap, B = 9,999, on the study's main model: griparm vs the ``wildboottest`` package.

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_bootstrap.py [--B 9999] [--term ...]

Main model (docs/design.md): ``manuf_exports`` on lagged state capacity, lagged any-restriction, their interaction
and the five lagged controls, country and year fixed effects, errors clustered by country, 1996 onward. The
bootstrap is WCR with Rademacher weights for the interaction coefficient, one seed for everybody (both draw from
``numpy.random.default_rng(seed)`` in the same order, so the p-values should coincide exactly).

Timed, each from the fitted model's data to the p-value:

* griparm: ``bootstrap_model`` (builds the design: country effects partialled out, year dummies kept, then the
  bootstrap), with and without the confidence interval by test inversion;
* wildboottest through pyfixest: ``Feols.wildboottest`` (how a pyfixest user runs it; fixed effects as one-hot
  dummies);
* wildboottest directly: ``WildboottestCL`` on griparm's design matrix (the leanest use of the package).

Prints times, ratios (goal <= 1.0), cores, t-statistics and p-values. Falls back to a synthetic panel of the same
shape when the study panel is unavailable, and says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_multiverse import (CONTROLS, ENTITY, TIME, analysis_frame, interaction_name, lag_name,  # noqa: E402
                              study_frame)

from griparm_econ.estimation.bootstrap import bootstrap_model  # noqa: E402
from griparm_econ.estimation.bootstrap_design import within_design  # noqa: E402
from griparm_econ.estimation.within import fit_one  # noqa: E402
from griparm_econ.estimation.within_model import WithinModel  # noqa: E402

OUTCOME = "manuf_exports"
CAPACITY, RESTRICTION = "state_capacity", "export_restriction_any"


def main_model() -> WithinModel:
    regressors = (lag_name(CAPACITY), lag_name(RESTRICTION), interaction_name(CAPACITY, RESTRICTION),
                  *map(lag_name, CONTROLS))
    return WithinModel("main", OUTCOME, regressors, ("entity", "time"), "cluster:entity")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--B", type=int, default=9_999)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--term", default=interaction_name(CAPACITY, RESTRICTION))
    parser.add_argument("--skip-pyfixest", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each contender; first and best are shown")
    args = parser.parse_args()

    panel, origin = study_frame()
    frame = analysis_frame(panel)
    model = main_model()
    fit = fit_one(frame, model, entity=ENTITY, time=TIME)
    print(f"data: {origin}")
    print(f"main model: {model.dependent} ~ {' + '.join(model.regressors)} | {ENTITY} + {TIME}, clustered by "
          f"{ENTITY}; N = {fit.nobs}, G = {fit.n_clusters}; term {args.term}; B = {args.B}, Rademacher, WCR")
    print(f"cores: os.cpu_count()={os.cpu_count()}")
    term_index = fit.names.index(args.term)
    print(f"estimate {fit.params[term_index]:.6g}, clustered s.e. {fit.std_errors[term_index]:.6g}, "
          f"t {fit.tstats[term_index]:.6f}")

    def ours_run(ci: bool):
        return bootstrap_model(frame, model, [args.term], entity=ENTITY, time=TIME, B=args.B, seed=args.seed,
                               confidence_interval=ci)[args.term]

    ours_times, ours = timed(lambda: ours_run(False), args.repeat)
    ours_ci_times, ours_ci = timed(lambda: ours_run(True), args.repeat)
    print(f"griparm bootstrap_model: p-value only {show(ours_times)}; with 95% CI {show(ours_ci_times)} "
          f"[{ours_ci.ci_low:.6g}, {ours_ci.ci_high:.6g}]; t {ours.tstat:.6f}, p {ours.pvalue:.6f}")

    from wildboottest.wildboottest import WildboottestCL

    design = within_design(frame, model, entity=ENTITY, time=TIME)
    restriction = np.zeros(design.x.shape[1])
    restriction[design.names.index(args.term)] = 1.0

    def direct_run():
        boot = WildboottestCL(X=design.x, Y=design.y, cluster=design.clusters, R=restriction, B=args.B,
                              seed=args.seed)
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type="rademacher")
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
        boot.get_pvalue(pval_type="two-tailed")
        return boot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct_times, boot = timed(direct_run, args.repeat)
    print(f"wildboottest WildboottestCL on the same design ({design.x.shape[1]} columns): {show(direct_times)}; "
          f"t {float(np.ravel(boot.t_stat)[0]):.6f} (its K = columns), p {boot.pvalue:.6f}")
    print(f"RATIO griparm / wildboottest (direct): {ours_times[0] / direct_times[0]:.4f} (first runs), "
          f"{min(ours_times) / min(direct_times):.4f} (best); griparm with CI: "
          f"{min(ours_ci_times) / min(direct_times):.4f} (best)")

    if not args.skip_pyfixest:
        import pyfixest as pf

        subset = frame.dropna(subset=[model.dependent, *model.regressors]).copy()
        # wildboottest's numba kernel cannot type string cluster labels: cluster by the integer country code.
        subset["country_code"] = pd.factorize(subset[ENTITY], sort=True)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = pf.feols(f"{model.dependent} ~ {' + '.join(model.regressors)} | country_code + {TIME}",
                              subset, vcov={"CRV1": "country_code"})
            pyfixest_times, result = timed(lambda: fitted.wildboottest(param=args.term, reps=args.B,
                                                                       seed=args.seed), args.repeat)
        print(f"wildboottest via pyfixest Feols.wildboottest (one-hot fixed effects): {show(pyfixest_times)}; "
              f"p {float(result['Pr(>|t|)']):.6f}")
        print(f"RATIO griparm / wildboottest (via pyfixest): {ours_times[0] / pyfixest_times[0]:.4f} (first runs), "
              f"{min(ours_times) / min(pyfixest_times):.4f} (best); griparm with CI: "
              f"{min(ours_ci_times) / min(pyfixest_times):.4f} (best)")


def timed(run, repeat: int):
    times, result = [], None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return times, result


def show(times: list[float]) -> str:
    return f"first {times[0]:.3f} s, best of {len(times)} {min(times):.3f} s"


if __name__ == "__main__":
    main()
