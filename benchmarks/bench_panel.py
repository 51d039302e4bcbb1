"""Cold build of the country-year panel from the data snapshot (goal: < 10 s on the project machine).

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_panel.py [--repeat 3]

"Cold" means a fresh Python process for every repetition, with empty work and output folders: the time includes
importing the package (pandas, country_converter), reading every source file, harmonising country names with
country_converter, the merges, the transformations and writing the panel, aggregates, coverage report and
provenance. Prints each repetition, the best and the median time, and the in-process split of the last one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 10.0

# Runs in the fresh process: builds into the given folders and reports where the time went.
CHILD = r"""
import json, sys, time
start = time.perf_counter()
from dataclasses import replace
from pathlib import Path
from griparm_econ.config import load_settings
from griparm_econ import panel
imported = time.perf_counter()
settings = replace(load_settings(), work_dir=Path(sys.argv[1]), output_dir=Path(sys.argv[2]))
catalog = panel.load_catalog(settings.catalog_path)
sources = panel.read_sources(settings, catalog, None)
read = time.perf_counter()
frame, aggregates, record = panel.assemble_panel(catalog, sources, settings)
assembled = time.perf_counter()
panel.write_outputs(settings, catalog, sources, frame, aggregates, record, None)
written = time.perf_counter()
print(json.dumps({"import": imported - start, "read_sources": read - imported, "merge_transform": assembled - read,
                  "write": written - assembled, "rows": len(frame), "columns": frame.shape[1]}))
"""


def one_cold_build() -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="bench_panel_") as tmp:
        work, out = Path(tmp) / "data", Path(tmp) / "output"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", CHILD, str(work), str(out)], cwd=ROOT, env=os.environ,
                                capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"panel build failed:\n{result.stderr}")
    return elapsed, json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("GRIPARM_DATA"):
        sys.exit("set GRIPARM_DATA to the data snapshot (e.g. ../shared/data)")
    times, split = [], {}
    for index in range(args.repeat):
        elapsed, split = one_cold_build()
        times.append(elapsed)
        print(f"run {index + 1}: {elapsed:.2f} s (fresh process, empty work and output folders)")
    best, median = min(times), statistics.median(times)
    print(f"cold panel build: best {best:.2f} s, median {median:.2f} s over {len(times)} runs "
          f"({split['rows']:,} rows x {split['columns']} columns); goal < {GOAL_SECONDS:.0f} s: "
          f"{'met' if best < GOAL_SECONDS else 'NOT met'}")
    print("last run, in-process split: " + ", ".join(f"{k} {split[k]:.2f} s" for k in
                                                      ("import", "read_sources", "merge_transform", "write")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
