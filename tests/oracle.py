"""A raw-row oracle: race facts computed from an Al Kamel lap file with the csv module and the standard
library only (no stintlab, no pandas), to check stintlab against (tests/test_oracle.py).

What it knows of the format (docs: ../shared/docs/domain.md §1.2): UTF-8 with or without BOM; `;` or
`,` separator (the more frequent one in the header line); header names with leading spaces; every line
may end with a separator; car numbers are strings (`007` is not `7`); ELAPSED is race time and runs past
24 h (`25:03:01.123`); `B` in CROSSING_FINISH_LINE_IN_PIT marks the in-lap (the line crossed in the pit
lane), PIT_TIME sits on the out-lap; FLAG_AT_FL (when present) is the flag at the crossing (`FF` the
chequered flag).

Rules, written from the domain document, not from stintlab's code:

- standings at race time T: each car as of its last crossing with ELAPSED <= T; order by laps desc, then
  by that crossing's ELAPSED asc (cars tied on both keep the order they first appear in the file); class
  position: the same order within CLASS;
- stints of a car: the first starts at lap 1, another at every lap that follows a `B` lap of that car;
- stops of a car: its `B` laps (a `B` on the last row is a stop with no out-lap: retired in the pits);
- finishers: in a file with FLAG_AT_FL, the cars whose last crossing is `FF`; without it, the cars whose
  last crossing is at or after the winner's (most laps, earliest last crossing among them).
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass, field

__all__ = ["Crossing", "RawRace", "read_race", "parse_time", "read_classification", "final_hourly_classification"]


def parse_time(text: str) -> float | None:
    """Seconds of `ss.fff`, `m:ss.fff` or `h:mm:ss.fff` (hours may exceed 24); None when empty.

    >>> parse_time("25:03:01.123"), parse_time("1:17.492"), parse_time("58.5"), parse_time(" ")
    (90181.123, 77.492, 58.5, None)
    """
    text = text.strip().replace("'", ":")
    if not text:
        return None
    total = 0.0
    for part in text.split(":"):
        total = total * 60.0 + float(part)
    return round(total, 6)


@dataclass(frozen=True)
class Crossing:
    """One row of the lap file: the car crossing the line at the end of lap ``lap``."""

    car: str
    lap: int
    elapsed: float
    lap_time: float | None
    in_lap: bool  # `B`
    pit_time: bool  # PIT_TIME is not empty
    flag: str | None  # FLAG_AT_FL, None when the file has no such column
    cls: str
    line: int  # 1-based line in the file (header = 1)


@dataclass
class RawRace:
    path: str
    separator: str
    has_flags: bool
    cars: list[str] = field(default_factory=list)  # order of first appearance
    laps: dict[str, list[Crossing]] = field(default_factory=dict)  # car -> crossings by lap

    @property
    def rows(self) -> int:
        return sum(len(v) for v in self.laps.values())

    @property
    def end(self) -> float:
        return max(c[-1].elapsed for c in self.laps.values())

    def hours(self) -> int:
        """Race hours covered: ceil(last crossing / 3600)."""
        return math.ceil(self.end / 3600.0)

    def class_of(self, car: str) -> str:
        return self.laps[car][-1].cls

    def standings_at(self, t: float) -> list[dict]:
        """[{car, class, laps, race_time, in_pit, position, class_position}] at race time ``t``."""
        rows = []
        for i, car in enumerate(self.cars):
            last = None
            for c in self.laps[car]:
                if c.elapsed <= t:
                    last = c
                else:
                    break
            if last is not None:
                rows.append((-last.lap, last.elapsed, i, last))
        rows.sort(key=lambda r: r[:3])
        out, per_class = [], {}
        for pos, (_, _, _, c) in enumerate(rows, 1):
            per_class[c.cls] = per_class.get(c.cls, 0) + 1
            out.append({"car": c.car, "class": c.cls, "laps": c.lap, "race_time": c.elapsed, "in_pit": c.in_lap,
                        "position": pos, "class_position": per_class[c.cls]})  # fmt: skip
        return out

    def standings_after_hour(self, n: int) -> list[dict]:
        """The official hour-n classification's convention (docs/analysis.md): L = most laps done at
        n:00:00; the cut is the first crossing of any car's lap L + 2, that crossing excluded."""
        done = [c.lap for cs in self.laps.values() for c in cs if c.elapsed <= n * 3600.0]
        target = (max(done) if done else 0) + 2
        cut = [c.elapsed for cs in self.laps.values() for c in cs if c.lap == target]
        if not cut:
            return self.standings_at(self.end)
        return self.standings_at(min(cut) - 0.0005)

    def final_order(self) -> list[dict]:
        """Every car at its last crossing, in standings order."""
        return self.standings_at(math.inf)

    def stints_per_car(self) -> dict[str, int]:
        out = {}
        for car in self.cars:
            rows = self.laps[car]
            out[car] = 1 + sum(1 for prev in rows[:-1] if prev.in_lap)
        return out

    def stops_per_car(self) -> dict[str, int]:
        return {car: sum(1 for c in self.laps[car] if c.in_lap) for car in self.cars}

    def finishers(self) -> set[str]:
        if self.has_flags:
            return {car for car in self.cars if self.laps[car][-1].flag == "FF"}
        winner = self.final_order()[0]
        return {car for car in self.cars if self.laps[car][-1].elapsed >= winner["race_time"]}


