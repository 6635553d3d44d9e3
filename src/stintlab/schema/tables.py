"""The annotated lap table and every output table of :mod:`stintlab.analysis`, written down as data.

Each table is a tuple of :class:`~stintlab.schema.laps.ColumnSpec` (name, dtype, unit, meaning) in the
order the analysis returns its columns. ``docs/tables.md`` is generated from :data:`TABLES`
(:func:`tables_markdown`; ``tests/test_schema_tables.py`` checks the document, and that the tables of
real races match their schema: names and dtype kinds).

dtype is the pandas dtype the analysis produces; what a check compares is its *kind* (:func:`dtype_kind`):
``text`` (string / str / object holding strings), ``int`` (numpy or nullable integers), ``float``,
``bool`` and ``list`` (object holding lists of car numbers).

>>> [c.name for c in TABLES["phases"]][:4]
['phase', 'kind', 'start', 'end']
>>> dtype_kind("Int32"), dtype_kind("string"), dtype_kind("float64")
('int', 'text', 'float')
>>> import pandas as pd
>>> check_columns(pd.DataFrame({"car": ["1"]}), "laps", "stints()", ["car", "lap", "elapsed"])
Traceback (most recent call last):
...
stintlab.errors.StintlabUsageError: stints() needs lap table column(s) lap, elapsed (see docs/data.md)
"""

from __future__ import annotations

from stintlab.errors import StintlabUsageError
from stintlab.schema.category_tables import CATEGORY_TABLES, CATEGORY_TITLES
from stintlab.schema.columns import (  # noqa: F401  (shared columns, re-exported)
    CAR,
    CLASS,
    CLASS_POSITION,
    DRIVER,
    DRIVER_SLOT,
    HOUR,
    IN_PIT,
    POSITION,
    RACE_TIME,
    TEAM,
    derived,
)
from stintlab.schema.laps import LAP_COLUMNS, ColumnSpec
from stintlab.schema.pace_tables import PACE_TABLES, PACE_TITLES
from stintlab.schema.projection_tables import PROJECTION_TABLES, PROJECTION_TITLES
from stintlab.schema.standings import DISTANCE_STANDINGS, GAP_HISTORY, HOURLY_POSITIONS, POSITION_HISTORY, STANDINGS

_c = derived

__all__ = [
    "ANNOTATED_COLUMNS",
    "TABLES",
    "TABLE_TITLES",
    "check_columns",
    "check_table",
    "dtype_kind",
    "empty_table",
    "table_columns",
]


# ------------------------------------------------------------------ annotated laps
ANNOTATED_COLUMNS: tuple[ColumnSpec, ...] = LAP_COLUMNS + (
    _c("neutralised", "bool", "", "The lap was (at least partly) run under SC, FCY or red flag: its crossing, the previous crossing or a whole phase inside the lap (observed from FLAG_AT_FL, else inferred)."),
    _c("neutral_kind", "string", "", "'SC', 'FCY' or 'RED' when the crossing itself is under (or inferred under) a neutralisation, else ''."),
    _c("incident", "bool", "", "An abnormally slow racing lap for this car and driver, also against its class at that moment sector by sector (analysis/incidents)."),
    _c("slow_zone", "bool", "", "A sector of the lap was driven inside a slow zone (analysis/slowzones)."),
    _c("class_loss", "float64", "s", "Seconds lost against the class at that moment, sector by sector; NaN without usable sectors."),
    _c("loss_sector", "int64", "", "Sector where most of class_loss went (0 when none)."),
    _c("clean", "bool", "", "Green, not through a slow zone, not an in- or out-lap, not lap 1, no PIT_TIME, not an incident, lap time known."),
    _c("stint", "int64", "", "1-based stint number within the car: a stint starts at lap 1 or an out-lap; the in-lap belongs to the stint it ends."),
    _c("hour", "int64", "", "1-based race hour the lap ended in: floor(elapsed / 3600) + 1 (laps after 24:00:00 are in hour 25)."),
    _c("expected", "float64", "s", "Incident reference for racing laps: the car's recent pace times the field factor; NaN elsewhere."),
    _c("time_lost", "float64", "s", "lap_time - expected on racing laps; NaN elsewhere."),
)

