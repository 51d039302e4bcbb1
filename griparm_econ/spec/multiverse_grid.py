"""Multiverse specs: what each choice expands to (the estimation layer enumerates the grid from these), counted
without building the grid, and the checks of a grid that its field types cannot express."""

from __future__ import annotations

import functools
from itertools import combinations
from pathlib import Path

from griparm_econ.errors import SpecError
from griparm_econ.spec.checks import check_years
from griparm_econ.spec.formula import Factor, FormulaError, Term, parse_formula
from griparm_econ.spec.multiverse_axes import check_axes, n_treatment_sets, outcome_list, treatment_sets
from griparm_econ.spec.schema import MultiverseSpec
from griparm_econ.spec.suggest import did_you_mean as _suggest


def control_sets(spec: MultiverseSpec) -> list[tuple[str, ...]]:
    """The control sets of the grid: every subset (smallest first, in the order listed), all, none, or the list."""
    if spec.control_sets == "all_subsets":
        return [combo for size in range(len(spec.controls) + 1) for combo in combinations(spec.controls, size)]
    if spec.control_sets == "all":
        return [tuple(spec.controls)]
    if spec.control_sets == "none":
        return [()]
    return [tuple(s) for s in spec.control_sets]


@functools.lru_cache(maxsize=4096)   # a grid asks for the same few terms thousands of times
def lag_term(term: str, lag: int) -> str:
    """``term`` with every one-period lag ``L.`` made ``L<lag>.``; other factors (unlagged, L2., F., D.) unchanged."""
    parsed = parse_formula(f"y ~ {term}")
    factors = [Factor(f.variable, f.op, lag) if f.op == "L" and f.lag == 1 else f for f in parsed.exog[0].factors]
    return Term(tuple(factors)).name


MAX_GRID = 1_000_000   # models per multiverse spec, whatever its limit: the grid is enumerated in memory


def multiverse_size(spec: MultiverseSpec) -> int:
    """The number of models, counted from the choices (the grid itself is not built)."""
    n_sets = (2 ** len(spec.controls) if spec.control_sets == "all_subsets" else
              1 if spec.control_sets in ("all", "none") else len(spec.control_sets))
    return (len(outcome_list(spec)) * n_treatment_sets(spec) * n_sets * len(spec.lags)
            * max(1, len(spec.samples)) * len(spec.effects) * len(spec.cov) * len(spec.estimators))


def multiverse_variables(spec: MultiverseSpec) -> tuple[str, ...]:
    """Every variable the grid reads (outcomes, treatment and control terms' variables), in first-seen order."""
    names = outcome_list(spec)
    for term in [t for ts in treatment_sets(spec) for t in ts.terms] + list(spec.controls):
        names += [f.variable for f in parse_formula(f"y ~ {term}").exog[0].factors]
    return tuple(dict.fromkeys(names))


def check_multiverse(spec: MultiverseSpec, path: Path) -> None:
    def fail(field: str, problem: str, fix: str) -> None:
        raise SpecError(problem, where=path, field=field, fix=fix)

    if spec.data is not None and (spec.data.entity is None or spec.data.time is None):
        fail("data", "a multiverse needs a panel, but [data] sets no "
             f"{'entity' if spec.data.entity is None else 'time'}.", "set entity and time in [data].")
    check_axes(spec, path)
    outcomes = outcome_list(spec)
    for key, terms in ([(f"treatments[{i + 1}]", ts) for i, ts in enumerate(spec.treatments)]
                       + [("controls", spec.controls), ("focus", spec.focus)]
                       + [(f"outcomes[{i + 1}]", [o]) for i, o in enumerate(outcomes)]):
        for term in terms:
            try:
                parse_formula(f"y ~ {term}")
            except FormulaError as err:
                fail(f"{key}: {term}", err.problem, err.fix or "write a term as a formula does, e.g. \"L.x:L.z\".")
    for i, outcome in enumerate(outcomes):
        if parse_formula(f"{outcome} ~ x").dependent.op:
            fail(f"outcomes[{i + 1}]", f"the outcome '{outcome}' has a time-series operator.",
                 "name outcome variables without L./F./D. (regressors are lagged through `lags`).")
    if isinstance(spec.control_sets, list):
        for i, chosen in enumerate(spec.control_sets):
            unknown = [c for c in chosen if c not in spec.controls]
            if unknown:
                fail(f"control_sets[{i + 1}]", f"'{unknown[0]}' is not in controls{_suggest(unknown[0], spec.controls)}.",
                     "list in control_sets only terms that controls lists.")
    elif spec.control_sets in ("all_subsets", "all") and not spec.controls:
        fail("control_sets", f"control_sets = \"{spec.control_sets}\" but controls is empty.",
             "list the controls, or set control_sets = \"none\".")
    for i, treatment in enumerate(spec.treatments):
        found = [t for t in treatment if t in spec.focus]
        if len(found) != 1:
            fail(f"treatments[{i + 1}]", f"the treatment set {treatment} contains {len(found)} of the focus terms "
                 f"{spec.focus}; each set must contain exactly one (the coefficient the curve shows).",
                 "add the set's focus term to focus, or the focus term to the set.")
    for i, chosen in enumerate(treatment_sets(spec)):
        overlap = [c for c in spec.controls if c in chosen.terms]
        if overlap:
            fail(f"treatments[{i + 1}]" if spec.treatments else "controls",
                 f"'{overlap[0]}' is both a treatment and a control.",
                 "list it in one of them only.")
    if any(lag < 1 for lag in spec.lags) or len(set(spec.lags)) != len(spec.lags):
        fail("lags", f"lags = {spec.lags} must be distinct positive lag lengths.", "write e.g. lags = [1, 2].")
    for i, effects in enumerate(spec.effects):
        if len(set(effects)) != len(effects):
            fail(f"effects[{i + 1}]", f"{effects} repeats an effect.", "write each effect once, e.g. [\"entity\"].")
    for key, sample in [("sample", spec.sample)] + [(f"samples.{k}", v) for k, v in spec.samples.items()]:
        if sample is not None:
            check_years(sample.years, path, f"{key}.years")
    size = multiverse_size(spec)
    if size > MAX_GRID:
        fail("controls" if spec.control_sets == "all_subsets" else "limit",
             f"the grid expands to {size:,} models"
             + (f" ({len(spec.controls)} controls give {2 ** len(spec.controls):,} subsets)"
                if spec.control_sets == "all_subsets" else "") + f"; at most {MAX_GRID:,} can be run from one spec.",
             "drop choices (fewer controls with control_sets = \"all_subsets\", or list the control sets), or split "
             "the grid into several specs.")
    if size > spec.limit:
        fail("limit", f"the grid expands to {size:,} models, above the limit of {spec.limit:,}.",
             f"set limit = {size} (or more) if you mean to run them all, or drop choices (outcomes, treatments, "
             "moderators, control_sets, lags, samples, effects, cov, estimators).")

