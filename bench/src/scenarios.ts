// The scenarios of issue 6. Each returns plain data for the report; functional errors (wrong counts,
// non-200s, more than one computation in the herd) go to `failures`, never timing.
import { hex64, seededRandom, zipfWeights } from '../../packages/trending-core/src/demo-data.ts';
import type { TrendingWindow } from '../../packages/trending-core/src/windows.ts';
import { type LoadResult, measure, percentiles, pool } from './load.ts';
import { demoEvents, postEvents } from './seed.ts';
import type { Stack, Target } from './stack.ts';

export const TRENDING_PATH = '/v1/trending/videos?window=24h&limit=20';

export interface Config {
  mode: 'quick' | 'full';
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  zipfRequests: number;
  herdSize: number;
  ingestEvents: number;
  computeSizes: number[];
  computeRepeats: number;
  /** Per-layer scenarios to run (ids of SCENARIOS); hello-world always runs. Default: all. */
  scenarioIds?: string[];
}

export interface Progress {
  step(label: string): (summary: string) => void;
  note(line: string): void;
}

export interface Run {
  stack: Stack;
  config: Config;
  progress: Progress;
  failures: string[];
  warnings: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ─── helpers over the api ────────────────────────────────────────────────────────────────────

interface WindowStatus {
  generation: number;
  snapshotAgeMs: number | null;
  computations: number;
}

/** GET /v1/admin/status (per-window computations), of the main aggregator or a bench one. */
export async function status(run: Run, aggregator?: string): Promise<Record<TrendingWindow, WindowStatus>> {
  const target: Target = aggregator ? 'trending-api-seams' : 'trending-api';
  const headers: Record<string, string> = { authorization: `Bearer ${run.stack.adminToken}` };
  if (aggregator) headers['x-test-aggregator'] = aggregator;
  const res = await fetch(`${run.stack.url[target]}/v1/admin/status`, { headers });
  if (res.status !== 200) throw new Error(`GET /v1/admin/status answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { windows: Record<TrendingWindow, WindowStatus> }).windows;
}

interface TrendingBody {
  videos: { videoId: string; views: number; uniqueViewers: number }[];
}

/** A freshly computed ranking of a bench aggregator (all layers off, its snapshot dropped first). */
async function computedRanking(run: Run, aggregator: string, window: TrendingWindow): Promise<TrendingBody> {
  const res = await fetch(
    `${run.stack.url['trending-api-cold']}/v1/trending/videos?window=${window}&limit=100`,
    {
      headers: { 'x-test-aggregator': aggregator, 'x-test-drop': 'do' },
    },
  );
  if (res.status !== 200) throw new Error(`trending read answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as TrendingBody;
}

async function rows(run: Run, aggregator: string): Promise<Record<string, number>> {
  const res = await fetch(`${run.stack.url['trending-api-seams']}/v1/health`, {
    headers: { 'x-test-aggregator': aggregator },
  });
  return ((await res.json()) as { aggregator: { rows: Record<string, number> } }).aggregator.rows;
}

function seedProgress(run: Run, what: string) {
  let last = 0;
  return (done: number, total: number) => {
    const pct = Math.floor((done / total) * 100);
    if (pct >= last + 10 || done === total) {
      last = pct;
      run.progress.note(`    ${what}: ${pct}% (${fmt(done)}/${fmt(total)} events)`);
    }
  };
}

// ─── seeding the main aggregator ─────────────────────────────────────────────────────────────

export async function seedMain(run: Run) {
  const done = run.progress.step('seeding the demo workload (generateDemoData, 24,000 events)');
  const events = demoEvents(24_000);
  const result = await postEvents(run.stack.url['trending-api'], events, { concurrency: 4 });
  if (result.accepted !== events.length)
    run.failures.push(`seeding: ${result.accepted} of ${events.length} events accepted`);
  await run.stack.runCron();
  done(`${fmt(events.length)} events in ${result.seconds.toFixed(1)} s, precompute ran`);
  return { events: events.length, seconds: result.seconds };
}

// ─── throughput and latency per layer ────────────────────────────────────────────────────────

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

export interface ScenarioResult {
  id: string;
  label: string;
  target: Target;
  connections: number;
  note?: string;
  rps: number;
  /** Median over rounds of (this scenario's req/s / hello-world's req/s in the same round). */
  ratio: number;
  roundRps: number[];
  roundRatios: number[];
  /** Lowest and highest of the per-round ratios: the noise of this machine. */
  ratioRange: [number, number];
  latencyMs: LoadResult['latencyMs'];
  requests: number;
  statuses: Record<string, number>;
  layers: Record<string, number>;
  stale: number;
  /** Share of responses served by the layer the scenario is meant to measure. */
  expectedShare: number;
  computationsPerRequest?: number;
  bodyBytes: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

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

export async function throughput(run: Run, bodies: Record<string, number>): Promise<ScenarioResult[]> {
  const { config } = run;
  const chosen = SCENARIOS.filter(
    (s) => s.id === 'hello' || !config.scenarioIds || config.scenarioIds.includes(s.id),
  );
  const byId = new Map<string, LoadResult[]>(chosen.map((s) => [s.id, []]));
  const computations = new Map<string, { requests: number; computations: number }>();
  for (let round = 1; round <= config.rounds; round++) {
    // Keep KV and the aggregator's snapshots fresh, as the cron does in production.
    await run.stack.runCron();
    // Interleaved: every scenario once per round, hello-world first, the others in an order that
    // rotates from round to round, so drift in the machine's speed hits all alike.
    const [floor, ...others] = chosen;
    const shift = (round - 1) % others.length;
    const order = [floor, ...others.slice(shift), ...others.slice(0, shift)].filter(
      (d): d is ScenarioDef => d !== undefined,
    );
    for (const [i, def] of order.entries()) {
      const connections = def.connections ?? config.connections;
      const done = run.progress.step(
        `[round ${round}/${config.rounds}] ${String(i + 1).padStart(2)}/${chosen.length} ${def.label}`,
      );
      let before: Record<TrendingWindow, WindowStatus> | undefined;
      const result = await measure(
        {
          url: run.stack.url[def.target],
          path: def.target === 'bench-hello' ? '/' : TRENDING_PATH,
          connections,
          durationS: config.durationS,
          warmupS: config.warmupS,
          ...(def.headers ? { headers: def.headers } : {}),
        },
        def.countComputations
          ? async () => {
              before = await status(run);
            }
          : undefined,
      );
      if (def.countComputations && before) {
        const after = await status(run);
        const entry = computations.get(def.id) ?? { requests: 0, computations: 0 };
        entry.requests += result.requests;
        entry.computations += after['24h'].computations - before['24h'].computations;
        computations.set(def.id, entry);
      }
      byId.get(def.id)?.push(result);
      const expected = def.expect === '-' ? result.requests : (result.layers[def.expect] ?? 0);
      done(
        `${fmt(result.rps).padStart(6)} req/s  p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms` +
          (def.expect === '-'
            ? ''
            : `  ${((expected / Math.max(1, result.requests)) * 100).toFixed(1)}% ${def.expect}`),
      );
    }
  }

  const hello = byId.get('hello') ?? [];
  return chosen.map((def) => {
    const rounds = byId.get(def.id) ?? [];
    const pooled = pool(rounds);
    const roundRatios = rounds.map((r, i) => r.rps / (hello[i]?.rps ?? Number.NaN));
    const non200 = Object.entries(pooled.statuses).filter(([code]) => code !== '200');
    if (non200.length > 0)
      run.failures.push(
        `${def.id}: ${non200.map(([code, n]) => `${n} × ${code}`).join(', ')} (expected only 200)`,
      );
    const expected = def.expect === '-' ? pooled.requests : (pooled.layers[def.expect] ?? 0);
    const expectedShare = expected / Math.max(1, pooled.requests);
    if (def.expect !== '-' && def.id !== 'memory-peer' && expectedShare < 0.9)
      run.warnings.push(
        `${def.id}: only ${(expectedShare * 100).toFixed(1)}% ${def.expect} (${JSON.stringify(pooled.layers)}): a layer over its time budget is skipped`,
      );
    const counted = computations.get(def.id);
    const result: ScenarioResult = {
      id: def.id,
      label: def.label,
      target: def.target,
      connections: def.connections ?? config.connections,
      rps: pooled.rps,
      ratio: median(roundRatios),
      roundRps: rounds.map((r) => r.rps),
      roundRatios,
      ratioRange: [Math.min(...roundRatios), Math.max(...roundRatios)],
      latencyMs: pooled.latencyMs,
      requests: pooled.requests,
      statuses: pooled.statuses,
      layers: pooled.layers,
      stale: pooled.stale,
      expectedShare,
      bodyBytes: bodies[def.id] ?? 0,
    };
    if (def.note) result.note = def.note;
    if (counted) result.computationsPerRequest = counted.computations / Math.max(1, counted.requests);
    return result;
  });
}

// ─── thundering herd ─────────────────────────────────────────────────────────────────────────

export interface HerdResult {
  requests: number;
  window: TrendingWindow;
  computations: number;
  statuses: Record<string, number>;
  distinctBodies: number;
  layers: Record<string, number>;
  latencyMs: LoadResult['latencyMs'];
  note: string;
}

/**
 * N concurrent requests on a cold window: a fresh aggregator (a little demo data, nothing computed
 * yet, nothing in any cache), asked through two api isolates at once (one with every layer on,
 * one with every layer off), so both the api's in-isolate collapsing and the aggregator's single
 * flight are exercised. Computations are counted through GET /v1/admin/status.
 */
export async function herd(run: Run): Promise<HerdResult> {
  const done = run.progress.step(
    `thundering herd: ${run.config.herdSize} concurrent requests on a cold window`,
  );
  const aggregator = `bench-herd-${Date.now()}`;
  const window: TrendingWindow = '24h';
  const events = demoEvents(2_000, 11);
  await postEvents(run.stack.url['trending-api-seams'], events, { aggregator, concurrency: 4 });
  const before = await status(run, aggregator);
  const targets: Target[] = ['trending-api-seams', 'trending-api-cold'];
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: run.config.herdSize }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`${run.stack.url[targets[i % 2] ?? 'trending-api-seams']}${TRENDING_PATH}`, {
        headers: { 'x-test-aggregator': aggregator },
      });
      const body = await res.text();
      return {
        status: res.status,
        body,
        ms: performance.now() - t0,
        layer: res.headers.get('x-cache') ?? '-',
      };
    }),
  );
  const wallMs = performance.now() - started;
  const after = await status(run, aggregator);
  const computations = after[window].computations - before[window].computations;
  const statuses: Record<string, number> = {};
  const layers: Record<string, number> = {};
  for (const r of responses) {
    statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
    layers[r.layer] = (layers[r.layer] ?? 0) + 1;
  }
  const distinctBodies = new Set(responses.map((r) => r.body)).size;
  if (computations !== 1)
    run.failures.push(`herd: ${computations} computations for one cold window (expected 1)`);
  if (statuses['200'] !== responses.length) run.failures.push(`herd: statuses ${JSON.stringify(statuses)}`);
  if (distinctBodies !== 1) run.failures.push(`herd: ${distinctBodies} different bodies (expected 1)`);
  done(
    `${computations} computation(s), ${statuses['200'] ?? 0}/${responses.length} × 200 in ${wallMs.toFixed(0)} ms`,
  );
  return {
    requests: responses.length,
    window,
    computations,
    statuses,
    distinctBodies,
    layers,
    latencyMs: percentiles(responses.map((r) => r.ms)),
    note: 'half through an api with every layer on, half through one with every layer off',
  };
}

