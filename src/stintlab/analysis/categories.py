"""FIA driver categories: from the official classification or a user entry list.

Entry list (``docs/rules.md``): CSV (comma or semicolon) or YAML with one record per driver:
``car, driver, category`` and optionally ``nationality`` and ``year``. Categories are
Platinum, Gold, Silver, Bronze (``Platinium`` and ``Bronze*`` are read as Platinum/Bronze).
YAML is either a list of records or a mapping with an ``entries`` list. ``car`` may be left
empty: the name is then matched against every car.

Names are matched robustly (:func:`match_names`): same words after removing accents, case and
punctuation (``"Alessio PICARIELLO"`` = ``"picariello alessio"``), then surname plus first
initial (``"A. Picariello"``), then a surname unique in the car. Nothing is silently dropped:
:func:`attach_categories` returns the unmatched lap drivers and the unused entries.

>>> match_names(["Alessio PICARIELLO", "Kévin ESTRE", "Ben Barker"], ["A. Picariello", "Kevin Estre", "Tom Blomqvist"])
{'Alessio PICARIELLO': ('A. Picariello', 'initial'), 'Kévin ESTRE': ('Kevin Estre', 'exact')}
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.analysis.estimate import CREW_RULE_PRECISION, crew_rule_rows
from stintlab.errors import StintlabFormatError
from stintlab.io.classification import CATEGORY_SPELLINGS
from stintlab.names import name_key

__all__ = [
    "CATEGORY_SOURCES",
    "ENTRY_COLUMNS",
    "RESOLVED_COLUMNS",
    "VALID_CATEGORIES",
    "attach_categories",
    "match_names",
    "read_entry_list",
    "resolve_categories",
    "resolve_lists",
    "attach_lists",
]

VALID_CATEGORIES = ("Platinum", "Gold", "Silver", "Bronze")
ENTRY_COLUMNS = ["car", "driver", "category", "nationality", "year"]
_CAT = CATEGORY_SPELLINGS  # one table of spellings: the readers'


def _category(value, path, line) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().rstrip("*").lower()
    if text not in _CAT:
        raise StintlabFormatError(
            path,
            f"unknown category {value!r} (expected one of {', '.join(VALID_CATEGORIES)})",
            line=line,
            column="category",
        )
    return _CAT[text]


def read_entry_list(path) -> pd.DataFrame:
    """An entry list file (CSV or YAML) as a DataFrame: car, driver, category, nationality, year, line."""
    p = Path(path)
    if not p.is_file():
        raise StintlabFormatError(p, "entry list not found")
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() in (".yaml", ".yml"):
        records = _yaml_records(p, text)
    else:
        records = _csv_records(p, text)
    rows = []
    for line, rec in records:
        rec = {str(k).strip().lower(): v for k, v in rec.items() if k is not None}
        driver = rec.get("driver") or rec.get("name")
        if driver is None or str(driver).strip() == "":
            raise StintlabFormatError(p, "record without a driver name", line=line, column="driver")
        car = rec.get("car", rec.get("number"))
        year = rec.get("year")
        rows.append(
            {
                "car": None if car is None or str(car).strip() == "" else str(car).strip(),
                "driver": str(driver).strip(),
                "category": _category(rec.get("category"), p, line),
                "nationality": None if rec.get("nationality") in (None, "") else str(rec["nationality"]).strip(),
                "year": None if year in (None, "") else int(year),
                "line": line,
            }
        )
    out = pd.DataFrame(rows, columns=ENTRY_COLUMNS + ["line"])
    for col in ("car", "driver", "category", "nationality"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("Int32")
    return out


def _csv_records(p: Path, text: str):
    first = text.splitlines()[0] if text.strip() else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=sep)
    if not reader.fieldnames or not {"driver", "name"} & {f.strip().lower() for f in reader.fieldnames if f}:
        raise StintlabFormatError(p, "entry list needs a header with car, driver, category", line=1)
    return [(i + 2, r) for i, r in enumerate(reader)]


def _yaml_records(p: Path, text: str):
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StintlabFormatError(
            p, f"not valid YAML: {getattr(exc, 'problem', exc)}", line=mark.line + 1 if mark else None
        ) from None
    if isinstance(data, dict):
        data = data.get("entries", data.get("drivers"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise StintlabFormatError(p, "YAML entry list must be a list of records (or a mapping with 'entries')")
    return [(None, r) for r in data]


def _words(name) -> list[str]:
    return name_key(name).split()


def _initial_match(a: list[str], b: list[str]) -> bool:
    """Same long word(s) (surname), and the remaining words agree by first letter, one side abbreviated."""
    common = {w for w in a if len(w) > 1} & {w for w in b if len(w) > 1}
    if not common:
        return False
    ra = [w for w in a if w not in common]
    rb = [w for w in b if w not in common]
    if not ra or not rb or not any(len(w) == 1 for w in ra + rb):
        return False
    return all(any(x[0] == y[0] for y in rb) for x in ra) and all(any(x[0] == y[0] for x in ra) for y in rb)


def _first_letters_agree(a: list[str], b: list[str]) -> bool:
    """Given names agree by first letter (or one name is a surname alone): "Alex" ~ "Alexander", not "Jan" ~ "Kevin"."""
    return len(a) < 2 or len(b) < 2 or a[0][0] == b[0][0]


def _match_one(name: str, candidates: list[str]) -> tuple[str, str] | None:
    key = name_key(name)
    words = _words(name)
    # 1. same words (any order)
    for c in candidates:
        if name_key(c) == key:
            return c, "exact"
    for c in candidates:
        if sorted(_words(c)) == sorted(words):
            return c, "word order"
    # 2. surname + first initial ("A. Picariello", "PICARIELLO A")
    hits = [c for c in candidates if _initial_match(words, _words(c))]
    if len(hits) == 1:
        return hits[0], "initial"
    # 3. surname unique among the candidates
    if words:
        last = words[-1]
        same = [c for c in candidates if _words(c)[-1:] == [last] and _first_letters_agree(words, _words(c))]
        if len(same) == 1 and len(last) > 2:
            return same[0], "surname"
    return None


def match_names(names: list[str], candidates: list[str]) -> dict[str, tuple[str, str]]:
    """Map each name to (candidate, how) where a robust match exists; each candidate used once."""
    out: dict[str, tuple[str, str]] = {}
    pool = list(dict.fromkeys(candidates))
    # exact passes first so a loose match never steals an exact one
    for how_wanted in ("exact", "word order", "initial", "surname"):
        for n in names:
            if n in out:
                continue
            hit = _match_one(n, pool)
            if hit is not None and hit[1] == how_wanted:
                out[n] = hit
                pool.remove(hit[0])
    return {n: out[n] for n in names if n in out}


def attach_categories(drivers: pd.DataFrame, entries: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Categories for every (car, driver) of a race.

    ``drivers``: ``race.drivers`` (car, driver, class, category from the official file, may be NA).
    ``entries``: an entry list (:func:`read_entry_list`); where it names a driver, it wins.
    Returns (table, unmatched): table = car, driver, class, category, category_source
    (``classification`` / ``entry list`` / ``unknown``), entry_name, match;
    unmatched = side (``lap file`` / ``entry list``), car, driver.
    """
    base_cols = [c for c in ("car", "driver", "class", "team") if c in drivers.columns]
    out = drivers[base_cols].copy()
    official = drivers["category"] if "category" in drivers.columns else pd.Series(pd.NA, index=drivers.index)
    cat, src, entry_name, how, unmatched = attach_lists(
        out["car"].tolist(), out["driver"].astype(str).tolist(), official.astype("string").tolist(), entries
    )
    out["category"] = pd.array(cat, dtype="string")
    out["category_source"] = pd.array(src, dtype="string")
    out["entry_name"] = pd.array(entry_name, dtype="string")
    out["match"] = pd.array(how, dtype="string")
    return out.reset_index(drop=True), pd.DataFrame(unmatched, columns=["side", "car", "driver", "line"])


