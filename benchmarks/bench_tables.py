"""The whole study (``make tables``: panel, every table, every figure, index, manifest): cold, unchanged rerun, forced.

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/bench_tables.py [--repeat 3]

Each run is a fresh Python process calling ``griparm_econ.pipeline.sequencer.run_study`` (what ``griparm tables`` calls) on a
temporary copy of the project's ``specs/`` with temporary work (``data/``) and output folders, so the working
tree's outputs are never touched. The package itself runs from a copy taken at the start: reruns are keyed by a
fingerprint of the code, so an edit in the checkout during the benchmark would otherwise count as a change.
Per repetition, in one new folder:

- cold: empty work and output folders (as after ``make clean``): panel build, every table and figure;
- unchanged: the same command again, nothing changed; nothing may be re-estimated (issue 5: < 3 s);
- forced: ``force=True`` (``griparm tables --force``): panel kept, every table and figure re-made (issue 4: warm
  < 30 s).

Prints the best and every time of each, how many tables were estimated and files written, the core count, and
peak resident memory: of the largest study process, and of the largest worker process it started (joblib).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"unchanged": 3.0, "forced": 30.0}

# Runs in the fresh process: the study on the temporary project, then what it did and its peak memory.
CHILD = r"""
import json, resource, sys
from pathlib import Path
import griparm_econ
from griparm_econ.config import Settings, resolve_data_dir
from griparm_econ.pipeline.sequencer import run_study
project, force = Path(sys.argv[1]), sys.argv[2] == "force"
settings = Settings(data_dir=resolve_data_dir(), project_root=project, specs_dir=project / "specs",
                    work_dir=project / "data", output_dir=project / "output", offline=True)
lines = []
tables = run_study(settings, force=force, echo=lines.append)
print(json.dumps({"tables_estimated": len(tables), "lines": len(lines), "package": griparm_econ.__file__,
                  "rss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "rss_workers_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _file_stamps(project: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for folder in ("data", "output") for p in (project / folder).rglob("*")
            if p.is_file()}


def run_once(project: Path, force: bool, code: Path) -> dict:
    before = _file_stamps(project)
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(project), "force" if force else "normal"],
                          cwd=project, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"study run failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    record = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(record["package"]).is_relative_to(code):
        sys.exit(f"the study ran {record['package']}, not the copy in {code}")
    after = _file_stamps(project)
    record["files_written"] = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
    record["seconds"] = elapsed
    return record


def new_project(tmp: Path, index: int) -> Path:
    project = tmp / f"project{index}"
    shutil.copytree(ROOT / "specs", project / "specs")
    (project / "data").mkdir()
    (project / "output").mkdir()
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of cold, unchanged, forced (best of N)")
    args = parser.parse_args()
    if not os.environ.get("GRIPARM_DATA"):
        sys.exit("set GRIPARM_DATA to the data snapshot (e.g. ../shared/data); the study never pulls live here")
    runs: dict[str, list[dict]] = {"cold": [], "unchanged": [], "forced": []}
    with tempfile.TemporaryDirectory(prefix="bench_tables_") as tmp:
        code = Path(tmp) / "code"
        shutil.copytree(ROOT / "griparm_econ", code / "griparm_econ", ignore=shutil.ignore_patterns("__pycache__"))
        for index in range(args.repeat):
            project = new_project(Path(tmp), index)
            for phase in runs:
                record = run_once(project, force=phase == "forced", code=code)
                runs[phase].append(record)
                print(f"run {index + 1} {phase:9s}: {record['seconds']:6.2f} s, {record['tables_estimated']} tables "
                      f"estimated, {record['files_written']} files written", flush=True)
            shutil.rmtree(project)
    print(f"cores: {os.cpu_count()}   repetitions: {args.repeat}   data: {os.environ['GRIPARM_DATA']}")
    for phase, records in runs.items():
        best = min(r["seconds"] for r in records)
        goal = GOALS.get(phase)
        verdict = f"; goal < {goal:.0f} s: {'met' if best < goal else 'NOT met'}" if goal else ""
        every = ", ".join(f"{r['seconds']:.2f}" for r in records)
        print(f"{phase:9s}: best {best:6.2f} s  (all: {every}){verdict}")
    unchanged = runs["unchanged"]
    if any(r["tables_estimated"] for r in unchanged):
        print("WARNING: the unchanged rerun re-estimated tables")
    peak_self = max(r["rss_self_kib"] for rs in runs.values() for r in rs)
    peak_workers = max(r["rss_workers_kib"] for rs in runs.values() for r in rs)
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak RSS: study process {peak_self / 1024:.0f} MiB, largest worker {peak_workers / 1024:.0f} MiB, "
          f"largest child of this script (getrusage RUSAGE_CHILDREN) {peak_children / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
