// The workerd side of the NIP-01 relay stand-in (test/nostr-relay-stand-in.ts, a vitest
// globalSetup in Node), for the relay bridge's tests; imported by *.test.ts only.
import type { NostrEvent } from '@openvine/trending-core';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stand-in relay's base URL, `http://127.0.0.1:<port>`. */
    relayStandIn: string;
  }
}

/** The REQ filter the bridge sends. */
export interface ReqFilter {
  kinds?: number[];
  since?: number;
}

/** A relay of the stand-in's own for one test: empty until events are stored. */
export function standInRelay() {
  const base = `${inject('relayStandIn')}/relays/${crypto.randomUUID()}`;
  const call = async (action: string, init?: RequestInit) => {
    const response = await fetch(`${base}/${action}`, init);
    if (!response.ok) throw new Error(`stand-in relay ${action}: ${response.status}`);
    return response;
  };
  return {
    /** What the bridge is configured with. */
    url: base.replace(/^http/, 'ws'),
    /** Stores an event; open subscriptions get it as a live event. */
    async publish(event: NostrEvent | Record<string, unknown>): Promise<void> {
      await call('events', { method: 'POST', body: JSON.stringify(event) });
    },
    /** The REQ filters the relay received, in order. */
    async reqs(): Promise<ReqFilter[]> {
      return (await call('reqs')).json<ReqFilter[]>();
    },
    /** Closes every socket to the relay, as a relay restart would. */
    async drop(): Promise<void> {
      await call('drop', { method: 'POST' });
    },
  };
}
