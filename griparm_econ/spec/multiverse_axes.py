"""The axes of a multiverse spec that name what matters: treatment definitions, moderator measures, outcome families
and estimator families, and how they resolve to the grid's treatment sets and outcomes.

A multiverse writes its treatment sets either explicitly (``treatments``: lists of terms with a ``focus`` term each)
or by name (``treatment_definitions`` crossed with ``moderators``); its outcomes either as a flat list (``outcomes``)
or grouped (``[outcome_families]``). Both forms resolve here to the same two lists the grid is the product of, so a
spec written with names gives the same models (and estimates) as the same sets written out. Everything here reads
the validated spec only; nothing reads data, and the grid is counted from these lists, never built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from griparm_econ.errors import SpecError

NO_MODERATOR = "none"     # a moderators entry: the treatment enters alone, without an interaction
NO_FAMILY = ""            # the family of every outcome of a spec that lists plain ``outcomes``

@dataclass(frozen=True)
class EstimatorFamily:
    """One value of the ``estimators`` axis, with what it fits and where it applies."""

    name: str
    label: str             # the choice as the curve's indicator rows show it
    description: str
    robust: bool           # a heterogeneity-robust static ATT: only for an absorbing 0/1 adoption indicator, with no
                           # moderator and no controls, entity and time effects and errors clustered by entity
    inference: str         # its own inference convention (the multiverse notes say it)


# The estimator families a multiverse can cross: the one registry of the axis (spec validation reads its keys).
MULTIVERSE_ESTIMATORS: dict[str, EstimatorFamily] = {family.name: family for family in (
    EstimatorFamily("twfe", "Two-way FE (least squares)",
                    "least squares with the absorbed fixed effects of `effects` (the within engine)", False,
                    "fixest's CR1 small-sample factors, t with G-1 degrees of freedom"),
    EstimatorFamily("callaway_santanna", "Callaway-Sant'Anna (simple ATT)",
                    "Callaway and Sant'Anna (2021) group-time ATTs, simple aggregation, never-treated controls, "
                    "balanced panel (csdid)", True, "analytical influence-function errors by unit, normal"),
    EstimatorFamily("sun_abraham", "Sun-Abraham (ATT)",
                    "Sun and Abraham (2021) interaction-weighted event study, ATT aggregation (fixest sunab)", True,
                    "clustered by entity with fixest's CR1 factors, t with G-1 degrees of freedom"),
    EstimatorFamily("did2s", "Gardner two-stage DiD (static)",
                    "Gardner's two-stage DiD, static ATT (R did2s)", True,
                    "two-stage GMM sandwich clustered by entity, no small-sample factor, t with N-1 degrees of "
                    "freedom"),
)}
ROBUST_ESTIMATORS = tuple(name for name, family in MULTIVERSE_ESTIMATORS.items() if family.robust)


def robust_cell_reason(estimator: str, moderator: str, n_controls: int, effects: str, cov: str) -> str | None:
    """Why a heterogeneity-robust family does not apply to a cell of the grid, read from the spec's choices (None:
    it applies, subject to the treatment being an absorbing 0/1 adoption in the data, checked when fitting)."""
    if not MULTIVERSE_ESTIMATORS[estimator].robust:
        return None
    if moderator != NO_MODERATOR:
        return "moderated treatment set (the estimator gives one static ATT, without an interaction)"
    if n_controls:
        return "controls (the robust cells are crossed without covariates: the engines treat them differently)"
    if effects != "entity+time":
        return "fixed effects other than entity and time"
    if cov != "cluster:entity":
        return "errors not clustered by entity"
    return None


@dataclass(frozen=True)
class TreatmentSet:
    """One choice of the treatment axis: its terms (lag-1 form), its focus term, and the names it was made from."""

    terms: tuple[str, ...]
    focus: str
    definition: str       # the treatment variable (the focus term's variable)
    moderator: str        # the moderator variable(s), "+"-joined, or "none"


def _variables(term: str) -> list[str]:
    from griparm_econ.spec.formula import parse_formula

    return [factor.variable for factor in parse_formula(f"y ~ {term}").exog[0].factors]


def treatment_sets(spec) -> list[TreatmentSet]:
    """The treatment axis in grid order: the written ``treatments``, or each definition crossed with each moderator
    (definition-major: ``L.d``, ``L.m``, ``L.d:L.m``; with ``none``, ``L.d`` alone)."""
    if spec.treatment_definitions:
        out = []
        for definition in spec.treatment_definitions:
            for moderator in spec.moderators:
                focus = f"L.{definition}"
                terms = ((focus,) if moderator == NO_MODERATOR
                         else (focus, f"L.{moderator}", f"{focus}:L.{moderator}"))
                out.append(TreatmentSet(terms, focus, definition, moderator))
        return out
    out = []
    for written in spec.treatments:
        focus = next((t for t in written if t in spec.focus), written[0])
        definition = "+".join(_variables(focus))
        others = [v for t in written for v in _variables(t) if v not in _variables(focus)]
        out.append(TreatmentSet(tuple(written), focus, definition, "+".join(dict.fromkeys(others)) or NO_MODERATOR))
    return out


def focus_terms(spec) -> list[str]:
    """The focus terms the curve shows (written ``focus``, or one per treatment definition)."""
    if spec.treatment_definitions:
        return [f"L.{definition}" for definition in spec.treatment_definitions]
    return list(spec.focus)


def outcome_list(spec) -> list[str]:
    """The outcome axis in grid order (families in the order written, outcomes within each in the order written)."""
    if spec.outcome_families:
        return [outcome for outcomes in spec.outcome_families.values() for outcome in outcomes]
    return list(spec.outcomes)


def outcome_family(spec) -> dict[str, str]:
    """outcome -> its family (``NO_FAMILY`` for a spec with plain ``outcomes``)."""
    return {outcome: family for family, outcomes in spec.outcome_families.items() for outcome in outcomes} or {
        outcome: NO_FAMILY for outcome in spec.outcomes}


def n_treatment_sets(spec) -> int:
    return (len(spec.treatment_definitions) * len(spec.moderators) if spec.treatment_definitions
            else len(spec.treatments))


def check_axes(spec, path: Path) -> None:
    """What the field types cannot say about the named axes: one form of each axis, plain names, no repeats."""
    def fail(field: str, problem: str, fix: str) -> None:
        raise SpecError(problem, where=path, field=field, fix=fix)

    if bool(spec.outcomes) == bool(spec.outcome_families):
        fail("outcomes", "a multiverse lists its outcomes either as outcomes = [...] or as [outcome_families], "
             + ("not both." if spec.outcomes else "but neither is given."),
             "keep one: outcomes = [\"y1\", \"y2\"], or [outcome_families] with family = [\"y1\", ...].")
    if bool(spec.treatments) == bool(spec.treatment_definitions):
        fail("treatments", "a multiverse names its treatments either as treatments = [[...]] (sets of terms) or as "
             "treatment_definitions = [...] (variables), " + ("not both." if spec.treatments else
                                                            "but neither is given."),
             "keep one: treatment_definitions = [\"restriction_any_in_force\", ...] (with moderators), or "
             "treatments = [[\"L.x\", \"L.z\", \"L.x:L.z\"]] with focus.")
    if spec.treatments and not spec.focus:
        fail("focus", "treatments = [[...]] needs focus: the term of each set the curve shows.",
             "add focus = [\"L.x\"] naming one term of every set.")
    if spec.treatment_definitions and spec.focus:
        fail("focus", "with treatment_definitions the focus is each definition's own term (L.<definition>); "
             "focus is not used.", "remove focus.")
    if spec.moderators != [NO_MODERATOR] and not spec.treatment_definitions:
        fail("moderators", "moderators are crossed with treatment_definitions, which the spec does not give.",
             "name the treatments with treatment_definitions = [...], or write the moderators into treatments.")
    for key, names in (("treatment_definitions", spec.treatment_definitions), ("moderators", spec.moderators)):
        for i, name in enumerate(names):
            if not name.isidentifier():
                fail(f"{key}[{i + 1}]", f"'{name}' is not a variable name (a name is lagged by the grid's `lags`; "
                     "write no operator, product or space).", "write the variable's name alone, e.g. "
                     "\"restriction_any_in_force\".")
            if names.count(name) > 1:
                fail(f"{key}[{i + 1}]", f"'{name}' is listed twice.", "list each choice once.")
    for i, moderator in enumerate(spec.moderators):
        if moderator in spec.treatment_definitions:
            fail(f"moderators[{i + 1}]", f"'{moderator}' is both a treatment definition and a moderator.",
                 "list it in one of them only.")
    seen: dict[str, str] = {}
    for family, outcomes in spec.outcome_families.items():
        if not outcomes:
            fail(f"outcome_families.{family}", f"the family '{family}' lists no outcome.",
                 "list its outcomes, or remove the family.")
        for outcome in outcomes:
            if outcome in seen:
                fail(f"outcome_families.{family}", f"'{outcome}' is in the families '{seen[outcome]}' and "
                     f"'{family}'.", "put each outcome in one family.")
            seen[outcome] = family
    if len(set(spec.estimators)) != len(spec.estimators):
        fail("estimators", f"estimators = {spec.estimators} repeats a family.", "list each family once.")
