"""What each web page and API endpoint returns: JSON-ready dicts (``*_data``) and HTML pages
(``*_page``). The data come from the race tables and :mod:`stintlab.report.sections`; the
charts and the story from :mod:`stintlab.report`. JSON keys are documented in docs/web.md.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from stintlab.display import car_key
from stintlab.errors import StintlabUsageError
from stintlab.names import name_key
from stintlab.report import charts, sections
from stintlab.report.page import esc, figure_div, page_html, table_html
from stintlab.report.story import en
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
_WORD_KEYS = ["status_code", "retired_in_pits", "took_flag"]


def _status_worded(rows: list[dict]) -> list[dict]:
    """Rows for an HTML table: ``status`` worded from its code (English pages), the file's word otherwise."""
    for r in rows:
        if r.get("status_code"):
            r["status"] = en.status_word(r["status_code"], bool(r.get("retired_in_pits")), r.get("took_flag"))
    return rows


def _records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    if columns is not None:
        columns = [c for c in columns if c in df.columns]
    return records(df, columns)


def _nav(rid: str | None = None, name: str | None = None) -> str:
    links = '<a href="/">stintlab</a><nav style="display:inline">'
    if rid:
        links += f'<a href="/races/{quote(rid)}">{esc(name or rid)}</a>'
    links += '<a href="/docs">API</a></nav>'
    return links


def _u(*parts: str) -> str:
    return "/" + "/".join(quote(str(p), safe="") for p in parts)


def _txt(value) -> str:
    """A table value as page text: empty for NA (a lap file without TEAM or MANUFACTURER), not "<NA>"."""
    return "" if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else str(value)


def _car_link(race, rid: str):
    """href of a classification row's car page; none for a car of the official classification without
    laps (IMSA Watkins Glen 2023 #24: classified with 0 laps, its page would be a 404)."""
    known = set(race.cars["car"].astype(str))
    return lambda r: _u("races", rid, "cars", r["car"]) if str(r["car"]) in known else None


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
    out["classification"] = _records(race.classification, CLASSIFICATION_KEYS + STATUS_KEYS)
    neutral = sections.neutralisations(race)
    out["neutralisations"] = None if neutral is None else _records(neutral)
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
        "classification": _records(table, CLASSIFICATION_KEYS + STATUS_KEYS),
        "hourly_positions": None if hourly is None else _records(hourly[hourly["car"].astype(str).isin(cars)]),
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
        "result": _records(cls_row, CLASSIFICATION_KEYS + STATUS_KEYS)[0] if len(cls_row) else None,
        "stints": None if st is None else _records(st[st["car"].astype(str) == car]),
        "stops": None if sp is None else _records(sp[sp["car"].astype(str) == car]),
        "stint_pace": _records(race.stint_pace[race.stint_pace["car"] == car]),
        "drive_time": _records(race.drive_shares()[race.drive_shares()["car"] == car]),
        "timeline": None if tl is None else _records(tl) if isinstance(tl, pd.DataFrame) else tl,
    }


def story_data(store, rid: str, car: str, lang: str) -> dict:
    from stintlab.report.story import story

    lang = check_lang(lang)
    race = store.race(rid)
    car = sections.car_or_error(race, car)
    return {"id": rid, "car": car, "lang": lang, "sentences": story(race, car, lang=lang)}


def drivers_data(store, rid: str) -> list[dict]:
    race = store.race(rid)
    return _records(race.drivers)


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
    out = {"id": rid, "driver": name, "entries": _records(rows)}
    st = sections.stints(race)
    if st is not None:
        mine = st[(st["driver"].astype(str) == name) & st["car"].astype(str).isin(cars)]
        out["stints"] = _records(mine)
    else:
        out["stints"] = None
    if ranks is not None and "driver" in ranks.columns:
        mine = ranks[(ranks["driver"].astype(str) == name) & ranks["car"].astype(str).isin(cars)]
        out["rankings"] = _records(mine)
    else:
        out["rankings"] = None
    out["season"] = driver_season_data(store, rid, name)
    return out


