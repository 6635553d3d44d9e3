"""HTML building blocks shared by the report file and the web app: escaping, tables, the
page shell and plotly figures as ``<div>`` + inline script.

>>> table_html([{"car": "7", "team": "Toyota <GR>"}], ["car", "team"])
'<table class="data"><thead><tr><th>car</th><th>team</th></tr></thead><tbody><tr><td>7</td><td>Toyota &lt;GR&gt;</td></tr></tbody></table>'
"""

from __future__ import annotations

import functools
import html
import json
import math
from typing import Any

from stintlab.display import cell

__all__ = ["esc", "plotly_js", "figure_div", "table_html", "page_html", "CSS", "fmt_cell"]

CSS = """
:root { --fg:#1b1f24; --muted:#5b6570; --line:#d9dee3; --accent:#c8102e; --bg:#fbfbfc; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg);
       margin: 0; line-height: 1.45; }
header.top { background: #14181d; color: #fff; padding: .8rem 1.4rem; }
header.top a { color: #fff; text-decoration: none; font-weight: bold; }
header.top nav a { font-weight: normal; margin-left: 1rem; opacity: .85; }
main { max-width: 1280px; margin: 0 auto; padding: 1rem 1.4rem 3rem; }
h1 { font-size: 1.6rem; margin: .6rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid var(--line); }
.note { background: #fff4d6; border-left: 4px solid #e0a800; padding: .5rem .8rem; margin: .8rem 0; }
.muted { color: var(--muted); }
.error { background: #fde8e8; border-left: 4px solid var(--accent); padding: .6rem .9rem; }
table.data { border-collapse: collapse; font-size: .86rem; margin: .5rem 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: .22rem .55rem; text-align: left; vertical-align: top; }
table.data th { background: #eef1f4; position: sticky; top: 0; }
table.data tr.hl td { background: #fff0f0; font-weight: bold; }
table.data tr.long td { background: #fff6e0; }
.chart { width: 100%; min-height: 380px; }
.story p { margin: .35rem 0; }
.story a.laps { font-size: .75rem; color: var(--muted); margin-left: .3rem; text-decoration: none; white-space: nowrap; }
.story p:target, tr:target td { background: #fff3b0; }
.story p[data-key=headline] { font-size: 1.08rem; font-weight: 600; }
details.story-full { margin: .8rem 0; } details.story-full > summary { cursor: pointer; color: var(--muted); }
.cols { display: flex; gap: 2rem; flex-wrap: wrap; }
form.inline { display: inline; }
select, button, input[type=file] { font-size: .95rem; max-width: 100%; }
@media (max-width: 700px) {
  header.top { padding: .6rem .7rem; }
  main { padding: .5rem .5rem 2rem; }
  h1 { font-size: 1.3rem; overflow-wrap: anywhere; }
  .chart { width: 100%; }
  table.data { display: block; max-width: 100%; overflow-x: auto; }
  .cols { display: block; }
  label { display: inline-block; max-width: 100%; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { background: #fff; font-size: 10pt; line-height: 1.3; }
  header.top, form, select, button, .modebar, .story a.laps { display: none !important; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2rem; break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .chart { break-inside: avoid; page-break-inside: avoid; min-height: 0; }
  table.data { font-size: 8pt; width: 100%; }
  table.data th { position: static; }
  table.data thead { display: table-header-group; }
  table.data tr { break-inside: avoid; page-break-inside: avoid; }
  table.data tr.hl td, table.data tr.long td, .note { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .cols { display: block; }
}
"""


