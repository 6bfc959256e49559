// Helpers for precompute's tests (imported by *.test.ts only; never by the Worker).
import { env, exports } from 'cloudflare:workers';
import type { InvalidationTarget, TrendingAggregator } from '@openvine/aggregator';
import {
  edgeCacheUrl,
  type NormalizedViewEvent,
  parseSnapshotETag,
  type ResponseFormat,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';

/**
 * This Worker as its callers reach it: the plugin's `exports.default` runs the default export's
 * handlers in this Worker's runtime and passes the argument on as the controller; its type (a
 * Fetcher of the entrypoint) omits `scheduled`.
 */
export const precompute = exports.default;

/**
 * The test's bindings as the Worker's code takes them (PrecomputeEnv). The generated `Env`
 * leaves API (the api's EdgeWarmer) untyped, as env.ts explains; the binding itself is real.
 */
export const bindings: PrecomputeEnv = { ...env, API: env.API as PrecomputeEnv['API'] };

/**
 * What one run writes to KV, in key order, written out so a reader can check it: `top:{window}`
 * and `pre:{window}:{limit}` for the limits 10, 20, 50, 100 (3 windows x 5 = 15 keys).
 */
export const RUN_KEYS = [
  'pre:1h:10',
  'pre:1h:100',
  'pre:1h:20',
  'pre:1h:50',
  'pre:24h:10',
  'pre:24h:100',
  'pre:24h:20',
  'pre:24h:50',
  'pre:7d:10',
  'pre:7d:100',
  'pre:7d:20',
  'pre:7d:50',
  'top:1h',
  'top:24h',
  'top:7d',
];
const cron = exports.default as unknown as {
  scheduled(controller: Pick<ScheduledController, 'cron' | 'scheduledTime'>): Promise<void>;
};

/** Runs the every-minute cron as Cloudflare would; a handler that throws rejects here. */
export function runCron(): Promise<void> {
  return cron.scheduled({ cron: '* * * * *', scheduledTime: Date.now() });
}

/** A fresh aggregator object for one test: its own Durable Object, its own KV and edge keys. */
export function newAggregator(): string {
  return `test-${crypto.randomUUID()}`;
}

export function aggregatorStub(name: string): DurableObjectStub<TrendingAggregator> {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/** A Nostr event id: 64 lowercase hex characters, unique per call. */
function randomVideoId(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Ingests one fully watched view_end from each of `viewers` distinct viewers of a new video
 * (one batch, at most 100) and returns its id. Videos that differ only in their number of
 * viewers rank by it: more viewers, higher score (5 is the least that ranks at all, from 3
 * networks: each viewer here has its own).
 */
export async function ingestVideo(aggregator: string, viewers: number): Promise<string> {
  const videoId = randomVideoId();
  const now = Date.now();
  const events: NormalizedViewEvent[] = Array.from({ length: viewers }, (_, i) => ({
    videoId,
    viewerId: `viewer-${videoId.slice(0, 8)}-${i}`,
    // Each viewer from a network of its own, as the api keys a real audience's (distinct /24s).
    networkKey: `net-${videoId.slice(0, 8)}-${i}`,
    eventType: 'view_end',
    timestampMs: now,
    watchMs: 6000,
    durationMs: 6000,
    loops: 1,
  }));
  const outcome = await aggregatorStub(aggregator).ingest(events);
  if (outcome.accepted !== viewers) throw new Error(`ingest accepted ${outcome.accepted} of ${viewers}`);
  return videoId;
}

/** The KV keys under a prefix (a test's scope), sorted. */
export async function kvKeys(prefix: string): Promise<string[]> {
  const { keys } = await env.TRENDING_KV.list({ prefix });
  return keys.map((k) => k.name).sort();
}

export interface StoredSnapshot {
  window: TrendingWindow;
  generation: number;
  videos: { videoId: string; uniqueViewers: number }[];
}

export async function kvSnapshot(key: string): Promise<StoredSnapshot | null> {
  return env.TRENDING_KV.get<StoredSnapshot>(key, 'json');
}

/** The body of the api's edge entry for a read (what a client in this data center would get). */
export async function edgeEntry(
  format: ResponseFormat,
  window: TrendingWindow,
  limit: number,
  scope: string,
): Promise<{ generation: number; body: unknown } | null> {
  const res = await caches.default.match(edgeCacheUrl(format, window, limit, scope));
  if (!res) return null;
  return {
    generation: parseSnapshotETag(res.headers.get('etag') ?? '')?.generation ?? Number.NaN,
    body: await res.json(),
  };
}

/**
 * A KV namespace that passes everything through to `kv` but holds back the puts of the keys
 * `held` matches until the test calls `release()`; `arrived` resolves at the first one held. A
 * test drives an interleaving with it: a run paused just before it writes, then let go.
 */
export function kvHoldingPuts(kv: KVNamespace, held: (key: string) => boolean) {
  let arrive = () => {};
  let release = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const namespace = {
    get: (key: string, type: 'json') => kv.get(key, type),
    put: async (key: string, value: string, options: KVNamespacePutOptions) => {
      if (held(key)) {
        arrive();
        await released;
      }
      await kv.put(key, value, options);
    },
  };
  return { kv: namespace as unknown as KVNamespace, arrived, release };
}

/**
 * The aggregator namespace as an invalidation uses it (lock, invalidate, unlock), with `refused`
 * resolving the first time the run lock is refused to it: proof that it is waiting for the lock.
 */
export function aggregatorWatchingTheLock(namespace: DurableObjectNamespace<TrendingAggregator>) {
  let refuse = () => {};
  const refused = new Promise<void>((resolve) => {
    refuse = resolve;
  });
  const watched = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id);
      return {
        tryLockRun: async (owner: string, ttlMs: number) => {
          const taken = await stub.tryLockRun(owner, ttlMs);
          if (!taken) refuse();
          return taken;
        },
        unlockRun: (owner: string, report?: unknown) => stub.unlockRun(owner, report),
        invalidate: (target: InvalidationTarget) => stub.invalidate(target),
      };
    },
  };
  return { namespace: watched as unknown as DurableObjectNamespace<TrendingAggregator>, refused };
}

/**
 * The aggregator namespace with every call passed through, and `owners` listing the owners that
 * asked for the run lock: a test can then drop a run's lock as its expiry would.
 */
export function aggregatorRecordingLockOwners(namespace: DurableObjectNamespace<TrendingAggregator>) {
  const owners: string[] = [];
  const recording = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id);
      return new Proxy(stub, {
        get(target, property) {
          if (property === 'tryLockRun')
            return (owner: string, ttlMs: number) => {
              if (!owners.includes(owner)) owners.push(owner);
              return target.tryLockRun(owner, ttlMs);
            };
          const value = Reflect.get(target, property);
          // Reflect.apply, not value.apply: an RPC stub's method would take `apply` for a remote method.
          return typeof value === 'function'
            ? (...args: unknown[]) => Reflect.apply(value, target, args)
            : value;
        },
      });
    },
  };
  return { namespace: recording as unknown as DurableObjectNamespace<TrendingAggregator>, owners };
}
