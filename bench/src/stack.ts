// The system under test: the local stack (scripts/lib/local-stack.ts: the three Workers from their
// production bundles in one Miniflare 5 process, each on its own direct socket) with the bench's own
// Workers beside them (bench/dist: the hello-world floor, the cache peers and "before"). The api runs
// as several instances of the production bundle that differ only in their LAYERS_OFF and METRICS_OFF
// vars, and two of the api's test-only entry, for what must reach aggregators of its own.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { type ExtraWorker, startLocalStack } from '@openvine/scripts/local-stack';
import type { Miniflare } from 'miniflare';
import { type BenchWorker, distDir } from './build-workers.ts';
import { type RuntimeCpu, runtimeCpuSince, workerdSnapshot } from './runtime-cpu.ts';

/**
 * The api instances: name, layers switched off, and whether it runs the api's test-only entry
 * (`seams`: apps/api/src/test-entry.ts, the production Worker behind the `x-test-*` headers)
 * instead of the production bundle. Every per-layer scenario (memory, edge, DO, KV, the peers)
 * measures the production bundle; only the cold computation (a forced miss) and the herd, ingest
 * and compute-cost runs (aggregators of their own) go through the test entry.
 */
export const API_VARIANTS = {
  'trending-api': { off: '', seams: false },
  'trending-api-edge': { off: 'memory', seams: false },
  'trending-api-do': { off: 'memory,edge', seams: false },
  'trending-api-kv': { off: 'memory,edge,do', seams: false },
  // Everything off, and the seams on: `x-test-drop: do` empties the aggregator's snapshot per
  // request, so each request computes; `x-test-aggregator` reaches the bench's own aggregators.
  'trending-api-cold': { off: 'memory,edge,do,kv', seams: true },
  // Every layer on, and the seams on: the herd, ingest and compute-cost runs use aggregators of
  // their own (`x-test-aggregator`), so they neither see nor disturb the main data.
  'trending-api-seams': { off: '', seams: true },
  // Metrics recording off (METRICS_OFF=1): what recording costs on memory and edge hits (issue 7).
  'trending-api-nometrics': { off: '', seams: false, metricsOff: true },
  'trending-api-edge-nometrics': { off: 'memory', seams: false, metricsOff: true },
} as const;
export type ApiVariant = keyof typeof API_VARIANTS;

export type Target = ApiVariant | 'trending-aggregator' | 'trending-precompute' | `bench-${BenchWorker}`;

function benchWorker(name: BenchWorker, extra: Record<string, unknown> = {}): ExtraWorker {
  const scriptPath = `${distDir}${name}.js`;
  if (!existsSync(scriptPath))
    throw new Error(`${scriptPath} is missing: run \`pnpm --filter @openvine/bench build\``);
  return {
    name: `bench-${name}`,
    modules: true,
    scriptPath,
    modulesRoot: distDir,
    compatibilityDate: '2026-11-24',
    ...extra,
  };
}

export interface Stack {
  mf: Miniflare;
  url: Record<Target, string>;
  adminToken: string;
  /** The ingest key the api instances know: postEvents sends as that sender, each viewer's address given. */
  ingestKey: string;
  /** Counts of worker log lines by a short key (e.g. "layer kv skipped"), for the report. */
  logCounts: Map<string, number>;
  runCron(): Promise<void>;
  dispose(): Promise<void>;
}

function logKey(message: string): string {
  const layer = /layer (\w+) skipped: (.*?took longer|[^:]+)/.exec(message);
  if (layer)
    return `layer ${layer[1]} skipped (${layer[2]?.includes('took longer') ? 'over budget' : 'error'})`;
  return message.slice(0, 80);
}

