"""Slow zones (Le Mans, WEC) and Code 60 zones: local neutralisations seen in sector times.

A slow zone (80 km/h through one part of the track while marshals work) is not in the flag column:
the laps driven through it carry ``GF`` (domain.md §4). It shows in the sector times: every car
passing that sector is slow, for the same span of race time, while the other sectors are not.

Rule (docs/analysis.md):

- A *passage* is one car's time in one sector (S1, S2, S3) on a lap that is not lap 1 and not
  neutralised by SC/FCY/red (:func:`stintlab.analysis.flags.neutralised_mask`); an out-lap's S1
  (pit exit) and an in-lap's S3 (pit entry) are not passages. Its *ratio* is the sector time over
  the car's median passage time in that sector.
- The *field ratio* of a sector at a passage is the median ratio of every passage of that sector
  ending within ± :data:`HALF_WINDOW` seconds (so one slow car does not count).
- A passage is *in a slow zone* when its sector's field ratio is at least :data:`RATIO` and
  exceeds the least-affected other sector's field ratio at that moment by :data:`LOCAL` (rain, a
  safety car or night slow every sector; a slow zone slows one).
- Runs of such passages less than :data:`JOIN_GAP` seconds apart form a zone when they hold at
  least :data:`MIN_PASSAGES` passages over at least :data:`MIN_DURATION` seconds. ``start`` is
  the sector entry of the first slowed passage, ``end`` the sector exit of the last one.

Files without sector times cannot show slow zones: :func:`slow_zones` returns an empty table and
:func:`slow_zone_reason` says why.

>>> import numpy as np, pandas as pd
>>> rows = []
>>> for car in map(str, range(1, 11)):
...     for lap in range(1, 41):
...         s2 = 60.0 * (1.8 if 15 <= lap <= 22 else 1.0)  # everybody slow in S2 on laps 15 to 22
...         rows.append({"car": car, "lap": lap, "s1": 30.0, "s2": s2, "s3": 40.0})
>>> laps = pd.DataFrame(rows)
>>> laps["lap_time"] = laps["s1"] + laps["s2"] + laps["s3"]
>>> laps["elapsed"] = laps.groupby("car")["lap_time"].cumsum() + laps["car"].astype(float)
>>> laps["in_lap"] = laps["out_lap"] = False
>>> laps["flag"] = "GF"
>>> z = slow_zones(laps)
>>> z[["sector", "cars_affected"]].values.tolist()
[[2, 10]]
>>> int(slow_zone_mask(laps, z).sum())  # 10 cars x 8 laps
80
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import codes, values
from stintlab.analysis.flags import has_flags, neutralised_mask
from stintlab.analysis.grouping import stable_order
from stintlab.analysis.medians import grouped_time_window_bounds, interp_reads, median_may_reach, rolling_median_where
from stintlab.analysis.order import start_offsets
from stintlab.config import THRESHOLDS
from stintlab.schema import empty_table

__all__ = [
    "RATIO",
    "LOCAL",
    "HALF_WINDOW",
    "MIN_PASSAGES",
    "MIN_DURATION",
    "JOIN_GAP",
    "ZONE_COLUMNS",
    "sector_times",
    "sector_passages",
    "passage_arrays",
    "Passages",
    "slow_zones",
    "slow_zone_mask",
    "slow_zone_reason",
    "zone_rule",
    "full_course_spans",
    "with_full_course",
    "phase_source",
]

RATIO = THRESHOLDS.slow_zone_ratio
"""Field ratio from which a sector counts as slowed (25 % slower than normal for the field: an
80 km/h zone costs more; a wet or drying sector costs less, Le Mans 2024 S1 in the rain 1.15-1.24)."""
LOCAL = THRESHOLDS.slow_zone_local
"""How much more the slowed sector must be slowed than the least-affected other sector."""
HALF_WINDOW = THRESHOLDS.slow_zone_half_window
"""Half width (s) of the race-time window of the field ratio."""
MIN_PASSAGES = THRESHOLDS.slow_zone_min_passages
MIN_DURATION = THRESHOLDS.slow_zone_min_duration
JOIN_GAP = THRESHOLDS.slow_zone_join_gap
C60_RATIO = THRESHOLDS.code60_ratio
"""Nordschleife: field ratio from which one of the five sectors counts as under a Code 60 zone."""
C60_LOCAL = THRESHOLDS.code60_local
C60_MIN_DURATION = THRESHOLDS.code60_min_duration
FULL_RATIO = THRESHOLDS.full_course_ratio
"""Ratio of a sector passage slowed by a whole-course neutralisation (rain or night: 1.25 at most)."""
FULL_MIN_DURATION = THRESHOLDS.full_course_min_duration
FULL_STEP = 10.0
"""Time step (s) of :func:`full_course_spans`."""
STOPPED_RATIO = THRESHOLDS.infer_red_ratio

SECTORS = ("s1", "s2", "s3")
ZONE_COLUMNS = [
    "zone", "sector", "start", "end", "duration", "start_hour", "end_hour", "peak_ratio", "median_ratio",
    "cars_affected", "passages",
]  # fmt: skip


def slow_zone_reason(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> str | None:
    """Why slow zones cannot be detected in this lap table, or None when they can."""
    if laps.empty:
        return "no laps"
    if _section_matrix(laps, sections) is not None:
        return None
    missing = [s for s in SECTORS if s not in laps.columns or not laps[s].notna().any()]
    if missing:
        return "no sector times: slow zones cannot be detected"
    return None


def zone_rule(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> str:
    """``code60`` when the source's own sectors are at hand (the WIGE section table: the
    Nordschleife's S1..S5, where a local neutralisation is a Code 60 zone and the whole course can
    be put under Code 60), else ``slow_zone`` (S1..S3 of the lap table: Le Mans, WEC, IMSA)."""
    return "code60" if _section_matrix(laps, sections) is not None else "slow_zone"


def _section_matrix(laps: pd.DataFrame, sections: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(sector times, one column per sector; the sectors' numbers in the source) from the section side
    table (WIGE: the five Nordschleife sectors S1..S5), aligned with the ``laps`` rows; None when there
    is none, or when its loops are not numbered sectors ``S<k>`` (other timing loops are not sectors)."""
    if sections is None or sections.empty or laps.empty:
        return None
    global _LAST_MATRIX
    last = _LAST_MATRIX  # one read: another thread may replace it, never half of it
    if last is not None and last[0] is laps and last[1] is sections:  # one annotate pass asks 5 times
        return last[2]
    out = _build_section_matrix(laps, sections)
    _LAST_MATRIX = (laps, sections, out)
    return out


