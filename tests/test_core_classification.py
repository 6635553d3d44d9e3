"""Derived classification against the official IMSA classifications (ground truth), and
the facts of real races checked from their raw rows."""

import pytest

from conftest import lap_races, manifest
from stintlab.analysis.classification import compare_with_official, derive_classification

pytestmark = pytest.mark.corpus


def _imsa_with_results():
    return [r["race"] for r in manifest() if r["laps_file"] and r["results_file"]] if lap_races() != ["<corpus missing>"] else []


def test_fifteen_imsa_races_have_both_files(corpus):
    assert len(_imsa_with_results()) == 15


@pytest.mark.parametrize("name", _imsa_with_results() or ["<corpus missing>"])
def test_derived_order_equals_official_or_is_explained(name, load_corpus_race):
    race = load_corpus_race(name)
    assert race.has_official_classification
    diff = compare_with_official(race.derived_classification, race.classification)
    assert "unexplained" not in set(diff["explanation"]), diff.to_string()
    assert not any(e.startswith("laps differ") for e in diff["explanation"]), diff.to_string()


def _explanations(race):
    d = compare_with_official(race.derived_classification, race.classification)
    return dict(zip(d["car"], d["explanation"]))


def test_known_post_race_decisions(load_corpus_race):
    # WG 2021 #48: last crossing ELAPSED 6:00:22.738 (raw row lap 200), official TOTAL_TIME 6:00:57.738 -> +35 s.
    assert _explanations(load_corpus_race("imsa-2021-6h-watkins-glen-international"))["48"] == "time penalty +35.000s"
    # Road Atlanta 2022 #62: 386 laps at 10:00:33.808, officially 32nd behind 385-lap cars.
    assert _explanations(load_corpus_race("imsa-2022-road-atlanta"))["62"] == "position penalty"
    # WG 2023 #24 is classified (0 laps) but never crossed the line.
    assert _explanations(load_corpus_race("imsa-2023-watkins-glen-international"))["24"] == "not in lap file"
    # WG 2025 #85: last crossing in the pit lane 150 s before its official time.
    assert _explanations(load_corpus_race("imsa-2025-watkins-glen-international"))["85"] == "time penalty +150.000s"


def test_races_without_decisions_match_exactly(load_corpus_race):
    for name in ("imsa-2021-sebring-international-raceway", "imsa-2023-road-atlanta", "imsa-2025-sebring-international-raceway"):
        race = load_corpus_race(name)
        off = race.classification[["car", "position", "laps"]].reset_index(drop=True)
        der = race.derived_classification[["car", "position", "laps"]].reset_index(drop=True)
        assert off["car"].tolist() == der["car"].tolist(), name
        assert (off["laps"] == der["laps"]).all()


def test_lemans_2019_derived_result(load_corpus_race):
    c = load_corpus_race("lemans-2019").classification
    assert not c["official"].any()
    top = c.head(2)
    # Toyota #8 won from #7 by 16.972 s after 385 laps (raw rows: 24:00:10.574 vs 24:00:27.546).
    assert top["car"].tolist() == ["8", "7"]
    assert top["laps"].tolist() == [385, 385]
    assert c["gap_first"].iat[1] == "+16.972"
    by_car = c.set_index("car")
    # #43 (LMP2) ended on lap 295 with a B: retired in the pits.
    assert by_car.loc["43", "status"] == "Retired in pits"
    # #17 (LMP1) stopped on track on lap 163.
    assert by_car.loc["17", "status"] == "Retired"
    assert (c["status"] == "Running").sum() == 49
    # class positions restart in every class
    assert sorted(c.loc[c["class"] == "LMGTE Am", "class_position"].tolist()) == list(range(1, 17))


def test_derived_classification_edge_cases():
    import pandas as pd

    from stintlab.schema import empty_laps

    assert derive_classification(empty_laps()).empty
    laps = pd.DataFrame(
        {
            "car": pd.array(["1", "1", "2", "3"], dtype="string"),
            "lap": [1, 2, 1, 1],
            "class": pd.array(["A", "A", "A", "B"], dtype="string"),
            "group": pd.array(["", "", "", ""], dtype="string"),
            "team": pd.array(["t", "t", "u", "v"], dtype="string"),
            "manufacturer": pd.array(["m", "m", "m", "m"], dtype="string"),
            "elapsed": [100.0, 200.0, 150.0, 90.0],
            "lap_time": [100.0, 100.0, 150.0, 90.0],
            "in_lap": [False, False, True, False],
        }
    )
    c = derive_classification(laps, finished=True)
    assert c["car"].tolist() == ["1", "3", "2"]  # 2 laps first; then the earlier crossing at 1 lap
    assert c["status"].tolist() == ["Running", "Retired", "Retired in pits"]
    assert c["class_position"].tolist() == [1, 1, 2]
    assert c["gap_first"].tolist() == ["-", "1 Lap", "1 Lap"]


def test_finished_race_or_snapshot(load_corpus_race):
    from stintlab.analysis.classification import race_finished

    for name in ("lemans-2019", "lemans-2024", "wec-2020-spa6h"):
        assert race_finished(load_corpus_race(name).laps), name
    lm24 = load_corpus_race("lemans-2024").laps
    lm19 = load_corpus_race("lemans-2019").laps
    # a file cut at 12:02 of racing, as an hourly "_Hour 12" file would be: no FF crossing in it
    assert not race_finished(lm24[lm24["elapsed"] <= 12 * 3600 + 123])
    # no flag column (2019): the cars' last crossings are spread over the last lap, half before the leader's
    cut = lm19[lm19["elapsed"] <= 12 * 3600 + 123]
    assert not race_finished(cut)
    c = derive_classification(cut)
    assert set(c["status"]) <= {"Running", "In pits", "Stopped"}
    assert (c["status"] == "Running").sum() == 53
    # #17 (LMP1) last crossed the line at 10:18:13 on lap 163 and was never seen again: stopped
    assert c.set_index("car").loc["17", "status"] == "Stopped"
    # told otherwise, the same rows give the finished-race statuses
    assert set(derive_classification(cut, finished=True)["status"]) <= {"Running", "Retired", "Retired in pits"}