def esc(value: Any) -> str:
    """HTML-escaped text of a value (None/NaN → empty)."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN / NA
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


@functools.cache
def plotly_js() -> str:
    """The full plotly.js bundle that ships inside the ``plotly`` package (no CDN); read straight from
    the package data (what ``plotly.offline.get_plotlyjs()`` returns, without importing plotly)."""
    from importlib.resources import files

    try:
        return files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - other plotly layouts
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()


def _script_safe(text: str) -> str:
    """JSON made safe inside ``<script>``: every ``<`` as ``\\u003c`` (no ``</script>``, ``<!--``)."""
    return text.replace("<", "\\u003c")


def figure_div(fig, div_id: str, *, height: int | None = None) -> str:
    """A plotly figure (plotly JSON dict or ``go.Figure``) as an empty ``<div>`` and the inline script that draws it."""
    spec = fig if isinstance(fig, dict) else fig.to_plotly_json()
    payload = json.dumps(
        {"data": spec.get("data", []), "layout": spec.get("layout", {})},
        separators=(",", ":"),
        default=_json_default,
    )
    style = f' style="height:{int(height)}px"' if height else ""
    config = '{"displaylogo":false,"responsive":true}'
    return (
        f'<div id="{esc(div_id)}" class="chart"{style}></div>\n'
        f"<script>(function(){{var f={_script_safe(payload)};{_PHONE_JS}"
        f'Plotly.newPlot("{esc(div_id)}",f.data,f.layout,{config});}})();</script>'
    )


#: on a narrow screen (a phone): the legend goes below the plot, two entries a row (grouped legends one
#: a row), so the plot keeps the whole width; side margins shrink (a chart with one row per car labels them by car number only, the
#: hover keeps the team); long legend names are cut; the figure grows by the legend's rows so the plot
#: is not squashed
_PHONE_JS = (
    'if(window.matchMedia&&window.matchMedia("(max-width: 700px)").matches){var L=f.layout,m=L.margin||{};'
    "var n=(f.data||[]).filter(function(t){return t.showlegend!==false&&t.name;}).length;"
    "var g=(f.data||[]).filter(function(t){return t.legendgroup;}).map(function(t){return t.legendgroup;});"
    "var ng=g.filter(function(v,i){return g.indexOf(v)===i;}).length;"
    "var leg=n<2?0:(ng>1?n*19+ng*10+12:Math.ceil(n/2)*17+12);"
    'L.legend=Object.assign({},L.legend||{},{orientation:"h",x:0,xanchor:"left",yref:"container",y:0,'
    'yanchor:"bottom",entrywidth:ng>1?1:0.5,entrywidthmode:"fraction",font:{size:9}});'
    "var cut=ng>1?48:24;"
    "(f.data||[]).forEach(function(t){if(t.name&&t.name.length>cut){t.name=t.name.slice(0,cut-1)+\"\u2026\";}});"
    "var y=L.yaxis||{};if(y.categoryarray){y.tickmode=\"array\";y.tickvals=y.categoryarray;"
    "y.ticktext=y.categoryarray.map(function(c){return String(c).split(\" \")[0];});}"
    "L.margin=Object.assign({},m,{l:50,r:8,b:(m.b||45)+leg});"
    "L.height=(L.height||420)+leg;}"
)


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.ndarray):
        return [_json_default(v) if isinstance(v, (np.generic,)) else v for v in obj.tolist()]
    if isinstance(obj, np.generic):
        v = obj.item()
        return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v
    if obj is None:
        return None
    try:
        import pandas as pd

        if obj is pd.NA or obj is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def fmt_cell(value: Any, column: str = "") -> str:
    """A table cell: numbers worded by :func:`stintlab.display.cell` (lap times ``m:ss.fff`` and
    durations ``h:mm:ss`` by column name), then escaped."""
    if isinstance(value, str):
        return esc(value)
    return esc(cell(column, value))


def table_html(
    rows: list[dict],
    columns: list[str],
    *,
    labels: dict[str, str] | None = None,
    links: dict[str, Any] | None = None,
    row_class=None,
    row_id=None,
) -> str:
    """Rows of dicts as an escaped HTML table; ``links[col](row)`` gives an href for that cell."""
    labels = labels or {}
    links = links or {}
    head = "".join(f"<th>{esc(labels.get(c, c))}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            text = fmt_cell(r.get(c), c)
            href = links[c](r) if c in links else None
            cells.append(f'<td><a href="{esc(href)}">{text}</a></td>' if href else f"<td>{text}</td>")
        cls = row_class(r) if row_class else None
        rid = row_id(r) if row_id else None
        attrs = (f' class="{esc(cls)}"' if cls else "") + (f' id="{esc(rid)}"' if rid else "")
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def page_html(title: str, body: str, *, plotly: str = "inline", lang: str = "en", nav: str = "") -> str:
    """A whole HTML page. ``plotly``: "inline" (the bundle inside the page), a URL, or "" (no charts)."""
    if plotly == "inline":
        js = f"<script>{plotly_js()}</script>"  # the bundle holds no "</script"
    elif plotly:
        js = f'<script src="{esc(plotly)}"></script>'
    else:
        js = ""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{CSS}</style>{js}</head>"
        f'<body><header class="top">{nav}</header><main>{body}</main></body></html>\n'
    )
