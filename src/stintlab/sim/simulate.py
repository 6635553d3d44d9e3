"""The race simulator: calibrated parameters + entry list + seed -> a canonical lap table.

Model (docs/sim.md): each lap of a car is the class median lap scaled by the car's
offset, the driver's category offset and skill, a fuel/tyre slope over the stint, track
evolution and a night effect, plus Gaussian noise and occasional slow laps (traffic,
offs, slow zones). Stints have the class length; an in-lap adds the pit-entry time, the
out-lap adds the pit-lane time (longer with a driver change). Random long stops
(repairs), garage visits and retirements are drawn from the calibrated per-car rates.
Safety-car, FCY and red phases are race-wide periods; a lap covers its distance at the
neutralised speed while a period is on, and its crossing carries the flag.

Random numbers are drawn per car as numpy arrays up front; the per-lap loop only does
scalar arithmetic on them, so a 24 h, 60-car race takes well under a second.

>>> from stintlab.sim.model import demo_entries
>>> laps = simulate(demo_entries(seed=3)[:4], hours=1.0, seed=3)
>>> sorted(laps["car"].unique().tolist()) == sorted(e.car for e in demo_entries(seed=3)[:4])
True
>>> bool((laps.groupby("car")["elapsed"].diff().dropna().round(3) == laps["lap_time"][laps["lap"] > 1].round(3)).all())
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.sim.model import Entry, load_params

__all__ = ["simulate", "neutral_schedule", "START_TIME_OF_DAY"]

START_TIME_OF_DAY = 16 * 3600.0  # 16:00 local, as at Le Mans since 2021
FLAG_CLOSES = 900.0  # crossings later than this after the chequered flag are not counted
_NEUTRAL_RATIO = {"SF": "sc_lap_ratio", "FCY": "fcy_lap_ratio"}


def neutral_schedule(params: dict, hours: float, rng: np.random.Generator) -> list[tuple[float, float, str]]:
    """Race-wide neutralisations as (start, end, flag) in race seconds, sorted and non-overlapping."""
    fl = params["flags"]
    horizon = hours * 3600.0
    periods: list[tuple[float, float, str]] = []
    for flag, rate_key, dur_key, sigma in (
        ("SF", "sc_periods_per_24h", "sc_median_duration", 0.6),
        ("RF", "red_periods_per_24h", "red_median_duration", 0.5),
        ("FCY", "fcy_periods_per_24h", "fcy_median_duration", 0.4),
    ):
        n = rng.poisson(max(fl.get(rate_key, 0.0), 0.0) * hours / 24.0)
        for _ in range(n):
            for _try in range(20):
                dur = float(fl.get(dur_key, 600.0)) * math.exp(rng.normal(0.0, sigma))
                start = float(rng.uniform(600.0, max(horizon - 1200.0, 601.0)))
                end = min(start + dur, horizon - 300.0)
                if end > start and all(end + 300 < a or start > b + 300 for a, b, _ in periods):
                    periods.append((start, end, flag))
                    break
    return sorted(periods)


def _advance(t0: float, green: float, periods, ratios: dict) -> tuple[float, str]:
    """Time to cover one lap that takes ``green`` s at race pace, starting at ``t0``, and the flag at the line."""
    dist = 1.0
    t = t0
    for a, b, flag in periods:
        if b <= t:
            continue
        # green running until the period starts
        if a > t:
            need = dist * green
            if t + need <= a:
                t += need
                dist = 0.0
                break
            dist -= (a - t) / green
            t = a
        ratio = ratios[flag]
        if math.isinf(ratio):  # red: stopped until the end
            t = b
            continue
        slow = green * ratio
        need = dist * slow
        if t + need <= b:
            t += need
            dist = 0.0
            break
        dist -= (b - t) / slow
        t = b
    if dist > 0.0:
        t += dist * green
    flag = "GF"
    for a, b, f in periods:
        if a <= t <= b:
            flag = f
            break
    return t - t0, flag


def simulate(entries: list[Entry], *, hours: float = 24.0, seed: int = 0, params: dict | None = None) -> pd.DataFrame:
    """Simulate a race; returns the canonical lap table (plus the writer's extra columns)."""
    if hours <= 0 or hours > 48:
        raise StintlabUsageError(f"--hours must be in (0, 48], got {hours}")
    if not entries:
        raise StintlabUsageError("no cars to simulate")
    params = params or load_params()
    classes = params["classes"]
    for e in entries:
        if e.cls not in classes:
            raise StintlabUsageError(
                f"class {e.cls!r} has no calibrated parameters (known: {', '.join(sorted(classes))})"
            )
    race = params["race"]
    cats = params["categories"]
    rng = np.random.default_rng(seed)
    periods = neutral_schedule(params, hours, rng)
    ratios = {"SF": params["flags"]["sc_lap_ratio"], "FCY": params["flags"]["fcy_lap_ratio"], "RF": math.inf}
    horizon = hours * 3600.0
    hazard = -math.log(max(1.0 - race["retired_share"], 1e-6)) / 24.0  # per car-hour
    cat_iqr_mean = float(np.mean([c["lap_iqr"] for c in cats.values()]))
    # centre driver offsets per class so that the class median lap matches the calibration
    cls_mean_off: dict[str, list[float]] = {}
    for e in entries:
        cls_mean_off.setdefault(e.cls, []).extend(cats.get(d.category, {"offset": 0.0})["offset"] for d in e.crew)
    centre = {k: float(np.mean(v)) for k, v in cls_mean_off.items()}
    # the calibrated car spread already contains the crews' differences: the car's own offset
    # only adds what the crews (category offsets and skills) do not explain
    crew_means: dict[str, list[float]] = {}
    for e in entries:
        crew_means.setdefault(e.cls, []).append(
            float(np.mean([cats.get(d.category, {"offset": 0.0})["offset"] + d.skill for d in e.crew]))
        )
    car_sd = {
        k: math.sqrt(max(classes[k]["car_spread"] ** 2 - float(np.var(v)), (0.25 * classes[k]["car_spread"]) ** 2))
        for k, v in crew_means.items()
    }

    rows: list[dict] = []
    for ci, e in enumerate(entries):
        crng = np.random.default_rng([seed, ci, 7919])
        c = classes[e.cls]
        base = c["median_lap"]
        nmax = int(horizon / (base * 0.9)) + 8
        car_off = crng.normal(0.0, car_sd[e.cls])
        noise = crng.normal(0.0, 1.0, nmax)
        slow_u = crng.random(nmax)
        slow_x = crng.exponential(max(c.get("slow_excess", 0.12) - 0.08, 0.01) / math.log(2.0), nmax)
        stint_jit = crng.integers(-1, 2, nmax)
        sect = crng.normal(0.0, 0.01, (nmax, 2))
        topspeed = c["top_speed"] + crng.normal(0.0, 3.0, nmax)
        pit_noise = crng.normal(0.0, c["pit_time_iqr"] / 1.349, nmax)
        # incidents over the race: long stops (repairs), garage visits, retirement
        n_long = crng.poisson(c["long_stops_per_car_24h"] * hours / 24.0)
        n_garage = crng.poisson(c["garage_stops_per_car_24h"] * hours / 24.0)
        long_at = sorted(crng.uniform(0.0, horizon, n_long).tolist())
        garage_at = sorted(crng.uniform(0.0, horizon, n_garage).tolist())
        retire_t = float(crng.exponential(1.0 / hazard)) * 3600.0 if hazard > 0 else math.inf
        retire_in_pits = bool(crng.random() < 0.5)
        crew = e.crew
        spell_len = crng.integers(2, 4, 64)  # stints per driver spell
        d_off = [cats.get(d.category, {"offset": 0.0})["offset"] - centre[e.cls] + d.skill for d in crew]
        d_sd = [
            c["lap_iqr"] / 1.349 * cats.get(d.category, {"lap_iqr": cat_iqr_mean})["lap_iqr"] / cat_iqr_mean * 0.75
            for d in crew
        ]

        t = 0.0
        lap = 0
        stint_pos = 0
        stint_target = int(c["stint_laps"]) + int(stint_jit[0])
        spell_i = 0
        spell_done = 0
        drv = 0
        pending_pit = None  # pit_time to add on the next lap (out-lap)
        driven = [0.0] * len(crew)
        retired = False
        while t < horizon + 3 * base and lap < nmax - 1 and not retired:
            lap += 1
            stint_pos += 1
            rel = car_off + d_off[drv] + race["stint_slope"] * (stint_pos - 6)
            hour = t / 3600.0
            tod_h = ((START_TIME_OF_DAY + t) / 3600.0) % 24.0
            rel += race["evolution_per_hour"] * (hour - hours / 2) + (
                race["night_effect"] if (tod_h >= 22.5 or tod_h < 5.5) else 0.0
            )
            rel += noise[lap] * d_sd[drv]
            if slow_u[lap] < c["slow_share"] * 0.85:
                rel += 0.08 + slow_x[lap]
            green = base * (1.0 + rel)
            if lap == 1:
                green *= 1.06
            s3_extra = s1_extra = 0.0
            pit_time = math.nan
            if pending_pit is not None:
                s1_extra = pending_pit + race["out_lap_extra_minus_pit"]
                pit_time = pending_pit
                pending_pit = None
            dur, flag = _advance(t + s1_extra, green, periods, ratios)
            # stop decision: end of stint, or early under a safety car
            in_lap = False
            near_end = stint_pos >= stint_target - 2 and flag in ("SF", "FCY")
            if stint_pos >= stint_target or near_end:
                in_lap = True
            long_stop = garage = 0.0
            if long_at and t >= long_at[0]:
                in_lap, long_stop = (
                    True,
                    float(150.0 + (race["long_stop_median"] - 150.0) * math.exp(crng.normal(0.0, 0.6))),
                )
                long_at.pop(0)
            if garage_at and t >= garage_at[0]:
                in_lap, garage = (
                    True,
                    float(900.0 + (race["garage_stop_median"] - 900.0) * math.exp(crng.normal(0.0, 0.8))),
                )
                garage_at.pop(0)
            if t + s1_extra + dur >= retire_t and t + dur < horizon:
                retired = True
                in_lap = retire_in_pits
            if in_lap:
                s3_extra = race["in_lap_extra"]
            lap_time = s1_extra + dur + s3_extra
            # sectors (ms-exact: lap = s1 + s2 + s3)
            sh = c["sector_share"]
            s1 = round((green * sh[0] * (1 + sect[lap, 0])) * dur / green + s1_extra, 3)
            s2 = round((green * sh[1] * (1 + sect[lap, 1])) * dur / green, 3)
            lap_ms = int(round(lap_time * 1000))
            s3 = round(lap_ms / 1000.0 - s1 - s2, 3)
            t_end = t + lap_ms / 1000.0
            rows.append(
                {
                    "car": e.car,
                    "lap": lap,
                    "driver_slot": crew[drv].slot,
                    "driver": crew[drv].name,
                    "lap_ms": lap_ms,
                    "elapsed_ms": int(round(t_end * 1000)),
                    "s1": s1,
                    "s2": s2,
                    "s3": s3,
                    "in_lap": in_lap,
                    "pit_time": pit_time,
                    "flag": flag,
                    "top_speed": round(float(topspeed[lap]) * (0.75 if flag != "GF" else 1.0), 1),
                    "ci": ci,
                }
            )
            driven[drv] += lap_ms / 1000.0
            t = t_end
            if in_lap and not retired:
                # next stint: maybe a driver change at the end of a spell
                spell_done += 1
                dc = False
                if spell_done >= spell_len[spell_i % len(spell_len)] and len(crew) > 1:
                    spell_i += 1
                    spell_done = 0
                    # the driver with the least time so far takes over (teams balance minimum times)
                    drv = min((k for k in range(len(crew)) if k != drv), key=lambda k: (driven[k], k))
                    dc = True
                extra = c["driver_change_extra"] * (0.5 if dc else -0.5)
                pit = max(c["pit_time"] * 0.6, c["pit_time"] + extra + float(pit_noise[lap]))
                pit = min(pit, 149.0) + long_stop + garage
                pending_pit = round(pit, 3)
                stint_pos = 0
                stint_target = int(c["stint_laps"]) + int(stint_jit[lap])
    df = pd.DataFrame(rows)
    return _finish(df, entries, horizon)


def _finish(df: pd.DataFrame, entries: list[Entry], horizon: float) -> pd.DataFrame:
    """Chequered flag, then the canonical lap table columns."""
    el = df["elapsed_ms"].to_numpy() / 1000.0
    # the flag falls at the first crossing after the horizon that completes one lap more than
    # the most laps completed by the horizon (that car leads on the road at that moment)
    upto = df[el <= horizon]
    most = int(upto["lap"].max()) if len(upto) else 0
    after = df[(el > horizon) & (df["lap"].to_numpy() == most + 1)]
    t_flag = float(after["elapsed_ms"].min()) / 1000.0 if len(after) else horizon
    keep = np.ones(len(df), dtype=bool)
    ff = np.zeros(len(df), dtype=bool)
    for _car, idx in df.groupby("car", sort=False).indices.items():
        e = el[idx]
        after = np.flatnonzero(e >= t_flag - 1e-9)
        if len(after):
            first = after[0]
            if e[first] > t_flag + FLAG_CLOSES:  # in the garage or stopped at the end: no crossing counted
                keep[idx[first:]] = False
            else:
                keep[idx[first + 1 :]] = False
                ff[idx[first]] = True
    df = df.assign(flag=np.where(ff, "FF", df["flag"].to_numpy()))[keep].reset_index(drop=True)
    by_car = {e.car: e for e in entries}
    df["class"] = [by_car[c].cls for c in df["car"]]
    df["group"] = [by_car[c].group for c in df["car"]]
    df["team"] = [by_car[c].team for c in df["car"]]
    df["manufacturer"] = [by_car[c].manufacturer for c in df["car"]]
    df["lap_time"] = df["lap_ms"] / 1000.0
    df["elapsed"] = df["elapsed_ms"] / 1000.0
    return _canonical(df)


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    from stintlab.schema import LAP_COLUMNS

    n = len(df)
    car = df["car"].to_numpy()
    same = np.r_[False, car[1:] == car[:-1]]
    in_lap = df["in_lap"].to_numpy(bool)
    lt = df["lap_time"].to_numpy()
    cols = {
        "car": df["car"].astype("string"),
        "lap": df["lap"].astype("int32"),
        "driver": df["driver"].astype("string"),
        "driver_slot": df["driver_slot"].astype("Int8"),
        "class": df["class"].astype("string"),
        "group": df["group"].astype("string"),
        "team": df["team"].astype("string"),
        "manufacturer": df["manufacturer"].astype("string"),
        "lap_time": lt,
        "s1": df["s1"].to_numpy(float),
        "s2": df["s2"].to_numpy(float),
        "s3": df["s3"].to_numpy(float),
        "elapsed": df["elapsed"].to_numpy(float),
        "lap_start": np.round(df["elapsed"].to_numpy(float) - lt, 3),
        "time_of_day": np.round(START_TIME_OF_DAY + df["elapsed"].to_numpy(float), 3),
        "in_lap": in_lap,
        "out_lap": same & np.r_[False, in_lap[:-1]],
        "pit_time": df["pit_time"].to_numpy(float),
        "flag": df["flag"].astype("string"),
        "kph": np.round(13.626 * 3600.0 / lt, 1),
        "top_speed": df["top_speed"].to_numpy(float),
    }
    out = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in cols.items()})
    # improvement markers: 2 = car's best lap, 3 = session best; sectors likewise, 1 = driver's best
    best_idx = out.groupby("car", sort=False)["lap_time"].idxmin()
    li = np.zeros(n, dtype="int8")
    li[best_idx.to_numpy()] = 2
    li[int(out["lap_time"].idxmin())] = 3
    out["lap_improvement"] = pd.array(li, dtype="Int8")
    for s in ("s1", "s2", "s3"):
        m = np.zeros(n, dtype="int8")
        m[out.groupby(["car", "driver"], sort=False)[s].idxmin().to_numpy()] = 1
        m[out.groupby("car", sort=False)[s].idxmin().to_numpy()] = 2
        m[int(out[s].idxmin())] = 3
        out[f"{s}_improvement"] = pd.array(m, dtype="Int8")
    out["is_car_best"] = li >= 2
    out["is_session_best"] = li == 3
    out["line"] = np.arange(2, n + 2, dtype="int32")
    out = out[[c.name for c in LAP_COLUMNS]]
    for c in LAP_COLUMNS:
        if str(out[c.name].dtype) != c.dtype:
            out[c.name] = out[c.name].astype(c.dtype)
    return out