// ─── mixed Zipf traffic ──────────────────────────────────────────────────────────────────────

const ZIPF_WINDOWS: TrendingWindow[] = ['24h', '1h', '7d'];
const ZIPF_LIMITS = [20, 10, 50, 100, 5, 25, 30, 15, 40, 60];

/** The (window, limit) keys ranked by popularity: the diagonal order of the two lists above. */
export function zipfKeys(): string[] {
  const keys = ZIPF_WINDOWS.flatMap((w, wi) =>
    ZIPF_LIMITS.map((l, li) => ({ w, l, rank: wi + li + wi * 0.1 })),
  );
  return keys.sort((a, b) => a.rank - b.rank).map(({ w, l }) => `/v1/trending/videos?window=${w}&limit=${l}`);
}

export function zipfSequence(count: number, s: number, seed = 7): string[] {
  const keys = zipfKeys();
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of zipfWeights(keys.length, s)) {
    acc += w;
    cumulative.push(acc);
  }
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const r = next();
    const index = cumulative.findIndex((c) => c >= r);
    return keys[index < 0 ? keys.length - 1 : index] ?? keys[0] ?? TRENDING_PATH;
  });
}

export interface ZipfResult {
  requests: number;
  keys: number;
  s: number;
  rps: number;
  latencyMs: LoadResult['latencyMs'];
  statuses: Record<string, number>;
  layers: Record<string, number>;
  shares: Record<string, number>;
  stale: number;
  fastShare: number;
  cronRuns: number;
}

