"""The schema is data, and docs/data.md shows exactly that data."""

from pathlib import Path

import pytest

from stintlab.schema import LAP_COLUMNS, SECTION_COLUMNS, markdown_table, validate_laps

DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"


def test_docs_embed_the_schema_tables():
    text = DOC.read_text(encoding="utf-8")
    assert markdown_table(LAP_COLUMNS) in text
    assert markdown_table(SECTION_COLUMNS) in text


def test_every_column_is_described():
    for c in LAP_COLUMNS:
        assert c.meaning and c.origin in ("observed", "derived")
        if c.origin == "observed":
            assert c.source, c.name


def test_validate_rejects_a_wrong_dtype():
    from stintlab.schema import empty_laps

    df = empty_laps()
    df["lap"] = df["lap"].astype("float64")
    with pytest.raises(ValueError, match="lap"):
        validate_laps(df)


@pytest.mark.corpus
def test_real_race_matches_schema(load_corpus_race):
    for name in ("lemans-2019", "lemans-2026", "imsa-2024-road-atlanta"):
        validate_laps(load_corpus_race(name).laps)
