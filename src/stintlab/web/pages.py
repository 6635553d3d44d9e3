"""The web app's race pages in English or French (``?lang=fr``): race overview, class, car and driver.

Every page has a link to the other language (marked ``lang``/``hreflang``), keeps its language in the
links to the other pages, and words its tables, charts and statuses in its language: column heads and
stop kinds from :mod:`stintlab.report.html`, statuses from the story catalogs, chart words from
:mod:`stintlab.report.charts`. The car page opens on the journalist's story (headline first) with the
chronological account collapsed under it (:func:`stintlab.report.story.story_block`, the story
``stintlab story`` prints). The data come from :mod:`stintlab.web.views`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from stintlab import display
from stintlab.display import car_key
from stintlab.report import charts, sections
from stintlab.report.html import (
    CATEGORY_SOURCE_WORDS,
    CLASSIFICATION_WORD_KEYS,
    HEADS,
    neutral_section,
    stops_table,
    worded_classification,
)
from stintlab.report.page import esc, figure_div, page_html, table_html
from stintlab.report.story.languages import catalog
from stintlab.web.views import (
    CLASSIFICATION_KEYS,
    PLOTLY_URL,
    car_link,
    check_lang,
    driver_data,
    nav_html,
    rows_of,
    text_of,
    url_of,
)

__all__ = ["overview_page", "class_page", "car_page", "driver_page", "WORDS"]


#: the words of the pages, per language (table heads come from report.html HEADS)
WORDS = {
    "en": {
        "demo": "This is the embedded demo race (simulated data).", "cars": "cars", "laps": "laps",
        "classification": "Classification", "classification_from": "Classification",
        "official": "official", "derived": "derived", "classes": "Classes", "live": "replay it live",
        "stints": "Stints and drivers", "lapchart": "lap chart", "sectors": "Sectors", "car": "Car",
        "story": "Story", "stops": "Pit stops", "rankings": "Rankings", "driver_stints": "Stints",
        "season": "Season {year} (every archived series)", "in_class": "P{pos} in class", "other": "Français",
        "total_time": "total_time", "yes": "yes", "same season": "same season", "other season": "other season",
    },
    "fr": {
        "demo": "Course de démonstration intégrée (données simulées).", "cars": "voitures", "laps": "tours",
        "classification": "Classement", "classification_from": "Classement",
        "official": "officiel", "derived": "calculé à partir des tours", "classes": "Catégories",
        "live": "la revoir en direct", "stints": "Relais et pilotes", "lapchart": "positions tour par tour",
        "sectors": "Secteurs", "car": "Voiture", "story": "Récit", "stops": "Arrêts au stand",
        "rankings": "Classements", "driver_stints": "Relais", "season": "Saison {year} (toutes les séries archivées)",
        "in_class": "{pos} de la catégorie", "other": "English", "total_time": "Temps total", "yes": "✓",
        "same season": "même saison", "other season": "autre saison",
    },
}  # fmt: skip

#: French column heads of the web tables beyond report.html HEADS
_FR_HEADS = {
    "total_time": "Temps total", "country": "Pays", "first_lap": "Premier tour", "last_lap": "Dernier tour",
    "metric": "Critère", "ci_low": "IC bas", "ci_high": "IC haut", "stint": "Relais", "lap_start": "Tour de début",
    "lap_end": "Tour de fin", "start": "Début", "end": "Fin", "duration": "Durée", "ended_by": "Fin par",
    "date": "Date", "series": "Série", "event": "Épreuve", "result": "Résultat", "crew": "Équipage",
    "drive_time": "Temps de conduite", "pace": "Rythme", "pace_rank": "Rang (rythme)",
}  # fmt: skip
_FR_VALUES = {
    "ended_by": {"stop": "arrêt", "finish": "arrivée", "retired": "abandon", "file_end": "fin du fichier"},
    "metric": {"index": "indice", "best_10": "moyenne des 10 meilleurs tours", "median_clean": "médiane des tours propres"},
    "category": catalog("fr").CATEGORIES,  # the story's words: Platine, Or, Argent, Bronze
}  # fmt: skip


def _heads(lang: str) -> dict:
    """Column heads: the English pages keep the column names (as the JSON), French pages word them."""
    return {**HEADS["fr"], **_FR_HEADS} if lang == "fr" else {}


def _lang_q(lang: str, **params) -> str:
    """The query string of a link: its parameters and ``lang=fr`` on French pages."""
    q = {k: v for k, v in params.items() if v is not None}
    if lang == "fr":
        q["lang"] = "fr"
    return ("?" + urlencode(q)) if q else ""


def _switch(lang: str, **params) -> str:
    """The link to the same page in the other language (marked with its language)."""
    other = "fr" if lang == "en" else "en"
    q = urlencode({**{k: v for k, v in params.items() if v is not None}, "lang": other})
    return f'<a id="lang-switch" href="?{esc(q)}" lang="{other}" hreflang="{other}">{esc(WORDS[lang]["other"])}</a>'


def _classification(race, rid: str, table, lang: str) -> str:
    rows = worded_classification(rows_of(table, CLASSIFICATION_KEYS + CLASSIFICATION_WORD_KEYS), lang)
    link = car_link(race, rid)
    q = _lang_q(lang)
    return table_html(rows, CLASSIFICATION_KEYS, labels=_heads(lang),
                      links={"car": lambda r: (link(r) + q) if link(r) else None})  # fmt: skip


def _charts_html(figs, lang: str) -> str:
    """Each figure under its title; the gap chart with the sentence saying what it plots."""
    return "".join(
        f"<h2>{esc(title)}</h2>"
        + (f'<p class="note">{esc(charts.gap_note(lang))}</p>' if cid.startswith("gap-") else "")
        + figure_div(fig, cid)
        for cid, title, fig in figs
    )


def overview_page(store, rid: str, lang: str = "en") -> str:
    lang = check_lang(lang)
    W = WORDS[lang]
    entry, race = store.entry(rid), store.race(rid)
    title = race.title_in(lang)
    classes = [str(c) for c in race.cars["class"].dropna().unique()]
    q = _lang_q(lang)
    class_links = " · ".join(f'<a href="{url_of("races", rid, "classes", c)}{q}">{esc(c)}</a>' for c in classes)
    demo = f'<p class="note">{esc(W["demo"])}</p>' if entry.source == "demo" else ""
    figs = charts.overview_figures(race, lang)
    chart_html = "".join(f"<h2>{esc(t)}</h2>{figure_div(fig, cid)}" for cid, t, fig in figs)
    neutral = sections.neutralisations(race)
    neutral_html = neutral_section(neutral, lang, zone=race.local_neutralisation) if neutral is not None and not neutral.empty else ""
    source = race.meta.get("classification_source")
    hours = display.number(race.duration / 3600, 1, lang)
    colon = " :" if lang == "fr" else ":"
    body = (
        f"<h1>{esc(title)}</h1>{demo}"
        f"<p>{len(race.cars)} {W['cars']}, {len(race.laps)} {W['laps']}, {hours} h. "
        f"{esc(W['classification_from'])}{colon} {esc(W.get(source, source))}.</p>"
        f"<p>{esc(W['classes'])}{colon} {class_links} · "
        f'<a id="live-link" href="{url_of("live", rid)}{q}">{esc(W["live"])}</a> · {_switch(lang)}</p>'
        f"{chart_html}{neutral_html}<h2>{esc(W['classification'])}</h2>"
        + _classification(race, rid, race.classification, lang)
    )
    return page_html(title, body, plotly=PLOTLY_URL if figs else "", lang=lang, nav=nav_html(rid, title))


def class_page(store, rid: str, cls: str, lang: str = "en") -> str:
    lang = check_lang(lang)
    W = WORDS[lang]
    race = store.race(rid)
    title = race.title_in(lang)
    cls = sections.class_or_error(race, cls)
    figs = charts.class_figures(race, cls, lang=lang)
    st = sections.stints(race)
    if st is not None and not st.empty:
        ordered = sections.cars_in_order(race)
        in_class = ordered[ordered["class"] == cls]
        mine = st[st["car"].astype(str).isin(in_class["car"].astype(str))]
        fig = charts.stints_figure(
            mine, sections.categories(race), in_class, None, neutral=sections.neutralisations(race), lang=lang
        )
        figs.append(("stints", W["stints"], fig))
    hist = race.position_history
    if len(hist):
        from stintlab.report.pace_charts import lap_chart_figure

        colon = " :" if lang == "fr" else ":"
        figs.append(("lapchart", f"{cls}{colon} {W['lapchart']}", lap_chart_figure(hist, race.cars, cls, lang=lang)))
    sec = race.sectors
    sec = sec[sec["class"].astype(str) == cls]
    sectors_html = ""
    if len(sec):
        from stintlab.report.pace import sectors_table

        sectors_html = f'<h2 id="sectors">{esc(W["sectors"])}</h2>{sectors_table(sec, lang)}'
    table = race.classification[race.classification["class"] == cls]
    body = (
        f"<h1>{esc(title)} — {esc(cls)}</h1><p>{_switch(lang)}</p>{_charts_html(figs, lang)}{sectors_html}"
        f"<h2>{esc(W['classification'])}</h2>" + _classification(race, rid, table, lang)
    )
    return page_html(f"{title} — {cls}", body, plotly=PLOTLY_URL if figs else "", lang=lang, nav=nav_html(rid, title))


def car_page(store, rid: str, car: str, lang: str = "en") -> str:
    from stintlab.report.html import story_laps_section
    from stintlab.report.story import story_block

    race = store.race(rid)
    car = sections.car_or_error(race, car)
    lang = check_lang(lang)
    W = WORDS[lang]
    row = race.cars[race.cars["car"] == car].iloc[0]
    options = "".join(
        f'<option value="{esc(c)}"{" selected" if c == car else ""}>#{esc(c)} {esc(text_of(t))} ({esc(text_of(k))})</option>'
        for c, t, k in sorted(
            zip(race.cars["car"].astype(str), race.cars["team"], race.cars["class"], strict=False),
            key=lambda x: car_key(x[0]),
        )
    )
    switch = (
        f'<form class="inline" id="car-switch" onsubmit="return false">'
        f'<label>{esc(W["car"])} <select id="car-select" onchange="location.href=\'{url_of("races", rid, "cars")}/\''
        f"+encodeURIComponent(this.value)+'?lang={lang}'\">{options}</select></label></form> {_switch(lang)}"
    )
    figs = charts.car_figures(race, car, lang)
    pace_html = _pace_html(race, car, lang)
    # the journalist's story first (headline first), the chronological account collapsed under it
    block, sentences = story_block(race, car, lang=lang)
    story_html = f'<h2 id="story">{esc(W["story"])}</h2>{block}' if block else ""
    sp = sections.stops(race)
    stops_html = ""
    if sp is not None:
        mine = sp[sp["car"].astype(str) == car]
        stops_html = f'<h2 id="stops">{esc(W["stops"])}</h2>' + stops_table(mine, lang)
    q = _lang_q(lang, car=car)
    crew = ", ".join(f'<a href="{url_of("races", rid, "drivers", d)}{q}">{esc(d)}</a>' for d in row["crew"])
    title = race.title_in(lang)
    body = (
        f'<h1>#{esc(car)} {esc(text_of(row["team"]))}</h1><p class="muted" id="race-title">{esc(title)}</p>'
        f"<p>{switch}</p>"
        f"<p>{esc(text_of(row['class']))} · {esc(text_of(row['manufacturer']))} · {int(row['laps'])} {W['laps']} · {crew}</p>"
        f"{story_html}{pace_html}{_charts_html(figs, lang)}{stops_html}"
        f"{story_laps_section(race, car, sentences, lang) if sentences else ''}"
    )
    return page_html(f"{title} — #{car}", body, plotly=PLOTLY_URL if figs or pace_html else "", lang=lang,
                     nav=nav_html(rid, title))  # fmt: skip


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


def _values(rows: list[dict], lang: str) -> list[dict]:
    """Coded cells of the driver page in the page's language (category source, stint end, metric, flags)."""
    yes = WORDS[lang]["yes"]
    for r in rows:
        for k, v in list(r.items()):
            if isinstance(v, bool):
                r[k] = yes if v else ""
        if "category_source" in r:
            r["category_source"] = CATEGORY_SOURCE_WORDS[lang].get(r["category_source"], r["category_source"] or "")
        if lang == "fr":
            for k, words in _FR_VALUES.items():
                if isinstance(r.get(k), str):
                    r[k] = words.get(r[k], r[k])
    return rows


