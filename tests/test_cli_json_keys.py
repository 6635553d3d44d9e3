"""The JSON of every CLI command carries the keys docs/cli.md (and the pages it points to) promise,
with the right types: seconds are numbers, car numbers are strings. Real race: Le Mans 2019 (values
checked against the raw file); the demo race for simulate/whatif/plan; a fresh archive for season."""

from __future__ import annotations

import json

import pytest

from stintlab.cli import main

NUM = (int, float)


def run(capsys, *args) -> object:
    capsys.readouterr()
    rc = main([*map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def check_rows(rows, keys: set[str], seconds: set[str] = frozenset(), cars: set[str] = frozenset({"car"})):
    """Every documented key in every row; seconds are numbers (or null), car numbers strings."""
    assert isinstance(rows, list) and rows
    for r in rows:
        assert keys <= set(r), keys - set(r)
        for k in seconds:
            assert r[k] is None or (isinstance(r[k], NUM) and not isinstance(r[k], bool)), (k, r[k])
        for k in cars:
            assert isinstance(r[k], str), (k, r[k])


@pytest.fixture(scope="module")
def f2019():
    from conftest import lap_file

    return lap_file("lemans-2019")


def test_info(capsys, corpus, f2019):
    from conftest import race_row

    row = race_row("lemans-2019")
    d = run(capsys, "info", f2019)
    keys = {"name", "format", "variant", "cars", "laps", "classes", "hours", "duration", "has_flags", "finished",
            "start_time_of_day", "classification_source", "leader"}  # fmt: skip
    assert keys <= set(d)
    assert (d["cars"], d["laps"], d["hours"]) == (int(row["cars"]), int(row["laps"]), float(row["hours"]))
    assert d["leader"] == {"car": "8", "laps": 385, "class": "LMP1", "team": "Toyota Gazoo Racing"}
    assert isinstance(d["classes"], dict) and sum(d["classes"].values()) == 61
    assert d["finished"] is True and d["has_flags"] is False


def test_classification_and_standings(capsys, corpus, f2019):
    rows = run(capsys, "classification", f2019)
    keys = {"position", "class_position", "car", "class", "team", "laps", "status", "gap_first", "total_time",
            "official", "gap_first_laps", "gap_first_seconds"}  # fmt: skip
    check_rows(rows, keys, {"total_time", "gap_first_seconds"})
    # raw: both Toyotas did 385 laps; #7 crossed the line 16.972 s after #8; #11 (SMP) 6 laps down
    assert [(r["car"], r["gap_first"], r["gap_first_laps"], r["gap_first_seconds"]) for r in rows[:3]] == [
        ("8", "-", 0, 0.0), ("7", "+16.972", 0, 16.972), ("11", "6 Laps", 6, None)]  # fmt: skip
    st = run(capsys, "standings", f2019, "--at", "12:00:00")
    keys = {"position", "class_position", "car", "class", "team", "laps", "gap_to_class_leader", "interval",
            "class_interval", "gap_to_leader", "race_time", "driver", "in_pit", "gap_to_class_leader_laps",
            "gap_to_class_leader_s", "interval_s", "class_interval_s",
            "distance", "held", "gap_to_leader_laps", "gap_to_leader_s", "interval_laps", "class_interval_laps"}  # fmt: skip
    check_rows(st, keys, {"race_time", "gap_to_class_leader_s", "interval_s", "class_interval_s", "gap_to_leader_s"})
    assert len(st) == 61 and all(r["race_time"] <= 12 * 3600 for r in st)
    # --at is by distance (docs/analysis.md): ordered by distance, laps = line crossings reached
    assert all(a["distance"] >= b["distance"] for a, b in zip(st, st[1:]))
    assert all(r["laps"] <= r["distance"] < r["laps"] + 1 for r in st)
    for r in st:  # the printed gap and its numbers agree ("+3:08.454" is 188.454 s)
        laps, gap, secs = r["gap_to_class_leader_laps"], r["gap_to_class_leader"], r["gap_to_class_leader_s"]
        if r["class_position"] == 1:
            assert (gap, laps, secs) == ("-", 0, 0.0)
        elif laps:  # whole laps behind in distance; the seconds at the same point of the track are kept
            assert gap == f"{laps} Lap" + "s" * (laps > 1) and secs > 0
        else:
            m, _, s = gap.lstrip("+").rpartition(":")
            assert gap.startswith("+") and int(m or 0) * 60 + float(s) == pytest.approx(secs, abs=1e-3)
    assert any(r["gap_to_class_leader_laps"] == 0 and r["class_position"] > 1 for r in st)


def test_stops_stints_events_flags_losses(capsys, corpus, f2019):
    stops = run(capsys, "stops", f2019, "--car", 8)
    keys = {
        "car",
        "lap_in",
        "lap_out",
        "race_time",
        "pit_time",
        "driver_in",
        "driver_out",
        "driver_change",
        "time_lost",
        "kind",
        "stop",
        "class",
        "hour",
        "in_lap_time",
        "out_lap_time",
        "reference",
        "neutralised",
    }
    check_rows(stops, keys, {"race_time", "pit_time", "time_lost", "in_lap_time", "out_lap_time", "reference"})
    # raw: #8 lap 9 crosses in the pit lane (B) at ELAPSED 30:19.416; lap 10 has PIT_TIME 0:00:54.952
    first = stops[0]
    assert (first["lap_in"], first["lap_out"], first["race_time"], first["pit_time"]) == (9, 10, 1819.416, 54.952)
    stints = run(capsys, "stints", f2019, "--car", 8)
    keys = {"car", "stint", "driver", "lap_start", "lap_end", "laps", "start", "end", "duration", "driver_slot",
            "driver_change", "ended_by", "pit_time_before"}  # fmt: skip
    check_rows(stints, keys, {"start", "end", "duration", "pit_time_before"})
    assert (stints[0]["driver"], stints[0]["lap_end"], stints[0]["end"]) == ("Sébastien BUEMI", 9, 1819.416)
    events = run(capsys, "events", f2019, "--car", 8)
    keys = {"car", "lap", "race_time", "hour", "driver", "kind", "description", "class_position_before",
            "class_position_after", "position_before", "position_after", "time_lost", "passed_by", "passed",
            "laps_lost_to"}  # fmt: skip
    check_rows(events, keys, {"race_time", "time_lost"})
    assert (events[0]["kind"], events[0]["race_time"]) == ("start", 205.635)  # raw: lap 1 3:25.635
    for e in events:
        assert all(isinstance(c, str) for k in ("passed_by", "passed", "laps_lost_to") for c in e[k])
    flags = run(capsys, "flags", f2019)
    keys = {"kind", "start", "end", "duration", "inferred", "green_at", "start_hour", "end_hour", "laps_affected",
            "cars_affected", "sector"}  # fmt: skip
    check_rows(flags, keys, {"start", "end", "duration", "green_at"}, cars=set())
    assert {f["kind"] for f in flags} <= {"SC", "FCY", "RED", "SZ"} and all(f["inferred"] for f in flags)  # no flag column
    assert all((f["sector"] == 0) == (f["kind"] != "SZ") for f in flags)
    losses = run(capsys, "losses", f2019)
    keys = {"car", "class", "stops", "normal_stops", "long_stops", "garage_stops", "incidents", "incident_count",
            "neutralisations", "neutralisation_laps", "total"}  # fmt: skip
    check_rows(losses, keys, {"normal_stops", "long_stops", "garage_stops", "incidents", "neutralisations", "total"})
    assert len(losses) == 61


def test_drivers_and_rules(capsys, corpus, f2019):
    rows = run(capsys, "drivers", f2019)
    keys = {"driver", "car", "class", "category", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_20pct",
            "median_clean", "index", "class_rank", "category_rank", "team", "category_source", "stint_avg", "spread",
            "metric", "value", "ci_low", "ci_high", "low_sample", "close_to_next"}  # fmt: skip
    check_rows(rows, keys, {"best_lap", "ideal_lap", "best_10", "best_20pct", "median_clean", "stint_avg", "spread",
                            "value", "ci_low", "ci_high"})  # fmt: skip
    assert len(rows) == 183
    listed = run(capsys, "rules", "--list")
    check_rows(listed, {"name", "series", "season", "source"}, cars=set())
    assert "lemans-2019" in {r["name"] for r in listed}
    d = run(capsys, "rules", f2019, "--rules", "lemans-2019")
    assert {"rules", "drivers", "crews", "violations"} <= set(d)
    check_rows(d["drivers"], {"driver", "car", "total", "longest_spell", "worst_window", "verdict", "class",
                              "category", "spells", "min_total", "max_total", "finished"},
               {"total", "longest_spell", "worst_window", "min_total", "max_total"})  # fmt: skip
    check_rows(d["crews"], {"car", "composition", "verdict", "class", "drivers", "rule", "detail"})
    check_rows(d["violations"], {"car", "driver", "rule", "laps", "detail", "class", "category", "source"})
    # docs/rules.md: two drivers drove more than 4 h in a 6 h window (Flohr #54, Kimura #57)
    assert {(v["car"], v["driver"]) for v in d["violations"]} == {("54", "Thomas FLOHR"), ("57", "Takeshi KIMURA")}


def test_report_and_story(capsys, corpus, f2019, tmp_path):
    out = tmp_path / "r.html"
    d = run(capsys, "report", f2019, "--car", 8, "-o", out)
    assert {"output", "bytes", "race", "demo", "car", "lang", "sections", "missing_sections"} <= set(d)
    assert d["bytes"] == out.stat().st_size and (d["car"], d["demo"], d["lang"]) == ("8", False, "en")
    assert isinstance(d["sections"], list) and "story" in d["sections"]
    s = run(capsys, "story", f2019, "--car", 8, "--lang", "fr", "--full")
    assert {"race", "car", "lang", "sentences"} <= set(s) and (s["car"], s["lang"]) == ("8", "fr")
    check_rows(s["sentences"], {"key", "text", "laps", "race_time"}, {"race_time"}, cars=set())
    assert s["sentences"][0]["laps"] == [1] and "prend le départ en LMP1" in s["sentences"][0]["text"]


def test_simulate_whatif_plan_on_the_demo_race(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STINTLAB_CACHE", str(tmp_path / "cache"))  # its own demo race
    sim = run(capsys, "simulate")
    keys = {"path", "entry_list", "seed", "hours", "cars", "laps", "classes", "drivers", "winner", "winner_laps"}
    assert keys <= set(sim) and isinstance(sim["winner"], str) and isinstance(sim["classes"], dict)
    stops = run(capsys, "stops", sim["path"], "--car", sim["winner"])
    lap = next(s["lap_in"] for s in stops if s["kind"] == "normal")
    w = run(capsys, "whatif", sim["path"], "--car", sim["winner"], "--stop", f"{lap}=median", "--runs", 20)
    assert {"car", "class", "runs", "seed", "chequered_flag", "scheduled_end", "changes", "actual", "projected",
            "assumptions"} <= set(w)  # fmt: skip
    assert w["car"] == sim["winner"] and isinstance(w["chequered_flag"], NUM) and isinstance(w["scheduled_end"], NUM)
    check_rows(w["changes"], {"kind", "lap", "target", "description", "time_saved", "time_saved_p10",
                              "time_saved_p90"}, {"time_saved", "time_saved_p10", "time_saved_p90"}, cars=set())  # fmt: skip
    assert {"class_position", "laps", "total_time", "status", "class_leader", "gap_to_class_leader"} <= set(w["actual"])
    assert isinstance(w["actual"]["class_leader"], str) and isinstance(w["actual"]["total_time"], NUM)
    assert {"class_position", "class_position_distribution", "class_position_p10", "class_position_p90", "laps",
            "laps_min", "laps_max", "total_time", "gap_to_class_leader", "time_saved",
            "takes_chequered_flag"} <= set(w["projected"])  # fmt: skip
    crew = tmp_path / "crew.yaml"
    crew.write_text(
        "car: '088'\nclass: LMGTE Am\nstint_laps: 14\nlap_time: '3:58.0'\npit_time: 85\n"
        "drivers:\n  - {name: Anna BRONZE, category: Bronze}\n  - {name: Sam SILVER, category: Silver}\n"
        "  - {name: Gil GOLD, category: Gold}\n",
        encoding="utf-8",
    )
    p = run(capsys, "plan", "--rules", "lemans-2019", "--crew", crew, "--hours", 24)
    assert {"rules", "car", "class", "hours", "goal", "margin", "stint_laps", "pit_time", "driver_change_time", "stops",
            "driver_changes", "goal_result", "stints", "drivers", "check", "timeline"} <= set(p)  # fmt: skip
    assert p["car"] == "088" and isinstance(p["pit_time"], NUM) and isinstance(p["margin"], NUM)
    check_rows(p["stints"], {"stint", "car", "class", "driver", "category", "start", "end", "first_lap", "last_lap",
                             "laps", "drive_time", "driver_change"}, {"start", "end", "drive_time"})  # fmt: skip
    check_rows(p["drivers"], {"driver", "category", "lap_time", "stints", "spells", "drive_time", "min_total",
                              "max_total", "margin_to_min", "margin_to_max", "longest_spell", "worst_window",
                              "verdict"}, {"lap_time", "drive_time", "longest_spell", "worst_window"}, cars=set())  # fmt: skip
    assert {"verdict", "violations"} <= set(p["check"]) and all(isinstance(t, str) for t in p["timeline"])


def test_archive_and_season(capsys, corpus, tmp_path):
    from conftest import lap_file

    db = tmp_path / "a.duckdb"
    added = run(capsys, "archive", "add", lap_file("lemans-2024").parent, "--db", db)
    check_rows(added, {"race_id", "status", "source", "series", "season", "event", "date", "session", "cars", "laps"},
               cars=set())  # fmt: skip
    assert (added[0]["status"], added[0]["cars"], added[0]["laps"]) == ("added", 62, 15593)  # MANIFEST
    listed = run(capsys, "archive", "list", "--db", db)
    check_rows(listed, {"race_id", "series", "season", "event", "date", "session", "cars", "laps", "hours",
                        "classification_source", "has_laps"}, cars=set())  # fmt: skip
    s = run(capsys, "season", "klaus bachler", "--year", 2024, "--db", db)
    assert {"driver", "key", "year", "pace_metric", "totals", "races"} <= set(s)
    assert {"races", "series", "cars", "class_wins", "class_podiums", "best_class_position", "laps", "drive_time",
            "races_without_laps"} <= set(s["totals"])  # fmt: skip
    keys = {"date", "series", "season", "event", "session", "race_id", "car", "class", "team", "manufacturer",
            "driver", "category", "category_source", "crew", "position", "class_position", "status", "car_laps",
            "laps", "drive_time", "best_lap", "pace", "pace_rank", "pace_field", "pace_rank_category",
            "pace_field_category", "has_laps"}  # fmt: skip
    check_rows(s["races"], keys, {"drive_time", "best_lap", "pace"})
    # raw: Klaus BACHLER drove car 92 (Manthey PureRxcing, LMGT3) at Le Mans 2024
    r = s["races"][0]
    assert (s["driver"], r["car"], r["class"], r["team"]) == ("Klaus BACHLER", "92", "LMGT3", "Manthey PureRxcing")
    c = run(capsys, "career", "Klaus Bachler", "--db", db)
    assert {"driver", "key", "pace_metric", "totals", "races", "seasons"} <= set(c)
    assert {"season", "category", "classes", "teams"} <= set(c["seasons"][0])
    removed = run(capsys, "archive", "remove", "2024-wec-le-mans-race", "--db", db)
    assert removed == [{"race_id": "2024-wec-le-mans-race", "status": "removed"}]
    assert run(capsys, "archive", "list", "--db", db) == []


@pytest.mark.parametrize("at", ["99:99", "1:99:00", "0:60", "abc", "-1:00"])
def test_standings_at_refuses_impossible_times_in_one_line(capsys, corpus, f2019, at):
    # "99:99" was read as 1:40:39 by the lenient file parser and answered silently
    assert main(["standings", str(f2019), f"--at={at}", "--json"]) == 2
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and captured.err == f"stintlab: error: --at wants a race time like 16:05:56.7 or 1:05:20 (got {at!r})\n"
    )


def test_standings_at_accepts_real_race_times(capsys, corpus, f2019):
    rows = run(capsys, "standings", f2019, "--at", "1:05:20")
    assert len(rows) == 61 and max(r["race_time"] for r in rows) <= 3920
