"""``output/manifest.json``: what every output came from.

For every input file its path and sha256 (with the World Bank pull manifests of the data layer), for every spec its
sha256, for every output its sha256 and the spec and data it came from, the versions of everything that computes, the
platform, and the git commit with a dirty flag. Keys are sorted and there is no timestamp, so two runs on the same
inputs and code write the same bytes.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable

from griparm_econ.version import __version__
from griparm_econ.config import Settings
from griparm_econ.io import atomic_write_text, sha256_file

# Every package whose version can change a number or a byte of output.
COMPUTING_PACKAGES = ("numpy", "scipy", "pandas", "linearmodels", "statsmodels", "formulaic", "wbgapi", "pyarrow",
                      "matplotlib", "seaborn", "python-docx", "country_converter", "pydantic")


@dataclass(frozen=True)
class OutputRecord:
    path: Path              # the output file
    spec: str               # the spec that made it, relative to the project root
    spec_sha256: str
    data_sha256: str        # the data the spec read (the panel, or its own data file)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "griparm-econ": __version__}
    for name in COMPUTING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(root: Path) -> dict[str, object]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def build_manifest(settings: Settings, outputs: Iterable[OutputRecord], *, inputs: Iterable[dict] = (),
                   specs: Iterable[Path] = ()) -> dict:
    root = settings.project_root
    out_root = settings.output_dir
    return {
        "package": "griparm-econ",
        "versions": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(),
                     "python_implementation": platform.python_implementation(),
                     "byteorder": sys.byteorder},
        "git": git_state(root),
        "data_dir": str(settings.data_dir) if settings.data_dir else None,
        "inputs": sorted(({k: v for k, v in entry.items()} for entry in inputs),
                         key=lambda e: (str(e.get("path", "")), str(e.get("series", "")))),
        "specs": {_relative(p, root): sha256_file(p) for p in sorted(specs)},
        "outputs": {
            _relative(rec.path, out_root): {"sha256": sha256_file(rec.path), "spec": rec.spec,
                                            "spec_sha256": rec.spec_sha256, "data_sha256": rec.data_sha256}
            for rec in sorted(outputs, key=lambda r: str(r.path)) if Path(rec.path).exists()
        },
    }


def write_manifest(settings: Settings, outputs: Iterable[OutputRecord], *, inputs: Iterable[dict] = (),
                   specs: Iterable[Path] = ()) -> Path:
    manifest = build_manifest(settings, outputs, inputs=inputs, specs=specs)
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return atomic_write_text(settings.output_dir / "manifest.json", text)