_LAST_MATRIX: tuple | None = None  # (laps, sections, matrix) of the last call: by identity (the race's tables are never modified)


def _build_section_matrix(laps: pd.DataFrame, sections: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    loop = sections["loop"].astype(str)
    if not loop.str.fullmatch(r"S\d+").all():
        return None
    k = loop.str.slice(1).astype(int).to_numpy()
    numbers = np.unique(k)
    if len(numbers) < 2:
        return None
    keys = pd.MultiIndex.from_arrays([laps["car"].astype(str).to_numpy(), laps["lap"].to_numpy(dtype=np.int64)])
    if not keys.is_unique:
        return None
    row = keys.get_indexer(
        pd.MultiIndex.from_arrays([sections["car"].astype(str).to_numpy(), sections["lap"].to_numpy(dtype=np.int64)])
    )
    ok = row >= 0
    out = np.full((len(laps), len(numbers)), np.nan)
    out[row[ok], np.searchsorted(numbers, k[ok])] = sections["time"].to_numpy(dtype=float)[ok]
    return out, numbers


def sector_times(
    laps: pd.DataFrame, sections: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sector times, sector exit times, sector numbers): one column per sector, the source's own
    sectors from ``sections`` when given (WIGE: S1..S5), else S1..S3 of the lap table. A sector ends
    at the lap's start plus the sectors before it, and the last one at the crossing itself. Exit
    times are on the race's **shared clock** (race time of the first start signal:
    ``elapsed`` + :func:`stintlab.analysis.order.start_offsets`), so cars of start groups minutes
    apart are compared at the same moment."""
    m = _section_matrix(laps, sections)
    if m is None:
        sec = np.column_stack([laps[s].to_numpy(dtype=float) for s in SECTORS])
        numbers = np.arange(1, len(SECTORS) + 1)
    else:
        sec, numbers = m
    el = laps["elapsed"].to_numpy(dtype=float) + start_offsets(laps)
    exits = (el - laps["lap_time"].to_numpy(dtype=float))[:, None] + np.cumsum(np.nan_to_num(sec), axis=1)
    exits[:, -1] = el
    return sec, exits, numbers


class Passages:
    """The sector passages of :func:`sector_passages` as numpy arrays (its columns: row, sector,
    enter, exit, time, ratio; ``car``: integer car codes, ``car_names`` their values per lap row),
    the form the kernels read without a DataFrame. :meth:`frame` gives the public table."""

    __slots__ = ("row", "car", "sector", "enter", "exit", "time", "ratio", "car_names")

    def __init__(self, row, car, sector, enter, exit, time, ratio, car_names=None):  # noqa: A002
        self.row, self.car, self.sector = row, car, sector
        self.enter, self.exit, self.time, self.ratio = enter, exit, time, ratio
        self.car_names = car_names

    def __len__(self) -> int:
        return len(self.row)

    @property
    def empty(self) -> bool:
        return len(self.row) == 0

    def take(self, keep: np.ndarray) -> Passages:
        return Passages(*(getattr(self, f)[keep] for f in self.__slots__[:7]), self.car_names)

    def frame(self) -> pd.DataFrame:
        car = self.car_names[self.row] if self.car_names is not None else self.car
        return pd.DataFrame(
            {"row": self.row, "car": car, "sector": self.sector, "enter": self.enter, "exit": self.exit,
             "time": self.time, "ratio": self.ratio}
        )  # fmt: skip


def as_passages(p) -> Passages:
    """:class:`Passages` of a :func:`sector_passages` table (or the arrays themselves)."""
    if isinstance(p, Passages):
        return p
    if p.empty:
        return _NO_PASSAGES
    car = pd.factorize(p["car"].to_numpy())[0]  # codes: only who is who counts (cars affected)
    return Passages(
        p["row"].to_numpy(dtype=np.int64), car, p["sector"].to_numpy(), p["enter"].to_numpy(dtype=float),
        p["exit"].to_numpy(dtype=float), p["time"].to_numpy(dtype=float), p["ratio"].to_numpy(dtype=float),
    )  # fmt: skip


_NO_PASSAGES = Passages(*(np.zeros(0, dtype=np.int64) for _ in range(3)), *(np.zeros(0) for _ in range(4)))


def sector_passages(
    laps: pd.DataFrame, neutralised: np.ndarray | None = None, sections: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per usable sector passage: row (index into ``laps``), car, sector (the source's
    number: 1..3, or 1..5 on the Nordschleife with ``sections``), enter and exit (shared race clock,
    s: :func:`sector_times`), time (s), ratio (time / the car's median in that sector)."""
    cols = ["row", "car", "sector", "enter", "exit", "time", "ratio"]
    if slow_zone_reason(laps, sections) is not None:
        return pd.DataFrame({c: [] for c in cols})
    return passage_arrays(laps, neutralised, sections).frame()


