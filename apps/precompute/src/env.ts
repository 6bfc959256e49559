/// <reference path="../worker-bindings.d.ts" />
import type { EdgeWarmerRpc } from '@openvine/trending-core';

/**
 * The precompute Worker's bindings: what `wrangler types` generates from wrangler.jsonc
 * (worker-bindings.d.ts, `pnpm types`; under a name of its own rather than the global `Env`,
 * because the api and ops-example programs compile this source beside their own `Env`), with
 * what it cannot express. The one place they are declared.
 */
export interface PrecomputeEnv
  extends Omit<
    PrecomputeBindings,
    'API' | 'AE_ACCOUNT_ID' | 'AE_VIEW_DATASET' | 'PURGE_ZONE_ID' | 'NOSTR_RELAYS'
  > {
  /**
   * The api's EdgeWarmer entrypoint. Typed from trending-core's contract: typing it from the
   * api's source would need the api's config and source here, and the api depends on us.
   */
  API: Service<EdgeWarmerRpc & Rpc.WorkerEntrypointBranded>;
  /** The record (Analytics Engine SQL API) for checkRecord: account id (a var, empty: off), dataset. */
  AE_ACCOUNT_ID?: string;
  AE_VIEW_DATASET?: string;
  /** Optional secret (Account Analytics: Read), so not in wrangler.jsonc's required secrets. */
  AE_API_TOKEN?: string;
  /** Tests point the record at a stand-in. */
  AE_SQL_ENDPOINT?: string;
  /**
   * Cloudflare's purge by tag for moderation (moderation.ts): the api's zone id (a var, empty:
   * off) and a token with Zone: Cache Purge (an optional secret); unset, the purge is skipped.
   */
  PURGE_ZONE_ID?: string;
  PURGE_API_TOKEN?: string;
  /** Tests point the purge API at a stand-in. */
  PURGE_API_ENDPOINT?: string;
  /** The relay bridge's relays: comma-separated wss:// URLs (a var, empty: off; relay-config.ts). */
  NOSTR_RELAYS?: string;
}
