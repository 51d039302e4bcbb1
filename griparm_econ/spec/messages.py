"""Validation errors translated into one message naming the file, the field as the file writes it, and the fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import get_args

from pydantic import BaseModel, ValidationError

from griparm_econ.errors import SpecError
from griparm_econ.spec.multiverse_axes import MULTIVERSE_ESTIMATORS
from griparm_econ.spec.suggest import did_you_mean as _suggest
from griparm_econ.spec.vocabulary import (BOOTSTRAP_WEIGHTS, COV_NAMES, EFFECT_NAMES, ESTIMATOR_NAMES,
                                          EXECUTOR_BACKENDS, RISK_SETS, SMALL_SAMPLE)


def toml_error(err: tomllib.TOMLDecodeError, path: Path) -> SpecError:
    """A TOML syntax error, with its line and column as the field."""
    message = str(err)
    position = re.search(r"\(at line (\d+), column (\d+)\)", message)
    problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
    return SpecError(f"is not valid TOML: {problem}.", where=path,
                     field=f"line {position.group(1)}, column {position.group(2)}" if position else "(syntax)",
                     fix="correct the TOML syntax there (strings in double quotes, lists in [ ], one key = value "
                         "per line).")


def _loc_text(loc: tuple, raw: dict) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            label = f"[{item + 1}]"
            if parts and parts[-1] == "model":
                try:
                    label = f"[{item + 1}] (name = {raw['model'][item]['name']!r})"
                except (KeyError, IndexError, TypeError):
                    pass
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts).replace(".[", "[")


def _spec_loc(loc: tuple, raw: dict) -> tuple:
    """The location as the file writes it: without pydantic's union-member tags (``constrained-int``, ...)."""
    node, kept = raw, []
    for i, item in enumerate(loc):
        if isinstance(item, str) and (not isinstance(node, dict) or (item not in node and i < len(loc) - 1)):
            continue
        kept.append(item)
        node = node.get(item) if isinstance(node, dict) else node[item] if isinstance(node, list) and isinstance(
            item, int) and item < len(node) else None
    return tuple(kept)


def _nested_schema(annotation) -> type[BaseModel] | None:
    """The spec table class inside a field's annotation (``X``, ``X | None``, ``list[X]``, ``dict[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_schema(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(loc: tuple, schema: type[BaseModel]) -> list[str]:
    """The keys the schema allows in the table that ``loc`` (a pydantic error location) points into."""
    for item in loc[:-1]:
        if isinstance(item, str) and item in schema.model_fields:
            nested = _nested_schema(schema.model_fields[item].annotation)
            if nested is not None:
                schema = nested
    return sorted(schema.model_fields)


def validation_error(err: ValidationError, path: Path, raw: dict, schema: type[BaseModel],
                     kinds: dict[str, tuple[str, ...]]) -> SpecError:
    """The first problem pydantic found, as one message; ``kinds`` lists the names a ``kind`` or ``figure`` key
    may take (from :mod:`.kinds`)."""
    # An unknown key is named even when a required key is missing too: it is usually the misspelt required key.
    first = next((e for e in err.errors() if e["type"] == "extra_forbidden"), err.errors()[0])
    loc = _spec_loc(tuple(first["loc"]), raw)
    field = _loc_text(loc, raw) or "(file)"
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc, schema)
        return SpecError(f"unknown key '{loc[-1]}'{_suggest(loc[-1], allowed)}.", where=path, field=field,
                         fix=f"remove it or use one of: {', '.join(allowed)}.")
    if kind == "literal_error":
        key = next((item for item in reversed(loc) if isinstance(item, str)), "")
        allowed = {"estimator": ESTIMATOR_NAMES, "cov": COV_NAMES, "small_sample": SMALL_SAMPLE,
                   "effects": EFFECT_NAMES, **kinds,
                   "world": ("reported", "sum"), "expected_sign": ("positive", "negative"),
                   "backend": EXECUTOR_BACKENDS, "weights": BOOTSTRAP_WEIGHTS, "scale": ("outcome_sd", "none"),
                   "control_sets": ("all_subsets", "all", "none"),
                   "estimators": tuple(MULTIVERSE_ESTIMATORS),
                   "risk_set": RISK_SETS}.get(key, ())
        allowed = getattr(schema, "LITERAL_CHOICES", {}).get(key, allowed)   # a kind's own vocabularies
        return SpecError(f"'{value}' is not a valid {key}{_suggest(value, allowed)}.", where=path, field=field,
                         fix=f"use one of: {', '.join(allowed)}." if allowed else first["msg"])
    if kind == "missing":
        return SpecError(f"the required key '{loc[-1]}' is missing.", where=path, field=field,
                         fix=f"add {loc[-1]} = ... (see docs/specs.md).")
    return SpecError(f"{first['msg'].removeprefix('Value error, ')} (got {value!r}).", where=path, field=field,
                     fix="correct the value (see docs/specs.md for the type of every key).")

