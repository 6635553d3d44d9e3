"""The live engine against the whole-file kernels on every corpus race with a lap file: the crossings
are fed one at a time and, at 1/4, 1/2, 3/4 and the end of the race, the engine's standings (order,
gaps, intervals), stints (lap_end, ended_by) and stops (lap_in) are compared with `stintlab.load` of the
raw file cut at that race time (csv module, tests/test_live.py's cut_file); prints OK or what differs,
and how many stop kinds (provisional live, docs/live.md) agree. Takes a few minutes.

    .venv/bin/python benchmarks/live_corpus.py [race-name ...]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def check(name: str, tmp: str) -> str:
    import numpy as np
    import pandas as pd

    import stintlab
    from conftest import lap_file
    from oracle import read_race
    from stintlab.live import LiveRace
    from test_live import _crossings, cut_file

    path = lap_file(name)
    raw = read_race(path)
    rows = _crossings(stintlab.load(path, find_results=False))
    engine, k, bad, kinds = LiveRace(), 0, [], [0, 0]
    for share in (0.25, 0.5, 0.75, 1.0):
        t = round(raw.end * share, 3)
        while k < len(rows) and rows[k]["elapsed"] <= t:
            engine.feed([rows[k]])
            k += 1
        cut = os.path.join(tmp, "cut.csv")
        cut_file(path, cut, t)
        ref = stintlab.load(cut, find_results=False)
        want = ref.standings(at=t)
        got = pd.DataFrame([r.to_dict() for r in engine.standings(t)])
        if got["car"].tolist() != want["car"].astype(str).tolist():
            bad.append(f"order@{share}")
        else:
            for mine, theirs in (("gap_s", "gap_to_leader_s"), ("interval_s", "interval_s")):
                if not np.allclose(got[mine].to_numpy(float), want[theirs].to_numpy(float), atol=2e-3):
                    bad.append(f"{mine}@{share}")
        gs, ws = engine.stints(), ref.stints
        if len(gs) != len(ws) or gs["ended_by"].tolist() != ws["ended_by"].tolist() or \
                gs["lap_end"].tolist() != ws["lap_end"].tolist():  # fmt: skip
            bad.append(f"stints@{share}")
        if ref.meta.get("has_flags"):
            gf, wf = engine.phases(), ref.flags
            if gf["kind"].tolist() != wf["kind"].astype(str).tolist() or \
                    not np.allclose(gf["end"].to_numpy(float), wf["end"].to_numpy(float)):  # fmt: skip
                bad.append(f"phases@{share}")
        gp, wp = engine.stops(), ref.stops
        if len(gp) != len(wp) or gp["lap_in"].tolist() != wp["lap_in"].tolist():
            bad.append(f"stops@{share}")
        else:
            kinds[0] += int((gp["kind"].astype(str).to_numpy() == wp["kind"].astype(str).to_numpy()).sum())
            kinds[1] += len(gp)
    return f"{name}: {len(rows)} laps, {bad if bad else 'OK'}, stop kinds agree {kinds[0]}/{kinds[1]}"


if __name__ == "__main__":
    from conftest import manifest

    names = sys.argv[1:] or [r["race"] for r in manifest() if r["laps_file"]]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(check(name, tmp), flush=True)
