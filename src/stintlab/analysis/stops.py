"""Pit stops: one per in-lap (the ``B`` lap), never per out-lap.

- ``lap_in``: the in-lap; ``lap_out``: the next lap of the car (<NA> when the in-lap is the car's
  last row: it never came out). ``race_time``: the in-lap's crossing (the car in the pit lane).
- ``pit_time``: PIT_TIME printed on the out-lap (pit in → pit out); NaN when missing.
- ``driver_in`` / ``driver_out``: drivers of the in-lap and the out-lap; ``driver_change``.
- ``reference``: the car's own clean pace around the stop: the mean of the median of its last
  :data:`PACE_LAPS` clean laps (:func:`annotate`: no neutralisation, slow zone, incident or pit
  lap) of the stint before the stop and the median of its first :data:`PACE_LAPS` clean laps of
  the stint after it (one side when the other has none), else its whole race's clean median,
  else its class's median clean lap. For an in- or out-lap run under neutralisation, that lap's reference is instead
  the median lap time of the class's laps that were not pit laps crossing the line within half
  a lap of it (everyone's pace at that moment).
- ``time_lost`` = in-lap + out-lap − (reference of the in-lap + reference of the out-lap), i.e.
  in + out − 2 × reference under green.
- ``loss_reason``: why ``time_lost`` is negative (empty when it is not): ``neutralised`` — the
  in- or out-lap ran under a safety car / FCY / red flag and is compared with the field's slow
  laps at that moment (a stop under a neutralisation can cost less than staying out);
  ``pace_change`` — the car's clean pace before and after the stop differ by more than
  :data:`PACE_CHANGE` (repaired damage, changing weather, a new driver), so the reference is
  uncertain; ``fast_laps`` — neither: the in- and out-lap were simply quicker than the car's
  median clean lap (rare; a short pit lane).
- ``kind`` (thresholds from the race's own distribution, per class; :func:`pit_baselines`):
  ``final`` — the in-lap is the car's last row and the car did not take the flag (retired in the
  pits); ``garage`` — pit_time ≥ max(:data:`GARAGE_MIN` s, :data:`GARAGE_FACTOR` × class median);
  ``long`` — pit_time > class median + max(:data:`LONG_SIGMAS` × robust sigma,
  :data:`LONG_FRACTION` × class median) (repair or penalty); ``normal`` otherwise. Robust sigma
  = 1.4826 × median absolute deviation of the class's pit times. When PIT_TIME is missing the
  same rule is applied to time_lost and the class's time_lost distribution.
  Green stops are compared with the class's green stops; stops with the in- or out-lap
  neutralised with the class's neutralised stops (pit exits are held while a safety-car train
  passes), when there are at least :data:`MIN_STOPS` of them. Class baselines need
  :data:`MIN_STOPS` stops with a pit time, else the race-wide baseline is used.
  ``drive_through`` — a pit time within :data:`DRIVE_THROUGH_FACTOR` × the race's pit-lane
  transit (its shortest pit time), under :data:`DRIVE_THROUGH_SHARE` × the race's median pit
  time (stops under :data:`GARAGE_MIN` s, at least :data:`MIN_STOPS` of them), and no driver change: the car drove through the pit lane without stopping for service
  (a drive-through penalty).
- ``on_track_loss``: seconds the car lost **on track on its in-lap** before the stop, against
  its class at that moment, sector by sector (the annotated ``class_loss``:
  :func:`stintlab.analysis.incidents.sector_losses` over S1 and S2; S3 holds the pit entry); NaN without sector times. ``on_track_sector``: the
  sector where most was lost (0 when none). ``in_lap_incident``: ``on_track_loss`` ≥
  :data:`IN_LAP_MIN_LOSS` s — a crash, an off or a puncture and the limp back to the pits,
  attributed to ``driver_in``, apart from the pit time that follows (the repair).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import annotate  # noqa: F401  (the chain: stops(annotate(laps)))
from stintlab.analysis.context import car_runs, codes, group_key, strings, values
from stintlab.analysis.medians import window_medians
from stintlab.analysis.order import took_the_flag
from stintlab.config import THRESHOLDS
from stintlab.schema import check_columns, empty_table

__all__ = ["stops", "stop_kinds", "drive_through_mask", "pit_baselines", "ANNOTATED_NEEDED", "KINDS", "LOSS_REASONS"]

KINDS = ("normal", "long", "garage", "final", "drive_through")
GARAGE_MIN = THRESHOLDS.garage_min
GARAGE_FACTOR = THRESHOLDS.garage_factor
LONG_SIGMAS = THRESHOLDS.long_sigmas
LONG_FRACTION = THRESHOLDS.long_fraction
MIN_STOPS = THRESHOLDS.min_stops
DRIVE_THROUGH_FACTOR = THRESHOLDS.drive_through_factor
DRIVE_THROUGH_SHARE = THRESHOLDS.drive_through_share
IN_LAP_MIN_LOSS = THRESHOLDS.in_lap_min_loss
PACE_LAPS = THRESHOLDS.stop_pace_laps
PACE_CHANGE = THRESHOLDS.stop_pace_change
LOSS_REASONS = ("", "neutralised", "pace_change", "fast_laps")

STOP_COLUMNS = [
    "car", "stop", "class", "lap_in", "lap_out", "race_time", "hour", "pit_time", "driver_in", "driver_out",
    "driver_change", "in_lap_time", "out_lap_time", "reference", "time_lost", "kind", "neutralised",
    "stint_before", "on_track_loss", "on_track_sector", "in_lap_incident", "loss_reason",
]  # fmt: skip


#: The :func:`~stintlab.analysis.annotate.annotate` columns :func:`stops` reads.
ANNOTATED_NEEDED = ("clean", "stint", "neutralised", "class_loss", "loss_sector")


def pit_baselines(values: pd.Series, classes: pd.Series) -> pd.DataFrame:
    """Per class: n, median, sigma (1.4826 × MAD) of finite ``values``; classes with fewer than
    :data:`MIN_STOPS` values take the race-wide figures. Index = class.

    >>> b = pit_baselines(pd.Series([70.0, 72, 74, 76, 78, 300]), pd.Series(["X"] * 6))
    >>> float(b.loc["X", "median"]), round(float(b.loc["X", "sigma"]), 2)
    (75.0, 4.45)
    """
    v_all = np.asarray(values, dtype=float)
    c_all = np.asarray(classes, dtype=object)
    ok = np.isfinite(v_all)
    allv = v_all[ok]
    if len(allv) < MIN_STOPS and (allv < GARAGE_MIN).any():
        # too few stops for a median that shrugs off a garage stop of hours (2 stops: 60 s and
        # 3 h would give a 1.5 h median and call the 3 h stop normal): leave garage stops out
        allv = allv[allv < GARAGE_MIN]
    if len(allv):
        gm = float(np.median(allv))
        gs = 1.4826 * float(np.median(np.abs(allv - gm)))
    else:
        gm, gs = np.nan, np.nan
    rows = {}
    for c in pd.unique(c_all):
        v = v_all[ok & (c_all == c)]
        if len(v) >= MIN_STOPS:
            m = float(np.median(v))
            rows[c] = (len(v), m, 1.4826 * float(np.median(np.abs(v - m))))
        else:
            rows[c] = (len(v), gm, gs)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["n", "median", "sigma"])


def stop_kinds(v: np.ndarray, cls: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """normal/long/garage for green stops against the class's green stops, and for stops under
    neutralisation against the class's neutralised stops (pit exits are held under a safety car)
    when there are at least MIN_STOPS of them, else against the green baseline."""
    green = pit_baselines(pd.Series(np.where(neutral, np.nan, v)), pd.Series(cls))
    neut = pit_baselines(pd.Series(np.where(neutral, v, np.nan)), pd.Series(cls))
    med = green["median"].reindex(cls).to_numpy(dtype=float)
    sig = green["sigma"].reindex(cls).to_numpy(dtype=float)
    nn = neut["n"].reindex(cls).to_numpy(dtype=float)
    use = neutral & (nn >= MIN_STOPS)
    med = np.where(use, neut["median"].reindex(cls).to_numpy(dtype=float), med)
    sig = np.where(use, neut["sigma"].reindex(cls).to_numpy(dtype=float), sig)
    return _classify(v, med, sig)


def drive_through_mask(pit_t: np.ndarray, driver_change: np.ndarray, has_out: np.ndarray) -> np.ndarray:
    """Stops that are drive-throughs (module docstring, ``kind``): pit time within
    :data:`DRIVE_THROUGH_FACTOR` × the race's pit-lane transit and under :data:`DRIVE_THROUGH_SHARE`
    × its median service stop, no driver change; all False with fewer than :data:`MIN_STOPS` service stops."""
    pit_t = np.asarray(pit_t, dtype=float)
    finite = pit_t[np.isfinite(pit_t) & (pit_t > 0) & (pit_t < GARAGE_MIN)]  # service stops, not repairs
    if finite.size < MIN_STOPS:  # with a handful of stops there is no "usual stop" to compare with
        return np.zeros(len(pit_t), dtype=bool)
    transit = float(finite.min())
    with np.errstate(invalid="ignore"):
        through = np.isfinite(pit_t) & (pit_t <= DRIVE_THROUGH_FACTOR * transit) & ~driver_change & has_out
        return through & (pit_t < DRIVE_THROUGH_SHARE * float(np.median(finite)))


def _classify(v: np.ndarray, med: np.ndarray, sig: np.ndarray) -> np.ndarray:
    garage = v >= np.maximum(GARAGE_MIN, GARAGE_FACTOR * med)
    long_ = v > med + np.maximum(LONG_SIGMAS * sig, LONG_FRACTION * med)
    return np.where(garage, "garage", np.where(long_, "long", "normal"))


def _field_reference(a: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Median lap time of the class's non-pit laps crossing within half a lap of each row."""
    out = np.full(len(rows), np.nan)
    if len(rows) == 0:
        return out
    ordinary = ~(a["in_lap"].to_numpy(dtype=bool) | a["out_lap"].to_numpy(dtype=bool)) & (a["lap"].to_numpy() > 1)
    el = a["elapsed"].to_numpy(dtype=float)
    lt = a["lap_time"].to_numpy(dtype=float)
    cls = codes(a, "class", filled=True)[0]  # cars without a class form one field
    typical = float(np.nanmedian(lt[ordinary])) if ordinary.any() else 0.0
    half = 0.5 * typical
    for c in np.unique(cls[rows]):
        sel = ordinary & (cls == c)
        t = el[sel]
        order = np.argsort(t, kind="stable")
        t, v = t[order], lt[sel][order]
        ks = np.flatnonzero(cls[rows] == c)
        q = el[rows[ks]]
        lo, hi = np.searchsorted(t, q - half), np.searchsorted(t, q + half, side="right")
        out[ks] = window_medians(v, lo, hi)
    return out


