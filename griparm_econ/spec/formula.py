"""Model formulas: ``y ~ 1 + x + L.x + x:z + [endog ~ instrument]``, parsed into terms without touching any data.

The grammar is deliberately small (see docs/specs.md) so that a spec can be validated before data are read and so
that parameter names are exactly the terms the researcher wrote (``L.x``, ``x:z``, ``Intercept``):

- ``1 +`` adds the constant (named ``Intercept``); without it there is none (linearmodels' convention);
  ``0 +`` or ``- 1`` say "no constant" explicitly.
- a factor is a variable name, optionally with a Stata-style time-series operator computed within entity on the
  time index: ``L.x`` / ``L2.x`` (lags), ``F.x`` / ``F2.x`` (leads), ``D.x`` (first difference, ``x - L.x``).
- ``a:b`` is the product of the factors; ``a*b`` expands to ``a + b + a:b``.
- one bracket ``[endog1 + endog2 ~ instrument1 + instrument2]`` marks the endogenous regressors and their
  excluded instruments (IV).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_FACTOR = re.compile(r"^(?:(?P<op>[LFD])(?P<lag>\d*)\.)?(?P<var>[A-Za-z_][A-Za-z0-9_]*)$")
_IV_SLOT = "__iv_bracket__"   # stands in for the IV bracket while the outer formula is split into terms


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``term`` is the offending piece, ``fix`` what to write instead."""

    def __init__(self, problem: str, term: str | None = None, fix: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.term = term
        self.fix = fix


@dataclass(frozen=True)
class Factor:
    """One variable, possibly lagged (``L``), led (``F``) or differenced (``D``) ``lag`` periods."""

    variable: str
    op: str = ""        # "", "L", "F" or "D"
    lag: int = 0

    @property
    def name(self) -> str:
        if not self.op:
            return self.variable
        count = "" if self.lag == 1 else str(self.lag)
        return f"{self.op}{count}.{self.variable}"

    @property
    def needs_panel(self) -> bool:
        return bool(self.op)


@dataclass(frozen=True)
class Term:
    """A product of factors; a term with one factor is a plain (possibly lagged) variable."""

    factors: tuple[Factor, ...]

    @property
    def name(self) -> str:
        return ":".join(f.name for f in self.factors)


@dataclass(frozen=True)
class ParsedFormula:
    text: str
    dependent: Factor
    constant: bool
    exog: tuple[Term, ...]
    endog: tuple[Term, ...] = ()
    instruments: tuple[Term, ...] = ()

    @property
    def is_iv(self) -> bool:
        return bool(self.endog)

    @property
    def regressor_names(self) -> tuple[str, ...]:
        """Parameter names in the order the estimates report them: constant, exogenous, endogenous."""
        head = ("Intercept",) if self.constant else ()
        return head + tuple(t.name for t in self.exog) + tuple(t.name for t in self.endog)

    def factors(self) -> tuple[Factor, ...]:
        seen: dict[str, Factor] = {self.dependent.name: self.dependent}
        for term in (*self.exog, *self.endog, *self.instruments):
            for factor in term.factors:
                seen.setdefault(factor.name, factor)
        return tuple(seen.values())

    @property
    def variables(self) -> tuple[str, ...]:
        """Every data column the formula reads, in first-seen order."""
        return tuple(dict.fromkeys(f.variable for f in self.factors()))

    @property
    def uses_time_operators(self) -> bool:
        return any(f.needs_panel for f in self.factors())


def _parse_factor(text: str) -> Factor:
    match = _FACTOR.match(text.strip())
    if not match:
        raise FormulaError(f"cannot read the term '{text.strip()}'.", term=text.strip(),
                           fix="write a variable name, optionally with a time operator (L.x, L2.x, F.x, D.x), "
                               "interactions as a:b or a*b; transform variables in the data, not in the formula.")
    op = match.group("op") or ""
    lag = int(match.group("lag")) if match.group("lag") else (1 if op else 0)
    if op and lag == 0:
        raise FormulaError(f"'{text.strip()}' has a zero lag.", term=text.strip(),
                           fix=f"write {match.group('var')} for the current value.")
    return Factor(variable=match.group("var"), op=op, lag=lag)


def _split_top(text: str, sep: str) -> list[str]:
    return [part.strip() for part in text.split(sep)]


def _parse_terms(side: str, *, allow_constant: bool) -> tuple[list[Term], bool | None]:
    """Terms of one side of a formula and the constant flag (None when not mentioned)."""
    constant: bool | None = None
    terms: list[Term] = []
    text = side.strip()
    if not text:
        return terms, constant
    # "- 1" is the only subtraction the grammar knows: it removes the constant.
    if re.search(r"-\s*1\b", text):
        text = re.sub(r"-\s*1\b", "", text)
        constant = False
    if "-" in text:
        raise FormulaError("a formula cannot subtract terms other than the constant ('- 1').", term=side.strip(),
                           fix="list only the terms you want.")
    for raw in _split_top(text, "+"):
        if raw == "":
            if text.strip().endswith("+") or text.strip().startswith("+") or "++" in text.replace(" ", ""):
                raise FormulaError("the formula has an empty term (a stray '+').", term=side.strip(),
                                   fix="remove the extra '+'.")
            continue
        if raw == _IV_SLOT:
            continue
        if raw in ("1", "0"):
            if not allow_constant:
                raise FormulaError(f"'{raw}' is not allowed here.", term=raw,
                                   fix="put the constant outside the IV bracket: y ~ 1 + x + [endog ~ instrument].")
            constant = raw == "1"
            continue
        if "*" in raw:
            parts = [_parse_factor(p) for p in _split_top(raw, "*")]
            for size in range(1, len(parts) + 1):
                for combo in itertools.combinations(parts, size):
                    terms.append(Term(tuple(combo)))
            continue
        terms.append(Term(tuple(_parse_factor(p) for p in _split_top(raw, ":"))))
    unique = list({t.name: t for t in terms}.values())
    return unique, constant


def parse_formula(text: str) -> ParsedFormula:
    """Parse a model formula; raises :class:`FormulaError` naming the offending term."""
    if text.count("~") == 0:
        raise FormulaError("the formula has no '~'.", term=text, fix="write 'dependent ~ regressors', e.g. 'inv ~ value'.")
    brackets = re.findall(r"\[([^\]]*)\]", text)
    if len(brackets) > 1:
        raise FormulaError("the formula has more than one IV bracket.", term=text,
                           fix="put all endogenous regressors and instruments in one bracket: [e1 + e2 ~ z1 + z2].")
    if text.count("[") != len(brackets) or text.count("]") != len(brackets):
        raise FormulaError("the formula has an unbalanced '[' or ']'.", term=text,
                           fix="write the IV part as [endogenous ~ instruments].")
    outer = re.sub(r"\[[^\]]*\]", _IV_SLOT, text)
    if outer.count("~") != 1:
        raise FormulaError("the formula must have exactly one '~' outside the IV bracket.", term=text,
                           fix="write 'dependent ~ regressors'.")
    lhs, rhs = outer.split("~")
    if not lhs.strip():
        raise FormulaError("the formula has no dependent variable.", term=text, fix="write 'dependent ~ regressors'.")
    if "+" in lhs or ":" in lhs or "*" in lhs:
        raise FormulaError("the formula has more than one dependent variable.", term=lhs.strip(),
                           fix="put a single variable left of '~'.")
    dependent = _parse_factor(lhs)
    exog, constant = _parse_terms(rhs, allow_constant=True)
    endog: list[Term] = []
    instruments: list[Term] = []
    if brackets:
        inside = brackets[0]
        if inside.count("~") != 1:
            raise FormulaError("the IV bracket needs '~' between endogenous regressors and instruments.",
                               term=f"[{inside}]", fix="write [endogenous ~ instrument1 + instrument2].")
        left, right = inside.split("~")
        endog, _ = _parse_terms(left, allow_constant=False)
        instruments, _ = _parse_terms(right, allow_constant=False)
        if not endog:
            raise FormulaError("the IV bracket names no endogenous regressor.", term=f"[{inside}]",
                               fix="write [endogenous ~ instrument].")
        if not instruments:
            raise FormulaError("the IV formula has no instruments.", term=f"[{inside}]",
                               fix="name at least one excluded instrument right of '~' inside the bracket, "
                                   "e.g. [avexpr ~ logem4].")
        if len(instruments) < len(endog):
            raise FormulaError(f"the IV bracket has {len(endog)} endogenous regressors but only {len(instruments)} "
                               "instruments.", term=f"[{inside}]",
                               fix="add instruments: the model needs at least one per endogenous regressor.")
    if not exog and not endog and not constant:
        raise FormulaError("the formula has no regressors.", term=text, fix="add regressors or '1' right of '~'.")
    return ParsedFormula(text=" ".join(text.split()), dependent=dependent, constant=bool(constant),
                         exog=tuple(exog), endog=tuple(endog), instruments=tuple(instruments))