@functools.cache
def read_race(path) -> RawRace:
    """Read a lap file (cached per path: treat the result as read-only)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header_line = fh.readline()
        sep = ";" if header_line.count(";") >= header_line.count(",") else ","
        names = [n.strip() for n in next(csv.reader([header_line], delimiter=sep))]
        ix = {n: i for i, n in enumerate(names) if n}
        race = RawRace(str(path), sep, "FLAG_AT_FL" in ix)

        cols = [ix.get(n) for n in ("NUMBER", "LAP_NUMBER", "LAP_TIME", "ELAPSED", "CROSSING_FINISH_LINE_IN_PIT",
                                    "PIT_TIME", "FLAG_AT_FL", "CLASS")]  # fmt: skip
        rows = []
        for line, fields in enumerate(csv.reader(fh, delimiter=sep), 2):
            if not any(f.strip() for f in fields):
                continue
            v = [fields[i].strip() if i is not None and i < len(fields) else "" for i in cols]
            rows.append((v[0], int(v[1]), v, line))
    prev_elapsed: dict[str, float] = {}
    for car, lap, v, line in sorted(rows, key=lambda r: (r[0], r[1])):
        lap_time = parse_time(v[2])
        elapsed = parse_time(v[3])
        if elapsed is None:  # an empty ELAPSED: the previous crossing plus this lap
            elapsed = prev_elapsed.get(car, 0.0) + (lap_time or 0.0)
        prev_elapsed[car] = elapsed
        flag = (v[6] or None) if race.has_flags else None
        c = Crossing(car, lap, elapsed, lap_time, v[4] == "B", bool(v[5]), flag, v[7] or "ALL", line)
        race.laps.setdefault(car, []).append(c)
    first_line = {car: min(c.line for c in crossings) for car, crossings in race.laps.items()}
    race.cars = sorted(race.laps, key=first_line.get)
    return race


def read_classification(path) -> list[dict]:
    """An official WEC/ACO classification (``POSITION,NUMBER,...,CLASS,...,STATUS,LAPS,TOTAL_TIME``) with the
    csv module: [{position, car, class, laps, status, total_time}] in POSITION order (rows without a
    position last, in file order), class positions counted in that order within CLASS."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header_line = fh.readline()
        sep = ";" if header_line.count(";") > header_line.count(",") else ","
        names = [n.strip() for n in next(csv.reader([header_line], delimiter=sep))]
        ix = {n: i for i, n in enumerate(names) if n}
        rows = []
        for k, fields in enumerate(csv.reader(fh, delimiter=sep)):
            if not any(f.strip() for f in fields):
                continue
            v = {n: fields[i].strip() if i < len(fields) else "" for n, i in ix.items()}
            pos = v["POSITION"]
            rows.append((int(pos) if pos.isdigit() else math.inf, k, {
                "car": v["NUMBER"], "class": v["CLASS"], "laps": int(v["LAPS"] or 0), "status": v["STATUS"],
                "total_time": parse_time(v["TOTAL_TIME"]) if v["TOTAL_TIME"] else None}))  # fmt: skip
    out, per_class = [], {}
    for n, (_pos, _k, r) in enumerate(sorted(rows, key=lambda x: x[:2]), 1):
        per_class[r["class"]] = per_class.get(r["class"], 0) + 1
        out.append(dict(r, position=n, class_position=per_class[r["class"]]))
    return out


def final_hourly_classification(folder) -> str:
    """The last hour's file among ``<session>-race-hour-N-results.csv`` of ``folder`` (highest N)."""
    import os
    import re

    best = max((int(m.group(1)), f) for f in os.listdir(folder) if (m := re.search(r"hour-(\d+)-results\.csv$", f)))
    return os.path.join(folder, best[1])
