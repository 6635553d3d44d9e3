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
from stintlab.analysis.context import car_runs, codes, in_lap_order, strings, values
from stintlab.analysis.medians import window_medians
from stintlab.analysis.order import took_the_flag
from stintlab.analysis.stints import flag_per_car_code, rank_in_group
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
    c_all = np.asarray(classes, dtype=object)
    code, uniq = pd.factorize(c_all)  # a missing class: -1, the race-wide figures
    n, med, sig = _baselines(np.asarray(values, dtype=float), code, len(uniq))
    rows = {c: (int(n[k]), med[k], sig[k]) for k, c in enumerate(uniq)}
    missing = np.flatnonzero(code < 0)
    if len(missing):  # in first-appearance order, as pd.unique lists it
        keys = list(rows)
        keys.insert(int(code[: missing[0]].max(initial=-1)) + 1, c_all[missing[0]])
        rows[c_all[missing[0]]] = (0, med[-1], sig[-1])
        rows = {k: rows[k] for k in keys}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["n", "median", "sigma"])


def _baselines(v_all: np.ndarray, code: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, median, sigma) of :func:`pit_baselines` per class code 0 .. ``n_codes`` - 1, and at
    index ``n_codes`` (so code -1, no class, reads it) the race-wide figures with n = 0."""
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
    n = np.zeros(n_codes + 1, dtype=np.int64)
    n[:n_codes] = np.bincount(code[ok & (code >= 0)], minlength=n_codes)
    med = np.full(n_codes + 1, gm)
    sig = np.full(n_codes + 1, gs)
    for c in np.flatnonzero(n >= MIN_STOPS):
        v = v_all[ok & (code == c)]
        m = float(np.median(v))
        med[c], sig[c] = m, 1.4826 * float(np.median(np.abs(v - m)))
    return n, med, sig


def stop_kinds(v: np.ndarray, cls: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """normal/long/garage for green stops against the class's green stops, and for stops under
    neutralisation against the class's neutralised stops (pit exits are held under a safety car)
    when there are at least MIN_STOPS of them, else against the green baseline."""
    code, uniq = pd.factorize(np.asarray(cls, dtype=object))  # -1: no class (race-wide figures)
    return _stop_kinds(np.asarray(v, dtype=float), code, len(uniq), np.asarray(neutral, dtype=bool))


def _stop_kinds(v: np.ndarray, code: np.ndarray, n_codes: int, neutral: np.ndarray) -> np.ndarray:
    """:func:`stop_kinds` with the classes as codes 0 .. ``n_codes`` - 1 (-1: no class)."""
    _, med, sig = _baselines(np.where(neutral, np.nan, v), code, n_codes)
    n_n, n_med, n_sig = _baselines(np.where(neutral, v, np.nan), code, n_codes)
    use = neutral & (n_n[code] >= MIN_STOPS)
    return _classify(v, np.where(use, n_med[code], med[code]), np.where(use, n_sig[code], sig[code]))


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


def _group_median(v: np.ndarray, key: np.ndarray, want: np.ndarray, runs=None) -> np.ndarray:
    """Per entry of ``want``, the median of the non-NaN ``v`` whose ``key`` equals it (NaN when
    none; a key of -1, a missing value, has no group): ``groupby(key).median()`` for a few groups.
    ``runs``: (starts, lasts) of each key's rows when they are consecutive (key k: run k)."""
    out = np.full(len(want), np.nan)
    for k in np.unique(want[want >= 0]).tolist():
        x = v[runs[0][k] : runs[1][k] + 1] if runs is not None else v[key == k]
        x = x[~np.isnan(x)]
        if len(x):
            out[want == k] = np.median(x)
    return out


