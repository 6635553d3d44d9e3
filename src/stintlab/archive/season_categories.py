"""FIA categories of the (race, driver) rows of a season or career query, by the one resolution path.

``season`` and ``career`` (:mod:`stintlab.archive.season`) read each race's own category (an IMSA
classification's ``DRIVERn_LICENSE``) and else a registry category; :func:`resolve_season_rows` gives those rows
the category ``stintlab drivers`` gives the same driver in the same race, with the same ``category_source``:
:func:`stintlab.analysis.categories.resolve_categories` over the crew of each row's car (``classification``;
the race's entry list beside its file, ``entry list beside``; the registry, ``archive``; an estimate,
``estimated``; else ``unknown``) with the lookup of :func:`stintlab.archive.registry.category_lookup` made of
the archive's stored tables: the registry's observations (:func:`~stintlab.archive.registry.season_lookup`), the
pace estimates stored for that race (the ones ``drivers`` remakes from the same pace and model), then the
estimates stored from other races (:func:`~stintlab.archive.registry.estimate_lookup`), kept as ``drivers`` keeps
them: only where this race's own pace does not point to another category. The crew rule is then applied by
``resolve_categories`` itself. One registry read and one entries read for all the rows, one resolution per
race (no query per row); the pace model is fitted only when a stored estimate of another race has to be
checked against this race's pace.

``category_basis`` sums the source up for a season view: ``race`` (the race's classification or entry list),
``same season`` / ``other season`` (registry observation of the race's season or of another one,
``season_observed``), ``estimated`` (with ``category_probability``, the estimator's measured precision, and
``category_evidence``) or ``unknown``.
"""

from __future__ import annotations

import pandas as pd

from stintlab.analysis.categories import ENTRY_COLUMNS, RESOLVED_COLUMNS, attach_lists, resolve_lists
from stintlab.archive.db import Archive
from stintlab.archive.identity import driver_key, resolve_key, season_category

__all__ = ["CATEGORY_ROW_COLUMNS", "resolve_season_rows", "with_categories", "career_with_categories"]

#: the columns :func:`resolve_season_rows` sets on each row (``category`` and ``category_source`` replaced)
CATEGORY_ROW_COLUMNS = [
    "category", "category_source", "category_basis", "season_observed", "category_series", "category_race",
    "category_conflict", "category_probability", "category_evidence",
]  # fmt: skip
_PROVENANCE = [c for c in CATEGORY_ROW_COLUMNS if c not in ("category", "category_source", "category_basis")]


def _keys_with_aliases(keys: set, aliases: dict) -> list[str]:
    canon = {resolve_key(k, aliases) for k in keys if isinstance(k, str)}
    return sorted(canon | {a for a in aliases if resolve_key(a, aliases) in canon})


def _registry(arc: Archive, keys: list[str], race_ids: list[str], aliases: dict) -> pd.DataFrame:
    """The registry rows of the drivers ``keys`` (raw keys, aliases included) and the entry-list rows of
    ``race_ids``, as :func:`stintlab.archive.registry.load_registry` gives them (``key`` canonical)."""
    from stintlab.archive.registry import REGISTRY_COLUMNS

    have = set(arc.df("SELECT * FROM driver_categories LIMIT 0").columns)  # older registries: no evidence
    cols = ", ".join(c if c in have else f"NULL AS {c}" for c in REGISTRY_COLUMNS)
    reg = arc.df(
        f"SELECT {cols} FROM driver_categories WHERE driver_key IN (SELECT unnest(?::VARCHAR[]))"
        " OR (kind = 'entry list' AND race_id IN (SELECT unnest(?::VARCHAR[])))",
        [keys, race_ids],
    )
    reg["key"] = [resolve_key(k, aliases) for k in reg["driver_key"]]
    return reg


_CREW_COLUMNS = ("race_id", "car", "driver", "driver_key", "class", "category", "season", "drove")


