"""Archive at scale (issue #16 items 4-6): a synthetic archive of N races made of copies of the corpus.

Each corpus race is parsed once; copy k of a race gets a new race id (``<id>-x<k>``), its drivers
renamed (``<name> X<k>``, in entries, registry rows and laps), and the first driver of its first
entry renamed to one career driver ("Test Career") so that driver's career grows with every race.
Copies keep the original raw bytes (the content-addressed store keeps one file per content) but
get their own content hash. Prints, with the machine load:

- ingest: time and memory (RSS growth) per race while writing N races through one connection, the
  close (checkpoint); then ``stintlab.archive.ingest`` of one real race into the N-race archive in a
  child process (wall time and the child's peak RSS: the "add a race" figure);
- cold open of a race (``open_race``: from the stored lap table and parts; with ``--before`` also
  the raw files parsed again, as before);
- season and career queries (short career and the N-race one);
- the Parquet export (``export_parquet``) and the same queries over it (``Archive(DIR)``).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_scale.py [--races 200] [--corpus ../shared/data/races] [--before]

``--before`` times the previous season/career (tests/season_reference.py) and the re-parsing open on
the same archive in the same process, for paired before/after figures.

Figures only, no asserts. Everything is built in a temporary folder (or --keep DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAREER = "Test Career"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def parse_corpus(corpus: Path):
    from stintlab.archive.ingest import _read_blobs, content_hash, prepare_or_fail
    from stintlab.archive.sources import find_race_files

    out = []
    for rf in find_race_files([corpus]):
        if rf.problem:
            continue
        kind, payload = prepare_or_fail(rf)
        if kind != "ok":
            continue
        blobs = _read_blobs(rf)
        out.append((rf, payload[0], payload[1], blobs, content_hash(blobs)))
    return out


def _rename(df, col, suffix, first_to=None):
    if df is None or df.empty or col not in df:
        return df
    df = df.copy()
    s = df[col].astype("string")
    df[col] = s.where(s.isna(), s + suffix)
    if first_to is not None:
        df.loc[df.index[0], col] = first_to
    return df


def copy_of(meta, tables, k: int):
    """Meta and tables of copy ``k``: new race id, drivers renamed, the first entry's driver the career driver."""
    from stintlab.archive.identity import driver_key

    m = dict(meta)
    m["race_id"] = f"{meta['race_id']}-x{k:04d}"
    m["event"] = f"{meta['event']}-x{k:04d}"
    t = dict(tables)
    suffix = f" X{k}"
    ent = t.get("entries")
    if ent is not None and len(ent):
        first = ent["driver"].iloc[0]
        ent = _rename(ent, "driver", suffix, CAREER)
        ent = _rename(ent, "driver_key", suffix.lower(), driver_key(CAREER))
        t["entries"] = ent
        laps = t.get("laps")
        if laps is not None and len(laps) and "driver" in laps:
            laps = laps.copy()
            was = laps["driver"].astype("string")
            laps["driver"] = (was + suffix).where(was != first, CAREER)
            t["laps"] = laps
    reg = t.get("driver_categories")
    if reg is not None and len(reg):
        reg = _rename(reg, "driver", suffix)
        reg = _rename(reg, "driver_key", suffix.lower())
        t["driver_categories"] = reg
    return m, t


