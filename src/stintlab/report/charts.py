"""Plotly figures of a race, built from the analysis tables (:mod:`stintlab.report.sections`).

A figure is plotly's own JSON form, a plain ``{"data": [...], "layout": {...}}`` dict (what
``plotly.js`` draws; building it directly skips plotly.py's validation, which costs seconds on a
24-hour race). Every time axis is race time in hours; neutralisation phases (safety car, FCY,
red flag) are shaded on each of them. A figure whose analysis table is not available is left
out: the ``*_figures`` functions return ``(div id, title, figure)`` for what can be drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.config import THRESHOLDS
from stintlab.display import car_key, duration, lap_time
from stintlab.report import sections

__all__ = [
    "CATEGORY_COLOURS",
    "NEUTRAL_COLOURS",
    "shade_neutralisations",
    "positions_figure",
    "gap_figure",
    "gap_note",
    "stints_figure",
    "stops_figure",
    "overview_figures",
    "class_figures",
    "car_figures",
    # the figure-building helpers, shared with report/pace_charts.py
    "axis",
    "figure",
    "number_list",
    "car_labels",
    "line_style",
]

CATEGORY_COLOURS = {
    "Platinum": "#5b6b7d",
    "Gold": "#d4a017",
    "Silver": "#9aa5b1",
    "Bronze": "#b0703c",
    None: "#4c78a8",
}
SLOT_COLOURS = {0: "#9e9e9e", 1: "#4c78a8", 2: "#f58518", 3: "#54a24b", 4: "#b279a2", 5: "#e45756", 6: "#72b7b2"}
NEUTRAL_COLOURS = {
    "SC": "rgba(255,196,0,0.22)", "FCY": "rgba(255,140,0,0.22)", "RED": "rgba(220,0,0,0.20)",
    "SZ": "rgba(140,90,200,0.14)",  # a slow zone: green elsewhere, lighter
    "C60": "rgba(255,140,0,0.22)",  # full-course Code 60 (Nordschleife): like an FCY
}  # fmt: skip
HIGHLIGHT = "#c8102e"
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b", "#9d755d", "#ff9da6",
           "#bab0ac", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]  # fmt: skip

_LABELS = {
    "en": {
        "hour": "Race hour", "race_time": "Race time (h)", "class_pos": "Class position", "gap": "Laps behind the class leader",
        "driver": "Driver", "car": "Car", "stop": "Pit stop", "long": "long stop", "pit_time": "Pit time (s)",
    },
    "fr": {
        "hour": "Heure de course", "race_time": "Temps de course (h)", "class_pos": "Position dans la catégorie",
        "gap": "Tours de retard sur le leader de la catégorie", "driver": "Pilote", "car": "Voiture", "stop": "Arrêt au stand",
        "long": "arrêt long", "pit_time": "Temps au stand (s)",
    },
}  # fmt: skip


def _t(lang: str, key: str) -> str:
    return _LABELS.get(lang, _LABELS["en"])[key]


def axis(title: str, **kw) -> dict:
    return {"title": {"text": title}, "gridcolor": "#e6e9ec", "zeroline": False, "linecolor": "#9aa5b1", **kw}


def figure(data: list[dict], *, x: dict, y: dict, height: int = 420, **layout) -> dict:
    return {
        "data": data,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 20, "b": 45},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "legend": {"font": {"size": 10}},
            "hovermode": "closest",
            "font": {"family": "DejaVu Sans, Arial, sans-serif", "color": "#2a3f5f"},
            "xaxis": x,
            "yaxis": y,
            **layout,
        },
    }


def number_list(values, digits: int | None = None) -> list:
    a = np.asarray(values, dtype=float)
    if digits is not None:
        a = np.round(a, digits)
    return [None if not np.isfinite(v) else v for v in a.tolist()]


def shade_neutralisations(fig: dict, neutral: pd.DataFrame | None) -> dict:
    """Shade each neutralisation phase (``start``..``end`` race seconds, ``kind``) on the x axis in hours.

    >>> fig = shade_neutralisations({"layout": {}}, pd.DataFrame({"kind": ["SC"], "start": [3600.0], "end": [5400.0]}))
    >>> fig["layout"]["shapes"][0]["x0"], fig["layout"]["shapes"][0]["x1"]
    (1.0, 1.5)
    """
    if neutral is None or neutral.empty:
        return fig
    shapes = []
    for kind, start, end in zip(neutral["kind"], neutral["start"], neutral["end"], strict=False):
        if pd.isna(start) or pd.isna(end):
            continue
        shapes.append(
            {
                "type": "rect", "xref": "x", "yref": "paper", "x0": round(float(start) / 3600.0, 4),
                "x1": round(max(float(end), float(start) + 30.0) / 3600.0, 4), "y0": 0, "y1": 1,
                "fillcolor": NEUTRAL_COLOURS.get(str(kind), "rgba(128,128,128,0.2)"), "line": {"width": 0},
                "layer": "below",
            }
        )  # fmt: skip
    fig["layout"]["shapes"] = list(fig["layout"].get("shapes", [])) + shapes
    return fig


def car_labels(cars: pd.DataFrame) -> dict[str, str]:
    # a file without TEAM (or an empty one): the car number alone, never "<NA>"
    return {
        str(c): f"#{c} {t}" if isinstance(t, str) and t else f"#{c}"
        for c, t in zip(cars["car"], cars["team"], strict=False)
    }


def line_style(i: int, highlighted: bool, width: float) -> dict:
    return {"width": width, "color": HIGHLIGHT if highlighted else PALETTE[i % len(PALETTE)]}


#: the building blocks, public for :mod:`stintlab.report.pace_charts` (same style, one place)


def positions_figure(
    hourly: pd.DataFrame,
    cars: pd.DataFrame,
    cls: str,
    car: str | None = None,
    *,
    neutral: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict:
    """Class position of each car of ``cls`` hour by hour; ``car`` highlighted."""
    d = hourly[hourly["class"].astype(str) == cls]
    labels = car_labels(cars)
    order = list(dict.fromkeys(d.sort_values(["hour", "class_position"])["car"].astype(str)))
    if car in order:
        order.remove(car)
        order.append(car)  # drawn last, on top
    data = []
    by_car = {str(k): g for k, g in d.groupby(d["car"].astype(str), sort=False)}
    for i, c in enumerate(order):
        g = by_car[c].sort_values("hour")
        hl = c == car
        data.append(
            {
                "type": "scatter", "x": g["hour"].astype(int).tolist(), "y": g["class_position"].astype(int).tolist(),
                "mode": "lines+markers" if hl else "lines", "name": labels.get(c, c), "line": line_style(i, hl, 4 if hl else 1.3),
                "opacity": 1.0 if hl or car is None else 0.45,
                "hovertemplate": f"{labels.get(c, c)}<br>h%{{x}}: P%{{y}}<extra></extra>",
            }
        )  # fmt: skip
    n = int(d["class_position"].max()) if len(d) else 1
    fig = figure(
        data,
        x=axis(_t(lang, "hour"), dtick=1 if d["hour"].max() <= 24 else None),
        y=axis(_t(lang, "class_pos"), range=[n + 0.5, 0.5], dtick=1 if n <= 25 else None),
        height=460,
    )
    return shade_neutralisations(fig, neutral)


def gap_note(lang: str = "en") -> str:
    """What the gap chart plots, in one sentence (shown above it in the report and the web app)."""
    if lang == "fr":
        return (
            "Distance en tours derrière le leader de la catégorie, au même instant (position sur la piste "
            "interpolée entre les points de chronométrage) : une neutralisation ne crée pas de faux gain. "
            "Les voitures à plus d'un tour à leur dernier passage sont masquées : cliquez sur leur nom dans la "
            "légende pour les afficher."
        )
    return (
        "Distance in laps behind the class leader at the same instant (track position interpolated between "
        "timing points), so a neutralisation creates no false gain. Cars more than a lap down at their last "
        "crossing are hidden: click their name in the legend to show them."
    )


def gap_figure(
    history: pd.DataFrame,
    cars: pd.DataFrame,
    cls: str,
    car: str | None = None,
    *,
    neutral: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict:
    """Laps behind the class leader at the same instant (``history``: the gap history by distance,
    :func:`stintlab.analysis.distance.gap_history`), one line per car of ``cls``; ``car`` highlighted.

    Cars more than ``THRESHOLDS.gap_chart_laps`` behind at their last point start hidden
    (``visible: "legendonly"``, one click on the legend shows them), so one car hours down does not
    squash the fight for the lead; the highlighted car is always shown. The legend sits below the plot.
    """
    d = history[history["class"].astype(str) == cls]
    labels = car_labels(cars)
    by_car = {str(k): g for k, g in d.groupby(d["car"].astype(str), sort=False)}
    final = {c: float(g["laps_behind"].iloc[-1]) for c, g in by_car.items()}
    cars_in = sorted(by_car, key=lambda c: (final[c], car_key(c)))
    if car in cars_in:
        cars_in.remove(car)
        cars_in.append(car)  # drawn last, on top
    lap_word = "laps" if lang == "en" else "tours"
    data = []
    for i, c in enumerate(cars_in):
        g = by_car[c]
        hl = c == car
        shown = hl or final[c] <= THRESHOLDS.gap_chart_laps
        rt = g["race_time"].to_numpy(dtype=float)
        data.append(
            {
                "type": "scatter", "x": number_list(rt / 3600.0, 3), "y": number_list(g["laps_behind"].to_numpy(dtype=float), 3),
                "mode": "lines", "name": labels.get(c, c), "line": line_style(i, hl, 3.5 if hl else 1.2),
                "opacity": 1.0 if hl or car is None else 0.6, "visible": True if shown else "legendonly",
                "text": [duration(t) for t in rt],
                "hovertemplate": f"{labels.get(c, c)}<br>%{{text}}: %{{y:.2f}} {lap_word}<extra></extra>",
            }
        )  # fmt: skip
    fig = figure(
        data,
        x=axis(_t(lang, "race_time")),
        y=axis(_t(lang, "gap"), autorange="reversed", rangemode="tozero"),
        height=480,
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.18, "yanchor": "top", "x": 0},
    )
    fig["layout"]["margin"]["b"] = 60
    return shade_neutralisations(fig, neutral)


def stints_figure(
    stints: pd.DataFrame,
    drivers: pd.DataFrame,
    cars: pd.DataFrame,
    car: str | None = None,
    *,
    neutral: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict:
    """Who drove when: one row per car, one bar per stint coloured by the driver's FIA category
    (``drivers``: car, driver, category). When no driver of the race has a known category the
    bars are coloured by the driver's slot in the crew instead, so driver changes still show."""
    cat = {
        (str(c), str(d)): (k if isinstance(k, str) else None)
        for c, d, k in zip(drivers["car"], drivers["driver"], drivers["category"], strict=False)
    }
    s = stints.copy()
    s["car"] = s["car"].astype(str)
    labels = {c: (t if len(t) <= 28 else t[:27] + "…") for c, t in car_labels(cars).items()}  # axis labels
    order = [str(c) for c in cars["car"] if str(c) in set(s["car"])]
    s["row"] = s["car"].map(labels)
    cats = [cat.get((c, str(d))) for c, d in zip(s["car"], s["driver"], strict=False)]
    if any(k is not None for k in cats):
        s["key"] = cats
        groups = [(k, CATEGORY_COLOURS[k], k or ("no category" if lang == "en" else "sans catégorie"))
                  for k in CATEGORY_COLOURS]  # fmt: skip
    else:
        slot = pd.to_numeric(s["driver_slot"], errors="coerce").fillna(0).astype(int).clip(0, 6)
        s["key"] = slot.to_numpy()
        word = "Driver" if lang == "en" else "Pilote"
        groups = [(k, SLOT_COLOURS[k], f"{word} {k}" if k else "?") for k in sorted(set(s["key"]))]
    laps_word = "laps" if lang == "en" else "tours"
    data = []
    for key, colour, name in groups:
        g = s[s["key"].isna()] if key is None else s[s["key"] == key]
        if g.empty:
            continue
        start = g["start"].to_numpy(dtype=float)
        length = g["end"].to_numpy(dtype=float) - start
        data.append(
            {
                "type": "bar", "orientation": "h", "y": g["row"].tolist(), "x": number_list(length / 3600.0, 4),
                "base": number_list(start / 3600.0, 4), "name": name,
                "marker": {"color": colour, "line": {"width": [2 if c == car else 0.5 for c in g["car"]], "color": "#222"}},
                "customdata": [[str(d), int(n), duration(a), duration(b)]
                               for d, n, a, b in zip(g["driver"], g["laps"], start, length, strict=False)],
                "hovertemplate": "%{y}<br>%{customdata[0]} (%{customdata[1]} " + laps_word
                + ")<br>%{customdata[2]} → +%{customdata[3]}<extra></extra>",
            }
        )  # fmt: skip
    fig = figure(
        data,
        x=axis(_t(lang, "race_time")),
        y=axis("", categoryorder="array", categoryarray=[labels[c] for c in reversed(order)], tickfont={"size": 9}),
        height=max(260, 22 * len(order) + 80),
        barmode="overlay",
        bargap=0.25,
    )
    fig["layout"]["margin"]["l"] = 170
    return shade_neutralisations(fig, neutral)


