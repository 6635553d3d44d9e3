"""What if: change events of one car and replay the rest of its race against the rivals as they were.

Changes (each names a lap of the car):

``stop``  ``LAP=median``: the stop whose in-lap is LAP loses only a normal stop of its class
          (Monte Carlo: each run draws one of the class's normal green stop losses); ``LAP=none``:
          the stop did not happen (its laps run at the car's clean reference pace);
          ``LAP=SECONDS`` sets the stop's time loss directly. Stops chained together (an
          out-lap that is again an in-lap) count as one stop from the first in-lap to the
          last out-lap; the loss is measured against the car's clean reference lap of
          :func:`stintlab.analysis.stops.stops`.
``lap``   ``LAP=clean``: lap LAP is replaced by a clean lap of the same car (each run draws one
          of the car's clean laps within 10 laps of LAP); ``LAP=SECONDS`` sets the lap time.
``sc``    ``LAP=median``: over the safety-car / FCY phase that lap LAP is in, the car loses only
          the median loss of its class rivals in the same phase instead of its own. A car's loss
          is the sum of (lap - its clean reference) over its laps touching the phase (start to
          green), a stop made in it counted as what a normal green stop of the class costs (so a
          stop under the safety car that cost less shows as a gain).

Replay: every later crossing of the car moves earlier by the time saved (later by a loss);
rivals keep their real laps; the chequered flag falls at the same race time as in reality.
A car running at the end completes extra laps, at a pace drawn from its own clean laps of
the last two hours, until it crosses the line after the chequered flag; a car that retired
still retires after the same lap. The projected class position orders the class by laps
(descending) then race time of the last crossing, as the derived classification does.

>>> import pandas as pd
>>> from stintlab.analysis.annotate import annotate
>>> laps = annotate(_toy_race())
>>> r = whatif(laps, "2", [parse_change("stop", "3=median")], runs=20, seed=1)
>>> r["actual"]["class_position"], r["projected"]["class_position"], r["changes"][0]["time_saved"]
(2, 1, 61.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stintlab.analysis.flags import neutralisations
from stintlab.analysis.lookup import find_car
from stintlab.analysis.order import finish_time, last_crossings, order_index
from stintlab.analysis.stops import stops as stop_table
from stintlab.display import lap_time as time_text  # the one formatter of times: m:ss.fff
from stintlab.errors import StintlabUsageError
from stintlab.io.values import format_time
from stintlab.schema import check_columns

__all__ = ["Change", "parse_change", "whatif", "stop_losses", "ASSUMPTIONS"]

NORMAL_STOP_MAX = 150.0
ASSUMPTIONS = [
    "Rivals' laps are kept as they were; nobody reacts to the changed car.",
    "The chequered flag falls at the same race time as in reality, unless the changed car would lead at the "
    "scheduled end: then it falls at that car's first crossing after the end, and rivals running at the end "
    "cover the extra distance at their median clean lap.",
    "Later laps of the car keep their real lap times, shifted by the time saved; "
    "safety-car phases it would have met at other moments are not re-simulated.",
    "A car running at the end adds laps at its own clean pace of the last two hours; a retired car retires after the same lap.",
]


@dataclass(frozen=True)
class Change:
    kind: str  # stop | lap | sc
    lap: int
    target: str  # "median" | "clean" | seconds as text

    @property
    def seconds(self) -> float | None:
        try:
            return float(self.target)
        except ValueError:
            return None


_TARGETS = {"stop": ("median", "none"), "lap": ("clean",), "sc": ("median",)}


def parse_change(kind: str, text: str) -> Change:
    """``parse_change("stop", "112=median")`` -> Change('stop', 112, 'median').

    >>> parse_change("lap", "37=clean")
    Change(kind='lap', lap=37, target='clean')
    >>> parse_change("stop", "12=85.5").seconds
    85.5
    """
    m = re.fullmatch(r"\s*(\d+)\s*=\s*([A-Za-z]+|\d+(?:\.\d*)?|\d*:\d+(?:\.\d*)?)\s*", text or "")
    if kind not in _TARGETS:
        raise StintlabUsageError(f"unknown change {kind!r} (use stop, lap or sc)")
    if not m:
        raise StintlabUsageError(f"--{kind} expects LAP=VALUE (e.g. 112={_TARGETS[kind][0]}), got {text!r}")
    lap, target = int(m.group(1)), m.group(2).lower()
    if ":" in target:
        from stintlab.io.values import parse_time_text

        target = str(parse_time_text(target))
    if target.isalpha() and target not in _TARGETS[kind]:
        raise StintlabUsageError(f"--{kind} {lap}={target}: value must be {' or '.join(_TARGETS[kind])} or seconds")
    return Change(kind, lap, target)


def stop_losses(annotated: pd.DataFrame) -> pd.DataFrame:
    """Per stop: car, class, lap (in-lap), pit_time, loss, kind — from :func:`stintlab.analysis.stops.stops`
    (``loss`` is its ``time_lost``: in-lap + out-lap minus twice the car's clean reference)."""
    st = stop_table(annotated)
    return pd.DataFrame(
        {
            "car": st["car"].astype(str).to_numpy(),
            "class": st["class"].astype(str).to_numpy(),
            "lap": st["lap_in"].astype(int).to_numpy(),
            "pit_time": st["pit_time"].to_numpy(float),
            "loss": st["time_lost"].to_numpy(float),
            "reference": st["reference"].to_numpy(float),
            "kind": st["kind"].astype(str).to_numpy(),
            "neutralised": st["neutralised"].to_numpy(bool),
        }
    )


def _class_order(last: pd.DataFrame) -> pd.DataFrame:
    return last.iloc[order_index(last["laps"].to_numpy(), last["time"].to_numpy(float))].reset_index(drop=True)


def whatif(annotated: pd.DataFrame, car: str, changes: list[Change], *, runs: int = 200, seed: int = 0) -> dict:
    """Project the car's result with ``changes`` applied (module docstring). Returns a JSON-ready dict.
    ``annotated``: the annotated lap table (:func:`stintlab.analysis.annotate.annotate`, ``race.annotated``)."""
    car = str(car)
    if not changes:
        raise StintlabUsageError("nothing to change: give at least one --stop, --lap or --sc")
    if runs < 1 or runs > 100_000:
        raise StintlabUsageError(f"--runs must be between 1 and 100000, got {runs}")
    check_columns(annotated, "annotated_laps", "whatif()", ("clean", "neutralised", "stint"))
    laps = annotated.reset_index(drop=True)
    cars = laps["car"].astype(str)
    car = find_car(cars.unique(), car)
    if cars.nunique() < 2:  # the replay is against the real rivals: none to race
        raise StintlabUsageError(f"car {car} has no rival in this race: a what-if needs at least two cars")
    mine = laps[(cars == car).to_numpy()]
    lap_no = mine["lap"].to_numpy()
    lt = mine["lap_time"].to_numpy(float)
    el = mine["elapsed"].to_numpy(float)
    clean_all = laps["clean"].to_numpy(bool)
    neutral_all = laps["neutralised"].to_numpy(bool)
    clean = clean_all[(cars == car).to_numpy()]
    rng = np.random.default_rng(seed)

    last = last_crossings(laps)
    last = pd.DataFrame({"car": last["car"].astype(str).to_numpy(), "class": last["class"].astype(str).to_numpy(),
                         "laps": last["lap"].to_numpy(), "time": last["elapsed"].to_numpy(float)})  # fmt: skip
    overall = _class_order(last)
    # the car's class at its last crossing, as the classification counts it (a file may change it mid-race)
    cls = str(last.loc[last["car"] == car, "class"].iat[0])
    t_flag = finish_time(laps)
    running = float(el[-1]) >= t_flag - 1e-6

    saved = np.zeros((runs, len(changes)))
    described = []
    used: set[int] = set()
    stops = None
    for j, ch in enumerate(changes):
        if ch.lap not in set(lap_no.tolist()):
            raise StintlabUsageError(f"car {car} has no lap {ch.lap} (laps 1-{int(lap_no.max())})")
        i = int(np.flatnonzero(lap_no == ch.lap)[0])
        if ch.kind == "stop":
            stops = stop_losses(laps) if stops is None else stops
            car_st = stops[stops["car"] == car]
            mine_st = car_st[car_st["lap"] == ch.lap]
            if mine_st.empty:
                in_laps = car_st["lap"].tolist()
                raise StintlabUsageError(
                    f"lap {ch.lap} of car {car} is not the in-lap of a stop (in-laps: {in_laps[:40]})"
                )
            if ch.lap >= int(lap_no[-1]):
                raise StintlabUsageError(
                    f"lap {ch.lap} is car {car}'s last lap: it went into the pits and never came out, "
                    "so there is no rest of its race to replay"
                )
            # chained stops (an out-lap that is again an in-lap) form one stop: in-lap .. last out-lap
            in_set = set(car_st["lap"].tolist())
            end = ch.lap + 1
            while end in in_set:
                end += 1
            end = min(end, int(lap_no[-1]))
            span = list(range(ch.lap, end + 1))
            ref = float(mine_st["reference"].iat[0])
            actual = float(lt[(lap_no >= ch.lap) & (lap_no <= end)].sum() - len(span) * ref)
            # the pool: the class's other normal stops made under green (a stop under a safety car is
            # measured against the field's slow laps and may cost less than nothing)
            normal = stops[(stops["class"] == cls) & (stops["kind"] == "normal") & (stops["car"] != car)]
            green = normal[~normal["neutralised"]]
            pool = (green if len(green) >= 3 else normal)["loss"].dropna().to_numpy()
            laps_txt = f"laps {ch.lap}-{end}" if end > ch.lap + 1 else f"laps {ch.lap}-{end}"
            if ch.target == "none":
                new = np.zeros(runs)
                how = f"stop at lap {ch.lap} ({laps_txt}, lost {time_text(actual)} vs {time_text(ref)} laps) removed: clean laps instead"
            elif ch.seconds is not None:
                new = np.full(runs, ch.seconds)
                how = f"stop at lap {ch.lap} ({laps_txt}) loses {time_text(ch.seconds)} instead of {time_text(actual)}"
            else:
                if len(pool) == 0:
                    raise StintlabUsageError(f"no normal stop in class {cls} to compare with")
                new = rng.choice(pool, size=runs)
                how = (f"stop at lap {ch.lap} ({laps_txt}, {mine_st['kind'].iat[0]}, lost {time_text(actual)}) reduced to a "
                       f"normal {cls} stop (median loss {time_text(np.median(pool))} over {len(pool)} stops)")  # fmt: skip
            touched = span
            saved[:, j] = actual - new
        elif ch.kind == "lap":
            if mine["in_lap"].iat[i] or mine["out_lap"].iat[i]:
                raise StintlabUsageError(
                    f"lap {ch.lap} of car {car} is a pit lap: use --stop {ch.lap if mine['in_lap'].iat[i] else ch.lap - 1}=median"
                )
            if ch.seconds is not None:
                new = np.full(runs, ch.seconds)
            else:
                sel = clean & (np.abs(lap_no - ch.lap) <= 10) & (lap_no != ch.lap)
                if sel.sum() < 3:
                    sel = clean & (lap_no != ch.lap)
                if not sel.any():
                    raise StintlabUsageError(f"car {car} has no clean lap to replace lap {ch.lap} with")
                new = rng.choice(lt[sel], size=runs)
            touched = [ch.lap]
            how = f"lap {ch.lap} ({time_text(lt[i])}) replaced by a {'clean lap' if ch.seconds is None else 'lap'} (median {time_text(np.median(new))})"
            saved[:, j] = lt[i] - new
        else:  # sc
            if not neutral_all[(cars == car).to_numpy()][i]:
                raise StintlabUsageError(f"lap {ch.lap} of car {car} is not under a safety car or FCY")
            phases = neutralisations(laps)
            lap_s, lap_e = float(el[i] - lt[i]), float(el[i])
            g_at = phases["green_at"].fillna(phases["end"])
            hit = phases[(phases["start"] <= lap_e) & (g_at >= lap_s)]
            if hit.empty:
                raise StintlabUsageError(f"lap {ch.lap} of car {car} is in no neutralisation phase")
            ph = hit.iloc[0]
            t0, t1 = float(ph["start"]), float(g_at.loc[hit.index[0]])
            stops = stop_losses(laps) if stops is None else stops
            green = stops[(stops["class"] == cls) & (stops["kind"] == "normal") & ~stops["neutralised"]][
                "loss"
            ].dropna()
            green_stop = float(green.median()) if len(green) else 0.0
            losses, windows = {}, {}
            for c2, idx in laps.groupby(cars, sort=False).indices.items():
                d = laps.iloc[idx]
                if str(d["class"].iat[0]) != cls or not clean_all[idx].any():
                    continue
                e2 = d["elapsed"].to_numpy(float)
                l2 = d["lap_time"].to_numpy(float)
                in2 = d["in_lap"].to_numpy(bool)
                win = np.flatnonzero((e2 >= t0) & (e2 - l2 <= t1))
                if len(win) == 0 or win[-1] == len(e2) - 1:
                    continue  # did not run through the phase (or its race ended in it)
                if in2[win[-1]]:
                    win = np.r_[win, win[-1] + 1]  # the out-lap of a stop made at the end of the phase
                ref = float(np.median(l2[clean_all[idx]]))
                n_stops = int(in2[win[:-1]].sum())
                losses[c2] = float((l2[win] - ref).sum() - n_stops * green_stop)
                windows[c2] = d["lap"].to_numpy()[win]
            actual = losses.get(car, float("nan"))
            pool = np.array([v for k, v in losses.items() if k != car and np.isfinite(v)])
            if not len(pool) or not np.isfinite(actual):
                raise StintlabUsageError(f"no class rival ran through the phase around lap {ch.lap} to compare with")
            med = float(np.median(pool))
            saved[:, j] = actual - med
            touched = windows[car].tolist()
            how = (f"{ph['kind']} phase {format_time(t0, digits=0)}-{format_time(t1, digits=0)} (car laps {touched[0]}-{touched[-1]}): car {car} lost "
                   f"{time_text(actual)} vs its clean pace (each stop in it counted as a normal green {cls} stop, "
                   f"{time_text(green_stop)}); {cls} rivals lost {time_text(med)} (median of {len(pool)})")  # fmt: skip
        clash = used & set(int(x) for x in touched)
        if clash:
            raise StintlabUsageError(
                f"changes overlap on lap(s) {sorted(clash)} of car {car}: give one change per event"
            )
        used |= set(int(x) for x in touched)
        described.append({"kind": ch.kind, "lap": ch.lap, "target": ch.target, "description": how,
                          "time_saved": float(np.median(saved[:, j])), "time_saved_p10": float(np.quantile(saved[:, j], 0.1)),
                          "time_saved_p90": float(np.quantile(saved[:, j], 0.9))})  # fmt: skip

    # shifted crossings per run: S_k = sum of savings of changes at or before lap k
    change_laps = np.array([c.lap for c in changes])
    cum = (lap_no[None, :, None] >= change_laps[None, None, :]) * saved[:, None, :]
    shifted = el[None, :] - cum.sum(axis=2)  # runs x laps
    late = clean & (el >= el[-1] - 7200)
    pace_pool = lt[late] if late.sum() >= 3 else (lt[clean] if clean.any() else lt)
    # scheduled end: the last full hour before the real chequered flag when the flag came
    # within 15 minutes after it (timed races), else the flag itself
    t_end = math.floor(t_flag / 3600.0) * 3600.0
    if t_flag - t_end > 900.0:
        t_end = t_flag
    others = last[last["car"] != car].reset_index(drop=True)
    o_running = (others["time"] >= t_flag - 1e-6).to_numpy()
    o_pace = np.array(
        [
            float(np.median(laps["lap_time"].to_numpy(float)[idx][clean_all[idx]]))
            if clean_all[idx].any()
            else float(np.median(laps["lap_time"].to_numpy(float)[idx]))
            for idx in (laps.groupby(cars, sort=False).indices[c2] for c2 in others["car"])
        ]
    )
    # the real leader's laps done at the scheduled end (for "does the car take the flag?")
    lead_row = overall[overall["car"] != car].iloc[0]
    lead_el = laps.loc[(cars == str(lead_row["car"])).to_numpy(), "elapsed"].to_numpy(float)
    lead_done = int((lead_el < t_end).sum())
    lead_t = float(lead_el[lead_done - 1]) if lead_done else 0.0

    def crossing(s: np.ndarray, t: float) -> tuple[int, float]:
        k = int(np.searchsorted(s, t - 1e-6))
        if k < len(s):
            return int(lap_no[k]), float(s[k])
        tt, n = float(s[-1]), int(lap_no[-1])
        while tt < t - 1e-6:
            tt += float(rng.choice(pace_pool))
            n += 1
        return n, tt

    proj_laps = np.empty(runs, dtype=int)
    proj_time = np.empty(runs)
    positions = np.empty(runs, dtype=int)
    gaps_leader = np.empty(runs)
    took_flag = np.zeros(runs, dtype=bool)
    for r in range(runs):
        s = shifted[r]
        flag_r = t_flag
        if running:
            done = int((s < t_end).sum())
            if done > lead_done or (done == lead_done and done and s[done - 1] < lead_t):
                took_flag[r] = True
                # the car leads: the flag waves at its own first crossing after the scheduled end
                proj_laps[r], proj_time[r] = crossing(s, t_end)
                flag_r = float(proj_time[r])
            else:
                proj_laps[r], proj_time[r] = crossing(s, flag_r)
        else:
            proj_laps[r], proj_time[r] = int(lap_no[-1]), float(s[-1])
        o_laps = others["laps"].to_numpy().copy()
        o_time = others["time"].to_numpy(float).copy()
        if flag_r > t_flag + 1e-6:  # a later flag: cars that were running cover the extra distance
            extra = np.ceil(np.maximum(flag_r - o_time, 0.0) / o_pace) * o_running
            o_laps = o_laps + extra.astype(int)
            o_time = o_time + extra * o_pace
        cls_mask = (others["class"] == cls).to_numpy()
        rl, rt = o_laps[cls_mask], o_time[cls_mask]
        ahead = (rl > proj_laps[r]) | ((rl == proj_laps[r]) & (rt < proj_time[r]))
        positions[r] = int(ahead.sum()) + 1
        if len(rl):
            best = int(np.lexsort((rt, -rl))[0])
            g = _gap(int(rl[best]), float(rt[best]), int(proj_laps[r]), float(proj_time[r]), pace_pool)
            gaps_leader[r] = g if positions[r] > 1 else min(g, 0.0)
        else:
            gaps_leader[r] = 0.0
    base_cls = _class_order(last[last["class"] == cls])
    actual_pos = int(np.flatnonzero(base_cls["car"].to_numpy() == car)[0]) + 1
    leader = base_cls.iloc[0]
    dist = pd.Series(positions).value_counts(normalize=True).sort_index()
    actual = {
        "class_position": actual_pos,
        "laps": int(lap_no[-1]),
        "total_time": float(el[-1]),
        "status": "Running" if running else "Retired",
        "class_leader": str(leader["car"]),
        "gap_to_class_leader": _gap(
            int(leader["laps"]), float(leader["time"]), int(lap_no[-1]), float(el[-1]), pace_pool
        )
        if str(leader["car"]) != car
        else 0.0,
    }
    projected = {
        "class_position": int(np.median(positions)),
        "class_position_distribution": {str(int(k)): round(float(v), 4) for k, v in dist.items()},
        "class_position_p10": int(np.quantile(positions, 0.1)),
        "class_position_p90": int(np.quantile(positions, 0.9)),
        "laps": int(np.median(proj_laps)),
        "laps_min": int(proj_laps.min()),
        "laps_max": int(proj_laps.max()),
        "total_time": float(np.median(proj_time)),
        "gap_to_class_leader": float(np.median(gaps_leader)),
        "time_saved": float(np.median(saved.sum(axis=1))),
        "takes_chequered_flag": float(took_flag.mean()),
    }
    return {
        "car": car,
        "class": cls,
        "runs": runs,
        "seed": seed,
        "chequered_flag": t_flag,
        "scheduled_end": t_end,
        "changes": described,
        "actual": actual,
        "projected": projected,
        "assumptions": ASSUMPTIONS,
    }


def _gap(laps_a: int, time_a: float, laps_b: int, time_b: float, pace) -> float:
    """Seconds car B is behind car A (a lap counts as the car's median clean lap)."""
    return float(time_b - time_a + (laps_a - laps_b) * float(np.median(pace)))


def _toy_race() -> pd.DataFrame:
    """A tiny race of class X, 10 laps of ~100 s with one stop each (in-lap 3, out-lap 4).

    Car 1 (100 s laps) loses 80 s at its stop and wins in 1080 s; car 2 (99.5 s laps) loses
    141 s (out-lap 235 s) and finishes 56 s behind; car 3 (100 s laps, 9 laps) loses 80 s.
    With a normal 80 s stop car 2 would save 61 s, cross lap 10 at 1075 s, before the
    chequered flag (1080 s), so it runs an 11th lap and wins the class.
    """
    from stintlab.sim.frames import lap_table

    rows = []
    for car, lt_clean, out, n in (("1", 100.0, 175.0, 10), ("2", 99.5, 235.0, 10), ("3", 100.0, 175.0, 9)):
        for lap in range(1, n + 1):
            lt = 105.0 if lap == 3 else (out if lap == 4 else lt_clean)
            rows.append(
                {"car": car, "lap": lap, "lap_time": lt, "in_lap": lap == 3, "pit_time": 70.0 if lap == 4 else math.nan}
            )
    return lap_table(rows)
