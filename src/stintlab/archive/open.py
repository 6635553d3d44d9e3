"""Reading archived races back: :func:`open_race` (a :class:`stintlab.Race` rebuilt from the stored
lap table and parts, the same tables as :func:`stintlab.load` of the files) and :func:`list_races`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import stintlab
from stintlab.archive.db import Archive, ArchiveError, default_db_path
from stintlab.archive.parts import FRAME_PARTS, decode_meta, frame_from
from stintlab.archive.rawstore import read_bytes
from stintlab.io import final_hourly, read_file
from stintlab.race import Race
from stintlab.race.loading import assemble
from stintlab.schema import LAP_COLUMNS, empty_laps

__all__ = ["open_race", "load_from_archive", "list_races", "classification_only_race", "classification_only_from"]


def open_race(race_id: str, db=None, *, lock_timeout: float = 120.0, reparse: bool = False):
    """An archived race as a :class:`stintlab.Race`, the same tables as :func:`stintlab.load` of its files.

    The Race is rebuilt from the stored lap table and the race's parsed parts
    (:mod:`stintlab.archive.parts`) with :func:`stintlab.race.loading.assemble`, the function
    :func:`stintlab.load` ends with; no file is parsed. ``reparse=True`` (and a race archived before
    the parts were stored) writes the stored raw files to a temporary folder and parses them again
    with the current parser. A classification-only race gives a Race with an empty lap table, its
    official classification, and cars/drivers from the official crew lists. ``race_id`` may be a
    unique part of an id (``2024-wec-le-mans``). ``lock_timeout``: seconds to wait while another
    process writes to the archive (then :class:`~stintlab.archive.db.ArchiveBusyError`).
    """
    with Archive(db, lock_timeout=lock_timeout) as arc:
        row = arc.race_row(race_id)
        rid = row["race_id"]
        parts = {} if reparse else _parts(arc, rid)
        if parts:
            laps = _stored_laps(arc, rid, row.get("race_no")) if row.get("has_laps") else None
        else:
            try:
                files = read_bytes(arc.con, arc.raw, rid)
            except OSError as exc:
                raise ArchiveError(arc.path, f"archive {arc.path}: the raw files of {rid}: {exc}") from None
    if parts:
        race = _from_parts(laps, parts, row)
    else:
        race = _reparse(files)
    race.meta.update({k: row.get(k) for k in ("race_id", "series", "season", "event", "track", "session")})
    race.meta["date"] = str(row["date"])[:10] if row.get("date") is not None and not pd.isna(row.get("date")) else None
    race.meta["name"] = row["race_id"]
    race.meta["archive"] = str(Path(db) if db is not None else default_db_path())
    race.meta["path"] = row["source"]
    return race


def _parts(arc: Archive, race_id: str) -> dict:
    """The race's stored parts; none for a race (or an archive, read-only) from before ``race_parts``."""
    import duckdb

    try:
        return dict(arc.con.execute("SELECT part, data FROM race_parts WHERE race_id = ?", [race_id]).fetchall())
    except duckdb.CatalogException:  # an archive made before the table, opened read-only
        return {}


def _stored_laps(arc: Archive, race_id: str, race_no=None) -> pd.DataFrame:
    """The race's rows of the ``laps`` table in their stored order (DuckDB keeps insertion order),
    converted straight to the canonical dtypes (string and Int8 columns through Arrow's type mapper).
    Selected by ``race_no`` (a literal, so DuckDB skips the row groups of other races by their
    statistics) when the race has one, else by ``race_id``."""
    import pyarrow as pa

    names = [c.name for c in LAP_COLUMNS]
    cols = ", ".join('"' + n + '"' for n in names)
    if race_no is not None and not pd.isna(race_no):
        where, params = f"race_no = {int(race_no)} AND race_id = $1", [race_id]
    else:
        where, params = "race_id = $1", [race_id]
    table = arc.con.sql(f"SELECT {cols} FROM laps WHERE {where}", params=params).to_arrow_table()
    mapper = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.int8(): pd.Int8Dtype()}
    df = table.to_pandas(types_mapper=mapper.get)
    wrong = {c.name: c.dtype for c in LAP_COLUMNS if str(df[c.name].dtype) != c.dtype}
    return df.astype(wrong) if wrong else df


def _from_parts(laps: pd.DataFrame | None, parts: dict, row: dict) -> Race:
    frames = {name: frame_from(parts[name]) if name in parts else None for name in FRAME_PARTS}
    if "meta" not in parts:  # a classification-only race
        return classification_only_from(frames["official"], frames["crew"], Path(str(row["source"])))
    return assemble(
        laps,
        decode_meta(parts["meta"]),
        official=frames["official"],
        crew=frames["crew"],
        entry_crew=frames["entry_crew"],
        sections=frames["sections"],
        weather=frames["weather"],
    )


def _reparse(files) -> Race:
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
            return stintlab.load(paths["laps"], results=results, find_results=False, weather=paths.get("weather"))
        return classification_only_race(paths["results"])


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
    return classification_only_from(res.table, res.crew, results_path)


def classification_only_from(table: pd.DataFrame, crew: pd.DataFrame | None, results_path: Path) -> Race:
    """:func:`classification_only_race` from the classification file's table and crew."""
    cls = table.copy()
    cls["official"] = True
    crew = crew if crew is not None else pd.DataFrame(columns=["car", "slot", "driver", "category", "country"])
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
