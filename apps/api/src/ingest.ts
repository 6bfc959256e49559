import {
  type IngestResult,
  type KeyedViewEvent,
  keylessDedupKey,
  type NormalizedViewEvent,
  RETRY_AFTER_S,
  scopedDedupKey,
} from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { enqueueIngest, eventsByShard, ingestMessages, shardCount } from './ingest-queue.ts';
import { networkKey, viewerKey } from './keyed-digest.ts';

/**
 * The network the admin seed's events are scoped to: not a client network (clientNetwork gives
 * a CIDR block or `unknown`), so seeding from anywhere counts once and no client can claim its keys.
 */
export const SEED_NETWORK = 'admin-seed';

/**
 * A seeded viewer's network: its own (under SEED_NETWORK), as a real audience's viewers mostly
 * are, so the demo workload ranks under the network evidence; the admin token vouches for it.
 */
export function seedNetwork(viewerId: string): string {
  return `${SEED_NETWORK}:${viewerId}`;
}

let reportedMissingSecret = false;

/**
 * Without VIEWER_KEY_SECRET nothing is ingested (503 `misconfigured`): storing plain hashes
 * instead would make viewers recomputable, and keys made later with the secret would not match
 * them. Logged once per isolate, not once per request.
 */
function viewerKeySecret(env: ApiEnv): string {
  if (env.VIEWER_KEY_SECRET) return env.VIEWER_KEY_SECRET;
  if (!reportedMissingSecret) {
    reportedMissingSecret = true;
    console.error('VIEWER_KEY_SECRET is not set: ingest is refused (wrangler secret put VIEWER_KEY_SECRET)');
  }
  throw new ApiError(503, 'misconfigured', 'Ingest is not configured on this server');
}

/**
 * How an event that came without a dedup key gets one: `{ receivedAt }` (the request's normalizing
 * instant), keylessDedupKey's, the same for a client's retry of the same request; `random`, a
 * fresh random key per event (the admin seed, direct to the shards: every keyless event of its
 * workload counts, as before).
 */
export type KeylessKeys = { receivedAt: number } | 'random';

/**
 * Replaces viewer ids by their keys and gives each event its network's key (`networks`:
 * clientNetwork of the address it came from, one for the whole batch or one per event), which the
 * aggregator counts as evidence (distinct networks, viewers per network) and which scopes its
 * dedup key with the video. Every event leaves with a dedup key, so that a queue redelivery counts
 * once: the client's (its idempotencyKey, or the app's retry tuple), else one derived as `keyless`
 * says (keylessDedupKey: a client's retry of the same keyless request counts once too).
 */
export async function keyEvents(
  env: ApiEnv,
  events: readonly NormalizedViewEvent[],
  networks: string | readonly string[],
  keyless: KeylessKeys,
): Promise<KeyedViewEvent[]> {
  const secret = viewerKeySecret(env);
  const scopes = new Map<string, Promise<string>>();
  const scopeOf = (network: string) => {
    let scope = scopes.get(network);
    if (!scope) {
      scope = networkKey(secret, network);
      scopes.set(network, scope);
    }
    return scope;
  };
  const keyed = await Promise.all(
    events.map(async (e, i) => {
      const network = typeof networks === 'string' ? networks : networks[i];
      if (network === undefined) throw new RangeError(`no network for event ${i}`);
      return { ...e, viewerId: await viewerKey(secret, e.viewerId), networkKey: await scopeOf(network) };
    }),
  );
  // Identical keyless events of one request: the n-th is told apart by n, in request order.
  const seen = new Map<string, number>();
  const keylessKey = (e: (typeof keyed)[number]): string => {
    if (keyless === 'random') return `${RANDOM_KEY_PREFIX}${crypto.randomUUID()}`;
    const first = `${e.networkKey}:${e.videoId}:${keylessDedupKey(e, keyless.receivedAt, 0)}`;
    const occurrence = seen.get(first) ?? 0;
    seen.set(first, occurrence + 1);
    return keylessDedupKey(e, keyless.receivedAt, occurrence);
  };
  return keyed.map((keyedEvent) => {
    const clientKey = keyedEvent.dedupKey ?? keylessKey(keyedEvent);
    // The client's own timestamp only keys a keyless event: nothing downstream reads it.
    const { sentTimestampMs: _keyedBy, ...e } = keyedEvent;
    return { ...e, dedupKey: scopedDedupKey(e.networkKey, { ...e, dedupKey: clientKey }) as string };
  });
}

/** The random key the seed gives an event that came without one (never a client's: `k:`, `c:`). */
const RANDOM_KEY_PREFIX = 'r:';

/**
 * The ingest hot path: keys the events and enqueues them, grouped by shard, with one sendBatch
 * (ingest-queue.ts); the aggregator's queue consumer commits them, decides which are retries of
 * events already counted, and writes the others to Analytics Engine (the production record) where
 * it commits them (apps/aggregator/src/view-record.ts). `accepted`: events enqueued.
 */
export async function ingestEvents(
  env: ApiEnv,
  aggregator: string,
  events: NormalizedViewEvent[],
  networks: string | readonly string[],
  receivedAt: number,
): Promise<IngestResult> {
  const shards = shardCount(env);
  const keyed = await keyEvents(env, events, networks, { receivedAt });
  await enqueueIngest(env, ingestMessages(aggregator, shards, keyed), shards);
  return { accepted: keyed.length };
}

/**
 * Commits events in the aggregator directly, one ingest call per shard, bypassing the queue; for
 * the admin seed only (routes/admin.ts says why). The outcome sums the shards'.
 */
export async function ingestDirect(
  env: ApiEnv,
  aggregator: string,
  events: NormalizedViewEvent[],
  networks: string | readonly string[],
): Promise<{ accepted: number; duplicates: number }> {
  const shards = shardCount(env);
  const keyed = await keyEvents(env, events, networks, 'random');
  const total = { accepted: 0, duplicates: 0 };
  for (const [object, group] of eventsByShard(aggregator, shards, keyed)) {
    let outcome: Awaited<ReturnType<ReturnType<typeof aggregatorStub>['ingest']>>;
    try {
      outcome = await aggregatorStub(env, object).ingest(group);
    } catch (err) {
      console.error('aggregator ingest failed', err);
      throw new ApiError(503, 'store_unavailable', 'Event store unavailable, retry later', {
        headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
      });
    }
    total.accepted += outcome.accepted;
    total.duplicates += outcome.duplicates;
  }
  return total;
}
