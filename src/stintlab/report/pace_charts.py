"""Plotly figures of the pace views (:mod:`stintlab.analysis.laptimes`), in the style of
:mod:`stintlab.report.charts` (plain plotly JSON dicts, race time in hours, neutralisations shaded).

>>> import pandas as pd
>>> b = pd.DataFrame({"lap": [1, 2], "race_time": [100.0, 200.0], "gap": [1.5, 0.5], "gap_laps": [0.015, 0.005],
...                   "gap_equal_lap": [1.5, 0.5], "stop_a": [False, True], "stop_b": [False, False]})
>>> fig = battle_figure(b, "1", "2")
>>> [t["name"] for t in fig["data"]]
['Gap: #2 to #1', 'Stop #1']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.io.values import format_lap
from stintlab.report.charts import (
    HIGHLIGHT,
    PALETTE,
    axis,
    car_labels,
    figure,
    line_style,
    number_list,
    shade_neutralisations,
)

__all__ = ["battle_figure", "lap_chart_figure", "lap_times_figure", "stint_pace_figure"]

_WORDS = {
    "en": {"race_time": "Race time (h)", "lap_time": "Lap time (s)", "clean": "clean", "other": "not clean", "pit": "pit lap (in or out)", "off": "off scale",
           "lap": "Lap", "class_pos": "Class position", "gap": "Gap (s at green pace)", "stop": "Stop", "avg": "Clean-lap average (s)",
           "stint": "stint", "slope": "slope"},
    "fr": {"race_time": "Temps de course (h)", "lap_time": "Temps au tour (s)", "clean": "propre", "other": "non propre", "pit": "tour de stand (entrée ou sortie)",
           "off": "hors échelle", "lap": "Tour", "class_pos": "Position dans la catégorie", "gap": "Écart (s au rythme vert)",
           "stop": "Arrêt", "avg": "Moyenne des tours propres (s)", "stint": "relais", "slope": "pente"},
}  # fmt: skip


#: a legend under the plot (a few entries: the plot keeps the page width on a phone)
_BELOW = {"font": {"size": 10}, "orientation": "h", "y": -0.2, "yanchor": "top"}


def _w(lang: str, key: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]


def _y_range(clean_times: np.ndarray, all_times: np.ndarray) -> tuple[float, float]:
    """A lap-time axis that shows racing laps: from just under the fastest clean lap to 15 % over the
    median clean lap (pit and neutralised laps above it are drawn at the top edge)."""
    base = clean_times[np.isfinite(clean_times)]
    if not len(base):
        base = all_times[np.isfinite(all_times)]
    if not len(base):
        return 0.0, 1.0
    lo, med = float(base.min()), float(np.median(base))
    return lo - 0.01 * lo, med * 1.15


def lap_times_figure(trace: pd.DataFrame, stints: pd.DataFrame | None = None, *, neutral=None, lang: str = "en") -> dict:
    """One car's lap times over race time, one colour per driver: clean laps filled, other racing
    laps hollow, pit laps as triangles; laps above the axis drawn on its top edge (hover gives the
    real time); stints as alternating bands (``stints``: its start/end); neutralisations shaded."""
    t = trace
    lt = t["lap_time"].to_numpy(dtype=float)
    clean = t["clean"].to_numpy(dtype=bool)
    lo, hi = _y_range(lt[clean], lt)
    x = t["race_time"].to_numpy(dtype=float) / 3600.0
    pit = t["pit_lap"].to_numpy(dtype=bool)
    drivers = list(dict.fromkeys(t["driver"].fillna("?").astype(str)))
    data = []
    for i, d in enumerate(drivers):
        mine = (t["driver"].fillna("?").astype(str) == d).to_numpy()
        colour = PALETTE[i % len(PALETTE)]
        for kind, mask, symbol in (("clean", mine & clean, "circle"), ("other", mine & ~clean & ~pit, "circle-open"),
                                   ("pit", mine & pit, "triangle-up")):  # fmt: skip
            if not mask.any():
                continue
            y = np.minimum(lt[mask], hi)
            text = [f"{_w(lang, 'lap')} {lap} · {format_lap(v)}" + (f" ({_w(lang, 'off')})" if v > hi else "")
                    for lap, v in zip(t["lap"].to_numpy()[mask], lt[mask], strict=False)]  # fmt: skip
            data.append(
                {
                    "type": "scattergl" if mask.sum() > 2000 else "scatter", "mode": "markers",
                    "x": number_list(x[mask], 4), "y": number_list(y, 3), "name": f"{d} — {_w(lang, kind)}",
                    "legendgroup": d, "text": text, "hovertemplate": f"{d}<br>%{{text}}<extra></extra>",
                    "marker": {"color": colour, "size": 6 if kind == "clean" else 7, "symbol": symbol,
                               "line": {"width": 1, "color": colour}},
                }
            )  # fmt: skip
    fig = figure(data, x=axis(_w(lang, "race_time")), y=axis(_w(lang, "lap_time"), range=[lo, hi]), height=440)
    fig["layout"]["legend"] = _BELOW
    if stints is not None and not stints.empty:
        bands = [{"type": "rect", "xref": "x", "yref": "paper", "x0": round(float(s) / 3600.0, 4),
                  "x1": round(float(e) / 3600.0, 4), "y0": 0, "y1": 1, "fillcolor": "rgba(76,120,168,0.07)",
                  "line": {"width": 0}, "layer": "below"}
                 for k, (s, e) in enumerate(zip(stints["start"], stints["end"], strict=False)) if k % 2 == 0]  # fmt: skip
        fig["layout"]["shapes"] = bands
    return shade_neutralisations(fig, neutral)


def stint_pace_figure(pace: pd.DataFrame, *, neutral=None, lang: str = "en") -> dict:
    """One car's stints as horizontal segments at their clean-lap average (start to end of the stint),
    one colour per driver; hover: laps, best, degradation slope and its standard error."""
    data = []
    p = pace[pace["clean_laps"] > 0]
    for i, (d, g) in enumerate(p.groupby(p["driver"].fillna("?").astype(str), sort=False)):
        xs, ys, texts = [], [], []
        for r in g.itertuples(index=False):
            slope = "" if pd.isna(r.slope) else f"<br>{_w(lang, 'slope')} {r.slope:+.3f} ± {r.slope_se:.3f} s/lap"
            text = f"{_w(lang, 'stint')} {r.stint} ({r.clean_laps}/{r.laps}) · {format_lap(r.clean_avg)}{slope}"
            xs += [round(r.start / 3600.0, 4), round(r.end / 3600.0, 4), None]
            ys += [round(r.clean_avg, 3), round(r.clean_avg, 3), None]
            texts += [text, text, None]
        data.append({"type": "scatter", "mode": "lines+markers", "x": xs, "y": ys, "name": d, "text": texts,
                     "line": {"width": 5, "color": PALETTE[i % len(PALETTE)]}, "marker": {"size": 4},
                     "hovertemplate": f"{d}<br>%{{text}}<extra></extra>"})  # fmt: skip
    fig = figure(data, x=axis(_w(lang, "race_time")), y=axis(_w(lang, "avg")), height=380)
    fig["layout"]["legend"] = _BELOW
    return shade_neutralisations(fig, neutral)


def lap_chart_figure(history: pd.DataFrame, cars: pd.DataFrame, cls: str, car: str | None = None,
                     *, lang: str = "en") -> dict:  # fmt: skip
    """The class lap chart: each car's class position after every lap (x = lap); ``car`` highlighted."""
    d = history[history["class"].astype(str) == cls]
    labels = car_labels(cars)
    order = list(dict.fromkeys(d.sort_values(["lap", "class_position"])["car"].astype(str)))
    if car in order:
        order.remove(car)
        order.append(car)
    by_car = {str(k): g for k, g in d.groupby(d["car"].astype(str), sort=False)}
    data = []
    for i, c in enumerate(order):
        g = by_car[c]
        hl = c == car
        data.append({"type": "scatter", "mode": "lines", "x": g["lap"].astype(int).tolist(),
                     "y": g["class_position"].astype(int).tolist(), "name": labels.get(c, c),
                     "line": line_style(i, hl, 3.5 if hl else 1.1), "opacity": 1.0 if hl or car is None else 0.5,
                     "hovertemplate": f"{labels.get(c, c)}<br>{_w(lang, 'lap')} %{{x}}: P%{{y}}<extra></extra>"})  # fmt: skip
    n = int(d["class_position"].max()) if len(d) else 1
    return figure(data, x=axis(_w(lang, "lap")), height=460,
                   y=axis(_w(lang, "class_pos"), range=[n + 0.5, 0.5], dtick=1 if n <= 25 else None))  # fmt: skip


