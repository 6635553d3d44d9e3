"""Tables and values as plain JSON data: the one serialiser shared by the CLI, the report and
the web app (the JSON keys are the public interface, documented in docs/cli.md).

>>> import numpy as np, pandas as pd
>>> to_jsonable({"a": np.int64(3), "b": float("nan"), "c": [np.float32(1.25), pd.NA]})
{'a': 3, 'b': None, 'c': [1.25, None]}
>>> records(pd.DataFrame({"car": ["7"], "laps": [np.int64(12)], "x": [1.0]}), ["laps", "car"])
[{'laps': 12, 'car': '7'}]
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["csv_value", "records", "to_jsonable", "write_atomically", "write_csv"]


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: NaN/NA become null, numpy scalars become Python numbers, floats are
    rounded to 3 decimals, timestamps become ISO text; dicts and sequences are converted deeply."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, 3)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """DataFrame rows as JSON-ready dicts (only ``columns`` when given, in that order)."""
    if columns is not None:
        df = df[columns]
    return [to_jsonable(dict(zip(df.columns, row))) for row in df.itertuples(index=False, name=None)]


def csv_value(value: Any) -> Any:
    """One CSV cell: the JSON value (seconds as numbers, null as empty), lists of plain values
    space-separated, nested data as JSON text."""
    v = to_jsonable(value)
    if v is None:
        return ""
    if isinstance(v, list) and all(not isinstance(x, (list, dict)) for x in v):
        return " ".join("" if x is None else str(x) for x in v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return v


def write_csv(fh, rows: list[dict], keys: list[str]) -> None:
    """Rows (dicts) as CSV on ``fh``: a header of ``keys``, then raw values (:func:`csv_value`)."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(keys)
    for r in rows:
        w.writerow([csv_value(r.get(k)) for k in keys])


def write_atomically(path, text: str, newline: str | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed over ``path``
    once complete: a full disk or a kill leaves the old file (or none), never a truncated one. ``newline``
    as for :func:`open` (``""`` for CSV text that carries its own line ends). A failure is a usage error
    naming the file."""
    from stintlab.errors import StintlabUsageError

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StintlabUsageError(f"{path}: cannot write the file ({e.strerror or e}); nothing was changed") from None
