"""Same season/career categories from two checkouts (paired before/after check for ``seasonfast``).

    PYTHONPATH=BEFORE/src .venv/bin/python benchmarks/check_season_categories.py dump ARCHIVE before.pkl "Kevin Estre" ...
    PYTHONPATH=src        .venv/bin/python benchmarks/check_season_categories.py dump ARCHIVE after.pkl "Kevin Estre" ...
    .venv/bin/python benchmarks/check_season_categories.py compare before.pkl after.pkl

``dump`` pickles :func:`~stintlab.archive.season_categories.resolve_season_rows` over every entry of the archive
(rows and the per-member mapping) and, per driver named, ``career_with_categories`` of the career and
``with_categories`` of its latest season, printing the time of each; ``compare`` says SAME or lists the
differences (frames compared exactly; in the mapping, missing values compare equal whatever their kind only
for ``class``, whose NULL older code gave as NaN). Figures and verdicts only, no asserts.
"""

from __future__ import annotations

import pickle
import sys
import time

import pandas as pd


def dump(db: str, out: str, names: list[str]) -> None:
    from stintlab.archive.db import Archive
    from stintlab.archive.season import driver_career, driver_season
    from stintlab.archive.season_categories import career_with_categories, resolve_season_rows, with_categories

    res: dict = {}
    with Archive(db) as arc:
        rows = arc.df("SELECT race_id, car, driver FROM entries ORDER BY race_id, car, driver")
        t0 = time.perf_counter()
        res["all"], res["resolved"] = resolve_season_rows(arc, rows)
        print(f"all {len(rows)} entries: {(time.perf_counter() - t0) * 1000:.0f} ms")
        for n in names:
            c = driver_career(arc, n)
            t0 = time.perf_counter()
            cc = career_with_categories(arc, c)
            t1 = time.perf_counter()
            s = with_categories(arc, driver_season(arc, n, int(c["races"]["season"].max())))
            t2 = time.perf_counter()
            print(f"{n}: {len(c['races'])} races, career categories {(t1 - t0) * 1000:.0f} ms, "
                  f"season categories {(t2 - t1) * 1000:.0f} ms")  # fmt: skip
            res[n] = (cc, s)
    with open(out, "wb") as fh:
        pickle.dump(res, fh)


def _same_value(col: str, a, b) -> bool:
    if a is b or (type(a) is type(b) and not pd.isna(a) and a == b):
        return True
    if isinstance(a, str) or isinstance(b, str) or a is None and b is None:
        return a == b
    both_na = pd.isna(a) and pd.isna(b)
    return bool(both_na and (type(a) is type(b) or col == "class"))


def _same_frame(x: pd.DataFrame, y: pd.DataFrame, what: str) -> bool:
    try:
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    except AssertionError as exc:
        print("DIFF", what, str(exc)[:1500])
        return False
    return True


def compare(a_path: str, b_path: str) -> None:
    with open(a_path, "rb") as fa, open(b_path, "rb") as fb:
        a, b = pickle.load(fa), pickle.load(fb)  # noqa: S301 (our own dumps)
    ok = _same_frame(a["all"], b["all"], "all rows")
    ra, rb = a["resolved"], b["resolved"]
    if ra.keys() != rb.keys():
        print("DIFF mapping keys", len(ra), len(rb))
        ok = False
    else:
        bad = [k for k in ra if ra[k].keys() != rb[k].keys() or not all(_same_value(c, ra[k][c], rb[k][c]) for c in ra[k])]
        for k in bad[:5]:
            print("DIFF mapping", k, ra[k], rb[k])
        ok &= not bad
    if a.keys() != b.keys():
        print("DIFF drivers dumped", sorted(set(a) ^ set(b)))
        ok = False
    for name in [k for k in a if k not in ("all", "resolved") and k in b]:
        (ca, sa), (cb, sb) = a[name], b[name]
        ok &= _same_frame(ca["races"], cb["races"], f"{name} career")
        ok &= _same_frame(sa["races"], sb["races"], f"{name} season")
        if ca["seasons"] != cb["seasons"]:
            print("DIFF", name, "seasons")
            ok = False
    print("SAME" if ok else "DIFFERENT")


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"]:
        dump(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1:2] == ["compare"]:
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