def _crews(arc: Archive, pairs: pd.DataFrame) -> dict[str, list]:
    """Every entry (race_id, car, driver, driver_key, class, category, season, drove) of the (race_id, car)
    ``pairs``, as column lists; ``drove``: a driver of the lap file (``race.drivers``), not a crew member of
    the official classification who never drove (or any crew member of a classification-only race)."""
    rows = arc.con.execute(
        "WITH p AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS race_id, unnest(?::VARCHAR[]) AS car)"
        " SELECT e.race_id, e.car, e.driver, e.driver_key, e.class, e.category, r.season,"
        " coalesce(e.laps, 0) > 0 OR NOT coalesce(r.has_laps, false) AS drove"
        " FROM entries e JOIN p ON p.race_id = e.race_id AND p.car = e.car"
        " JOIN races r ON r.race_id = e.race_id ORDER BY e.race_id, e.car, e.slot NULLS LAST, e.driver",
        [[str(r) for r in pairs["race_id"].tolist()], [str(c) for c in pairs["car"].tolist()]],
    ).fetchall()
    return {c: list(v) for c, v in zip(_CREW_COLUMNS, zip(*rows, strict=True) if rows else [()] * 8, strict=True)}


class _Model:
    """The pace model of :func:`stintlab.archive.registry.category_lookup` and every asked driver's most
    probable category (``pace_estimates``' ``argmax``) in the races whose lookup needs it: those races are
    first met with :class:`_NeedsPace`, then :meth:`load` fits the model once and reads their fields in one
    pass (:func:`~stintlab.analysis.estimate.features` ranks within (race, class) and
    :func:`~stintlab.analysis.estimate.estimate` is per row: each race gets what a pass over its own field
    gives), and they are resolved again."""

    def __init__(self, arc: Archive, drivers: set):
        self.arc = arc
        self.drivers = drivers  # the (race_id, driver) whose category may be asked: only they are estimated
        self.best: dict = {}  # race_id -> [(driver, most probable category or None)] in field order, once loaded

    def argmax(self, race_id: str, names: list[str]) -> dict:
        if race_id not in self.best:
            raise _NeedsPace(race_id)
        want = set(names)
        return {d: c for d, c in self.best[race_id] if d in want}

    def load(self, race_ids: list[str]) -> None:
        """Fit the model and compute the most probable category of the asked drivers of ``race_ids``."""
        from stintlab.analysis.estimate import estimate, features, fit
        from stintlab.archive.registry import training_table

        self.best.update({r: [] for r in race_ids})
        train = training_table(self.arc, graded_races=True)  # the same model, fewer rows read
        model = fit(train.dropna(subset=["category"])) if len(train) else {}
        if not model or not race_ids:
            return
        field = self.arc.df(
            "SELECT race_id, car, driver, class, pace FROM entries WHERE race_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(race_ids)],
        )
        f = features(field)  # over each race's whole field: the ranks need it
        f = f[[k in self.drivers for k in zip(f["race_id"].tolist(), f["driver"].astype(str).tolist())]]
        est = estimate(model, f)
        cols = (f["race_id"].tolist(), f["driver"].astype(str).tolist(), est["category"].tolist())
        for rid, d, c in zip(*cols, strict=True):
            self.best[rid].append((d, None if c is None or pd.isna(c) else str(c)))


class _NeedsPace(Exception):
    """A race whose lookup needs the pace model (resolved again once the model is loaded for all such races)."""


def _lookup(index, found: dict, own: dict, aliases: dict, race_id: str, season: int, crew_p: float, model: _Model):
    """The lookup of :func:`~stintlab.analysis.categories.resolve_lists` for one archived race (module doc):
    ``index`` the :class:`~stintlab.archive.registry.RegistryIndex` of the registry rows read, ``found`` the
    registry's observations for the race's season (``RegistryIndex.season``, made once per season for every
    driver of the rows: it reads observations only, so the race's own stored estimates, left out of the other
    lookups, do not matter to it), ``own`` this race's stored pace estimates (key -> (category, confidence))."""

    def lookup(names: list[str]):
        keys = {n: resolve_key(driver_key(n), aliases) for n in names}
        rows = {n: found[k] for n, k in keys.items() if k in found}
        for n in [n for n in names if n not in rows and keys[n] in own]:  # this race's stored pace estimate
            cat, conf = own[keys[n]]
            rows[n] = {"category": cat, "season_observed": None, "series": None, "race_id": None, "conflict": None,
                       "source": "estimated", "probability": float(conf), "evidence": "pace"}  # fmt: skip
        rest = [n for n in names if n not in rows]
        stored = index.estimates([keys[n] for n in rest], season, skip_race=race_id) if rest else {}
        if stored:
            want = [n for n in rest if keys[n] in stored]
            argmax = model.argmax(race_id, want) if want else {}
            for n in want:  # another race's estimate, unless this race's own pace points elsewhere
                if argmax.get(n) in (None, stored[keys[n]]["category"]):
                    rows[n] = stored[keys[n]]
        return rows, crew_p

    return lookup


