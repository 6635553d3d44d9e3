"""The embedded demo race: a Le Mans-like 24 h race generated on demand.

Official timing data cannot ship with the package, so :func:`demo_path` simulates a race
from the checked-in calibrated parameters (``params.toml``) and a fixed seed, writes it
as an Al Kamel Analysis CSV into a per-user cache folder and returns its path. The same
parameters and seed always give the same file, so it is generated once and reused.
Beside it, ``entry_list.csv`` (columns ``car,driver,category``) gives each driver's FIA
category.

The cache folder is ``$STINTLAB_CACHE`` when set, else ``$XDG_CACHE_HOME/stintlab`` or
``~/.cache/stintlab``.

>>> p = demo_path()
>>> p.name, p.parent.name
('23_Analysis_Race_Hour 24.csv', 'stintlab-demo-24h')
>>> (p.parent / "entry_list.csv").read_text(encoding="utf-8").splitlines()[0]
'car,driver,category'
"""

from __future__ import annotations

import csv
import hashlib
import os
import uuid
from pathlib import Path

from stintlab.sim.model import PARAMS_PATH, demo_entries, load_params

__all__ = ["demo_path", "cache_dir", "DEMO_SEED", "DEMO_HOURS", "write_entry_list"]

DEMO_SEED = 2024
DEMO_HOURS = 24.0
DEMO_VERSION = "1"  # bump when the simulator's output changes for the same parameters
DEMO_FOLDER = "stintlab-demo-24h"
DEMO_FILE = "23_Analysis_Race_Hour 24.csv"


def cache_dir() -> Path:
    """The per-user cache folder of stintlab."""
    if os.environ.get("STINTLAB_CACHE"):
        return Path(os.environ["STINTLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stintlab"


def write_entry_list(entries, path) -> Path:
    """The crew categories as ``car,driver,category`` rows (written atomically)."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # unique per writer
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["car", "driver", "category"])
        for e in entries:
            for d in e.crew:
                w.writerow([e.car, d.name, d.category])
    tmp.replace(path)
    return path


def demo_path(seed: int = DEMO_SEED, hours: float = DEMO_HOURS, *, refresh: bool = False) -> Path:
    """Path of the demo race CSV, generating it (about a second) when it is not cached yet."""
    from stintlab.sim.simulate import simulate
    from stintlab.sim.writer import write_analysis_csv

    h = hashlib.sha256(PARAMS_PATH.read_bytes() + f"|{seed}|{hours}|{DEMO_VERSION}".encode())
    here = Path(__file__).parent
    for name in ("model.py", "simulate.py", "writer.py"):  # any change of the generator regenerates the file
        h.update((here / name).read_bytes())
    digest = h.hexdigest()[:12]
    folder = cache_dir() / f"demo-{digest}" / DEMO_FOLDER
    path = folder / DEMO_FILE
    entry_list = folder / "entry_list.csv"
    if path.is_file() and entry_list.is_file() and not refresh:
        return path
    entries = demo_entries(seed=seed)
    laps = simulate(entries, hours=hours, seed=seed, params=load_params())
    folder.mkdir(parents=True, exist_ok=True)
    write_entry_list(entries, entry_list)
    write_analysis_csv(laps, path)
    return path
