"""stintlab: endurance-race intelligence from official lap-by-lap timing.

The common questions, on a tiny lap file (two LMGT3 cars, four laps each; #92 pits on lap 2, a
full-course yellow on lap 4). Every table is a pandas DataFrame computed once per race and kept.

>>> import pathlib, tempfile
>>> import stintlab
>>> rows = ["NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CROSSING_FINISH_LINE_IN_PIT;PIT_TIME;"
...         "CLASS;DRIVER_NAME;FLAG_AT_FL"]
>>> for car, minutes in (("92", 25), ("7", 26)):
...     for lap in range(1, 5):
...         pit_in, pit_time = ("B", "") if (car, lap) == ("92", 2) else ("", "1:30.000" if (car, lap) == ("92", 3) else "")
...         flag = "FCY" if lap == 4 else "GF"
...         rows.append(f"{car};1;{lap};{minutes}:00.000;{minutes * lap // 60}:{minutes * lap % 60:02}:00.000;"
...                     f"{pit_in};{pit_time};LMGT3;Ana DRIVER{car};{flag}")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "laps.csv"
>>> _ = path.write_text("\\n".join(rows) + "\\n")
>>> race = stintlab.load(path)
>>> race.stops[["car", "lap_in", "pit_time", "kind"]].values.tolist()
[['92', 2, 90.0, 'normal']]
>>> race.stints[["car", "stint", "laps"]].values.tolist()
[['7', 1, 4], ['92', 1, 2], ['92', 2, 2]]
>>> race.flags[["kind", "laps_affected"]].values.tolist()
[['FCY', 2]]
>>> race.standings(hour=1)[["position", "car", "laps"]].values.tolist()
[[1, '92', 3], [2, '7', 3]]
>>> race.events("92")[["lap", "kind"]].values.tolist()
[[1, 'start'], [2, 'stop'], [3, 'stint'], [4, 'neutralisation'], [4, 'file_end']]
>>> race.stops is race.stops
True

The same tables from the pure kernels of :mod:`stintlab.analysis` on explicit inputs:

>>> from stintlab.analysis import annotate, stops
>>> stops(annotate(race.laps))["car"].tolist()
['92']

More in ``docs/python.md``.
"""

from stintlab.errors import StintlabError, StintlabFormatError, StintlabUsageError

__version__ = "0.1.0"
__all__ = ["Race", "load", "StintlabError", "StintlabFormatError", "StintlabUsageError", "__version__"]


def __getattr__(name: str):
    """``Race`` and ``load`` on first use: importing the package (every ``stintlab`` command
    does) does not import pandas and the analysis until a race is loaded (``stintlab --help``,
    the archive queries)."""
    if name in ("Race", "load"):
        # from the defining modules: a stand-in set on ``stintlab.race`` for a while (the fuzzer's
        # shared load) must not become ``stintlab.load`` for good when it is first asked for meanwhile
        from stintlab.race import Race
        from stintlab.race.loading import load

        value = {"Race": Race, "load": load}[name]
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stintlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Race", "load"})
