"""The WEC/ACO classification layout (domain.md §1.3), which the corpus has no sample of:

    POSITION;NUMBER;TEAM;DRIVER_1;DRIVER_2;DRIVER_3;DRIVER_4;VEHICLE;TYRES;CLASS;GROUP;DIVISION;
    STATUS;LAPS;TOTAL_TIME;GAP_FIRST;GAP_PREVIOUS;FL_LAPNUM;FL_TIME;FL_KPH;DRIVER_5;

with `;` or `,`, apostrophe times (24:01'55.856, 3'29.208) and gaps '-', '+0.591', '1 Lap'.
All files are synthetic (invented teams and drivers), written to tmp_path.
"""

from __future__ import annotations

import pandas as pd
import pytest

import stintlab
from stintlab.errors import StintlabFormatError
from stintlab.io import detect_format, read_file

HEADER = (
    "POSITION;NUMBER;TEAM;DRIVER_1;DRIVER_2;DRIVER_3;DRIVER_4;VEHICLE;TYRES;CLASS;GROUP;DIVISION;STATUS;LAPS;"
    "TOTAL_TIME;GAP_FIRST;GAP_PREVIOUS;FL_LAPNUM;FL_TIME;FL_KPH;DRIVER_5;"
)
ROWS = [
    "1;7;Red Team;Ana TESTER;Bo EXAMPLE;Cy SAMPLE;;Proto R;M;HYPERCAR;H;;Classified;387;24:01'55.856;-;-;212;3'29.208;234.9;;",
    "2;007;Green Team;Renger van der Zande;Dee MOCK;;;Proto G;M;HYPERCAR;;;Classified;387;24:02'00.560;+4.704;+4.704;88;3'29.950;234.1;;",
    "3;31;Blue Team;Kévin ESTRE;Eva DUMMY;Fay FAKE;Gus PLACE;Oreca 07;G;LMP2;P/A;;Classified;386;24:01'58.100;1 Lap;1 Lap;150;3'35.100;228.4;Hal FIFTH;",
    "4;91;Grey Team;Ida ALPHA;Jon BETA;Kim GAMMA;;GT Car;G;LMGT3;;;Classified;360;24:02'10.000;27 Laps;26 Laps;300;3'58.004;205.9;;",
    "5;8;Black Team;Lou DELTA;Max EPSILON;;;Proto B;M;HYPERCAR;H;;Retired;250;16:40'01.250;137 Laps;110 Laps;40;3'30.400;233.5;;",
    "6;50;White Team;Ned ZETA;;;;GT Car;G;LMGT3;;;DSQ;359;24:03'01.001;28 Laps;1 Lap;200;3'59.500;204.8;;",
]


def write(tmp_path, rows=ROWS, header=HEADER, *, sep=";", eol="\r\n", bom=True, name="05_Classification_Race.CSV"):
    text = eol.join([header, *rows]) + eol
    if sep != ";":
        text = text.replace(";", sep)
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


def test_header_is_detected_as_classification():
    names = [n for n in HEADER.split(";") if n]
    assert detect_format(names) == "classification"


@pytest.mark.parametrize("sep,eol,bom", [(";", "\r\n", True), (",", "\n", False), (";", "\n", False)])
def test_wec_classification_values(tmp_path, sep, eol, bom):
    parsed = read_file(write(tmp_path, sep=sep, eol=eol, bom=bom), expect="classification")
    assert parsed.facts["layout"] == "wec"
    cls = parsed.table.set_index("car")
    assert list(parsed.table["car"]) == ["7", "007", "31", "91", "8", "50"]
    assert list(parsed.table["position"]) == [1, 2, 3, 4, 5, 6]
    # apostrophe times: 24:01'55.856 = 24 h 1 min 55.856 s
    assert cls.loc["7", "total_time"] == pytest.approx(24 * 3600 + 60 + 55.856, abs=1e-6)
    assert cls.loc["8", "total_time"] == pytest.approx(16 * 3600 + 40 * 60 + 1.25, abs=1e-6)
    assert cls.loc["7", "fastest_lap_time"] == pytest.approx(209.208, abs=1e-6)
    assert int(cls.loc["31", "fastest_lap_number"]) == 150
    assert cls.loc["91", "fastest_lap_kph"] == pytest.approx(205.9)
    # gaps: '-' leader, '+4.704' seconds, '1 Lap' / '27 Laps' laps
    assert (int(cls.loc["7", "gap_first_laps"]), cls.loc["7", "gap_first_seconds"]) == (0, 0.0)
    assert int(cls.loc["007", "gap_first_laps"]) == 0 and cls.loc["007", "gap_first_seconds"] == pytest.approx(4.704)
    assert int(cls.loc["31", "gap_first_laps"]) == 1
    assert int(cls.loc["91", "gap_first_laps"]) == 27
    assert cls.loc["31", "gap_first"] == "1 Lap" and cls.loc["50", "gap_previous"] == "1 Lap"
    # text fields
    assert cls.loc["31", "group"] == "P/A" and cls.loc["7", "group"] == "H" and pd.isna(cls.loc["91", "group"])
    assert cls.loc["31", "vehicle"] == "Oreca 07" and cls.loc["31", "tyres"] == "G"
    assert list(parsed.table["status"]) == ["Classified"] * 4 + ["Retired", "DSQ"]
    assert [int(v) for v in parsed.table["laps"]] == [387, 387, 386, 360, 250, 359]
    # class positions follow the overall order within each class
    assert {c: int(cls.loc[c, "class_position"]) for c in ["7", "007", "8", "31", "91", "50"]} == {
        "7": 1,
        "007": 2,
        "8": 3,
        "31": 1,
        "91": 1,
        "50": 2,
    }