def _season_category(r: dict, lang: str) -> str:
    """A season row's category source in the page's language: the source's words, then the registry's
    series and season (same or other season) or an estimate's measured precision."""
    src = r.get("category_source") or "unknown"
    if src == "unknown":
        return ""
    text = CATEGORY_SOURCE_WORDS[lang].get(src, src)
    if src == "archive":
        basis = r.get("category_basis")
        text += f": {r.get('category_series') or '?'} {r.get('season_observed')} ({WORDS[lang].get(basis, basis)})"
    elif src == "estimated" and r.get("category_probability") is not None:
        if r.get("category_evidence") == "crew rule":
            text += " / crew rule" if lang == "en" else " / règle d'équipage"
        text += f" (p {r['category_probability']:.2f})"
    return text


def driver_page(store, rid: str, driver: str, car: str | None = None, lang: str = "en") -> str:
    lang = check_lang(lang)
    W = WORDS[lang]
    race = store.race(rid)
    title = race.title_in(lang)
    data = driver_data(store, rid, driver, car)
    heads = _heads(lang)
    entries = _values([dict(e) for e in data["entries"]], lang)
    cols = [c for c in ["driver", "car", "class", "team", "category", "country", "laps", "first_lap", "last_lap"]
            if entries and c in entries[0]]  # fmt: skip
    q = _lang_q(lang)
    body = f"<h1>{esc(data['driver'])}</h1><p>{_switch(lang, car=car)}</p>" + table_html(
        entries, cols, labels=heads, links={"car": lambda r: url_of("races", rid, "cars", r["car"]) + q}
    )
    if data["rankings"]:
        rows = _values([dict(r) for r in data["rankings"]], lang)
        rcols = [c for c in ["car", "class", "category", "category_source", "clean_laps", "best_lap", "metric", "value",
                             "ci_low", "ci_high", "class_rank", "category_rank", "low_sample"] if c in rows[0]]  # fmt: skip
        body += f'<h2 id="rankings">{esc(W["rankings"])}</h2>' + table_html(rows, rcols, labels=heads)
    if data["stints"]:
        rows = _values([dict(r) for r in data["stints"]], lang)
        scols = [c for c in ["car", "stint", "lap_start", "lap_end", "laps", "start", "end", "duration", "ended_by"]
                 if c in rows[0]]  # fmt: skip
        body += f'<h2 id="stints">{esc(W["driver_stints"])}</h2>' + table_html(rows, scols, labels=heads)
    season = data.get("season")
    if season and season["races"]:
        ordinal = catalog(lang).ordinal
        rows = [
            {**r, "result": W["in_class"].format(pos=r["class_position"] if lang == "en" else ordinal(r["class_position"]))
             if r["class_position"] is not None else (r["status"] or ""),
             "pace_rank": f"{r['pace_rank']}/{r['pace_field']}" if r["pace_rank"] is not None else "",
             "category": (r.get("category") or "") + ("*" if r.get("category_source") == "estimated" else ""),
             "category_source": _season_category(r, lang)}
            for r in season["races"]
        ]  # fmt: skip
        body += f'<h2 id="season">{esc(W["season"].format(year=season["year"]))}</h2>' + table_html(
            rows,
            ["date", "series", "event", "car", "class", "team", "category", "category_source", "result", "crew", "laps",
             "drive_time", "pace", "pace_rank"],
            labels=heads,
            links={"event": lambda r: url_of("races", r["race_id"]) + q if r["race_id"] in store.entries else None},
        )  # fmt: skip
    return page_html(f"{title} — {data['driver']}", body, plotly="", lang=lang, nav=nav_html(rid, title))
