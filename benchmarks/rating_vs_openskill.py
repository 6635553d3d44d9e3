"""stintlab's driver rating against the OpenSkill peer, on the same validation (issue #12 item 5).

    /tmp/os/bin/python benchmarks/rating_vs_openskill.py [--db ARCHIVE] [--corpus ../shared/data/races]

Needs ``openskill`` (not a stintlab dependency: run it from a venv of its own with the project's deps and
``PYTHONPATH=src``, e.g. ``python3 -m venv /tmp/os && /tmp/os/bin/pip install openskill pandas pyarrow duckdb
plotly typer rich pyyaml``). Without ``--db`` the corpus is archived in a temporary folder first.

The validation is :func:`stintlab.analysis.rating.validate` (``stintlab rating --validate``): race by race in
date order, the drivers of each class who raced before are ordered by a prediction made from the earlier races
only, scored on the share of driver pairs whose order by 10-lap mean in the race it gets right. Every
predictor is scored on the same pairs (the drivers stintlab's rating and the last-race baseline both know).

OpenSkill predictors (the peer tobi/imsa_data ``compute_skill.py``: Plackett-Luce, every driver a team of one,
starting mu seeded by FIA licence Bronze 22 / Silver 25 / Gold 28 / Platinum 31, default 25, sigma 25/3,
sigma widened by 3 per year away, capped at 25/3; one pool per class family, as stintlab's rating):

- ``openskill_race``: one match per archived race and class (the classes the rating uses: 5+ paced
  drivers), drivers ranked by their 10-lap mean;
- ``openskill_window``: the peer's own match: every 10-minute window of race time (by lap mid-point) of
  each race and class, each driver's median green lap in it (flag GF when the race has flags, no pit time,
  not an in- or out-lap, not lap 1), drivers ranked by it; windows with fewer than 2 drivers skipped.

Prediction: mu (higher is faster; ``_ordinal`` variants: mu - 3 sigma, the peer's conservative rating). The
licence used to seed a driver is the latest category the registry observed for him in a race no later than
the one where he first appears (no look-ahead).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LICENCE_MU = {"Bronze": 22.0, "Silver": 25.0, "Gold": 28.0, "Platinum": 31.0}
DEFAULT_MU, DEFAULT_SIGMA, TAU_PER_YEAR, WINDOW = 25.0, 25.0 / 3.0, 3.0, 600.0
YEAR_NS = 365.25 * 86400 * 1e9


class Pool:
    """OpenSkill ratings per (driver_key, family), fed race by race in date order."""

    def __init__(self, model, licence):
        self.model, self.licence = model, licence
        self.r: dict = {}
        self.seen: dict = {}

    def _enter(self, key, order):
        if key not in self.r:
            mu = LICENCE_MU.get(self.licence(key[0], order), DEFAULT_MU)
            self.r[key] = self.model.rating(mu=mu, sigma=DEFAULT_SIGMA)
        elif key in self.seen:  # less sure after time away (mu kept)
            years = max(order - self.seen[key], 0) / YEAR_NS
            old = self.r[key]
            sigma = min(math.sqrt(old.sigma**2 + (TAU_PER_YEAR * years) ** 2), DEFAULT_SIGMA)
            if sigma > old.sigma:
                self.r[key] = self.model.rating(mu=old.mu, sigma=sigma)

    def match(self, ranked_keys):
        if len(ranked_keys) < 2:
            return
        out = self.model.rate([[self.r[k]] for k in ranked_keys], ranks=list(range(len(ranked_keys))))
        for k, team in zip(ranked_keys, out, strict=True):
            self.r[k] = team[0]

    def predict(self, keys, order, ordinal=False):
        vals = []
        for k in keys:
            r = self.r.get(k)
            if r is None:
                mu = LICENCE_MU.get(self.licence(k[0], order), DEFAULT_MU)
                vals.append(-(mu - 3 * DEFAULT_SIGMA if ordinal else mu))
            else:
                vals.append(-(r.mu - 3 * r.sigma if ordinal else r.mu))
        return np.array(vals)


class Fed:
    """A pool fed lazily: ``events`` = order -> list of (entrants, list of ranked-key matches)."""

    def __init__(self, pool, events):
        self.pool, self.events = pool, events
        self.orders = sorted(events)
        self.i = 0

    def upto(self, order):
        while self.i < len(self.orders) and self.orders[self.i] < order:
            o = self.orders[self.i]
            entrants, matches = self.events[o]
            for k in entrants:
                self.pool._enter(k, o)
            for m in matches:
                self.pool.match(m)
            for k in entrants:
                self.pool.seen[k] = o
            self.i += 1


def licence_lookup(arc):
    from stintlab.archive.identity import resolve_key

    reg = arc.df(
        "SELECT d.driver_key, d.category, coalesce(epoch_ns(CAST(r.date AS TIMESTAMP)), 0) AS ord"
        " FROM driver_categories d LEFT JOIN races r USING (race_id) WHERE d.kind IN ('observed', 'entry list')"
    )
    aliases = arc.aliases()
    by: dict = defaultdict(list)
    for k, c, o in zip(reg["driver_key"], reg["category"], reg["ord"], strict=True):
        by[resolve_key(k, aliases)].append((int(o), c))
    for v in by.values():
        v.sort()

    def licence(key, order):
        seen = [c for o, c in by.get(key, ()) if o <= order]
        return seen[-1] if seen else None

    return licence


def race_events(g: pd.DataFrame) -> dict:
    """order -> (entrants, one match per race and class ranked by 10-lap mean) from the rating's gaps table."""
    ev: dict = {}
    for (o, _rid, _cls), c in g.groupby(["order", "race_id", "class"]):
        c = c.sort_values("pace", kind="stable")
        keys = list(zip(c["driver_key"], c["family"], strict=True))
        ent, ms = ev.setdefault(o, ([], []))
        ent += keys
        ms.append(keys)
    return ev