SEASON_KEYS = ["date", "series", "event", "race_id", "car", "class", "team", "class_position", "status", "crew",
               "laps", "drive_time", "pace", "pace_rank", "pace_field"]  # fmt: skip


def driver_season_data(store, rid: str, name: str) -> dict | None:
    """The driver's season (the year of this race) across every series of the web app's DuckDB archive
    (:func:`stintlab.archive.season.driver_season`), or None without an archive or when the archive
    does not know the driver or the race's year."""
    if getattr(store, "archive_db", None) is None:
        return None
    from stintlab.archive.season import driver_season
    from stintlab.archive.store import Archive

    entry = store.entry(rid)
    year = store.race(rid).meta.get("season")
    if entry.archive_id:
        year = int(entry.archive_id.split("-", 1)[0])
    if year is None:
        return None
    try:
        with Archive(store.archive_db, lock_timeout=10.0) as arc:
            s = driver_season(arc, name, int(year))
    except StintlabUsageError:
        return None
    races = records(s["races"])
    for r in races:
        r["crew"] = ", ".join(str(c["driver"]) for c in r["crew"] or [])
    return {"year": int(year), "driver": s["driver"], "races": [{k: r.get(k) for k in SEASON_KEYS} for r in races]}


# ------------------------------------------------------------------------------ pages
def error_page(status: int, message: str) -> str:
    body = f'<h1>{status}</h1><p class="error">{esc(message)}</p><p><a href="/">Back to the races</a></p>'
    return page_html(f"stintlab — {status}", body, plotly="", nav=_nav())


