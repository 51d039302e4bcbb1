"""The wild cluster bootstrap of a spec model (``bootstrap`` in its ``[[model]]`` table): its estimation sample handed
to the within engine, and :func:`griparm_econ.estimation.bootstrap.bootstrap_model` run on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from griparm_econ.errors import SpecError

if TYPE_CHECKING:
    from griparm_econ.estimation.design import Design
    from griparm_econ.spec import ModelConfig


def _bootstrap_frame(config: "ModelConfig", design: "Design"):
    """The model's estimation sample as the within engine reads it: one row per observation, entity and time codes."""
    import pandas as pd

    from griparm_econ.estimation.within_model import WithinModel

    n = design.nobs
    columns = {"__entity__": design.entity_codes if design.entity_codes is not None else np.zeros(n, dtype=int),
               "__time__": design.time_codes if design.time_codes is not None else np.zeros(n, dtype=int),
               "__y__": design.y.to_numpy(dtype=float)}
    regressors = [c for c in design.exog.columns if c != "Intercept"]
    for name in regressors:
        columns[name] = design.exog[name].to_numpy(dtype=float)
    effects = tuple(config.effects) if config.estimator == "panel_ols" else ()
    model = WithinModel(name=config.name, dependent="__y__", regressors=tuple(regressors), effects=effects,
                        cov=config.cov)
    return pd.DataFrame(columns), model


def wild_bootstrap(config: "ModelConfig", design: "Design", *, params: dict[str, float], where: str,
                   field: str) -> dict[str, dict]:
    """Wild cluster bootstrap p-values and intervals for the coefficients ``config.bootstrap`` names, on the very
    sample the model was fitted on (:func:`griparm_econ.estimation.bootstrap.bootstrap_model`)."""
    from griparm_econ.estimation.bootstrap import bootstrap_model

    options = config.bootstrap
    frame, model = _bootstrap_frame(config, design)
    try:
        results = bootstrap_model(frame, model, list(options.terms), entity="__entity__", time="__time__",
                                  B=options.B, weights=options.weights, seed=options.seed,
                                  impose_null=options.impose_null, level=options.level)
    except SpecError as err:
        raise SpecError(err.problem, where=where, field=f"{field}.bootstrap", fix=err.fix) from None
    out = {}
    for term, result in results.items():
        # The bootstrap refits the model in the within engine; a different estimate would mean a different sample.
        if not np.isclose(result.estimate, params[term], rtol=1e-6, atol=1e-10):
            raise SpecError(f"the bootstrap's estimate of {term} ({result.estimate:.6g}) differs from the model's "
                            f"({params[term]:.6g}).", where=where, field=f"{field}.bootstrap",
                            fix="report this as a bug; meanwhile remove bootstrap from this model.")
        out[term] = {**result.as_dict(), "weights": result.weights}
    return out


def bootstrap_settings(config: "ModelConfig") -> dict[str, object]:
    """How the bootstrap ran (impose_null, weights, B, seed, level), for the report to describe it."""
    options = config.bootstrap
    return {"impose_null": bool(options.impose_null), "weights": options.weights, "B": int(options.B),
            "seed": options.seed, "level": float(options.level)}
