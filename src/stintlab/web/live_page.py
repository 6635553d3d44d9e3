"""The live page: race-control line, controls (pause, seek, speed), a track-position strip per class,
a leaderboard per class with projections, the event ticker and, on a car's page
(``/live/{rid}/car/{car}``), the car's panel; drawn by a small script from the ``state`` events of
``/live/{rid}/events`` (:mod:`stintlab.web.live`, :mod:`stintlab.web.live_view`). Self-contained
(inline script and style, no network but the app). The script formats no time: every time shown is a
``*_text`` string the server made with :mod:`stintlab.display`.

The rows carry the figures as data attributes (``data-car``, ``data-pos``, ``data-laps``,
``data-status``, ``data-last``: raw seconds), the strip's dots ``data-car`` and ``data-frac``, and the
board its race time (``#board[data-t]``), for scripts and the browser test. The strip's car labels never
overlap: close ones spread over three rows, a label that fits in none shrinks to a small dot (``.dot.hid``).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from stintlab.report.page import esc, page_html
from stintlab.web.live_words import live_words

__all__ = ["live_page"]

_CSS = """
#control{padding:.4em .6em;border-radius:4px;font-weight:bold;margin:.4em 0;background:#2e7d32;color:#fff}
#control.SC,#control.FCY{background:#f9a825;color:#000}#control.RED{background:#c62828}
#control.FINISH{background:#222}#control.UNKNOWN{background:#777}
#controls{display:flex;flex-wrap:wrap;gap:.4em;align-items:center;margin:.4em 0}
#controls input[type=range]{flex:1 1 200px;min-width:120px}
.board{overflow-x:auto;max-width:100%}
.board table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9em}
.board th,.board td{padding:.15em .35em;text-align:right;white-space:nowrap;border-bottom:1px solid #ddd}
.board td.l,.board th.l{text-align:left}
tr.pit td{background:#fff3e0}
#ticker{max-height:16em;overflow-y:auto;font-size:.85em;list-style:none;padding-left:0}
#ticker li{border-bottom:1px solid #eee;padding:.1em 0}
.drv span{display:inline-block;max-width:14em;overflow:hidden;text-overflow:ellipsis;vertical-align:bottom}
.strip{position:relative;height:52px;margin:.15em 0 .5em;border-radius:3px;background:#eceff1;overflow:hidden}
.strip::before{content:"";position:absolute;left:0;top:0;bottom:0;width:2px;background:#222}
.strip .lab{position:absolute;left:4px;top:0;font-size:.7em;color:#555;line-height:1.5em}
.strip .track{position:absolute;left:1.2em;right:1.2em;top:0;bottom:0}
.strip.crowd .track::after{content:"";position:absolute;left:0;right:0;bottom:5px;height:1px;background:#cfd8dc}
.dot{position:absolute;top:2px;transform:translateX(-50%);font-size:10px;line-height:12px;padding:0 3px;
 border-radius:6px;background:#1565c0;color:#fff;white-space:nowrap}
.dot.hid{top:auto;bottom:2px;width:7px;height:7px;padding:0;border-radius:50%;font-size:0;line-height:0;
 opacity:.85;box-shadow:0 0 0 1px #eceff1}
.dot.pit{background:#e65100}.dot.stopped,.dot.retired{background:#9e9e9e}.dot.finished{background:#222}
.dot.sel{outline:2px solid #c62828;z-index:2}
#carpanel{border:1px solid #ccc;border-radius:4px;padding:.4em .6em;margin:.4em 0}#carpanel h2{margin-top:.2em}
#carpanel dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(10em,1fr));gap:.4em .8em;margin:.3em 0}
#carpanel dt{font-size:.75em;color:#666}#carpanel dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
#carpanel ul{list-style:none;padding-left:0;font-size:.85em;margin:.2em 0}
tr.stopped td,tr.retired td{color:#888}
a.car{color:inherit}
details.methods{font-size:.8em;color:#555}.striplab{font-size:.8em;color:#444}
@media (max-width:600px){.wide,.where{display:none}tr.pit td.car::after{content:"__PIT__";font-size:.75em;color:#e65100}.drv span{max-width:6em}.board table{font-size:.82em}.board th,.board td{padding:.15em .2em}
 main{padding:0 .3em}}
"""

_JS = r"""
(function(){
const RID = __RID__, CAR = __CAR__, W = __WORDS__, LANG = __LANG__;
let EVERY = null, PROJECT = null, src = null, t = 0, end = 0, speed = 60, playing = false, proj = null, last = null;
const $ = (id) => document.getElementById(id);
const CTRL = W.ctrl, STATUS = W.status, PW = W.panel;
function fill(tpl, v){ return tpl.replace(/\{(\w+)\}/g, (m, k) => (v[k] === undefined || v[k] === null) ? "" : String(v[k])); }
function words(e){  // every word from W (web/live_words.py)
  const car = e.car ? W.car + e.car : "", who = e.value ? fill(W.ev_lead_from, {who: W.car + e.value}) : "";
  const v = {car: car, cls: e["class"] || "", lap: e.lap, t: e.value_text, code: e.code || ""};
  switch (e.kind) {
    case "lead_change": return fill(W.ev_lead, v) + who;
    case "class_lead_change": return fill(W.ev_class_lead, v) + who;
    case "pit_in": return fill(W.ev_pit_in, v);
    case "pit_out": return fill(W.ev_pit_out, v) + (e.value_text ? fill(W.ev_after, v) : "");
    case "driver_change": return fill(W.ev_driver, v);
    case "long_stop": return fill(W.ev_long, {...v, kind: W.stop_kinds[e.code] || e.code || ""});
    case "best_lap": return fill(W.ev_best, v);
    case "incident": return fill(W.ev_incident, v) + (e.code ? " (" + e.code + ")" : "");
    case "notice": return fill(W.ev_notice, {...v, code: W.notices[e.code] || e.code}) + (e.value ? " (" + e.value + ")" : "");
    case "rebuild": return fill(W.ev_rebuild, {...v, code: fill(W.rebuilds[e.code] || e.code || "", {...v, value: e.value})});
    case "flag": return CTRL[e.code] || e.code;
    default: return e.kind + " " + (e.code || "");
  }
}
const HEAD = (() => { const th = document.createElement("thead"), tr = document.createElement("tr");
  const cls = ["", "wide", "l", "l", "", "", "wide", "", "wide", "wide", "wide", "l where", "wide", "wide", "wide"];
  W.heads.forEach((h, i) => { const c = document.createElement("th"); c.textContent = h; if (cls[i]) c.className = cls[i];
    if (i >= 12) c.title = W.tips[i - 12]; tr.appendChild(c); }); th.appendChild(tr); return th; })();
const TICK = new Set(["lead_change","class_lead_change","long_stop","best_lap","flag","driver_change","rebuild","notice"]);
function cell(text, cls){ const td = document.createElement("td"); td.textContent = (text === null || text === undefined) ? "" : text; if (cls) td.className = cls; return td; }
function span(text, cls){ const td = cell("", cls); const sp = document.createElement("span"); sp.textContent = text; sp.title = text; td.appendChild(sp); return td; }
function range(a, lo, hi){ if (a === null || a === undefined) return ""; return (lo !== null && lo !== undefined && hi !== null && hi !== undefined && (lo !== a || hi !== a)) ? a + " (" + lo + "–" + hi + ")" : String(a); }  // p10–p90 beside a figure
function carLink(car){
  const a = document.createElement("a"); a.className = "car"; a.textContent = "#" + car;
  const q = new URLSearchParams({from: String(Math.round(t)), speed: String(speed)}); if (EVERY) q.set("every", EVERY);
  if (LANG !== "en") q.set("lang", LANG);
  a.href = "/live/" + encodeURIComponent(RID) + "/car/" + encodeURIComponent(car) + "?" + q.toString(); return a;
}
function driver(r){ return (r.driver || "") + (r.category ? " (" + r.category + ")" : ""); }
function strip(cls, rows){
  const div = document.createElement("div"); div.className = "strip"; div.dataset.cls = cls;
  const lab = document.createElement("span"); lab.className = "lab"; div.appendChild(lab);
  const track = document.createElement("div"); track.className = "track"; div.appendChild(track);
  for (const r of rows) {
    if (r.status === "retired") continue;
    const d = document.createElement("span"); d.className = "dot " + r.status + (r.car === CAR ? " sel" : "");
    d.dataset.car = r.car; d.dataset.frac = r.fraction; d.dataset.rank = r.class_position; d.textContent = r.car;
    d.title = W.car + r.car + " " + STATUS[r.status]; d.style.left = (100 * r.fraction).toFixed(2) + "%"; track.appendChild(d);
  }
  return div;
}
// Labels of close cars would overlap: each label takes the first of LANES rows where it overlaps no other
// (the selected car first, then by class position); a label that fits in none is hidden and its car shows
// as a small dot on the bottom line (its title still names it). Every car keeps a mark at its position.
const LANES = 3, LANE_PX = 13, GAP_PX = 2;
function layoutStrip(div){
  const track = div.querySelector(".track"), w = track.clientWidth;
  const dots = [...track.querySelectorAll(".dot")];
  for (const d of dots) { d.classList.remove("hid"); d.style.top = ""; }
  const half = new Map(dots.map((d) => [d, d.offsetWidth / 2 + GAP_PX / 2]));
  dots.sort((a, b) => (b.classList.contains("sel") - a.classList.contains("sel")) || (Number(a.dataset.rank) - Number(b.dataset.rank)));
  const lanes = Array.from({length: LANES}, () => []);
  let hidden = 0, used = 1;
  for (const d of dots) {
    const x = Number(d.dataset.frac) * w, h = half.get(d);
    const k = lanes.findIndex((l) => l.every(([a, b]) => x + h <= a || x - h >= b));
    if (k < 0) { d.classList.add("hid"); hidden++; continue; }
    lanes[k].push([x - h, x + h]); d.style.top = (2 + k * LANE_PX) + "px"; used = Math.max(used, k + 1);
  }
  div.dataset.hidden = String(hidden); div.classList.toggle("crowd", hidden > 0);
  div.style.height = (4 + used * LANE_PX + (hidden ? 10 : 0)) + "px";  // as tall as its labels need
}
function layoutStrips(){ for (const d of document.querySelectorAll("#strips .strip")) layoutStrip(d); }
function panel(s){
  const r = s.standings.find((x) => x.car === CAR), box = $("carpanel");
  if (!box) return;
  box.dataset.t = s.race_time;
  if (!r) { $("cp-body").textContent = PW.not_yet; return; }
  const p = proj && proj.cars ? proj.cars[CAR] : null;
  const items = [[PW.driver, driver(r)], [PW["class"], r["class"] + " P" + r.class_position + " (" + PW.overall + " P" + r.position + ")"],
    [PW.laps, r.laps], [PW.gap, r.class_gap_text], [PW.interval, r.class_interval_text], [PW.last, r.last_lap_text],
    [PW.best, r.best_lap_text], [PW.stint, r.laps_in_stint], [PW.stops, r.stops], [PW.status, STATUS[r.status]]];
  if (p) items.push([PW.to_flag, p.laps_to_flag + " (" + PW.final + " " + p.final_laps + (p.final_laps_p10 !== null ? ", p10–p90 " + p.final_laps_p10 + "–" + p.final_laps_p90 : "") + ")"],
    [PW.stops_left, range(p.stops_remaining, p.stops_p10, p.stops_p90)],
    [PW.next_stop, p.next_stop_lap !== null ? W.lap + " " + p.next_stop_lap + " (" + PW.window + " " + p.window_open_lap + "–" + p.window_close_lap + ")" : ""],
    [PW.exp_pos, p.class_position_median !== null ? "P" + range(p.class_position_median, p.class_position_p10, p.class_position_p90) : ""],
    [PW.exp_lap, p.expected_lap_text]);
  else if (proj && proj.error) items.push([PW.projection, W.proj_errors[proj.error_code] || proj.error]);
  const dl = document.createElement("dl");
  for (const [k, v] of items) { const kv = document.createElement("div"); const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v; dd.dataset.key = k; kv.append(dt, dd); dl.append(kv); }
  const ul = document.createElement("ul"); ul.id = "carevents";
  for (const e of (s.car ? s.car.events : []).slice().reverse()) { const li = document.createElement("li"); li.textContent = e.time_text + "  " + words(e); li.dataset.kind = e.kind; ul.appendChild(li); }
  const h = document.createElement("h3"); h.textContent = PW.last_events;
  $("cp-body").replaceChildren(dl, h, ul);
  $("cp-title").textContent = W.car + CAR + (r.team ? " · " + r.team : "");
}
function draw(s){
  last = s; t = s.race_time;
  if (s.projections) proj = s.projections;
  $("clock").textContent = s.race_time_text;
  $("seek").value = Math.round(t);
  const c = s.control, el = $("control");
  el.className = c.state;
  let line = (CTRL[c.state] || c.state) + (c.since !== null && c.state !== "GREEN" ? " " + W.since + " " + c.since_text : "");
  if (c.slow_zones && c.slow_zones.length) line += " · " + (c.slow_zones.length > 1 ? W.zones : W.zone) + " " + W.in_sector + " " + c.slow_zones.map(z => z.sector).join(", ");
  el.textContent = line;
  const byClass = new Map();
  for (const r of s.standings) { const k = r["class"] || ""; if (!byClass.has(k)) byClass.set(k, []); byClass.get(k).push(r); }
  const board = $("board"); const frag = document.createDocumentFragment();
  const strips = $("strips"); const sfrag = document.createDocumentFragment();
  const P = proj && proj.cars ? proj.cars : {};
  for (const [cls, rows] of byClass) {
    const sh = document.createElement("div"); sh.className = "striplab"; sh.textContent = cls || W.all_cars; sfrag.appendChild(sh);
    sfrag.appendChild(strip(cls, rows));
    const h = document.createElement("h2"); h.textContent = cls || W.all_cars; frag.appendChild(h);
    const wrap = document.createElement("div"); wrap.className = "board";
    const table = document.createElement("table"); table.dataset.cls = cls;
    table.appendChild(HEAD.cloneNode(true));
    const tb = document.createElement("tbody");
    for (const r of rows) {
      const tr = document.createElement("tr"), p = P[r.car];
      tr.dataset.car = r.car; tr.dataset.pos = r.position; tr.dataset.laps = r.laps; tr.dataset.status = r.status;
      if (r.last_lap !== null) tr.dataset.last = r.last_lap;
      if (r.best_lap !== null) tr.dataset.best = r.best_lap;
      tr.className = r.status + (r.car === CAR ? " sel" : "");
      const car = cell("", "l car"); car.appendChild(carLink(r.car));
      tr.append(cell(r.class_position), cell(r.position, "wide"), car, span(driver(r), "l drv"),
        cell(r.laps), cell(r.class_gap_text, "gap"), cell(r.class_interval_text, "wide int"),
        cell(r.last_lap_text, "last"), cell(r.best_lap_text, "wide best"),
        cell(r.laps_in_stint, "wide"), cell(r.stops, "wide"), cell(STATUS[r.status] || r.status, "l where"),
        cell(p ? range(p.laps_to_flag, p.final_laps_p10 === null ? null : p.final_laps_p10 - p.laps, p.final_laps_p90 === null ? null : p.final_laps_p90 - p.laps) : "", "wide pl"), cell(p ? range(p.stops_remaining, p.stops_p10, p.stops_p90) : "", "wide ps"),
        cell(p && p.class_position_median !== null ? range(p.class_position_median, p.class_position_p10, p.class_position_p90) : "", "wide pp"));
      tb.appendChild(tr);
    }
    table.appendChild(tb); wrap.appendChild(table); frag.appendChild(wrap);
  }
  board.replaceChildren(frag); strips.replaceChildren(sfrag); layoutStrips();
  board.dataset.t = t; board.dataset.finished = s.finished ? "1" : "0";
  if (proj) { $("projnote").textContent = proj.error ? fill(W.proj_error, {error: W.proj_errors[proj.error_code] || proj.error}) :
    fill(W.proj_at, {at: proj.at_text, runs: proj.meta.runs, flag: proj.meta.expected_flag_text}); board.dataset.projAt = proj.at; }
  if (CAR) panel(s);
  const tick = $("ticker");
  for (const e of s.events) {
    if (!TICK.has(e.kind)) continue;
    const li = document.createElement("li"); li.textContent = e.time_text + "  " + words(e);
    li.dataset.kind = e.kind; tick.prepend(li);
  }
  while (tick.children.length > 60) tick.removeChild(tick.lastChild);
}
function stop(){ if (src) { src.close(); src = null; } playing = false; $("play").textContent = W.play; }
function start(from){
  stop();
  const q = new URLSearchParams({speed: String(speed), from: String(Math.max(0, from))}); if (EVERY) q.set("every", EVERY);
  if (CAR) q.set("car", CAR); if (PROJECT !== null) q.set("project", PROJECT); if (LANG !== "en") q.set("lang", LANG);
  src = new EventSource("/live/" + encodeURIComponent(RID) + "/events?" + q.toString());
  playing = true; $("play").textContent = W.pause; $("status").textContent = "";
  src.addEventListener("meta", (m) => { const d = JSON.parse(m.data); end = d.end; $("seek").max = Math.ceil(end); $("end").textContent = d.end_text;
    const box = $("methods"); if (d.methods && box && !box.dataset.done) { box.dataset.done = "1"; for (const [k, v] of Object.entries(d.methods)) { const li = document.createElement("li"); li.textContent = (W.method_names[k] || k) + (LANG === "fr" ? "\u00a0: " : ": ") + (W.methods[k] || v); box.appendChild(li); } } });
  src.addEventListener("state", (m) => draw(JSON.parse(m.data)));
  src.addEventListener("end", () => { stop(); $("status").textContent = W.end; $("board").dataset.done = "1"; });
  src.onerror = () => { if (src && src.readyState === EventSource.CLOSED) { stop(); $("status").textContent = W.closed; } };
}
window.addEventListener("resize", layoutStrips);
$("play").addEventListener("click", () => { if (playing) stop(); else start(t >= end && end ? 0 : t); });
$("seek").addEventListener("change", () => start(Number($("seek").value)));
$("speed").addEventListener("change", () => { speed = Number($("speed").value); if (playing) start(t); });
const q = new URLSearchParams(location.search); EVERY = q.get("every"); PROJECT = q.get("project");
if (q.get("speed")) { speed = Number(q.get("speed")) || 60; $("speed").value = String(speed); if ($("speed").value !== String(speed)) { const o = document.createElement("option"); o.value = o.textContent = String(speed); $("speed").appendChild(o); $("speed").value = String(speed); } }
start(Number(q.get("from")) || 0);
})();
"""

SPEEDS = [1, 10, 60, 300, 1200, 3600]


def live_page(rid: str, title: str, car: str | None = None, lang: str = "en", zone: str = "slow_zone") -> str:
    """The live page of race ``rid`` (the stream starts when the page opens; ``?speed=``, ``?from=``,
    ``?every=`` and ``?project=`` set the first stream's); ``car``: the page of that car (its panel
    first, its dot and row marked); ``lang``: en or fr (every word from :func:`live_words`, the stream asked
    in the same language); ``zone``: what a local neutralisation is called in the race
    (:attr:`~stintlab.race.Race.local_neutralisation`)."""
    def js(v) -> str:
        return json.dumps(v, ensure_ascii=False).replace("<", "\\u003c")

    W = live_words(lang, zone)
    script = (_JS.replace("__RID__", js(rid)).replace("__CAR__", js(car)).replace("__WORDS__", js(W))
              .replace("__LANG__", js(lang)))  # fmt: skip
    opts = "".join(f'<option value="{s}"{" selected" if s == 60 else ""}>{s}×</option>' for s in SPEEDS)
    head = (f"{esc(title)} · {esc(W['car_page'].format(car=car))} · {esc(W['live'])}" if car is not None
            else f"{esc(title)} · {esc(W['replay'])}")  # fmt: skip
    panel = ('<section id="carpanel" data-t="0"><h2 id="cp-title"></h2><div id="cp-body">…</div></section>'
             if car is not None else "")  # fmt: skip
    q = "?lang=fr" if lang == "fr" else ""
    other = "en" if lang == "fr" else "fr"
    switch = (f'<a id="lang-switch" href="?lang={other}" lang="{other}" hreflang="{other}">'
              f'{"English" if other == "en" else "Français"}</a>')  # fmt: skip
    body = (
        f"<h1>{head}</h1><p>{switch}</p>"
        '<div id="control" class="UNKNOWN">…</div>'
        f'<div id="controls"><button id="play" type="button">{esc(W["pause"])}</button>'
        '<span id="clock">0:00:00</span><input id="seek" type="range" min="0" max="1" value="0" step="1" '
        f'aria-label="{esc(W["race_time"])}"><span id="end"></span>'
        f'<label>{esc(W["speed"])} <select id="speed">{opts}</select></label><span id="status" class="muted"></span></div>'
        f"{panel}"
        f'<h2>{esc(W["track"])}</h2><div id="strips"></div>'
        '<p id="projnote" class="muted"></p>'
        '<div id="board" data-t="0"></div>'
        f'<details class="methods"><summary>{esc(W["how"])}</summary><ul id="methods"></ul></details>'
        f'<h2>{esc(W["events"])}</h2><ul id="ticker"></ul>'
        f"<style>{_CSS.replace('__PIT__', W['pit_mark'])}</style>"
        f"<script>{script}</script>"
    )
    back = f'<a href="/live/{quote(rid)}{q}">{esc(W["live"])}</a> · ' if car is not None else ""
    nav = (f'<a href="/">stintlab</a><nav style="display:inline">{back}<a href="/races/{quote(rid)}{q}">{esc(title)}</a>'
           "</nav>")  # fmt: skip
    return page_html(f"{title} · {W['live']}", body, plotly="", nav=nav, lang=lang)
