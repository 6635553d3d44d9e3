"""Every table stintlab reads or writes, written down as data.

- :mod:`stintlab.schema.laps`: the canonical lap table every reader produces (:data:`LAP_COLUMNS`) and the
  section table of "WithSections" files.
- :mod:`stintlab.schema.tables`: the annotated lap table and every output table of the analysis
  (standings, classification, stints, stops, phases, incidents, events, time losses, driver metrics and
  rankings), :func:`check_columns` for public entry points and :func:`check_table` for tests.

``docs/data.md`` embeds the lap tables and ``docs/tables.md`` is generated from the output tables
(``python -m stintlab.schema.docs > docs/tables.md``); ``tests/test_schema*.py`` check both.

>>> from stintlab.schema import LAP_COLUMNS, TABLES
>>> LAP_COLUMNS[0].name, TABLES["stops"][0].name
('car', 'car')
"""

from stintlab.schema.docs import tables_markdown
from stintlab.schema.laps import (
    LAP_COLUMNS,
    SECTION_COLUMNS,
    ColumnSpec,
    column,
    empty_laps,
    markdown_table,
    validate_laps,
)
from stintlab.schema.tables import (
    ANNOTATED_COLUMNS,
    TABLES,
    check_columns,
    check_table,
    empty_table,
    table_columns,
)

__all__ = [
    "ColumnSpec",
    "LAP_COLUMNS",
    "SECTION_COLUMNS",
    "ANNOTATED_COLUMNS",
    "TABLES",
    "column",
    "markdown_table",
    "empty_laps",
    "validate_laps",
    "check_columns",
    "check_table",
    "empty_table",
    "table_columns",
    "tables_markdown",
]
