"""The spec layer: what a spec file may say, validated once, before any data are read (docs/specs.md).

A leaf of the package: it imports nothing from estimation, report, panel, sources or the pipeline (import-linter's
contract in pyproject.toml fails the build if it does). Loading a spec either returns a frozen :class:`LoadedSpec`
whose models have every default resolved and every formula parsed, or raises one :class:`SpecError` naming the file,
the field and the fix.

- :mod:`.vocabulary`, :mod:`.design_vocabulary`: the registries of estimators, covariances and other option values,
  each entry carrying what it can do;
- :mod:`.schema` (tables, figures, multiverses), :mod:`.event_study`, :mod:`.synthetic_control`: the schemas;
- :mod:`.kinds`: the registry of spec kinds (schema + resolve/check), read by :mod:`.loading`;
- :mod:`.models`, :mod:`.multiverse_grid`, :mod:`.multiverse_axes`, :mod:`.checks`: what the field types cannot say;
- :mod:`.formula` (the formula grammar), :mod:`.expr` (sample conditions), :mod:`.names` (file names and paths),
  :mod:`.messages` (validation errors as one message), :mod:`.suggest` (the one fuzzy matcher).
"""

from griparm_econ.errors import SpecError
from griparm_econ.spec.kinds import SPEC_KINDS, SpecKind
from griparm_econ.spec.loading import LoadedSpec, load_spec, parse_spec_text
from griparm_econ.spec.models import BUILTIN_DEFAULTS, ModelConfig
from griparm_econ.spec.multiverse_grid import MAX_GRID, control_sets, lag_term, multiverse_size, multiverse_variables
from griparm_econ.spec.schema import (FIGURE_KINDS, BeforeAfterSpec, BootstrapTable, CoefficientsFigure, DataTable,
                                      DescriptiveSpec, ExecutorTable, GroupSample, ImporterSharesFigure,
                                      MarginalEffectFigure, ModelOptions, ModelTable, MultiverseSpec,
                                      RandomizationTable, RegressionSpec, SampleTable, ShareGroup, ShareMeasure,
                                      SharesFigure, SharesSpec, TimelineFigure, TrajectoriesFigure)
from griparm_econ.spec.suggest import did_you_mean, nearest

__all__ = [
    "BUILTIN_DEFAULTS", "FIGURE_KINDS", "MAX_GRID", "SPEC_KINDS", "BeforeAfterSpec", "BootstrapTable",
    "CoefficientsFigure", "DataTable", "DescriptiveSpec", "ExecutorTable", "GroupSample", "ImporterSharesFigure",
    "LoadedSpec", "MarginalEffectFigure", "ModelConfig", "ModelOptions", "ModelTable", "MultiverseSpec",
    "RandomizationTable", "RegressionSpec", "SampleTable", "ShareGroup", "ShareMeasure", "SharesFigure", "SharesSpec",
    "SpecError", "SpecKind", "TimelineFigure", "TrajectoriesFigure", "control_sets", "did_you_mean", "lag_term",
    "load_spec", "multiverse_size", "multiverse_variables", "nearest", "parse_spec_text",
]
