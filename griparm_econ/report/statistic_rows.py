"""Which statistics and tests a regression table prints below its coefficients, in what order and under what
names: the rows of a model's descriptive statistics (``ModelResult.stats``) and typed tests (``ModelResult.tests``)."""

from __future__ import annotations

from typing import Mapping, Sequence

from griparm_econ.estimation.results import ModelResult
from griparm_econ.labels import term_label

# Extra statistics and tests in a fixed order with their printed names; anything else follows alphabetically. A
# per-term test (TestStatistic.term) is printed as "First-stage F: <label of the term>". The keys are those of the
# estimates file's flat "stats" (ModelResult.flat_stats). Exactly the statistics the estimators produce
# (tests/test_api.py pins the two lists together).
KNOWN_STATS: tuple[tuple[str, str], ...] = (
    ("f_stat", "F statistic"),
    ("wald_chi2", "Wald χ²"),
    ("first_stage_f", "First-stage F"),
    ("hausman_chi2", "Hausman χ²"),
    ("hausman_df", "Hausman df"),
    ("hausman_pvalue", "Hausman p-value"),
    ("sigma_u", "σ ({entity} effect)"),
    ("sigma_e", "σ (idiosyncratic error)"),
    ("theta_mean", "θ (mean)"),
    ("loglik", "Log likelihood"),
    ("pseudo_r2", "Pseudo R-squared (McFadden)"),
    ("events_count", "Events (outcome = 1)"),
    ("separated_dropped_count", "Observations dropped (separation)"),
)
COUNT_STATS_SUFFIXES = ("_df", "_n", "_count")


def _stat_label(key: str, base: str, term: str | None, labels: Mapping[str, str], entity_label: str) -> str:
    if key in labels:
        return labels[key]
    known = dict(KNOWN_STATS)
    if base in known:
        text = known[base].format(entity=entity_label.lower())
    else:
        text = base.replace("_", " ").strip()
        text = text[:1].upper() + text[1:]
    return f"{text}: {term_label(term, labels)}" if term else text


def _statistic_entries(model: ModelResult) -> dict[str, tuple[str, str | None, float]]:
    """Flat key -> (statistic name, term or None, value): the model's descriptive statistics and its tests."""
    out: dict[str, tuple[str, str | None, float]] = {key: (key, None, value) for key, value in model.stats.items()}
    for test in model.tests:
        for key, value in test.flat_stats().items():
            out[key] = (test.name if test.term is not None else key, test.term, value)
    return out


def _stat_order(keys: Mapping[str, tuple[str, str | None]]) -> list[str]:
    rank = {key: i for i, (key, _) in enumerate(KNOWN_STATS)}
    return sorted(keys, key=lambda key: (rank.get(keys[key][0], len(rank)), key))


def statistic_rows(models: Sequence[ModelResult], labels: Mapping[str, str],
                   entity_label: str) -> list[tuple[str, bool, list[float | None]]]:
    """One row per statistic any model has: its printed name, whether it is a count, and each model's value (None
    where a model lacks it)."""
    entries = [_statistic_entries(m) for m in models]
    names = {key: (base, term) for entry in entries for key, (base, term, _) in entry.items()}
    rows = []
    for key in _stat_order(names):
        base, term = names[key]
        rows.append((_stat_label(key, base, term, labels, entity_label), base.endswith(COUNT_STATS_SUFFIXES),
                     [entry[key][2] if key in entry else None for entry in entries]))
    return rows
