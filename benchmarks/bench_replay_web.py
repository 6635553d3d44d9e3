"""`stintlab replay --speed 0 --json` of 24 h races with and without `--project-every`, and the web live
stream (/live/{rid}/events) at its fastest pace, on real races (wall-clock seconds, load included for
the command; target: replay of a 24 h race <= 60 s).

    .venv/bin/python benchmarks/bench_replay_web.py [race-name ...]     (default: lemans-2023 lemans-2025)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def lap_path(name: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["race"] == name)
    return CORPUS / name / row["laps_file"]


def replay_seconds(path: Path, project_every: float) -> tuple[float, int, int]:
    """Wall seconds of the command, steps written, steps with projections."""
    import json

    cmd = [sys.executable, "-m", "stintlab", "replay", str(path), "--speed", "0", "--json",
           "--project-every", str(project_every)]  # fmt: skip
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    wall = time.perf_counter() - t
    return wall, len(out), sum(1 for line in out if json.loads(line)["projections"] is not None)


def stream_seconds(path: Path) -> tuple[float, int]:
    """Wall seconds of a whole /live stream at 100000x (steps of 5000 race s, MIN_STEP_S apart), states."""
    import uvicorn

    from stintlab.web import create_app

    app = create_app(with_demo=False)
    rid = app.state.store.add_upload("race.csv", path.read_bytes()).id
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8799, log_level="error", lifespan="off"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    app.state.store.race(rid)  # loaded before timing
    t = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:8799/live/{rid}/events?speed=100000") as r:
        states = sum(1 for line in r if line.startswith(b"event: state"))
    wall = time.perf_counter() - t
    srv.should_exit = True
    return wall, states


def main(names: list[str]) -> None:
    for name in names:
        path = lap_path(name)
        for every in (0, 3600, 600):
            wall, steps, proj = replay_seconds(path, every)
            print(f"{name}: replay --speed 0 --json --project-every {every:>4}: {wall:6.1f} s, {steps} steps, "
                  f"{proj} with projections")  # fmt: skip
    wall, states = stream_seconds(lap_path(names[0]))
    print(f"{names[0]}: /live stream at 100000x: {wall:.1f} s for {states} states")


if __name__ == "__main__":
    main(sys.argv[1:] or ["lemans-2023", "lemans-2025"])
