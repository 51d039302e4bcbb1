"""The fast engine's model and fit types (a model: ``dependent ~ regressors`` with absorbed effects and one covariance;
a fit: its estimates as plain arrays), and how a model's ``cov`` string reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.estimation.small_sample import FIXEF_K, SmallSample

EFFECTS = ("entity", "time")
# cov keys shared with estimation.covariance where they mean the same thing; "iid"/"hetero" are fixest's names.
COV_ALIASES = {"unadjusted": "iid", "iid": "iid", "robust": "hetero", "hetero": "hetero"}
INTERCEPT = "Intercept"


@dataclass(frozen=True)
class WithinModel:
    """One linear model: ``dependent ~ regressors`` with absorbed ``effects``.

    ``cov`` is ``"iid"`` (alias ``"unadjusted"``), ``"hetero"`` (alias ``"robust"``: White/HC1, as fixest's hetero) or
    ``"cluster:<dim>"`` where ``<dim>`` is ``entity``, ``time`` or any column of the frame. ``sample`` names a boolean
    column of the frame that restricts the estimation sample (e.g. ``resource_rich``). Without effects the model gets
    an intercept, as fixest's ``y ~ x`` does. ``fixef_k`` says how absorbed fixed effects enter K of the small-sample
    factor, with pyfixest's ``ssc(k_fixef=...)`` meanings: ``"nonnested"`` (default of fixest and pyfixest: a fixed
    effect nested in the cluster counts as one), ``"full"`` (all levels, minus one per extra dimension; what
    linearmodels' ``debiased=True, group_debias=True`` gives) or ``"none"`` (regressors only).
    """

    name: str
    dependent: str
    regressors: tuple[str, ...]
    effects: tuple[str, ...] = ("entity", "time")
    cov: str = "cluster:entity"
    sample: str | None = None
    fixef_k: str = "nonnested"

    def __post_init__(self):
        if self.fixef_k not in FIXEF_K:
            raise SpecError(f"model {self.name!r} has fixef_k = {self.fixef_k!r}.", field="fixef_k",
                            fix=f"use one of {FIXEF_K}.")
        object.__setattr__(self, "regressors", tuple(self.regressors))
        object.__setattr__(self, "effects", tuple(e for e in EFFECTS if e in self.effects))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.dependent, *self.regressors)

    @property
    def small_sample(self) -> SmallSample:
        """fixest's default convention with this model's ``fixef_k``."""
        return SmallSample(fixef_k=self.fixef_k)


@dataclass(frozen=True)
class WithinFit:
    """One fitted model as plain arrays, in the order of ``names``."""

    model: WithinModel
    names: tuple[str, ...]
    params: np.ndarray
    std_errors: np.ndarray
    tstats: np.ndarray
    pvalues: np.ndarray
    cov_matrix: np.ndarray
    nobs: int
    df_k: int                         # K in the small-sample factor
    df_t: int                         # degrees of freedom of the t distribution for p-values
    n_clusters: int | None
    n_entities: int
    n_periods: int
    years: tuple[int, int] | None
    n_singletons_dropped: int
    rsquared: float                   # of the full model, fixed effects included (fixest's r2)
    rsquared_within: float | None     # of the demeaned model (fixest's wr2); None without fixed effects
    ssr: float
    dropped_collinear: tuple[str, ...] = ()

    def params_dict(self) -> dict[str, float]:
        return dict(zip(self.names, map(float, self.params)))


def cov_kind(model: WithinModel) -> tuple[str, str | None]:
    if model.cov in COV_ALIASES:
        return COV_ALIASES[model.cov], None
    if model.cov.startswith("cluster:") and len(model.cov) > len("cluster:"):
        return "cluster", model.cov.split(":", 1)[1]
    raise SpecError(f"model {model.name!r} asks for covariance {model.cov!r}.", field="cov",
                    fix="use 'iid', 'hetero' (or 'unadjusted', 'robust') or 'cluster:<entity|time|column>'.")