def _own_estimates(reg: pd.DataFrame) -> dict:
    """race_id -> {key: (category, confidence)} of the pace estimates stored for each race (the last row of a key)."""
    out: dict = {}
    cols = [reg[c].tolist() for c in ("kind", "evidence", "race_id", "key", "category", "confidence")]
    for kind, ev, rid, key, cat, conf in zip(*cols, strict=True):
        if kind == "estimated" and (ev == "pace" or ev is None or (not isinstance(ev, str) and pd.isna(ev))):
            out.setdefault(rid, {})[key] = (cat, conf)
    return out


def _beside(reg: pd.DataFrame) -> dict:
    """race_id -> the entry list beside the race's file, as the registry kept its graded records."""
    listed = reg[reg["kind"] == "entry list"]
    out = {}
    for rid, g in listed.groupby("race_id", sort=False):
        beside = pd.DataFrame({"car": g["car"], "driver": g["driver"], "category": g["category"]})
        beside = beside.reindex(columns=[*ENTRY_COLUMNS, "line"]).reset_index(drop=True)
        for col in ("car", "driver", "category", "nationality"):
            beside[col] = beside[col].astype("string")
        out[rid] = beside
    return out


def _resolve_race(cars, names, classes, official, beside, lookup) -> list[dict]:
    """:func:`~stintlab.analysis.categories.resolve_categories` of one race's drivers, over lists: its records."""
    cat, src, entry_name, how, _ = attach_lists(cars, names, official, beside)
    if beside is not None:
        src = ["entry list beside" if x == "entry list" else x for x in src]
    cols = resolve_lists(cars, names, classes, cat, src, lookup)
    base = {"car": cars, "driver": names, "class": classes, "entry_name": entry_name, "match": how}
    cols.update(base)
    # as ``to_dict("records")`` of resolve_categories' table gives them: NA as None
    return [
        {c: None if v is pd.NA else v for c, v in zip(RESOLVED_COLUMNS, vals, strict=True)}
        for vals in zip(*(cols[c] for c in RESOLVED_COLUMNS), strict=True)
    ]


def _basis(src, seen, season) -> str:
    if src in ("classification", "entry list", "entry list beside"):
        return "race"
    if src == "archive":
        return "same season" if seen is not None and not pd.isna(seen) and int(seen) == int(season) else "other season"
    return "estimated" if src == "estimated" else "unknown"


