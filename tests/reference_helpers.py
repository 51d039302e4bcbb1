"""Shared plumbing of the reference tests: write TOML specs, run them through the runner, read the estimates."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from griparm_econ.config import PROJECT_ROOT, load_settings
from griparm_econ.pipeline.sequencer import run_specs

# The reference sets ship with the tests (tests/data/reference/<set>/, each with its PROVENANCE.md giving source and
# licence; did2s_df_het's large CSV gzipped); a set missing there is looked for in $GRIPARM_DATA/reference and
# ../shared/data/reference.
# Resolved once, at import, so a relative GRIPARM_DATA means the folder the command was started from.
SHIPPED = Path(__file__).resolve().parent / "data"
_ELSEWHERE = [Path(raw).expanduser().resolve() for raw in (os.environ.get("GRIPARM_DATA"),) if raw] + \
    [(PROJECT_ROOT.parent / "shared" / "data").resolve()]
_SPEC_REFERENCE = re.compile(r"\$(?:GRIPARM_DATA|\{GRIPARM_DATA\})/reference/([A-Za-z0-9_.-]+)/")


def reference_set(name: str) -> Path:
    """The folder of one reference set: the copy shipped with the tests, else one beside the repository; skips the
    test, saying why, when neither is there."""
    for root in (SHIPPED, *_ELSEWHERE):
        folder = root / "reference" / name
        if folder.is_dir():
            return folder
    pytest.skip(f"reference set {name!r} is not shipped in tests/data/reference (too large) and no copy was found in "
                f"$GRIPARM_DATA/reference or ../shared/data/reference")


def data_dir() -> Path:
    """A folder whose reference/ holds the reference sets (kept for tests that build paths from it)."""
    for root in (SHIPPED, *_ELSEWHERE):
        if (root / "reference").is_dir():
            return root
    pytest.skip("no reference sets: neither tests/data/reference nor $GRIPARM_DATA/reference exists")


def resolve_reference_paths(text: str) -> str:
    """``$GRIPARM_DATA/reference/<set>/`` in a spec text -> that set's folder (see :func:`reference_set`)."""
    return _SPEC_REFERENCE.sub(lambda m: reference_set(m.group(1)).as_posix() + "/", text)


def spec_text(title: str, data: dict | None, models: list[dict], extra: str = "") -> str:
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    lines = [f"title = {value(title)}"]
    if extra:
        lines.append(extra)
    if data is not None:
        lines.append("[data]")
        lines += [f"{k} = {value(v)}" for k, v in data.items()]
    for model in models:
        lines.append("[[model]]")
        lines += [f"{k} = {value(v)}" for k, v in model.items()]
    return "\n".join(lines) + "\n"


def run_and_read(tmp: Path, specs: dict[str, str]) -> dict[str, dict]:
    """Write each spec (stem -> text) into ``tmp``, run them all through the runner, return stem -> estimates."""
    paths = []
    for stem, text in specs.items():
        path = tmp / f"{stem}.toml"
        path.write_text(resolve_reference_paths(text), encoding="utf-8")
        paths.append(path)
    out = tmp / "out"
    run_specs(paths, load_settings(), force=True, echo=lambda _: None, out_dir=out)
    return {stem: json.loads((out / "estimates" / f"{stem}.json").read_text()) for stem in specs}


def model_by_name(estimates: dict, name: str) -> dict:
    return next(m for m in estimates["models"] if m["name"] == name)


def rel_close(actual: float, expected: float, rtol: float = 1e-6) -> bool:
    return abs(actual - expected) <= rtol * abs(expected)


def close_to_printed(actual: float, printed: str) -> bool:
    """Equal to a published number at its printed precision (half a unit in the last printed digit)."""
    text = printed.lstrip("-")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(actual - float(printed)) <= 0.5 * 10 ** (-decimals) + 1e-12


def medicaid_event_study():
    """HonestDiD's README event study on its Medicaid data (ehec_data.dta): states expanding in 2014 against never
    expanders, 2008-2015, year effects relative to 2013 (``i(year, D, ref = 2013)``), clustered by state. Returns the
    event times, coefficients and covariance matrix; skips the test when the reference data are absent."""
    import numpy as np
    import pandas as pd

    from griparm_econ.estimation.designs.twfe_event import event_study_dummies

    path = reference_set("honestdid_medicaid") / "ehec_data.dta"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    frame = pd.read_stata(path, convert_categoricals=False)
    frame = frame[(frame["year"] < 2016) & ~(frame["yexp2"] == 2015)].copy()
    frame["k"] = np.where(frame["yexp2"] == 2014, frame["year"] - 2014, np.nan)    # i(year, D, ref = 2013)
    events, _, fit = event_study_dummies(frame, outcome="dins", unit="stfips", time="year", event_time="k")
    return events, fit.params, fit.cov_matrix
