"""The live page: race-control line, controls (pause, seek, speed), a leaderboard per class and the
event ticker, drawn by a small script from the ``state`` events of ``/live/{rid}/events``
(:mod:`stintlab.web.live`). Self-contained (inline script and style, no network but the app).

The rows carry the figures as data attributes (``data-car``, ``data-pos``, ``data-laps``) and the
board its race time (``#board[data-t]``), for scripts and the browser test.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from stintlab.report.page import esc, page_html

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
@media (max-width:600px){.wide,.where{display:none}tr.pit td.car::after{content:" PIT";font-size:.75em;color:#e65100}.drv span{max-width:6em}.board table{font-size:.82em}.board th,.board td{padding:.15em .2em}
 main{padding:0 .3em}}
"""

_JS = r"""
(function(){
const RID = __RID__;
let EVERY = null, src = null, t = 0, end = 0, speed = 60, playing = false, events = [];
const $ = (id) => document.getElementById(id);
function fmt(s, hours){
  if (s === null || s === undefined || !isFinite(s)) return "";
  const neg = s < 0; s = Math.abs(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const ss = (sec < 10 ? "0" : "") + sec.toFixed(3);
  const out = (hours || h) ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  return (neg ? "-" : "") + out;
}
function gap(r, laps, s){ return r[laps] ? "+" + r[laps] + " L" : (r[s] ? "+" + r[s].toFixed(3) : ""); }
const CTRL = {GREEN: "Green flag", SC: "Safety car", FCY: "Full course yellow", RED: "Red flag",
              FINISH: "Chequered flag", UNKNOWN: "Race control unknown (no flag column)"};
function words(e){
  const car = e.car ? "#" + e.car : "";
  switch (e.kind) {
    case "lead_change": return car + " takes the lead" + (e.value ? " from #" + e.value : "");
    case "class_lead_change": return car + " leads " + (e["class"] || "") + (e.value ? " from #" + e.value : "");
    case "pit_in": return car + " in the pits (lap " + e.lap + ")";
    case "pit_out": return car + " leaves the pits" + (e.value ? " after " + fmt(e.value) : "");
    case "driver_change": return car + " driver change";
    case "long_stop": return car + " long stop (" + (e.code || "") + ", " + fmt(e.value) + ")";
    case "best_lap": return car + " best lap in " + (e["class"] || "") + ": " + fmt(e.value);
    case "flag": return CTRL[e.code] || e.code;
    default: return e.kind + " " + (e.code || "");
  }
}
const TICK = new Set(["lead_change","class_lead_change","long_stop","best_lap","flag","driver_change","rebuild","notice"]);
function cell(text, cls){ const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
function span(text, cls){ const td = cell("", cls); const sp = document.createElement("span"); sp.textContent = text; sp.title = text; td.appendChild(sp); return td; }
function draw(s){
  t = s.race_time;
  $("clock").textContent = fmt(t, true);
  $("seek").value = Math.round(t);
  const c = s.control, el = $("control");
  el.className = c.state;
  let line = (CTRL[c.state] || c.state) + (c.since !== null && c.state !== "GREEN" ? " since " + fmt(c.since, true) : "");
  if (c.slow_zones && c.slow_zones.length) line += " · slow zone" + (c.slow_zones.length > 1 ? "s" : "") + " in sector " + c.slow_zones.map(z => z.sector).join(", ");
  el.textContent = line;
  const byClass = new Map();
  for (const r of s.standings) { const k = r["class"] || ""; if (!byClass.has(k)) byClass.set(k, []); byClass.get(k).push(r); }
  const board = $("board"); const frag = document.createDocumentFragment();
  for (const [cls, rows] of byClass) {
    const h = document.createElement("h2"); h.textContent = cls || "All cars"; frag.appendChild(h);
    const wrap = document.createElement("div"); wrap.className = "board";
    const table = document.createElement("table"); table.dataset.cls = cls;
    table.innerHTML = "<thead><tr><th>Pos</th><th class='wide'>Ovr</th><th class='l'>Car</th><th class='l'>Driver</th><th>Laps</th>" +
      "<th>Gap</th><th class='wide'>Int</th><th>Last</th><th class='wide'>Best</th><th class='wide'>Stint</th>" +
      "<th class='wide'>Stops</th><th class='l where'>Where</th></tr></thead>";
    const tb = document.createElement("tbody");
    for (const r of rows) {
      const tr = document.createElement("tr");
      tr.dataset.car = r.car; tr.dataset.pos = r.position; tr.dataset.laps = r.laps;
      if (r.in_pit) tr.className = "pit";
      tr.append(cell(r.class_position), cell(r.position, "wide"), cell("#" + r.car, "l car"), span(r.driver || "", "l drv"),
        cell(r.laps), cell(gap(r, "class_gap_laps", "class_gap_s")), cell(gap(r, "class_interval_laps", "class_interval_s"), "wide"),
        cell(r.last_lap ? fmt(r.last_lap) : ""), cell(r.best_lap ? fmt(r.best_lap) : "", "wide"),
        cell(r.laps_in_stint, "wide"), cell(r.stops, "wide"), cell(r.in_pit ? "in pit" : "on track", "l where"));
      tb.appendChild(tr);
    }
    table.appendChild(tb); wrap.appendChild(table); frag.appendChild(wrap);
  }
  board.replaceChildren(frag);
  board.dataset.t = t; board.dataset.finished = s.finished ? "1" : "0";
  const tick = $("ticker");
  for (const e of s.events) {
    if (!TICK.has(e.kind)) continue;
    const li = document.createElement("li"); li.textContent = fmt(e.race_time, true) + "  " + words(e);
    li.dataset.kind = e.kind; tick.prepend(li);
  }
  while (tick.children.length > 60) tick.removeChild(tick.lastChild);
}
function stop(){ if (src) { src.close(); src = null; } playing = false; $("play").textContent = "Play"; }
function start(from){
  stop();
  const q = new URLSearchParams({speed: String(speed), from: String(Math.max(0, from))}); if (EVERY) q.set("every", EVERY);
  src = new EventSource("/live/" + encodeURIComponent(RID) + "/events?" + q.toString());
  playing = true; $("play").textContent = "Pause"; $("status").textContent = "";
  src.addEventListener("meta", (m) => { const d = JSON.parse(m.data); end = d.end; $("seek").max = Math.ceil(end); $("end").textContent = fmt(end, true); });
  src.addEventListener("state", (m) => draw(JSON.parse(m.data)));
  src.addEventListener("end", () => { stop(); $("status").textContent = "end of the race"; $("board").dataset.done = "1"; });
  src.onerror = () => { if (src && src.readyState === EventSource.CLOSED) { stop(); $("status").textContent = "stream closed"; } };
}
$("play").addEventListener("click", () => { if (playing) stop(); else start(t >= end && end ? 0 : t); });
$("seek").addEventListener("change", () => start(Number($("seek").value)));
$("speed").addEventListener("change", () => { speed = Number($("speed").value); if (playing) start(t); });
const q = new URLSearchParams(location.search); EVERY = q.get("every");
if (q.get("speed")) { speed = Number(q.get("speed")) || 60; $("speed").value = String(speed); if ($("speed").value !== String(speed)) { const o = document.createElement("option"); o.value = o.textContent = String(speed); $("speed").appendChild(o); $("speed").value = String(speed); } }
start(Number(q.get("from")) || 0);
})();
"""

