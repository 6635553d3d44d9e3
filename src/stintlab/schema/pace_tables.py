"""The pace-view tables of :mod:`stintlab.analysis.laptimes` (merged into :data:`stintlab.schema.tables.TABLES`)."""

from __future__ import annotations

from stintlab.schema.columns import CAR, CLASS, DRIVER, DRIVER_SLOT
from stintlab.schema.columns import derived as _c
from stintlab.schema.laps import ColumnSpec

__all__ = ["PACE_TABLES", "PACE_TITLES"]

_LAP = _c("lap", "int64", "", "Lap number of the car.")
_STINT = _c("stint", "int64", "", "1-based stint number within the car.")

LAP_TRACE = (
    CAR, DRIVER, CLASS, _LAP, _STINT,
    _c("lap_in_stint", "int64", "", "1-based lap number within the stint (the out-lap is 1)."),
    _c("race_time", "float64", "s", "Race time of the crossing that ended the lap."),
    _c("lap_time", "float64", "s", "Lap time."),
    _c("s1", "float64", "s", "Sector 1 time."),
    _c("s2", "float64", "s", "Sector 2 time."),
    _c("s3", "float64", "s", "Sector 3 time."),
    _c("in_lap", "bool", "", "The lap ended in the pit lane (in-lap)."),
    _c("out_lap", "bool", "", "The lap started in the pit lane (out-lap)."),
    _c("pit_lap", "bool", "", "in_lap or out_lap."),
    _c("neutralised", "bool", "", "Run (at least partly) under SC, FCY or red flag (annotated table)."),
    _c("slow_zone", "bool", "", "A sector was driven inside a slow zone (annotated table)."),
    _c("incident", "bool", "", "An abnormally slow racing lap (annotated table)."),
    _c("clean", "bool", "", "Clean lap (annotated table's rule; lap time known)."),
    _c("line_gap", "float64", "s", "Seconds to the nearest other on-track crossing of the line (before or after); NaN when alone."),
    _c("traffic", "bool", "", "Green lap (not neutralised, not in- or out-lap) with line_gap under the traffic threshold (1.0 s)."),
)  # fmt: skip

STINT_PACE = (
    CAR, _STINT, _c("driver", "string", "", "Driver of the stint (its first lap naming one)."), CLASS,
    _c("lap_start", "int64", "", "First lap."),
    _c("lap_end", "int64", "", "Last lap."),
    _c("laps", "int64", "", "Laps in the stint."),
    _c("clean_laps", "int64", "", "Clean laps in the stint."),
    _c("clean_avg", "float64", "s", "Mean clean lap of the stint; NaN without clean laps."),
    _c("best", "float64", "s", "Fastest clean lap of the stint."),
    _c("slope", "float64", "s", "Degradation, seconds per lap: OLS slope of clean lap time on lap_in_stint (positive: slowing); NaN under 5 clean laps."),
    _c("slope_se", "float64", "s", "Standard error of slope (seconds per lap): sqrt(SSR / (n - 2) / Sxx)."),
    _c("start", "float64", "s", "Race time the stint started (stints table: the crossing that ended the previous stint)."),
    _c("end", "float64", "s", "Race time of the stint's last crossing."),
    _c("spell_stint", "int64", "", "Place of the stint in the driver's run of consecutive stints (1 = first)."),
    _c("spell_stints", "int64", "", "Stints in that run: 2 = double stint, 3 = triple stint."),
    _c("traffic_laps", "int64", "", "Green laps in traffic (lap trace)."),
    _c("traffic_share", "float64", "", "traffic_laps / green laps of the stint (0..1); NaN without green laps."),
)  # fmt: skip

SECTORS = (
    CAR, DRIVER, CLASS,
    _c("clean_laps", "int64", "", "Clean laps of the driver."),
    _c("best_s1", "float64", "s", "Fastest clean sector 1."),
    _c("best_s2", "float64", "s", "Fastest clean sector 2."),
    _c("best_s3", "float64", "s", "Fastest clean sector 3."),
    _c("ideal_lap", "float64", "s", "best_s1 + best_s2 + best_s3 (driver metrics' ideal lap)."),
    _c("best_lap", "float64", "s", "Fastest clean lap."),
    _c("gap_s1", "float64", "s", "best_s1 minus the class's best clean sector 1."),
    _c("gap_s2", "float64", "s", "best_s2 minus the class's best clean sector 2."),
    _c("gap_s3", "float64", "s", "best_s3 minus the class's best clean sector 3."),
    _c("gap_ideal", "float64", "s", "ideal_lap minus the class's best ideal lap."),
    _c("top_speed", "float64", "km/h", "Highest TOP_SPEED on any of the driver's laps; NaN when the file has none."),
)  # fmt: skip

DRIVE_SHARES = (
    CAR, DRIVER, DRIVER_SLOT, CLASS,
    _c("total", "float64", "s", "Drive time as the series' rules count it: drive_time's total (pit time excluded) or total_with_pits (counts_pit)."),
    _c("share", "float64", "", "total / the car's total drive time (0..1)."),
    _c("longest_spell", "float64", "s", "Drive time of the longest continuous spell."),
    _c("spells", "int64", "", "Spells driven."),
    _c("laps", "int64", "", "Laps driven."),
    _c("min_total", "float64", "s", "The rule set's minimum drive time for this driver; NaN without a rule set or rule."),
    _c("meets_minimum", "boolean", "", "total >= min_total; <NA> when no minimum applies."),
    _c("counts_pit", "bool", "", "total includes the pit stops (the rule set's [counting] exclude_pit = false, e.g. NLS: WIGE's FAHRERn_ZEIT)."),
)  # fmt: skip

BATTLE = (
    _c("lap", "int64", "", "The lap car B completed at race_time."),
    _c("race_time", "float64", "s", "Race time of car B's crossing."),
    _c("progress_a", "float64", "", "Laps car A had done at that moment, interpolated between its crossings."),
    _c("gap_laps", "float64", "", "Laps: progress_a - lap: positive when car B is behind."),
    _c("ref_lap", "float64", "s", "Median clean lap of the two cars."),
    _c("gap", "float64", "s", "gap_laps x ref_lap: the gap in seconds at green pace (not inflated under a safety car)."),
    _c("gap_equal_lap", "float64", "s", "race_time minus the time car A completed the same lap (the timing screen's gap); NaN when A never did."),
    _c("stop_a", "bool", "", "Car A crossed the line in the pit lane since car B's previous crossing."),
    _c("stop_b", "bool", "", "That lap was car B's in-lap."),
    _c("neutralised", "bool", "", "Car B's lap was neutralised."),
)  # fmt: skip

PACE_TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "lap_trace": LAP_TRACE,
    "stint_pace": STINT_PACE,
    "sectors": SECTORS,
    "drive_shares": DRIVE_SHARES,
    "battle": BATTLE,
}

PACE_TITLES: dict[str, tuple[str, str, str]] = {
    "lap_trace": ("Lap-time trace", "`analysis.laptimes.lap_trace`, `race.lap_trace`", ""),
    "stint_pace": ("Stint pace", "`analysis.laptimes.stint_pace`, `race.stint_pace`", ""),
    "sectors": ("Sectors, ideal lap and top speed", "`analysis.laptimes.sector_table`, `race.sectors`", ""),
    "drive_shares": ("Drive-time shares", "`analysis.laptimes.drive_shares`, `race.drive_shares()`", ""),
    "battle": ("Battle of two cars", "`analysis.laptimes.battle`, `race.battle(a, b)`", ""),
}  # fmt: skip
