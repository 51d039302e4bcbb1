"""``griparm check`` on a multiverse spec too large to run: time and peak memory to refuse it.

    .venv/bin/python benchmarks/bench_check_grid.py [--controls 24] [--repeat 1]

The spec crosses one outcome and one treatment with ``control_sets = "all_subsets"`` of ``--controls`` controls
(2^n models) and the default ``limit``; the check must refuse it from the count, without building the grid. Before
the grid was counted, 24 controls took about 21 s and 2.5 GB to refuse (issue 9). Needs no data: the spec names its
own (absent) data file, which a check does not read. Prints the time of each check, the message, and the peak
resident memory of this process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

start_import = time.perf_counter()
from griparm_econ.pipeline import check, sequencer  # noqa: E402,F401
from griparm_econ import spec  # noqa: E402,F401  (imported here so that the check's time excludes imports)
from griparm_econ.cli import main as griparm  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start_import


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    controls = [f"L.c{i}" for i in range(args.controls)]
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "grid.toml"
        spec.write_text('kind = "multiverse"\ntitle = "Grid"\nfocus = "L.x"\nexpected_sign = "positive"\n'
                        f'outcomes = ["y"]\ntreatments = [["L.x"]]\ncontrols = {json.dumps(controls)}\n'
                        'control_sets = "all_subsets"\n[data]\npath = "absent.csv"\nentity = "e"\ntime = "t"\n',
                        encoding="utf-8")
        for _ in range(args.repeat):
            start = time.perf_counter()
            status = griparm(["check", str(spec)])
            print(f"{args.controls} controls ({2 ** args.controls:,} models): exit {status} in "
                  f"{time.perf_counter() - start:.3f} s")
    print(f"(importing the package took {IMPORT_SECONDS:.2f} s, not counted above)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
