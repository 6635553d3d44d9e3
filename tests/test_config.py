"""One frozen, documented set of thresholds: the analysis modules read theirs from it, and
docs/thresholds.md is generated from it."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from stintlab.config import THRESHOLDS, thresholds_markdown

# the modules (stintlab.analysis exports functions under some of these names)
classification, flags, incidents, pace, rankings, slowzones, stops = (
    import_module(f"stintlab.analysis.{m}")
    for m in ("classification", "flags", "incidents", "pace", "rankings", "slowzones", "stops")
)

ROOT = Path(__file__).resolve().parents[1]


def test_docs_page_is_generated_from_the_config():
    assert (ROOT / "docs" / "thresholds.md").read_text(encoding="utf-8") == thresholds_markdown()


def test_module_constants_are_the_config_values():
    t = THRESHOLDS
    pairs = [
        (flags.INFER_RATIO, t.infer_ratio), (flags.SC_MIN_DURATION, t.sc_min_duration),
        (slowzones.RATIO, t.slow_zone_ratio), (slowzones.LOCAL, t.slow_zone_local),
        (incidents.RATIO, t.incident_ratio), (incidents.MIN_LOSS, t.incident_min_loss),
        (stops.GARAGE_MIN, t.garage_min), (stops.DRIVE_THROUGH_SHARE, t.drive_through_share),
        (stops.IN_LAP_MIN_LOSS, t.in_lap_min_loss), (pace.MIN_CLEAN_LAPS, t.min_clean_laps),
        (pace.INDEX_WINDOW, t.index_window), (rankings.N_BOOT, t.n_boot),
    ]  # fmt: skip
    assert all(a == b for a, b in pairs)
    # no module keeps a literal copy of a threshold the config owns
    for mod in (flags, slowzones, incidents, stops, pace, rankings, classification):
        text = Path(mod.__file__).read_text(encoding="utf-8")
        assert "= THRESHOLDS." in text or mod is classification
        assert "1.5 * typical" not in text  # the snapshot slack lives in the config
    # every threshold is documented with a unit slot, its module and a meaning
    for name, _value, _unit, module, meaning in THRESHOLDS.describe():
        assert (ROOT / "src" / "stintlab" / "analysis" / f"{module}.py").is_file(), name
        assert meaning.strip(), name