SPEEDS = [1, 10, 60, 300, 1200, 3600]


def live_page(rid: str, title: str) -> str:
    """The live page of race ``rid`` (the stream starts when the page opens; ``?speed=`` and ``?from=``
    set the first stream's speed and start)."""
    script = _JS.replace("__RID__", json.dumps(rid).replace("<", "\\u003c"))
    opts = "".join(f'<option value="{s}"{" selected" if s == 60 else ""}>{s}×</option>' for s in SPEEDS)
    body = (
        f"<h1>{esc(title)} · live replay</h1>"
        '<div id="control" class="UNKNOWN">…</div>'
        '<div id="controls"><button id="play" type="button">Pause</button>'
        '<span id="clock">0:00:00.000</span><input id="seek" type="range" min="0" max="1" value="0" step="1" '
        'aria-label="race time"><span id="end"></span>'
        f'<label>speed <select id="speed">{opts}</select></label><span id="status" class="muted"></span></div>'
        '<div id="board" data-t="0"></div><h2>Events</h2><ul id="ticker"></ul>'
        f"<style>{_CSS}</style>"
        f"<script>{script}</script>"
    )
    nav = f'<a href="/">stintlab</a><nav style="display:inline"><a href="/races/{quote(rid)}">{esc(title)}</a></nav>'
    return page_html(f"{title} · live", body, plotly="", nav=nav)
