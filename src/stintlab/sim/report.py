"""Calibration report: figures of a simulated race next to the real ones, with tolerances.

The real figures are the calibrated parameters (medians over the corpus races, see
:mod:`stintlab.sim.calibrate`); the simulated ones are measured on a simulated race with
the same code (:func:`stintlab.sim.stats.race_stats`). Tolerances (also in docs/sim.md):

- relative: median clean lap ±1.5 %, routine pit-lane time ±8 %, within-driver lap IQR ±35 % (per
  class, and per FIA category against the IMSA figures),
  spread of the cars' median laps ±50 %, safety-car lap ratio ±15 %;
- absolute: stint length ±1 lap, slow-lap share ±0.05, in-lap extra ±2 s, out-lap extra
  ±3 s, long stops per car ±1 per 24 h, category pace offset ±0.006 (0.6 % of a lap);
- range: share of laps under safety car, share under FCY and share of cars retired must lie
  within the range seen over the real Le Mans races (min..max); these three vary a lot from race
  to race, so the simulated value is the median over five simulated races (seeds S..S+4).
"""

from __future__ import annotations

import math

__all__ = ["calibration_report", "TOLERANCES", "VOLATILE"]

VOLATILE = ("sc_share", "fcy_share", "retired_share")

TOLERANCES = {
    "median_lap": ("rel", 0.015),
    "pit_time": ("rel", 0.08),
    "lap_iqr": ("rel", 0.35),
    "car_spread": ("rel", 0.5),
    "stint_laps": ("abs", 1.0),
    "slow_share": ("abs", 0.008),
    "long_stops_per_car_24h": ("abs", 1.0),
    "in_lap_extra": ("abs", 2.0),
    "out_lap_extra_minus_pit": ("abs", 3.0),
    "sc_lap_ratio": ("rel", 0.15),
    "category_offset": ("abs", 0.006),
    "category_lap_iqr": ("rel", 0.35),
}


def _row(figure, cls, real, sim, tol) -> dict:
    kind, value = tol
    if kind == "range":
        lo, hi = value
        ok = sim is not None and math.isfinite(sim) and lo - 1e-9 <= sim <= hi + 1e-9
        text = f"{lo:.3g}..{hi:.3g}"
    elif kind == "rel":
        ok = sim is not None and math.isfinite(sim) and abs(sim - real) <= value * abs(real) + 1e-9
        text = f"±{value:.1%}"
    else:
        ok = sim is not None and math.isfinite(sim) and abs(sim - real) <= value + 1e-9
        text = f"±{value:g}"
    return {"figure": figure, "class": cls, "real": real, "simulated": sim, "tolerance": text, "ok": bool(ok)}


def calibration_report(
    params: dict | None = None,
    *,
    seed: int | None = None,
    hours: float = 24.0,
    extra_seeds: int = 8,
    reference: dict | None = None,
) -> list[dict]:
    """Rows {figure, class, real, simulated, tolerance, ok} for a simulated race of the demo entry list
    (the shares of :data:`VOLATILE` are medians over that race and ``extra_seeds`` more).

    ``params`` drive the simulation; the real figures come from ``reference`` (calibrated parameters of
    the same shape), by default ``params`` themselves (the checked-in ones measured on the corpus)."""
    from stintlab.sim.demo import DEMO_SEED
    from stintlab.sim.model import demo_entries, load_params
    from stintlab.sim.simulate import simulate
    from stintlab.sim.stats import race_stats

    params = params or load_params()
    ref = reference or params
    seed = DEMO_SEED if seed is None else seed
    entries = demo_entries(seed=seed)
    laps = simulate(entries, hours=hours, seed=seed, params=params)
    cats = {(e.car, d.name): d.category for e in entries for d in e.crew}
    s = race_stats(laps, cats)
    rows = []
    for cls in sorted({e.cls for e in entries}):
        real = ref["classes"][cls]
        got = s["classes"].get(cls, {})
        for k in (
            "median_lap",
            "car_spread",
            "stint_laps",
            "pit_time",
            "lap_iqr",
            "slow_share",
            "long_stops_per_car_24h",
        ):
            rows.append(_row(k, cls, real[k], got.get(k), TOLERANCES[k]))
    for k in ("in_lap_extra", "out_lap_extra_minus_pit"):
        rows.append(_row(k, "", ref["race"][k], s.get(k), TOLERANCES[k]))
    rows.append(_row("sc_lap_ratio", "", ref["flags"]["sc_lap_ratio"], s.get("sc_lap_ratio"), TOLERANCES["sc_lap_ratio"]))
    # race-level shares vary a lot from one race to the next (real and simulated alike): the
    # simulated figure is their median over the race above and ``extra_seeds`` more races
    vol = {k: [s.get(k)] for k in VOLATILE}
    for extra in range(1, extra_seeds + 1):
        s2 = race_stats(simulate(demo_entries(seed=seed + extra), hours=hours, seed=seed + extra, params=params))
        for k in VOLATILE:
            vol[k].append(s2.get(k))
    for k in VOLATILE:
        v = sorted(x for x in vol[k] if x is not None and math.isfinite(x))
        sim = float(v[len(v) // 2]) if v else None
        real = ref["flags"].get(k, ref["race"].get(k))
        rows.append(_row(k, "", real, sim, ("range", ref["ranges"][k])))
    for cat, real in sorted(ref["categories"].items()):
        got = s.get("categories", {}).get(cat, {})
        rows.append(
            _row("category_offset", cat, real["offset"], got.get("offset_vs_car_best"), TOLERANCES["category_offset"])
        )
        rows.append(_row("category_lap_iqr", cat, real["lap_iqr"], got.get("lap_iqr"), TOLERANCES["category_lap_iqr"]))
    return rows
