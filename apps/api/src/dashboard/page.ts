/**
 * The dashboard: one page, no build step. Charts are drawn by uPlot (small, well kept), served
 * by this Worker from the npm package; data comes from /v1/metrics and the trending routes,
 * refreshed every few seconds (INTERVALS.dashboardRefreshMs).
 */
import { INTERVALS, METRICS_SPANS_MS, MINUTE_MS } from '@openvine/trending-core';

/** The charts' x range (s): the hour /v1/metrics returns as its series, plus the current minute. */
const CHART_SPAN_S = METRICS_SPANS_MS.last1h / 1000;
const CHART_MINUTE_S = MINUTE_MS / 1000;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenVine Trending · dashboard</title>
<link rel="stylesheet" href="/dashboard/uplot.min.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
  .muted { color: #667; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1rem; }
  .card { background: #fff; border: 1px solid #e3e6ea; border-radius: 8px; padding: .75rem 1rem; }
  .kpis { display: flex; flex-wrap: wrap; gap: .75rem; }
  .kpi { background: #fff; border: 1px solid #e3e6ea; border-radius: 8px; padding: .5rem .8rem; min-width: 7rem; }
  .kpi b { display: block; font-size: 1.2rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #eef0f2; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>OpenVine Trending</h1>
<div class="muted" id="status">loading…</div>
<h2>Last 5 minutes</h2>
<div class="kpis" id="kpis"></div>
<div class="grid">
  <div class="card"><h2>Hit ratio per layer (per minute)</h2><div id="chart-ratio" class="chart"></div></div>
  <div class="card"><h2>p50 latency per layer (ms)</h2><div id="chart-p50" class="chart"></div></div>
  <div class="card"><h2>p99 latency per layer (ms)</h2><div id="chart-p99" class="chart"></div></div>
  <div class="card"><h2>Computations per minute</h2><div id="chart-computes" class="chart"></div></div>
</div>
<h2>Current top 10</h2>
<div class="grid" id="tops"></div>
<script src="/dashboard/uplot.iife.min.js"></script>
<script src="/dashboard/app.js"></script>
</body>
</html>`;

export const DASHBOARD_JS = `(() => {
  const LAYERS = ['memory', 'edge', 'do', 'kv', 'compute', 'error'];
  const COLORS = { memory: '#2b8a3e', edge: '#1971c2', do: '#7048e8', kv: '#e67700', compute: '#c92a2a', error: '#495057' };
  const charts = {};

  function chart(id, series, data) {
    const el = document.getElementById(id);
    const width = Math.max(320, el.clientWidth || 520);
    if (!charts[id]) {
      // Always the last hour, so a minute or two of data does not stretch over years.
      const lastHour = () => { const now = Date.now() / 1000; return [now - ${CHART_SPAN_S}, now + ${CHART_MINUTE_S}]; };
      const opts = { width, height: 220, series: [{}].concat(series), scales: { x: { time: true, range: lastHour } } };
      charts[id] = new uPlot(opts, data, el);
    } else {
      charts[id].setData(data);
    }
    el.dataset.points = String(data[0].length);
  }

  function layerSeries() {
    return LAYERS.map((l) => ({ label: l, stroke: COLORS[l], width: 2, spanGaps: true }));
  }

  function render(metrics) {
    const s = metrics.series;
    const xs = s.map((p) => p.minute / 1000);
    chart('chart-ratio', layerSeries(), [xs].concat(LAYERS.map((l) => s.map((p) => (p.requests ? p.count[l] / p.requests : 0)))));
    chart('chart-p50', layerSeries(), [xs].concat(LAYERS.map((l) => s.map((p) => p.p50[l]))));
    chart('chart-p99', layerSeries(), [xs].concat(LAYERS.map((l) => s.map((p) => p.p99[l]))));
    chart('chart-computes', [{ label: 'computes', stroke: '#c92a2a', width: 2 }], [xs, s.map((p) => p.computes)]);
    const m = metrics.last5m;
    const kpis = [
      ['requests', m.requests],
      ['memory hits', m.memory_hits],
      ['edge hits', m.edge_hits],
      ['DO hits', m.do_hits],
      ['KV hits', m.kv_hits],
      ['computes', m.computes],
      ['stale served', m.stale_served],
      ['errors', m.errors],
    ];
    document.getElementById('kpis').innerHTML = kpis
      .map(([k, v]) => '<div class="kpi"><b>' + v + '</b>' + k + '</div>')
      .join('');
  }

  async function renderTops() {
    const html = await Promise.all(['1h', '24h', '7d'].map(async (w) => {
      const res = await fetch('/v1/trending/videos?window=' + w + '&limit=10');
      if (!res.ok) return '<div class="card"><h2>' + w + '</h2>unavailable</div>';
      const body = await res.json();
      const rows = body.videos.map((v) => '<tr><td>' + v.rank + '</td><td>' + escape(v.title || v.videoId.slice(0, 12)) +
        '</td><td>' + v.views + '</td><td>' + v.score.toFixed(1) + '</td></tr>').join('');
      return '<div class="card"><h2>' + w + ' <span class="muted">(' + res.headers.get('x-cache') + ')</span></h2>' +
        '<table><tr><th>#</th><th>title</th><th>views</th><th>score</th></tr>' + rows + '</table></div>';
    }));
    document.getElementById('tops').innerHTML = html.join('');
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }

  async function tick() {
    try {
      const res = await fetch('/v1/metrics');
      const metrics = await res.json();
      render(metrics);
      await renderTops();
      document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · refreshes every ${INTERVALS.dashboardRefreshMs / 1000} s';
      document.body.dataset.ready = '1';
    } catch (err) {
      document.getElementById('status').textContent = 'update failed: ' + err;
    }
  }
  tick();
  setInterval(tick, ${INTERVALS.dashboardRefreshMs});
})();`;