/**
 * 20,000 requests over windows × limits drawn from Zipf(s = 1.1) against the api with every
 * layer on, while precompute runs (its cron, called every few seconds, plus the aggregator's own
 * 30 s alarm). Every request counts: there is no warm-up, the mix is the point.
 */
export async function zipf(run: Run): Promise<ZipfResult> {
  const count = run.config.zipfRequests;
  const done = run.progress.step(`mixed Zipf traffic: ${fmt(count)} requests, s = 1.1, precompute running`);
  const sequence = zipfSequence(count, 1.1);
  let cursor = 0;
  let cronRuns = 0;
  let running = true;
  const cron = (async () => {
    while (running) {
      await run.stack.runCron();
      cronRuns += 1;
      for (let t = 0; t < 50 && running; t++) await sleep(100);
    }
  })();
  const result = await measure({
    url: run.stack.url['trending-api'],
    path: sequence[0] ?? TRENDING_PATH,
    connections: run.config.connections,
    durationS: 0,
    warmupS: 0,
    amount: count,
    nextPath: () => sequence[cursor++ % sequence.length] ?? TRENDING_PATH,
  });
  running = false;
  await cron;
  const shares = Object.fromEntries(Object.entries(result.layers).map(([k, v]) => [k, v / result.requests]));
  const fastShare = (shares['HIT-MEMORY'] ?? 0) + (shares['HIT-EDGE'] ?? 0) + (shares['HIT-DO'] ?? 0);
  const non200 = result.requests - (result.statuses['200'] ?? 0);
  if (non200 > 0)
    run.failures.push(`zipf: ${non200} responses other than 200 (${JSON.stringify(result.statuses)})`);
  done(
    `${fmt(result.rps)} req/s  p99 ${result.latencyMs.p99.toFixed(2)} ms  ${(fastShare * 100).toFixed(2)}% memory/edge/DO`,
  );
  return {
    requests: result.requests,
    keys: zipfKeys().length,
    s: 1.1,
    rps: result.rps,
    latencyMs: result.latencyMs,
    statuses: result.statuses,
    layers: result.layers,
    shares,
    stale: result.stale,
    fastShare,
    cronRuns,
  };
}

