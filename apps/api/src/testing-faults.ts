// Faults for the tests, wrapped around the real local bindings by the tests themselves: production
// code has no hook for any of them. The fault suite (faults.test.ts) passes a wrapped env to the
// api Worker through fetchSettled (testing.ts); the test entry (test-entry.ts) wraps one per
// request from its `x-test-faults` header. Only that request sees the fault.
import { env } from 'cloudflare:workers';
import { ingestQueueBinding, LAYER_BUDGETS_MS, LIMITS } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';

export type KvFault = 'throw' | 'slow';
/**
 * - `throw`: every read-path call fails, as an object that keeps crashing or cannot be reached does;
 * - `hang`: no read-path call ever answers (other calls, such as read counts sent after the
 *   response, still do, so that the test can wait for the request's background work to end);
 * - `evict`: the object loses its memory (its snapshots) right as the read arrives, as when the
 *   runtime evicts it mid-request; what it persisted in SQLite stays;
 * - `source-fail` / `source-slow`: only the computation from the source fails or takes 600 ms;
 * - `peek-slow`: only the memory read the DO layer makes takes 500 ms (a far data center's round
 *   trip under load); the object itself, and its other calls, answer at once.
 */
export type AggregatorFault = 'throw' | 'hang' | 'evict' | 'source-fail' | 'source-slow' | 'peek-slow';

export interface Faults {
  kv?: KvFault;
  aggregator?: AggregatorFault;
  /** The api's metrics dataset (Analytics Engine) throws on every write. */
  metricsDataset?: 'throw';
  /** The ingest queue refuses every send, as Queues does when it is down or over its limits. */
  /** Every ingest queue refuses its sends, or only the queue of one shard group. */
  queue?: 'refuse' | { refuseGroup: number };
  /** Layer budgets, as production sets them (the test config's are generous for loaded CI). */
  budgets?: Pick<ApiEnv, 'EDGE_BUDGET_MS' | 'DO_BUDGET_MS' | 'KV_BUDGET_MS' | 'COMPUTE_BUDGET_MS'>;
}

/** How long a slow dependency takes: far beyond the production budget of the layer it serves. */
export const SLOW_MS = 500;
export const SLOW_SOURCE_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => {});

/**
 * Forwards every property of a binding, except the ones `override` answers. Methods are called
 * on the binding itself (an RPC stub answers any property name, so nothing is bound or probed).
 */
function wrap<T extends object>(target: T, override: (name: string) => unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      const replaced = typeof prop === 'string' ? override(prop) : undefined;
      if (replaced !== undefined) return replaced;
      return (...args: unknown[]) =>
        Reflect.apply(Reflect.get(t, prop) as (...a: unknown[]) => unknown, t, args);
    },
  });
}

/** The aggregator's methods on the read path; the others (read counts, ops) keep working. */
const READ_PATH = new Set(['peek', 'read', 'adopt']);

function faultyKv(kv: KVNamespace, fault: KvFault): KVNamespace {
  return wrap(kv, (name) => {
    if (name !== 'get') return undefined;
    return async (...args: Parameters<KVNamespace['get']>) => {
      if (fault === 'throw') throw new Error('KV GET failed: 500 Internal Server Error');
      await sleep(SLOW_MS);
      return kv.get(...args);
    };
  });
}

type AggregatorStub = ReturnType<ApiEnv['AGGREGATOR']['get']>;

function faultyAggregatorStub(stub: AggregatorStub, fault: AggregatorFault): AggregatorStub {
  return wrap(stub, (name) => {
    if (fault === 'throw' && READ_PATH.has(name)) {
      return () => Promise.reject(new Error('Durable Object reset because its code was updated.'));
    }
    if (fault === 'hang' && READ_PATH.has(name)) return never;
    if (fault === 'evict' && name === 'peek') {
      return async (window: Parameters<AggregatorStub['peek']>[0]) => {
        await stub.dropSnapshot(window);
        return stub.peek(window);
      };
    }
    if (fault === 'source-fail' && name === 'read') {
      return () => Promise.reject(new Error('D1_ERROR: no such table: rollups: SQLITE_ERROR'));
    }
    if (fault === 'peek-slow' && name === 'peek') {
      return async (window: Parameters<AggregatorStub['peek']>[0]) => {
        await sleep(SLOW_MS);
        return stub.peek(window);
      };
    }
    if (fault === 'source-slow' && name === 'read') {
      return async (window: Parameters<AggregatorStub['read']>[0]) => {
        await sleep(SLOW_SOURCE_MS);
        return stub.read(window);
      };
    }
    return undefined;
  });
}

