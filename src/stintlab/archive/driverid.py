"""The alias-resolved driver key stored on the archive's rows: ``driver_id``.

``entries`` and ``driver_categories`` keep each row's ``driver_key`` (:func:`stintlab.names.name_key`
of the name as written) and ``driver_id``: that key with the alias table followed
(:func:`stintlab.archive.identity.resolve_key`), so the season and career queries select and group a
driver's rows in SQL (``WHERE driver_id = ?``) without resolving names in Python. Ingest writes it
with each race; adding or removing an alias re-resolves the rows it changes; an archive made before
the column gets it (filled) on its first write-open, and is read with a computed copy until then.
"""

from __future__ import annotations

import contextlib

from stintlab.archive.identity import resolve_key

__all__ = ["DRIVER_ID_TABLES", "migrate", "read_only", "refresh", "with_driver_ids"]

#: the tables whose rows carry ``driver_id``
DRIVER_ID_TABLES = ("entries", "driver_categories")


def columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _alias_map(con, aliases: dict[str, str]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _alias_map (k VARCHAR, canon VARCHAR)")
    pairs = [(k, resolve_key(k, aliases)) for k in sorted(aliases)]
    if pairs:
        con.executemany("INSERT INTO _alias_map VALUES (?, ?)", pairs)


def with_driver_ids(df, aliases: dict[str, str]):
    """A copy of a table with ``driver_key`` plus its ``driver_id`` column (ingest)."""
    if df is None or "driver_key" not in df.columns:
        return df
    out = df.copy()
    out["driver_id"] = [k if not isinstance(k, str) else resolve_key(k, aliases) for k in out["driver_key"]]
    out["driver_id"] = out["driver_id"].astype("string")
    return out


def refresh(con, aliases: dict[str, str]) -> int:
    """Set ``driver_id`` to the resolved ``driver_key`` on every row where it differs, in one
    transaction. Returns the number of rows changed (0 when nothing differs: idempotent)."""
    _alias_map(con, aliases)
    changed = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for table in DRIVER_ID_TABLES:
            want = f"coalesce((SELECT m.canon FROM _alias_map m WHERE m.k = {table}.driver_key), driver_key)"
            n = con.execute(f"UPDATE {table} SET driver_id = {want} WHERE driver_id IS DISTINCT FROM {want}").fetchall()
            changed += int(n[0][0]) if n else 0
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _alias_map")
    return changed


def migrate(con, aliases: dict[str, str]) -> int:
    """Add the ``driver_id`` column where it is missing and fill it when any row lacks it (an archive
    made before it). Idempotent: a second run finds nothing to do and returns 0."""
    added = False
    for table in DRIVER_ID_TABLES:
        if "driver_id" not in columns(con, table):
            con.execute(f"ALTER TABLE {table} ADD COLUMN driver_id VARCHAR")
            added = True
    if not added:
        missing = sum(
            con.execute(f"SELECT count(*) FROM {t} WHERE driver_id IS NULL AND driver_key IS NOT NULL").fetchall()[0][0]
            for t in DRIVER_ID_TABLES
        )
        if not missing:
            return 0
    return refresh(con, aliases)


def read_only(con, aliases) -> None:
    """An older archive opened read-only: temporary copies of its tables with ``driver_id`` computed
    (they shadow the stored ones for this connection; the file is not changed). ``aliases``: a
    function giving the alias table (read only when a table lacks the column)."""
    sql = (
        "SELECT table_name, bool_or(column_name = 'driver_id') FROM information_schema.columns"
        " WHERE table_name IN ('entries', 'driver_categories') GROUP BY table_name"
    )
    for table, has in con.execute(sql).fetchall():
        if has:
            continue
        _alias_map(con, aliases())
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT t.*, coalesce(m.canon, t.driver_key) AS driver_id"
            f" FROM main.{table} t LEFT JOIN _alias_map m ON m.k = t.driver_key"
        )
        con.execute("DROP TABLE _alias_map")
