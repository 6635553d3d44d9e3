"""What each web page and API endpoint returns: JSON-ready dicts (``*_data``), the home and error
pages (the race pages, in English or French, are in :mod:`stintlab.web.pages`). The data come from
the race tables and :mod:`stintlab.report.sections`. JSON keys are documented in docs/web.md.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.names import name_key
from stintlab.report import sections
from stintlab.report.page import esc, page_html
from stintlab.serial import records
from stintlab.web.store import RequestError

PLOTLY_URL = "/static/plotly.min.js"
CLASSIFICATION_KEYS = [
    "position",
    "class_position",
    "car",
    "class",
    "team",
    "laps",
    "status",
    "gap_first",
    "total_time",
]
#: JSON only: the status as a code, classified or not, laps as a share of the winner's (analysis.order.final_status)
STATUS_KEYS = ["status_code", "classified", "distance_share"]


def rows_of(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    if columns is not None:
        columns = [c for c in columns if c in df.columns]
    return records(df, columns)


def nav_html(rid: str | None = None, name: str | None = None) -> str:
    links = '<a href="/">stintlab</a><nav style="display:inline">'
    if rid:
        links += f'<a href="/races/{quote(rid)}">{esc(name or rid)}</a>'
    links += '<a href="/docs">API</a></nav>'
    return links


def url_of(*parts: str) -> str:
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


def text_of(value) -> str:
    """A table value as page text: empty for NA (a lap file without TEAM or MANUFACTURER), not "<NA>"."""
    return "" if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else str(value)


def car_link(race, rid: str):
    """href of a classification row's car page; none for a car of the official classification without
    laps (IMSA Watkins Glen 2023 #24: classified with 0 laps, its page would be a 404)."""
    known = set(race.cars["car"].astype(str))
    return lambda r: url_of("races", rid, "cars", r["car"]) if str(r["car"]) in known else None


# ------------------------------------------------------------------------------ data
def race_summary(entry, race) -> dict:
    return {
        "id": entry.id,
        "name": race.name,
        "title": race.title,
        "source": entry.source,
        "cars": int(len(race.cars)),
        "laps": int(len(race.laps)),
        "classes": [str(c) for c in race.cars["class"].dropna().unique()],
        "hours": round(race.duration / 3600.0, 2),
        "has_flags": bool(race.meta.get("has_flags")),
        "classification_source": race.meta.get("classification_source"),
    }


def overview_data(store, rid: str) -> dict:
    entry, race = store.entry(rid), store.race(rid)
    out = race_summary(entry, race)
    out["classification"] = rows_of(race.classification, CLASSIFICATION_KEYS + STATUS_KEYS)
    neutral = sections.neutralisations(race)
    out["neutralisations"] = None if neutral is None else rows_of(neutral)
    return out


def class_data(store, rid: str, cls: str) -> dict:
    race = store.race(rid)
    cls = sections.class_or_error(race, cls)
    table = race.classification[race.classification["class"] == cls]
    hourly = sections.hourly_positions(race)
    cars = set(race.cars.loc[race.cars["class"] == cls, "car"].astype(str))
    return {
        "id": rid,
        "class": cls,
        "classification": rows_of(table, CLASSIFICATION_KEYS + STATUS_KEYS),
        "hourly_positions": None if hourly is None else rows_of(hourly[hourly["car"].astype(str).isin(cars)]),
    }


def car_data(store, rid: str, car: str) -> dict:
    race = store.race(rid)
    car = sections.car_or_error(race, car)
    row = race.cars[race.cars["car"] == car].iloc[0]
    cls_row = race.classification[race.classification["car"] == car]
    st = sections.stints(race)
    sp = sections.stops(race)
    tl = sections.car_timeline(race, car)
    return {
        "id": rid,
        "car": car,
        "class": row["class"],
        "team": row["team"],
        "manufacturer": row["manufacturer"],
        "laps": int(row["laps"]),
        "crew": list(row["crew"]),
        "result": rows_of(cls_row, CLASSIFICATION_KEYS + STATUS_KEYS)[0] if len(cls_row) else None,
        "stints": None if st is None else rows_of(st[st["car"].astype(str) == car]),
        "stops": None if sp is None else rows_of(sp[sp["car"].astype(str) == car]),
        "stint_pace": rows_of(race.stint_pace[race.stint_pace["car"] == car]),
        "drive_time": rows_of(race.drive_shares()[race.drive_shares()["car"] == car]),
        "timeline": None if tl is None else rows_of(tl) if isinstance(tl, pd.DataFrame) else tl,
    }


def story_data(store, rid: str, car: str, lang: str) -> dict:
    from stintlab.report.story import story

    lang = check_lang(lang)
    race = store.race(rid)
    car = sections.car_or_error(race, car)
    return {"id": rid, "car": car, "lang": lang, "sentences": story(race, car, lang=lang)}


def drivers_data(store, rid: str) -> list[dict]:
    race = store.race(rid)
    return rows_of(race.drivers)


def driver_rows(race, driver: str, car: str | None) -> pd.DataFrame:
    """The (car, driver) rows of ``race.drivers`` for a name (matched without case/accents), or a 404 error."""
    key = name_key(driver)
    d = race.drivers
    hit = d[d["driver"].map(name_key) == key]
    if car is not None:
        hit = hit[hit["car"] == sections.car_or_error(race, car)]
    if hit.empty:
        raise StintlabUsageError(f"no driver {driver!r} in this race")
    return hit


def driver_data(store, rid: str, driver: str, car: str | None = None) -> dict:
    race = store.race(rid)
    rows = driver_rows(race, driver, car)
    ranks = sections.driver_rankings(race)
    name = str(rows.iloc[0]["driver"])
    cars = set(rows["car"].astype(str))
    out = {"id": rid, "driver": name, "entries": rows_of(rows)}
    st = sections.stints(race)
    if st is not None:
        mine = st[(st["driver"].astype(str) == name) & st["car"].astype(str).isin(cars)]
        out["stints"] = rows_of(mine)
    else:
        out["stints"] = None
    if ranks is not None and "driver" in ranks.columns:
        mine = ranks[(ranks["driver"].astype(str) == name) & ranks["car"].astype(str).isin(cars)]
        out["rankings"] = rows_of(mine)
    else:
        out["rankings"] = None
    out["season"] = driver_season_data(store, rid, name)
    return out


SEASON_KEYS = ["date", "series", "event", "race_id", "car", "class", "team", "class_position", "status", "crew",
               "laps", "drive_time", "pace", "pace_rank", "pace_field", "season", "category", "category_source",
               "category_basis", "season_observed", "category_series", "category_probability",
               "category_evidence"]  # fmt: skip


def driver_season_data(store, rid: str, name: str) -> dict | None:
    """The driver's season (the year of this race) across every series of the web app's DuckDB archive
    (:func:`stintlab.archive.season.driver_season`), or None without an archive or when the archive
    does not know the driver or the race's year."""
    if getattr(store, "archive_db", None) is None:
        return None
    from stintlab.archive.season import driver_season
    from stintlab.archive.season_categories import with_categories
    from stintlab.archive.store import Archive

    entry = store.entry(rid)
    year = store.race(rid).meta.get("season")
    if entry.archive_id:
        year = int(entry.archive_id.split("-", 1)[0])
    if year is None:
        return None
    try:
        with Archive(store.archive_db, lock_timeout=10.0) as arc:
            s = with_categories(arc, driver_season(arc, name, int(year)))  # the categories of `drivers`
    except StintlabUsageError:
        return None
    races = records(s["races"])
    for r in races:
        r["crew"] = ", ".join(
            f"{c['driver']} ({c['category']}{'*' if c.get('category_source') == 'estimated' else ''})"
            if c.get("category") else str(c["driver"])
            for c in r["crew"] or []
        )
    return {"year": int(year), "driver": s["driver"], "races": [{k: r.get(k) for k in SEASON_KEYS} for r in races]}


# ------------------------------------------------------------------------------ pages
def error_page(status: int, message: str) -> str:
    body = f'<h1>{status}</h1><p class="error">{esc(message)}</p><p><a href="/">Back to the races</a></p>'
    return page_html(f"stintlab — {status}", body, plotly="", nav=nav_html())


def home_page(store, max_upload_bytes: int) -> str:
    rows = store.listing()
    items = "".join(
        f'<li><a href="{url_of("races", r["id"])}">{esc(r["title"])}</a> <span class="muted">({esc(r["source"])})</span></li>'
        for r in rows
    )
    body = (
        "<h1>stintlab</h1><p>Endurance-race intelligence from Al Kamel lap-by-lap timing files.</p>"
        "<h2>Upload a race</h2>"
        '<form id="upload" action="/upload" method="post" enctype="multipart/form-data">'
        '<label>Lap file <input type="file" name="file" accept=".csv,.CSV" required></label> '
        '<label>Results (optional) <input type="file" name="results" accept=".csv,.CSV"></label> '
        '<button type="submit">Upload</button></form>'
        f'<p class="muted">An Al Kamel Analysis / Time Cards CSV, at most {max_upload_bytes // (1024 * 1024)} MB, '
        "and the race's results (classification) CSV when you have it: the files are told apart by their headers; "
        "the same files sent again open the race already stored.</p>"
        f'<h2>Races</h2><ul id="races">{items or "<li>none yet</li>"}</ul>'
    )
    return page_html("stintlab", body, plotly="", nav=nav_html())


def check_lang(lang: str) -> str:
    lang = (lang or "en").lower()
    if lang not in ("en", "fr"):
        raise RequestError(f"unknown language {lang!r} (use en or fr)")
    return lang
