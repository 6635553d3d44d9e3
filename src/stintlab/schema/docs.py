"""docs/tables.md generated from the output-table schemas (:mod:`stintlab.schema.tables`).

``python -m stintlab.schema.docs > docs/tables.md`` regenerates it; a test checks the page and
the code agree.
"""

from __future__ import annotations

from stintlab.schema.laps import LAP_COLUMNS
from stintlab.schema.tables import ANNOTATED_COLUMNS, TABLE_TITLES, TABLES

__all__ = ["tables_markdown"]


def tables_markdown() -> str:
    """docs/tables.md, generated from :data:`TABLES` (the lap table itself is in docs/data.md)."""
    out = [
        "# Tables: the annotated lap table and every output table",
        "",
        "Generated from `stintlab.schema.tables` (`python -m stintlab.schema.docs > docs/tables.md`); a test",
        "checks that this page and the code agree, and that the tables of every corpus race match it (names",
        "and dtype kinds). The lap table itself is in `docs/data.md`. Times are race seconds (float); car",
        "numbers are strings. `origin` is `derived` for every column here: stintlab computes them.",
    ]
    lap_names = {c.name for c in LAP_COLUMNS}
    for name, (title, funcs, cli) in TABLE_TITLES.items():
        if name == "laps":
            continue
        cols = TABLES[name]
        out += ["", f"## {title} (`{name}`)", "", f"Returned by {funcs}." + (f" CLI: {cli} `--json`." if cli else "")]
        if name in ("annotated_laps", "clean_laps"):
            base = "the lap table" if name == "annotated_laps" else "the annotated lap table"
            keep = lap_names if name == "annotated_laps" else {c.name for c in ANNOTATED_COLUMNS}
            out.append(f"Every column of {base}, plus:")
            cols = tuple(c for c in cols if c.name not in keep)
        out += ["", "| column | dtype | unit | meaning |", "|---|---|---|---|"]
        out += [f"| `{c.name}` | {c.dtype} | {c.unit} | {c.meaning} |" for c in cols]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates docs/tables.md
    print(tables_markdown(), end="")
