/**
 * Draws a soak's memory as a PNG: `npx tsx bench/soak-plot.ts soak.json [docs/img/soak-memory.png]`,
 * from the file `bench/soak.ts --json soak.json` writes. Two panels, RSS and the main thread's JS heap:
 * every 5-second sample as a dot, the per-minute medians as a line, and the least-squares line the
 * verdict is taken from (after the warm-up) dashed. Drawn with @napi-rs/canvas, whose Skia binary
 * comes from the npm registry, in a font from @fontsource (so no system fonts are needed).
 */
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { SoakSample } from './soak-run.js';
import type { MemoryTrend, MinuteMedians } from './soak-trend.js';

/** What bench/soak.ts --json writes (the parts drawn here). */
interface SoakRecord {
  readonly rate: number;
  readonly durationMs: number;
  readonly date: string;
  readonly summary: { readonly p99Ms: number };
  readonly trend: MemoryTrend;
  readonly minutes: readonly MinuteMedians[];
  readonly samples: readonly SoakSample[];
}

const WIDTH = 960;
const PANEL_HEIGHT = 240;
const TOP = 56;
const LEFT = 64;
const RIGHT = 24;
const GAP = 44;
const FONT = 'SoakPlotMono';
const COLORS = { rssMb: '#1f6fb2', heapMb: '#c2571a', grid: '#e3e3e3', text: '#222', faint: '#777' };

const [input, output = 'docs/img/soak-memory.png'] = process.argv.slice(2);
if (!input) {
  process.stderr.write('usage: soak-plot.ts soak.json [out.png]\n');
  process.exit(2);
}
const record = JSON.parse(readFileSync(input, 'utf8')) as SoakRecord;
const require = createRequire(import.meta.url);
GlobalFonts.registerFromPath(
  require.resolve('@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2'),
  FONT,
);

const canvas = createCanvas(WIDTH, TOP + 2 * PANEL_HEIGHT + GAP + 40);
const g = canvas.getContext('2d');
g.fillStyle = '#fff';
g.fillRect(0, 0, canvas.width, canvas.height);
g.fillStyle = COLORS.text;
g.font = `15px ${FONT}`;
const durationMin = record.durationMs / 60_000;
g.fillText(
  `soak: ${record.rate} events/s for ${durationMin} min, ${record.date.slice(0, 10)} · p99 ${record.summary.p99Ms} ms`,
  LEFT,
  22,
);
g.font = `12px ${FONT}`;
g.fillStyle = COLORS.faint;
g.fillText(
  `dots: 5-s samples · line: per-minute medians · dashed: least squares over minutes ${record.trend.fromMinute}–${record.trend.toMinute} (bound ≤ ${record.trend.boundMbPerMin} MB/min)`,
  LEFT,
  42,
);

const panels = [
  { field: 'rssMb', title: 'RSS (MB)', slope: record.trend.rssSlopeMbPerMin },
  { field: 'heapMb', title: 'main-thread JS heap used (MB)', slope: record.trend.heapSlopeMbPerMin },
] as const;
panels.forEach((panel, i) => drawPanel(g, TOP + i * (PANEL_HEIGHT + GAP), panel));

g.fillStyle = COLORS.text;
g.font = `12px ${FONT}`;
g.fillText('minutes since start', WIDTH / 2 - 60, canvas.height - 8);

mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, await canvas.encode('png'));
process.stdout.write(`wrote ${output}\n`);

function drawPanel(
  ctx: SKRSContext2D,
  top: number,
  panel: { readonly field: 'rssMb' | 'heapMb'; readonly title: string; readonly slope: number },
): void {
  const color = COLORS[panel.field];
  const samples = record.samples.filter((s) => s.t <= record.durationMs / 1000);
  const maxY = niceCeiling(Math.max(...samples.map((s) => s[panel.field])) * 1.1);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (minutes: number): number => LEFT + (minutes / durationMin) * plotWidth;
  const y = (mb: number): number => top + PANEL_HEIGHT - (mb / maxY) * PANEL_HEIGHT;

  // Grid, axes and labels.
  ctx.font = `11px ${FONT}`;
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const mb = (maxY * k) / 4;
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    ctx.moveTo(LEFT, y(mb));
    ctx.lineTo(WIDTH - RIGHT, y(mb));
    ctx.stroke();
    ctx.fillStyle = COLORS.faint;
    ctx.fillText(String(Math.round(mb)), 8, y(mb) + 4);
  }
  const step = durationMin > 20 ? 5 : durationMin > 8 ? 2 : 1;
  for (let m = 0; m <= durationMin; m += step) ctx.fillText(String(m), x(m) - 4, top + PANEL_HEIGHT + 16);
  // The warm-up the verdict leaves out.
  ctx.fillStyle = 'rgba(0, 0, 0, 0.04)';
  ctx.fillRect(LEFT, top, x(record.trend.fromMinute - 1) - LEFT, PANEL_HEIGHT);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(LEFT, top, plotWidth, PANEL_HEIGHT);

  // Samples, medians (at the middle of their minute), and the fitted line.
  ctx.fillStyle = `${color}40`;
  for (const s of samples) {
    ctx.beginPath();
    ctx.arc(x(s.t / 60), y(s[panel.field]), 1.8, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  record.minutes.forEach((m, k) => {
    const px = x(m.minute - 0.5);
    if (k === 0) ctx.moveTo(px, y(m[panel.field]));
    else ctx.lineTo(px, y(m[panel.field]));
  });
  ctx.stroke();
  const counted = record.minutes.filter((m) => m.minute >= record.trend.fromMinute);
  if (counted.length >= 2 && Number.isFinite(panel.slope)) {
    // The least-squares line passes through the mean point.
    const meanX = counted.reduce((sum, m) => sum + m.minute, 0) / counted.length;
    const meanY = counted.reduce((sum, m) => sum + m[panel.field], 0) / counted.length;
    const at = (minute: number): number => meanY + panel.slope * (minute - meanX);
    const from = counted[0]!.minute;
    const to = counted.at(-1)!.minute;
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = COLORS.text;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x(from - 0.5), y(at(from)));
    ctx.lineTo(x(to - 0.5), y(at(to)));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.fillStyle = color;
  ctx.font = `13px ${FONT}`;
  const slope = `${panel.slope >= 0 ? '+' : ''}${panel.slope.toFixed(2)} MB/min`;
  ctx.fillText(`${panel.title} · slope ${slope}`, LEFT + 8, top + 18);
}

/** A round number at or above `value` for the top of an axis (1, 2 or 5 × a power of ten). */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, value)));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}
