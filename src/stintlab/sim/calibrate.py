"""Fit the simulator's parameters from the real corpus and write ``params.toml``.

Le Mans races (``lemans-*`` in the corpus MANIFEST) give the per-class pace, stint, stop,
incident and neutralisation figures; the IMSA races (official results carry FIA
categories) give the pace and consistency of each driver category. Each figure is the
median over the races that have it (see :func:`stintlab.sim.stats.race_stats`).

>>> print(to_toml({"a": {"x": 1.5, "name": "LM", "v": [1, 2]}}).strip())
[a]
x = 1.5
name = "LM"
v = [1, 2]
"""

from __future__ import annotations

import csv
import datetime as _dt
from pathlib import Path

import numpy as np

from stintlab.errors import StintlabUsageError
from stintlab.sim.stats import race_stats

__all__ = ["calibrate", "to_toml", "corpus_races", "PARAMS_PATH"]

PARAMS_PATH = Path(__file__).with_name("params.toml")

CLASS_KEYS = [
    "median_lap",
    "car_spread",
    "lap_iqr",
    "slow_share",
    "slow_excess",
    "stint_laps",
    "pit_time",
    "pit_time_iqr",
    "long_stops_per_car_24h",
    "garage_stops_per_car_24h",
    "top_speed",
    "driver_change_extra",
]
RACE_KEYS = [
    "in_lap_extra",
    "out_lap_extra_minus_pit",
    "stint_slope",
    "retired_share",
    "evolution_per_hour",
    "night_effect",
    "long_stop_median",
    "garage_stop_median",
]
RANGE_KEYS = ["retired_share", "sc_share", "fcy_share"]
FLAG_KEYS = [
    "sc_share",
    "fcy_share",
    "sc_periods_per_24h",
    "sc_median_duration",
    "fcy_periods_per_24h",
    "fcy_median_duration",
    "red_periods_per_24h",
    "sc_lap_ratio",
    "fcy_lap_ratio",
]


def corpus_races(corpus_dir) -> list[dict]:
    """Rows of the corpus MANIFEST.csv that have a lap file (with absolute paths)."""
    corpus = Path(corpus_dir)
    man = corpus / "MANIFEST.csv"
    if not man.is_file():
        raise StintlabUsageError(f"{corpus} is not a race corpus (no MANIFEST.csv)")
    rows = []
    with open(man, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("laps_file"):
                r["laps_path"] = corpus / r["race"] / r["laps_file"]
                r["results_path"] = corpus / r["race"] / r["results_file"] if r.get("results_file") else None
                rows.append(r)
    return rows


def _median(values) -> float:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    return float(np.median(v)) if len(v) else float("nan")


def calibrate(corpus_dir, *, progress=None) -> dict:
    """Parameters fitted on the corpus: a nested dict ready for :func:`to_toml`."""
    import stintlab

    rows = corpus_races(corpus_dir)
    lemans = [r for r in rows if r["race"].startswith("lemans-")]
    imsa = [r for r in rows if r["series"] == "IMSA" and r.get("results_path")]
    if not lemans:
        raise StintlabUsageError(f"no Le Mans race in {corpus_dir}: the simulator is calibrated on 24 h races")
    per_class: dict[str, list[dict]] = {}
    race_level: list[dict] = []
    for r in lemans:
        if progress:
            progress(r["race"])
        race = stintlab.load(r["laps_path"], find_results=False)
        s = race_stats(race.laps)
        race_level.append(s)
        for cls, cs in s["classes"].items():
            per_class.setdefault(cls, []).append(cs)
    cat_rows: dict[str, list[dict]] = {}
    for r in imsa:
        if progress:
            progress(r["race"])
        race = stintlab.load(r["laps_path"], results=r["results_path"])
        d = race.drivers
        cats = {(str(x.car), str(x.driver)): x.category for x in d.itertuples() if isinstance(x.category, str)}
        s = race_stats(race.laps, cats)
        for cat, cs in s.get("categories", {}).items():
            cat_rows.setdefault(cat, []).append(cs)

    params: dict = {
        "meta": {
            "generated_by": "stintlab calibrate",
            "date": _dt.date.today().isoformat(),
            "lemans_races": [r["race"] for r in lemans],
            "category_races": [r["race"] for r in imsa],
        },
        "race": {k: round(_median(s.get(k) for s in race_level), 6) for k in RACE_KEYS},
        "flags": {},
        "ranges": {},
        "classes": {},
        "categories": {},
    }
    flagged = [s for s in race_level if "sc_share" in s]
    params["meta"]["flag_races"] = [r["race"] for r, s in zip(lemans, race_level) if "sc_share" in s]
    for k in FLAG_KEYS:
        v = _median(s.get(k) for s in flagged)
        params["flags"][k] = round(0.0 if not np.isfinite(v) else v, 6)
    for k in RANGE_KEYS:
        vals = [s[k] for s in race_level if k in s and np.isfinite(s[k])]
        params["ranges"][k] = [round(min(vals), 6), round(max(vals), 6)]
    params["flags"]["red_median_duration"] = round(
        _median(s.get("red_median_duration") for s in flagged)
        if any(s.get("red_periods_per_24h") for s in flagged)
        else 1800.0,
        3,
    )
    for cls, items in sorted(per_class.items()):
        if len(items) and sum(i["cars"] for i in items) < 3:
            continue
        c = {k: round(_median(i.get(k) for i in items), 6) for k in CLASS_KEYS}
        c["sector_share"] = [round(_median(i["sector_share"][j] for i in items), 5) for j in range(3)]
        c["races"] = len(items)
        params["classes"][cls] = c
    for cat, items in sorted(cat_rows.items()):
        params["categories"][cat] = {
            "offset": round(_median(i["offset_vs_car_best"] for i in items), 6),
            "lap_iqr": round(_median(i["lap_iqr"] for i in items), 6),
            "drivers": int(sum(i["drivers"] for i in items)),
        }
    return params


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return "nan" if not np.isfinite(f) else repr(f)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def to_toml(params: dict) -> str:
    """A small TOML writer for nested dicts of scalars and lists (tables up to two levels)."""
    lines: list[str] = []

    def table(prefix: str, d: dict) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in d.items() if isinstance(v, dict)}
        if scalars:
            lines.append(f"[{prefix}]")
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
            lines.append("")
        for k, v in subs.items():
            table(f"{prefix}.{_key(k)}", v)

    for k, v in params.items():
        table(_key(k), v)
    return "\n".join(lines)


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else f'"{k}"'
