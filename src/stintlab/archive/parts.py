"""The parsed parts of a race kept beside its lap table, so an archived race opens without its files.

``race_parts`` holds, per race, what :func:`stintlab.race.loading.assemble` needs besides the lap
table (``laps``): ``meta`` (the reader's facts and the event, JSON), and as Parquet bytes the official
classification and crew as the reader gave them (every column, not only the archive's
``classification`` columns), the crew of an entry list read with the laps (SRO), the section table
(WIGE, SRO) and the weather table. :func:`stintlab.archive.open.open_race` rebuilds the Race from
``laps`` + these parts: the same tables as :func:`stintlab.load` of the files (tested on corpus races),
at the parser version of the ingest (``races.parser_version``); the raw files stay in the store for a
re-parse (``open_race(..., reparse=True)``) and migrations.

>>> decode_meta(encode_meta({"a": (1, 2), "b": [("x", 3)], "c": float("nan"), "d": {"k": (None,)}}))["b"]
[('x', 3)]
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import numpy as np
import pandas as pd

__all__ = ["FRAME_PARTS", "decode_meta", "encode_meta", "frame_bytes", "frame_from", "race_parts", "results_parts"]

#: the table parts (Parquet bytes each); ``meta`` is JSON
FRAME_PARTS = ("official", "crew", "entry_crew", "sections", "weather")
#: meta keys a Race adds while its tables are built (not part of what was loaded)
_LAZY_META = ("crew_slot_matches",)


def _enc(v):
    if isinstance(v, tuple):
        return {"__tuple__": [_enc(x) for x in v]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {"__items__": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if isinstance(v, np.generic):
        return _enc(v.item())
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return {"__datetime__": v.isoformat()}
    if isinstance(v, dt.date):
        return {"__date__": v.isoformat()}
    if isinstance(v, float) and math.isnan(v):
        return {"__nan__": True}
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise TypeError(f"meta value {v!r} ({type(v).__name__}) cannot be stored")


def _dec(v):
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if isinstance(v, dict):
        if "__tuple__" in v:
            return tuple(_dec(x) for x in v["__tuple__"])
        if "__items__" in v:
            return {_dec(k): _dec(x) for k, x in v["__items__"]}
        if "__datetime__" in v:
            return pd.Timestamp(v["__datetime__"])
        if "__date__" in v:
            return dt.date.fromisoformat(v["__date__"])
        if "__nan__" in v:
            return float("nan")
        return {k: _dec(x) for k, x in v.items()}
    return v


def encode_meta(meta: dict) -> bytes:
    """A race's metadata as JSON bytes that :func:`decode_meta` gives back with its tuples, dates and NaN."""
    return json.dumps({k: _enc(v) for k, v in meta.items() if k not in _LAZY_META}).encode()


def decode_meta(data: bytes) -> dict:
    return {k: _dec(v) for k, v in json.loads(bytes(data)).items()}


def frame_bytes(df: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (zstd) keeping its pandas dtypes and index."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df), buf, compression="zstd")
    return buf.getvalue()


def frame_from(data: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(bytes(data))).to_pandas()


def race_parts(race) -> dict[str, bytes]:
    """The parts of a race loaded from its lap file (:func:`stintlab.race.loading.assemble`'s inputs)."""
    from stintlab.race.loading import LOAD_INPUTS

    inputs = race.once(LOAD_INPUTS, dict)
    frames = {
        "official": inputs.get("official"),
        "crew": inputs.get("crew"),
        "entry_crew": inputs.get("entry_crew"),
        "sections": race.sections,
        "weather": race.weather,
    }
    out = {"meta": encode_meta(race.meta)}
    out.update({name: frame_bytes(df) for name, df in frames.items() if df is not None})
    return out


def results_parts(results) -> dict[str, bytes]:
    """The parts of a classification-only race: the classification file's table and crew."""
    out = {"official": frame_bytes(results.table)}
    if results.crew is not None:
        out["crew"] = frame_bytes(results.crew)
    return out
