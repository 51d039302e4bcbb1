"""Synthetic control on Proposition 99 (39 states, 7 predictors): the main fit, and with placebo and leave-one-out.

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_synth.py [--repeat 3]

Prints the best wall time of each over ``--repeat`` runs, the pre-treatment RMSPE and the placebo p-value. The
placebo run refits V and W once per donor (38 refits), leave-one-out once per donor with positive weight.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from griparm_econ.estimation.designs.synthetic_control import Predictor, synthetic_control

PREDICTORS = [Predictor("lnincome", 1980, 1988), Predictor("retprice", 1980, 1988),
              Predictor("age15to24", 1980, 1988), Predictor("beer", 1984, 1988), Predictor("cigsale", 1988, 1988),
              Predictor("cigsale", 1980, 1980), Predictor("cigsale", 1975, 1975)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = Path(os.environ.get("GRIPARM_DATA", "")) / "reference" / "prop99_smoking" / "smoking.dta"
    if not path.is_file():
        print(f"needs {path} (set GRIPARM_DATA)", file=sys.stderr)
        return 1
    frame = pd.read_stata(path)
    frame["state"] = frame["state"].astype(str)
    for label, inference in (("fit only", False), ("fit + placebo + leave-one-out", True)):
        times = []
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            result = synthetic_control(frame, outcome="cigsale", unit="state", time="year",
                                       unit_treated="California", treatment_period=1989, predictors=PREDICTORS,
                                       placebo=inference, leave_one_out=inference)
            times.append(time.perf_counter() - started)
        print(f"{label:32s} best {min(times):6.2f} s   pre-RMSPE {result.pre_rmspe:.4f}   "
              f"p {result.placebo_pvalue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
