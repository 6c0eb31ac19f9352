"""`index.html`: one self-contained page with a map of Syria and an actor network.

Everything the page needs is inside the file: plotly.js (from the `plotly` package, inline),
the data (a JSON `<script>` block), Syria's outline and its neighbours' (`syria_outline.geojson`
beside this module: Natural Earth 1:110m, public domain, via github.com/johan/world.geo.json,
The Unlicense; its `source` and `license` members say so) and the page's own script. No
request leaves the machine when it is opened: there is no URL to load anything from, and
the map is plain x/y axes in degrees (plotly's geo maps would fetch their base map).

- The map: every linked place with coordinates inside the map's frame, sized by its
  mentions in the chosen dates, coloured by the actor most often reported controlling it
  (CONTROLS edges, `train.link.labels.CONTROL_RELATION`, counted in documents; grey where
  none). Clicking a place lists its edges.
- The network: actors joined by actor-actor edges (SUPPORTS, PART_OF, ALLIED_WITH,
  HOSTILE_TO), one colour per relation type, line width by documents. Clicking an edge's
  midpoint, or a row of the edge table below, shows its evidence sentences.
- Filters: relation types (check boxes) and a date range (articles without a date are
  shown only while both date fields are empty).

After drawing, the page writes what it drew onto `<body>` (`data-rendered`, `data-map-points`,
`data-network-nodes`, `data-network-edges`, `data-table-rows`) for tests and scripts.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..link.labels import CONTROL_RELATION, RELATION_NAMES

OUTLINE_PATH = Path(__file__).with_name("syria_outline.geojson")
MAP_FRAME = {"lon": (34.5, 43.0), "lat": (31.5, 38.0)}
RELATION_PALETTE = ["#d62728", "#ff7f0e", "#8c564b", "#2ca02c", "#9467bd", "#1f77b4", "#e377c2", "#7f7f7f",
                    "#17becf", "#bcbd22"]
"""Relation colours, given to the schema's relation types in schema order."""
CONTROLLER_COLORS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
                     "#d95f02", "#7570b3", "#e7298a", "#66a61e"]


def relation_colors() -> dict[str, str]:
    """Relation type -> colour (`RELATION_PALETTE` in schema order)."""
    return {name: RELATION_PALETTE[i % len(RELATION_PALETTE)] for i, name in enumerate(RELATION_NAMES)}


