"""Canonical lap rows as the live engine takes them: the crossing order and the cell readers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.analysis import order

__all__ = ["crossing_order", "common_clock", "num", "text"]


def common_clock(laps: pd.DataFrame) -> np.ndarray:
    """Each row's race time on the common clock: ``elapsed`` plus the car's start-group offset
    (:func:`stintlab.analysis.order.start_offsets`: WIGE starts cars in groups minutes apart, each car's
    ``elapsed`` counting from its own group's signal; zero for a race with one start signal)."""
    return laps["elapsed"].to_numpy(dtype=float) + order.start_offsets(laps)


def crossing_order(laps: pd.DataFrame) -> np.ndarray:
    """Positions (``iloc``) of the rows in the order the cars crossed the line: common clock, then source line."""
    keys = (laps["line"].to_numpy(),) if "line" in laps else ()
    return np.lexsort((*keys, common_clock(laps)))


def num(v) -> float:
    """A float, NaN for missing values (None, pd.NA, NaN)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def text(v) -> str | None:
    """A string, None for missing values."""
    if type(v) is str:  # the common case first: six calls per crossing fed (replay)
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)
