"""The analysis kernels: pure functions on explicit tables (no :class:`~stintlab.race.Race` needed).

Each function takes the tables it reads and returns a new DataFrame; nothing is cached here
(:class:`stintlab.race.Race` computes each table once per race and keeps it). The usual chain:

- ``a = annotate(laps)``: the lap table plus ``neutralised``, ``incident``, ``clean``, ``stint``, ``hour``;
- ``stops(a)``, ``stints(laps)``, ``drive_time(laps)``, ``neutralisations(laps)``, ``slow_zones(laps)``;
- ``clean = clean_laps(a)``; ``driver_metrics(laps, clean)``; ``driver_rankings(laps, clean)``;
- pace views: ``t = lap_trace(a)``; ``stint_pace(t, stints(laps))``; ``sector_table(clean, laps)``;
  ``drive_shares(drive_time(laps))``; ``battle(t, car_a, car_b)``;
- ``standings_at(laps, t)``, ``standings_after_hour(laps, n)``, ``final_standings(laps)``;
- race order and state: ``final_order(laps)``, ``race_state(laps)``, ``took_the_flag(laps)``;
- ``car_events(annotate(laps), car)``, ``time_loss_account(annotate(laps))``, ``check_rules(spells, rules)``.

The submodules ``annotate``, ``stints`` and ``stops`` share their name with their main function:
``stintlab.analysis.stops`` is the function; import the module's other names with
``from stintlab.analysis.stops import pit_baselines``. Full examples: ``docs/python.md``.

>>> import pandas as pd
>>> from stintlab.analysis import final_order
>>> laps = pd.DataFrame({"car": ["7", "7", "8"], "lap": [1, 2, 1], "elapsed": [100.0, 201.0, 103.0]})
>>> final_order(laps)[["car", "lap"]].values.tolist()
[['7', 2], ['8', 1]]
"""

from stintlab.analysis.annotate import annotate, race_hour, stint_numbers, stint_starts
from stintlab.analysis.categories import attach_categories, match_names, read_entry_list
from stintlab.analysis.classification import compare_with_official, derive_classification, gap_text
from stintlab.analysis.flags import has_flags, neutralisations, neutralised_mask
from stintlab.analysis.incidents import annotated_incidents, incident_mask, incident_table, sector_losses
from stintlab.analysis.laptimes import battle, drive_shares, lap_trace, sector_table, stint_pace
from stintlab.analysis.lookup import find_car, find_class, no_lap_message
from stintlab.analysis.medians import window_medians
from stintlab.analysis.order import (
    final_order,
    finish_time,
    last_crossings,
    last_crossings_at,
    race_finished,
    race_state,
    red_flag_finish,
    snapshot_file,
    took_the_flag,
)
from stintlab.analysis.pace import car_metrics, clean_laps, driver_metrics, lap_index
from stintlab.analysis.rankings import best_performers, crew_rankings, driver_rankings, metric_leaders
from stintlab.analysis.rules import check_laps, check_rules, list_rules, load_rules
from stintlab.analysis.slowzones import slow_zone_mask, slow_zones
from stintlab.analysis.standings import (
    final_standings,
    hour_snapshot_time,
    hourly_positions,
    position_history,
    race_hours,
    standings_after_hour,
    standings_at,
)
from stintlab.analysis.stints import drive_time, driver_spells, driving_intervals, stints
from stintlab.analysis.stops import pit_baselines, stops
from stintlab.analysis.timeline import car_events, check_car, time_loss_account
from stintlab.analysis.window import worst_window

__all__ = [
    # annotated laps
    "annotate", "race_hour", "stint_numbers", "stint_starts",
    # neutralisations, slow zones, incidents
    "has_flags", "neutralisations", "neutralised_mask", "slow_zones", "slow_zone_mask",
    "incident_table", "annotated_incidents", "incident_mask", "sector_losses",
    # stops, stints, drivers' time
    "stops", "pit_baselines", "stints", "driver_spells", "driving_intervals", "drive_time", "worst_window",
    # race order and state
    "final_order", "finish_time", "last_crossings", "last_crossings_at", "race_finished", "race_state",
    "red_flag_finish", "snapshot_file", "took_the_flag",
    # classification and standings
    "derive_classification", "compare_with_official", "gap_text",
    "standings_at", "standings_after_hour", "hour_snapshot_time", "final_standings", "race_hours",
    "position_history", "hourly_positions",
    # events
    "car_events", "time_loss_account", "check_car", "find_car", "find_class", "no_lap_message",
    # pace and rankings
    "clean_laps", "lap_index", "window_medians", "driver_metrics", "car_metrics",
    "driver_rankings", "crew_rankings", "best_performers", "metric_leaders",
    # pace views
    "lap_trace", "stint_pace", "sector_table", "drive_shares", "battle",
    # categories and rules
    "read_entry_list", "attach_categories", "match_names",
    "check_rules", "check_laps", "load_rules", "list_rules",
]  # fmt: skip
