"""What a race known up to race time ``at`` tells about each car: pace, stints, stops, the field's
neutralisations, and the race length (the seeds of :mod:`stintlab.sim.projections`).

Everything here reads only the laps crossed at or before ``at`` (the caller cuts the table), so a
projection never sees the future.

>>> race_length_from_name("/x/wec-2025-cota6h/cota_6h.csv"), race_length_from_name("23_Analysis_Race_Hour 24.CSV")
(21600.0, 86400.0)
>>> race_length_from_name("/x/imsa-2021-6h-watkins-glen-international/202106271040-race-laps.csv")
21600.0
>>> race_length_from_name("/x/wec-2025-qatar1812km/qatar_1812km.csv") is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import annotate
from stintlab.analysis.order import finish_time, race_state
from stintlab.analysis.stints import stints as stint_table
from stintlab.analysis.stops import stops as stop_table

__all__ = ["CarSeed", "FieldSeed", "seeds", "race_length", "race_length_from_name", "RECENT", "PRIOR_HOURS"]

RECENT = 7200.0  # the "current" pace: clean laps of the last two hours of race time
PRIOR_HOURS = 12.0  # weight (hours) of the calibrated neutralisation cost against this race's so far (docs/sim.md)
STOPPED_AFTER = 1800.0  # no crossing for this long (and 5 laps): the car is stopped (garage or out)
STOP_PRIOR = 4  # weight (stops) of the class's median stop loss against the car's own median
MIN_CLEAN = 5  # fewer recent clean laps than this: the whole race so far; fewer still: the class
_HOURS = re.compile(r"(?:hour[ _]?(\d{1,2})\b|(?<![0-9])(\d{1,2})\s*h(?:ours?)?(?![a-z]))", re.IGNORECASE)


def race_length_from_name(path) -> float | None:
    """Scheduled length (s) read from a file or folder name: ``Hour 24``, ``_6h``, ``spa6h``, ``-6h-``."""
    p = Path(str(path))
    for part in (p.name, p.parent.name):
        m = _HOURS.search(part.replace("-", " ").replace("_", " ")) or _HOURS.search(part)
        if m:
            h = int(m.group(1) or m.group(2))
            if 1 <= h <= 48:
                return h * 3600.0
    return None


def race_length(laps: pd.DataFrame, path=None, given: float | None = None) -> tuple[float, str]:
    """(scheduled race length in seconds, where it came from): ``argument`` (given), ``file name``
    (:func:`race_length_from_name`), or ``finished race``: the chequered flag of a finished file
    floored to whole hours when it falls less than 30 minutes after one (timed races), else the flag
    itself (a race over a distance). A file taken during the race with no length in its name: None."""
    if given is not None and given > 0:
        return float(given), "argument"
    if path is not None:
        named = race_length_from_name(path)
        if named is not None:
            return named, "file name"
    if len(laps) and race_state(laps) != "snapshot":
        flag = finish_time(laps)
        whole = math.floor(flag / 3600.0) * 3600.0
        return (whole if whole > 0 and flag - whole < 1800.0 else flag), "finished race"
    return math.nan, "unknown"


@dataclass
class FieldSeed:
    """Race-wide figures so far: what neutralisations cost per racing lap (observed, and blended with
    the calibrated figure), per-class fallbacks."""

    neutral_share: float  # racing laps under SC/FCY/red so far
    neutral_ratio: float  # their mean lap over the clean median (capped at 4)
    excess_obs: float  # share x (ratio - 1): time lost to neutralisations per racing lap, fraction
    excess: float  # blended with the calibrated excess over PRIOR_HOURS
    excess_prior: float
    class_pace: dict
    class_stop_loss: dict
    class_stint_laps: dict
    class_overhead: dict


@dataclass
class CarSeed:
    car: str
    cls: str
    laps: int
    race_time: float  # last crossing <= at
    in_pit: bool
    running: bool
    stint_laps_now: int
    pace: float  # mean recent clean lap
    pace_sd: float
    pace_source: str
    overhead: float  # green racing laps over clean ones, minus 1 (class)
    stop_loss: float
    stop_source: str
    stint_laps: float  # median
    stint_laps_q25: float
    stint_laps_max: int
    stint_time: float
    stint_time_max: float
    stint_source: str
    ahead: int | None = None  # index of the car directly ahead in class (set by project())
    green: float = math.nan  # pace x (1 + overhead)
    expected: float = math.nan  # expected_lap (METHODS)


def _median(v) -> float:
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def seeds(laps: pd.DataFrame, at: float, params: dict) -> tuple[list[CarSeed], FieldSeed, pd.DataFrame]:
    """Per-car seeds, the field seed and the annotated laps, from ``laps`` (already cut at ``at``)."""
    a = annotate(laps)
    st = stop_table(a)
    sn = stint_table(laps)
    car = a["car"].astype(str).to_numpy()
    cls = a["class"].astype(object).fillna("").astype(str).to_numpy()
    lt = a["lap_time"].to_numpy(float)
    el = a["elapsed"].to_numpy(float)
    clean = a["clean"].to_numpy(bool) & np.isfinite(lt)
    pit = a["in_lap"].to_numpy(bool) | a["out_lap"].to_numpy(bool) | (a["lap"].to_numpy() <= 1)

    # each car's clean median: the yardstick of its other laps
    med = pd.Series(np.where(clean, lt, np.nan)).groupby(car).transform("median").to_numpy()
    cls_med = pd.Series(np.where(clean, lt, np.nan)).groupby(cls).transform("median").to_numpy()
    ref = np.where(np.isfinite(med), med, cls_med)
    racing = ~pit & np.isfinite(lt) & np.isfinite(ref)
    sc = a["neutralised"].to_numpy(bool)
    # what neutralisations cost so far: share of racing laps under SC/FCY/red times their mean
    # lap over the car's clean median (capped at 4: a red-flag lap counts, not its whole hour)
    n_racing = int(racing.sum())
    share_obs = float((racing & sc).sum() / n_racing) if n_racing else 0.0
    ratio = float(np.mean(np.minimum(lt[racing & sc] / ref[racing & sc], 4.0))) if (racing & sc).any() else math.nan
    fl = params["flags"]
    prior_share = float(fl.get("sc_share", 0.06)) + float(fl.get("fcy_share", 0.0))
    prior_ratio = (float(fl.get("sc_share", 0.06)) * float(fl.get("sc_lap_ratio", 1.9))
                   + float(fl.get("fcy_share", 0.0)) * float(fl.get("fcy_lap_ratio", 1.4))) / max(prior_share, 1e-9)
    excess_obs = share_obs * ((ratio if np.isfinite(ratio) else prior_ratio) - 1.0)
    excess_prior = prior_share * (prior_ratio - 1.0)
    hours = at / 3600.0
    excess = (excess_obs * hours + excess_prior * PRIOR_HOURS) / (hours + PRIOR_HOURS)
    # green racing laps (traffic, small offs, slow zones) against clean ones, per class; repairs (> 1.5 x) left out
    green = racing & ~sc & (lt <= 1.5 * ref)
    over = pd.DataFrame({"cls": cls[green], "r": lt[green] / ref[green]}).groupby("cls")["r"].mean() - 1.0
    class_over = {k: float(max(v, 0.0)) for k, v in over.items()}

    recent = clean & (el > at - RECENT)
    class_pace = {k: float(v) for k, v in pd.Series(lt[recent]).groupby(cls[recent]).median().items()}
    normal = st[(st["kind"] == "normal") & ~st["neutralised"].to_numpy(bool)]
    stop_by_car = normal.groupby(normal["car"].astype(str))["time_lost"].median()
    stop_n = normal.groupby(normal["car"].astype(str))["time_lost"].size()
    class_stop = {k: float(v) for k, v in normal.groupby(normal["class"].astype(str))["time_lost"].median().items()}
    done = sn[(sn["ended_by"] == "stop") & (sn["laps"] >= 3)]
    class_stint = {k: float(v) for k, v in done.groupby(done["class"].astype(str))["laps"].median().items()}
    field = FieldSeed(share_obs, float(ratio), excess_obs, excess, excess_prior, class_pace, class_stop, class_stint, class_over)

    pclasses = params.get("classes", {})
    out: list[CarSeed] = []
    idx = pd.Series(np.arange(len(a))).groupby(car, sort=False)
    last_in = a["in_lap"].to_numpy(bool)
    lapno = a["lap"].to_numpy()
    # the finished stints as arrays, filtered per car / class below (not a pandas filter per car)
    done_car, done_cls = done["car"].astype(str).to_numpy(), done["class"].astype(str).to_numpy()
    done_laps, done_time = done["laps"].to_numpy(float), done["duration"].to_numpy(float)
    for c, rows in idx:
        rows = rows.to_numpy()
        k = cls[rows[-1]]
        pc = pclasses.get(k, {})
        r = rows[recent[rows]]
        src = "car_recent"
        if len(r) < MIN_CLEAN:
            r, src = rows[clean[rows]], "car_race"
        if len(r) >= 3:
            pace, sd = float(np.mean(lt[r])), float(np.std(lt[r]))
        else:
            pace = class_pace.get(k, _median(lt[rows[np.isfinite(lt[rows])]]))
            sd, src = math.nan, "class"
        if not np.isfinite(sd) or sd <= 0:
            sd = pace * float(pc.get("lap_iqr", 0.01)) / 1.349
        ins = rows[last_in[rows]]
        now = int(lapno[rows[-1]] - (lapno[ins[-1]] if len(ins) else 0))
        sl, ssrc = float(stop_by_car.get(c, math.nan)), "car"
        if np.isfinite(sl) and np.isfinite(class_stop.get(k, math.nan)):
            # a few stops say little about the car (a driver change more or less): shrunk to the class median
            n_st = int(stop_n.get(c, 0))
            sl = (n_st * sl + STOP_PRIOR * class_stop[k]) / (n_st + STOP_PRIOR)
        if not np.isfinite(sl):
            sl, ssrc = class_stop.get(k, math.nan), "class"
        if not np.isfinite(sl):
            sl, ssrc = float(pc.get("pit_time", 80.0)), "params"
        mine = done_car == c
        if mine.sum() >= 2:
            sv, stime, tsrc = done_laps[mine], done_time[mine], "car"
        elif k in class_stint:
            theirs = done_cls == k
            sv, stime, tsrc = done_laps[theirs], done_time[theirs], "class"
        else:
            n = float(pc.get("stint_laps", 12.0))
            sv, stime, tsrc = np.array([n]), np.array([n * pace]), "params"
        t_last = float(el[rows[-1]])
        out.append(
            CarSeed(
                car=c, cls=k, laps=int(lapno[rows[-1]]), race_time=t_last, in_pit=bool(last_in[rows[-1]]),
                running=not (at - t_last > max(STOPPED_AFTER, 5 * pace)),
                stint_laps_now=now, pace=pace, pace_sd=sd, pace_source=src,
                overhead=class_over.get(k, 0.0), stop_loss=sl, stop_source=ssrc,
                stint_laps=float(np.median(sv)), stint_laps_q25=float(np.percentile(sv, 25)),
                stint_laps_max=int(np.max(sv)), stint_time=float(np.median(stime)),
                stint_time_max=float(np.max(stime)), stint_source=tsrc,
            )
        )  # fmt: skip
    return out, field, a
