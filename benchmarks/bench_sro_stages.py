"""Where ``stintlab.load`` of the SRO race goes, stage by stage (issue #16 item 1, SRO reader).

    .venv/bin/python benchmarks/bench_sro_stages.py [--repeat 40] [--race gtwc-endurance-sro]

In one process, imports done, each stage of :func:`stintlab.io.sro.read_race` timed alone on the real files
(median of ``--repeat`` runs, wall clock), beside pyarrow's ``read_csv`` of the sector list (the floor of
the issue's target) and the whole ``stintlab.load``. Stages in the shared readers (``io/text.py``: the CSV
read into strings; ``io/values.py``: the time kernel) are printed apart from the SRO reader's own work.
Figures move with the load of the shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--race", default="gtwc-endurance-sro")
    args = ap.parse_args()
    import pyarrow.csv as pcsv

    import stintlab
    import stintlab.io.sro as sro
    from stintlab.io.sro import files
    from stintlab.io.sro.text import as_utf8
    from stintlab.io.text import read_bytes, read_table, sniff_header

    with open(CORPUS / "MANIFEST-other.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["race"] == args.race)
    folder = CORPUS / args.race
    sec, pit, entry = (folder / row[k] for k in ("sectors_file", "pitstops_file", "entry_list_file"))
    sec = sec if row["sectors_file"] else folder / row["laps_file"]
    data, pit_data = read_bytes(sec), read_bytes(pit)
    header, pit_header = sniff_header(sec, data), sniff_header(pit, pit_data)
    r = args.repeat
    sectors, _ = files.read_sector_list(sec, data, header)
    done, untimed, _ = sro._completed_laps(sec, sectors)
    cars_info, _, _ = sro.read_entry_list(entry)
    stops, _, stop_rows = sro._stops(pit, done, untimed)
    utf8 = as_utf8(sec, data, header.names, header.separator)[0]
    stages = [
        ("pyarrow read_csv (the floor)", lambda: pcsv.read_csv(sec, parse_options=pcsv.ParseOptions(delimiter=";"))),
        ("stintlab.load (whole)", lambda: stintlab.load(sec)),
        ("  sector list: io.text read_table [shared]", lambda: read_table(sec, utf8, header)),
        ("  sector list: read_sector_list (all)", lambda: files.read_sector_list(sec, data, header)),
        ("  completed laps, elapsed", lambda: sro._completed_laps(sec, sectors)),
        ("  pit-stop file: read_pit_stops", lambda: files.read_pit_stops(pit, pit_data, pit_header)),
        ("  pit stops checked (incl. read)", lambda: sro._stops(pit, done, untimed)),
        ("  entry list (XML)", lambda: sro.read_entry_list(entry)),
        ("  lap table", lambda: sro._lap_table(done, stops, cars_info, stop_rows)),
        ("  companions (folder scan)", lambda: sro.companions(sec)),
    ]
    print(f"{args.race}: {len(done['lap'])} laps; load average {os.getloadavg()[0]:.2f}; median of {r} runs")
    floor = None
    for label, fn in stages:
        ms = median_ms(fn, r)
        floor = floor or ms
        print(f"{label:44s} {ms:7.2f} ms  {ms / floor:5.1f}x the floor")


if __name__ == "__main__":
    main()