# compare_with_official, pinned per race: car -> explanation of every car whose derived position differs.
# Time penalties were computed from the raw files with the csv module (tests/oracle.py and the results
# CSV): official TOTAL_TIME minus the car's last ELAPSED in the lap file, at equal laps. Results lines
# and lap-file lines are file lines (header = line 1). "knock-on" cars carry no decision of their own.
_K = "knock-on"
PINNED = {
    # #48: results line 6 TOTAL_TIME 6:00:57.738, lap file line 4073 ELAPSED 6:00:22.738 -> +35 s; #31 drops behind it
    "imsa-2021-6h-watkins-glen-international": {"48": "time penalty +35.000s", "31": _K},
    # #52: results line 8 TOTAL_TIME 10:01:43.779, lap file line 8834 -> +37 s
    "imsa-2021-road-atlanta": {"52": "time penalty +37.000s", "8": _K},
    "imsa-2021-sebring-international-raceway": {},
    # #62 (GTDPRO, 386 laps) listed 32nd behind 385-lap cars: a position penalty; 9 cars move up by one.
    # (#5 has +97 s, results line 40 vs lap line 9783, but keeps its position: not listed)
    "imsa-2022-road-atlanta": {"62": "position penalty", **dict.fromkeys(["14", "21", "23", "25", "27", "3", "32", "79", "9"], _K)},
    "imsa-2022-sebring-international-raceway": {},
    # red-flag race: cars running at the finish listed below cars that retired with fewer laps
    "imsa-2022-watkins-glen-international": {
        **dict.fromkeys(["1", "12", "25", "36", "42", "57", "59", "99"], "position penalty"),
        **dict.fromkeys(["13", "14", "16", "21", "23", "27", "3", "30", "33", "38", "39", "40", "44", "47", "58", "6",
                         "62", "66", "7", "70", "79", "9", "96"], _K),  # fmt: skip
    },
    "imsa-2023-road-atlanta": {},
    "imsa-2023-sebring-international-raceway": {},
    # #24: results line 58, LAPS 0, no row in the lap file
    "imsa-2023-watkins-glen-international": {"24": "not in lap file"},
    "imsa-2024-road-atlanta": {},
    # #77: results line 29 TOTAL_TIME 12:02:06.874, lap file line 14123 -> +35 s
    "imsa-2024-sebring-international-raceway": {"77": "time penalty +35.000s", **dict.fromkeys(["1", "19", "23", "60", "64", "65"], _K)},
    "imsa-2024-tire-rack.com-battle-on-the-bricks": {},
    # #70: results line 40 TOTAL_TIME 6:02:38.113, lap file line 5541 -> +35 s
    "imsa-2024-watkins-glen-international": {"70": "time penalty +35.000s", **dict.fromkeys(["023", "32", "4", "43"], _K)},
    "imsa-2025-sebring-international-raceway": {},
    # #85: results line 11 TOTAL_TIME 6:01:39.179, lap file line 7320 -> +150 s (#34 +35 s and #25 +35 s
    # keep their positions: not listed)
    "imsa-2025-watkins-glen-international": {"85": "time penalty +150.000s", "23": _K},
}


def _raw_official(name):
    """(position, car, laps, TOTAL_TIME s) per results row, read with the csv module."""
    import csv

    from conftest import results_file
    from oracle import parse_time

    with open(results_file(name), encoding="utf-8-sig", newline="") as fh:
        return [(int(r["POSITION"]), r["NUMBER"].strip(), int(r["LAPS"]), parse_time(r["TOTAL_TIME"]))
                for r in csv.DictReader(fh)]  # fmt: skip


@pytest.mark.parametrize("name", sorted(PINNED))
def test_compare_with_official_pinned(name, load_corpus_race):
    from conftest import lap_file
    from oracle import read_race

    race = load_corpus_race(name)
    d = compare_with_official(race.derived_classification, race.classification)
    got = dict(zip(d["car"], d["explanation"]))
    assert got == PINNED[name]
    raw = read_race(lap_file(name))
    official = {car: (laps, t) for _, car, laps, t in _raw_official(name)}
    for car, why in got.items():
        if why.startswith("time penalty"):
            seconds = float(why.removeprefix("time penalty ").removesuffix("s"))
            assert seconds > 0, (car, why)  # a penalty adds time
            laps, total = official[car]
            assert laps == raw.laps[car][-1].lap
            assert seconds == pytest.approx(total - raw.laps[car][-1].elapsed, abs=1e-3)
        elif why == "position penalty":  # the official file itself lists the car out of laps order
            rows = _raw_official(name)
            i = next(k for k, r in enumerate(rows) if r[1] == car)
            above, below = rows[:i], rows[i + 1 :]
            assert any(r[2] < rows[i][2] for r in above) or any(r[2] > rows[i][2] for r in below), car
        elif why == _K:  # no decision of its own: official total time = its last crossing
            laps, total = official[car]
            assert laps == raw.laps[car][-1].lap and total == pytest.approx(raw.laps[car][-1].elapsed, abs=1e-3)
