"""Interruptions (issue 9): Ctrl-C, SIGKILL and SIGTERM in the middle of a run, then the next run.

A spec's outputs are one unit (griparm_econ.freshness): an interrupted unit is never reported as current, never
listed in the manifest, and the message says what was left. Synthetic data only, generated here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from griparm_econ.cli import main
from griparm_econ.config import Settings
from test_multiverse import MULTIVERSE, synthetic_panel

PROJECT = Path(__file__).resolve().parent.parent


def _project(root: Path) -> tuple[Path, Path, Settings]:
    synthetic_panel().to_csv(root / "panel.csv", index=False)
    spec = root / "mv.toml"
    spec.write_text(MULTIVERSE, encoding="utf-8")
    out = root / "out"
    return spec, out, Settings(project_root=root, specs_dir=root, work_dir=root / "data", output_dir=out)


def _edit(spec: Path) -> str:
    original = spec.read_text(encoding="utf-8")
    spec.write_text(original.replace("lags = [1, 2]", "lags = [1, 3]"), encoding="utf-8")
    return original


def _die_before_the_record(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_killed_before_the_record_then_reverted_is_rerun_and_never_in_the_manifest(tmp_path, capsys):
    from griparm_econ.pipeline.records import write_manifest

    spec, out, settings = _project(tmp_path)
    assert main(["run", str(spec), "--out", str(out)]) == 0
    good = (out / "estimates" / "mv.parquet").read_bytes()
    original = _edit(spec)
    child = os.fork()
    if child == 0:    # the edited spec's run, killed after its parquet, tables and curve, before its record
        import griparm_econ.report.estimates as estimates

        estimates.write_multiverse_record = _die_before_the_record
        main(["run", str(spec), "--out", str(out)])
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert (out / "estimates" / "mv.parquet").read_bytes() != good        # the aborted edit's files are there
    manifest = json.loads(write_manifest(settings, out).read_text())
    assert not [rel for rel in manifest["outputs"] if "mv." in rel], manifest["outputs"]
    spec.write_text(original, encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(spec), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "up to date" not in said and "wrote" in said, said
    assert (out / "estimates" / "mv.parquet").read_bytes() == good
    manifest = json.loads(write_manifest(settings, out).read_text())
    assert "estimates/mv.parquet" in manifest["outputs"] and "tables/mv.docx" in manifest["outputs"]


@pytest.mark.slow
def test_ctrl_c_while_writing_says_what_was_left(tmp_path, capsys, monkeypatch):
    import griparm_econ.report.estimates as estimates

    spec, out, _ = _project(tmp_path)
    assert main(["run", str(spec), "--out", str(out)]) == 0
    _edit(spec)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(estimates, "write_multiverse_record", interrupt)
    capsys.readouterr()
    assert main(["run", str(spec), "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no partial output" not in err and "mv" in err and "removed" in err, err
    # What the message says is true: no file of the interrupted unit is left, nothing else is half-written.
    assert not [p for p in out.rglob("*") if p.is_file() and (p.name.startswith("mv.") or p.suffix == ".tmp")]
    monkeypatch.undo()
    assert main(["run", str(spec), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out


def _memmap_folders(pid: int) -> list[str]:
    shm = Path("/dev/shm")
    return sorted(p.name for p in shm.glob(f"joblib_memmapping_folder_{pid}_*")) if shm.is_dir() else []


@pytest.mark.slow
def test_sigterm_cleans_up_and_says_so(tmp_path):
    """SIGTERM mid-fit ends like Ctrl-C: joblib's memory-mapped folders go, one message, exit status 130."""
    import numpy as np

    frame = synthetic_panel(n_entities=800, n_years=40)        # large enough for joblib to memory-map it
    rng = np.random.default_rng(3)
    frame["c3"], frame["c4"] = rng.normal(size=len(frame)), rng.normal(size=len(frame))
    frame.to_csv(tmp_path / "panel.csv", index=False)
    spec = tmp_path / "mv.toml"
    spec.write_text(MULTIVERSE.replace('backend = "sequential"\nprogress = false',
                                       'backend = "loky"\nn_jobs = 2\nprogress = true')
                    .replace('controls = ["L.c1", "L.c2"]', 'controls = ["L.c1", "L.c2", "L.c3", "L.c4"]'),
                    encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    env.pop("GRIPARM_DATA", None)      # the spec reads its own file; a relative setting would not hold in tmp_path
    process = subprocess.Popen([sys.executable, "-m", "griparm_econ", "run", str(spec), "--out",
                                str(tmp_path / "out")], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=open(tmp_path / "stderr.txt", "w"), text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if "models:" in (tmp_path / "stderr.txt").read_text() or _memmap_folders(process.pid):
            break
        time.sleep(0.2)
    if process.poll() is not None:
        assert process.returncode == 0, (tmp_path / "stderr.txt").read_text()
        pytest.skip("the run finished before it could be interrupted")
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("SIGTERM did not end the run")
    err = (tmp_path / "stderr.txt").read_text()
    messages = [line for line in err.splitlines() if line.startswith("griparm:")]
    assert process.returncode == 130 and len(messages) == 1 and "interrupted" in messages[0], err
    time.sleep(0.5)
    assert _memmap_folders(process.pid) == []