def test_wec_crew_from_driver_columns_including_driver_5(tmp_path):
    crew = read_file(write(tmp_path), expect="classification").crew
    assert len(crew) == 3 + 2 + 5 + 3 + 2 + 1
    c31 = crew[crew["car"] == "31"].sort_values("slot")
    assert list(c31["slot"]) == [1, 2, 3, 4, 5]
    assert list(c31["driver"]) == ["Kévin ESTRE", "Eva DUMMY", "Fay FAKE", "Gus PLACE", "Hal FIFTH"]
    estre = c31.iloc[0]
    assert (estre["first_name"], estre["last_name"]) == ("Kévin", "ESTRE")
    vdz = crew[(crew["car"] == "007") & (crew["slot"] == 1)].iloc[0]
    assert (vdz["first_name"], vdz["last_name"]) == ("Renger", "van der Zande")
    assert crew["category"].isna().all()  # the WEC layout carries no FIA category
    assert set(crew[crew["car"] == "50"]["driver"]) == {"Ned ZETA"}


def test_rows_shorter_than_the_header_are_read(tmp_path):
    """Rows may drop their empty trailing fields (no DRIVER_5, no final separator)."""
    rows = [r.rstrip(";") for r in ROWS]
    assert rows[0].endswith(";234.9")  # 20 fields where the header has 21 names
    parsed = read_file(write(tmp_path, rows), expect="classification")
    assert len(parsed.table) == 6
    assert parsed.table["fastest_lap_kph"].iloc[0] == pytest.approx(234.9)


def test_comma_file_with_quoted_team_name(tmp_path):
    rows = [r.replace(";", ",") for r in ROWS]
    rows[0] = rows[0].replace("Red Team", '"Red Team, Racing"')
    parsed = read_file(write(tmp_path, rows, HEADER.replace(";", ","), sep=","), expect="classification")
    assert parsed.table["team"].iloc[0] == "Red Team, Racing"
    assert parsed.table["total_time"].iloc[0] == pytest.approx(86515.856, abs=1e-6)


def test_load_uses_a_wec_classification_given_as_results(tmp_path):
    laps = tmp_path / "laps.csv"
    hdr = "NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; CROSSING_FINISH_LINE_IN_PIT; ELAPSED; DRIVER_NAME;CLASS;TEAM;"
    rows = [
        "7;1;1;3:30.000;;3:30.000;Ana TESTER;HYPERCAR;Red Team;",
        "7;1;2;3:29.208;;6:59.208;Ana TESTER;HYPERCAR;Red Team;",
        "007;1;1;3:31.000;;3:31.000;Renger van der Zande;HYPERCAR;Green Team;",
        "007;1;2;3:35.000;B;7:06.000;Renger van der Zande;HYPERCAR;Green Team;",
    ]
    laps.write_text("\n".join([hdr, *rows]) + "\n", encoding="utf-8")
    res = write(tmp_path, ROWS[:2])
    race = stintlab.load(laps, results=res)
    assert race.meta["classification_source"] == "official"
    assert list(race.classification["car"]) == ["7", "007"]
    assert race.classification["official"].all()
    cars = race.cars.set_index("car")
    assert cars.loc["7", "official_crew"] == ["Ana TESTER", "Bo EXAMPLE", "Cy SAMPLE"]
    # found beside the lap file when it is the only classification there
    race2 = stintlab.load(laps)
    assert race2.meta["results_path"] == str(res)


@pytest.mark.parametrize(
    "column,value,line",
    [("LAPS", "many", 3), ("POSITION", "first", 2), ("TOTAL_TIME", "24h01", 4), ("FL_TIME", "3'2x.208", 5)],
)
def test_bad_value_is_located(tmp_path, column, value, line):
    names = [n for n in HEADER.split(";") if n]
    rows = list(ROWS)
    fields = rows[line - 2].split(";")
    fields[names.index(column)] = value
    rows[line - 2] = ";".join(fields)
    with pytest.raises(StintlabFormatError) as info:
        read_file(write(tmp_path, rows), expect="classification")
    assert (info.value.line, info.value.column) == (line, column)
    assert repr(value) in info.value.message


def test_car_classified_twice_is_an_error(tmp_path):
    rows = [*ROWS, ROWS[1].replace("2;007;", "7;007;", 1)]
    with pytest.raises(StintlabFormatError) as info:
        read_file(write(tmp_path, rows), expect="classification")
    assert (info.value.line, info.value.column) == (8, "NUMBER")
    assert "007" in info.value.message