CLEAN_LAP_COLUMNS: tuple[ColumnSpec, ...] = ANNOTATED_COLUMNS + (
    _c("pace_index", "float64", "", "100 x lap_time / median of same-class clean laps in the index window; NaN without a reference."),
    _c("stint_keep", "bool", "", "Kept in the sanitised stint average (not more than 10 % above the stint's clean mean)."),
)

# ------------------------------------------------------------------ classification
CLASSIFICATION = (
    _c("position", "Int32", "", "Final position: laps desc, then race time of the last crossing asc."),
    _c("class_position", "Int32", "", "Position within the class."),
    CAR, CLASS,
    _c("group", "string", "", "Sub-group (H hybrid, P/A LMP2 Pro/Am) from the lap file."),
    TEAM,
    _c("manufacturer", "string", "", "Car manufacturer."),
    _c("laps", "Int32", "", "Laps completed."),
    _c("total_time", "float64", "s", "Race time of the car's last crossing."),
    _c("gap_first", "string", "", "Gap to the winner as printed ('-', '+16.972', '6 Laps')."),
    _c("gap_first_laps", "Int32", "", "Laps behind the winner."),
    _c("gap_first_seconds", "float64", "s", "Seconds behind the winner at equal laps; NaN when laps behind."),
    _c("gap_class_leader", "string", "", "Gap to the class winner, as printed."),
    _c("status", "string", "", "Running, Not classified, Retired or Retired in pits (finished race); Running, In pits or Stopped (file taken during the race). Official rows: the file's STATUS."),
    _c("status_code", "string", "", "classified, not_classified or retired (finished race, by the series' rule in rules/classification/series.toml; official rows also disqualified); running, in_pits or stopped (file taken during the race)."),
    _c("classified", "boolean", "", "Classified by the series' rule (official rows: by the STATUS); NA in a file taken during the race."),
    _c("took_flag", "bool", "", "The car took the chequered flag (running at the finish; RF under a red-flag finish)."),
    _c("distance_share", "float64", "", "Laps as a share of the winner's laps (of the class winner's when the rule says so)."),
    _c("retired_in_pits", "bool", "", "The car did not take the flag and its last lap is an in-lap."),
    _c("last_lap_in_pit", "bool", "", "The car's last crossing was an in-lap."),
    _c("official", "bool", "", "False: derived from the laps (True rows come from an official results file)."),
)  # fmt: skip

# ------------------------------------------------------------------ stints, spells, drive time
_LAP_START = _c("lap_start", "int64", "", "First lap.")
_LAP_END = _c("lap_end", "int64", "", "Last lap.")
_LAPS = _c("laps", "int64", "", "Laps driven.")
STINTS = (
    CAR,
    _c("stint", "int64", "", "1-based stint number within the car."),
    _c("driver", "string", "", "Driver of the stint (its first lap naming one)."),
    DRIVER_SLOT, CLASS, _LAP_START, _LAP_END, _LAPS,
    _c("start", "float64", "s", "Race time the stint started: the crossing that ended the previous stint (lap 1: its start)."),
    _c("end", "float64", "s", "Race time of the stint's last crossing."),
    _c("duration", "float64", "s", "end - start (includes the pit-lane time of the stop that started it)."),
    _c("driver_change", "bool", "", "The driver differs from the previous stint's."),
    _c("ended_by", "string", "", "stop, finish, retired, or file_end (file taken during the race)."),
    _c("pit_time_before", "float64", "s", "PIT_TIME of the stop that started the stint; NaN for stint 1."),
    _c("start_hour", "int64", "", "1-based race hour of start."),
    _c("end_hour", "int64", "", "1-based race hour of end."),
)  # fmt: skip
SPELLS = (
    CAR,
    _c("spell", "int64", "", "1-based spell number within the car (consecutive stints of one driver)."),
    DRIVER, DRIVER_SLOT, CLASS, _LAP_START, _LAP_END, _LAPS,
    _c("stints", "int64", "", "Stints in the spell."),
    _c("start", "float64", "s", "Race time the spell's first lap started."),
    _c("end", "float64", "s", "Race time of the spell's last crossing."),
    _c("duration", "float64", "s", "Sum of the spell's lap times."),
    _c("pit_excluded", "float64", "s", "Pit-lane time not counted as driving (PIT_TIME of its out-laps)."),
    _c("drive_time", "float64", "s", "duration - pit_excluded."),
)  # fmt: skip
DRIVE_TIME = (
    CAR, DRIVER, DRIVER_SLOT, CLASS,
    _c("total", "float64", "s", "Total drive time (pit time excluded: the pit-in to pit-out time of every stop)."),
    _c("total_with_pits", "float64", "s", "Sum of the driver's lap times, pit stops included (WIGE's official FAHRERn_ZEIT convention)."),
    _c("longest_spell", "float64", "s", "Drive time of the longest continuous spell."),
    _c("worst_window_6h", "float64", "s", "Most driving inside any window of race time (6 h by default)."),
    _c("worst_window_start", "float64", "s", "Race time that window starts."),
    _c("spells", "int64", "", "Spells driven."),
    _c("laps", "int64", "", "Laps driven."),
)  # fmt: skip

