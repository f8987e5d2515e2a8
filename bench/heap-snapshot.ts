/**
 * Reads a V8 `.heapsnapshot` (from `v8.writeHeapSnapshot()`, `--heapsnapshot-signal` or DevTools) and
 * sums it per class: how many objects, their own (shallow) size, and their retained size — what would
 * be freed if they went, from the dominator tree. Enough to tell, between two snapshots of one run,
 * which kind of object accumulates and what holds it.
 *
 * The file is parsed from bytes rather than with JSON.parse: a snapshot of a 150 MB heap is a few
 * hundred MB of JSON, near V8's longest string, and its two big arrays are only numbers.
 */
import { readFileSync } from 'node:fs';

/** One row of a summary: a class (a constructor's name, or a V8 kind such as `(string)`). */
export interface ClassTotals {
  readonly name: string;
  count: number;
  selfBytes: number;
  /** Sum of retained sizes of its objects not dominated by another object of the same class. */
  retainedBytes: number;
}

/** A parsed snapshot with the dominator tree computed. */
export interface HeapSnapshot {
  readonly nodeCount: number;
  /** Bytes of every node reachable from the root. */
  readonly totalBytes: number;
  /** Per class, largest retained size first. */
  readonly classes: ClassTotals[];
  /** The class name of a node (index 0 … nodeCount-1). */
  className(node: number): string;
  readonly selfSize: Float64Array;
  readonly retainedSize: Float64Array;
  /** The immediate dominator of each node (the root's is itself; -1 when unreachable). */
  readonly dominator: Int32Array;
  /** The name of an edge from `from` to `to`, if there is one (a property name or `[index]`). */
  edgeName(from: number, to: number): string | undefined;
  /** Calls `visit` for every strong (not weak) reference, with its name as edgeName gives it. */
  forEachEdge(visit: (from: number, to: number, name: string) => void): void;
}

interface SnapshotMeta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

/** The snapshot's references: node `i`'s run from firstEdge[i] to firstEdge[i + 1], edgeFields apart. */
interface Graph {
  readonly n: number;
  readonly firstEdge: Uint32Array;
  readonly edgeFields: number;
  /** The node an edge points to. */
  target(e: number): number;
  /** False for weak references, which keep nothing alive. */
  strong(e: number): boolean;
}

/** Kinds whose objects DevTools groups under one parenthesised name, as it shows them. */
const KIND_NAMES: Record<string, string> = {
  hidden: '(system)',
  code: '(compiled code)',
  string: '(string)',
  'concatenated string': '(concatenated string)',
  'sliced string': '(sliced string)',
  number: '(number)',
  bigint: '(bigint)',
  regexp: '(regexp)',
  closure: '(closure)',
  symbol: '(symbol)',
};

export function readHeapSnapshot(path: string): HeapSnapshot {
  return parseHeapSnapshot(readFileSync(path));
}

