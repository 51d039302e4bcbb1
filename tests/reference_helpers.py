"""Shared plumbing of the reference tests: write TOML specs, run them through the runner, read the estimates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from griparm_econ.config import load_settings
from griparm_econ.runner import run_specs


def data_dir() -> Path:
    """The data snapshot folder. Tests that need it carry the ``snapshot`` marker, so tests/conftest.py has skipped
    them already when there is none; any other caller is skipped with the same reason."""
    from conftest import SKIP_REASON, snapshot_dir

    root = snapshot_dir()
    if root is None:
        pytest.skip(SKIP_REASON)
    return root


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
        path.write_text(text, encoding="utf-8")
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