function faultyAggregators(namespace: ApiEnv['AGGREGATOR'], fault: AggregatorFault): ApiEnv['AGGREGATOR'] {
  return wrap(namespace, (name) =>
    name === 'get' ? (id: DurableObjectId) => faultyAggregatorStub(namespace.get(id), fault) : undefined,
  );
}

/** `base` (the test's env unless given) with the given faults wrapped around its real bindings. */
export function faultyEnv(faults: Faults, base: ApiEnv = env as ApiEnv): ApiEnv {
  const real = base;
  const bindings: ApiEnv = { ...real, ...faults.budgets };
  if (faults.kv) bindings.TRENDING_KV = faultyKv(real.TRENDING_KV, faults.kv);
  if (faults.aggregator) bindings.AGGREGATOR = faultyAggregators(real.AGGREGATOR, faults.aggregator);
  if (faults.metricsDataset) {
    bindings.TRENDING_METRICS = {
      writeDataPoint() {
        throw new Error('Analytics Engine: writeDataPoint failed');
      },
    };
  }
  if (faults.queue) {
    // The ingest queues (one per shard group) that refuse.
    const all = bindings as unknown as Record<string, ApiEnv['INGEST_QUEUE'] | undefined>;
    for (let group = 0; group < LIMITS.ingestQueue.maxGroups; group++) {
      const name = ingestQueueBinding(group);
      const queue = all[name];
      if (!queue) break;
      if (faults.queue === 'refuse' || faults.queue.refuseGroup === group) all[name] = refusingQueue(queue);
    }
  }
  return bindings;
}

/** A producer binding whose sends all fail, with the error Queues gives when it cannot take them. */
function refusingQueue(queue: ApiEnv['INGEST_QUEUE']): ApiEnv['INGEST_QUEUE'] {
  return wrap(queue, (name) =>
    name === 'send' || name === 'sendBatch'
      ? () => Promise.reject(new Error('Queue send failed: 503 Service Unavailable'))
      : undefined,
  );
}

/** The production budgets (trending-core's LAYER_BUDGETS_MS), for the faults that are about time. */
export const PRODUCTION_BUDGETS = {
  EDGE_BUDGET_MS: String(LAYER_BUDGETS_MS.edge),
  DO_BUDGET_MS: String(LAYER_BUDGETS_MS.doSnapshot),
  KV_BUDGET_MS: String(LAYER_BUDGETS_MS.kv),
  COMPUTE_BUDGET_MS: String(LAYER_BUDGETS_MS.compute),
};

/**
 * `base` with every aggregator stub's stats() counted (per aggregator name), and optionally its
 * answer changed, for tests of what reads the stats (GET /v1/health). The calls are the ones
 * that reached the stub: what the aggregator would have served.
 */
export function countedStats(
  base: ApiEnv = env as ApiEnv,
  change?: (stats: AggregatorStats) => AggregatorStats,
): { bindings: ApiEnv; statsCalls: () => number } {
  let calls = 0;
  const namespace = base.AGGREGATOR;
  const counted = wrap(namespace, (name) =>
    name === 'get'
      ? (id: DurableObjectId) => {
          const stub = namespace.get(id);
          return wrap(stub, (method) =>
            method === 'stats'
              ? async () => {
                  calls += 1;
                  const stats = await stub.stats();
                  return change ? change(stats) : stats;
                }
              : undefined,
          );
        }
      : undefined,
  );
  return { bindings: { ...base, AGGREGATOR: counted }, statsCalls: () => calls };
}

type AggregatorStats = Awaited<ReturnType<AggregatorStub['stats']>>;
