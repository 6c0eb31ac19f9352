
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
