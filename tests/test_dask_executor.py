"""The multiverse on a dask.distributed cluster (issue 14): a spec that names the scheduler, or ``--scheduler`` on
the command line, fits the grid on the cluster's workers and writes the same estimates file, byte for byte, as the
local run. The cluster is a LocalCluster of two single-threaded worker threads (no process start-up)."""

from __future__ import annotations


import pytest

from griparm_econ.cli import main
from griparm_econ.errors import SpecError
from griparm_econ.pipeline.sequencer import run_specs

from test_multiverse import MULTIVERSE, _settings, synthetic_panel

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (extra 'cluster')")

ESTIMATES = "estimates/mv.parquet"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  scheduler_port=0) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    synthetic_panel().to_csv(root / "panel.csv", index=False)
    (root / "mv.toml").write_text(MULTIVERSE)
    run_specs([root / "mv.toml"], _settings(root), echo=lambda _: None)
    return (root / "out" / ESTIMATES).read_bytes()


def _project(tmp_path, spec_text: str):
    synthetic_panel().to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "mv.toml").write_text(spec_text)
    return tmp_path


@pytest.mark.slow
def test_scheduler_in_the_spec_runs_on_the_cluster_with_identical_estimates(cluster, local_run, tmp_path):
    text = MULTIVERSE.replace('backend = "sequential"', f'backend = "dask"\nscheduler = "{cluster}"')
    root = _project(tmp_path, text)
    client = distributed.Client(cluster)
    try:
        run_specs([root / "mv.toml"], _settings(root), echo=lambda _: None)
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    finally:
        client.close()
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed
    assert (root / "out" / ESTIMATES).read_bytes() == local_run


@pytest.mark.slow   # a second cluster run; the spec's scheduler test above is the fast subset's dask test
def test_scheduler_on_the_command_line_overrides_the_spec(cluster, local_run, tmp_path, monkeypatch):
    root = _project(tmp_path, MULTIVERSE)          # the spec says "sequential"
    monkeypatch.chdir(root)
    code = main(["run", "--scheduler", cluster, "--out", str(root / "out"), str(root / "mv.toml")])
    assert code == 0
    assert (root / "out" / ESTIMATES).read_bytes() == local_run


def test_dask_without_a_scheduler_is_one_message(tmp_path):
    root = _project(tmp_path, MULTIVERSE.replace('backend = "sequential"', 'backend = "dask"'))
    with pytest.raises(SpecError, match="scheduler") as caught:
        run_specs([root / "mv.toml"], _settings(root), echo=lambda _: None)
    assert "--scheduler" in str(caught.value)


@pytest.mark.slow   # waits out the connect timeout
def test_an_unreachable_scheduler_is_one_message(tmp_path, monkeypatch):
    import griparm_econ.estimation.within as within

    monkeypatch.setattr(within, "CONNECT_TIMEOUT_SECONDS", 2)
    text = MULTIVERSE.replace('backend = "sequential"', 'backend = "dask"\nscheduler = "tcp://127.0.0.1:9"')
    root = _project(tmp_path, text)
    with pytest.raises(SpecError, match="no dask scheduler answered"):
        run_specs([root / "mv.toml"], _settings(root), echo=lambda _: None)
    assert not (root / "out" / ESTIMATES).exists()


def test_a_scheduler_that_is_not_an_address_is_refused_naming_the_field(tmp_path):
    text = MULTIVERSE.replace('backend = "sequential"', 'backend = "dask"\nscheduler = "scheduler:8786; rm -rf /"')
    root = _project(tmp_path, text)
    with pytest.raises(SpecError, match="scheduler"):
        run_specs([root / "mv.toml"], _settings(root), echo=lambda _: None)
