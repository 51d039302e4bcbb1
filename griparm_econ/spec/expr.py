"""Row conditions in spec files (``query`` in ``[sample]``, ``[samples.NAME]`` and ``[[group]]``): a small grammar,
validated and evaluated here, never handed to ``eval`` or to pandas.

A spec is data that reviewers run without reading it, so a condition may only name columns and compare them:

    condition  := condition "and" condition | condition "or" condition | "not" condition | "(" condition ")"
                | value (comparison value)+ | value ["not"] "in" "[" literal ("," literal)* "]"
    comparison := "==" | "!=" | "<" | "<=" | ">" | ">="
    value      := column | literal | value ("+" | "-" | "*" | "/") value | "-" value | "(" value ")"
    literal    := number | "string" | 'string' | True | False

The text is parsed with Python's :mod:`ast` and every node is checked against the whitelist below before any data
are read; anything else (calls, attributes, ``@`` references, indexing, lambdas, comprehensions, ``:=``, names with
two leading underscores) is refused with one message naming the file and the field. Evaluation walks the validated
tree on the data frame's columns with numpy operators, so nothing the text says can reach Python objects.
"""

from __future__ import annotations

import ast
import functools
import operator
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
from pydantic import BaseModel

from griparm_econ.errors import SpecError
from griparm_econ.spec.suggest import nearest

EXPRESSION_FIELDS = ("query",)          # every spec key whose text is evaluated (docs/specs.md, "Row conditions")
MAX_LENGTH = 2_000                      # characters; longer conditions belong in the data
MAX_DEPTH = 60                          # levels of the syntax tree (the evaluator recurses over them)
GRAMMAR_FIX = ("write a condition on the data's columns with names, numbers, strings, ==, !=, <, <=, >, >=, and, "
               "or, not, in [...] and + - * /, e.g. \"year >= 2000 and iso3 not in ['CHN', 'RUS']\" "
               "(docs/specs.md, Row conditions).")

_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_REFUSED = {ast.Call: "a function call", ast.Attribute: "attribute access ('.')", ast.Subscript: "indexing ('[...]')",
            ast.Lambda: "a lambda", ast.NamedExpr: "an assignment (':=')", ast.IfExp: "an if-else expression",
            ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
            ast.GeneratorExp: "a comprehension", ast.Starred: "unpacking ('*')", ast.Dict: "a dict",
            ast.Set: "a set", ast.JoinedStr: "an f-string", ast.Await: "await", ast.Yield: "yield",
            ast.YieldFrom: "yield", ast.Slice: "a slice", ast.Is: "'is' (write ==)", ast.IsNot: "'is not' (write !=)"}
_BITWISE = {ast.BitAnd: "'&' (write 'and')", ast.BitOr: "'|' (write 'or')", ast.Invert: "'~' (write 'not')"}


def _refuse(problem: str, where, field: str) -> SpecError:
    return SpecError(f"{problem}; a spec's conditions may not run code.", where=where, field=field, fix=GRAMMAR_FIX)


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> ast.Expression | str:
    """The validated tree of ``text``, or the reason it is refused (cached: a grid filters on the same few)."""
    if "@" in text:
        return "'@' (a reference to a Python variable) is not allowed"
    if len(text) > MAX_LENGTH:
        return f"the condition is {len(text):,} characters long (at most {MAX_LENGTH:,})"
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        return f"the condition is not valid syntax ({err.msg})"
    except (ValueError, RecursionError, MemoryError):   # NUL bytes; absurd nesting
        return "the condition cannot be parsed"
    for node in ast.walk(tree):
        reason = _node_refusal(node)
        if reason:
            return f"the condition contains {reason}, which is not allowed"
    return tree


def _node_refusal(node: ast.AST) -> str | None:
    if isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Load,
                         ast.Compare, ast.In, ast.NotIn, *_COMPARE, *_ARITHMETIC)):
        return None
    if isinstance(node, ast.UnaryOp):
        return _BITWISE.get(type(node.op))
    if isinstance(node, ast.BinOp):
        return _BITWISE.get(type(node.op)) or (None if type(node.op) in _ARITHMETIC else
                                               f"the operator {type(node.op).__name__}")
    if isinstance(node, ast.Name):
        return f"the name '{node.id}' (names with two leading underscores)" if node.id.startswith("__") else None
    if isinstance(node, ast.Constant):
        return None if isinstance(node.value, (bool, int, float, str)) else f"the constant {node.value!r}"
    if isinstance(node, (ast.List, ast.Tuple)):
        return None     # only as the right side of `in`, checked below
    return _REFUSED.get(type(node)) or _BITWISE.get(type(node)) or f"{type(node).__name__} syntax"