// ─── ingest ──────────────────────────────────────────────────────────────────────────────────

export interface IngestResult {
  events: number;
  videos: number;
  concurrency: number;
  eventsPerS: number;
  seconds: number;
  accepted: number;
  duplicates: number;
  retried: { events: number; accepted: number; duplicates: number };
  checked: Record<string, { videosListed: number; viewsListed: number; lost: number; doubled: number }>;
  seenKeys: number;
}

/**
 * Events/s through POST /v1/events/views in batches of 100 (4 batches in flight), into an
 * aggregator of its own: 100 videos, each viewed once by each of its own viewers within the last
 * 50 minutes, so every video ranks and its `views` must equal exactly what was sent. Then 10% of
 * the batches are sent again (client retries: same idempotency keys) and must all be duplicates.
 */
export async function ingest(run: Run): Promise<IngestResult> {
  const total = run.config.ingestEvents;
  const done = run.progress.step(`ingest: ${fmt(total)} events in batches of 100, then verify the counts`);
  const aggregator = `bench-ingest-${Date.now()}`;
  const next = seededRandom(99);
  const videos = Array.from({ length: 100 }, () => hex64(next));
  const perVideo = Math.floor(total / videos.length);
  const now = Date.now();
  const events = videos.flatMap((videoId, v) =>
    Array.from({ length: perVideo }, (_, k) => ({
      videoId,
      viewerId: `ingest-viewer-${v}-${k}`,
      eventType: 'view_end' as const,
      idempotencyKey: `${aggregator}-${v}-${k}`,
      watchMs: 4_800,
      durationMs: 6_000,
      timestamp: now - Math.floor(next() * 50 * 60_000),
    })),
  );
  // Shuffle, so each batch mixes videos as real traffic does.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [events[i], events[j]] = [events[j] as (typeof events)[number], events[i] as (typeof events)[number]];
  }
  const url = run.stack.url['trending-api-seams'];
  const concurrency = 4;
  const result = await postEvents(url, events, { aggregator, concurrency });
  const retrySlice = events.slice(0, Math.ceil(events.length / 10 / 100) * 100);
  const retried = await postEvents(url, retrySlice, { aggregator, concurrency });

  if (result.accepted !== events.length || result.duplicates !== 0)
    run.failures.push(
      `ingest: ${result.accepted} accepted, ${result.duplicates} duplicates of ${events.length} new events`,
    );
  if (retried.accepted !== 0 || retried.duplicates !== retrySlice.length)
    run.failures.push(
      `ingest: retries counted again (${retried.accepted} accepted, ${retried.duplicates}/${retrySlice.length} duplicates)`,
    );
  const checked: IngestResult['checked'] = {};
  for (const window of ['1h', '24h'] as TrendingWindow[]) {
    const ranking = await computedRanking(run, aggregator, window);
    const listed = new Map(ranking.videos.map((v) => [v.videoId, v]));
    let lost = 0;
    let doubled = 0;
    for (const videoId of videos) {
      const views = listed.get(videoId)?.views ?? 0;
      const viewers = listed.get(videoId)?.uniqueViewers ?? 0;
      if (views < perVideo || viewers < perVideo) lost += perVideo - Math.min(views, viewers);
      if (views > perVideo || viewers > perVideo) doubled += Math.max(views, viewers) - perVideo;
    }
    const viewsListed = ranking.videos.reduce((s, v) => s + v.views, 0);
    checked[window] = { videosListed: ranking.videos.length, viewsListed, lost, doubled };
    if (lost !== 0 || doubled !== 0 || viewsListed !== events.length)
      run.failures.push(
        `ingest (${window}): ${lost} lost, ${doubled} doubled, ${viewsListed} views listed for ${events.length} sent`,
      );
  }
  const seenKeys = (await rows(run, aggregator)).seenKeys ?? -1;
  if (seenKeys !== events.length)
    run.failures.push(`ingest: ${seenKeys} idempotency keys stored for ${events.length}`);
  done(
    `${fmt(result.eventsPerS)} events/s, ${checked['24h']?.lost ?? '?'} lost, ${checked['24h']?.doubled ?? '?'} doubled, ` +
      `${retried.duplicates}/${retrySlice.length} retries recognised`,
  );
  return {
    events: events.length,
    videos: videos.length,
    concurrency,
    eventsPerS: result.eventsPerS,
    seconds: result.seconds,
    accepted: result.accepted,
    duplicates: result.duplicates,
    retried: { events: retrySlice.length, accepted: retried.accepted, duplicates: retried.duplicates },
    checked,
    seenKeys,
  };
}

