// The system under test: the three Workers from their production bundles (apps/*/dist, built by
// `pnpm build`) in one Miniflare 5 process, each on its own direct socket, beside the bench's own
// Workers (bench/dist: the hello-world floor, the two cache peers and "before"). The api runs as
// several instances of the same bundle that differ only in their LAYERS_OFF (and TEST_SEAMS) vars.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { auxWorker } from '../../scripts/lib/aux-workers.ts';
import { BENCH_WORKERS, type BenchWorker, distDir } from './build-workers.ts';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** The api instances: name, layers switched off, and whether the test seams are on. */
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

const DIRECT = [{ host: '127.0.0.1', port: 0 }];

function appWorker(
  app: 'api' | 'aggregator' | 'precompute',
  serviceBindings: Record<string, { name: string; entrypoint?: string }> = {},
) {
  if (!existsSync(`${repoRoot}apps/${app}/dist/index.js`))
    throw new Error(`apps/${app}/dist/index.js is missing: run \`pnpm build\` first`);
  return { ...auxWorker(app, serviceBindings), unsafeDirectSockets: DIRECT };
}

function benchWorker(name: BenchWorker, extra: Record<string, unknown> = {}) {
  const scriptPath = `${distDir}${name}.js`;
  if (!existsSync(scriptPath))
    throw new Error(`${scriptPath} is missing: run \`pnpm --filter @openvine/bench build\``);
  return {
    name: `bench-${name}`,
    modules: true,
    scriptPath,
    modulesRoot: distDir,
    compatibilityDate: '2026-11-24',
    unsafeDirectSockets: DIRECT,
    ...extra,
  };
}

export interface Stack {
  mf: Miniflare;
  url: Record<Target, string>;
  adminToken: string;
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
  const api = appWorker('api');
  const apiBindings = (api as { bindings?: Record<string, string> }).bindings ?? {};
  // The bench drives ingest from one client far past the per-client limit (it measures
  // throughput, and seeds a million events): the limiter stays, with a limit it cannot reach.
  const { ratelimits } = api as { ratelimits?: Record<string, object> };
  const unlimited = Object.fromEntries(
    Object.entries(ratelimits ?? {}).map(([name, limiter]) => [
      name,
      { ...limiter, simple: { limit: 1_000_000_000, period: 60 } },
    ]),
  );
  const apis = Object.entries(API_VARIANTS).map(([name, variant]) => ({
    ...api,
    name,
    ratelimits: unlimited,
    bindings: {
      ...apiBindings,
      ADMIN_TOKEN: adminToken,
      ...(variant.off ? { LAYERS_OFF: variant.off } : {}),
      ...(variant.seams ? { TEST_SEAMS: '1' } : {}),
      ...('metricsOff' in variant ? { METRICS_OFF: '1' } : {}),
    },
  }));
  const origin = { ORIGIN: { name: 'trending-api' } };
  const aggregatorBinding = {
    AGGREGATOR: { className: 'TrendingAggregator', scriptName: 'trending-aggregator' },
  };

  const log = createWriteStream(logPath, { flags: 'w' });
  const logCounts = new Map<string, number>();
  const options = convertV4MiniflareOptions({
    ...shared,
    logRequests: false,
    handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
      log.write(`${level} ${message}\n`);
      if (level === 'warn' || level === 'error') {
        const key = logKey(message);
        logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
      }
    },
    workers: [
      ...apis,
      appWorker('aggregator'),
      appWorker('precompute'),
      benchWorker('hello'),
      benchWorker('cache-peer', { serviceBindings: origin }),
      benchWorker('cache-peer-headers', { serviceBindings: origin }),
      benchWorker('hono-peer', { serviceBindings: origin }),
      benchWorker('memory-peer', { serviceBindings: origin }),
      benchWorker('before', { durableObjects: aggregatorBinding }),
    ],
  } as Parameters<typeof convertV4MiniflareOptions>[0]);
  const mf = new Miniflare(options);
  await mf.ready;

  const names: Target[] = [
    ...(Object.keys(API_VARIANTS) as ApiVariant[]),
    'trending-aggregator',
    'trending-precompute',
    ...BENCH_WORKERS.map((name) => `bench-${name}` as const),
  ];
  const url = {} as Record<Target, string>;
  for (const name of names) url[name] = (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, '');

  return {
    mf,
    url,
    adminToken,
    logCounts,
    async runCron() {
      const precompute = (await mf.getWorker('trending-precompute')) as unknown as {
        scheduled(options: { cron: string }): Promise<unknown>;
      };
      await precompute.scheduled({ cron: '* * * * *' });
    },
    async dispose() {
      await mf.dispose();
      log.end();
    },
  };
}
