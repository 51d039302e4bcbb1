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


def test_output_folder_that_is_a_file_is_one_message(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    data = tmp_path / "d.csv"
    data.write_text("i,t,y,x\n1,1,1.0,2.0\n1,2,2.0,1.0\n2,1,3.0,5.0\n2,2,1.0,0.5\n")
    spec.write_text(f'title = "t"\n[data]\npath = "{data}"\nentity = "i"\ntime = "t"\n'
                    '[[model]]\nname = "OLS"\nformula = "y ~ 1 + x"\nestimator = "pooled_ols"\n')
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    assert main(["run", str(spec), "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(blocker) in err and "Fix:" in err
    assert blocker.read_text().startswith("a file")


def test_a_closed_pipe_is_not_an_error(monkeypatch, capsys):
    # `griparm vars | head`: the reader closes the pipe; the command stops quietly instead of blaming the output folder.
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["check"]) == 0
    assert capsys.readouterr().err == ""