export function parseHeapSnapshot(bytes: Buffer): HeapSnapshot {
  const nodesAt = bytes.indexOf('"nodes":[');
  const edgesAt = bytes.indexOf('"edges":[', nodesAt);
  const stringsAt = bytes.lastIndexOf('"strings":[');
  if (nodesAt < 0 || edgesAt < 0 || stringsAt < 0) throw new Error('not a V8 heap snapshot');
  const header = JSON.parse(`${bytes.subarray(0, nodesAt).toString().replace(/,\s*$/, '')}}`) as {
    snapshot: { meta: SnapshotMeta; node_count: number; edge_count: number };
  };
  const { meta } = header.snapshot;
  const nodes = parseNumbers(bytes, nodesAt + 9, header.snapshot.node_count * meta.node_fields.length);
  const edges = parseNumbers(bytes, edgesAt + 9, header.snapshot.edge_count * meta.edge_fields.length);
  const stringsEnd = bytes.lastIndexOf(']');
  const strings = JSON.parse(bytes.subarray(stringsAt + 10, stringsEnd + 1).toString()) as string[];

  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const nodeTypeAt = meta.node_fields.indexOf('type');
  const nodeNameAt = meta.node_fields.indexOf('name');
  const selfSizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const elementEdge = edgeTypes.indexOf('element');
  const hiddenEdge = edgeTypes.indexOf('hidden');

  const n = header.snapshot.node_count;
  const firstEdge = new Uint32Array(n + 1);
  const selfSize = new Float64Array(n);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += nodes[i * nodeFields + edgeCountAt]! * edgeFields;
    selfSize[i] = nodes[i * nodeFields + selfSizeAt]!;
  }
  firstEdge[n] = edges.length;
  const target = (e: number): number => edges[e + edgeToAt]! / nodeFields;

  const className = (node: number): string => {
    const type = nodeTypes[nodes[node * nodeFields + nodeTypeAt]!]!;
    const name = strings[nodes[node * nodeFields + nodeNameAt]!]!;
    if (type === 'object' || type === 'native') return name;
    // Backing stores keep their own names ("(object elements)", "(object properties)"): a big array
    // shows up as its elements, so keep them apart.
    if (type === 'array') return name.startsWith('(') ? name : '(array)';
    return KIND_NAMES[type] ?? `(${type})`;
  };

  const graph: Graph = { n, firstEdge, edgeFields, target, strong: (e) => edges[e + edgeTypeAt] !== weak };
  const dominator = dominatorTree(graph);
  const retainedSize = Float64Array.from(selfSize);
  // Children come after their dominator in a depth-first order, so summing in reverse order adds
  // each node's retained size to its dominator's after the node's own is complete.
  const order = depthFirstOrder(graph);
  for (let k = order.length - 1; k > 0; k--) {
    const node = order[k]!;
    retainedSize[dominator[node]!]! += retainedSize[node]!;
  }

  // A class's retained size counts each of its objects with no object of that class above it in
  // the dominator tree, so nested objects (a list of lists) are not counted twice: a walk down the
  // tree keeps, per class, how many of its objects are on the path.
  const classIds = new Map<string, number>();
  const classes: ClassTotals[] = [];
  const classOf = new Int32Array(n);
  let totalBytes = 0;
  for (const node of order) {
    const name = className(node);
    let id = classIds.get(name);
    if (id === undefined) {
      classIds.set(name, (id = classes.length));
      classes.push({ name, count: 0, selfBytes: 0, retainedBytes: 0 });
    }
    classOf[node] = id;
    classes[id]!.count++;
    classes[id]!.selfBytes += selfSize[node]!;
    totalBytes += selfSize[node]!;
  }
  const children = childrenOf(order, dominator);
  const onPath = new Int32Array(classes.length);
  const stack = [0];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    // ~node marks leaving a node's subtree.
    if (entry < 0) {
      onPath[classOf[~entry]!]!--;
      continue;
    }
    const id = classOf[entry]!;
    if (onPath[id] === 0) classes[id]!.retainedBytes += retainedSize[entry]!;
    onPath[id]!++;
    stack.push(~entry);
    for (let c = children.first[entry]!; c < children.first[entry + 1]!; c++) stack.push(children.list[c]!);
  }

  const nameOfEdge = (e: number): string => {
    const type = edges[e + edgeTypeAt]!;
    const nameOrIndex = edges[e + edgeNameAt]!;
    return type === elementEdge || type === hiddenEdge ? `[${nameOrIndex}]` : strings[nameOrIndex]!;
  };
  const edgeName = (from: number, to: number): string | undefined => {
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += edgeFields)
      if (target(e) === to) return nameOfEdge(e);
    return undefined;
  };
  const forEachEdge = (visit: (from: number, to: number, name: string) => void): void => {
    for (let from = 0; from < n; from++)
      for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += edgeFields)
        if (graph.strong(e)) visit(from, target(e), nameOfEdge(e));
  };

  return {
    nodeCount: n,
    totalBytes,
    classes: classes.sort((a, b) => b.retainedBytes - a.retainedBytes),
    className,
    selfSize,
    retainedSize,
    dominator,
    edgeName,
    forEachEdge,
  };
}

