"""``stintlab simulate``, ``calibrate``, ``whatif`` and ``plan`` (docs/sim.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import console, emit, err_console, load_race
from stintlab.errors import StintlabUsageError


def simulate(
    seed: int = typer.Option(2024, "--seed", help="Random seed (same seed, same race)."),
    hours: float = typer.Option(24.0, "--hours", help="Race length in hours."),
    output: Path = typer.Option(None, "-o", "--output", help="Lap file to write (default: the cached demo race path)."),
    params: Path = typer.Option(None, "--params", help="Parameter file (default: the checked-in calibration)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """Simulate a Le Mans-like race and write it as an Al Kamel Analysis CSV (plus entry_list.csv beside it)."""
    from stintlab.sim.demo import demo_path, write_entry_list
    from stintlab.sim.model import demo_entries, load_params
    from stintlab.sim.simulate import simulate as run
    from stintlab.sim.writer import write_analysis_csv

    if params is None and output is None:
        path = demo_path(seed=seed, hours=hours)
        entries = demo_entries(seed=seed)
    else:
        if params is not None and not Path(params).is_file():
            raise StintlabUsageError(f"parameter file not found: {params}")
        if output is None:
            raise StintlabUsageError(
                "--params needs -o FILE (the cached demo race always uses the checked-in parameters)"
            )
        p = load_params(params)
        entries = demo_entries(seed=seed)
        laps = run(entries, hours=hours, seed=seed, params=p)
        path = Path(output)
        write_analysis_csv(laps, path)
        write_entry_list(entries, path.parent / "entry_list.csv")
    from stintlab.race import load

    race = load(path, find_results=False)
    laps = race.laps
    data = {
        "path": str(path),
        "entry_list": str(path.parent / "entry_list.csv"),
        "seed": seed,
        "hours": hours,
        "cars": int(laps["car"].nunique()),
        "laps": int(len(laps)),
        "classes": {str(k): int(v) for k, v in laps.drop_duplicates("car")["class"].value_counts().items()},
        "drivers": int(sum(len(e.crew) for e in entries)),
        "winner": str(race.classification["car"].iat[0]),
        "winner_laps": int(race.classification["laps"].iat[0]),
    }
    emit(data, as_json, title="Simulated race")


def calibrate(
    corpus_dir: Path = typer.Argument(..., help="Race corpus folder (with MANIFEST.csv)."),
    output: Path = typer.Option(..., "-o", "--output", help="Parameter file to write (TOML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the calibration report)."),
    report: bool = typer.Option(True, "--report/--no-report", help="Compare a simulated race with the fitted figures."),
):
    """Fit the simulator's parameters on a real corpus, write them (TOML) and print the calibration report."""
    from stintlab.sim.calibrate import calibrate as fit
    from stintlab.sim.calibrate import to_toml
    from stintlab.sim.report import calibration_report

    def progress(name):
        if not as_json:
            err_console.print(f"  reading {name}")

    params = fit(corpus_dir, progress=progress)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(
        "# Written by `stintlab calibrate` from the real corpus; do not edit by hand.\n" + to_toml(params),
        encoding="utf-8",
    )
    rows = calibration_report(params) if report else []
    if as_json:
        emit({"output": str(output), "report": rows}, True)
        return
    console.print(f"wrote {output}")
    if rows:
        emit(
            rows,
            False,
            title="Calibration report: simulated vs real",
            columns=["figure", "class", "real", "simulated", "tolerance", "ok"],
        )


def _parse_changes(stop, lap, sc):
    from stintlab.sim.whatif import parse_change

    out = [parse_change("stop", s) for s in stop or []]
    out += [parse_change("lap", s) for s in lap or []]
    out += [parse_change("sc", s) for s in sc or []]
    return out