# ------------------------------------------------------------------ stops, phases, incidents
STOPS = (
    CAR,
    _c("stop", "int64", "", "1-based stop number within the car."),
    CLASS,
    _c("lap_in", "int64", "", "The in-lap (the `B` lap)."),
    _c("lap_out", "Int64", "", "The out-lap; <NA> when the in-lap is the car's last lap."),
    _c("race_time", "float64", "s", "Race time of the in-lap's crossing (in the pit lane)."),
    HOUR,
    _c("pit_time", "float64", "s", "PIT_TIME printed on the out-lap (pit in to pit out); NaN when missing."),
    _c("driver_in", "string", "", "Driver of the in-lap."),
    _c("driver_out", "string", "", "Driver of the out-lap."),
    _c("driver_change", "bool", "", "driver_out differs from driver_in."),
    _c("in_lap_time", "float64", "s", "Lap time of the in-lap."),
    _c("out_lap_time", "float64", "s", "Lap time of the out-lap; NaN when none."),
    _c("reference", "float64", "s", "The car's clean pace around the stop: mean of the medians of up to 5 clean laps before and after it."),
    _c("time_lost", "float64", "s", "in-lap + out-lap - the references of both laps."),
    _c("kind", "string", "", "normal, long, garage, final (retired in the pits) or drive_through (pit-lane transit, no service, no driver change)."),
    _c("neutralised", "bool", "", "The in- or out-lap was neutralised."),
    _c("stint_before", "int64", "", "Stint the stop ends."),
    _c("on_track_loss", "float64", "s", "Seconds lost on track on the in-lap against the class at that moment, sectors 1 and 2; NaN without sector times."),
    _c("on_track_sector", "int64", "", "Sector where most of on_track_loss went (0 when none)."),
    _c("in_lap_incident", "bool", "", "on_track_loss >= 30 s: a crash, off or puncture before the stop, apart from the repair."),
    _c("loss_reason", "string", "", "Why time_lost is negative (empty when not): neutralised, pace_change or fast_laps."),
)  # fmt: skip
SLOW_ZONES = (
    _c("zone", "int64", "", "1-based zone number, by start."),
    _c("sector", "int64", "", "The sector slowed, in the source's numbering (1..3; 1..5 on the Nordschleife); 0: the whole course (full-course Code 60)."),
    _c("start", "float64", "s", "Sector entry of the first slowed passage (shared race clock: from the first start signal)."),
    _c("end", "float64", "s", "Sector exit of the last slowed passage."),
    _c("duration", "float64", "s", "end - start."),
    _c("start_hour", "int64", "", "1-based race hour of start."),
    _c("end_hour", "int64", "", "1-based race hour of end."),
    _c("peak_ratio", "float64", "", "Highest field ratio (sector time / usual) in the zone."),
    _c("median_ratio", "float64", "", "Median ratio of the passages in the zone."),
    _c("cars_affected", "int64", "", "Cars with a slowed passage in the zone."),
    _c("passages", "int64", "", "Sector passages in the zone."),
)  # fmt: skip
PHASES = (
    _c("phase", "int64", "", "1-based phase number."),
    _c("kind", "string", "", "SC, FCY or RED; C60 (full-course Code 60) on the Nordschleife."),
    _c("start", "float64", "s", "Race time of the first crossing under it."),
    _c("end", "float64", "s", "Race time of the last crossing under it."),
    _c("duration", "float64", "s", "end - start."),
    _c("green_at", "float64", "s", "First crossing after it (the restart seen at the line); NaN when none."),
    _c("inferred", "bool", "", "Inferred from lap times (file without FLAG_AT_FL)."),
    _c("start_hour", "int64", "", "1-based race hour of start."),
    _c("end_hour", "int64", "", "1-based race hour of end."),
    _c("laps_affected", "int64", "", "Neutralised lap rows overlapping the phase."),
    _c("cars_affected", "int64", "", "Cars with such a lap."),
    _c("crossings", "int64", "", "Crossings under the phase's flag."),
)  # fmt: skip
RACE_PHASES = (
    *PHASES[:1],
    _c("kind", "string", "", "SC, FCY, RED, SZ (a slow zone or Code 60 zone: a speed limit in one sector, green elsewhere) or C60 (full-course Code 60, Nordschleife)."),
    *PHASES[2:],
    _c("sector", "int64", "", "The slow zone's sector in the source's numbering (S1..S5 on the Nordschleife); 0 for a whole-course phase."),
)  # fmt: skip
INCIDENTS = (
    CAR,
    _c("lap", "int32", "", "The slow lap."),
    DRIVER, CLASS,
    _c("race_time", "float64", "s", "Race time at the end of the lap."),
    _c("lap_time", "float64", "s", "Lap time."),
    _c("expected", "float64", "s", "The lap time the car would have done (pace x field factor)."),
    _c("time_lost", "float64", "s", "lap_time - expected."),
    HOUR,
)  # fmt: skip