def plotly_js() -> str:
    """plotly.js as the installed `plotly` package ships it (minified), safe inside <script>."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


def outline() -> list[dict]:
    """The outline features as [{"name", "syria", "rings": [[[lon, lat], ...], ...]}]."""
    features = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))["features"]
    out = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        out.append({"name": feature["properties"]["name"], "syria": feature["properties"]["iso_a3"] == "SYR",
                    "rings": [ring for polygon in polygons for ring in polygon]})
    return out


def network_frame(actors: dict) -> dict:
    """Axis ranges that hold every positioned actor with room for its label."""
    xs = [a["xy"][0] for a in actors.values() if a.get("xy")] or [0.0]
    ys = [a["xy"][1] for a in actors.values() if a.get("xy")] or [0.0]
    pad_x, pad_y = 0.35 * max(max(xs) - min(xs), 0.5), 0.1 * max(max(ys) - min(ys), 0.5)
    return {"x": [min(xs) - pad_x, max(xs) + pad_x], "y": [min(ys) - pad_y, max(ys) + pad_y]}


def script_json(data: object) -> str:
    """`data` as JSON that cannot end its <script> element early."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(data: dict, title: str = "From mentions to a picture of the war") -> str:
    """The whole page as a string. `data` holds `meta`, `relation_types`, `actors`, `places`,
    `edges` and `place_mentions` (built by `train.corpus.pipeline.page_data`)."""
    data = {**data, "outline": outline(), "frame": MAP_FRAME, "network_frame": network_frame(data.get("actors", {})),
            "relation_colors": relation_colors(), "control_relation": CONTROL_RELATION,
            "controller_colors": CONTROLLER_COLORS}
    return (_TEMPLATE.replace("__TITLE__", html.escape(title))
            .replace("__CONTROL__", html.escape(CONTROL_RELATION or "control"))
            .replace("__PLOTLY__", plotly_js())
            .replace("__DATA__", script_json(data))
            .replace("__SCRIPT__", _SCRIPT))


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:12px;color:#222}
h1{font-size:20px;margin:4px 0 8px} .meta{color:#555;font-size:12px}
.controls{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:8px 0;font-size:14px}
.controls label{white-space:nowrap} .swatch{display:inline-block;width:10px;height:10px;margin-right:3px}
.plots{display:flex;flex-wrap:wrap;gap:10px} .panel{flex:1 1 560px;min-width:480px}
.plot{height:560px;border:1px solid #ddd} h2{font-size:14px;margin:4px 0;font-weight:600}
#evidence{border:1px solid #ccc;padding:8px;margin:10px 0;min-height:40px;font-size:14px;background:#fafafa}
#evidence .sentence{direction:rtl;text-align:right;margin:4px 0;padding:4px;background:#fff;border-right:3px solid #999}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}
tr.edge{cursor:pointer} tr.edge:hover{background:#eef} .ar{unicode-bidi:isolate}
</style></head>
<body data-rendered="no">
<h1>__TITLE__</h1>
<div class="meta" id="meta"></div>
<div class="controls" id="controls">
 <span id="types"></span>
 <label>from <input type="date" id="from"></label>
 <label>to <input type="date" id="to"></label>
 <button id="reset" type="button">reset</button>
</div>
<div class="plots">
 <div class="panel"><h2>Places: size = mentions, colour = actor most often reported in __CONTROL__ relations</h2><div class="plot" id="map"></div></div>
 <div class="panel"><h2>Actors: the 60 most-reported actor-actor edges; colour = relation type, width = documents</h2><div class="plot" id="network"></div></div>
</div>
<div id="evidence">Click a place on the map, an edge midpoint in the network or a row below to see its evidence.</div>
<table><thead><tr><th>head</th><th>relation</th><th>tail</th><th>documents</th><th>mentions</th><th>first</th><th>last</th></tr></thead>
<tbody id="edges"></tbody></table>
<script>__PLOTLY__</script>
<script type="application/json" id="data">__DATA__</script>
<script>__SCRIPT__</script>
</body></html>
"""

_SCRIPT = r"""
(function () {
  const D = JSON.parse(document.getElementById('data').textContent);
  const $ = (id) => document.getElementById(id);
  const state = {types: new Set(D.relation_types), from: '', to: ''};
  const name = (id) => (D.actors[id] && D.actors[id].label) || (D.places[id] && D.places[id].label) || id;
  const inRange = (date) => (!state.from && !state.to) ||
    (!!date && (!state.from || date >= state.from) && (!state.to || date <= state.to));
  const docCount = (pairs) => new Set(pairs.filter((p) => inRange(p[0])).map((p) => p[1])).size;

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  $('meta').textContent = 'model run ' + D.meta.run_id + ' (weights ' + D.meta.weights_sha256 + '), registry ' +
    D.meta.registry_version + '; ' + D.meta.documents + ' articles, ' + D.meta.clusters + ' after near-duplicates';
  D.relation_types.forEach((t) => {
    const box = el('input', null, {type: 'checkbox', id: 'type-' + t});
    box.checked = true;
    box.addEventListener('change', () => { box.checked ? state.types.add(t) : state.types.delete(t); render(); });
    const label = el('label');
    label.appendChild(box);
    const sw = el('span', null, {class: 'swatch', style: 'background:' + (D.relation_colors[t] || '#999')});
    label.appendChild(sw);
    label.appendChild(document.createTextNode(t));
    $('types').appendChild(label);
  });
  ['from', 'to'].forEach((k) => $(k).addEventListener('change', () => { state[k] = $(k).value; render(); }));
  $('reset').addEventListener('click', () => { state.from = state.to = ''; $('from').value = $('to').value = '';
    D.relation_types.forEach((t) => { state.types.add(t); $('type-' + t).checked = true; }); render(); });

  function visibleEdges() {
    return D.edges.map((e, i) => ({e: e, i: i, n: docCount(e.docs)}))
      .filter((x) => state.types.has(x.e.type) && x.n > 0).sort((a, b) => b.n - a.n);
  }

  function showEvidence(i) {
    const e = D.edges[i], box = $('evidence');
    box.innerHTML = '';
    box.appendChild(el('strong', name(e.h) + ' \u2014' + e.type + '\u2192 ' + name(e.t), {class: 'ar'}));
    box.appendChild(el('div', docCount(e.docs) + ' documents (near-duplicates once), ' + e.mentions +
      ' mentions, ' + (e.first || '?') + ' to ' + (e.last || '?') + '. Outlets: ' + e.outlets.join('; ')));
    e.evidence.forEach((ev) => {
      box.appendChild(el('div', ev.doc + (ev.source ? ' \u00b7 ' + ev.source : '') + (ev.date ? ' \u00b7 ' + ev.date : ''),
        {class: 'meta'}));
      box.appendChild(el('div', ev.sentence, {class: 'sentence', dir: 'rtl', lang: 'ar'}));
    });
  }

  function showPlace(id) {
    const box = $('evidence');
    box.innerHTML = '';
    box.appendChild(el('strong', name(id), {class: 'ar'}));
    const list = el('ul');
    visibleEdges().filter((x) => x.e.t === id || x.e.h === id).forEach((x) => {
      const item = el('li', name(x.e.h) + ' \u2014' + x.e.type + '\u2192 ' + name(x.e.t) + ' (' + x.n + ' documents)',
        {class: 'ar', style: 'cursor:pointer'});
      item.addEventListener('click', () => showEvidence(x.i));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function mapTraces(edges) {
    const traces = D.outline.map((f) => ({type: 'scatter', mode: 'lines', hoverinfo: 'skip', showlegend: false,
      x: f.rings.flatMap((r) => r.map((p) => p[0]).concat([null])),
      y: f.rings.flatMap((r) => r.map((p) => p[1]).concat([null])),
      fill: f.syria ? 'toself' : 'none', fillcolor: 'rgba(240,235,220,0.6)',
      line: {color: f.syria ? '#555' : '#bbb', width: f.syria ? 1.5 : 1}}));
    const control = {};
    edges.filter((x) => x.e.type === D.control_relation).forEach((x) => {
      control[x.e.t] = control[x.e.t] || {};
      control[x.e.t][x.e.h] = (control[x.e.t][x.e.h] || 0) + x.n;
    });
    const controllerOf = (p) => { const c = control[p]; if (!c) return null;
      return Object.entries(c).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0]; };
    const groups = {};
    Object.entries(D.place_mentions).forEach(([pid, rows]) => {
      const p = D.places[pid];
      if (!p || p.lat === null || p.lon === null) return;
      if (p.lon < D.frame.lon[0] || p.lon > D.frame.lon[1] || p.lat < D.frame.lat[0] || p.lat > D.frame.lat[1]) return;
      const n = rows.filter((r) => inRange(r[0])).reduce((s, r) => s + r[2], 0);
      if (!n) return;
      const c = controllerOf(pid) || '';
      (groups[c] = groups[c] || []).push({pid: pid, p: p, n: n});
    });
    // A legend entry (and colour) for the actors reported controlling the most places; the
    // others share one entry, so that the legend stays readable over a whole corpus.
    const ranked = Object.keys(groups).filter((c) => c)
      .sort((a, b) => groups[b].length - groups[a].length || (a < b ? -1 : 1));
    const shown = ranked.slice(0, MAP_CONTROLLERS), other = [];
    ranked.slice(MAP_CONTROLLERS).forEach((c) => groups[c].forEach((q) => other.push(Object.assign({c: c}, q))));
    const series = shown.map((c) => [c, groups[c]]);
    if (other.length) series.push(['*', other]);
    if (groups['']) series.push(['', groups['']]);
    series.forEach(([c, pts], k) => {
      const label = c === '*' ? 'controlled by another actor' : c ? 'controlled by ' + name(c) : 'no control reported';
      traces.push({type: 'scatter', mode: 'markers', name: label,
        x: pts.map((q) => q.p.lon), y: pts.map((q) => q.p.lat), customdata: pts.map((q) => q.pid),
        text: pts.map((q) => q.p.label + '<br>' + q.n + ' mentions' + (c ? '<br>controlled by ' + name(q.c || c) : '')),
        hoverinfo: 'text', marker: {size: pts.map((q) => 6 + 4 * Math.sqrt(q.n)), sizemode: 'diameter',
          color: c === '*' ? '#5d6d7e' : c ? D.controller_colors[k % D.controller_colors.length] : '#9e9e9e', opacity: 0.8,
          line: {color: '#333', width: 0.5}}});
    });
    return traces;
  }

  function networkTraces(edges) {
    // The most-reported actor-actor edges only: over a corpus the full network is a hairball
    // (the table below lists every edge).
    const actorEdges = edges.filter((x) => D.actors[x.e.h] && D.actors[x.e.t] && D.actors[x.e.h].xy && D.actors[x.e.t].xy)
      .sort((a, b) => b.n - a.n).slice(0, NETWORK_EDGES);
    const traces = [], mids = {x: [], y: [], customdata: [], text: [], color: []}, nodes = {};
    const groups = {};
    actorEdges.forEach((x) => {
      const w = Math.min(8, 1 + Math.round(2 * Math.log2(x.n)));
      const k = x.e.type + '|' + w;
      (groups[k] = groups[k] || []).push(x);
      const a = D.actors[x.e.h].xy, b = D.actors[x.e.t].xy;
      mids.x.push((a[0] + b[0]) / 2); mids.y.push((a[1] + b[1]) / 2); mids.customdata.push(x.i);
      mids.text.push(name(x.e.h) + ' \u2014' + x.e.type + '\u2192 ' + name(x.e.t) + '<br>' + x.n + ' documents');
      mids.color.push(D.relation_colors[x.e.type] || '#999');
      nodes[x.e.h] = (nodes[x.e.h] || 0) + x.n; nodes[x.e.t] = (nodes[x.e.t] || 0) + x.n;
    });
    Object.entries(groups).forEach(([k, xs]) => {
      const [type, w] = k.split('|');
      traces.push({type: 'scatter', mode: 'lines', hoverinfo: 'skip', name: type, legendgroup: type, showlegend: false,
        x: xs.flatMap((x) => [D.actors[x.e.h].xy[0], D.actors[x.e.t].xy[0], null]),
        y: xs.flatMap((x) => [D.actors[x.e.h].xy[1], D.actors[x.e.t].xy[1], null]),
        line: {color: D.relation_colors[type] || '#999', width: Number(w)}, opacity: 0.7});
    });
    traces.push({type: 'scatter', mode: 'markers', name: 'edges', showlegend: false, x: mids.x, y: mids.y,
      customdata: mids.customdata, text: mids.text, hoverinfo: 'text', marker: {size: 9, color: mids.color, symbol: 'diamond'}});
    const ids = Object.keys(nodes);
    traces.push({type: 'scatter', mode: 'markers+text', name: 'actors', showlegend: false,
      x: ids.map((i) => D.actors[i].xy[0]), y: ids.map((i) => D.actors[i].xy[1]), customdata: ids.map(() => null),
      text: ids.map((i) => D.actors[i].label), textposition: 'top center', hoverinfo: 'text',
      marker: {size: ids.map((i) => Math.min(36, 8 + 1.5 * Math.sqrt(nodes[i]))), color: ids.map((i) => D.actors[i].color),
        line: {color: '#333', width: 0.5}}});
    return {traces: traces, nodes: ids.length, edges: actorEdges.length, frame: frameOf(ids.map((i) => D.actors[i].xy))};
  }

  function frameOf(points) {  // axis ranges around the drawn actors, with room for their labels
    if (!points.length) return D.network_frame;
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const pad = (lo, hi, f) => { const d = (hi - lo) || 1; return [lo - f * d, hi + f * d]; };
    return {x: pad(Math.min(...xs), Math.max(...xs), 0.25), y: pad(Math.min(...ys), Math.max(...ys), 0.12)};
  }

  function fillTable(edges) {
    const body = $('edges');
    body.innerHTML = '';
    edges.slice(0, 500).forEach((x) => {
      const row = el('tr', null, {class: 'edge'});
      [name(x.e.h), x.e.type, name(x.e.t), x.n, x.e.mentions, x.e.first || '', x.e.last || ''].forEach((v) =>
        row.appendChild(el('td', String(v), {class: 'ar'})));
      row.addEventListener('click', () => showEvidence(x.i));
      body.appendChild(row);
    });
    return Math.min(edges.length, 500);
  }

  const axis = {showgrid: false, zeroline: false, showticklabels: false};
  const MAP_CONTROLLERS = 8, NETWORK_EDGES = 60;
  function render() {
    const edges = visibleEdges();
    const mapData = mapTraces(edges);
    const net = networkTraces(edges);
    Plotly.react('map', mapData, {
      xaxis: Object.assign({range: D.frame.lon, scaleanchor: 'y', scaleratio: 1 / Math.cos(34.8 * Math.PI / 180)}, axis),
      yaxis: Object.assign({range: D.frame.lat}, axis), margin: {l: 10, r: 10, t: 10, b: 10},
      legend: {x: 0, y: 0, bgcolor: 'rgba(255,255,255,0.7)', font: {size: 11}}, hovermode: 'closest'}, {displaylogo: false});
    Plotly.react('network', net.traces, {xaxis: Object.assign({range: net.frame.x}, axis),
      yaxis: Object.assign({range: net.frame.y}, axis), margin: {l: 10, r: 10, t: 10, b: 10},
      hovermode: 'closest'}, {displaylogo: false});
    const rows = fillTable(edges);
    const points = mapData.filter((t) => t.mode === 'markers').reduce((s, t) => s + t.x.length, 0);
    Object.assign(document.body.dataset, {rendered: 'yes', mapPoints: String(points), networkNodes: String(net.nodes),
      networkEdges: String(net.edges), tableRows: String(rows)});
  }
  render();
  $('map').on('plotly_click', (ev) => { const p = ev.points[0]; if (p && typeof p.customdata === 'string') showPlace(p.customdata); });
  $('network').on('plotly_click', (ev) => { const p = ev.points[0]; if (p && typeof p.customdata === 'number') showEvidence(p.customdata); });
})();
"""