def stops(annotated: pd.DataFrame, *, took: pd.Series | None = None) -> pd.DataFrame:
    """One row per pit stop (module docstring), from the annotated lap table (:func:`annotate`).
    ``took``: :func:`~stintlab.analysis.order.took_the_flag` of the race when already known (a Race keeps it)."""
    if annotated.empty:
        return empty_table("stops")
    check_columns(annotated, "annotated_laps", "stops()", ANNOTATED_NEEDED)
    a = in_lap_order(annotated)
    car_c, car_names = codes(a, "car")
    cls_c, cls_names = codes(a, "class", filled=True)  # (kept by annotate) and missing as -1:
    cls_c = np.where(a["class"].isna().to_numpy(), -1, cls_c)
    in_lap = a["in_lap"].to_numpy(dtype=bool)
    idx = np.flatnonzero(in_lap)
    last_of_car = car_runs(a).last_mask
    has_out = ~last_of_car[idx]
    nxt = np.where(has_out, idx + 1, idx)
    el = a["elapsed"].to_numpy(dtype=float)
    lt = a["lap_time"].to_numpy(dtype=float)
    pit = a["pit_time"].to_numpy(dtype=float)
    stint = a["stint"].to_numpy()
    neutral = a["neutralised"].to_numpy(dtype=bool)
    clean = a["clean"].to_numpy(dtype=bool)
    lap = a["lap"].to_numpy()

    # clean pace around the stop, else the car's whole race, else its class's
    s_before = stint[idx]
    pb, pa = _pace_around(idx, car_c, stint, clean, lt)
    both = np.vstack([pb, pa])
    cnt = np.isfinite(both).sum(axis=0)
    ref = np.where(cnt > 0, np.nansum(both, axis=0) / np.maximum(cnt, 1), np.nan)
    with np.errstate(invalid="ignore"):
        pace_change = (cnt == 2) & (np.abs(pb - pa) > PACE_CHANGE * np.fmin(pb, pa))
    clean_lt = np.where(clean, lt, np.nan)
    runs = car_runs(a)
    by_run = (runs.starts, runs.last) if len(runs.starts) == len(car_names) else None  # car k: run k
    for key, rows in ((car_c, by_run), (cls_c, None)):
        gap = ~np.isfinite(ref)
        if gap.any():
            ref[gap] = _group_median(clean_lt, key, key[idx[gap]], rows)

    ref_in = ref.copy()
    ref_out = ref.copy()
    n_in = neutral[idx]
    n_out = neutral[nxt] & has_out
    fr = _field_reference(a, np.r_[idx[n_in], nxt[n_out]])  # everyone's pace at those moments
    fr_in, fr_out = fr[: n_in.sum()], fr[n_in.sum() :]
    ref_in[n_in] = np.where(np.isfinite(fr_in), fr_in, ref_in[n_in])
    ref_out[n_out] = np.where(np.isfinite(fr_out), fr_out, ref_out[n_out])

    out_time = np.where(has_out, lt[nxt], np.nan)
    time_lost = lt[idx] + out_time - ref_in - ref_out
    pit_t = np.where(has_out, pit[nxt], np.nan)

    # retired in the pits: the in-lap is the car's last row and the car did not take the flag
    # (a car that pitted under the red flag that ended the race did: took_the_flag)
    took = took_the_flag(a) if took is None else took
    final = ~has_out & ~flag_per_car_code(took, car_names)[car_c[idx]]
    neut = n_in | n_out
    c_stop = cls_c[idx]
    kind_pit = _stop_kinds(pit_t, c_stop, len(cls_names), neut)
    kind_loss = _stop_kinds(time_lost, c_stop, len(cls_names), neut)
    kind = np.where(np.isfinite(pit_t), kind_pit, kind_loss)
    kind = np.where(final, "final", kind)
    # an in-lap at the very end (the car crossed the finish in the pit lane) is not a stop of note
    kind = np.where(~has_out & ~final, "normal", kind)
    drv = codes(a, "driver", filled=True)[0]  # NA-safe: unknown == unknown
    dch = (drv[idx] != drv[nxt]) & has_out
    kind = np.where(drive_through_mask(pit_t, dch, has_out), "drive_through", kind)
    lost = a["class_loss"].to_numpy(dtype=float)[idx]
    negative = np.nan_to_num(time_lost, nan=0.0) < 0
    reason = np.where(neut, "neutralised", np.where(pace_change, "pace_change", "fast_laps"))
    return pd.DataFrame(
        {
            "car": strings(a, "car", idx),
            "stop": rank_in_group(car_c[idx]),
            "class": strings(a, "class", idx),
            "lap_in": lap[idx].astype(np.int64),
            "lap_out": pd.arrays.IntegerArray(np.where(has_out, lap[nxt], 0).astype(np.int64), ~has_out),
            "race_time": el[idx],
            "hour": (el[idx] // 3600).astype(np.int64) + 1,
            "pit_time": pit_t,
            "driver_in": strings(a, "driver", idx),
            "driver_out": _strings_or_na(a, "driver", nxt, has_out),
            "driver_change": dch,
            "in_lap_time": lt[idx],
            "out_lap_time": out_time,
            "reference": ref,
            "time_lost": time_lost,
            "kind": pd.array(kind.astype(object), dtype="string"),
            "neutralised": neut,
            "stint_before": s_before.astype(np.int64),
            "on_track_loss": lost,
            "on_track_sector": a["loss_sector"].to_numpy()[idx].astype(np.int64),
            "in_lap_incident": np.nan_to_num(lost, nan=0.0) >= IN_LAP_MIN_LOSS,
            "loss_reason": pd.array(np.where(negative, reason, "").astype(object), dtype="string"),
        },  # in STOP_COLUMNS order
    )


def _strings_or_na(laps: pd.DataFrame, column: str, rows: np.ndarray, keep: np.ndarray):
    """:func:`strings` of ``rows``, missing where ``keep`` is False."""
    col = laps[column]
    if col.dtype == pd.StringDtype() and isinstance(col.array, pd.arrays.ArrowStringArray):
        return col.array.take(np.where(keep, rows, -1), allow_fill=True)
    return pd.array(np.where(keep, values(laps, column)[rows], None), dtype="string")


def _pace_around(idx: np.ndarray, car: np.ndarray, stint: np.ndarray, clean: np.ndarray, lt: np.ndarray):
    """(before, after) per stop row in ``idx``: the median of the car's last :data:`PACE_LAPS` clean
    laps of the stint ending at the stop and of its first :data:`PACE_LAPS` clean laps of the next
    stint (NaN when none). Rows are in (car, lap) order."""
    rows = np.flatnonzero(clean)
    p = np.searchsorted(rows, idx)  # clean rows before each in-lap
    k = np.arange(PACE_LAPS)

    def side(pos: np.ndarray, want_stint: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.full(len(idx), np.nan)
        ok = (pos >= 0) & (pos < len(rows))
        r = rows[np.clip(pos, 0, len(rows) - 1)]
        ok &= (car[r] == car[idx][:, None]) & (stint[r] == want_stint[:, None])
        v = lt[r]
        ok &= ~np.isnan(v)
        # the median of each row's kept values (np.nanmedian): sorted, the others pushed to the end
        w = np.sort(np.where(ok, v, np.inf), axis=1)
        n = ok.sum(axis=1)
        row = np.arange(len(idx))
        med = (w[row, np.maximum(n - 1, 0) // 2] + w[row, n // 2]) / 2.0
        return np.where(n > 0, med, np.nan)

    before = side(p[:, None] - PACE_LAPS + k, stint[idx])
    after = side(p[:, None] + k, stint[idx] + 1)
    return before, after
