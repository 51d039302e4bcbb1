"""Hand-over of a fast-engine fit to the report: a :class:`~griparm_econ.estimation.results.ModelResult`."""

from __future__ import annotations

from typing import Mapping, Sequence

from griparm_econ.estimation.results import ModelResult
from griparm_econ.estimation.within_model import WithinFit, WithinModel, cov_kind
from griparm_econ.spec.vocabulary import cov_label


def _cov_label(model: WithinModel, entity_label: str, time_label: str) -> str:
    # The registry's text (spec.vocabulary.cov_label); a cluster column other than the entity or time index takes
    # the place of the entity in the registry's one-way cluster wording.
    kind, dim = cov_kind(model)
    if kind == "iid":
        return cov_label("unadjusted", entity_label, time_label)
    if kind == "hetero":
        return cov_label("robust", entity_label, time_label)
    if dim == "time":
        return cov_label("cluster:time", entity_label, time_label)
    return cov_label("cluster:entity", entity_label if dim == "entity" else dim, time_label)


def to_model_result(fit: WithinFit, *, entity_label: str = "Entity", time_label: str = "Time",
                    bootstrap: Mapping[str, Mapping[str, float]] | None = None,
                    notes: Sequence[str] = ()) -> ModelResult:
    """A :class:`ModelResult` for the report, estimator ``panel_ols`` (with effects) or ``ols`` (without)."""
    model = fit.model
    names = fit.names
    formula = f"{model.dependent} ~ {' + '.join(model.regressors) or '1'}"
    if model.effects:
        formula += " | " + " + ".join(model.effects)
    kind, dim = cov_kind(model)
    clusters_by_dim = {dim: int(fit.n_clusters)} if kind == "cluster" and fit.n_clusters is not None else {}
    all_notes = list(notes)
    if fit.dropped_collinear:
        all_notes.append("Dropped as collinear with the fixed effects or other regressors: "
                         + ", ".join(fit.dropped_collinear) + ".")
    return ModelResult(
        name=model.name,
        estimator="panel_ols" if model.effects else "ols",
        dependent=model.dependent,
        formula=formula,
        cov=model.cov,
        cov_label=_cov_label(model, entity_label, time_label),
        nobs=int(fit.nobs),
        params=dict(zip(names, map(float, fit.params))),
        std_errors=dict(zip(names, map(float, fit.std_errors))),
        pvalues=dict(zip(names, map(float, fit.pvalues))),
        tstats=dict(zip(names, map(float, fit.tstats))),
        cov_matrix={a: {b: float(fit.cov_matrix[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)},
        df_resid=int(fit.nobs - fit.df_k),      # as dispatch reports it; p-values used fit.df_t (G-1 if clustered)
        df_pvalues=int(fit.df_t),
        rsquared=float(fit.rsquared),
        rsquared_within=None if fit.rsquared_within is None else float(fit.rsquared_within),
        n_entities=int(fit.n_entities),
        n_clusters=None if fit.n_clusters is None else int(fit.n_clusters),
        clusters_by_dim=clusters_by_dim,
        effects=tuple(model.effects),
        entity_label=entity_label,
        time_label=time_label,
        n_singletons_dropped=int(fit.n_singletons_dropped),
        years=fit.years,
        stats={"df_k": float(fit.df_k), "df_t": float(fit.df_t)},
        bootstrap={k: dict(v) for k, v in (bootstrap or {}).items()},
        notes=tuple(all_notes),
    )
