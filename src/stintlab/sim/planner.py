"""Stint planner: a driver schedule that satisfies a rule set and meets a goal.

Input: race length, the class stint (laps and lap time), routine pit-lane time, extra time
for a driver change, the crew (name, FIA category, optional own lap time) and a rule set
of :mod:`stintlab.analysis.rules`. The race is cut into stints of ``stint_laps`` laps
(the last one ends at the flag); each stint goes to one driver, chosen in race order:

1. only drivers for whom the stint keeps every rule are candidates (maximum total less
   ``margin``, maximum continuous spell and rest after it, maximum driving in any window);
2. when the drivers still short of their minimum (plus ``margin``) need all the driving
   left (less one stint of slack), the neediest driver drives;
3. otherwise the goal picks: ``fastest`` gives the stint to the quickest driver (own lap
   time, else category order Platinum > Gold > Silver > Bronze); ``balanced`` to the
   driver with the least time so far. A driver already in the car is preferred on ties
   (no change, no driver-change time).

When the greedy pass gets stuck it is repeated with seeded random tie-breaks. The plan is
then checked with :func:`stintlab.analysis.rules.check_rules` on its spells; a plan is only
returned when the checker finds no violation.

Drive time per stint = its laps x the driver's lap time (pit-lane time excluded, as the
rules count it); race time adds the pit time (plus the driver-change time) at every stop.

>>> crew = [{"name": "A Bronze", "category": "Bronze"}, {"name": "B Silver", "category": "Silver"},
...         {"name": "C Gold", "category": "Gold"}]
>>> p = plan(crew, rules="lemans-2019", hours=24, cls="LMGTE Am", stint_laps=14, lap_time=238.0, pit_time=85.0)
>>> p["check"]["violations"], [d["driver"] for d in p["drivers"]][:1]
([], ['C Gold'])
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.io.alkamel_laps import MAX_LAP_TIME
from stintlab.io.values import parse_time_text

__all__ = ["plan", "read_crew", "timeline", "CATEGORY_ORDER"]

CATEGORY_ORDER = {"Platinum": 0, "Gold": 1, "Silver": 2, "Bronze": 3}


MAX_STINTS = 1000  # a 24-hour race has 30-40 stints; more means a lap time or stint length of nothing


def _secs(v, what: str, *, positive: bool = False) -> float:
    """A duration in seconds (number or time text), finite and not negative (``positive``: above 0)."""
    if v is None:
        raise StintlabUsageError(f"{what} is required")
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise StintlabUsageError(f"{what}: not a time: {v!r}")
    if isinstance(v, (int, float)):
        out = float(v)
    else:
        try:
            out = float(parse_time_text(str(v).strip()))
        except ValueError as exc:
            raise StintlabUsageError(f"{what}: not a time: {v!r}") from exc
    if not math.isfinite(out) or out < 0 or (positive and out <= 0) or out > MAX_LAP_TIME:
        bound = "above 0" if positive else "0 or more"
        raise StintlabUsageError(f"{what} must be {bound} and at most {MAX_LAP_TIME / 3600:.0f} h, got {v!r}")
    return out


def read_crew(path) -> dict:
    """A crew file (YAML): ``drivers`` list of {name, category[, lap_time]} and optional car, class,
    stint_laps, lap_time, pit_time, driver_change, goal, margin (see docs/sim.md)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise StintlabUsageError(f"crew file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise StintlabUsageError(f"{p}: not valid YAML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise StintlabUsageError(f"{p}: not UTF-8 text ({exc.reason})") from exc
    except RecursionError:  # thousands of nested [ or {: no crew file looks like that
        raise StintlabUsageError(f"{p}: YAML nested too deeply to be a crew file") from None
    if isinstance(data, list):
        data = {"drivers": data}
    if not isinstance(data, dict) or not isinstance(data.get("drivers"), list) or not data["drivers"]:
        raise StintlabUsageError(f"{p}: expected a 'drivers' list of {{name, category}}")
    bad = next((k for k, d in enumerate(data["drivers"], 1) if not isinstance(d, dict)), None)
    if bad is not None:
        raise StintlabUsageError(f"{p}: driver #{bad} is not a {{name, category[, lap_time]}} entry")
    return data


def _limits(rs, cls: str, category: str | None) -> dict:
    lim = {"min": 0.0, "max": math.inf, "cont": math.inf, "rest": 0.0, "windows": []}
    for r in rs.driving:
        if not r.class_applies(cls) or r.category_applies(category) is False:
            continue
        if r.rule == "min_total" and r.min_total is not None:
            lim["min"] = max(lim["min"], r.min_total)
        elif r.rule == "max_total" and r.max_total is not None:
            lim["max"] = min(lim["max"], r.max_total)
        elif r.rule == "max_continuous" and r.max_continuous is not None:
            lim["cont"] = min(lim["cont"], r.max_continuous)
            lim["rest"] = max(lim["rest"], r.rest_after or 0.0)
        elif r.rule == "max_window" and r.window:
            lim["windows"].append((r.window, r.max_in_window))
    return lim


def _window_ok(segs: list[tuple[float, float]], new: tuple[float, float], windows) -> bool:
    allsegs = segs + [new]
    for w, cap in windows:
        starts = [s for s, _ in allsegs if s >= new[1] - w - 1e-9] + [new[1] - w]
        for t0 in starts:
            t1 = t0 + w
            tot = sum(max(0.0, min(e, t1) - max(s, t0)) for s, e in allsegs)
            if tot > cap + 1e-6:
                return False
    return True


def _attempt(drivers, lim, total, stint_laps, pit, dc, goal, margin, rng):
    n = len(drivers)
    driven = [0.0] * n
    segs: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    spell = [0.0] * n
    last_end = [-math.inf] * n
    cur = None
    t = 0.0
    out = []
    speed_rank = sorted(range(n), key=lambda i: (drivers[i]["lap_time"], CATEGORY_ORDER.get(drivers[i]["category"], 9)))
    while t < total - 1e-6:
        # laps of this stint: full stint or what is left to the flag (last stint)
        cands = []
        for i in range(n):
            lt = drivers[i]["lap_time"]
            stop = 0.0 if not out else pit + (dc if cur != i else 0.0)
            start = t + stop
            if start >= total:
                continue
            laps = stint_laps if start + stint_laps * lt < total else max(1, math.ceil((total - start) / lt))
            dur = laps * lt
            new_spell = (spell[i] if cur == i else 0.0) + dur
            if driven[i] + dur > lim[i]["max"] - (0.0 if math.isinf(lim[i]["max"]) else margin) + 1e-6:
                continue
            if new_spell > lim[i]["cont"] + 1e-6:
                continue
            if cur != i and spell_end_rest_bad(i, cur, start, last_end, lim, segs):
                continue
            if not _window_ok(segs[i], (start, start + dur), lim[i]["windows"]):
                continue
            cands.append((i, start, laps, dur))
        if not cands:
            return None
        left = max(total - t, 0.0)
        need = [max(0.0, lim[i]["min"] + (margin if lim[i]["min"] > 0 else 0.0) - driven[i]) for i in range(n)]
        typical = stint_laps * float(np.median([d["lap_time"] for d in drivers]))
        slack = typical + pit + dc
        by_i = {c[0]: c for c in cands}
        if sum(need) >= left - slack * (1 + rng.random()) and any(need[c[0]] > 0 for c in cands):
            pick = max((c for c in cands if need[c[0]] > 0), key=lambda c: (need[c[0]], c[0] == cur, rng.random()))
        elif goal == "fastest":
            order = [i for i in speed_rank if i in by_i]
            if rng.random() < 0.1 * (1 if out else 0):
                rng.shuffle(order)
            pick = by_i[order[0]]
        else:  # balanced
            pick = min(cands, key=lambda c: (driven[c[0]], c[0] != cur, rng.random()))
        i, start, laps, dur = pick
        if cur is not None and cur != i:
            last_end[cur] = t
            spell[cur] = 0.0
        spell[i] = (spell[i] if cur == i else 0.0) + dur
        driven[i] += dur
        segs[i].append((start, start + dur))
        out.append({"driver_i": i, "start": start, "end": start + dur, "laps": laps, "drive_time": dur,
                    "driver_change": bool(out) and cur != i})  # fmt: skip
        cur = i
        t = start + dur
    # all minimums met?
    for i in range(n):
        if driven[i] + 1e-6 < lim[i]["min"] + (margin if lim[i]["min"] > 0 else 0.0):
            return None
    return out


def spell_end_rest_bad(i, cur, start, last_end, lim, segs) -> bool:
    """Driver ``i`` gets back in before the rest owed after a maximal spell."""
    if not segs[i] or lim[i]["rest"] <= 0 or math.isinf(lim[i]["cont"]):
        return False
    # length of i's last spell: contiguous segments (separated only by stops) ending at last_end[i]
    total = 0.0
    prev_start = None
    for s, e in reversed(segs[i]):
        if prev_start is not None and prev_start - e > 600.0:
            break
        total += e - s
        prev_start = s
    return total >= lim[i]["cont"] - 1e-6 and start - last_end[i] < lim[i]["rest"]


def plan(
    crew,
    *,
    rules,
    hours: float,
    cls: str | None = None,
    stint_laps: int | None = None,
    lap_time=None,
    pit_time=None,
    driver_change=0.0,
    goal: str = "fastest",
    margin=900.0,
    car: str = "1",
    seed: int = 0,
    attempts: int = 300,
) -> dict:
    """Plan the schedule (module docstring). ``crew``: list of {name, category[, lap_time]}. Returns a JSON-ready dict."""
    from stintlab.analysis.rules import check_rules, load_rules

    rs = load_rules(rules)
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0 < hours <= 48:  # NaN fails too
        raise StintlabUsageError(f"--hours must be in (0, 48], got {hours}")
    if goal not in ("fastest", "balanced"):
        raise StintlabUsageError(f"unknown goal {goal!r} (fastest or balanced)")
    if isinstance(stint_laps, bool) or not isinstance(stint_laps, int) or not 1 <= stint_laps <= MAX_STINTS:
        raise StintlabUsageError(f"stint_laps (laps per stint) is required, a whole number from 1 to {MAX_STINTS}")
    base_lt = _secs(lap_time, "lap_time (typical lap)", positive=True)
    pit = _secs(pit_time, "pit_time (routine stop, pit lane)")
    dc = _secs(driver_change or 0.0, "driver_change")
    margin = _secs(margin, "margin")
    if not crew:
        raise StintlabUsageError("the crew is empty")
    drivers = []
    seen = set()
    for k, d in enumerate(crew, 1):
        if not isinstance(d, dict):
            raise StintlabUsageError(f"crew driver #{k} is not a {{name, category[, lap_time]}} entry")
        name = str(d.get("name") or d.get("driver") or "").strip()
        if not name:
            raise StintlabUsageError(f"crew driver #{k} has no name")
        if name in seen:
            raise StintlabUsageError(f"driver {name!r} appears twice in the crew")
        seen.add(name)
        cat = d.get("category")
        cat = None if cat in (None, "") else str(cat).strip().capitalize()
        if cat is not None and cat not in CATEGORY_ORDER:
            raise StintlabUsageError(f"driver {name}: unknown category {cat!r} (Platinum, Gold, Silver, Bronze)")
        lt = _secs(d["lap_time"], f"lap_time of {name}", positive=True) if d.get("lap_time") not in (None, "") else base_lt
        drivers.append({"name": name, "category": cat, "lap_time": lt})
    shortest = min(d["lap_time"] for d in drivers) * stint_laps
    if hours * 3600.0 / shortest > MAX_STINTS:  # bounds the planning loop
        raise StintlabUsageError(
            f"stints of {shortest:g} s make more than {MAX_STINTS} stints in {hours:g} h: check lap_time and stint_laps"
        )
    cls = cls or ""
    lim = [_limits(rs, cls, d["category"]) for d in drivers]
    total = hours * 3600.0
    need = sum(x["min"] + (margin if x["min"] > 0 else 0.0) for x in lim)
    if need > total:
        raise StintlabUsageError(
            f"the crew's minimum driving times ({need / 3600:.1f} h with margin) exceed the race ({hours:g} h)"
        )
    rng = np.random.default_rng(seed)
    cats = {(car, d["name"]): d["category"] for d in drivers if d["category"]}
    last_problem = "no attempt finished"
    for _ in range(attempts):
        sched = _attempt(drivers, lim, total, int(stint_laps), pit, dc, goal, margin, rng)
        if sched is None:
            last_problem = "every ordering tried broke a limit or left a minimum unmet"
            continue
        stints = _stint_rows(sched, drivers, car, cls)
        spells = _spells(stints)
        res = check_rules(spells, rs, cats, finished={car})
        viol = res["violations"]
        crew_bad = viol[viol["rule"].astype(str).str.contains("crew", case=False) | viol["driver"].isna()]
        if len(crew_bad):
            raise StintlabUsageError("the crew itself breaks the rules: " + "; ".join(crew_bad["detail"].astype(str)))
        if len(viol):
            last_problem = "; ".join(viol["detail"].astype(str).head(3))
            continue
        return _result(stints, spells, res, drivers, lim, rs, hours, cls, goal, margin, car, pit, dc, int(stint_laps))
    raise StintlabUsageError(f"no schedule satisfies {rs.name} for this crew in {hours:g} h ({last_problem})")


def _stint_rows(sched, drivers, car, cls) -> pd.DataFrame:
    rows = []
    lap = 0
    for k, s in enumerate(sched, 1):
        d = drivers[s["driver_i"]]
        rows.append(
            {
                "stint": k,
                "car": car,
                "class": cls,
                "driver": d["name"],
                "category": d["category"],
                "start": round(s["start"], 3),
                "end": round(s["end"], 3),
                "first_lap": lap + 1,
                "last_lap": lap + s["laps"],
                "laps": s["laps"],
                "drive_time": round(s["drive_time"], 3),
                "driver_change": s["driver_change"],
            }
        )
        lap += s["laps"]
    return pd.DataFrame(rows)


def _spells(stints: pd.DataFrame) -> pd.DataFrame:
    """Consecutive stints of one driver merged: the spells the rules checker reads."""
    new = stints["driver"].ne(stints["driver"].shift())
    sid = new.cumsum()
    g = stints.groupby(sid, sort=False)
    return pd.DataFrame(
        {
            "car": g["car"].first().to_numpy(),
            "driver": g["driver"].first().to_numpy(),
            "class": g["class"].first().to_numpy(),
            "start": g["start"].first().to_numpy(),
            "end": g["end"].last().to_numpy(),
            "drive_time": g["drive_time"].sum().to_numpy(),
            "first_lap": g["first_lap"].first().to_numpy(),
            "last_lap": g["last_lap"].last().to_numpy(),
            "laps": g["laps"].sum().to_numpy(),
        }
    )


def _result(stints, spells, res, drivers, lim, rs, hours, cls, goal, margin, car, pit, dc, stint_laps) -> dict:
    chk = res["drivers"].set_index("driver")
    drows = []
    for d, li in zip(drivers, lim, strict=True):
        tot = float(stints.loc[stints["driver"] == d["name"], "drive_time"].sum())
        r = chk.loc[d["name"]] if d["name"] in chk.index else None
        drows.append(
            {
                "driver": d["name"],
                "category": d["category"],
                "lap_time": d["lap_time"],
                "stints": int((stints["driver"] == d["name"]).sum()),
                "spells": int((spells["driver"] == d["name"]).sum()),
                "drive_time": tot,
                "min_total": li["min"] if li["min"] > 0 else None,
                "max_total": None if math.isinf(li["max"]) else li["max"],
                "margin_to_min": tot - li["min"] if li["min"] > 0 else None,
                "margin_to_max": None if math.isinf(li["max"]) else li["max"] - tot,
                "longest_spell": float(spells.loc[spells["driver"] == d["name"], "drive_time"].max())
                if (spells["driver"] == d["name"]).any()
                else 0.0,
                "worst_window": None if r is None else float(r["worst_window"]),
                "verdict": None if r is None else str(r["verdict"]),
            }
        )
    drows.sort(key=lambda x: -x["drive_time"])
    v = res["violations"]
    return {
        "rules": rs.name,
        "car": car,
        "class": cls,
        "hours": hours,
        "goal": goal,
        "margin": margin,
        "stint_laps": stint_laps,
        "pit_time": pit,
        "driver_change_time": dc,
        "stops": int(len(stints) - 1),
        "driver_changes": int(stints["driver_change"].sum()),
        "stints": stints.to_dict("records"),
        "drivers": drows,
        "check": {"verdict": "ok" if v.empty else "violation", "violations": v.to_dict("records")},
        "goal_result": _goal_result(goal, drows, lim, drivers, stints, margin, hours),
        "timeline": timeline(stints, hours),
    }


def _goal_result(goal, drows, lim, drivers, stints, margin, hours) -> dict:
    """How well the plan meets its goal. ``fastest``: the quickest driver's time against an upper
    bound (its maximum less the margin; the driving left once the others have their minimum plus
    margin; the window caps times the number of windows in the race). ``balanced``: the spread."""
    by = {d["driver"]: d for d in drows}
    if goal == "balanced":
        times = [d["drive_time"] for d in drows]
        return {
            "goal": goal,
            "spread": max(times) - min(times),
            "text": f"drive times within {_hm(max(times) - min(times))} of each other",
        }
    fi = min(range(len(drivers)), key=lambda i: (drivers[i]["lap_time"], CATEGORY_ORDER.get(drivers[i]["category"], 9)))
    f = drivers[fi]["name"]
    available = float(stints["drive_time"].sum())
    others = sum(li["min"] + (margin if li["min"] > 0 else 0.0) for i, li in enumerate(lim) if i != fi)
    bound = available - others
    if not math.isinf(lim[fi]["max"]):
        bound = min(bound, lim[fi]["max"] - margin)
    for w, cap in lim[fi]["windows"]:
        bound = min(bound, cap * math.ceil(hours * 3600.0 / w))
    got = by[f]["drive_time"]
    return {"goal": goal, "driver": f, "drive_time": got, "upper_bound": bound, "share_of_bound": got / bound if bound > 0 else None,
            "text": f"{f} (fastest) drives {_hm(got)} of at most {_hm(bound)} possible ({got / bound:.0%})" if bound > 0 else f"{f} drives {_hm(got)}"}  # fmt: skip


def _hm(t: float) -> str:
    m = int(round(t / 60.0))
    return f"{m // 60}h{m % 60:02d}"


def timeline(stints: pd.DataFrame, hours: float, width: int = 96) -> list[str]:
    """One text row per driver: '#' where the driver is in the car (each cell = hours / width).

    >>> st = pd.DataFrame({"driver": ["A", "B"], "start": [0.0, 3600.0], "end": [3600.0, 7200.0]})
    >>> timeline(st, 2, width=8)
    ['A  ####....', 'B  ....####']
    """
    total = hours * 3600.0
    names = list(dict.fromkeys(stints["driver"]))
    pad = max(len(n) for n in names)
    rows = []
    for n in names:
        cells = ["."] * width
        for s, e in stints.loc[stints["driver"] == n, ["start", "end"]].itertuples(index=False):
            a = int(s / total * width)
            b = max(a + 1, int(math.ceil(e / total * width - 1e-9)))
            for k in range(a, min(b, width)):
                cells[k] = "#"
        rows.append(f"{n.ljust(pad)}  " + "".join(cells))
    return rows