def battle_figure(battle: pd.DataFrame, car_a: str, car_b: str, *, neutral=None, lang: str = "en") -> dict:
    """The gap of ``car_b`` to ``car_a`` over race time (seconds at green pace, positive: behind),
    at every crossing of ``car_b``; each car's stops marked on the line; hover: laps and the
    timing screen's equal-lap gap."""
    x = battle["race_time"].to_numpy(dtype=float) / 3600.0
    gap = battle["gap"].to_numpy(dtype=float)
    lap_word = _w(lang, "lap")
    text = [f"{lap_word} {k} · {gl:+.2f} {'laps' if lang == 'en' else 'tours'}"
            + ("" if not np.isfinite(ge) else f" · {'equal-lap gap' if lang == 'en' else 'écart à tour égal'} {ge:+.1f} s")
            for k, gl, ge in zip(battle["lap"], battle["gap_laps"], battle["gap_equal_lap"], strict=False)]  # fmt: skip
    data = [{"type": "scatter", "mode": "lines", "x": number_list(x, 4), "y": number_list(gap, 2),
             "name": (f"Gap: #{car_b} to #{car_a}" if lang == "en" else f"Écart : n°{car_b} sur n°{car_a}"),
             "line": {"width": 2, "color": "#4c78a8"}, "text": text,
             "hovertemplate": "%{y:+.1f} s<br>%{text}<extra></extra>"}]  # fmt: skip
    for col, c, colour, symbol in (("stop_a", car_a, HIGHLIGHT, "triangle-down"), ("stop_b", car_b, "#54a24b", "triangle-up")):
        m = battle[col].to_numpy(dtype=bool)
        if m.any():
            data.append({"type": "scatter", "mode": "markers", "x": number_list(x[m], 4), "y": number_list(gap[m], 2),
                         "name": f"{_w(lang, 'stop')} #{c}", "marker": {"size": 9, "color": colour, "symbol": symbol},
                         "text": [f"{lap_word} {v}" for v in battle["lap"].to_numpy()[m]],
                         "hovertemplate": f"{_w(lang, 'stop')} #{c}<br>%{{text}}<extra></extra>"})  # fmt: skip
    fig = figure(data, x=axis(_w(lang, "race_time")), y=axis(_w(lang, "gap")), height=420)
    fig["layout"]["legend"] = _BELOW
    return shade_neutralisations(fig, neutral)
