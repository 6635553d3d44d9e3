"""The strategy-projection table of :mod:`stintlab.sim.projections` (merged into :data:`stintlab.schema.tables.TABLES`)."""

from __future__ import annotations

from stintlab.schema.columns import CAR, CLASS
from stintlab.schema.columns import derived as _c
from stintlab.schema.laps import ColumnSpec

__all__ = ["PROJECTION_TABLES", "PROJECTION_TITLES"]

PROJECTIONS = (
    CAR, CLASS,
    _c("position", "int64", "", "Overall position at the projection time (laps, then time of the last crossing)."),
    _c("class_position", "int64", "", "Class position at the projection time (same order)."),
    _c("laps", "int64", "", "Laps completed at the projection time."),
    _c("race_time", "float64", "s", "Race time of the car's last crossing at or before the projection time."),
    _c("in_pit", "bool", "", "That crossing was an in-lap."),
    _c("running", "bool", "", "The car crossed the line within the last 30 minutes (and 5 of its laps): not stopped."),
    _c("lap_pace", "float64", "s", "Current average clean lap: mean of the car's clean laps in the last 2 h (fallbacks: pace_source)."),
    _c("lap_pace_sd", "float64", "s", "Standard deviation of those laps (calibrated class spread when too few)."),
    _c("pace_source", "string", "", "car_recent (last 2 h), car_race (race so far) or class (class median)."),
    _c("green_lap", "float64", "s", "lap_pace x (1 + the class's green overhead so far: traffic and small offs)."),
    _c("expected_lap", "float64", "s", "Race time one lap costs from now on average: green lap, neutralisation share and ratio, stop loss spread over the stint."),
    _c("stop_loss", "float64", "s", "Median time lost in the car's normal green stops so far, shrunk to the class median with a weight of 4 stops (fallbacks: stop_source)."),
    _c("stop_source", "string", "", "car, class (median of the class's normal stops) or params (calibrated pit time)."),
    _c("stint_laps", "float64", "", "Median laps of the car's completed stints (3 laps or more)."),
    _c("stint_laps_max", "int64", "", "Longest completed stint, laps."),
    _c("stint_time", "float64", "s", "Median duration of those stints (pit-lane time of the stop that started each included)."),
    _c("stint_time_max", "float64", "s", "Longest stint duration."),
    _c("stint_source", "string", "", "car (2 or more completed stints), class or params."),
    _c("stint_laps_now", "int64", "", "Laps in the current stint (0 when the last crossing was an in-lap)."),
    _c("laps_to_flag", "int64", "", "Projected laps still to run to the chequered flag (0 when stopped)."),
    _c("final_laps", "int64", "", "laps + laps_to_flag."),
    _c("final_laps_p10", "Int64", "", "10th percentile of final laps in the Monte Carlo (runs where the car takes the flag); <NA> without a Monte Carlo (runs=0)."),
    _c("final_laps_p90", "Int64", "", "90th percentile of the same."),
    _c("stops_remaining", "int64", "", "Projected refuelling stops before the flag."),
    _c("stops_p10", "Int64", "", "10th percentile of stops before the flag in the Monte Carlo (repairs and garage visits included)."),
    _c("stops_p90", "Int64", "", "90th percentile of the same."),
    _c("next_stop_lap", "Int64", "", "Expected next in-lap (<NA> when stopped)."),
    _c("window_open_lap", "Int64", "", "Earliest expected next in-lap: the 25th-percentile stint."),
    _c("window_close_lap", "Int64", "", "Latest next in-lap: the longest stint seen."),
    _c("next_stop_time", "float64", "s", "Race time of the expected next in-lap; NaN when stopped."),
    _c("class_position_mean", "float64", "", "Mean class position at the flag over the Monte Carlo runs."),
    _c("class_position_median", "Int64", "", "Median of the same."),
    _c("class_position_p10", "Int64", "", "10th percentile (best plausible)."),
    _c("class_position_p90", "Int64", "", "90th percentile (worst plausible)."),
    _c("p_retire", "float64", "", "Share of Monte Carlo runs where the car does not take the flag (0..1)."),
    _c("car_ahead", "string", "", "The car directly ahead in class at the projection time; <NA> for the class leader."),
    _c("gap_ahead_s", "float64", "s", "Last crossing minus the time the car ahead completed the same lap."),
    _c("catch_delta", "float64", "s", "Seconds per lap to find over the projected pace to be level with the car ahead at the flag; negative: catches it at the current pace; NaN when the car ahead is stopped."),
    _c("p_ahead_at_flag", "float64", "", "Share of Monte Carlo runs where the car finishes ahead of car_ahead (0..1)."),
)  # fmt: skip

PROJECTION_TABLES: dict[str, tuple[ColumnSpec, ...]] = {"projections": PROJECTIONS}
PROJECTION_TITLES: dict[str, tuple[str, str, str]] = {
    "projections": ("Strategy projections", "`sim.projections.project`", "`project`"),
}