# ------------------------------------------------------------------ one car's timeline, time lost
_POS = "Int64"
EVENTS = (
    CAR,
    _c("lap", "int64", "", "Lap of the event."),
    RACE_TIME, HOUR,
    _c("driver", "string", "", "Driver at the event."),
    _c("kind", "string", "", "start, stint, stop, incident, neutralisation, lead_gained, lead_lost, finish, retired or file_end."),
    _c("class_position_before", _POS, "", "Class position at the car's crossing before the event; <NA> when none."),
    _c("class_position_after", _POS, "", "Class position at the crossing that ends the event."),
    _c("position_before", _POS, "", "Overall position before."),
    _c("position_after", _POS, "", "Overall position after."),
    _c("time_lost", "float64", "s", "Seconds lost (stops and incidents); NaN otherwise."),
    _c("passed_by", "object", "", "List of class rivals that passed the car between before and after."),
    _c("passed", "object", "", "List of class rivals the car passed."),
    _c("laps_lost_to", "object", "", "List of class rivals the car lost a lap to."),
    _c("stop_kind", "string", "", "Stop events: normal, long, garage, final or drive_through."),
    _c("pit_time", "float64", "s", "Stop events: PIT_TIME of the stop."),
    _c("driver_out", "string", "", "Stop events: the driver after the stop."),
    _c("driver_change", "boolean", "", "Stop and stint events: the driver changed."),
    _c("stint", "Int64", "", "Stint events: the stint number."),
    _c("lap_time", "float64", "s", "Incident events: the lap time."),
    _c("reference", "float64", "s", "The lap time the loss is measured against."),
    _c("laps_lost", "float64", "", "time_lost / reference."),
    _c("rivals", "object", "", "List of car numbers: the other car of a class lead change."),
    _c("phase_kind", "string", "", "Neutralisation events: SC, FCY, RED, C60 (full-course Code 60), or SZ (a slow zone or Code 60 zone)."),
    _c("phase_start", "float64", "s", "Neutralisation events: start of the phase."),
    _c("phase_end", "float64", "s", "Neutralisation events: end of the phase."),
    _c("phase_inferred", "boolean", "", "Neutralisation events: inferred from lap times."),
    _c("laps", "Int64", "", "End events: laps completed."),
    _c("in_pits", "boolean", "", "End events: the last crossing was an in-lap."),
    _c("category", "string", "", "The driver's FIA category when known."),
    _c("on_track_loss", "float64", "s", "Stop events: seconds lost on track on the in-lap against the class (in-lap incident)."),
    _c("on_track_sector", "Int64", "", "Stop events: the sector where the in-lap lost most."),
    _c("phase_sector", "Int64", "", "Slow-zone events: the sector of the zone."),
)  # fmt: skip
TIME_LOSSES = (
    CAR, CLASS,
    _c("stops", "int64", "", "Number of pit stops (a count, every kind; not a time)."),
    _c("normal_stops", "float64", "s", "Seconds lost in normal stops, summed (each stop: in-lap + out-lap - the references of both laps)."),
    _c("long_stops", "float64", "s", "Seconds lost in long stops (longer than a normal stop, not a garage stop), summed."),
    _c("garage_stops", "float64", "s", "Seconds lost in garage stops (repairs), summed."),
    _c("incidents", "float64", "s", "Seconds lost in incident laps (lap_time - expected), summed."),
    _c("incident_count", "int64", "", "Number of incident laps (a count)."),
    _c("neutralisations", "float64", "s", "Seconds lost to the class reference car across the neutralisations (negative = gained): neutralisation_laps x the car's median clean lap."),
    _c("neutralisation_laps", "float64", "", "Laps (a number of laps, not seconds) lost to the class reference car across the neutralisations (negative = gained); fractional: laps are interpolated in the crossing times, 0.5 = half a lap."),
    _c("total", "float64", "s", "Seconds lost in stops + incidents (normal_stops + long_stops + garage_stops + incidents; neutralisations left out)."),
)  # fmt: skip

