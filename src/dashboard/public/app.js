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
const money2 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 2,
});

const moneyShort = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const REVENUE_MIN_MINUTES = 10;
const REVENUE_MAX_MINUTES = 30;

const state = { history: [], latest: null, dlqCodes: [], dlqOther: false, charts: {} };

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
/** Rates jump with each one-second flush; charts show a trailing average over `n` seconds. */
function smooth(values, n) {
  return values.map((_, i) => {
    const window = values.slice(Math.max(0, i - n + 1), i + 1).filter((v) => v != null);
    return window.length ? window.reduce((a, b) => a + b, 0) / window.length : null;
  });
}

function makeChart(panel, series, opts = {}) {
  const box = $('.chart', panel);
  const chart = new uPlot(
    {
      width: Math.max(300, box.clientWidth),
      height: 190,
      // Times on the axes in UTC, like the lake's folders and the warehouse.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: {
        x: { time: true, ...(opts.xRange ? { range: opts.xRange } : {}) },
        y: { range: (_u, _min, max) => [0, Math.max(1, (max || 0) * 1.12)] },
      },
      axes: [{ ...AXIS }, { ...AXIS, size: 60, values: opts.yValues }],
      series: [{}, ...series],
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
const perSecond = (_u, ticks) => ticks.map((v) => `${int.format(v)}/s`);
/** Live charts show at least the last minute, filling in from the right as a run begins. */
const LIVE = { xRange: (_u, min, max) => (max == null ? [min, max] : [Math.min(min ?? max, max - 60), max]) };

function initCharts() {
  state.charts.events = makeChart(
    $('#panel-events'),
    [
      ...TYPES.map((t) => line(t, COLORS[t])),
      line('generated (all)', COLORS.total, { dash: [4, 4], width: 1 }),
    ],
    { ...LIVE, yValues: perSecond },
  );
  state.charts.backlog = makeChart(
    $('#panel-backlog'),
    [line('backlog', '#9b8cff', { fill: 'rgba(155,140,255,0.12)' })],
    LIVE,
  );
  state.charts.latency = makeChart($('#panel-latency'), [line('p50', '#34c38f'), line('p99', '#f5a524')], {
    ...LIVE,
    yValues: (_u, ticks) => ticks.map((v) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`)),
  });
  state.charts.revenue = makeChart(
    $('#panel-revenue'),
    [
      {
        label: 'revenue per minute (UTC)',
        stroke: '#4f9cf9',
        fill: 'rgba(79,156,249,0.45)',
        paths: uPlot.paths.bars({ size: [0.8, 48], align: 1 }),
        points: { show: false },
      },
    ],
    {
      yValues: (_u, ticks) => ticks.map((v) => moneyShort.format(v)),
      xRange: (_u, min, max) => (max == null ? [min, max] : [min, max + 60]),
    },
  );
  rebuildDlqChart();
}

/**
 * DLQ rate by error code as stacked areas: the seven commonest codes and "other". Each series is drawn as
 * the running total up to its code, biggest first, so each band shows one code's share.
 */
function rebuildDlqChart() {
  const panel = $('#panel-dlq');
  state.charts.dlq?.destroy();
  $('.chart', panel).replaceChildren();
  const bands = [
    ...state.dlqCodes.map((c) => c.replace(/^SHOP_E_/, '')),
    ...(state.dlqOther ? ['other'] : []),
  ];
  const series = bands
    .map((label, i) => {
      const color = label === 'other' ? '#5d6478' : CODE_COLORS[i % CODE_COLORS.length];
      return line(label, color, { width: 1, fill: `${color}${label === 'other' ? '88' : 'cc'}` });
    })
    .reverse();
  state.charts.dlq = makeChart(panel, series, { ...LIVE, yValues: perSecond });
}

const TOP_CODES = 7;

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

  state.charts.events.setData([
    xs,
    ...TYPES.map((t) =>
      smooth(
        points.map((p) => p.processed[t]),
        5,
      ),
    ),
    smooth(
      points.map((p) => sum(p.generated)),
      5,
    ),
  ]);
  setState($('#panel-events'), sum(latest?.totals.processed) > 0, points.length);

  const totals = Object.entries(latest?.totals.dlq ?? {}).sort((a, b) => b[1] - a[1]);
  const top = totals.slice(0, TOP_CODES).map(([code]) => code);
  const other = totals.length > TOP_CODES;
  if (top.join() !== state.dlqCodes.join() || other !== state.dlqOther) {
    state.dlqCodes = top;
    state.dlqOther = other;
    rebuildDlqChart();
  }
  const byBand = [
    ...top.map((code) =>
      smooth(
        points.map((p) => p.dlq[code] ?? 0),
        10,
      ),
    ),
    ...(other
      ? [
          smooth(
            points.map((p) => sum(p.dlq) - top.reduce((a, c) => a + (p.dlq[c] ?? 0), 0)),
            10,
          ),
        ]
      : []),
  ];
  const stacked = byBand.map((_, i) =>
    xs.map((_x, k) => byBand.slice(0, i + 1).reduce((a, b) => a + (b[k] ?? 0), 0)),
  );
  state.charts.dlq.setData([xs, ...stacked.reverse()]);
  setState($('#panel-dlq'), totals.length > 0, points.length);

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

/** Events per second over the last few seconds (one second alone jumps with each flush). */
function recentRate(pick, seconds = 5) {
  const recent = state.history.slice(-seconds);
  return recent.length ? recent.reduce((a, p) => a + pick(p), 0) / recent.length : 0;
}

function setKpi(id, value, sub) {
  const node = $(`#kpi-${id}`);
  $('.value', node).textContent = value;
  if (sub !== undefined) $('.sub', node).textContent = sub;
}

function renderKpis({ point, totals, startedAt }) {
  const generatedRate = recentRate((p) => sum(p.generated));
  const processedRate = recentRate((p) => sum(p.processed));
  const dlqRate = recentRate((p) => sum(p.dlq), 10);
  setKpi(
    'generated',
    int.format(sum(totals.generated)),
    `${int.format(generatedRate)}/s · ${int.format(totals.generated.invalid)} invalid on purpose`,
  );
  setKpi(
    'processed',
    int.format(sum(totals.processed)),
    `${int.format(processedRate)}/s into lake + warehouse`,
  );
  const codes = Object.keys(totals.dlq).length;
  setKpi(
    'dlq',
    int.format(sum(totals.dlq)),
    codes ? `${dlqRate.toFixed(1)}/s · ${codes} error codes` : 'none yet',
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
  revenue(_panel, rows) {
    const byMinute = new Map();
    for (const r of rows) {
      const t = toMs(r.minute);
      if (t != null) byMinute.set(Math.floor(t / 60_000) * 60, Number(r.revenue));
    }
    if (byMinute.size === 0) return 0;
    // One slot per minute from the first to the last (at least 10, at most 30), so quiet minutes show
    // as gaps and a single bar is not stretched over the whole axis.
    const last = Math.max(...byMinute.keys());
    const span = Math.round((last - Math.min(...byMinute.keys())) / 60) + 1;
    const slots = Math.min(REVENUE_MAX_MINUTES, Math.max(REVENUE_MIN_MINUTES, span));
    const xs = Array.from({ length: slots }, (_, i) => last - (slots - 1 - i) * 60);
    state.charts.revenue.setData([xs, xs.map((x) => byMinute.get(x) ?? 0)]);
    return byMinute.size;
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
  order_status(panel, rows) {
    // One bar per status, in lifecycle order, as a share of all orders; the returns under them.
    const total = rows.reduce((a, r) => a + Number(r.orders), 0);
    const returns = Number(rows[0]?.returns) || 0;
    $('.lifecycle', panel).replaceChildren(
      ...rows.map((r) =>
        el(
          'div',
          { class: 'stage', 'data-status': String(r.status), 'data-orders': String(Number(r.orders)) },
          [
            el('span', { text: String(r.status) }),
            bar(total ? (100 * Number(r.orders)) / total : 0),
            el('span', { class: 'n' }, [
              int.format(Number(r.orders)),
              ' ',
              el('span', {
                class: 'pct',
                text: `${total ? ((100 * Number(r.orders)) / total).toFixed(1) : '0.0'}%`,
              }),
            ]),
          ],
        ),
      ),
      el('p', {
        class: 'returns muted',
        'data-returns': String(returns),
        text: `${int.format(returns)} ${returns === 1 ? 'item' : 'items'} sent back (inventory returns)`,
      }),
    );
    return total;
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
  const blocked = health.blocked || {};
  const names = failing.map((k) => (blocked[k] ? `${k} (blocked)` : k));
  pill.textContent = health.healthy ? 'healthy' : `failing: ${names.join(', ') || 'starting'}`;
  pill.className = `pill ${health.healthy ? 'pill-ok' : 'pill-bad'}`;
  pill.title = failing
    .map((k) =>
      blocked[k]
        ? `${k}: ${blocked[k].code}: ${health.failing[k]}\n${blocked[k].fix}`
        : `${k}: ${health.failing[k]}`,
    )
    .join('\n');
}

window.addEventListener('DOMContentLoaded', () => {
  initCharts();
  connect();
});