/** The dominator tree's children of each node, as compressed rows. */
function childrenOf(order: Int32Array, dominator: Int32Array): { first: Uint32Array; list: Int32Array } {
  const first = new Uint32Array(dominator.length + 1);
  for (let k = 1; k < order.length; k++) first[dominator[order[k]!]! + 1]!++;
  for (let i = 0; i < dominator.length; i++) first[i + 1]! += first[i]!;
  const fill = first.slice(0, dominator.length);
  const list = new Int32Array(Math.max(0, order.length - 1));
  for (let k = 1; k < order.length; k++) list[fill[dominator[order[k]!]!]!++] = order[k]!;
  return { first, list };
}

/** Parses `count` comma-separated unsigned integers starting at `offset`. */
function parseNumbers(bytes: Buffer, offset: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let value = 0;
  let inNumber = false;
  let k = 0;
  for (let i = offset; k < count && i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
    } else if (inNumber) {
      out[k++] = value;
      value = 0;
      inNumber = false;
    }
  }
  if (k !== count) throw new Error(`heap snapshot: expected ${count} numbers, found ${k}`);
  return out;
}

/** Nodes reachable from the root (node 0) over strong edges, each after the node it was reached from. */
function depthFirstOrder(graph: Graph): Int32Array {
  const { n, firstEdge, edgeFields, target, strong } = graph;
  const visited = new Uint8Array(n);
  const order = new Int32Array(n);
  let count = 0;
  const stack = [0];
  visited[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    order[count++] = node;
    for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += edgeFields) {
      if (!strong(e)) continue;
      const to = target(e);
      if (!visited[to]) {
        visited[to] = 1;
        stack.push(to);
      }
    }
  }
  return order.subarray(0, count);
}

/**
 * Immediate dominators by Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast Dominance
 * Algorithm", 2001) over a reverse postorder of the strong edges.
 */
function dominatorTree(graph: Graph): Int32Array {
  const { n, firstEdge, edgeFields, target, strong } = graph;
  // Postorder numbers by an explicit-stack depth-first search.
  const postorder = new Int32Array(n).fill(-1);
  const byPostorder: number[] = [];
  const visited = new Uint8Array(n);
  const stackNode: number[] = [0];
  const stackEdge: number[] = [firstEdge[0]!];
  visited[0] = 1;
  while (stackNode.length > 0) {
    const top = stackNode.length - 1;
    const node = stackNode[top]!;
    let e = stackEdge[top]!;
    let pushed = false;
    for (; e < firstEdge[node + 1]!; e += edgeFields) {
      if (!strong(e)) continue;
      const to = target(e);
      if (visited[to]) continue;
      visited[to] = 1;
      stackEdge[top] = e + edgeFields;
      stackNode.push(to);
      stackEdge.push(firstEdge[to]!);
      pushed = true;
      break;
    }
    if (pushed) continue;
    stackNode.pop();
    stackEdge.pop();
    postorder[node] = byPostorder.length;
    byPostorder.push(node);
  }
  // Predecessors (strong edges between reachable nodes), as compressed rows.
  const predCount = new Uint32Array(n + 1);
  for (let from = 0; from < n; from++) {
    if (postorder[from]! < 0) continue;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += edgeFields)
      if (strong(e)) predCount[target(e) + 1]!++;
  }
  for (let i = 0; i < n; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Int32Array(predCount[n]!);
  const fill = predCount.slice(0, n);
  for (let from = 0; from < n; from++) {
    if (postorder[from]! < 0) continue;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += edgeFields)
      if (strong(e)) preds[fill[target(e)]!++] = from;
  }

  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (postorder[a]! < postorder[b]!) a = idom[a]!;
      while (postorder[b]! < postorder[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = byPostorder.length - 2; k >= 0; k--) {
      const node = byPostorder[k]!;
      let candidate = -1;
      for (let p = predCount[node]!; p < predCount[node + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred]! < 0) continue;
        candidate = candidate < 0 ? pred : intersect(pred, candidate);
      }
      if (candidate >= 0 && idom[node] !== candidate) {
        idom[node] = candidate;
        changed = true;
      }
    }
  }
  return idom;
}