def attach_lists(cars: list, names: list[str], official: list, entries: pd.DataFrame | None = None):
    """:func:`attach_categories` over plain lists (one item per driver; ``official``: the file's category or
    NA): lists category, category_source, entry_name, match and the unmatched records."""
    cat = list(official)
    src = ["classification" if not pd.isna(c) else "unknown" for c in cat]
    entry_name: list = [None] * len(cat)
    how: list = [None] * len(cat)
    unmatched = []
    if entries is not None and len(entries):
        used = set()
        rows_by_car: dict = {}
        for i, (car, drv) in enumerate(zip([str(c) for c in cars], names, strict=True)):
            rows_by_car.setdefault(car, []).append((i, drv))
        with_car = entries[entries["car"].notna()]
        no_car = entries[entries["car"].isna()]
        for car, items in rows_by_car.items():
            cand = with_car[with_car["car"] == car]
            hits = match_names([d for _, d in items], cand["driver"].tolist())
            for i, d in items:
                if d in hits:
                    e = cand[cand["driver"] == hits[d][0]].iloc[0]
                    used.add(int(e.name))
                    _set(cat, src, entry_name, how, i, e, hits[d][1])
        # entries without a car number: match against drivers still without an entry
        if len(no_car):
            free = [(i, d) for i, d in enumerate(names) if entry_name[i] is None]
            hits = match_names(no_car["driver"].tolist(), [d for _, d in free])
            for ename, (dname, kind) in hits.items():
                e = no_car[no_car["driver"] == ename].iloc[0]
                for i, d in free:
                    if d == dname:
                        used.add(int(e.name))
                        _set(cat, src, entry_name, how, i, e, kind)
        for idx, e in entries.iterrows():
            if int(idx) not in used:
                unmatched.append({"side": "entry list", "car": e["car"], "driver": e["driver"], "line": e.get("line")})
        for i, (car, drv) in enumerate(zip(cars, names, strict=True)):
            if entry_name[i] is None:
                unmatched.append({"side": "lap file", "car": car, "driver": drv, "line": None})
    return cat, src, entry_name, how, unmatched


