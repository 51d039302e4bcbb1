"""The vocabulary of the design spec kinds (event studies, synthetic control): one registry per vocabulary, carrying
what each entry can do. The schemas (:mod:`.event_study`, :mod:`.synthetic_control`) read it to refuse what an entry
cannot do before any data are read; the engines in ``griparm_econ.estimation.designs`` map the same names to fits,
and tests keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventEstimatorInfo:
    """What one estimator of an event-study spec can do."""

    name: str
    label: str                          # column header of the table, legend entry of the figure
    control_groups: tuple[str, ...]     # the first is the default
    window_use: str                     # how the window enters (said in the notes)
    honest_did: bool                    # the engine returns the event-time covariance the robust sets need
    reference_free: bool = False        # the estimator has no reference period to choose


EVENT_ESTIMATORS: dict[str, EventEstimatorInfo] = {
    "twfe": EventEstimatorInfo("twfe", "Dynamic TWFE", ("not_yet_treated",), "event times beyond the window binned "
                               "into its end points", True),
    "sun_abraham": EventEstimatorInfo("sun_abraham", "Sun-Abraham", ("never_treated",), "every relative period "
                                      "estimated, those inside the window shown", True),
    "callaway_santanna": EventEstimatorInfo("callaway_santanna", "Callaway-Sant'Anna", ("never_treated",
                                            "not_yet_treated"), "every relative period estimated (short differences "
                                            "before adoption, R did's varying base period), those inside the window "
                                            "shown", False, reference_free=True),
    "did2s": EventEstimatorInfo("did2s", "did2s (Gardner)", ("not_yet_treated",), "event times beyond the window "
                                "binned into its end points", True),
}
# Named in issue 12 but not served: refused at validation with this reason.
UNAVAILABLE_ESTIMATORS: dict[str, str] = {
    "did_multiplegt": "de Chaisemartin and D'Haultfoeuille's estimator has no engine here: its Python port "
                      "py-did-multiplegt-dyn 0.1.9 breaks with polars 2 and, run with polars 1.44, matches R did's "
                      "not-yet-treated event study on mpdta in its estimates (the two estimators coincide for an "
                      "absorbing treatment) but not in its standard errors (up to 2.3% apart, a different variance "
                      "estimator); no published reference numbers of did_multiplegt_dyn exist for a dataset the "
                      "package holds, so neither its standard errors nor the switching-off case it is for can be "
                      "validated, and the package reports only estimators that match a reference",
}
CONTROL_GROUPS: tuple[str, ...] = ("never_treated", "not_yet_treated")
# Critical values of the Rambachan-Roth robust sets (estimation.designs.honest_did)
CRITICAL_VALUES: tuple[str, ...] = ("honestdid", "exact")
# Relative-magnitudes sets enumerate bases of a polyhedron whose count grows as C(2n, n) in the post periods n:
# C(18, 9) = 48,620 bases; C(20, 10) = 184,756 already takes seconds per polyhedron (estimation.designs.relative_magnitudes)
MAX_POST_PERIODS = 9

# Synthetic control: how a predictor is summarised over its years (name -> pandas aggregation), and the outer
# searches of the weight fit (estimation.designs.synthetic_weights says why there are two).
PREDICTOR_OPS: dict[str, str] = {"mean": "mean", "median": "median", "sum": "sum", "min": "min", "max": "max"}
SEARCHES: dict[str, str] = {
    "local": "Powell on log V from equal weights, Nelder-Mead polish",
    "multistart": "local, plus Powell on |x|/sum|x| and from four seeded random starts; the best fit",
}
