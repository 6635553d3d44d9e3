"""The "WithSections" lap variant (domain.md §1.2): extra ``<LOOP>_time`` / ``<LOOP>_elapsed``
columns after the 29 standard ones go to ``race.sections`` (car, lap, loop, time, elapsed), one
row per lap and loop; the canonical lap table is unchanged. Synthetic files in tmp_path."""

from __future__ import annotations

import numpy as np
import pytest

import stintlab
from stintlab.errors import StintlabFormatError
from stintlab.schema import SECTION_COLUMNS, validate_laps

BASE = (
    "NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; LAP_IMPROVEMENT; CROSSING_FINISH_LINE_IN_PIT; S1; S1_IMPROVEMENT; "
    "S2; S2_IMPROVEMENT; S3; S3_IMPROVEMENT; KPH; ELAPSED; HOUR;S1_LARGE;S2_LARGE;S3_LARGE;TOP_SPEED;DRIVER_NAME;"
    "PIT_TIME;CLASS;GROUP;TEAM;MANUFACTURER;FLAG_AT_FL;S1_SECONDS;S2_SECONDS;S3_SECONDS;"
)
LOOPS = "SCL2_time;SCL2_elapsed;IP1_time;IP1_elapsed;FL_time;FL_elapsed;"


def row(car, lap, lap_time, elapsed, hour, s1, s2, s3, loops):
    std = (
        f"{car};1;{lap};{lap_time};0;;{s1};0;{s2};0;{s3};0;220.0;{elapsed};{hour};{s1};{s2};{s3};330.0;"
        f"Ana TESTER;;HYPERCAR;H;Test Team;Testa;GF;0;0;0;"
    )
    return std + loops


# car 51 lap 2 comes before lap 1 in the file, and car 6 sits between them: the side table must
# follow the lap table's order (stintlab.load: cars in natural order, 6 before 51, then lap).
ROWS = [
    row(
        "51",
        2,
        "3:25.000",
        "6:55.000",
        "16:06:55.000",
        "35.000",
        "1:20.000",
        "1:30.000",
        "12.100;12.100;40.000;52.100;2:32.900;3:25.000;",
    ),
    row(
        "6",
        1,
        "3:40.000",
        "3:40.000",
        "16:03:40.000",
        "45.000",
        "1:25.000",
        "1:30.000",
        "15.000;15.000;45.500;1:00.500;2:39.500;3:40.000;",
    ),
    row(
        "51",
        1,
        "3:30.000",
        "3:30.000",
        "16:03:30.000",
        "40.000",
        "1:20.000",
        "1:30.000",
        "14.000;14.000;41.000;55.000;2:35.000;3:30.000;",
    ),
]


def write(tmp_path, rows=ROWS, header=BASE + LOOPS):
    p = tmp_path / "23_AnalysisEnduranceWithSections_Race.CSV"
    p.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return p


def test_sections_side_table(tmp_path):
    race = stintlab.load(write(tmp_path), find_results=False)
    assert race.meta["variant"] == "analysis-sections"
    assert race.meta["extra_columns"] == [n for n in LOOPS.split(";") if n]
    validate_laps(race.laps)  # the lap table keeps exactly the canonical columns
    assert list(race.laps["car"]) == ["6", "51", "51"] and list(race.laps["lap"]) == [1, 1, 2]
    sec = race.sections
    assert list(sec.columns) == [c.name for c in SECTION_COLUMNS]
    assert [str(sec[c.name].dtype) for c in SECTION_COLUMNS] == [c.dtype for c in SECTION_COLUMNS]
    assert len(sec) == 3 * 3  # laps × loops
    assert set(sec["loop"]) == {"SCL2", "IP1", "FL"}
    s = sec.set_index(["car", "lap", "loop"])
    assert s.loc[("51", 2, "IP1"), "time"] == pytest.approx(40.0)
    assert s.loc[("51", 2, "IP1"), "elapsed"] == pytest.approx(52.1)
    assert s.loc[("51", 1, "SCL2"), "time"] == pytest.approx(14.0)
    assert s.loc[("6", 1, "FL"), "time"] == pytest.approx(159.5)  # 2:39.500
    # FL_elapsed equals the lap time on every lap
    fl = sec[sec["loop"] == "FL"].merge(race.laps[["car", "lap", "lap_time"]], on=["car", "lap"])
    assert len(fl) == 3 and np.allclose(fl["elapsed"], fl["lap_time"])
    # within a loop, rows follow the lap table order
    assert list(sec[sec["loop"] == "SCL2"][["car", "lap"]].itertuples(index=False, name=None)) == [
        ("6", 1),
        ("51", 1),
        ("51", 2),
    ]


def test_standard_file_has_no_sections(tmp_path):
    rows = [r.rsplit(";", 7)[0] + ";" for r in ROWS]  # drop the 6 loop fields
    race = stintlab.load(write(tmp_path, rows, BASE), find_results=False)
    assert race.meta["variant"] == "analysis-29"
    assert race.sections is None


def test_sro_style_loop_names(tmp_path):
    """SRO/GR Cup WithSections: loops named IM1a, IM1 ... FL after the Sn_SECONDS columns."""
    header = BASE + "IM1a_time;IM1a_elapsed;FL_time;FL_elapsed;"
    rows = [r.rsplit(";", 7)[0] + ";10.000;10.000;3:20.000;3:30.000;" for r in ROWS]
    race = stintlab.load(write(tmp_path, rows, header), find_results=False)
    assert race.meta["variant"] == "analysis-sections"
    assert sorted(set(race.sections["loop"])) == ["FL", "IM1a"]
    assert (race.sections[race.sections["loop"] == "IM1a"]["time"] == 10.0).all()


def test_bad_section_time_is_located(tmp_path):
    rows = list(ROWS)
    rows[1] = rows[1].replace("45.500;1:00.500", "45.500;1:0x.500")
    with pytest.raises(StintlabFormatError) as info:
        stintlab.load(write(tmp_path, rows), find_results=False)
    assert (info.value.line, info.value.column) == (3, "IP1_elapsed")
