"""Monte Carlo of the rest of a race with the simulator's models (:mod:`stintlab.sim.simulate`),
seeded with each car's observed pace, stint length and stop loss.

Per run: race-wide safety-car / FCY / red periods are drawn by :func:`stintlab.sim.simulate.neutral_schedule`
(the calibrated rates, scaled by this race's neutralised share so far against the calibrated one),
and a lap covers its distance at the calibrated neutralised speed (``sc_lap_ratio``, ``fcy_lap_ratio``;
red: stopped), as in the simulator. Each car laps at its pace times (1 + its class's green overhead)
with Gaussian noise of its own lap spread; it stops every stint (its median stint +-1 lap, the
simulator's jitter), each stop costing its median stop loss plus the class's calibrated pit-time
noise; long stops (repairs) and garage visits arrive at the calibrated per-car rates with the
simulator's loss distributions; retirement at the calibrated hazard. The flag falls as in the
simulator: at the first crossing after the scheduled end that completes one lap more than the most
laps done by then; each car's last lap is its first crossing at or after the flag.

Vectorised in green-equivalent time: G(t) advances at 1 under green, 1/ratio under a neutralisation,
0 under red; a car's crossings are at G^-1(G(its last crossing) + cumulative lap times).
"""

from __future__ import annotations

import math

import numpy as np

from stintlab.sim.simulate import neutral_schedule

__all__ = ["simulate_remainder"]


