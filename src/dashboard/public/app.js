/* global uPlot, document, window, EventSource, ResizeObserver */
// The shopstream dashboard: live numbers over server-sent events (/api/live) and the warehouse panels
// the server refreshes on its own schedule. No framework, no build step, no network beyond this server.
'use strict';

const TYPES = ['order', 'inventory', 'user_activity'];
const COLORS = { order: '#4f9cf9', inventory: '#f5a524', user_activity: '#34c38f', total: '#c9cede' };
const CODE_COLORS = ['#f0506e', '#ff8a5b', '#e0b0ff', '#ffd166', '#9b8cff', '#ff5fa2', '#6ee7f9', '#b4e36b'];
const WINDOW_SECONDS = 300;
const AXIS = {
  stroke: '#8b93a7',
  grid: { stroke: '#242b3e', width: 1 },
  ticks: { stroke: '#242b3e', width: 1 },
};

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});
const money2 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 2,
});

const state = { history: [], latest: null, dlqCodes: [], charts: {} };

// ---------- helpers ----------
const $ = (selector, root = document) => root.querySelector(selector);
const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
const ms = (v) => (v == null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${int.format(v)} ms`);

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

/** A funnel bar; its width goes through CSSOM, which the page's CSP allows (style attributes it does not). */
function bar(percent) {
  const node = el('div', { class: 'bar' });
  node.style.width = `${Math.max(0.5, Math.min(100, percent))}%`;
  return node;
}

function setState(panel, ready, count, error) {
  panel.dataset.state = ready ? 'ready' : 'waiting';
  panel.dataset.count = String(count);
  let note = $('.error', panel);
  if (error) {
    if (!note) panel.append((note = el('p', { class: 'error' })));
    note.textContent = `last refresh failed: ${error}`;
  } else if (note) note.remove();
}

function toMs(value) {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  const parsed = Date.parse(String(value));
  return Number.isNaN(parsed) ? null : parsed;
}

// ---------- charts ----------
function makeChart(panel, series, opts = {}) {
  const box = $('.chart', panel);
  const width = Math.max(300, box.clientWidth);
  const chart = new uPlot(
    {
      width,
      height: 190,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{ ...AXIS }, { ...AXIS, size: 56, values: opts.yValues }],
      series: [{}, ...series],
      ...opts.uplot,
    },
    [[], ...series.map(() => [])],
    box,
  );
  new ResizeObserver(() => chart.setSize({ width: Math.max(300, box.clientWidth), height: 190 })).observe(
    box,
  );
  return chart;
}

const line = (label, stroke, extra = {}) => ({ label, stroke, width: 2, points: { show: false }, ...extra });

function initCharts() {
  state.charts.events = makeChart($('#panel-events'), [
    ...TYPES.map((t) => line(t, COLORS[t])),
    line('generated (all)', COLORS.total, { dash: [4, 4], width: 1 }),
  ]);
  state.charts.backlog = makeChart($('#panel-backlog'), [
    line('backlog', '#9b8cff', { fill: 'rgba(155,140,255,0.12)' }),
  ]);
  state.charts.latency = makeChart($('#panel-latency'), [line('p50', '#34c38f'), line('p99', '#f5a524')], {
    yValues: (_u, ticks) => ticks.map((v) => (v >= 1000 ? `${v / 1000}s` : `${v}ms`)),
  });
  state.charts.revenue = makeChart(
    $('#panel-revenue'),
    [
      {
        label: 'revenue',
        stroke: '#4f9cf9',
        fill: 'rgba(79,156,249,0.35)',
        paths: uPlot.paths.bars({ size: [0.7, 60] }),
        points: { show: false },
        value: (_u, v) => (v == null ? '–' : money.format(v)),
      },
    ],
    { yValues: (_u, ticks) => ticks.map((v) => money.format(v)) },
  );
  rebuildDlqChart();
}

function rebuildDlqChart() {
  const panel = $('#panel-dlq');
  state.charts.dlq?.destroy();
  $('.chart', panel).replaceChildren();
  state.charts.dlq = makeChart(
    panel,
    state.dlqCodes.map((code, i) =>
      line(code.replace(/^SHOP_E_/, ''), CODE_COLORS[i % CODE_COLORS.length], { width: 1.5 }),
    ),
  );
}

// ---------- live ----------
function onLive(snapshot) {
  state.latest = snapshot;
  renderHealth(snapshot.health);
  state.history.push(snapshot.point);
  if (state.history.length > WINDOW_SECONDS) state.history.shift();
  renderLive();
}

function renderLive() {
  const points = state.history;
  const latest = state.latest;
  if (latest) renderKpis(latest);
  const xs = points.map((p) => p.t / 1000);

  const processed = sum(latest?.totals.processed);
  state.charts.events.setData([
    xs,
    ...TYPES.map((t) => points.map((p) => p.processed[t])),
    points.map((p) => sum(p.generated)),
  ]);
  setState($('#panel-events'), processed > 0, points.length);

  const codes = new Set(state.dlqCodes);
  for (const p of points) for (const code of Object.keys(p.dlq)) codes.add(code);
  if (codes.size !== state.dlqCodes.length) {
    state.dlqCodes = [...codes].sort();
    rebuildDlqChart();
  }
  state.charts.dlq.setData([xs, ...state.dlqCodes.map((c) => points.map((p) => p.dlq[c] ?? 0))]);
  setState($('#panel-dlq'), sum(latest?.totals.dlq) > 0, points.length);

  state.charts.backlog.setData([xs, points.map((p) => p.backlog)]);
  setState(
    $('#panel-backlog'),
    points.some((p) => p.backlog != null),
    points.length,
  );

  state.charts.latency.setData([xs, points.map((p) => p.p50Ms), points.map((p) => p.p99Ms)]);
  setState(
    $('#panel-latency'),
    points.some((p) => p.p50Ms != null),
    points.length,
  );
}

function setKpi(id, value, sub) {
  const node = $(`#kpi-${id}`);
  $('.value', node).textContent = value;
  if (sub !== undefined) $('.sub', node).textContent = sub;
}

