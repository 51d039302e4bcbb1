"""Human labels: the one place that knows ``L2.x`` means "x (t-2)", ``a:b`` means "a × b", that the plural of
"country" is "countries" and that ``table2_forward`` is "Table 2".

Tables, figures and the multiverse's summary all print these names, so they share this instead of each guessing. A
label given for the exact term always wins, which lets a spec override any of the rules below. The module imports
nothing from the package: a leaf that estimation, the pipeline and the report all use.
"""

from __future__ import annotations

import re
from typing import Mapping

INTERCEPT = "Intercept"
INTERCEPT_LABEL = "Constant"

# Stata's time-series operators as the spec language writes them: L. L2. F. F2. D. (and L1./F1.).
_OPERATOR = re.compile(r"^(?P<op>L|F|D)(?P<k>\d*)\.(?P<rest>.+)$")
# Categorical levels as formulaic/patsy name them: C(region)[T.Asia], C(region, Treatment('EU'))[Asia], region[T.Asia].
_CATEGORICAL = re.compile(r"^(?:C\((?P<cvar>[^,()]+)(?:,.*)?\)|(?P<var>[A-Za-z_][\w.]*))\[(?:T\.)?(?P<level>.*)\]$")
_FUNCTION = re.compile(r"^(?:np\.)?(?P<fn>log|log1p|log10|exp|sqrt)\((?P<arg>.+)\)$")


def _split_interaction(term: str) -> list[str]:
    """Split ``a:b`` on top-level colons only, so ``C(x)[T.a:b]`` style levels stay whole."""
    parts, depth, current = [], 0, []
    for char in term:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        if char == ":" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def term_label(term: str, labels: Mapping[str, str] | None = None) -> str:
    """The printed name of one term: exact label, else built from the labels of its parts, else the term itself."""
    labels = labels or {}
    if term in labels:
        return labels[term]
    if term == INTERCEPT:
        return INTERCEPT_LABEL
    parts = _split_interaction(term)
    if len(parts) > 1 and all(parts):
        return " × ".join(term_label(part, labels) for part in parts)
    operator = _OPERATOR.match(term)
    if operator:
        inner = term_label(operator["rest"], labels)
        k = int(operator["k"]) if operator["k"] else 1
        if operator["op"] == "L":
            return f"{inner} (t-{k})" if k else inner
        if operator["op"] == "F":
            return f"{inner} (t+{k})" if k else inner
        return f"Δ{'' if k == 1 else k} {inner}"
    categorical = _CATEGORICAL.match(term)
    if categorical:
        variable = (categorical["cvar"] or categorical["var"]).strip()
        return f"{term_label(variable, labels)} = {categorical['level']}"
    function = _FUNCTION.match(term)
    if function:
        return f"{function['fn']}({term_label(function['arg'], labels)})"
    return term


def plural(noun: str) -> str:
    """English plural of a noun (of a phrase's last word): Country -> Countries, singleton firm -> singleton firms."""
    lower = noun.lower()
    if lower.endswith("y") and len(noun) > 1 and lower[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(n: int, noun: str) -> str:
    """A count with its noun in the right number: 1 country, 3 countries, 4,096 models."""
    return f"{n:,} {noun if n == 1 else plural(noun)}"


def time_unit(time_label: str) -> str:
    """The panel's time unit as prose, plural ("years" for a panel indexed by Year)."""
    return plural(time_label.lower())


_EXHIBIT = re.compile(r"^(?P<kind>table|fig|figure)(?P<number>\d+)(?:[_-].*)?$", re.IGNORECASE)


def exhibit_name(stem: str) -> str:
    """The name a reader knows an output by: ``table2_forward`` -> "Table 2", ``fig3_coefficients`` -> "Figure 3";
    any other stem is returned as it is."""
    match = _EXHIBIT.match(stem)
    if not match:
        return stem
    return f"{'Table' if match['kind'].lower() == 'table' else 'Figure'} {int(match['number'])}"



def change_unit(unit: str) -> str:
    """The unit of a change in a variable measured in ``unit`` (what an effect on it is in): a share in percent
    changes in percentage points ("% of GDP" -> "percentage points of GDP"), a log in log points; any other unit is
    its own."""
    text = unit.strip()
    if text.startswith("%"):
        return "percentage points" + text[1:]
    if text.lower().startswith("log"):
        return "log points"
    return text


def effect_axis_label(label: str, unit: str) -> str:
    """An axis label for an effect on a variable: "Effect on manufactures exports (percentage points of merchandise
    exports)" from the catalog's label and unit (the label's own unit in parentheses is replaced, not repeated)."""
    suffix = f" ({unit})"
    name = label[: -len(suffix)] if unit and label.endswith(suffix) else label
    name = name[:1].lower() + name[1:] if name[:2] != name[:2].upper() else name
    return f"Effect on {name} ({change_unit(unit)})" if unit else f"Effect on {name}"
