"""What crossing the measures multiverse with the heterogeneity-robust estimator families costs.

    .venv/bin/python benchmarks/bench_multiverse_robust.py [--estimators twfe,callaway_santanna,sun_abraham,did2s]

Runs specs/multiverse_measures.toml on the study panel (build it first: `make tables` or `griparm panel`) twice, into
a temporary folder: with ``estimators = ["twfe"]`` and with the families given (default: all four), and prints the
wall time of each, the number of models fitted per family and the cells listed as not applicable, by reason.
Measured 2026-11-30 on 2 shared cores: twfe only 22-24 s (panel loading included); + Sun-Abraham and did2s 30 s
(120 models); + all three robust families 88 s (164 models; csdid about 1.3 s a cell).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from griparm_econ.config import load_settings  # noqa: E402
from griparm_econ.pipeline.sequencer import run_specs  # noqa: E402

SPEC = ROOT / "specs" / "multiverse_measures.toml"


def _run(text: str, folder: Path) -> tuple[float, dict, dict]:
    spec = folder / "specs" / SPEC.name
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(text, encoding="utf-8")
    out = folder / "out"
    start = time.perf_counter()
    run_specs([spec], load_settings(), force=True, echo=lambda _: None, out_dir=out)
    elapsed = time.perf_counter() - start
    import pandas as pd

    curve = pd.read_parquet(out / "estimates" / f"{SPEC.stem}.parquet")
    fitted = curve[curve["is_focus"]].groupby("estimator").size().to_dict()
    return elapsed, json.loads((out / "estimates" / f"{SPEC.stem}.json").read_text(encoding="utf-8")), fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimators", default="twfe,callaway_santanna,sun_abraham,did2s")
    args = parser.parse_args()
    families = [name.strip() for name in args.estimators.split(",") if name.strip()]
    text = SPEC.read_text(encoding="utf-8")
    written = re.search(r"^estimators = \[.*\]$", text, flags=re.MULTILINE)
    if written is None:
        raise SystemExit(f"{SPEC} has no one-line estimators = [...]; update this benchmark.")
    twfe = text.replace(written.group(0), 'estimators = ["twfe"]')
    crossed = text.replace(written.group(0), "estimators = [" + ", ".join(f'"{f}"' for f in families) + "]")
    crossed = re.sub(r"^limit = \d+$", f"limit = {1000 * len(families) + 500}", crossed, flags=re.MULTILINE)
    with tempfile.TemporaryDirectory() as tmp:
        base_time, _, _ = _run(twfe, Path(tmp) / "twfe")
        crossed_time, record, fitted = _run(crossed, Path(tmp) / "crossed")
    print(f"twfe only: 1,000 models, {base_time:.1f} s")
    print(f"crossed with {', '.join(families)}: {record['summary']['n_models']:,} models fitted, "
          f"{record['summary']['n_not_applicable']:,} cells not applicable, {crossed_time:.1f} s "
          f"(+{crossed_time - base_time:.1f} s)")
    print("focus estimates by family:", ", ".join(f"{k} {v}" for k, v in sorted(fitted.items())))
    notes = [note for note in record["notes"] if "static ATT" in note]
    for note in notes:
        print(" -", note)


if __name__ == "__main__":
    main()