// ─── compute cost as data grows ──────────────────────────────────────────────────────────────

export interface ComputeResult {
  events: number;
  videos: number;
  seedSeconds: number;
  seedEventsPerS: number;
  rows: Record<string, number>;
  /** The aggregator's own measure of one 7d computation (whole milliseconds in workerd), median. */
  computeMs: number;
  /** Round trip of a computation minus the round trip of a snapshot peek, median. */
  computeRoundTripMs: number;
  rankedVideos: number;
  repeats: number;
  /** The same ranking by full rescan of the rollups (no running totals): round trip minus peek, median. */
  rescanRoundTripMs?: number;
}

async function timed(
  url: string,
): Promise<{ ms: number; body: { computeMs: number | null; videos: number } }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { computeMs: number | null; videos: number };
  return { ms: performance.now() - t0, body };
}

/**
 * The 7d window's computation time at growing sizes of the demo workload (videos grow with
 * events, 75 events per video as in the demo): seeded through the api into an aggregator of its
 * own, then computed `computeRepeats` times through the bench's probe Worker.
 */
export async function computeCost(run: Run): Promise<ComputeResult[]> {
  const results: ComputeResult[] = [];
  for (const size of run.config.computeSizes) {
    const done = run.progress.step(`compute cost: 7d window at ${fmt(size)} events`);
    const aggregator = `bench-compute-${size}-${Date.now()}`;
    const events = demoEvents(size, 5);
    const videos = new Set(events.map((e) => e.videoId)).size;
    const seeded = await postEvents(run.stack.url['trending-api-seams'], events, {
      aggregator,
      concurrency: 4,
      onProgress: size >= 100_000 ? seedProgress(run, `seeding ${fmt(size)}`) : undefined,
    });
    if (seeded.accepted !== events.length)
      run.failures.push(`compute ${size}: ${seeded.accepted} of ${events.length} events accepted`);
    const probe = run.stack.url['bench-before'];
    const computeMs: number[] = [];
    const roundTrips: number[] = [];
    const rescanTrips: number[] = [];
    let rankedVideos = 0;
    for (let i = 0; i < run.config.computeRepeats + 1; i++) {
      const computed = await timed(`${probe}/compute?window=7d&aggregator=${aggregator}`);
      const peeked = await timed(`${probe}/peek?window=7d&aggregator=${aggregator}`);
      const rescanned = await timed(`${probe}/rescan?window=7d&aggregator=${aggregator}`);
      if (i === 0) continue; // the first one also wakes the object and warms SQLite's page cache
      computeMs.push(computed.body.computeMs ?? Number.NaN);
      roundTrips.push(computed.ms - peeked.ms);
      rescanTrips.push(rescanned.ms - peeked.ms);
      rankedVideos = computed.body.videos;
    }
    const result: ComputeResult = {
      events: size,
      videos,
      seedSeconds: seeded.seconds,
      seedEventsPerS: seeded.eventsPerS,
      rows: await rows(run, aggregator),
      computeMs: median(computeMs),
      computeRoundTripMs: median(roundTrips),
      rankedVideos,
      repeats: computeMs.length,
      rescanRoundTripMs: median(rescanTrips),
    };
    results.push(result);
    done(
      `${result.computeMs.toFixed(0)} ms in the aggregator (${result.computeRoundTripMs.toFixed(1)} ms round trip; ` +
        `full rescan ${result.rescanRoundTripMs?.toFixed(1)} ms), ` +
        `${fmt(videos)} videos, seeded at ${fmt(seeded.eventsPerS)} events/s`,
    );
  }
  return results;
}
