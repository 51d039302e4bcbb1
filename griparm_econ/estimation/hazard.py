"""The risk set of a discrete-time hazard model: which entity-years are at risk of a first adoption, and when it
happens.

``risk_set = "first_adoption"`` reads the model's dependent variable as a *status* (0 = not adopted; any positive
value = adopted or in force, e.g. an in-force indicator or a count of measures in force) and replaces it by the
*event* "first year the status is positive". The rule, applied per entity on the full data before any sample filter
or missing regressor drops a row (so a filter cannot create or hide an adoption):

1. The years before the first positive status are at risk, with event 0 (a year whose status is missing is not at
   risk: nothing is known about it).
2. The first positive year is the event (1) only when the year just before it is observed with status 0. When that
   year is missing (the first year of the data, or a gap) the adoption year is unknown: the entity is left-censored
   or interval-censored there and leaves the risk set without an event.
3. Every year after the first positive one is out of the risk set: after adopting, a country cannot adopt for the
   first time again, whether or not the measure is still in force.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def first_adoption(status: np.ndarray, entity: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(at_risk, event): a row mask of the risk set and the 0/1 event, for status values aligned with entity/time.

    Negative status values are refused by the caller (:func:`check_status`)."""
    frame = pd.DataFrame({"entity": entity, "time": time, "status": status, "row": np.arange(len(status))})
    frame = frame.sort_values(["entity", "time"], kind="mergesort")
    at_risk = np.zeros(len(status), dtype=bool)
    event = np.full(len(status), np.nan)
    for _, group in frame.groupby("entity", sort=False):
        times = group["time"].to_numpy()
        values = group["status"].to_numpy(dtype=float)
        rows = group["row"].to_numpy()
        positive = np.flatnonzero(values > 0)
        first = positive[0] if positive.size else len(values)
        before = np.arange(first)
        observed = before[~np.isnan(values[before])]
        at_risk[rows[observed]] = True
        event[rows[observed]] = 0.0
        if first < len(values):
            # the year just before must be observed and at 0 (looked up on the time index, not the previous row)
            previous = np.flatnonzero(times == times[first] - 1)
            if previous.size and values[previous[0]] == 0:
                at_risk[rows[first]] = True
                event[rows[first]] = 1.0
    return at_risk, event