def passage_arrays(
    laps: pd.DataFrame,
    neutralised: np.ndarray | None = None,
    sections: pd.DataFrame | None = None,
    times: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Passages:
    """:func:`sector_passages` as :class:`Passages` (``times``: :func:`sector_times` of the same laps
    and ``sections`` when already computed: given only where :func:`slow_zone_reason` is None)."""
    if times is None and slow_zone_reason(laps, sections) is not None:  # times: only where there are sectors
        return _NO_PASSAGES
    if neutralised is None:
        neutralised = neutralised_mask(laps)
    sec, exits, numbers = sector_times(laps, sections) if times is None else times
    n_sec = sec.shape[1]
    usable = np.isfinite(sec) & (sec > 0)
    base = (laps["lap"].to_numpy() > 1) & ~np.asarray(neutralised, dtype=bool)
    usable &= base[:, None]
    usable[:, 0] &= ~laps["out_lap"].to_numpy(dtype=bool)  # holds the pit exit
    # an in-lap's last recorded sector holds the pit entry (Al Kamel S3; WIGE S4, S5 is empty)
    last = n_sec - 1 - np.argmax(np.isfinite(sec[:, ::-1]), axis=1)
    in_lap = np.flatnonzero(laps["in_lap"].to_numpy(dtype=bool))
    usable[in_lap, last[in_lap]] = False
    car_codes = codes(laps, "car")[0]
    rows, ks = np.nonzero(usable)  # one entry per usable (row, sector)
    t = sec[rows, ks]
    ref = pd.Series(t).groupby(car_codes[rows] * n_sec + ks, sort=False).transform("median").to_numpy()
    x = exits[rows, ks]
    order = stable_order(x)
    rows, ks, t, ref, x = rows[order], ks[order], t[order], ref[order], x[order]
    return Passages(rows, car_codes[rows], numbers[ks], x - t, x, t, t / ref, values(laps, "car"))


def _field(p: Passages, ratio_min: float = -np.inf) -> dict:
    """Per sector number: (indices into ``p``, exit times, field ratio at each passage); the field
    ratios of every sector from one rolling-median call (each sector's windows its own), computed
    only where :func:`slow_zones` reads them (:func:`_needed`; NaN elsewhere), the same values."""
    sector, exit_all, ratio_all = p.sector, p.exit, p.ratio
    by_sector = stable_order(sector)  # each sector's passages together, in race-time order
    ss = sector[by_sector]
    cuts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    x, v = exit_all[by_sector], ratio_all[by_sector]
    start, end = grouped_time_window_bounds(x, cuts, HALF_WINDOW)
    spans = list(zip(cuts, np.r_[cuts[1:], len(ss)]))
    med = rolling_median_where(v, start, end, _needed(x, spans, median_may_reach(v, start, end, ratio_min)))
    out = {}
    for a, b in spans:
        i = by_sector[a:b]
        out[int(ss[a])] = (i, exit_all[i], med[a:b])
    return out


def _needed(x: np.ndarray, spans: list, may: np.ndarray) -> np.ndarray:
    """The passages whose field ratio :func:`slow_zones` reads: in a sector with at least
    :data:`MIN_PASSAGES`, those whose ratio ``may`` reach ``ratio_min``, and the passages of the
    other sectors that ``np.interp`` reads at their times (:func:`interp_reads`)."""
    need = may & np.repeat([b - a >= MIN_PASSAGES for a, b in spans], [b - a for a, b in spans])
    for a, b in [(a, b) for a, b in spans if need[a:b].any()]:
        for c, d in [(c, d) for c, d in spans if c != a]:
            need[c:d] |= interp_reads(x[c:d], x[a:b][may[a:b]])
    return need


def slow_zones(
    laps: pd.DataFrame,
    neutralised: np.ndarray | None = None,
    passages: pd.DataFrame | None = None,
    sections: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The slow zones of a race (module docstring): zone (1..), sector (the source's numbering),
    start, end (shared race clock, s), duration (s), start_hour, end_hour (1-based race hours),
    peak_ratio and median_ratio (field ratio in the zone), cars_affected (cars with a slowed
    passage), passages. ``passages``: the :func:`sector_passages` of the same laps (and
    ``sections``) when already computed (the table or :class:`Passages`). One kernel for any number of sectors."""
    p = passage_arrays(laps, neutralised, sections) if passages is None else as_passages(passages)
    if p.empty:
        return empty_table("slow_zones")
    code60 = zone_rule(laps, sections) == "code60"
    ratio_min, local_min, min_duration = (C60_RATIO, C60_LOCAL, C60_MIN_DURATION) if code60 else (RATIO, LOCAL, MIN_DURATION)
    exit_all, enter_all, ratio_all, car_all = p.exit, p.enter, p.ratio, p.car
    field = _field(p, ratio_min)
    zones = []
    for k, (rows, t, med) in field.items():
        if len(t) < MIN_PASSAGES:
            continue
        at = np.flatnonzero(med >= ratio_min)  # the other sectors' ratios read at those passages only
        others = [np.interp(t[at], tj, mj) for j, (_, tj, mj) in field.items() if j != k and len(tj)]
        least = np.minimum.reduce(others) if others else np.ones(len(at))
        hot = np.zeros(len(t), dtype=bool)
        hot[at] = med[at] - least >= local_min
        idx = np.flatnonzero(hot)
        if not idx.size:
            continue
        breaks = np.flatnonzero(np.diff(t[idx]) > JOIN_GAP)
        for run in np.split(idx, breaks + 1):
            span = rows[run[0] : run[-1] + 1]
            start, end = float(enter_all[span[0]]), float(exit_all[span].max())
            if len(run) < MIN_PASSAGES or end - start < min_duration:
                continue
            r = ratio_all[span]
            zones.append(
                {
                    "sector": k,
                    "start": start,
                    "end": end,
                    "peak_ratio": float(med[run].max()),
                    "median_ratio": float(np.median(r)),
                    "cars_affected": int(len(set(car_all[span[r >= ratio_min]]))),
                    "passages": int(len(span)),
                }
            )
    if not zones:
        return empty_table("slow_zones")
    cols = {c: np.array([z[c] for z in zones]) for c in zones[0]}
    order = np.lexsort((cols["sector"], cols["start"]))  # by start, then sector (stable)
    cols = {c: v[order] for c, v in cols.items()}
    cols["zone"] = np.arange(1, len(order) + 1)
    cols["duration"] = cols["end"] - cols["start"]
    cols["start_hour"] = (cols["start"] // 3600).astype(int) + 1
    cols["end_hour"] = (cols["end"] // 3600).astype(int) + 1
    return pd.DataFrame({c: cols[c] for c in ZONE_COLUMNS})


def full_course_spans(passages: pd.DataFrame) -> list[tuple[float, float]]:
    """(start, end) on the shared race clock of each moment when the **whole course** was slowed:
    in every sector, at least half of the passages *in progress* (entered, not yet left) have a ratio
    of at least :data:`FULL_RATIO`, for at least :data:`FULL_MIN_DURATION` s (time in steps of
    :data:`FULL_STEP` s; spans less than :data:`JOIN_GAP` s apart are one). Measured on the passages in
    progress, not on the sector exits: a neutralisation of two minutes slows each car in whichever
    sector it is in, so the slowed passages of the three sectors end minutes apart but all overlap
    (Le Mans 2019 0:55-0:58). Passages of a car stopped in a sector (ratio over 4) do not count.

    >>> import pandas as pd
    >>> rows = []
    >>> for car in range(30):
    ...     t = 20.0 * car
    ...     for lap in range(2, 30):
    ...         for k, usual in enumerate((80.0, 90.0, 150.0), 1):
    ...             # everyone at 80 km/h from 3000 s to 3150 s (rain on lap 20 slows every sector by 1.3 only)
    ...             time = usual * (1.3 if lap == 20 else 1.0) + (90.0 if t < 3150 and t + usual > 3000 else 0.0)
    ...             rows.append({"row": 0, "car": str(car), "sector": k, "enter": t, "exit": t + time,
    ...                          "time": time, "ratio": time / usual})
    ...             t += time
    >>> p = pd.DataFrame(rows).sort_values("exit", kind="stable")
    >>> [(round(a), round(b)) for a, b in full_course_spans(p)]  # the passages that held 3000-3150 s
    [(2970, 3190)]
    """
    if passages.empty:
        return []
    p = as_passages(passages)
    enter, exit_, ratio, sector = p.enter, p.exit, p.ratio, p.sector
    keep = (ratio < STOPPED_RATIO) & np.isfinite(enter) & np.isfinite(exit_)  # a passage without times: not placed
    if not keep.any():
        return []
    t0 = float(enter[keep].min())
    n = int((exit_[keep].max() - t0) // FULL_STEP) + 2
    b0 = np.zeros(len(enter), dtype=np.int64)
    b1 = np.zeros(len(exit_), dtype=np.int64)
    b0[keep] = ((enter[keep] - t0) // FULL_STEP).astype(np.int64)
    b1[keep] = ((exit_[keep] - t0) // FULL_STEP).astype(np.int64) + 1
    # passages in progress per time step and sector: one row of counts per sector (entries minus exits, summed)
    numbers, which = np.unique(sector, return_inverse=True)
    if len(numbers) < 2:
        return []
    slow = keep & (ratio >= FULL_RATIO)
    size = len(numbers) * (n + 1)
    at0, at1 = which * (n + 1) + b0, which * (n + 1) + b1  # kept passages: 0 <= b0 < b1 <= n

    def in_progress(m: np.ndarray) -> np.ndarray:
        steps = np.bincount(at0[m], minlength=size) - np.bincount(at1[m], minlength=size)
        return np.cumsum(steps.reshape(len(numbers), n + 1), axis=1)

    total, hot = in_progress(keep), in_progress(slow)
    share = np.where(total >= 3, hot / np.maximum(total, 1), 0.0)  # 3 cars at least in the sector
    least = share.min(axis=0)
    spans: list[list[float]] = []
    for i in np.flatnonzero(least >= 0.5):
        a = t0 + i * FULL_STEP
        if spans and a - spans[-1][1] <= JOIN_GAP:
            spans[-1][1] = a + FULL_STEP
        else:
            spans.append([a, a + FULL_STEP])
    return [(a, b) for a, b in spans if b - a >= FULL_MIN_DURATION]


def with_full_course(
    laps: pd.DataFrame,
    kinds: np.ndarray,
    neutralised: np.ndarray,
    passages: pd.DataFrame,
    sections: pd.DataFrame | None = None,
    crossings: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Files without a flag column: the whole-course neutralisations the lap-time inference misses
    (too short to lift whole laps over its 1.6; Le Mans 2019 0:55-0:58, every car once ~60 s slower in
    the one sector it was in) or cannot name, found from sector times (:func:`full_course_spans`).
    Returns (kinds, neutralised, passages) with: the crossings inside each span of kind ``FCY``, or
    ``C60`` on the Nordschleife (:func:`zone_rule`: a full-course Code 60, there is no safety car,
    so an inferred SC / FCY over the span is renamed C60 too); every lap run (partly) inside a span
    neutralised; the passages of those laps left out. Files with flags come back unchanged (the
    flags are observed). ``passages`` may be :class:`Passages` (they come back as such);
    ``crossings``: the crossings on the shared race clock (``sector_times(...)[1][:, -1]``) when at hand."""
    if passages.empty or has_flags(laps):
        return kinds, neutralised, passages
    spans = full_course_spans(passages)
    if not spans:
        return kinds, neutralised, passages
    kind = "C60" if zone_rule(laps, sections) == "code60" else "FCY"
    el = laps["elapsed"].to_numpy(dtype=float) + start_offsets(laps) if crossings is None else crossings
    ls = el - laps["lap_time"].to_numpy(dtype=float)
    kinds = np.asarray(kinds, dtype=object).copy()
    neutralised = np.asarray(neutralised, dtype=bool).copy()
    for a, b in spans:
        over = (ls <= b) & (el >= a)
        cross = (el >= a) & (el <= b)
        if kind == "C60":
            inferred = over & (kinds != "") & (kinds != "RED")
            kinds[inferred] = kind
        kinds[cross & (kinds == "")] = kind
        neutralised |= over
    if isinstance(passages, Passages):
        return kinds, neutralised, passages.take(~neutralised[passages.row])
    passages = passages[~neutralised[passages["row"].to_numpy(dtype=np.int64)]].reset_index(drop=True)
    return kinds, neutralised, passages


def slow_zone_mask(
    laps: pd.DataFrame,
    zones: pd.DataFrame | None = None,
    sections: pd.DataFrame | None = None,
    times: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per lap row: True when one of its sectors was driven inside a slow zone of that sector
    (the sector's exit between the zone's start and end). ``times``: :func:`sector_times` of the
    same laps and ``sections`` when already computed (only where :func:`slow_zone_reason` is None)."""
    n = len(laps)
    out = np.zeros(n, dtype=bool)
    if zones is None:
        zones = slow_zones(laps, sections=sections)
    if zones.empty or (times is None and slow_zone_reason(laps, sections) is not None):
        return out
    _, exits, numbers = sector_times(laps, sections) if times is None else times
    col = {int(k): i for i, k in enumerate(numbers)}
    for z in zones.itertuples():
        if int(z.sector) not in col:
            continue
        x = exits[:, col[int(z.sector)]]
        out |= (x >= z.start) & (x <= z.end)
    return out


def phase_source(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> str:
    """Where the whole-course neutralisations of ``laps`` come from: ``flag_column`` (observed:
    FLAG_AT_FL), ``lap_and_sector_times`` (no flag column: inferred from lap times, and the short or
    Code 60 ones from sector times, :func:`with_full_course`) or ``lap_times`` (no flag column and no
    usable sector times: the lap-time inference alone)."""
    if has_flags(laps):
        return "flag_column"
    return "lap_and_sector_times" if slow_zone_reason(laps, sections) is None else "lap_times"