def resolve_season_rows(arc: Archive, rows: pd.DataFrame, aliases: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Per (race_id, car, driver) row of ``rows`` (a season/career query's races): :data:`CATEGORY_ROW_COLUMNS`
    by :func:`resolve_categories` over the crew of the row's car (module doc). Returns (``rows`` with those
    columns, ``{(race_id, car, driver): resolved row}`` for every crew member of those cars)."""
    from stintlab.archive.estimates import read_calibration
    from stintlab.archive.registry import RegistryIndex

    out = rows.copy()
    if out.empty:
        for c in CATEGORY_ROW_COLUMNS:
            out[c] = pd.Series(dtype=object)
        return out, {}
    aliases = arc.aliases() if aliases is None else aliases
    crews = _crews(arc, out)
    race_ids = sorted(set(crews["race_id"]))
    reg = _registry(arc, _keys_with_aliases(set(crews["driver_key"]), aliases), race_ids, aliases)
    crew_p = read_calibration(arc)["crew rule"]
    model = _Model(arc, set(zip(crews["race_id"], [str(d) for d in crews["driver"]], strict=True)))
    index = RegistryIndex(reg)  # the registry read once, indexed by driver for every season and race
    own, besides = _own_estimates(reg), _beside(reg)
    col = crews
    keys = [resolve_key(k, aliases) for k in crews["driver_key"]]
    by_race: dict = {}
    by_season: dict = {}
    for i, (rid, season) in enumerate(zip(col["race_id"], col["season"], strict=True)):
        by_race.setdefault(rid, []).append(i)
        by_season.setdefault(int(season), set()).add(keys[i])
    found = {y: index.season(sorted(k), y) for y, k in by_season.items()}
    resolved: dict = {}

    def resolve(rid: str) -> list[dict]:
        rows = by_race[rid]
        season = int(col["season"][rows[0]])
        cars = [col["car"][i] for i in rows]
        names = [str(col["driver"][i]) for i in rows]
        classes = [col["class"][i] for i in rows]
        official = [c if isinstance(c, str) and c != "" else pd.NA for c in (col["category"][i] for i in rows)]
        drove = [bool(col["drove"][i]) for i in rows]
        beside = besides.get(rid)
        lookup = _lookup(index, found[season], own.get(rid, {}), aliases, rid, season, crew_p, model)
        # the drivers of the lap file, as `drivers` resolves them (the crew rule counts those only) ...
        sel = [j for j, d in enumerate(drove) if d]
        recs = _resolve_race(*([v[j] for j in sel] for v in (cars, names, classes, official)), beside, lookup)
        if not all(drove):  # ... then the listed crew members who never drove, with the whole crew
            whole = _resolve_race(cars, names, classes, official, beside, lookup)
            recs += [r for r, d in zip(whole, drove, strict=True) if not d]
        for rec in recs:
            rec["category_basis"] = _basis(rec["category_source"], rec["season_observed"], season)
        return recs

    pending = []
    for rid in by_race:
        try:
            recs = resolve(rid)
        except _NeedsPace:  # resolved below, with the pace model loaded once for all such races
            pending.append(rid)
            continue
        resolved.update({(rid, str(r["car"]), str(r["driver"])): r for r in recs})
    if pending:
        model.load(pending)
        for rid in pending:
            resolved.update({(rid, str(r["car"]), str(r["driver"])): r for r in resolve(rid)})
    got = [resolved.get((r, str(c), str(d))) for r, c, d in zip(out["race_id"], out["car"], out["driver"], strict=True)]
    for col in CATEGORY_ROW_COLUMNS:
        vals = [None if g is None else g[col] for g in got]
        out[col] = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in vals]
    out["season_observed"] = pd.array(out["season_observed"].tolist(), dtype="Int64")
    out["category_probability"] = pd.array(
        [float("nan") if v is None else float(v) for v in out["category_probability"]], dtype="float64"
    )
    out["category_source"] = out["category_source"].fillna("unknown")
    out["category_basis"] = out["category_basis"].fillna("unknown")
    if "crew" in out.columns:  # the crew mates get the same resolution
        out["crew"] = [
            [_crew_member(m, resolved.get((rid, str(car), str(m.get("driver"))))) for m in (crew or [])]
            for rid, car, crew in zip(out["race_id"], out["car"], out["crew"], strict=True)
        ]
    return out, resolved


def _crew_member(member: dict, rec: dict | None) -> dict:
    if rec is None:
        return member
    cat = rec["category"]
    return {**member, "category": None if pd.isna(cat) else cat, "category_source": rec["category_source"],
            "category_basis": rec["category_basis"]}  # fmt: skip


def with_categories(arc: Archive, season: dict) -> dict:
    """A :func:`stintlab.archive.season.driver_season` result with its races' categories resolved
    (:func:`resolve_season_rows`)."""
    races, _ = resolve_season_rows(arc, season["races"])
    return {**season, "races": races}


def career_with_categories(arc: Archive, career: dict) -> dict:
    """A :func:`stintlab.archive.season.driver_career` result with its races' categories resolved and each
    season's ``category`` (the most frequent of its races' non-estimated ones, ties to the higher grade; the
    estimated ones when the season has no other) with ``category_source`` (``race``, ``same season``,
    ``other season``, ``estimated``: the basis of the races that gave it, the first in that order) and
    ``category_races`` (how many of its races that category comes from)."""
    races, _ = resolve_season_rows(arc, career["races"])
    order = ("race", "same season", "other season", "estimated")
    by_season: dict = {}
    for y, cat, basis in zip(races["season"].tolist(), races["category"].tolist(), races["category_basis"].tolist(),
                             strict=True):  # fmt: skip
        if cat is not None and not pd.isna(cat):
            by_season.setdefault(y, []).append((cat, basis))
    seasons = []
    for s in career["seasons"]:
        known = by_season.get(s["season"], [])
        firm = [(c, b) for c, b in known if b != "estimated"]
        use = firm or known
        cat = season_category(c for c, _ in use) if use else None
        bases = {b for c, b in use if c == cat} if cat else set()
        seasons.append({**s, "category": cat, "category_source": next((b for b in order if b in bases), "unknown"),
                        "category_races": sum(c == cat for c, _ in use) if cat else 0})  # fmt: skip
    return {**career, "races": races, "seasons": seasons}
