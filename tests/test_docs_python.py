"""docs/python.md runs: every ```python block is executed in order in one namespace (CORPUS given),
and the race it loads is checked against the raw rows of the lap file (csv module only)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest import lap_file

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.corpus


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples():
    assert len(blocks()) >= 6


def test_every_python_block_runs():
    path = lap_file("wec-2025-imola6h")  # skips (or fails under CI) when the corpus is absent
    corpus = path.parents[1]
    assert path == corpus / "wec-2025-imola6h" / "imola_6h.csv"  # the file the page names
    ns: dict = {"CORPUS": corpus, "__name__": "docs_python"}
    for i, code in enumerate(blocks(), 1):
        exec(compile(code, f"{DOC.name} block {i}", "exec"), ns)  # noqa: S102 - the page's own examples
    race = ns["race"]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header = [h.strip() for h in rows[0]]  # this file pads its header names with spaces
    raw = [dict(zip(header, r, strict=False)) for r in rows[1:] if r and r[0].strip()]
    assert len(race.laps) == len(raw)
    in_laps_92 = sum(1 for r in raw if r["NUMBER"].strip() == "92" and r["CROSSING_FINISH_LINE_IN_PIT"].strip() == "B")
    assert len(race.stops[race.stops["car"] == "92"]) == in_laps_92 > 0
    assert set(race.cars["car"]) == {r["NUMBER"].strip() for r in raw}