function renderKpis({ point, totals, startedAt }) {
  const generatedNow = sum(point.generated);
  const processedNow = sum(point.processed);
  setKpi(
    'generated',
    int.format(sum(totals.generated)),
    `${int.format(generatedNow)}/s · ${int.format(totals.generated.invalid)} invalid on purpose`,
  );
  setKpi(
    'processed',
    int.format(sum(totals.processed)),
    `${int.format(processedNow)}/s · ${TYPES.map((t) => `${t} ${int.format(totals.processed[t])}`).join(' · ')}`,
  );
  const codes = Object.entries(totals.dlq).sort((a, b) => b[1] - a[1]);
  setKpi(
    'dlq',
    int.format(sum(totals.dlq)),
    codes.length ? `${codes.length} codes · top ${codes[0][0].replace(/^SHOP_E_/, '')}` : 'none yet',
  );
  setKpi('backlog', point.backlog == null ? '–' : int.format(point.backlog));
  setKpi('p50', ms(point.p50Ms));
  setKpi('p99', ms(point.p99Ms));
  const seconds = Math.max(0, Math.round((point.t - startedAt) / 1000));
  $('#uptime').textContent = `up ${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

// ---------- warehouse ----------
function table(panel, columns, rows) {
  const head = el(
    'tr',
    {},
    columns.map((c) => el('th', { class: c.num ? 'num' : '', text: c.label })),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      {},
      columns.map((c) => {
        const value = c.format ? c.format(row[c.key], row) : String(row[c.key] ?? '');
        const cell = el('td', {
          class: [c.num ? 'num' : '', c.class ? c.class(row) : ''].join(' ').trim(),
          text: value,
        });
        cell.title = value;
        return cell;
      }),
    ),
  );
  $('.table-wrap', panel).replaceChildren(el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]));
}

const RENDER = {
  revenue(panel, rows) {
    const sorted = rows
      .map((r) => [toMs(r.minute), Number(r.revenue)])
      .filter(([t]) => t != null)
      .sort((a, b) => a[0] - b[0]);
    state.charts.revenue.setData([sorted.map(([t]) => t / 1000), sorted.map(([, v]) => v)]);
    return sorted.length;
  },
  funnel(panel, rows) {
    const row = rows[0] ?? {};
    const stages = [
      ['sessions', row.sessions],
      ['viewed a product', row.viewed_product],
      ['added to cart', row.added_to_cart],
      ['ordered', row.ordered],
    ].map(([label, n]) => [label, Number(n) || 0]);
    const first = stages[0][1] || 1;
    $('.funnel', panel).replaceChildren(
      ...stages.map(([label, n]) =>
        el('div', { class: 'stage' }, [
          el('span', { text: label }),
          bar((100 * n) / first),
          el('span', { class: 'n' }, [
            int.format(n),
            ' ',
            el('span', { class: 'pct', text: `${((100 * n) / first).toFixed(1)}%` }),
          ]),
        ]),
      ),
    );
    return stages.filter(([, n]) => n > 0).length;
  },
  top_products(panel, rows) {
    table(
      panel,
      [
        { key: 'product_name', label: 'product' },
        { key: 'category', label: 'category' },
        { key: 'units', label: 'units', num: true, format: (v) => int.format(Number(v)) },
        { key: 'revenue', label: 'revenue', num: true, format: (v) => money2.format(Number(v)) },
      ],
      rows,
    );
    return rows.length;
  },
  low_stock(panel, rows) {
    table(
      panel,
      [
        { key: 'product_name', label: 'product' },
        { key: 'warehouse_name', label: 'warehouse' },
        { key: 'stock', label: 'stock', num: true, class: () => 'low', format: (v) => int.format(Number(v)) },
        { key: 'reorder_point', label: 'reorder at', num: true, format: (v) => int.format(Number(v)) },
      ],
      rows,
    );
    return rows.length;
  },
  dlq_records(panel, rows) {
    table(
      panel,
      [
        {
          key: 'ingestion_time',
          label: 'time (UTC)',
          format: (v) => (toMs(v) ? new Date(toMs(v)).toISOString().slice(11, 19) : ''),
        },
        { key: 'error_code', label: 'code', class: () => 'code' },
        { key: 'error_path', label: 'path' },
        { key: 'error_message', label: 'reason' },
        {
          key: 'payload',
          label: 'payload',
          class: () => 'payload',
          format: (v) => String(v ?? '').slice(0, 120),
        },
      ],
      rows,
    );
    return rows.length;
  },
};

function onPanels(panels) {
  for (const result of panels) {
    const panel = document.getElementById(`panel-${result.id.replaceAll('_', '-')}`);
    const render = RENDER[result.id];
    if (!panel || !render) continue;
    const count = result.rows.length > 0 ? render(panel, result.rows) : 0;
    setState(panel, count > 0, count, result.error);
  }
}

// ---------- stream ----------
function connect() {
  const source = new EventSource('/api/live');
  const pill = $('#connection');
  source.addEventListener('hello', (e) => {
    const hello = JSON.parse(e.data);
    state.history = hello.history.slice(-WINDOW_SECONDS);
    state.latest = hello.latest;
    renderHealth(hello.health);
    $('#about').textContent = Object.entries(hello.about)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ·  ');
    renderLive();
    onPanels(hello.panels);
    pill.textContent = 'live';
    pill.className = 'pill pill-ok';
  });
  source.addEventListener('live', (e) => onLive(JSON.parse(e.data)));
  source.addEventListener('warehouse', (e) => onPanels(JSON.parse(e.data)));
  source.onerror = () => {
    pill.textContent = 'reconnecting…';
    pill.className = 'pill pill-bad';
  };
}

function renderHealth(health) {
  const pill = $('#health');
  const failing = Object.keys(health.failing || {});
  pill.textContent = health.healthy ? 'healthy' : `failing: ${failing.join(', ') || 'starting'}`;
  pill.className = `pill ${health.healthy ? 'pill-ok' : 'pill-bad'}`;
  pill.title = failing.map((k) => `${k}: ${health.failing[k]}`).join('\n');
}

window.addEventListener('DOMContentLoaded', () => {
  initCharts();
  connect();
});
