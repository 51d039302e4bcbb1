"""The vocabulary of regression specs, each in one registry that carries what its entries can do.

The schema takes its allowed values from these registries and the spec's checks read the capabilities here, so an
estimator or covariance is added (or taught a new trick) in this module and nowhere else in the spec layer; the
estimation layer maps each estimator name to its engine (``griparm_econ.estimation.dispatch.ENGINES``) and a test
keeps the two in step.

Small-sample conventions (model key ``small_sample``) are documented in ``griparm_econ.estimation.covariance``.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------------------------
# Covariances


@dataclass(frozen=True)
class CovOption:
    """One ``cov`` value: its table text and what it needs."""

    key: str
    label: str                       # table text; {entity}/{time}/{bandwidth} are filled in (see cov_label)
    clusters: tuple[str, ...] = ()   # "entity", "time"
    kernel: bool = False
    needs_panel: bool = False        # needs entity and time indexes
    within_engine: bool = False      # the multiverse's within engine computes it
    bootstrap: bool = False          # the wild cluster bootstrap can draw by its (one) clustering dimension
    likelihood_label: str = ""       # the text for a maximum-likelihood model where it differs from ``label``


COVARIANCES: dict[str, CovOption] = {
    "unadjusted": CovOption("unadjusted", "Conventional", within_engine=True,
                            likelihood_label="Conventional (inverse information)"),
    "robust": CovOption("robust", "Robust (HC1)", within_engine=True, likelihood_label="Robust (sandwich)"),
    "cluster:entity": CovOption("cluster:entity", "Clustered by {entity}", clusters=("entity",), within_engine=True,
                                bootstrap=True),
    "cluster:time": CovOption("cluster:time", "Clustered by {time}", clusters=("time",), within_engine=True,
                              bootstrap=True),
    "cluster:entity+time": CovOption("cluster:entity+time", "Clustered by {entity} and {time}",
                                     clusters=("entity", "time")),
    "driscoll_kraay": CovOption("driscoll_kraay", "Driscoll-Kraay (bandwidth {bandwidth})", kernel=True,
                                needs_panel=True),
}
COV_NAMES: tuple[str, ...] = tuple(COVARIANCES)
MULTIVERSE_COVS: tuple[str, ...] = tuple(k for k, o in COVARIANCES.items() if o.within_engine)
BOOTSTRAP_COVS: tuple[str, ...] = tuple(k for k, o in COVARIANCES.items() if o.bootstrap)


def cov_label(cov: str, entity_label: str, time_label: str, bandwidth: int | None = None, *,
              likelihood: bool = False) -> str:
    """The table text of a covariance (the one place it is made), e.g. "Clustered by country"; ``likelihood``: of a
    maximum-likelihood model (inverse information rather than OLS's conventional, the sandwich rather than HC1)."""
    option = COVARIANCES[cov]
    text = option.likelihood_label if likelihood and option.likelihood_label else option.label
    return text.format(entity=entity_label.lower(), time=time_label.lower(), bandwidth=bandwidth)


SMALL_SAMPLE: tuple[str, ...] = ("stata", "min_g", "none")

# Default seeds of the resampling options (a spec's [bootstrap] seed and randomization_inference seed), here so that
# the engines' own defaults are the same numbers: a direct call reproduces a spec's draws.
BOOTSTRAP_SEED = 20261128
RANDOMIZATION_SEED = 20261129
# Default draws and weights of the wild cluster bootstrap (a spec's [bootstrap] B and weights), for the same reason.
BOOTSTRAP_DRAWS = 9_999
BOOTSTRAP_DEFAULT_WEIGHTS = "rademacher"

# ---------------------------------------------------------------------------------------------------------------------
# Estimators

_LINEAR_COVS = tuple(k for k, o in COVARIANCES.items() if not o.kernel)
_KERNEL_COVS = COV_NAMES
ML_COVS: tuple[str, ...] = ("unadjusted", "robust", "cluster:entity", "cluster:time")
ML_SMALL_SAMPLE: tuple[str, ...] = ("stata", "none")


@dataclass(frozen=True)
class EstimatorInfo:
    """What one ``estimator`` of a regression spec is and can do."""

    name: str
    label: str                         # what a table's "Estimator" row prints
    panel: bool                        # needs entity and time
    panel_index: bool = True           # is fitted on the panel index where the data have one (not a cross-section)
    description: str = ""
    effects: bool = False              # may absorb entity/time effects
    constant: bool = True              # may have a constant
    differenced: bool = False          # fitted on calendar first differences (entity effects differenced out)
    instruments: bool = False          # needs an IV bracket (and only such an estimator takes one)
    covs: tuple[str, ...] = _LINEAR_COVS          # the covariances it computes
    cov_note: str = ""                 # why some covariances are missing (said when one is refused)
    small_samples: tuple[str, ...] = SMALL_SAMPLE
    weights: bool = True               # may be fitted with weights
    likelihood: bool = False           # maximum likelihood (estimation.nonlinear)
    binary: bool = False               # a binary model that may set risk_set
    bootstrap: bool = False            # the wild cluster bootstrap engine reproduces its fit
    robust_clusters_entity: bool = False   # cov = "robust" means xtreg's robust: clustered by entity
    normal_pvalues: bool = False       # p-values from the normal distribution (as Stata's xtreg, re)
    hausman: bool = False              # may report the Hausman test against fixed effects
    between_wls: bool = False          # may weight the between regression (between_wls)
    twfe_diagnostics: bool = False     # bacon and randomization_inference apply (with two-way effects, unweighted)


ESTIMATORS: dict[str, EstimatorInfo] = {
    "panel_ols": EstimatorInfo("panel_ols", "Panel OLS", panel=True, effects=True, covs=_KERNEL_COVS, bootstrap=True,
                               robust_clusters_entity=True, twfe_diagnostics=True,
                               description="within estimator with absorbed effects (xtreg, fe)"),
    "random_effects": EstimatorInfo("random_effects", "Random effects", panel=True, robust_clusters_entity=True, normal_pvalues=True,
                                    hausman=True, description="GLS random effects (xtreg, re)"),
    "between_ols": EstimatorInfo("between_ols", "Between", panel=True, covs=("unadjusted", "robust"), between_wls=True,
                                 cov_note="it has one observation per entity (with one observation per entity, "
                                          "robust is clustering by entity)",
                                 description="between estimator (xtreg, be)"),
    "first_difference": EstimatorInfo("first_difference", "First difference", panel=True, constant=False, differenced=True,
                                      covs=_KERNEL_COVS,
                                      description="OLS on calendar first differences within entity "
                                                  "(regress D.y D.x, nocons)"),
    "pooled_ols": EstimatorInfo("pooled_ols", "Pooled OLS", panel=True, covs=_KERNEL_COVS, bootstrap=True,
                                description="pooled OLS on the panel (regress)"),
    "iv2sls": EstimatorInfo("iv2sls", "2SLS", panel=False, panel_index=False, instruments=True,
                            description="two-stage least squares (ivregress 2sls, small)"),
    "ols": EstimatorInfo("ols", "OLS", panel=False, panel_index=False, bootstrap=True,
                         description="OLS, cross-section or pooled (regress)"),
    "ppml": EstimatorInfo("ppml", "PPML", panel=False, effects=True, likelihood=True, weights=False, covs=ML_COVS,
                          small_samples=ML_SMALL_SAMPLE,
                          description="Poisson pseudo-maximum likelihood with absorbed fixed effects (pyfixest "
                                      "fepois; ppmlhdfe)"),
    "logit": EstimatorInfo("logit", "Logit", panel=False, likelihood=True, weights=False, covs=ML_COVS,
                           small_samples=ML_SMALL_SAMPLE, binary=True,
                           description="binary logit (statsmodels Logit; logit)"),
    "cloglog": EstimatorInfo("cloglog", "Complementary log-log", panel=False, likelihood=True, weights=False, covs=ML_COVS,
                             small_samples=ML_SMALL_SAMPLE, binary=True,
                             description="complementary log-log, the grouped-time proportional hazard (statsmodels "
                                         "GLM binomial, cloglog link; cloglog)"),
}
ESTIMATOR_NAMES: tuple[str, ...] = tuple(ESTIMATORS)


def estimators_that(capability: str) -> tuple[str, ...]:
    """The estimators whose registry entry has ``capability`` set, in registry order (for messages)."""
    return tuple(name for name, info in ESTIMATORS.items() if getattr(info, capability))


def capable(estimator: str, capability: str) -> bool:
    """Whether ``estimator`` (a name, possibly of another registry: then False) has ``capability``."""
    info = ESTIMATORS.get(estimator)
    return info is not None and bool(getattr(info, capability))


def estimators_computing(cov: str) -> tuple[str, ...]:
    return tuple(name for name, info in ESTIMATORS.items() if cov in info.covs)


# ---------------------------------------------------------------------------------------------------------------------
# Other model and multiverse options

EFFECT_NAMES: tuple[str, ...] = ("entity", "time")
DATA_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".dta")
BOOTSTRAP_WEIGHTS: tuple[str, ...] = ("rademacher", "webb")
RISK_SETS: tuple[str, ...] = ("first_adoption",)   # sample rules of discrete-time hazard models (estimation.hazard)
# joblib backends (and a dask.distributed cluster) that fit a multiverse's models (estimation.within)
EXECUTOR_BACKENDS: tuple[str, ...] = ("loky", "threading", "sequential", "multiprocessing", "dask")