def _set(cat, src, entry_name, how, i, e, kind):
    entry_name[i] = e["driver"]
    how[i] = kind
    if not pd.isna(e["category"]):
        cat[i] = e["category"]
        src[i] = "entry list"


#: Columns of :func:`resolve_categories` (and of ``race.categories``).
RESOLVED_COLUMNS = [
    "car", "driver", "class", "category", "category_source", "season_observed", "category_series",
    "category_race", "category_conflict", "category_probability", "category_evidence", "entry_name", "match",
]  # fmt: skip
#: ``category_source`` codes, in the order they are tried.
CATEGORY_SOURCES = ("entry list", "entry list beside", "classification", "archive", "estimated", "unknown")


def resolve_categories(
    drivers: pd.DataFrame,
    *,
    entry_list: pd.DataFrame | None = None,
    beside: pd.DataFrame | None = None,
    lookup=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The one path from a race's drivers to their FIA categories, each row saying where it came from.

    Tried in order: ``entry_list`` (the user's ``--entry-list``, source ``entry list``), else
    ``beside`` (an entry list found beside the lap file, source ``entry list beside``), then the
    official classification (``classification``), then ``lookup`` for the drivers still without
    one (``archive``, or ``estimated`` when the lookup says so in a ``source`` column, with its
    ``probability``). ``lookup(names)`` returns a DataFrame indexed by those names with columns
    category, season_observed, series, race_id, conflict (rows only for names it knows).
    Returns (table with :data:`RESOLVED_COLUMNS`, unmatched as :func:`attach_categories`).
    ``season_observed``/``category_series``/``category_race`` say which archived season, series and
    race an ``archive`` category comes from; ``category_conflict`` the other categories seen that season;
    ``category_probability`` the measured precision of the estimator behind an ``estimated`` one, ``category_evidence`` its
    evidence: ``pace`` (the archive's estimate) or ``crew rule`` (:func:`stintlab.analysis.estimate.crew_rule`:
    the only ungraded driver of a crew that must have a Bronze and has none; applied with a ``lookup``).
    """
    entries = entry_list if entry_list is not None else beside
    if entries is None or not len(entries):  # the official categories alone: no name to match
        cols, unmatched = _official(drivers), _NONE_UNMATCHED.copy()
    else:
        table, unmatched = attach_categories(drivers, entries)
        if entry_list is None:
            table.loc[table["category_source"] == "entry list", "category_source"] = "entry list beside"
        cols = {c: table[c] for c in table.columns}
    n = len(cols["car"])
    if lookup is None:  # nothing more to learn: the columns of the other sources are missing
        cols["season_observed"] = pd.array(np.full(n, pd.NA, dtype=object), dtype="Int32")
        nothing = _missing_strings(n)  # one array for four columns: the table copies what it is given
        for col in ("category_series", "category_race", "category_conflict", "category_evidence"):
            cols[col] = nothing
        cols["category_probability"] = np.full(n, np.nan)
    else:
        found = resolve_lists(
            cols["car"].tolist(),
            pd.Series(cols["driver"]).astype(str).tolist(),
            cols["class"].tolist() if "class" in cols else None,
            cols["category"].tolist(),
            cols["category_source"].tolist(),
            _frame_lookup(lookup),
        )
        cols["category"] = pd.array(found["category"], dtype="string")
        cols["category_source"] = pd.array(found["category_source"], dtype="string")
        cols["season_observed"] = pd.array(found["season_observed"], dtype="Int32")
        for col in ("category_series", "category_race", "category_conflict", "category_evidence"):
            cols[col] = pd.array(found[col], dtype="string")
        cols["category_probability"] = pd.array(found["category_probability"], dtype="float64")
    if "class" not in cols:
        cols["class"] = _missing_strings(n)
    return pd.DataFrame({c: cols[c] for c in RESOLVED_COLUMNS}, index=pd.RangeIndex(n)), unmatched


_NONE_UNMATCHED = pd.DataFrame([], columns=["side", "car", "driver", "line"])  # attach_categories' when all match
_NO_STRINGS = pd.array([], dtype="string")


def _missing_strings(n: int):
    return _NO_STRINGS.take(np.full(n, -1), allow_fill=True)


def _official(drivers: pd.DataFrame) -> dict:
    """The columns of :func:`attach_categories` without an entry list (Series or arrays of one row per
    driver): the official category (source ``classification``) or none (``unknown``)."""
    n = len(drivers)
    if not drivers.index.equals(pd.RangeIndex(n)):
        drivers = drivers.reset_index(drop=True)
    cols = {}
    for c in ("car", "driver", "class"):
        if c in drivers.columns:  # an object column as a Series: the table keeps its dtype (no inference)
            cols[c] = drivers[c] if drivers[c].dtype == object else drivers[c].array
    if "category" in drivers.columns:
        category = drivers["category"]
        category = category.array if category.dtype == _NO_STRINGS.dtype else category.astype("string").array
    else:
        category = _missing_strings(n)
    cols["category"] = category
    source = np.where(np.asarray(category.isna()), "unknown", "classification").astype(object)
    cols["category_source"] = pd.array(source, dtype="string")
    cols["entry_name"] = cols["match"] = _missing_strings(n)
    return cols


def _frame_lookup(lookup):
    """A ``lookup(names)`` giving a DataFrame (:func:`resolve_categories`) as :func:`resolve_lists` wants it:
    ({name: row as a dict}, the crew rule's stated precision or None)."""

    def records(names):
        found = lookup(names)
        if found is None:
            return None, None
        crew_p = found.attrs.get("crew_rule_probability")
        rows = dict(zip(found.index, found.to_dict("records"), strict=True)) if len(found) else {}
        return rows, crew_p

    return records


def _na(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def resolve_lists(cars: list, names: list[str], classes: list | None, category: list, source: list, lookup=None) -> dict:
    """The lookup and crew-rule steps of :func:`resolve_categories` over plain lists, one item per driver
    (``category``/``source`` as :func:`attach_lists` gives them), for callers resolving many races at once
    without a DataFrame per race. ``lookup(names)`` returns ({name: mapping with the columns of
    :func:`resolve_categories`'s lookup}, the crew rule's measured precision or None), or (None, None).
    Returns {column of :data:`RESOLVED_COLUMNS` from ``category`` on: list}; NA as ``pd.NA``, evidence as None."""
    n = len(names)
    cat = list(category)
    src = list(source)
    season: list = [pd.NA] * n
    series: list = [pd.NA] * n
    race: list = [pd.NA] * n
    conflict: list = [pd.NA] * n
    prob = [float("nan")] * n
    evidence: list = [None] * n
    crew_p = CREW_RULE_PRECISION
    if lookup is not None and n:
        todo = [_na(c) for c in cat]
        wanted = list(dict.fromkeys(nm for nm, t in zip(names, todo, strict=True) if t))
        found, stated = lookup(wanted) if wanted else (None, None)
        if found is not None:  # the lookup may state the crew rule's measured precision
            crew_p = float(stated if stated is not None else CREW_RULE_PRECISION)
        if found:
            for i, name in enumerate(names):
                if not todo[i] or name not in found:
                    continue
                hit = found[name]
                cat[i] = hit["category"]
                src[i] = hit["source"] if isinstance(hit.get("source"), str) else "archive"
                prob[i] = hit.get("probability", float("nan"))
                if src[i] == "estimated":
                    ev = hit.get("evidence")
                    evidence[i] = ev if isinstance(ev, str) else "pace"
                season[i] = pd.NA if _na(hit["season_observed"]) else int(hit["season_observed"])
                series[i] = hit["series"] if isinstance(hit["series"], str) else pd.NA
                race[i] = hit["race_id"] if isinstance(hit["race_id"], str) else pd.NA
                conflict[i] = hit["conflict"] if isinstance(hit["conflict"], str) else pd.NA
    if lookup is not None:  # the crew rule, once every other source has spoken
        for i in crew_rule_rows(cars, classes if classes is not None else [pd.NA] * n, cat, src):
            cat[i], src[i], prob[i] = "Bronze", "estimated", crew_p
            # the evidence is this race's crew: no other race's season, series or estimate speaks for it
            season[i] = series[i] = race[i] = conflict[i] = pd.NA
            evidence[i] = "crew rule"
    return {"category": cat, "category_source": src, "season_observed": season, "category_series": series,
            "category_race": race, "category_conflict": conflict, "category_probability": prob,
            "category_evidence": evidence}  # fmt: skip