# ------------------------------------------------------------------ driver metrics and rankings
_METRICS = (
    _c("clean_laps", "int64", "", "Clean laps (see the annotated table)."),
    _c("best_lap", "float64", "s", "Fastest clean lap."),
    _c("median_clean", "float64", "s", "Median clean lap."),
    _c("mean_clean", "float64", "s", "Mean clean lap."),
    _c("spread", "float64", "s", "Interquartile range of the clean laps."),
    _c("index", "float64", "", "Median performance index (100 = class reference at that moment; lower is faster)."),
    _c("index_n", "int64", "", "Laps with an index."),
    _c("ideal_lap", "float64", "s", "Sum of the best clean sectors."),
    _c("best_10", "float64", "s", "Mean of the 10 fastest clean laps."),
    _c("best_10_n", "int64", "", "Laps in best_10."),
    _c("best_20pct", "float64", "s", "Mean of the fastest 20 % of clean laps."),
    _c("best_20pct_k", "int64", "", "Laps in best_20pct."),
    _c("stint_avg", "float64", "s", "Sanitised stint average."),
    _c("stint_avg_n", "int64", "", "Laps in stint_avg."),
    _c("low_sample", "bool", "", "Fewer clean laps than the minimum (10; 4 when the race's median clean lap is 6 min or more)."),
)
_M = {c.name: c for c in _METRICS}
DRIVER_METRICS = (CAR, DRIVER, CLASS, TEAM, *_METRICS)
CAR_METRICS = (CAR, CLASS, TEAM, *_METRICS)
_RANKING = (
    _c("metric", "string", "", "The ranking metric."),
    _c("value", "float64", "", "This row's value of the metric (s, or index points)."),
    _c("ci_low", "float64", "", "Low end of the 90 % interval of value (median_clean, index: exact order-statistic "
       "interval of the median; other metrics: bootstrap)."),
    _c("ci_high", "float64", "", "High end of that interval."),
    _c("class_rank", "Int32", "", "Rank in the class (1 = best)."),
)
_CATEGORY = _c("category", "string", "", "FIA category (Platinum/Gold/Silver/Bronze) or <NA>.")
_CLOSE = _c("close_to_next", "bool", "", "The interval overlaps the next-ranked one's.")
DRIVER_RANKINGS = (
    DRIVER, CAR, CLASS, TEAM, _CATEGORY,
    _c("category_source", "string", "", "Where the category comes from: entry list, entry list beside,"
                                        " classification, archive, estimated or unknown (docs/metrics.md);"
                                        " <NA> when no categories table was given."),
    *(_M[n] for n in ("clean_laps", "best_lap", "ideal_lap", "best_10", "best_10_n", "best_20pct", "best_20pct_k",
                      "median_clean", "stint_avg", "stint_avg_n", "index", "index_n", "spread")),
    *_RANKING,
    _c("category_rank", "Int32", "", "Rank among the drivers of the same category in the class."),
    _M["low_sample"], _CLOSE,
)  # fmt: skip
CREW_RANKINGS = (*CAR_METRICS, *_RANKING, _CLOSE)
BEST_PERFORMERS = (
    CLASS,
    _c("category", "string", "", "FIA category, or 'unknown'."),
    _c("place", "int64", "", "1-based place in the category."),
    DRIVER, CAR,
    *_RANKING[1:4],
    _c("gap_to_next", "float64", "", "Value difference to the next driver of the category; NaN for the last."),
    _c("close", "bool", "", "The interval overlaps the next one's."),
    _c("drivers", "int64", "", "Ranked drivers of the category in the class."),
)  # fmt: skip
METRIC_LEADERS = (
    CLASS,
    _c("metric", "string", "", "Metric name."),
    _c("place", "int64", "", "1-based place by that metric."),
    DRIVER, CAR, _CATEGORY,
    _c("value", "float64", "", "The driver's value of the metric."),
)  # fmt: skip

