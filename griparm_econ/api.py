"""The Python API for notebooks: ``import griparm_econ as gp``.

A thin surface over the same functions the command line calls, so a notebook and ``griparm run`` give the same
estimates: ``gp.load_panel()`` (the study panel, built if missing or stale), ``gp.run(spec)`` (a spec estimated in
memory; nothing is written unless asked), ``Run.to_frame()`` (one row per model and term), ``Run.write(out)``.
The data directory follows the command line's rules: ``data=`` here plays the part of ``--data``, else
``GRIPARM_DATA``, else World Bank series are pulled live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from griparm_econ.config import Settings, load_settings
from griparm_econ.errors import SpecError
from griparm_econ.pipeline.kinds import kind_of
from griparm_econ.spec import LoadedSpec, load_spec, parse_spec_text


def _settings(data: str | os.PathLike | None, settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings(data)


def load_panel(data: str | os.PathLike | None = None, *, settings: Settings | None = None) -> pd.DataFrame:
    """The study panel (one row per economy and year), built first when it is missing or stale, exactly as
    ``griparm panel`` builds it (``data/panel.parquet`` with its provenance)."""
    from griparm_econ.panel import load_panel as panel

    return panel(_settings(data, settings))


def _is_toml_text(spec: str) -> bool:
    # A path has neither a line break nor "="; any TOML document (even one line) has "=".
    return "\n" in spec or "=" in spec


def _load(spec, name: str) -> LoadedSpec:
    """A spec from a path, TOML text or a dict. Text and dicts are read as if they were the file ``<name>.toml``
    in the current folder: that name appears in messages, relative data paths start there, and ``write``
    names its outputs after it."""
    if isinstance(spec, Mapping):
        import tomli_w

        try:
            text = tomli_w.dumps(dict(spec))
        except (TypeError, ValueError) as err:
            raise SpecError(f"the spec dict cannot be written as TOML ({err}).", where=f"{name}.toml",
                            field="(dict)", fix="use only strings, numbers, booleans, lists and dicts.") from None
        return parse_spec_text(text, Path.cwd() / f"{name}.toml")
    if isinstance(spec, str) and _is_toml_text(spec):
        return parse_spec_text(spec, Path.cwd() / f"{name}.toml")
    if isinstance(spec, (str, os.PathLike)):
        return load_spec(spec)
    raise SpecError(f"a spec is a path, TOML text or a dict, not {type(spec).__name__}.", where=name,
                    field="(spec)", fix='pass e.g. "specs/table2_forward.toml".')


@dataclass(eq=False)
class Model:
    """One fitted model of a regression spec: ``result`` holds the reported numbers (the
    :class:`~griparm_econ.estimation.results.ModelResult` every table is written from); ``fit`` is linearmodels'
    own result object."""

    result: Any
    _run: "Run" = field(repr=False)
    _index: int = field(repr=False)
    _fit: Any = field(default=None, repr=False)   # linearmodels result, once fitted

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def fit(self):
        """linearmodels' result for this model (``PanelOLSResults``, ``RandomEffectsResults``, ``IVResults``...; for
        ``ppml``, ``logit`` and ``cloglog`` the fitting library's own: pyfixest ``Fepois``, statsmodels results),
        fitted on first access on the same sample and covariance options. Its coefficients are the reported ones;
        its standard errors are linearmodels' own, which differ from the reported ones by Stata's small-sample
        factor where effects are absorbed (the reported ones match Stata's)."""
        if self._fit is None:
            self._fit = self._run._linearmodels_fit(self._index)
        return self._fit


@dataclass(eq=False)
class Run:
    """The results of one spec, in memory. ``result`` is the object the tables are written from (TableResult,
    MultiverseResult or FrameResult); ``models`` the fitted models of a regression spec (empty otherwise)."""

    spec: LoadedSpec
    result: Any
    settings: Settings = field(repr=False)
    _cache: dict = field(repr=False, default_factory=dict)
    models: tuple[Model, ...] = ()

    def __post_init__(self) -> None:
        if kind_of(self.spec.kind).has_models:
            self.models = tuple(Model(result, self, i) for i, result in enumerate(self.result.models))

    @property
    def kind(self) -> str:
        return self.spec.kind

    def to_frame(self) -> pd.DataFrame:
        """One row per model and term: model (its name; the model id in a multiverse), term (as the formula gives
        it, e.g. ``L.state_capacity``), estimate, std_error, pvalue, nobs. Descriptive and shares specs have no
        models: their table is returned as computed (an event study's or synthetic control's table likewise)."""
        return kind_of(self.kind).to_frame(self.result)

    def write(self, out: str | os.PathLike) -> list[Path]:
        """Write the spec's tables (and estimates record, figures of a multiverse) into ``out``, as
        ``griparm run --out`` does; returns the files written."""
        from griparm_econ.pipeline.kinds import write_result

        return write_result(self.spec, self.result, Path(out).resolve())

    def _linearmodels_fit(self, index: int):
        from griparm_econ.estimation.dataset import load_dataset
        from griparm_econ.estimation.design import build_design
        from griparm_econ.estimation.dispatch import linearmodels_fit

        model = self.spec.models[index]
        design = build_design(self.spec, index, load_dataset(self.spec, self.settings, self._cache))
        return linearmodels_fit(model, design, where=str(self.spec.path),
                                field=f"model[{index + 1}] (name = {model.name!r})")


def run(spec, *, out: str | os.PathLike | None = None, data: str | os.PathLike | None = None,
        name: str = "spec", settings: Settings | None = None) -> Run:
    """Estimate one spec in memory: ``spec`` is a path (``"specs/table2_forward.toml"``), TOML text, or a dict with
    the same content. Nothing is written unless ``out`` names a folder (or later ``Run.write(out)``). Figure specs
    draw from other specs' outputs: use ``griparm run`` for them."""
    from griparm_econ.pipeline.kinds import estimate

    loaded = _load(spec, name)
    if kind_of(loaded.kind).is_figure:
        raise SpecError("a figure spec draws from the outputs of other specs, so it has no estimates to return.",
                        where=loaded.path, field="kind", fix="run it with `griparm run` (or `griparm tables`).")
    settings = _settings(data, settings)
    cache: dict = {}
    result = Run(spec=loaded, result=estimate(loaded, settings, cache), settings=settings, _cache=cache)
    if out is not None:
        result.write(out)
    return result
