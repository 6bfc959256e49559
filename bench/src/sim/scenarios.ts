// The simulation's scenarios: the read cascade at each request rate and read order, ingest at each
// event rate, and the check against the bench (one data center, the bench's own Zipf workload).
import { readFileSync } from 'node:fs';
import { buildDataCenters, type DataCenter } from './data-centers.ts';
import {
  HEADROOM,
  type IngestConfig,
  type IngestReport,
  modelIngest,
  queuesNeeded,
  shardsNeeded,
} from './ingest-model.ts';
import { INTERVALS } from './policy.ts';
import {
  type CascadeConfig,
  type CascadeReport,
  type EdgeScope,
  type ReadOrder,
  type ServedBy,
  simulateReads,
} from './read-cascade.ts';
import type { ServiceTimes } from './service-times.ts';
import { zipfReadKeys } from './workload.ts';

export interface SimOptions {
  seed: number;
  dataCenters: number;
  dataCenterS: number;
  isolates: number;
  requestRates: number[];
  keyS: number;
  variants: ReadVariant[];
  kvFirstFromRtt: number;
  /** Simulated seconds, and the first of them not measured. */
  duration: number;
  warmup: number;
  eventRates: number[];
  shards: number;
  queues: number;
  videos: number;
  videoS: number;
  batchedShare: number;
  /** The consumer's max_batch_timeout (s): how long it waits to fill a delivery. */
  batchTimeout: number;
  serviceTimes: ServiceTimes;
}

/** Cloudflare facts the cascade depends on (platform notes): not ours to set. */
export const KV_PROPAGATION_MAX = 60e3;
export const RTT_JITTER = 1.2;
/** The largest shard count tried when none is given. */
export const MAX_SHARDS = 4096;

/** One way of reading: the order below the edge, and what an edge entry holds. */
export interface ReadVariant {
  order: ReadOrder;
  edgeScope: EdgeScope;
}

/** The suffix of each edge scope in a variant's name (`key` is the default, no suffix). */
const EDGE_SUFFIX: Record<EdgeScope, string | undefined> = {
  key: undefined,
  window: 'window-edge',
  both: 'key-and-window-edge',
};

/** `today`, `kv-first-far`, `regional-replicas`, each optionally `+window-edge` or `+key-and-window-edge`. */
export function parseVariant(text: string): ReadVariant | undefined {
  const [order, edge, ...rest] = text.split('+');
  const orders: readonly string[] = ['today', 'kv-first-far', 'regional-replicas'];
  if (!order || !orders.includes(order) || rest.length > 0) return undefined;
  const scope = (Object.keys(EDGE_SUFFIX) as EdgeScope[]).find((s) => EDGE_SUFFIX[s] === edge);
  if (!scope) return undefined;
  return { order: order as ReadOrder, edgeScope: scope };
}

export function variantName(v: ReadVariant): string {
  const suffix = EDGE_SUFFIX[v.edgeScope];
  return suffix ? `${v.order}+${suffix}` : v.order;
}

export function cascadeConfig(
  options: SimOptions,
  requestsPerSecond: number,
  order: ReadOrder,
  edgeScope: EdgeScope = 'key',
): CascadeConfig {
  return {
    seed: options.seed,
    requestsPerSecond,
    dataCenters: buildDataCenters(options.dataCenters, options.dataCenterS, options.seed),
    isolatesPerDataCenter: options.isolates,
    keys: zipfReadKeys(options.keyS),
    order,
    edgeScope,
    kvFirstFromRtt: options.kvFirstFromRtt,
    duration: options.duration * 1000,
    warmup: options.warmup * 1000,
    serviceTimes: options.serviceTimes,
    precomputeEvery: INTERVALS.precomputeCronMs,
    kvPropagationMax: KV_PROPAGATION_MAX,
    rttJitter: RTT_JITTER,
  };
}

