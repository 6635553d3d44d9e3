"""`stintlab drivers --best` counts the drivers of each class as the raw lap file has them, and names the
ones it does not rank (Le Mans 2024: 69 distinct HYPERCAR DRIVER_NAME, #35 Ferdinand HABSBURG drove 5 laps)."""

import csv
import re
from collections import Counter

import pytest

from conftest import lap_file
from stintlab.cli import main

pytestmark = pytest.mark.corpus


def _raw_drivers(path) -> dict[str, Counter]:
    """class -> Counter of (car, driver) -> laps, from the raw rows (csv module)."""
    out: dict[str, Counter] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh, delimiter=";")
        head = [h.strip() for h in next(rows)]
        i_car, i_drv, i_cls = head.index("NUMBER"), head.index("DRIVER_NAME"), head.index("CLASS")
        for row in rows:
            out.setdefault(row[i_cls].strip(), Counter())[(row[i_car].strip(), row[i_drv].strip())] += 1
    return out


def test_best_counts_every_driver_and_names_the_unranked(corpus, capsys):
    path = lap_file("lemans-2024")
    raw = _raw_drivers(path)
    assert len({d for _, d in raw["HYPERCAR"]}) == 69  # the figure the story and season give
    assert main(["drivers", str(path), "--best", "--format", "table"]) == 0
    cap = capsys.readouterr()
    err = " ".join(cap.err.split())
    m = re.search(r"not ranked, fewer than (\d+) clean laps \((\d+);[^)]*\): (.*)", err)
    assert m, err
    min_laps = int(m.group(1))
    unranked = re.findall(r"(\S+) #(\w+) (.+?) \((\d+)\)", m.group(3))
    assert len(unranked) == int(m.group(2))
    # a driver with fewer raw laps than the minimum cannot have enough clean laps: he must be named
    for cls, drivers in raw.items():
        for (car, drv), n in drivers.items():
            if n < min_laps:
                assert (cls, car, drv) in {(c, k, d) for c, k, d, _ in unranked}, (cls, car, drv)
    assert ("HYPERCAR", "35", "Ferdinand HABSBURG") in {(c, k, d) for c, k, d, _ in unranked}
    for cls, drivers in raw.items():
        total = len(drivers)
        left = sum(1 for c, *_ in unranked if c == cls)
        want = f"{total - left} of {total}" if left else str(total)
        line = next(x for x in cap.out.splitlines() if x.startswith(cls + " "))
        assert f" {want} (" in line, (cls, want, line)


def test_report_headline_counts_every_driver(load_corpus_race):
    """The report's best-performer table says the same: ranked of all, all = the raw file's drivers."""
    from stintlab.report.html import build_report

    raw = _raw_drivers(lap_file("lemans-2024"))
    html = build_report(load_corpus_race("lemans-2024"), lang="en").html
    total = len(raw["HYPERCAR"])
    assert total == 69
    # Ferdinand HABSBURG drove 5 laps (< the 10 clean laps a ranking needs): 68 ranked of 69
    assert raw["HYPERCAR"][("35", "Ferdinand HABSBURG")] == 5
    assert re.search(rf"<td[^>]*>HYPERCAR</td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>{total - 1} of {total}</td>", html), (
        re.findall(r"\d+ of \d+", html)
    )
