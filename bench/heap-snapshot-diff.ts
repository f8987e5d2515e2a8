/**
 * Compares heap snapshots of one process taken at different times:
 * `npx tsx bench/heap-snapshot-diff.ts a.heapsnapshot b.heapsnapshot [c.heapsnapshot …] [--top 25]`.
 * Prints, per class, the count and retained size in each snapshot, sorted by how much the retained
 * size grew from the first to the last; then the largest single objects of the last snapshot with the
 * chain of objects that keeps each alive (its dominators up to a GC root), to tell what holds them.
 * Snapshots of a big heap need memory: run it with NODE_OPTIONS=--max-old-space-size=8192.
 */
import { basename } from 'node:path';
import { readHeapSnapshot, type HeapSnapshot } from './heap-snapshot.js';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
if (args.length < 2) {
  process.stderr.write('usage: heap-snapshot-diff.ts A.heapsnapshot B.heapsnapshot [more…] [--top N]\n');
  process.exit(2);
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const snapshots: HeapSnapshot[] = [];
for (const path of args) {
  const started = performance.now();
  const snapshot = readHeapSnapshot(path);
  snapshots.push(snapshot);
  process.stdout.write(
    `${basename(path)}: ${snapshot.nodeCount.toLocaleString('en-US')} objects, ${mb(snapshot.totalBytes)} MB reachable (read in ${Math.round(performance.now() - started)} ms)\n`,
  );
}

const first = snapshots[0]!;
const last = snapshots.at(-1)!;
const names = new Set(snapshots.flatMap((s) => s.classes.map((c) => c.name)));
const totalsOf = (snapshot: HeapSnapshot): Map<string, { count: number; retainedBytes: number }> =>
  new Map(snapshot.classes.map((c) => [c.name, c]));
const byName = snapshots.map(totalsOf);
const growth = (name: string): number =>
  (byName.at(-1)!.get(name)?.retainedBytes ?? 0) - (byName[0]!.get(name)?.retainedBytes ?? 0);
const ranked = [...names].sort((a, b) => growth(b) - growth(a)).slice(0, top);

process.stdout.write(
  `\nclasses by growth of retained size, first → last snapshot (count / retained MB in each)\n`,
);
for (const name of ranked) {
  const cells = byName.map((t) => {
    const c = t.get(name);
    return `${String(c?.count ?? 0).padStart(9)} ${mb(c?.retainedBytes ?? 0).padStart(8)}`;
  });
  process.stdout.write(
    `${(growth(name) >= 0 ? '+' : '') + mb(growth(name))} MB`.padStart(12) +
      `  ${cells.join(' │')}  ${name}\n`,
  );
}
process.stdout.write(
  `${'total'.padStart(12)}  ${mb(first.totalBytes)} MB → ${mb(last.totalBytes)} MB (${mb(last.totalBytes - first.totalBytes)} MB)\n`,
);

// For the classes that grew most, what refers to their objects in the last snapshot (an object held
// by a Set and an Array at once has two): the referring class and the property, or [] for an index.
process.stdout.write(`\nwhat refers to the objects of the classes that grew most (last snapshot)\n`);
const grown = new Set(ranked.filter((name) => name !== '(synthetic)' && growth(name) > 0).slice(0, 5));
const referrers = new Map<string, Map<string, number>>([...grown].map((name) => [name, new Map()]));
last.forEachEdge((from, to, edge) => {
  const counts = referrers.get(last.className(to));
  // Every object refers to its prototype and shape; those say nothing about who keeps it.
  if (!counts || edge === '__proto__' || edge === 'map') return;
  const key = `${last.className(from)} ${edge.startsWith('[') ? '[]' : `.${edge}`}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
});
for (const [name, counts] of referrers) {
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4);
  process.stdout.write(`  ${name}: ${top.map(([key, n]) => `${key} ×${n}`).join(', ')}\n`);
}

// Growth is mostly in big backing stores (an array's elements, a Map's table, a long string): list the
// largest of the last snapshot, each with the chain of objects that keeps it alive.
process.stdout.write(`\nlargest single objects in the last snapshot, with what keeps each alive\n`);
const largest = Array.from(last.selfSize.keys())
  .filter((node) => node !== 0 && last.dominator[node]! >= 0)
  .sort((a, b) => last.selfSize[b]! - last.selfSize[a]!)
  .slice(0, 12);
for (const node of largest) {
  const chain: string[] = [];
  for (let at = node; at !== 0 && chain.length < 14;) {
    const holder = last.dominator[at]!;
    const edge = last.edgeName(holder, at);
    chain.push(`${last.className(at)}${edge ? ` .${edge}` : ''}`);
    at = holder;
  }
  process.stdout.write(`${mb(last.selfSize[node]!).padStart(8)} MB  ${chain.join(' ← ')}\n`);
}