def stops_figure(
    stops: pd.DataFrame,
    cars: pd.DataFrame,
    car: str | None = None,
    *,
    neutral: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict:
    """Each pit stop as a marker at its race time (y = pit time, or time lost when the file has no
    PIT_TIME); long, garage and final stops in red diamonds."""
    s = stops.copy()
    s["car"] = s["car"].astype(str)
    s["y"] = s["pit_time"].astype(float).fillna(s["time_lost"].astype(float))
    labels = car_labels(cars)
    long = s["kind"].astype(str).isin(["long", "garage", "final"])
    lap_word = "lap" if lang == "en" else "tour"
    data = []
    for is_long, g in ((False, s[~long]), (True, s[long])):
        if g.empty:
            continue
        data.append(
            {
                "type": "scatter", "mode": "markers", "x": number_list(g["race_time"].to_numpy(dtype=float) / 3600.0, 4),
                "y": number_list(g["y"].to_numpy(dtype=float), 1), "name": _t(lang, "long") if is_long else _t(lang, "stop"),
                "marker": {"size": 11 if is_long else 7, "color": HIGHLIGHT if is_long else "#4c78a8",
                           "symbol": "diamond" if is_long else "circle", "line": {"width": 0.5, "color": "#222"}},
                "text": [f"{labels.get(c, c)} {lap_word} {lap} ({k})<br>{duration(t)}: {lap_time(y)}"
                         for c, lap, k, t, y in zip(g["car"], g["lap_in"], g["kind"], g["race_time"], g["y"], strict=False)],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )  # fmt: skip
    ys = s["y"].to_numpy(dtype=float)  # all NaN when the only stops have no out-lap (retired in the pits)
    big = bool(np.isfinite(ys).any()) and float(np.nanmax(ys)) > 600
    if big:  # garage stops: log scale with readable m:ss ticks
        ticks = [15, 30, 60, 120, 300, 600, 1200, 2400, 4800, 9600]
        yaxis = axis(_t(lang, "pit_time").replace("(s)", "(m:ss)"), type="log", tickvals=ticks,
                      ticktext=[f"{t // 60}:{t % 60:02d}" for t in ticks])  # fmt: skip
    else:
        yaxis = axis(_t(lang, "pit_time"))
    fig = figure(data, x=axis(_t(lang, "race_time")), y=yaxis, height=380)
    return shade_neutralisations(fig, neutral)


# ----------------------------------------------------------------------------- per page
def _car_class(race, car: str) -> str:
    return str(race.cars.loc[race.cars["car"] == car, "class"].iloc[0])


def class_figures(race, cls: str, car: str | None = None, lang: str = "en") -> list[tuple[str, str, dict]]:
    out = []
    neutral = sections.neutralisations(race)
    slug = "".join(ch if ch.isalnum() else "-" for ch in cls.lower())
    hourly = sections.hourly_positions(race)
    if hourly is not None and not hourly.empty:
        title = f"{cls}: class positions hour by hour" if lang == "en" else f"{cls} : positions heure par heure"
        fig = positions_figure(hourly, race.cars, cls, car, neutral=neutral, lang=lang)
        out.append((f"positions-{slug}", title, fig))
    hist = sections.gap_history(race)
    if hist is not None and not hist.empty:
        title = f"{cls}: gap to the class leader" if lang == "en" else f"{cls} : écart au leader de la catégorie"
        out.append((f"gap-{slug}", title, gap_figure(hist, race.cars, cls, car, neutral=neutral, lang=lang)))
    return out


def car_figures(race, car: str, lang: str = "en") -> list[tuple[str, str, dict]]:
    cls = _car_class(race, car)
    out = class_figures(race, cls, car, lang)
    neutral = sections.neutralisations(race)
    st = sections.stints(race)
    if st is not None and not st.empty:
        ordered = sections.cars_in_order(race)
        in_class = ordered[ordered["class"] == cls]
        mine = st[st["car"].astype(str).isin(in_class["car"].astype(str))]
        title = "Stints and drivers" if lang == "en" else "Relais et pilotes"
        fig = stints_figure(mine, sections.categories(race), in_class, car, neutral=neutral, lang=lang)
        out.append(("stints", title, fig))
    sp = sections.stops(race)
    if sp is not None and not sp.empty:
        mine = sp[sp["car"].astype(str) == car]
        if not mine.empty:
            title = f"Pit stops of #{car}" if lang == "en" else f"Arrêts au stand de la n°{car}"
            out.append(("stops", title, stops_figure(mine, race.cars, car, neutral=neutral, lang=lang)))
    return out


def overview_figures(race, lang: str = "en") -> list[tuple[str, str, dict]]:
    st = sections.stints(race)
    if st is None or st.empty:
        return []
    title = "Stints and drivers" if lang == "en" else "Relais et pilotes"
    fig = stints_figure(
        st,
        sections.categories(race),
        sections.cars_in_order(race),
        None,
        neutral=sections.neutralisations(race),
        lang=lang,
    )
    return [("stints-all", title, fig)]
