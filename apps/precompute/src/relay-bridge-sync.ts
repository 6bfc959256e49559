import { AGGREGATOR_OBJECT_NAME } from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { relayBridgeFor } from './relay-bridge.ts';
import { parseRelayUrls } from './relay-config.ts';

/**
 * The cron's poke of the production bridge: hands it NOSTR_RELAYS (so a changed var takes effect
 * within a minute, and an empty one closes every socket) and restarts it after an eviction. A
 * failure is logged, never thrown: the precompute run beside it must not fail with it.
 */
export async function syncRelayBridge(env: PrecomputeEnv): Promise<void> {
  try {
    await relayBridgeFor(env).sync({
      aggregator: AGGREGATOR_OBJECT_NAME,
      relays: parseRelayUrls(env.NOSTR_RELAYS),
    });
  } catch (err) {
    console.error('relay bridge sync failed', err);
  }
}
