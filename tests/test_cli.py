"""The command line parses, reports its version, and turns a bad setting into one message with exit status 2."""

import subprocess
import sys

from griparm_econ.cli import main


def test_version_runs_as_module():
    done = subprocess.run([sys.executable, "-m", "griparm_econ", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "griparm-econ" in done.stdout


def test_missing_data_dir_is_one_message(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["panel", "--data", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--data" in err and str(missing) in err and "Fix:" in err
