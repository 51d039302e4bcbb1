"""Diagnostics of a two-way fixed-effects regression column (issue 12): the Goodman-Bacon decomposition of its
binary treatment term (``bacon``) and a randomization-inference p-value for a treatment coefficient
(``randomization_inference``). Both read the model's own estimation sample (the :class:`Design`), so they describe
the coefficient the table prints.

Randomization inference permutes whole treatment histories across the sample's units (unit u gets unit pi(u)'s
calendar-time path of the treatment variable), so switching-off treatments keep their pattern and, for an absorbing
treatment, this is the engine's permutation of adoption dates (:mod:`designs.randomization`). Every term that
contains the treatment variable (its interactions) is rebuilt from the permuted path; the other regressors stay;
the full model's coefficient is refitted by Frisch-Waugh-Lovell on the exact within transform. p-value as the
engine's: (1 + #{|b*| >= |b|}) / (1 + draws), seeded ``numpy.random.default_rng(seed)`` over units in sorted order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from griparm_econ.errors import GriparmError, SpecError
from griparm_econ.estimation.designs.randomization import DRAWS_PER_BLOCK, PVALUE_DEFINITION
from griparm_econ.spec.formula import Term
from griparm_econ.estimation.demean import within_transform


def _index(design) -> tuple[np.ndarray, np.ndarray]:
    idx = design.y.index
    return idx.get_level_values(0).to_numpy(), idx.get_level_values(1).to_numpy()


def _binary_terms(design) -> list[str]:
    return [name for name in design.exog.columns if name != "Intercept"
            and np.isin(design.exog[name].to_numpy(), (0.0, 1.0)).all() and design.exog[name].nunique() == 2]


def bacon_term(model, design, where: Path, field: str) -> str:
    if isinstance(model.bacon, str):
        return model.bacon
    binary = _binary_terms(design)
    if len(binary) != 1:
        raise SpecError(f"bacon = true needs exactly one 0/1 regressor to decompose, but the model has "
                        f"{len(binary)}{': ' + ', '.join(binary) if binary else ''}.", where=where,
                        field=f"{field}.bacon", fix="name the treatment term: bacon = \"L.x\".")
    return binary[0]


def bacon_diagnostic(model, design, where: Path, field: str) -> tuple[dict, str]:
    """Decompose the TWFE coefficient of ``outcome ~ term | entity + time`` on the largest balanced sub-panel of the
    model's sample whose treatment never switches off (the decomposition needs both); covariates are left out, as
    in Goodman-Bacon (2021)."""
    from griparm_econ.estimation.designs.bacon import goodman_bacon

    term = bacon_term(model, design, where, field)
    entity, time = _index(design)
    frame = pd.DataFrame({"u": entity, "t": time, "y": design.y.to_numpy(), "d": design.exog[term].to_numpy()})
    frame = frame.sort_values(["u", "t"], kind="stable")
    switching = frame.groupby("u")["d"].apply(lambda s: bool((np.diff(s.to_numpy()) < 0).any()))
    frame = frame[~frame["u"].isin(switching.index[switching])]
    periods = frame["t"].nunique()
    complete = frame.groupby("u")["t"].transform("nunique") == periods
    balanced = frame[complete]
    try:
        result = goodman_bacon(balanced, outcome="y", unit="u", time="t", treatment="d")
    except GriparmError as err:
        raise SpecError(f"the Goodman-Bacon decomposition of '{term}' failed on the balanced sub-panel "
                        f"({balanced['u'].nunique()} units): {err.problem}", where=where, field=f"{field}.bacon",
                        fix="remove bacon from this model, or widen its sample.") from None
    record = result.to_json_dict() | {
        "term": term, "n_units": int(balanced["u"].nunique()), "n_periods": int(periods),
        "n_treated_units": int(balanced.loc[balanced["d"] == 1, "u"].nunique()),
        "units_left_out_unbalanced": int(frame.loc[~complete, "u"].nunique()),
        "units_left_out_switching": sorted(map(str, switching.index[switching]))}
    parts = "; ".join(f"{kind.lower()} weight {s.weight:.2f}, mean estimate {s.avg_estimate:.3f}"
                      for kind, s in result.by_type.items())
    from griparm_econ.labels import plural

    units = plural(design.entity_label.lower())
    note = (f"{model.name}: Goodman-Bacon decomposition of the {term} coefficient without covariates on the balanced "
            f"sub-panel ({record['n_units']} {units}, {record['n_treated_units']} treated, {periods} "
            f"{plural(design.time_label.lower())}"
            + (f"; left out as switching off: {', '.join(record['units_left_out_switching'])}"
               if record["units_left_out_switching"] else "")
            + f"): TWFE {result.twfe_estimate:.3f} = {parts}.")
    return record, note


def _treatment_variable(term: str, where: Path, field: str) -> str:
    from griparm_econ.spec.formula import parse_formula

    factors = parse_formula(f"y ~ {term}").exog[0].factors
    if len(factors) != 1 or factors[0].op == "D":
        raise SpecError(f"randomization_inference.term = '{term}' must be one (lagged) treatment variable, not a "
                        "product or difference.", where=where, field=f"{field}.randomization_inference.term",
                        fix="name the treatment's own term, e.g. \"L.export_restriction_any\"; its interactions are "
                            "permuted with it.")
    return factors[0].variable


def randomization_diagnostic(model, design, data, where: Path, field: str) -> tuple[dict, str]:
    from griparm_econ.spec.formula import parse_formula

    settings = model.randomization_inference
    term = settings.term
    variable = _treatment_variable(term, where, field)
    entity, time = _index(design)
    names = [n for n in design.exog.columns if n != "Intercept"]
    terms = {t.name: t for t in parse_formula(model.formula).exog}
    moving = [n for n in names if any(f.variable == variable for f in terms[n].factors)]
    fixed = [n for n in names if n not in moving]
    # every unit's calendar-time path of each moving term's treatment factor, over the whole data
    frame = data.frame
    key = pd.MultiIndex.from_arrays([frame[data.entity].to_numpy(), frame[data.time].to_numpy()])
    units = np.array(sorted(pd.unique(entity)))
    unit_pos = pd.Index(units).get_indexer(entity)
    paths, others = {}, {}
    for name in moving:
        treat_factors = [f for f in terms[name].factors if f.variable == variable]
        rest = [f for f in terms[name].factors if f.variable != variable]
        values = data.term(Term(tuple(treat_factors)), where, field)
        lookup = pd.Series(values, index=key)
        grid = lookup.reindex(pd.MultiIndex.from_product([units, np.unique(time)])).to_numpy()
        paths[name] = grid.reshape(len(units), -1)
        # the term's other factors (e.g. state capacity in an interaction) at the sample's rows; None: no others
        others[name] = _rows(data.term(Term(tuple(rest)), where, field), key, entity, time) if rest else None
    time_pos = pd.Index(np.unique(time)).get_indexer(time)
    for name in moving:
        if np.isnan(paths[name][:, time_pos]).any():
            raise SpecError(f"randomization inference needs every unit's '{term}' in every year of the sample, but "
                            "some are missing.", where=where, field=f"{field}.randomization_inference",
                            fix="restrict the sample to years where the treatment is recorded for every unit.")
    codes = (pd.factorize(entity)[0], pd.factorize(time)[0])
    y = within_transform(design.y.to_numpy()[:, None], *codes)[:, 0]
    x_fixed = within_transform(design.exog[fixed].to_numpy(float), *codes) if fixed else np.zeros((len(y), 0))

    def residual(values: np.ndarray) -> np.ndarray:
        if not x_fixed.shape[1]:
            return values
        return values - x_fixed @ np.linalg.lstsq(x_fixed, values, rcond=None)[0]

    y_res = residual(y[:, None])[:, 0]
    target = moving.index(term)

    def coefficients(permutations: np.ndarray) -> np.ndarray:
        """The term's coefficient for each permutation (columns: permuted unit positions)."""
        draws = permutations.shape[1]
        blocks = []
        for name in moving:
            treat = paths[name][permutations[unit_pos, :], time_pos[:, None]]
            blocks.append(treat if others[name] is None else treat * others[name][:, None])
        stacked = residual(within_transform(np.hstack(blocks), *codes))
        out = np.empty(draws)
        k = len(moving)
        for b in range(draws):
            x = stacked[:, [j * draws + b for j in range(k)]]
            out[b] = np.linalg.lstsq(x, y_res, rcond=None)[0][target]
        return out

    identity = np.arange(len(units))[:, None]
    estimate = float(coefficients(identity)[0])
    rng = np.random.default_rng(settings.seed)
    null = np.empty(settings.draws)
    for start in range(0, settings.draws, DRAWS_PER_BLOCK):
        block = min(DRAWS_PER_BLOCK, settings.draws - start)
        null[start:start + block] = coefficients(np.column_stack([rng.permutation(len(units))
                                                                  for _ in range(block)]))
    extreme = int(np.sum(~np.isfinite(null) | (np.abs(null) >= abs(estimate) * (1 - 1e-12))))
    pvalue = (1 + extreme) / (1 + settings.draws)
    record = {"term": term, "estimate": estimate, "pvalue": pvalue, "draws": settings.draws, "seed": settings.seed,
              "n_extreme": extreme, "permuted_terms": moving, "n_units": int(len(units)),
              "definition": PVALUE_DEFINITION.replace("cohorts", "treatment histories")}
    from griparm_econ.labels import plural

    note = (f"{model.name}: randomization-inference p-value of {term} = {pvalue:.3f} ({settings.draws:,} "
            f"permutations of the {len(units)} {plural(design.entity_label.lower())}' treatment histories, seed {settings.seed}; "
            f"{', '.join(moving)} permuted together).")
    return record, note


def _rows(values: np.ndarray, key: pd.MultiIndex, entity: np.ndarray, time: np.ndarray) -> np.ndarray:
    return pd.Series(values, index=key).reindex(pd.MultiIndex.from_arrays([entity, time])).to_numpy()


def diagnose(result, model, design, data, *, where: Path, field: str):
    """The fitted column with the diagnostics its spec asks for in ``diagnostics`` and its notes."""
    from dataclasses import replace

    records, notes = {}, []
    if model.bacon:
        records["bacon"], note = bacon_diagnostic(model, design, where, field)
        notes.append(note)
    if model.randomization_inference is not None:
        records["randomization_inference"], note = randomization_diagnostic(model, design, data, where, field)
        notes.append(note)
    return replace(result, diagnostics=records, notes=tuple(result.notes) + tuple(notes))