def timed(fn, repeat=5):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def queries(label: str, arc, year: int, short: str, impl=None) -> None:
    """Season, careers and driver search; ``impl``: the module answering season/career (default
    stintlab.archive.season; tests/season_reference.py for the previous pandas implementation)."""
    from stintlab.archive.season import find_driver

    if impl is None:
        import stintlab.archive.season as impl
    driver_career, driver_season = impl.driver_career, impl.driver_season
    t0 = time.perf_counter()
    driver_season(arc, short, None)
    first = time.perf_counter() - t0
    t, s = timed(lambda: driver_season(arc, CAREER, year))
    print(f"  [{label}] season {CAREER!r} {year}: {t * 1000:7.1f} ms  ({s['totals']['races']} races)")
    t, c = timed(lambda: driver_career(arc, short))
    print(
        f"  [{label}] career {short!r} (short): {t * 1000:7.1f} ms  ({c['totals']['races']} races; first query {first * 1000:.0f} ms)"
    )
    t, c = timed(lambda: driver_career(arc, CAREER), repeat=3)
    print(f"  [{label}] career {CAREER!r}: {t * 1000:7.1f} ms  ({c['totals']['races']} races)")
    t, _ = timed(lambda: find_driver(arc, "career"))
    print(f"  [{label}] driver search 'career': {t * 1000:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--races", type=int, default=200)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--keep", default=None, help="build in this folder and keep it")
    ap.add_argument(
        "--before",
        action="store_true",
        help="also time the previous implementations on the same archive: season/career of"
        " tests/season_reference.py (pandas) and open_race(reparse=True) (raw files parsed again)",
    )
    args = ap.parse_args()

    from stintlab.archive.dataset import export_parquet
    from stintlab.archive.ingest import _write
    from stintlab.archive.store import Archive, open_race

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs ({args.races} races)")
    t0 = time.perf_counter()
    base = parse_corpus(Path(args.corpus))
    print(f"parsed {len(base)} corpus races once: {time.perf_counter() - t0:.1f} s, RSS {rss_mb():.0f} MB")

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="stintlab-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / "archive.duckdb"
    per, rss0 = [], rss_mb()
    t_all = time.perf_counter()
    with Archive(db, write=True) as arc:
        for i in range(args.races):
            k, j = divmod(i, len(base))
            rf, meta, tables, blobs, chash = base[j]
            m, t = copy_of(meta, tables, k)
            salted = hashlib.sha256(f"{chash}/{k}".encode()).hexdigest()
            t0 = time.perf_counter()
            _write(arc, m["race_id"], rf, rf.stored(), blobs, salted, m, t, False, lambda *_: None)
            per.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
    t_close = time.perf_counter() - t0
    total = time.perf_counter() - t_all
    grow = rss_mb() - rss0
    print(
        f"ingest {args.races} races (one connection): {total:.1f} s; per race median {statistics.median(per) * 1000:.0f} ms,"
        f" max {max(per) * 1000:.0f} ms, last 10 median {statistics.median(per[-10:]) * 1000:.0f} ms; close {t_close:.2f} s"
    )
    print(
        f"  RSS growth {grow:.0f} MB ({grow / args.races:.2f} MB/race); process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )
    store = db.with_name(db.name + ".files")
    sz = sum(f.stat().st_size for f in store.rglob("*.gz"))
    print(f"  database {db.stat().st_size / 1e6:.0f} MB, raw-file store {sz / 1e6:.0f} MB (deduplicated copies)")

    # the synthetic archive is written below `ingest`, so its category estimates were never made: one full
    # refresh, as an archive grown race by race has had (then `archive add` estimates only the races it adds)
    from stintlab.archive.estimates import refresh_estimates

    with Archive(db, write=True) as arc:
        t0 = time.perf_counter()
        res = refresh_estimates(arc)
    print(f"  category estimates, full refresh once: {time.perf_counter() - t0:.1f} s ({res['estimates']} estimates, {res['races']} races)")

    # adding one real race to the N-race archive: a whole `ingest` in a child process
    one = next(rf for rf, meta, *_ in base if meta.get("has_laps") and "lemans" in str(rf.main))
    code = (
        "import time;t=time.perf_counter();from stintlab.archive.store import ingest;"
        f"r=ingest([{str(one.source)!r}],{str(db)!r},workers=1);"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print(r[0]['status'],round(time.perf_counter()-t,3),int(hwm)//1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    ).stdout.split()
    print(
        f"add one race ({one.source.name}) to the {args.races}-race archive: {out[0]}, {out[1]} s whole ingest, peak {out[2]} MB (child process)"
    )

    ids = [f"{meta['race_id']}-x0000" for _, meta, *_ in base if meta.get("has_laps")][:5]
    for how, reparse in [("stored lap table + parts", False)] + [("raw files parsed again", True)] * args.before:
        times = []
        for rid in ids:
            t0 = time.perf_counter()
            open_race(rid, db, reparse=reparse)
            times.append(time.perf_counter() - t0)
        print(
            f"cold open_race ({how}): median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {len(ids)} races"
        )

    short = "Kevin Estre X0"
    reference = None
    if args.before:
        sys.path.insert(0, str(ROOT / "tests"))
        import season_reference as reference
    with Archive(db) as arc:
        queries("duckdb", arc, args.year, short)
        if reference is not None:
            queries("duckdb, before", arc, args.year, short, reference)
        pq = tmp / "parquet"
        t0 = time.perf_counter()
        counts = export_parquet(arc, pq)
        print(
            f"export --parquet: {time.perf_counter() - t0:.1f} s ({counts['laps']} laps, {sum(f.stat().st_size for f in pq.rglob('*.parquet')) / 1e6:.0f} MB)"
        )
    t0 = time.perf_counter()
    with Archive(pq) as arc:
        print(f"open the Parquet dataset: {(time.perf_counter() - t0) * 1000:.0f} ms")
        queries("parquet", arc, args.year, short)
        if reference is not None:
            queries("parquet, before", arc, args.year, short, reference)
    print(
        f"load average {os.getloadavg()[0]:.1f}; kept in {tmp}"
        if args.keep
        else f"load average {os.getloadavg()[0]:.1f}"
    )
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
