# griparm-econ. `make install` makes .venv (with the dev, bench and cluster extras: pytest and selenium, pyfixest and
# wildboottest, which the tests compare against, and dask.distributed); every other target runs in it.
# The inputs ship in data/raw (the default); GRIPARM_DATA (or DATA=dir) points at another snapshot with the same layout.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
GRIPARM := $(BIN)/griparm
DATA_OPT := $(if $(DATA),--data $(DATA),)

.PHONY: install data panel tables test test-fast replicate freeze bench clean readme

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,cluster]'
	touch $@

data: install
	$(GRIPARM) data $(DATA_OPT)

panel: install
	$(GRIPARM) panel $(DATA_OPT)

tables: install
	$(GRIPARM) tables $(DATA_OPT)

replicate: install
	$(GRIPARM) replicate $(DATA_OPT)

# Deliberate: rewrites reported/estimates.json from a fresh run; review the diff before committing it.
freeze: install
	$(GRIPARM) report-freeze $(DATA_OPT)

# README.md's generated sections (tables, data sources, software) from the specs, catalog and pyproject.toml.
readme: install
	$(GRIPARM) readme

# lint-imports first: the layers' contract in pyproject.toml ([tool.importlinter]); a forbidden import fails the build.
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Everything but the tests marked slow (the whole study, the README example, end-to-end runs, reference replays,
# timeouts): under a minute, on two processes (pytest-xdist; each test file in one process, so that its shared
# fixtures are built once).
test-fast: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow" -n 2 --dist loadfile

# Every benchmarks/bench_*.py in turn (DATA=dir or GRIPARM_DATA: the snapshot); REPEAT=n passes --repeat n.
bench: install
	$(if $(DATA),GRIPARM_DATA=$(DATA)) $(BIN)/python benchmarks/run_all.py $(if $(REPEAT),--repeat $(REPEAT))

clean:
	rm -rf output/* data/cache data/panel.parquet .pytest_cache
	touch output/.gitkeep