#: table name -> columns, in the order the producing function returns them.
TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "laps": LAP_COLUMNS,
    "annotated_laps": ANNOTATED_COLUMNS,
    "clean_laps": CLEAN_LAP_COLUMNS,
    "standings": STANDINGS,
    "distance_standings": DISTANCE_STANDINGS,
    "hourly_positions": HOURLY_POSITIONS,
    "position_history": POSITION_HISTORY,
    "gap_history": GAP_HISTORY,
    "classification": CLASSIFICATION,
    "stints": STINTS,
    "driver_spells": SPELLS,
    "drive_time": DRIVE_TIME,
    "stops": STOPS,
    "phases": PHASES,
    "slow_zones": SLOW_ZONES,
    "race_phases": RACE_PHASES,
    "incidents": INCIDENTS,
    "events": EVENTS,
    "time_losses": TIME_LOSSES,
    "driver_metrics": DRIVER_METRICS,
    "car_metrics": CAR_METRICS,
    "driver_rankings": DRIVER_RANKINGS,
    "crew_rankings": CREW_RANKINGS,
    "best_performers": BEST_PERFORMERS,
    "metric_leaders": METRIC_LEADERS,
    **PACE_TABLES,
    **PROJECTION_TABLES,
    **CATEGORY_TABLES,
}

#: table name -> (heading, the functions returning it, CLI command printing it)
TABLE_TITLES: dict[str, tuple[str, str, str]] = {
    "laps": ("Lap table", "`race.laps`, `stintlab.io.read_file`", ""),
    "annotated_laps": ("Annotated lap table", "`analysis.annotate.annotate`", ""),
    "clean_laps": ("Clean laps", "`analysis.pace.clean_laps`", ""),
    "standings": ("Standings", "`analysis.standings.standings_at`, `standings_after_hour`, `final_standings`", "`standings`"),
    "distance_standings": ("Standings by distance", "`analysis.distance.distance_standings`, `race.standings(at=...)`", "`standings --at`"),
    "hourly_positions": ("Hourly positions", "`analysis.standings.hourly_positions`", ""),
    "position_history": ("Position history (lap chart)", "`analysis.standings.position_history`", ""),
    "gap_history": ("Gap history by distance", "`analysis.distance.gap_history`, `race.gap_history`", ""),
    "classification": ("Derived classification", "`analysis.classification.derive_classification`", "`classification --derived`"),
    "stints": ("Stints", "`analysis.stints.stints`", "`stints`"),
    "driver_spells": ("Driver spells", "`analysis.stints.driver_spells`", ""),
    "drive_time": ("Drive time", "`analysis.stints.drive_time`", ""),
    "stops": ("Pit stops", "`analysis.stops.stops`", "`stops`"),
    "phases": ("Neutralisation phases", "`analysis.flags.neutralisations`", "`flags`"),
    "slow_zones": ("Slow zones", "`analysis.slowzones.slow_zones`", ""),
    "race_phases": ("Neutralisations and slow zones", "`analysis.flags.race_phases`", "`flags`"),
    "incidents": ("Incidents", "`analysis.incidents.incident_table`", ""),
    "events": ("Events of one car", "`analysis.timeline.car_events`", "`events`"),
    "time_losses": ("Time-loss account", "`analysis.timeline.time_loss_account`", "`losses`"),
    "driver_metrics": ("Driver metrics", "`analysis.pace.driver_metrics`", ""),
    "car_metrics": ("Car metrics", "`analysis.pace.car_metrics`", ""),
    "driver_rankings": ("Driver rankings", "`analysis.rankings.driver_rankings`", "`drivers`"),
    "crew_rankings": ("Crew rankings", "`analysis.rankings.crew_rankings`", "`drivers --crews`"),
    "best_performers": ("Best performers", "`analysis.rankings.best_performers`", "`drivers --best`"),
    "metric_leaders": ("Metric leaders", "`analysis.rankings.metric_leaders`", ""),
    **PACE_TITLES,
    **PROJECTION_TITLES,
    **CATEGORY_TITLES,
}  # fmt: skip


