// The per-layer scenarios (memory, edge, DO, KV hits, cold compute, the peers and references,
// "before"): one GET of the same trending body on each target, and the check that every target
// serves that body.
import type { Target } from '../stack.ts';
import type { Run } from './context.ts';

export const TRENDING_PATH = '/v1/trending/videos?window=24h&limit=20';

export interface ScenarioDef {
  id: string;
  label: string;
  target: Target;
  /** The X-Cache value this scenario is meant to measure ('-': the response has none). */
  expect: string;
  headers?: Record<string, string>;
  connections?: number;
  note?: string;
  /** Counts the main aggregator's 24h computations during the measured run. */
  countComputations?: boolean;
}

export const SCENARIOS: ScenarioDef[] = [
  { id: 'hello', label: 'hello-world (floor)', target: 'bench-hello', expect: '-' },
  { id: 'memory', label: 'memory hit', target: 'trending-api', expect: 'HIT-MEMORY' },
  { id: 'edge', label: 'edge hit (memory off)', target: 'trending-api-edge', expect: 'HIT-EDGE' },
  {
    id: 'memory-nometrics',
    label: 'memory hit, metrics off',
    target: 'trending-api-nometrics',
    expect: 'HIT-MEMORY',
    note: 'METRICS_OFF=1: the cost of recording metrics is the difference to "memory hit"',
  },
  {
    id: 'edge-nometrics',
    label: 'edge hit (memory off), metrics off',
    target: 'trending-api-edge-nometrics',
    expect: 'HIT-EDGE',
  },
  { id: 'do', label: 'DO hit (memory, edge off)', target: 'trending-api-do', expect: 'HIT-DO' },
  { id: 'kv', label: 'KV hit (memory, edge, DO off)', target: 'trending-api-kv', expect: 'HIT-KV' },
  {
    id: 'cold',
    label: 'cold compute (all off, DO snapshot dropped)',
    target: 'trending-api-cold',
    expect: 'MISS',
    headers: { 'x-test-drop': 'do' },
    connections: 1,
    countComputations: true,
    note: 'one connection, so that every request computes (concurrent ones would share a computation)',
  },
  { id: 'cache-peer', label: 'peer: caches.default by hand', target: 'bench-cache-peer', expect: '-' },
  {
    id: 'cache-peer-headers',
    label: "reference: caches.default by hand, with the api's headers",
    target: 'bench-cache-peer-headers',
    expect: '-',
    note: "peer 1 answering with every header of the api's edge hit: what the Cache API plus the design's headers cost",
  },
  { id: 'hono-peer', label: 'peer: hono/cache', target: 'bench-hono-peer', expect: '-' },
  {
    id: 'memory-peer',
    label: 'reference: body held in isolate memory',
    target: 'bench-memory-peer',
    expect: 'HIT-MEMORY',
    note: "the api's response, fetched once, served from module scope: the ceiling of layer 0",
  },
  {
    id: 'before',
    label: 'before: compute every request by full rescan, no cache',
    target: 'bench-before',
    expect: '-',
  },
];

/** Whether two trending bodies list the same videos (they may differ in when they were computed). */
function sameShape(body: string, reference: string): boolean {
  try {
    const ids = (text: string) =>
      (JSON.parse(text) as { videos: { videoId: string }[] }).videos.map((v) => v.videoId).join();
    return ids(body) === ids(reference);
  } catch {
    return false;
  }
}

/**
 * Checks that every Worker answers 200, that every api variant (each layer) serves the same list,
 * and that the peers serve the api's body, byte for byte.
 */
export async function bodySizes(run: Run): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  let apiBody = '';
  for (const def of SCENARIOS) {
    const res = await fetch(
      `${run.stack.url[def.target]}${def.target === 'bench-hello' ? '/' : TRENDING_PATH}`,
      {
        headers: def.headers ?? {},
      },
    );
    const body = await res.text();
    if (res.status !== 200) run.failures.push(`${def.id}: first request answered ${res.status}`);
    sizes[def.id] = Buffer.byteLength(body);
    if (def.id === 'memory') apiBody = body;
    if (def.target.startsWith('trending-api') && def.id !== 'memory' && !sameShape(body, apiBody))
      run.failures.push(`${def.id}: not the api's trending body (${sizes[def.id]} bytes)`);
    if (['cache-peer', 'cache-peer-headers', 'hono-peer', 'memory-peer'].includes(def.id) && body !== apiBody)
      run.failures.push(
        `${def.id}: body differs from the api's (${sizes[def.id]} vs ${Buffer.byteLength(apiBody)} bytes)`,
      );
  }
  return sizes;
}