def _literals(node: ast.AST) -> list | None:
    """The values of a list of literals (``[1, -2, "a"]``), or None if it is anything else."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    values = []
    for item in node.elts:
        sign = 1
        while isinstance(item, ast.UnaryOp) and isinstance(item.op, (ast.USub, ast.UAdd)):
            sign = -sign if isinstance(item.op, ast.USub) else sign
            item = item.operand
        if not isinstance(item, ast.Constant) or isinstance(item.value, bool):
            return None
        if isinstance(item.value, str):
            if sign != 1:
                return None
            values.append(item.value)
        else:
            values.append(sign * item.value)
    return values


def _check_shape(node: ast.AST) -> str | None:
    """Lists only after ``in``, ``in`` never chained; arithmetic only on numbers and columns; bounded nesting."""
    lists: set[int] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Compare):
            for op, right in zip(child.ops, child.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    if _literals(right) is None:
                        return "'in' followed by something other than a list of numbers or strings, e.g. ['BRA', 'CHN']"
                    if len(child.ops) > 1:
                        return "'in' inside a chained comparison"
                    lists.add(id(right))
        if isinstance(child, ast.BinOp) and any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                                                for side in (child.left, child.right)):
            return "arithmetic on a string"
    for child in ast.walk(node):
        if isinstance(child, (ast.List, ast.Tuple)) and id(child) not in lists:
            return "a list outside 'in [...]'"
    depth, stack = 0, [(node, 1)]
    while stack:
        child, level = stack.pop()
        depth = max(depth, level)
        stack.extend((grandchild, level + 1) for grandchild in ast.iter_child_nodes(child))
    return f"nesting {depth} levels deep (at most {MAX_DEPTH})" if depth > MAX_DEPTH else None


def validate_condition(text: str, where, field: str) -> ast.Expression:
    """The checked tree of one condition, or one :class:`SpecError` naming ``where`` and ``field``."""
    tree = _parse(text)
    if isinstance(tree, str):
        raise _refuse(tree, where, field)
    reason = _check_shape(tree)
    if reason:
        raise _refuse(f"the condition contains {reason}, which is not allowed", where, field)
    return tree


def spec_conditions(spec: BaseModel, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) of every condition anywhere in a validated spec, whatever its kind."""
    for name in type(spec).model_fields:
        value = getattr(spec, name)
        field = f"{prefix}{name}"
        if name in EXPRESSION_FIELDS and isinstance(value, str):
            yield field, value
        elif isinstance(value, BaseModel):
            yield from spec_conditions(value, field + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from spec_conditions(item, f"{field}.{key}.")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from spec_conditions(item, f"{field}[{i + 1}].")


def check_spec_conditions(spec: BaseModel, path: Path) -> None:
    """Refuse, before any data are read, any condition outside the grammar."""
    for field, text in spec_conditions(spec):
        validate_condition(text, path, field)


# ---------------------------------------------------------------------------------------------------------------------
# Evaluation on the data


class _Evaluator:
    def __init__(self, frame: pd.DataFrame, where, field: str, text: str):
        self.frame, self.where, self.field, self.text = frame, where, field, text

    def fail(self, problem: str, fix: str) -> SpecError:
        return SpecError(f"the condition '{self.text}' {problem}", where=self.where, field=self.field, fix=fix)

    def column(self, name: str) -> pd.Series:
        if name not in self.frame.columns:
            close = nearest(name, map(str, self.frame.columns))
            raise self.fail(f"names '{name}', which is not a column of the data"
                            f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.",
                            "name the data's columns exactly (strings in quotes: iso3 == 'BRA').")
        return self.frame[name].reset_index(drop=True)

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.value(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.column(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                return ~self.boolean(operand, "not")
            self.numeric(operand, "a sign")
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BoolOp):
            parts = [self.boolean(self.value(v), type(node.op).__name__.lower()) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return functools.reduce(combine, parts)
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left), self.value(node.right)
            self.numeric(left, "arithmetic")
            self.numeric(right, "arithmetic")
            try:
                with np.errstate(all="ignore"):
                    return _ARITHMETIC[type(node.op)](left, right)
            except (ArithmeticError, TypeError, ValueError):
                raise self.fail("has arithmetic that cannot be computed (e.g. a number too large).",
                                "use ordinary numbers.") from None
        if isinstance(node, ast.Compare):
            return self.compare(node)
        raise AssertionError(f"unvalidated node {type(node).__name__}")   # validate_condition ran first

    def compare(self, node: ast.Compare) -> np.ndarray:
        result = None
        left = self.value(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                listed = _literals(right_node)
                inside = (left.isin(listed).to_numpy(dtype=bool) if isinstance(left, pd.Series)
                          else np.full(len(self.frame), left in listed))
                part, right = (inside if isinstance(op, ast.In) else ~inside), None
            else:
                right = self.value(right_node)
                try:
                    part = _COMPARE[type(op)](left, right)
                except (TypeError, ValueError, OverflowError):
                    raise self.fail("compares values of different types (e.g. a text column with a number).",
                                    "compare text columns with strings in quotes, numbers with numbers.") from None
                part = self.boolean(part, "a comparison")
            result = part if result is None else result & part
            left = right
        return result

    def boolean(self, value, what: str) -> np.ndarray:
        if isinstance(value, bool):
            return np.full(len(self.frame), value)
        if isinstance(value, pd.Series):
            value = value.fillna(False) if value.dtype == "boolean" else value
            value = value.to_numpy()
        value = np.asarray(value)
        if value.dtype != bool or value.shape != (len(self.frame),):
            raise self.fail(f"uses a value that is not true or false in {what}.",
                            "combine comparisons (year >= 2000 and rich == 1), not bare columns or numbers.")
        return value

    def numeric(self, value, what: str) -> None:
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, pd.Series) and pd.api.types.is_numeric_dtype(value)
            and not pd.api.types.is_bool_dtype(value))
        if not ok:
            raise self.fail(f"uses {what} on a value that is not a number.",
                            "use arithmetic only on numeric columns and numbers.")


def evaluate_condition(text: str, frame: pd.DataFrame, where, field: str) -> np.ndarray:
    """The rows of ``frame`` where the condition holds (a boolean array), or one :class:`SpecError`."""
    tree = validate_condition(text, where, field)
    evaluator = _Evaluator(frame, where, field, text)
    result = evaluator.value(tree)
    return evaluator.boolean(result, "the condition as a whole")
