import {
  type IngestResult,
  type NormalizedViewEvent,
  RETRY_AFTER_S,
  scopedDedupKey,
} from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';
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
 * Stores validated events in the aggregator (the live store), which decides which are duplicates
 * and writes the others to Analytics Engine (the production record) where it commits them, so a
 * lost answer or a retry neither drops nor doubles a point (apps/aggregator/src/view-record.ts).
 * Before they leave this Worker, viewer ids are replaced by their keys, and each event carries
 * its network's key (`networks`: clientNetwork of the address it came from, one for the whole
 * batch or one per event), which the aggregator counts as evidence (distinct networks, viewers
 * per network) and which scopes its dedup key with the video.
 */
export async function ingestEvents(
  env: ApiEnv,
  aggregator: string,
  events: NormalizedViewEvent[],
  networks: string | readonly string[],
): Promise<IngestResult> {
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
    events.map(async (e, i): Promise<NormalizedViewEvent> => {
      const network = typeof networks === 'string' ? networks : networks[i];
      if (network === undefined) throw new RangeError(`no network for event ${i}`);
      const scope = await scopeOf(network);
      const dedupKey = scopedDedupKey(scope, e);
      const { dedupKey: _clientKey, ...rest } = e;
      return {
        ...rest,
        viewerId: await viewerKey(secret, e.viewerId),
        networkKey: scope,
        ...(dedupKey ? { dedupKey } : {}),
      };
    }),
  );
  let outcome: Awaited<ReturnType<ReturnType<typeof aggregatorStub>['ingest']>>;
  try {
    outcome = await aggregatorStub(env, aggregator).ingest(keyed);
  } catch (err) {
    console.error('aggregator ingest failed', err);
    throw new ApiError(503, 'store_unavailable', 'Event store unavailable, retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
    });
  }
  return { accepted: outcome.accepted, duplicates: outcome.duplicates };
}