def table_columns(table: str) -> tuple[ColumnSpec, ...]:
    """The columns of one table; StintlabUsageError naming the known tables otherwise."""
    try:
        return TABLES[table]
    except KeyError:
        raise StintlabUsageError(f"no table {table!r} (tables: {', '.join(TABLES)})") from None


def empty_table(table: str):
    """An empty DataFrame with the columns and dtypes of ``table`` (what a function returns on an empty race).

    >>> empty_table("stops")["car"].dtype, empty_table("stops")["lap_out"].dtype
    (<StringDtype(na_value=<NA>)>, Int64Dtype())
    """
    import pandas as pd  # as in schema.laps.empty_laps: importing the schema stays cheap

    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in table_columns(table)})


def check_columns(df, table: str, where: str, columns=None) -> None:
    """Raise StintlabUsageError when ``df`` lacks columns of ``table`` (``columns``: only these, e.g. the
    ones a function reads; default: all of them), naming ``where`` (the function) and the missing ones."""
    names = [c.name for c in table_columns(table)] if columns is None else list(columns)
    missing = [n for n in names if n not in df.columns]
    if missing:
        doc = "docs/data.md" if table == "laps" else "docs/tables.md"
        label = "lap table" if table == "laps" else f"{table} table"
        raise StintlabUsageError(f"{where} needs {label} column(s) {', '.join(missing)} (see {doc})")


def dtype_kind(dtype) -> str:
    """The kind of a pandas dtype (or of a schema dtype name): text, int, float, bool, list or object."""
    name = str(dtype)
    if name in ("string", "str") or name.startswith("string["):
        return "text"
    if name in ("bool", "boolean"):
        return "bool"
    if name.lower().startswith(("int", "uint")):
        return "int"
    if name.lower().startswith("float"):
        return "float"
    return "object"


def _value_kind(series) -> str:
    """Kind of an object column from its non-missing values: 'any' when it holds none."""
    kinds = set()
    for v in series.dropna():
        if isinstance(v, str):
            kinds.add("text")
        elif isinstance(v, (list, tuple)):
            kinds.add("list")
        elif isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int")
        elif isinstance(v, float):
            kinds.add("float")
        else:
            kinds.add(type(v).__name__)
        if len(kinds) > 1:
            break
    return kinds.pop() if len(kinds) == 1 else ("any" if not kinds else "mixed")


def check_table(df, table: str) -> list[str]:
    """Differences between ``df`` and the schema of ``table`` (empty list: it matches): missing or extra
    columns, and columns whose dtype kind differs. An object column with no value matches any kind.

    >>> import pandas as pd
    >>> check_table(pd.DataFrame({"phase": [1], "kind": ["SC"]}), "phases")[0]
    'missing columns: start, end, duration, green_at, inferred, start_hour, end_hour, laps_affected, cars_affected, crossings'
    """
    specs = table_columns(table)
    names = [c.name for c in specs]
    problems = []
    missing = [n for n in names if n not in df.columns]
    extra = [n for n in df.columns if n not in names]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if extra:
        problems.append(f"columns not in the schema: {', '.join(map(str, extra))}")
    for c in specs:
        if c.name not in df.columns:
            continue
        want = "list" if c.dtype == "object" else dtype_kind(c.dtype)
        got = dtype_kind(df[c.name].dtype)
        if got == "object":
            got = _value_kind(df[c.name])
        if got not in (want, "any"):
            problems.append(f"column {c.name!r}: {df[c.name].dtype} ({got}), schema says {c.dtype} ({want})")
    return problems