def home_page(store, max_upload_bytes: int) -> str:
    rows = store.listing()
    items = "".join(
        f'<li><a href="{_u("races", r["id"])}">{esc(r["title"])}</a> <span class="muted">({esc(r["source"])})</span></li>'
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
    return page_html("stintlab", body, plotly="", nav=_nav())


def overview_page(store, rid: str) -> str:
    entry, race = store.entry(rid), store.race(rid)
    table = race.classification
    rows = _status_worded(_records(table, CLASSIFICATION_KEYS + _WORD_KEYS))
    classes = [str(c) for c in race.cars["class"].dropna().unique()]
    class_links = " · ".join(f'<a href="{_u("races", rid, "classes", c)}">{esc(c)}</a>' for c in classes)
    demo = '<p class="note">This is the embedded demo race (simulated data).</p>' if entry.source == "demo" else ""
    figs = charts.overview_figures(race)
    chart_html = "".join(f"<h2>{esc(title)}</h2>{figure_div(fig, cid)}" for cid, title, fig in figs)
    neutral = sections.neutralisations(race)
    neutral_html = ""
    if neutral is not None and not neutral.empty:
        nrows = [
            {"kind": f"slow zone, sector {z}" if k == "SZ" else k, "start": a, "end": b, "duration": d,
             "inferred": "✓" if i else ""}
            for k, a, b, d, i, z in zip(neutral["kind"], neutral["start"], neutral["end"], neutral["duration"],
                                        neutral["inferred"], neutral["sector"], strict=False)
        ]  # fmt: skip
        neutral_html = '<h2 id="neutralisations">Neutralisations and slow zones</h2>' + table_html(
            nrows, ["kind", "start", "end", "duration", "inferred"]
        )
    body = (
        f"<h1>{esc(race.title)}</h1>{demo}"
        f"<p>{len(race.cars)} cars, {len(race.laps)} laps, {race.duration / 3600:.1f} h. "
        f"Classification: {esc(race.meta.get('classification_source'))}.</p>"
        f'<p>Classes: {class_links} · <a id="live-link" href="{_u("live", rid)}">replay it live</a></p>'
        f"{chart_html}{neutral_html}<h2>Classification</h2>"
        + table_html(rows, CLASSIFICATION_KEYS, links={"car": _car_link(race, rid)})
    )
    return page_html(race.title, body, plotly=PLOTLY_URL if figs else "", nav=_nav(rid, race.title))


def _charts_html(figs, lang: str) -> str:
    """Each figure under its title; the gap chart with the sentence saying what it plots."""
    return "".join(
        f"<h2>{esc(title)}</h2>"
        + (f'<p class="note">{esc(charts.gap_note(lang))}</p>' if cid.startswith("gap-") else "")
        + figure_div(fig, cid)
        for cid, title, fig in figs
    )


def class_page(store, rid: str, cls: str) -> str:
    race = store.race(rid)
    cls = sections.class_or_error(race, cls)
    rows = _status_worded(_records(race.classification[race.classification["class"] == cls],
                                   CLASSIFICATION_KEYS + _WORD_KEYS))  # fmt: skip
    figs = charts.class_figures(race, cls)
    st = sections.stints(race)
    if st is not None and not st.empty:
        ordered = sections.cars_in_order(race)
        in_class = ordered[ordered["class"] == cls]
        mine = st[st["car"].astype(str).isin(in_class["car"].astype(str))]
        fig = charts.stints_figure(
            mine, sections.categories(race), in_class, None, neutral=sections.neutralisations(race)
        )
        figs.append(("stints", "Stints and drivers", fig))
    hist = race.position_history
    if len(hist):
        from stintlab.report.pace_charts import lap_chart_figure

        figs.append(("lapchart", f"{cls}: lap chart", lap_chart_figure(hist, race.cars, cls)))
    chart_html = _charts_html(figs, "en")
    sec = race.sectors
    sec = sec[sec["class"].astype(str) == cls]
    sectors_html = ""
    if len(sec):
        from stintlab.report.pace import sectors_table

        sectors_html = f'<h2 id="sectors">Sectors</h2>{sectors_table(sec)}'
    body = f"<h1>{esc(race.title)} — {esc(cls)}</h1>{chart_html}{sectors_html}<h2>Classification</h2>" + table_html(
        rows, CLASSIFICATION_KEYS, links={"car": _car_link(race, rid)}
    )
    return page_html(f"{race.title} — {cls}", body, plotly=PLOTLY_URL if figs else "", nav=_nav(rid, race.title))


def car_page(store, rid: str, car: str, lang: str = "en") -> str:
    from stintlab.report.html import story_laps_section
    from stintlab.report.story import story, story_html

    race = store.race(rid)
    car = sections.car_or_error(race, car)
    lang = check_lang(lang)
    row = race.cars[race.cars["car"] == car].iloc[0]
    options = "".join(
        f'<option value="{esc(c)}"{" selected" if c == car else ""}>#{esc(c)} {esc(_txt(t))} ({esc(_txt(k))})</option>'
        for c, t, k in sorted(
            zip(race.cars["car"].astype(str), race.cars["team"], race.cars["class"], strict=False),
            key=lambda x: car_key(x[0]),
        )
    )
    switch = (
        f'<form class="inline" id="car-switch" onsubmit="return false">'
        f'<label>{"Car" if lang == "en" else "Voiture"} <select id="car-select" onchange="location.href=\'{_u("races", rid, "cars")}/\''
        f"+encodeURIComponent(this.value)+'?lang={lang}'\">{options}</select></label></form> "
        f'<a href="?lang={"fr" if lang == "en" else "en"}" lang="{"fr" if lang == "en" else "en"}" hreflang='
        f'"{"fr" if lang == "en" else "en"}">{"Français" if lang == "en" else "English"}</a>'
    )
    figs = charts.car_figures(race, car, lang)
    chart_html = _charts_html(figs, lang)
    pace_html = _pace_html(race, car, lang)
    sentences = story(race, car, lang=lang)
    sp = sections.stops(race)
    stops_html = ""
    if sp is not None:
        from stintlab.report.html import stops_table

        mine = sp[sp["car"].astype(str) == car]
        stops_html = f'<h2 id="stops">{"Pit stops" if lang == "en" else "Arrêts au stand"}</h2>' + stops_table(
            mine, lang
        )
    crew = ", ".join(f'<a href="{_u("races", rid, "drivers", d)}?car={quote(car)}">{esc(d)}</a>' for d in row["crew"])
    title = race.title_in(lang)
    laps_word = "laps" if lang == "en" else "tours"
    body = (
        f'<h1>#{esc(car)} {esc(_txt(row["team"]))}</h1><p class="muted" id="race-title">{esc(title)}</p>'
        f"<p>{switch}</p>"
        f"<p>{esc(_txt(row['class']))} · {esc(_txt(row['manufacturer']))} · {int(row['laps'])} {laps_word} · {crew}</p>"
        f'{pace_html}{chart_html}<h2 id="story">{"Story" if lang == "en" else "Récit"}</h2>'
        f"{story_html(sentences, car=car, lang=lang)}{stops_html}{story_laps_section(race, car, sentences, lang)}"
    )
    return page_html(
        f"{title} — #{car}",
        body,
        plotly=PLOTLY_URL if figs or pace_html else "",
        lang=lang,
        nav=_nav(rid, title),
    )


def _pace_html(race, car: str, lang: str) -> str:
    """The car page's pace views: lap-time trace, stint pace table, drive time (:mod:`stintlab.report.pace`)."""
    from stintlab.report.pace import PACE_TITLES, drive_note, drive_table, stint_pace_table
    from stintlab.report.pace_charts import lap_times_figure

    T = PACE_TITLES[lang]
    trace = race.lap_trace
    mine = trace[trace["car"] == car]
    st = race.stint_pace
    st = st[st["car"] == car]
    shares = race.drive_shares()
    shares = shares[shares["car"] == car]
    out = []
    if len(mine):
        fig = lap_times_figure(mine, st, neutral=sections.neutralisations(race), lang=lang)
        out.append(f'<h2 id="laptimes">{esc(T["laptimes"])}</h2>{figure_div(fig, "laptimes-chart")}')
    if len(st):
        out.append(f'<h2 id="stintpace">{esc(T["stintpace"])}</h2>{stint_pace_table(st, lang)}')
    if len(shares):
        out.append(f'<h2 id="drivetime">{esc(T["drivetime"])}</h2>{drive_note(shares, lang, car)}{drive_table(shares, lang)}')
    return "".join(out)


def driver_page(store, rid: str, driver: str, car: str | None = None) -> str:
    race = store.race(rid)
    data = driver_data(store, rid, driver, car)
    entries = data["entries"]
    cols = [
        c
        for c in ["driver", "car", "class", "team", "category", "country", "laps", "first_lap", "last_lap"]
        if entries and c in entries[0]
    ]
    body = f"<h1>{esc(data['driver'])}</h1>" + table_html(
        entries, cols, links={"car": lambda r: _u("races", rid, "cars", r["car"])}
    )
    if data["rankings"]:
        rcols = [c for c in ["car", "class", "category", "category_source", "clean_laps", "best_lap", "metric", "value",
                             "ci_low", "ci_high", "class_rank", "category_rank", "low_sample"]
                 if c in data["rankings"][0]]  # fmt: skip
        body += '<h2 id="rankings">Rankings</h2>' + table_html(data["rankings"], rcols)
    if data["stints"]:
        scols = [c for c in ["car", "stint", "lap_start", "lap_end", "laps", "start", "end", "duration", "ended_by"]
                 if c in data["stints"][0]]  # fmt: skip
        body += '<h2 id="stints">Stints</h2>' + table_html(data["stints"], scols)
    season = data.get("season")
    if season and season["races"]:
        rows = [
            {
                **r,
                "result": f"P{r['class_position']} in class"
                if r["class_position"] is not None
                else (r["status"] or ""),
                "pace_rank": f"{r['pace_rank']}/{r['pace_field']}" if r["pace_rank"] is not None else "",
            }
            for r in season["races"]
        ]
        body += f'<h2 id="season">Season {season["year"]} (every archived series)</h2>' + table_html(
            rows,
            [
                "date",
                "series",
                "event",
                "car",
                "class",
                "team",
                "result",
                "crew",
                "laps",
                "drive_time",
                "pace",
                "pace_rank",
            ],  # fmt: skip
            links={"event": lambda r: _u("races", r["race_id"]) if r["race_id"] in store.entries else None},
        )
    return page_html(f"{race.title} — {data['driver']}", body, plotly="", nav=_nav(rid, race.title))


def check_lang(lang: str) -> str:
    lang = (lang or "en").lower()
    if lang not in ("en", "fr"):
        raise RequestError(f"unknown language {lang!r} (use en or fr)")
    return lang
