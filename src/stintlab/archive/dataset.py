"""The archive as a hive-partitioned Parquet dataset, so a team can share one archive.

:func:`export_parquet` writes ``DIR/<table>/series=<S>/season=<Y>/*.parquet`` for ``races``,
``entries``, ``laps``, ``classification``, ``weather``, ``driver_categories`` and ``files`` (the
file list, without bytes), ``DIR/driver_aliases.parquet`` and a marker ``DIR/stintlab-dataset.json``.

:func:`open_dataset` gives an in-memory DuckDB connection whose views carry the archive's table
names and columns over that dataset, so every archive query (season, career, ratings, driver
search) runs unchanged: ``Archive(DIR)`` opens it read-only (``--db DIR`` on the command line).
``DIR`` may be a local folder or an object-storage URL DuckDB reads (``s3://bucket/archive``,
with DuckDB's httpfs extension and credentials set up as DuckDB documents).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["DATASET_TABLES", "MARKER", "export_parquet", "is_dataset", "open_dataset"]

MARKER = "stintlab-dataset.json"
#: tables written partitioned by the race's series and season (those without the columns get them from races)
DATASET_TABLES = ("races", "entries", "laps", "classification", "weather", "driver_categories", "files")
_OWN_PARTITION = ("races",)  # partitioned by its own series/season columns
_URL_PREFIXES = ("s3://", "gs://", "gcs://", "r2://", "az://", "abfss://", "http://", "https://")


def _sq(text: str) -> str:
    return str(text).replace("'", "''")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_dataset(path) -> bool:
    """True for a folder holding a Parquet export, or an object-storage URL."""
    text = str(path)
    if text.startswith(_URL_PREFIXES):
        return True
    p = Path(path)
    return p.is_dir() and (p / MARKER).is_file()


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def export_parquet(arc, out_dir) -> dict:
    """Write the archive open in ``arc`` as a hive-partitioned Parquet dataset (series/season) in
    ``out_dir`` (replacing an earlier export there). Returns ``{table: rows}``."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        from stintlab.errors import StintlabUsageError

        raise StintlabUsageError(
            f"{out} is a folder that is not a stintlab Parquet export: give an empty or new folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    con = arc.con
    counts, columns = {}, {}
    for table in DATASET_TABLES:
        cols = [c for c in _columns(con, table) if c != "data"]
        columns[table] = cols
        if table in _OWN_PARTITION or table == "driver_categories":
            # driver_categories has series/season of its own (the race's): partition by them
            select = f"SELECT {', '.join(map(_q, cols))} FROM {table}"
        else:
            select = (
                f"SELECT {', '.join('t.' + _q(c) for c in cols)}, r.series, r.season"
                f" FROM {table} t JOIN races r USING (race_id)"
            )
        n = con.execute(f"SELECT count(*) FROM ({select})").fetchall()[0][0]
        counts[table] = int(n)
        if n:
            con.execute(
                f"COPY ({select}) TO '{_sq(out / table)}'"
                " (FORMAT PARQUET, PARTITION_BY (series, season), OVERWRITE_OR_IGNORE, COMPRESSION zstd)"
            )
    aliases = out / "driver_aliases.parquet"
    con.execute(f"COPY (SELECT * FROM driver_aliases) TO '{_sq(aliases)}' (FORMAT PARQUET)")
    counts["driver_aliases"] = int(con.execute("SELECT count(*) FROM driver_aliases").fetchall()[0][0])
    (out / MARKER).write_text(
        json.dumps({"format": "stintlab-archive-parquet", "version": 1, "columns": columns, "rows": counts}, indent=1)
    )
    return counts


def _read_marker(root: str) -> dict:
    if root.startswith(_URL_PREFIXES):
        import duckdb

        con = duckdb.connect()
        text = con.execute(f"SELECT content FROM read_text('{_sq(root.rstrip('/') + '/' + MARKER)}')").fetchone()[0]
        con.close()
        return json.loads(text)
    return json.loads((Path(root) / MARKER).read_text())


def open_dataset(path):
    """An in-memory DuckDB connection with the archive's tables as views over the dataset at ``path``."""
    import duckdb

    from stintlab.archive.db import DDL
    from stintlab.archive.driverid import DRIVER_ID_TABLES
    from stintlab.archive.identity import resolve_key

    root = str(path).rstrip("/")
    info = _read_marker(root)
    con = duckdb.connect()
    for ddl in DDL:  # every table, empty: replaced below by a view where the export has rows
        con.execute(ddl.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", 1))
    con.execute("INSERT INTO archive_info VALUES ('dataset', ?)", [root])
    if not info["rows"].get("laps"):  # an export of classification-only races: an empty lap table
        import pandas as pd

        from stintlab.schema import empty_laps

        empty = empty_laps()
        empty.insert(0, "race_id", pd.Series([], dtype="string"))
        con.register("_empty_laps", empty)
        con.execute("CREATE TEMP TABLE laps AS SELECT * FROM _empty_laps")
        con.unregister("_empty_laps")
    if info["rows"].get("driver_aliases"):
        con.execute("DROP TABLE temp.driver_aliases")
        con.execute(
            f"CREATE TEMP VIEW driver_aliases AS SELECT * FROM read_parquet('{_sq(root + '/driver_aliases.parquet')}')"
        )
    aliases = dict(con.execute("SELECT alias_key, canonical_key FROM driver_aliases").fetchall())
    con.execute("CREATE TEMP TABLE _alias_map (k VARCHAR, canon VARCHAR)")  # read by exports made before driver_id
    if aliases:
        con.executemany("INSERT INTO _alias_map VALUES (?, ?)", [(k, resolve_key(k, aliases)) for k in aliases])
    for table in DATASET_TABLES:
        cols = info["columns"][table]
        if not info["rows"].get(table):
            continue
        glob = f"{root}/{table}/*/*/*.parquet"
        src = (
            f"read_parquet('{_sq(glob)}', hive_partitioning = true,"
            " hive_types = {'series': 'VARCHAR', 'season': 'INTEGER'})"
        )
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")
        extra = ", NULL::BLOB AS data" if table == "files" else ""  # the bytes are not exported
        if table in DRIVER_ID_TABLES and "driver_id" not in cols:  # an export made before driver_id
            extra = ", coalesce((SELECT m.canon FROM _alias_map m WHERE m.k = driver_key), driver_key) AS driver_id"
        con.execute(f"CREATE TEMP VIEW {table} AS SELECT {', '.join(map(_q, cols))}{extra} FROM {src}")
    return con
