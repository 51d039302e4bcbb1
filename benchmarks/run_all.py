"""Run every ``benchmarks/bench_*.py`` in turn, each in its own process, each printing its own figures.

    GRIPARM_DATA=../shared/data .venv/bin/python benchmarks/run_all.py [--repeat N] [--only NAME ...]

(``make bench`` runs this.) ``--repeat`` is passed on to every script (all take it); ``--only runner tables`` runs
just ``bench_runner.py`` and ``bench_tables.py``. A failing script is reported and the rest still run; the exit
status is 1 if any failed. Ends with the wall time of each script.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="passed on to every script")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="script names without bench_ and .py")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {f"bench_{name.removeprefix('bench_').removesuffix('.py')}.py" for name in args.only}
        unknown = wanted - {path.name for path in scripts}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        scripts = [path for path in scripts if path.name in wanted]
    if not os.environ.get("GRIPARM_DATA"):
        print("note: GRIPARM_DATA is unset; scripts that need the data snapshot will say so and stop",
              file=sys.stderr)
    extra = ["--repeat", str(args.repeat)] if args.repeat is not None else []
    env = {**os.environ, "MPLBACKEND": os.environ.get("MPLBACKEND", "Agg")}
    summary: list[tuple[str, float, int]] = []
    print(f"cores: {os.cpu_count()}   python: {sys.version.split()[0]}   "
          f"GRIPARM_DATA: {os.environ.get('GRIPARM_DATA', '(unset)')}", flush=True)
    for script in scripts:
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        started = time.perf_counter()
        status = subprocess.run([sys.executable, str(script), *extra], env=env, check=False).returncode
        summary.append((script.name, time.perf_counter() - started, status))
    print("\n=== summary")
    for name, seconds, status in summary:
        print(f"{name:24s} {seconds:8.1f} s  {'ok' if status == 0 else f'FAILED (exit {status})'}")
    return 1 if any(status for _, _, status in summary) else 0


if __name__ == "__main__":
    raise SystemExit(main())
