"""Every tunable threshold of the analysis, in one frozen, documented place.

The analysis modules read their thresholds from :data:`THRESHOLDS` (their module constants, e.g.
``stintlab.analysis.stops.GARAGE_MIN``, are bound to these values); docs/analysis.md and
docs/metrics.md explain each rule. The values are the ones the corpus checks were made with:
change one and the tests say which facts move.

>>> from stintlab.config import THRESHOLDS
>>> THRESHOLDS.garage_min, THRESHOLDS.slow_zone_ratio
(300.0, 1.25)
>>> THRESHOLDS.garage_min = 10.0
Traceback (most recent call last):
...
dataclasses.FrozenInstanceError: cannot assign to field 'garage_min'
>>> [f for f in THRESHOLDS.describe() if f[0] == "min_clean_laps"][0][1:]
(10, 'laps', 'pace', 'Fewer clean laps than this flag a driver figure as based on few laps.')
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = ["Thresholds", "THRESHOLDS", "thresholds_markdown"]


def _t(value, unit: str, module: str, meaning: str):
    return field(default=value, metadata={"unit": unit, "module": module, "meaning": meaning})


@dataclass(frozen=True)
class Thresholds:
    """The analysis thresholds (value, unit, owning module, meaning)."""

    # neutralisations (analysis/flags.py)
    flag_merge_gap: float = _t(20.0, "s", "flags", "Runs of one neutral flag closer than this are one phase.")
    infer_ratio: float = _t(1.6, "", "flags", "Field slowdown (lap / usual lap) that starts an inferred phase.")
    infer_extend_ratio: float = _t(1.15, "", "flags", "Field slowdown that keeps an inferred phase going.")
    infer_red_ratio: float = _t(4.0, "", "flags", "Field slowdown read as a red flag (cars stopped).")
    infer_window_fraction: float = _t(0.5, "laps", "flags", "Half window of the field median, in typical laps.")
    infer_min_crossings: int = _t(5, "crossings", "flags", "Smallest inferred phase.")
    sc_min_duration: float = _t(600.0, "s", "flags", "An inferred phase this long is a safety car, else an FCY.")
    # slow zones (analysis/slowzones.py)
    slow_zone_ratio: float = _t(1.25, "", "slowzones", "Field slowdown in one sector that makes a slow zone.")
    slow_zone_local: float = _t(0.15, "", "slowzones", "How much more than the least-affected sector it must be.")
    slow_zone_half_window: float = _t(150.0, "s", "slowzones", "Half window of the sector field median.")
    slow_zone_min_passages: int = _t(8, "passages", "slowzones", "Smallest zone.")
    slow_zone_min_duration: float = _t(60.0, "s", "slowzones", "Shortest zone.")
    slow_zone_join_gap: float = _t(180.0, "s", "slowzones", "Slowed passages closer than this are one zone.")
    slow_zone_phase_min: float = _t(300.0, "s", "slowzones", "Shortest zone listed among the race's phases and a car's events.")
    slow_zone_story_min: float = _t(600.0, "s", "slowzones", "Shortest zone a car's story tells (when the car pitted in it).")
    code60_ratio: float = _t(1.06, "", "slowzones", "Nordschleife (source sectors S1..S5): field slowdown in one sector that makes a Code 60 zone (60 km/h over a few hundred metres of a 1-4 min sector).")
    code60_local: float = _t(0.05, "", "slowzones", "Nordschleife: how much more than the least-affected sector a Code 60 zone must be slowed.")
    code60_min_duration: float = _t(300.0, "s", "slowzones", "Nordschleife: shortest Code 60 zone (a zone is kept while marshals work: minutes, not seconds).")
    full_course_ratio: float = _t(1.5, "", "slowzones", "Files without flags: a sector passage this much slower than the car's usual is slowed by a whole-course neutralisation when half the passages in progress in every sector are (rain or night: 1.25 at most per sector; Nordschleife: a full-course Code 60).")
    full_course_min_duration: float = _t(30.0, "s", "slowzones", "Shortest whole-course neutralisation found from sector times.")
    # incidents (analysis/incidents.py)
    incident_ratio: float = _t(1.10, "", "incidents", "Lap / expected lap from which a lap is an incident.")
    incident_min_loss: float = _t(8.0, "s", "incidents", "Least time lost (also against the class) for an incident.")
    incident_window: int = _t(11, "laps", "incidents", "Centred window of the car's own pace.")
    # stops (analysis/stops.py)
    garage_min: float = _t(300.0, "s", "stops", "Least pit time of a garage stop.")
    garage_factor: float = _t(3.0, "", "stops", "Garage stop: pit time at least this times the class median.")
    long_sigmas: float = _t(4.0, "sigma", "stops", "Long stop: over the class median by this many robust sigmas...")
    long_fraction: float = _t(0.25, "", "stops", "... and by at least this share of the median.")
    min_stops: int = _t(5, "stops", "stops", "Fewest stops for a class baseline (else race-wide).")
    drive_through_factor: float = _t(1.15, "", "stops", "Drive-through: pit time within this times the pit-lane transit...")
    drive_through_share: float = _t(0.6, "", "stops", "... and under this share of the median service stop.")
    in_lap_min_loss: float = _t(30.0, "s", "stops", "On-track loss of an in-lap that makes it an incident.")
    stop_pace_laps: int = _t(5, "laps", "stops", "Clean laps on each side of a stop that make the car's pace around it.")
    stop_pace_change: float = _t(0.05, "", "stops", "Pace before and after a stop differing by more than this share: the reference is uncertain.")
    # standings by distance (analysis/distance.py)
    distance_hold_factor: float = _t(3.0, "", "distance", "A stretch between two timing points taking more than this times the class reference is a stop: the car holds its distance, then runs the stretch at reference pace.")
    distance_ref_ratio: float = _t(1.07, "", "distance", "Reference laps (sector shares, class lap): racing laps within this ratio of the class's 5th-percentile lap.")
    gap_samples: int = _t(600, "", "distance", "Instants sampled over the race for the gap chart (gap history by distance).")
    gap_chart_laps: float = _t(1.0, "laps", "distance", "Gap chart (report/charts.py): cars further behind their class leader at their last crossing start hidden (one click shows them).")
    # race state (analysis/classification.py)
    snapshot_slack_laps: float = _t(1.5, "laps", "classification", "In a snapshot, a car whose last crossing is within this many of its laps of the end is running.")
    # pace (analysis/pace.py, rankings.py)
    index_window: float = _t(900.0, "s", "pace", "Half window of the same-class reference of the performance index.")
    index_min_reference: int = _t(5, "laps", "pace", "Fewest reference laps for an index.")
    index_min_cars: int = _t(3, "cars", "pace", "Fewest cars in the reference of an index.")
    index_bin: float = _t(300.0, "s", "pace", "Time bins of the index reference.")
    min_clean_laps: int = _t(10, "laps", "pace", "Fewer clean laps than this flag a driver figure as based on few laps.")
    long_lap: float = _t(360.0, "s", "pace", "A race whose median clean lap is this long or longer (the Nordschleife: 8-10 min) counts min_clean_laps_long instead.")
    min_clean_laps_long: int = _t(4, "laps", "pace", "min_clean_laps on long laps: 4 laps of 6 min or more rank drivers as stably as 10 do at Sebring (benchmarks/clean_laps_stability.py).")
    stint_trim: float = _t(0.10, "", "pace", "Share of a stint's slowest laps left out of the stint average.")
    traffic_gap: float = _t(1.0, "s", "laptimes", "A green lap is in traffic when the car crossed the line less than this after another car.")
    min_slope_laps: int = _t(5, "laps", "laptimes", "Fewest clean laps in a stint for a degradation slope.")
    n_boot: int = _t(200, "resamples", "rankings",
                     "Bootstrap resamples of the rank intervals (metrics other than the medians, whose interval is exact).")
    ci_level: float = _t(0.90, "", "rankings", "Level of the rank intervals.")

    def describe(self) -> list[tuple]:
        """(name, value, unit, module, meaning) of every threshold, for docs and ``--verbose``."""
        return [(f.name, getattr(self, f.name), f.metadata["unit"], f.metadata["module"], f.metadata["meaning"])
                for f in fields(self)]  # fmt: skip


THRESHOLDS = Thresholds()
"""The thresholds in force."""


def thresholds_markdown() -> str:
    """docs/thresholds.md (``python -m stintlab.config > docs/thresholds.md``; a test checks it)."""
    out = [
        "# Thresholds",
        "",
        "Every tunable threshold of the analysis, from `stintlab.config.THRESHOLDS` (generated:",
        "`python -m stintlab.config > docs/thresholds.md`). The rules that use them are in docs/analysis.md",
        "and docs/metrics.md.",
        "",
        "| name | value | unit | module | meaning |",
        "|---|---|---|---|---|",
    ]
    out += [f"| `{n}` | {v} | {u} | `analysis/{m}.py` | {t} |" for n, v, u, m, t in THRESHOLDS.describe()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates docs/thresholds.md
    print(thresholds_markdown(), end="")