def stops(annotated: pd.DataFrame) -> pd.DataFrame:
    """One row per pit stop (module docstring), from the annotated lap table (:func:`annotate`)."""
    if annotated.empty:
        return empty_table("stops")
    check_columns(annotated, "annotated_laps", "stops()", ANNOTATED_NEEDED)
    a = annotated
    car = values(a, "car")
    in_lap = a["in_lap"].to_numpy(dtype=bool)
    idx = np.flatnonzero(in_lap)
    last_of_car = car_runs(a).last_mask
    has_out = ~last_of_car[idx]
    nxt = np.where(has_out, idx + 1, idx)
    el = a["elapsed"].to_numpy(dtype=float)
    lt = a["lap_time"].to_numpy(dtype=float)
    pit = a["pit_time"].to_numpy(dtype=float)
    drv = values(a, "driver")
    cls = values(a, "class")
    stint = a["stint"].to_numpy()
    neutral = a["neutralised"].to_numpy(dtype=bool)
    clean = a["clean"].to_numpy(dtype=bool)
    lap = a["lap"].to_numpy()

    # clean pace around the stop, then per car, then per class
    clean_lt = np.where(clean, lt, np.nan)
    car_key, cls_key = group_key(a, "car"), group_key(a, "class")
    pace_car = pd.Series(clean_lt).groupby(car_key, sort=False).median()
    pace_cls = pd.Series(clean_lt).groupby(cls_key, sort=False).median()
    s_before = stint[idx]
    pb, pa = _pace_around(idx, codes(a, "car")[0], stint, clean, lt)
    both = np.vstack([pb, pa])
    cnt = np.isfinite(both).sum(axis=0)
    ref = np.where(cnt > 0, np.nansum(both, axis=0) / np.maximum(cnt, 1), np.nan)
    with np.errstate(invalid="ignore"):
        pace_change = (cnt == 2) & (np.abs(pb - pa) > PACE_CHANGE * np.fmin(pb, pa))
    ref = np.where(np.isfinite(ref), ref, pace_car.reindex(car_key[idx]).to_numpy(dtype=float))
    ref = np.where(np.isfinite(ref), ref, pace_cls.reindex(cls_key[idx]).to_numpy(dtype=float))

    ref_in = ref.copy()
    ref_out = ref.copy()
    n_in = neutral[idx]
    n_out = neutral[nxt] & has_out
    fr_in = _field_reference(a, idx[n_in])
    ref_in[n_in] = np.where(np.isfinite(fr_in), fr_in, ref_in[n_in])
    fr_out = _field_reference(a, nxt[n_out])
    ref_out[n_out] = np.where(np.isfinite(fr_out), fr_out, ref_out[n_out])

    out_time = np.where(has_out, lt[nxt], np.nan)
    time_lost = lt[idx] + out_time - ref_in - ref_out
    pit_t = np.where(has_out, pit[nxt], np.nan)

    # retired in the pits: the in-lap is the car's last row and the car did not take the flag
    # (a car that pitted under the red flag that ended the race did: took_the_flag)
    final = ~has_out & ~took_the_flag(a).reindex(car[idx]).fillna(False).to_numpy(dtype=bool)
    neut = n_in | n_out
    kind_pit = stop_kinds(pit_t, cls[idx], neut)
    kind_loss = stop_kinds(time_lost, cls[idx], neut)
    kind = np.where(np.isfinite(pit_t), kind_pit, kind_loss)
    kind = np.where(final, "final", kind)
    # an in-lap at the very end (the car crossed the finish in the pit lane) is not a stop of note
    kind = np.where(~has_out & ~final, "normal", kind)

    out = pd.DataFrame(
        {
            "car": strings(a, "car", idx),
            "stop": np.zeros(len(idx), dtype=np.int64),
            "class": strings(a, "class", idx),
            "lap_in": lap[idx].astype(np.int64),
            "lap_out": pd.array(np.where(has_out, lap[nxt], 0), dtype="Int64"),
            "race_time": el[idx],
            "hour": (el[idx] // 3600).astype(np.int64) + 1,
            "pit_time": pit_t,
            "driver_in": strings(a, "driver", idx),
            "driver_out": pd.array(np.where(has_out, drv[nxt], None), dtype="string"),
            "in_lap_time": lt[idx],
            "out_lap_time": out_time,
            "reference": ref,
            "time_lost": time_lost,
            "kind": pd.array(kind, dtype="string"),
            "neutralised": n_in | n_out,
            "stint_before": s_before.astype(np.int64),
        }
    )
    out.loc[~has_out, "lap_out"] = pd.NA
    out["stop"] = out.groupby("car", sort=False).cumcount().to_numpy() + 1
    d_in = out["driver_in"].fillna("").astype(object).to_numpy()
    d_out = out["driver_out"].fillna("").astype(object).to_numpy()
    dch = (d_in != d_out) & has_out
    out["driver_change"] = dch
    out.loc[drive_through_mask(pit_t, dch, has_out), "kind"] = "drive_through"
    lost = a["class_loss"].to_numpy(dtype=float)
    out["on_track_loss"] = lost[idx]
    out["on_track_sector"] = a["loss_sector"].to_numpy()[idx].astype(np.int64)
    out["in_lap_incident"] = np.nan_to_num(lost[idx], nan=0.0) >= IN_LAP_MIN_LOSS
    negative = np.nan_to_num(time_lost, nan=0.0) < 0
    reason = np.where(neut, "neutralised", np.where(pace_change, "pace_change", "fast_laps"))
    out["loss_reason"] = pd.array(np.where(negative, reason, ""), dtype="string")
    return out[STOP_COLUMNS]


def _pace_around(idx: np.ndarray, car: np.ndarray, stint: np.ndarray, clean: np.ndarray, lt: np.ndarray):
    """(before, after) per stop row in ``idx``: the median of the car's last :data:`PACE_LAPS` clean
    laps of the stint ending at the stop and of its first :data:`PACE_LAPS` clean laps of the next
    stint (NaN when none). Rows are in (car, lap) order."""
    rows = np.flatnonzero(clean)
    p = np.searchsorted(rows, idx)  # clean rows before each in-lap
    k = np.arange(PACE_LAPS)

    def side(pos: np.ndarray, want_stint: np.ndarray) -> np.ndarray:
        ok = (pos >= 0) & (pos < len(rows))
        r = rows[np.clip(pos, 0, max(len(rows) - 1, 0))] if len(rows) else np.zeros_like(pos)
        if len(rows):
            ok &= (car[r] == car[idx][:, None]) & (stint[r] == want_stint[:, None])
        v = np.where(ok, lt[r] if len(rows) else np.nan, np.nan)
        out = np.full(len(idx), np.nan)
        has = ok.any(axis=1)
        if has.any():
            out[has] = np.nanmedian(v[has], axis=1)
        return out

    before = side(p[:, None] - PACE_LAPS + k, stint[idx])
    after = side(p[:, None] + k, stint[idx] + 1)
    return before, after
