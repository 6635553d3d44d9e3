"""Reading archived races back: :func:`open_race` (a :class:`stintlab.Race`, exactly as
:func:`stintlab.load` reads the stored files) and :func:`list_races`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import stintlab
from stintlab.archive.db import Archive, ArchiveError, default_db_path
from stintlab.archive.rawstore import read_bytes
from stintlab.io import final_hourly, read_file
from stintlab.race import Race
from stintlab.schema import empty_laps

__all__ = ["open_race", "load_from_archive", "list_races", "classification_only_race"]


def open_race(race_id: str, db=None, *, lock_timeout: float = 120.0):
    """Re-read an archived race as a :class:`stintlab.Race`, exactly as :func:`stintlab.load` reads it.

    The raw files stored in the archive are written to a temporary folder and parsed again (with
    the current parser). A classification-only race gives a Race with an empty lap table, its
    official classification, and cars/drivers from the official crew lists. ``race_id`` may be a
    unique part of an id (``2024-wec-le-mans``). ``lock_timeout``: seconds to wait while another
    process writes to the archive (then :class:`~stintlab.archive.db.ArchiveBusyError`).
    """
    with Archive(db, lock_timeout=lock_timeout) as arc:
        row = arc.race_row(race_id)
        try:
            files = read_bytes(arc.con, arc.raw, row["race_id"])
        except OSError as exc:
            raise ArchiveError(arc.path, f"archive {arc.path}: the raw files of {row['race_id']}: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="stintlab-archive-") as tmp:
        paths, hourly = {}, []
        for role, name, data in files:
            # a WIGE sector file, an SRO pit-stop file and entry list sit beside their lap file:
            # stintlab.load finds them there by their content
            sub = Path(tmp) / ("laps" if role in ("sectors", "pitstops", "entry_list") else role)
            sub.mkdir(exist_ok=True)
            p = sub / name
            p.write_bytes(data)
            if role == "hourly":
                hourly.append(p)
            else:
                paths[role] = p
        if "laps" in paths:
            # no classification file: the final hourly one is the official classification (as at ingest)
            results = paths.get("results") or final_hourly(hourly)
            race = stintlab.load(paths["laps"], results=results, find_results=False, weather=paths.get("weather"))
        else:
            race = classification_only_race(paths["results"])
    race.meta.update({k: row.get(k) for k in ("race_id", "series", "season", "event", "track", "session")})
    race.meta["date"] = str(row["date"])[:10] if row.get("date") is not None and not pd.isna(row.get("date")) else None
    race.meta["name"] = row["race_id"]
    race.meta["archive"] = str(Path(db) if db is not None else default_db_path())
    race.meta["path"] = row["source"]
    return race


load_from_archive = open_race


def list_races(
    db=None, series: str | None = None, season: int | None = None, *, lock_timeout: float = 120.0
) -> pd.DataFrame:
    """The archived races (one row each, ``races`` table columns), e.g. for a race picker."""
    with Archive(db, lock_timeout=lock_timeout) as arc:
        return arc.races(series, season)


def classification_only_race(results_path: Path) -> Race:
    """A Race from an official classification alone: empty lap table, cars and drivers from the crews."""
    res = read_file(results_path, expect="classification")
    cls = res.table.copy()
    cls["official"] = True
    crew = res.crew if res.crew is not None else pd.DataFrame(columns=["car", "slot", "driver", "category", "country"])
    names = crew.groupby("car")["driver"].agg(list) if len(crew) else pd.Series(dtype=object)
    cars = pd.DataFrame(
        {
            "car": cls["car"].astype("string"),
            "class": cls["class"],
            "group": cls.get("group"),
            "team": cls["team"],
            "manufacturer": pd.array([None] * len(cls), dtype="string"),
            "laps": cls["laps"],
        }
    )
    cars["crew"] = [names.get(c, []) for c in cars["car"]]
    cars["drivers"] = cars["crew"].map(len)
    cars["vehicle"] = cls["vehicle"].to_numpy() if "vehicle" in cls else None
    cars["official_crew"] = cars["crew"]
    cls_of = cls.set_index("car")
    drivers = pd.DataFrame(
        {
            "driver": crew["driver"].astype("string"),
            "car": crew["car"].astype("string"),
            "driver_slot": crew["slot"],
            "class": crew["car"].map(cls_of["class"]),
            "team": crew["car"].map(cls_of["team"]),
            "category": crew["category"],
            "country": crew["country"],
            "laps": pd.array([pd.NA] * len(crew), dtype="Int32"),
            "first_lap": pd.array([pd.NA] * len(crew), dtype="Int32"),
            "last_lap": pd.array([pd.NA] * len(crew), dtype="Int32"),
        }
    )
    meta = {
        "path": str(results_path),
        "name": results_path.parent.name,
        "format": "alkamel-classification",
        "variant": "classification-only",
        "results_path": str(results_path),
        "classification_source": "official",
        "has_flags": False,
        "start_time_of_day": np.nan,
        "classification_only": True,
    }
    return Race(laps=empty_laps(), classification=cls, cars=cars, drivers=drivers, meta=meta, official_crew=crew)