export function runReads(options: SimOptions, log: (line: string) => void): CascadeReport[] {
  const reports: CascadeReport[] = [];
  for (const rps of options.requestRates)
    for (const variant of options.variants) {
      const started = performance.now();
      const report = simulateReads(cascadeConfig(options, rps, variant.order, variant.edgeScope));
      log(
        `reads ${rps.toLocaleString('en-US')}/s ${variantName(variant)}: memory ${(report.shares.memory * 100).toFixed(2)}%, ` +
          `busiest object ${report.busiestObject.meanPerSecond.toFixed(0)}/s, p99 ${report.latency.p99.toFixed(1)} ms ` +
          `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
      reports.push(report);
    }
  return reports;
}

export interface IngestRow {
  /** The fewest shards that fit (or the shard count given), routed by shard group and to any queue. */
  byGroup: IngestReport;
  anyQueue: IngestReport;
  /** The fewest shards that keep every shard under HEADROOM of the measured events/s; undefined: none can. */
  shardsForEvents: number | undefined;
  shardEventCapacity: number;
}

export function runIngest(options: SimOptions): IngestRow[] {
  const capacity = options.serviceTimes.shardEventsPerSecond;
  return options.eventRates.map((eventsPerSecond) => {
    const base: Omit<IngestConfig, 'shards' | 'routing'> = {
      seed: options.seed,
      eventsPerSecond,
      queues: options.queues,
      videos: options.videos,
      videoS: options.videoS,
      batchedShare: options.batchedShare,
      batchTimeout: options.batchTimeout,
    };
    const pick = (routing: IngestConfig['routing']): IngestReport =>
      options.shards > 0
        ? modelIngest({ ...base, routing, shards: options.shards })
        : (shardsNeeded({ ...base, routing }, MAX_SHARDS) ??
          modelIngest({ ...base, routing, shards: MAX_SHARDS }));
    let shardsForEvents: number | undefined;
    for (let shards = 1; shards <= MAX_SHARDS && shardsForEvents === undefined; shards *= 2) {
      const report = modelIngest({ ...base, routing: 'by-shard-group', shards });
      if (report.busiestShardEventsPerSecond < capacity * HEADROOM) shardsForEvents = shards;
    }
    return {
      byGroup: pick('by-shard-group'),
      anyQueue: pick('any-queue'),
      shardsForEvents,
      shardEventCapacity: capacity,
    };
  });
}

export { queuesNeeded };

/** The bench's Zipf part as measured (bench/results/<date>.json's `zipf`). */
export interface BenchZipf {
  date: string;
  requests: number;
  rps: number;
  shares: Record<string, number>;
  cronRuns: number;
}

export function benchZipfFrom(file: string): BenchZipf {
  const results = JSON.parse(readFileSync(file, 'utf8')) as { date: string; zipf?: Omit<BenchZipf, 'date'> };
  if (!results.zipf) throw new Error(`${file} has no zipf part: run the bench with --parts zipf`);
  return { date: results.date, ...results.zipf };
}

/** The bench's X-Cache labels for the simulation's layers. */
export const X_CACHE: Record<ServedBy, string> = {
  memory: 'HIT-MEMORY',
  edge: 'HIT-EDGE',
  do: 'HIT-DO',
  kv: 'HIT-KV',
  compute: 'MISS',
};

/** How often the bench's Zipf part runs precompute: its loop sleeps 5 s between runs (scenarios/zipf.ts). */
export const BENCH_PRECOMPUTE_EVERY = 5e3;

/**
 * The bench's Zipf part, simulated: one data center on one machine (no round trips, KV consistent
 * at once), one isolate (workerd runs the api in one), the bench's 30 keys and Zipf(1.1), its
 * request rate for its number of requests, precompute every 5 s from the start, nothing warm but
 * the aggregator's snapshot.
 */
export function benchCheckConfig(seed: number, serviceTimes: ServiceTimes, bench: BenchZipf): CascadeConfig {
  const local: DataCenter = {
    index: 0,
    region: 'enam',
    group: 'the bench machine',
    rttToAggregator: 0,
    rttToRegionReplica: 0,
    share: 1,
  };
  return {
    seed,
    requestsPerSecond: bench.rps,
    dataCenters: [local],
    isolatesPerDataCenter: 1,
    keys: zipfReadKeys(1.1, ['v1']),
    order: 'today',
    edgeScope: 'key',
    kvFirstFromRtt: Number.POSITIVE_INFINITY,
    duration: (bench.requests / bench.rps) * 1000,
    warmup: 0,
    serviceTimes,
    precomputeEvery: BENCH_PRECOMPUTE_EVERY,
    kvPropagationMax: 0,
    rttJitter: RTT_JITTER,
  };
}