def whatif(
    file: Path = typer.Argument(..., help="Lap file (real or simulated) or the event folder holding one."),
    car: str = typer.Option(..., "--car", help="Car number as printed ('007' != '7')."),
    stop: list[str] = typer.Option(
        None, "--stop", help="LAP=median|none|SECONDS: change the stop whose in-lap is LAP."
    ),
    lap: list[str] = typer.Option(None, "--lap", help="LAP=clean|SECONDS: replace a lap (e.g. an incident lap)."),
    sc: list[str] = typer.Option(
        None, "--sc", help="LAP=median: lose only the class median in the neutralisation LAP is in."
    ),
    runs: int = typer.Option(200, "--runs", help="Monte Carlo runs."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """What if a stop, a lap or a safety car had gone differently? Replays the car's race against the real rivals."""
    from rich.markup import escape

    from stintlab.display import duration, lap_time
    from stintlab.sim.whatif import whatif as run

    changes = _parse_changes(stop, lap, sc)
    race = load_race(file)
    res = run(race.annotated, car, changes, runs=runs, seed=seed)
    if as_json:
        emit(res, True)
        return
    a, p = res["actual"], res["projected"]
    console.print(f"[bold]{escape(race.title)} — car {res['car']} ({res['class']}), {res['runs']} runs[/bold]")
    for c in res["changes"]:
        console.print(f"  change: {c['description']}; saves {lap_time(c['time_saved'])}")
    dist = ", ".join(f"P{k}: {v:.0%}" for k, v in p["class_position_distribution"].items())
    rows = [
        {"": "class position", "actual": a["class_position"], "projected": f"{p['class_position']} ({dist})"},
        {"": "laps", "actual": a["laps"], "projected": f"{p['laps']} ({p['laps_min']}-{p['laps_max']})"},
        {"": "race time", "actual": duration(a["total_time"]), "projected": duration(p["total_time"])},
        {
            "": "gap to class leader",
            "actual": lap_time(a["gap_to_class_leader"]),
            "projected": lap_time(p["gap_to_class_leader"]),
        },
    ]
    emit(rows, False, title="What if", columns=["", "actual", "projected"])
    console.print("Assumptions:")
    for s in res["assumptions"]:
        console.print(f"  - {s}")


def plan(
    rules: str = typer.Option(..., "--rules", help="Rule set name (stintlab rules --list) or a .toml path."),
    crew: Path = typer.Option(
        ..., "--crew", help="Crew YAML: drivers [{name, category, lap_time}] and stint settings."
    ),
    hours: float = typer.Option(..., "--hours", help="Race length in hours."),
    cls: str = typer.Option(None, "--class", help="Class of the car (overrides the crew file)."),
    stint_laps: int = typer.Option(None, "--stint-laps", help="Laps per stint (overrides the crew file)."),
    lap_time: str = typer.Option(None, "--lap-time", help="Typical lap, e.g. 3:58.0 (overrides the crew file)."),
    pit_time: str = typer.Option(None, "--pit-time", help="Routine stop pit-lane time, s (overrides the crew file)."),
    goal: str = typer.Option(None, "--goal", help="fastest (most time for the quickest driver) or balanced."),
    margin: str = typer.Option(
        None, "--margin", help="Margin kept above minimums and below maximums (default 0:15:00)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """Plan a driver schedule that satisfies a rule set, verified by the rules checker; table and timeline."""
    from stintlab.display import duration  # not lap_time: a parameter of plan has that name
    from stintlab.sim.planner import plan as run
    from stintlab.sim.planner import read_crew

    spec = read_crew(crew)
    res = run(
        spec["drivers"],
        rules=rules,
        hours=hours,
        cls=cls or spec.get("class"),
        stint_laps=stint_laps or spec.get("stint_laps"),
        lap_time=lap_time or spec.get("lap_time"),
        pit_time=pit_time or spec.get("pit_time"),
        driver_change=spec.get("driver_change", 0.0),
        goal=goal or spec.get("goal", "fastest"),
        margin=margin or spec.get("margin", 900.0),
        car=str(spec.get("car", "1")),
    )
    if as_json:
        emit(res, True)
        return
    rows = [
        {
            "stint": s["stint"],
            "driver": s["driver"],
            "category": s["category"],
            "start": duration(s["start"]),
            "end": duration(s["end"]),
            "laps": f"{s['first_lap']}-{s['last_lap']}",
            "drive": duration(s["drive_time"]),
        }
        for s in res["stints"]
    ]
    emit(
        rows, False, title=f"Plan: {res['rules']}, {res['class'] or 'no class'}, {res['hours']:g} h, goal {res['goal']}"
    )
    drows = [
        {
            "driver": d["driver"],
            "category": d["category"],
            "stints": d["stints"],
            "drive time": duration(d["drive_time"]),
            "minimum": duration(d["min_total"]) if d["min_total"] else "",
            "maximum": duration(d["max_total"]) if d["max_total"] else "",
            "longest spell": duration(d["longest_spell"]),
        }
        for d in res["drivers"]
    ]
    emit(drows, False, title=f"Drivers (rules check: {res['check']['verdict']})")
    console.print(f"Goal: {res['goal_result']['text']}", highlight=False)
    console.print("Timeline (0 h → {:g} h):".format(res["hours"]))
    for line in res["timeline"]:
        console.print("  " + line, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (simulate, calibrate, whatif, plan):
        app.command()(command)