/** `shared`: extra Miniflare shared options (e.g. `unsafeInspectDurableObjects` when profiling). */
export async function startStack(logPath: string, shared: Record<string, unknown> = {}): Promise<Stack> {
  const adminToken = randomBytes(16).toString('hex');
  const origin = { ORIGIN: { name: 'trending-api' } };
  const aggregatorBinding = {
    AGGREGATOR: { className: 'TrendingAggregator', scriptName: 'trending-aggregator' },
  };
  const log = createWriteStream(logPath, { flags: 'w' });
  const logCounts = new Map<string, number>();
  const stack = await startLocalStack({
    apis: Object.entries(API_VARIANTS).map(([name, variant]) => ({
      name,
      bundle: variant.seams ? ('test-entry' as const) : ('production' as const),
      vars: {
        ...(variant.off ? { LAYERS_OFF: variant.off } : {}),
        ...('metricsOff' in variant ? { METRICS_OFF: '1' } : {}),
      },
    })),
    vars: { ADMIN_TOKEN: adminToken, VIEWER_KEY_SECRET: randomBytes(32).toString('hex') },
    // The bench drives ingest far past the per-client limit (it measures throughput, and seeds a
    // million events): as an ingest-key sender it is not limited per client, and anonymous
    // requests keep the limiter, with a limit (events a minute) they cannot reach.
    ingestLimitPerMinute: 1_000_000_000,
    workers: [
      benchWorker('hello'),
      benchWorker('cache-peer', { serviceBindings: origin }),
      benchWorker('cache-peer-headers', { serviceBindings: origin }),
      benchWorker('hono-peer', { serviceBindings: origin }),
      benchWorker('memory-peer', { serviceBindings: origin }),
      benchWorker('before', { durableObjects: aggregatorBinding }),
    ],
    shared: {
      ...shared,
      logRequests: false,
      handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
        log.write(`${level} ${message}\n`);
        if (level === 'warn' || level === 'error') {
          const key = logKey(message);
          logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
        }
      },
    },
  });

  return {
    mf: stack.mf,
    // Every name of Target was started above (the api variants, the apps, the bench Workers).
    url: stack.url as Record<Target, string>,
    adminToken,
    ingestKey: stack.ingestKey,
    logCounts,
    runCron: stack.runCron,
    async dispose() {
      await stack.dispose();
      log.end();
    },
  };
}

/** A small stack of its own for the scale part: one shard layout, shared by the api and the aggregator. */
export interface ScaleStack {
  mf: Miniflare;
  /** The api (its test entry: bench aggregators, `x-test-ingest: direct`). */
  api: string;
  /** The same api without Miniflare's rate limiter (a Durable Object per call; production's is in-colo). */
  apiNoLimiter: string;
  /** The same api with every layer off: a freshly computed ranking (with `x-test-drop: do`). */
  cold: string;
  /** The `before` Worker's probes (/compute, /peek, /rank-shards). */
  probe: string;
  ingestKey: string;
  /** The CPU its workerd process has used (api, queue, consumer, shards and Miniflare's own objects). */
  runtimeCpu: RuntimeCpu;
  /** The coordinator's (or the one object's) ingest counts: events handed, of them duplicates. */
  ingestCounts(aggregator: string): Promise<{ events: number; duplicates: number }>;
  dispose(): Promise<void>;
}

/**
 * `shards`: AGGREGATOR_SHARDS of both the api and the aggregator. `redeliverShare`: the
 * aggregator runs its test entry, whose ingest consumer throws after committing and before the
 * ack for that share of the messages (TEST_REDELIVER_SHARE), so the queue redelivers them.
 */
export async function startScaleStack(
  shards: number,
  logPath: string,
  options: { redeliverShare?: number } = {},
): Promise<ScaleStack> {
  const log = createWriteStream(logPath, { flags: 'a' });
  const { redeliverShare } = options;
  const before = workerdSnapshot();
  const stack = await startLocalStack({
    apis: [
      { name: 'trending-api', bundle: 'test-entry' },
      { name: 'trending-api-cold', bundle: 'test-entry', vars: { LAYERS_OFF: 'memory,edge,do,kv' } },
      { name: 'trending-api-nolimit', bundle: 'test-entry', ratelimits: false },
    ],
    vars: {
      ADMIN_TOKEN: randomBytes(16).toString('hex'),
      VIEWER_KEY_SECRET: randomBytes(32).toString('hex'),
      AGGREGATOR_SHARDS: String(shards),
    },
    aggregatorVars: {
      AGGREGATOR_SHARDS: String(shards),
      ...(redeliverShare ? { TEST_REDELIVER_SHARE: String(redeliverShare) } : {}),
    },
    aggregatorBundle: redeliverShare ? 'test-entry' : 'production',
    ingestLimitPerMinute: 1_000_000_000,
    workers: [
      benchWorker('before', {
        durableObjects: {
          AGGREGATOR: { className: 'TrendingAggregator', scriptName: 'trending-aggregator' },
        },
      }),
    ],
    shared: {
      logRequests: false,
      handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
        log.write(`[${shards} shards] ${level} ${message}\n`);
      },
    },
  });
  const namespace = (await stack.mf.getDurableObjectNamespace(
    'AGGREGATOR',
    'trending-aggregator',
  )) as unknown as {
    idFromName(name: string): unknown;
    get(id: unknown): { ingestCounts(): Promise<{ events: number; duplicates: number }> };
  };
  const url = (name: string) => stack.url[name] as string;
  return {
    mf: stack.mf,
    api: url('trending-api'),
    apiNoLimiter: url('trending-api-nolimit'),
    cold: url('trending-api-cold'),
    probe: url('bench-before'),
    ingestKey: stack.ingestKey,
    runtimeCpu: runtimeCpuSince(before),
    ingestCounts: (aggregator) => namespace.get(namespace.idFromName(aggregator)).ingestCounts(),
    async dispose() {
      await stack.dispose();
      log.end();
    },
  };
}