def _green_clock(periods, t0: float, horizon: float, ratios: dict) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints (race time, green-equivalent seconds since t0) of G, up to horizon."""
    tb, gb = [t0], [0.0]
    for a, b, flag in periods:
        a, b = t0 + a, t0 + b
        if b <= tb[-1]:
            continue
        a = max(a, tb[-1])
        gb.append(gb[-1] + (a - tb[-1]))
        tb.append(a)
        r = ratios[flag]
        gb.append(gb[-1] + (0.0 if math.isinf(r) else (b - a) / r))
        tb.append(b)
    end = max(horizon, tb[-1]) + 1e6
    gb.append(gb[-1] + (end - tb[-1]))
    tb.append(end)
    return np.array(tb), np.array(gb)


def simulate_remainder(cars, at: float, length: float, params: dict, share_factor: float, *, runs: int,
                       seed: int) -> dict:  # fmt: skip
    """Per run and car: final laps, stops after ``at`` (before the flag), retired, class position.

    Returns arrays shaped (runs, cars): ``laps``, ``stops``, ``retired``, ``class_position``, ``ahead``
    (the car finished ahead of, or level with, the car given as its ``ahead`` index), plus ``flag``
    (runs,).
    """
    rng = np.random.default_rng(seed)
    n = len(cars)
    fl = dict(params["flags"])
    for k in ("sc_periods_per_24h", "fcy_periods_per_24h", "red_periods_per_24h"):
        fl[k] = float(fl.get(k, 0.0)) * share_factor
    p_run = dict(params, flags=fl)
    ratios = {"SF": fl["sc_lap_ratio"], "FCY": fl["fcy_lap_ratio"], "RF": math.inf}
    race = params["race"]
    classes = params.get("classes", {})
    rem = max(length - at, 0.0)
    hazard = -math.log(max(1.0 - race["retired_share"], 1e-6)) / 24.0
    paces = np.array([c.pace * (1.0 + c.overhead) for c in cars])
    sds = np.array([c.pace_sd for c in cars])
    # laps to simulate: the remaining time at the car's pace, with room for slower laps
    m = int(math.ceil((rem + 1800.0) / max(float(paces.min()), 30.0) * 1.1)) + 4 if n else 1
    k_med = np.array([max(round(c.stint_laps), 2) for c in cars])
    now = np.array([c.stint_laps_now for c in cars])
    loss = np.array([c.stop_loss for c in cars])
    pit_sd = np.array([classes.get(c.cls, {}).get("pit_time_iqr", 15.0) / 1.349 for c in cars])
    rate_long = np.array([classes.get(c.cls, {}).get("long_stops_per_car_24h", 1.0) for c in cars]) * rem / 86400
    rate_gar = np.array([classes.get(c.cls, {}).get("garage_stops_per_car_24h", 0.25) for c in cars]) * rem / 86400
    start = np.array([c.race_time for c in cars])
    laps0 = np.array([c.laps for c in cars])
    running = np.array([c.running for c in cars])
    cls_codes = np.unique([c.cls for c in cars], return_inverse=True)[1]
    ahead_idx = np.array([c.ahead if c.ahead is not None else -1 for c in cars])

    out = {k: np.zeros((runs, n), dtype=int) for k in ("laps", "stops", "class_position")}
    out["retired"] = np.zeros((runs, n), dtype=bool)
    out["ahead"] = np.zeros((runs, n), dtype=bool)
    out["flag"] = np.zeros(runs)
    j = np.arange(1, m + 1)
    for r in range(runs):
        periods = neutral_schedule(p_run, max(rem / 3600.0, 0.01) + 0.5, rng)
        tb, gb = _green_clock(periods, at, length + 3600.0, ratios)
        lap = paces[:, None] * (1.0 + sds[:, None] / paces[:, None] * rng.standard_normal((n, m)))
        # stops: the first when the current stint reaches its target, then every stint
        stints = k_med[:, None] + rng.integers(-1, 2, (n, m // 2 + 2))
        first = np.maximum(stints[:, 0] - now, 1)
        ends = first[:, None] + np.cumsum(np.c_[np.zeros(n, int), stints[:, 1:]], axis=1)
        stop = np.zeros((n, m + 1), dtype=bool)
        rows = np.repeat(np.arange(n), ends.shape[1])
        e = ends.ravel()
        ok = e < m
        stop[rows[ok], e[ok]] = True
        stop = stop[:, 1:]  # stop[:, i]: lap i+1 is an in-lap
        cost = np.maximum(loss[:, None] + pit_sd[:, None] * rng.standard_normal((n, m)), 0.6 * loss[:, None])
        extra = np.where(stop, cost, 0.0)
        # repairs and garage visits: at a uniformly drawn lap, as in the simulator
        for rate, lo, med, sig in ((rate_long, 150.0, race["long_stop_median"], 0.6),
                                   (rate_gar, 900.0, race["garage_stop_median"], 0.8)):  # fmt: skip
            cnt = rng.poisson(rate)
            for ci in np.flatnonzero(cnt):
                at_lap = rng.integers(0, m, cnt[ci])
                extra[ci, at_lap] += lo + (med - lo) * np.exp(rng.normal(0.0, sig, cnt[ci]))
                stop[ci, at_lap] = True
        # the stop's loss is paid on the lap after the in-lap (pit lane on the out-lap)
        lap[:, 1:] += extra[:, :-1]
        g0 = start - at  # from each car's last crossing (before `at`, taken as green)
        cross = np.interp(np.maximum(g0[:, None] + np.cumsum(lap, axis=1), 0.0), gb, tb)
        cross = np.where(running[:, None], cross, np.inf)
        retire = at + rng.exponential(1.0 / hazard, n) * 3600.0 if hazard > 0 else np.full(n, np.inf)
        alive = cross <= retire[:, None]
        # the flag: first crossing of lap most+1 after the scheduled end
        done_by_end = laps0 + (alive & (cross <= length)).sum(axis=1)
        most = int(done_by_end.max())
        tot = laps0[:, None] + j[None, :]
        cand = np.where(alive & (tot == most + 1) & (cross > length), cross, np.inf)
        t_flag = float(cand.min()) if np.isfinite(cand.min()) else length
        fin = alive & (cross <= t_flag)
        last_k = fin.sum(axis=1)  # crossings before the flag
        # the first crossing at or after the flag (if alive then)
        nxt = np.minimum(last_k, m - 1)
        takes = alive[np.arange(n), nxt] & (cross[np.arange(n), nxt] >= t_flag) & running
        k_final = last_k + takes
        final_laps = laps0 + k_final
        last_t = np.where(k_final > 0, cross[np.arange(n), np.maximum(k_final - 1, 0)], start)
        stops = (stop & (j[None, :] < k_final[:, None] + 0) & (cross < t_flag)).sum(axis=1)
        out["laps"][r] = final_laps
        out["stops"][r] = stops
        out["retired"][r] = ~takes
        out["flag"][r] = t_flag
        # class positions: laps desc, then time of the last crossing asc
        order = np.lexsort((last_t, -final_laps, cls_codes))
        pos = np.empty(n, dtype=int)
        sc = cls_codes[order]
        first_of = np.r_[0, np.flatnonzero(sc[1:] != sc[:-1]) + 1]
        starts = np.repeat(first_of, np.diff(np.r_[first_of, n]))
        pos[order] = np.arange(n) - starts + 1
        out["class_position"][r] = pos
        has = ahead_idx >= 0
        out["ahead"][r, has] = pos[has] < pos[ahead_idx[has]]
    return out