def window_events(arc, order_of: dict) -> dict:
    """order -> (entrants, one match per 10-minute window and class ranked by median green lap)."""
    from stintlab.analysis.estimate import class_family
    from stintlab.archive.identity import driver_key, resolve_key

    laps = arc.df(
        "SELECT race_id, driver, class, lap, lap_time, elapsed, flag, pit_time, in_lap, out_lap FROM laps"
        " WHERE lap_time > 0 AND lap > 1"
    )
    aliases = arc.aliases()
    names = {n: resolve_key(driver_key(n), aliases) for n in laps["driver"].dropna().unique()}
    ev: dict = {}
    for rid, r in laps.groupby("race_id", sort=False):
        if rid not in order_of:
            continue
        has_flags = r["flag"].notna().any()
        ok = r["pit_time"].isna() & ~r["in_lap"].fillna(False).astype(bool) & ~r["out_lap"].fillna(False).astype(bool)
        if has_flags:
            ok &= r["flag"].astype(str).str.strip().eq("GF")
        r = r[ok & r["driver"].notna()].copy()
        r["w"] = ((r["elapsed"] - r["lap_time"] / 2.0) // WINDOW).astype(int)
        r["key"] = [(names[d], class_family(c)) for d, c in zip(r["driver"], r["class"], strict=True)]
        o = order_of[rid]
        ent, ms = ev.setdefault(o, ([], []))
        ent += list(dict.fromkeys(r["key"]))
        for _, c in r.groupby(["class", "w"], sort=True):
            med = c.groupby("key")["lap_time"].median().sort_values(kind="stable")
            ms.append(list(med.index))
    return ev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    from openskill.models import PlackettLuce

    from stintlab.analysis.rating import gaps, validate
    from stintlab.archive.db import Archive
    from stintlab.archive.rating import rating_table, window_table

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "archive.duckdb"
        if not args.db:
            from stintlab.archive.store import ingest

            ingest([Path(args.corpus)], db, workers=1)
        t0 = time.perf_counter()
        with Archive(db) as arc:
            table = rating_table(arc)
            windows = window_table(arc, table)
            licence = licence_lookup(arc)
            order_of = dict(zip(table["race_id"], table["order"], strict=True))
            wins = window_events(arc, order_of)
        g = gaps(table)
        model = PlackettLuce(mu=DEFAULT_MU, sigma=DEFAULT_SIGMA)
        feeds = {"openskill_race": Fed(Pool(model, licence), race_events(g)),
                 "openskill_window": Fed(Pool(model, licence), wins)}  # fmt: skip

        def predictor(name, ordinal=False):
            def fn(order, keys):
                feeds[name].upto(order)
                return feeds[name].pool.predict(keys, order, ordinal)

            return fn

        preds = {"openskill_race": predictor("openskill_race"), "openskill_window": predictor("openskill_window")}
        out = validate(table, predictors=preds, windows=windows)
        only10 = validate(table)["pair_accuracy"]["rating"]  # the rating from the 10-lap means alone
        # the conservative ordinal (mu - 3 sigma) of the same pools, fed again from the start
        feeds = {"openskill_race": Fed(Pool(model, licence), race_events(g)),
                 "openskill_window": Fed(Pool(model, licence), wins)}  # fmt: skip
        out_ord = validate(table, predictors={"openskill_race_ordinal": predictor("openskill_race", True),
                                              "openskill_window_ordinal": predictor("openskill_window", True)})  # fmt: skip
    n_windows = sum(len(m) for _, m in wins.values())
    print(f"archive: {table['race_id'].nunique()} races with 10-lap means; {n_windows} OpenSkill window matches")
    print(f"validation: {out['races']} races, {out['classes']} classes, {out['pairs']} driver pairs"
          f" ({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    acc = {"rating": out["pair_accuracy"]["rating"], "rating_10lap_only": only10,
           **{k: v for k, v in out["pair_accuracy"].items() if k != "rating"},
           **{k: v for k, v in out_ord["pair_accuracy"].items() if "ordinal" in k}}  # fmt: skip
    print("share of driver pairs ordered right in the next race (same pairs for every predictor):")
    for k, v in acc.items():
        print(f"  {k:26s} {v:.3f}")


if __name__ == "__main__":
    main()
