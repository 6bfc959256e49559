import { runInDurableObject } from 'cloudflare:test';
import { INTERVALS, VIDEO_EVENT_KINDS } from '@openvine/trending-core';
import { signedVideoEvent } from '@openvine/trending-core/nostr-signing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PrecomputeEnv } from './env.ts';
import { relayBridgeFor } from './relay-bridge.ts';
import { aggregatorStub, bindings, newAggregator, precompute } from './testing.ts';
import { standInRelay } from './testing-relay.ts';

// The relay bridge against a NIP-01 relay stand-in on a local port (test/nostr-relay-stand-in.ts):
// real outbound WebSockets from the Durable Object, real aggregator. Each test has its own
// aggregator (so its own bridge object), its own relay and its own signing seed.

const WAIT = { timeout: 10_000, interval: 50 };
const nowS = () => Math.floor(Date.now() / 1000);

/** Bridges opened by a test, closed after it so no socket outlives the test. */
const opened: string[] = [];
afterEach(async () => {
  for (const aggregator of opened.splice(0))
    await relayBridgeFor(bindings, aggregator).sync({ aggregator, relays: [] });
});

function bridge(aggregator: string, relays: string[]) {
  opened.push(aggregator);
  return relayBridgeFor(bindings, aggregator).sync({ aggregator, relays });
}

async function relayStatus(aggregator: string) {
  const [status] = await relayBridgeFor(bindings, aggregator).status();
  if (!status) throw new Error('the bridge lists no relay');
  return status;
}

async function titles(aggregator: string, ids: string[]) {
  const meta = await aggregatorStub(aggregator).videoMetadata(ids);
  return Object.fromEntries(Object.entries(meta).map(([id, m]) => [id, m.title]));
}

/**
 * Installs, in the test's own bridge object, an aggregator binding whose `registerVideos` is
 * held for `holdMs` on its first call and fails once on the first batch holding `failsOn`; it
 * lists the ids of each batch it was given.
 */
async function flakyAggregatorIn(aggregator: string, failsOn: string, holdMs: number) {
  const batches: string[][] = [];
  let calls = 0;
  let failed = false;
  const namespace = bindings.AGGREGATOR;
  const flaky = {
    async registerVideos(records: { id: string }[]) {
      batches.push(records.map((r) => r.id));
      calls += 1;
      if (calls === 1) await new Promise((resolve) => setTimeout(resolve, holdMs));
      if (!failed && records.some((r) => r.id === failsOn)) {
        failed = true;
        throw new Error('aggregator unreachable');
      }
      // A stub made here, in the bridge's own call: a stub is bound to the call that made it.
      const real = aggregatorStub(aggregator);
      return real.registerVideos(records as Parameters<typeof real.registerVideos>[0]);
    },
  };
  const AGGREGATOR = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: () => flaky,
  } as unknown as PrecomputeEnv['AGGREGATOR'];
  await runInDurableObject(relayBridgeFor(bindings, aggregator), (instance) => {
    const object = instance as unknown as { env: PrecomputeEnv };
    object.env = { ...object.env, AGGREGATOR };
  });
  return batches;
}

describe('relay bridge (NOSTR_RELAYS): signed video events from relays become metadata', () => {
  it("registers a relay's stored events, then its live ones, as the videos' metadata", async () => {
    const aggregator = newAggregator();
    const seed = `relay-stored-${crypto.randomUUID()}`;
    const relay = standInRelay();
    const first = signedVideoEvent(seed, { d: 'a', title: 'Sunrise loop', createdAt: nowS() - 600 });
    const second = signedVideoEvent(seed, { d: 'b', title: 'Harbour at dusk', createdAt: nowS() - 300 });
    await relay.publish(first);
    await relay.publish(second);

    await bridge(aggregator, [relay.url]);
    await vi.waitFor(async () => {
      expect(await titles(aggregator, [first.id, second.id])).toEqual({
        [first.id]: 'Sunrise loop',
        [second.id]: 'Harbour at dusk',
      });
    }, WAIT);
    const [req] = await relay.reqs();
    expect(req).toEqual({ kinds: [...VIDEO_EVENT_KINDS] });

    const live = signedVideoEvent(seed, { d: 'c', title: 'Live one', createdAt: nowS() - 10 });
    await relay.publish(live);
    await vi.waitFor(async () => {
      expect(await titles(aggregator, [live.id])).toEqual({ [live.id]: 'Live one' });
    }, WAIT);
    expect(await relayStatus(aggregator)).toMatchObject({
      eventsReceived: 3,
      eventsRegistered: 3,
      eventsRefused: 0,
    });
  });

  it('refuses and counts a mis-signed event, registering nothing of it', async () => {
    const aggregator = newAggregator();
    const seed = `relay-forged-${crypto.randomUUID()}`;
    const relay = standInRelay();
    const genuine = signedVideoEvent(seed, { d: 'a', title: 'Genuine', createdAt: nowS() - 200 });
    const signed = signedVideoEvent(seed, { d: 'b', title: 'Signed title', createdAt: nowS() - 100 });
    // Another key's signature over the same id: the id holds, the signature does not.
    const other = signedVideoEvent(`other-${seed}`, {
      d: 'b',
      title: 'Signed title',
      createdAt: nowS() - 100,
    });
    const forged = { ...signed, sig: other.sig };
    await relay.publish(genuine);
    await relay.publish(forged);

    await bridge(aggregator, [relay.url]);
    await vi.waitFor(async () => {
      expect(await relayStatus(aggregator)).toMatchObject({
        eventsReceived: 2,
        eventsRegistered: 1,
        eventsRefused: 1,
      });
    }, WAIT);
    expect(await titles(aggregator, [genuine.id, forged.id])).toEqual({ [genuine.id]: 'Genuine' });
    expect((await relayStatus(aggregator)).lastError).toMatch(/bad_signature/);
  });

  it('reconnects after the relay drops it, resubscribing from the last created_at seen', async () => {
    const aggregator = newAggregator();
    const seed = `relay-resume-${crypto.randomUUID()}`;
    const relay = standInRelay();
    const newest = nowS() - 120;
    await relay.publish(signedVideoEvent(seed, { d: 'a', title: 'Older', createdAt: newest - 500 }));
    await relay.publish(signedVideoEvent(seed, { d: 'b', title: 'Newest', createdAt: newest }));

    await bridge(aggregator, [relay.url]);
    await vi.waitFor(async () => {
      expect(await relayStatus(aggregator)).toMatchObject({
        state: 'open',
        lastCreatedAt: newest,
        eventsRegistered: 2,
      });
    }, WAIT);
    await relay.drop();

    await vi.waitFor(async () => {
      expect(await relay.reqs()).toHaveLength(2);
    }, WAIT);
    const [firstReq, secondReq] = await relay.reqs();
    expect(firstReq).toEqual({ kinds: [...VIDEO_EVENT_KINDS] });
    expect(secondReq).toEqual({
      kinds: [...VIDEO_EVENT_KINDS],
      since: newest - INTERVALS.relaySinceOverlapS,
    });
    await vi.waitFor(async () => {
      expect(await relayStatus(aggregator)).toMatchObject({ state: 'open', reconnects: 1 });
    }, WAIT);
    // The overlap re-sends the newest event: it is already stored, so not counted again.
    expect((await relayStatus(aggregator)).eventsRegistered).toBe(2);
  });

  it('asks again for stored events whose registration failed, even when newer ones were registered before', async () => {
    const aggregator = newAggregator();
    const seed = `relay-failed-${crypto.randomUUID()}`;
    const relay = standInRelay();
    const newest = signedVideoEvent(seed, { d: 'a', title: 'Newest', createdAt: nowS() - 100 });
    const older = signedVideoEvent(seed, { d: 'b', title: 'Older', createdAt: nowS() - 400 });
    const oldest = signedVideoEvent(seed, { d: 'c', title: 'Oldest', createdAt: nowS() - 700 });
    for (const event of [newest, older, oldest]) await relay.publish(event);
    // The first registration is held while the other stored events and EOSE arrive; the next
    // batch, with the older ones, fails (the aggregator briefly out of reach).
    const batches = await flakyAggregatorIn(aggregator, older.id, 500);

    await bridge(aggregator, [relay.url]);
    await vi.waitFor(async () => {
      expect(await titles(aggregator, [newest.id, older.id, oldest.id])).toEqual({
        [newest.id]: 'Newest',
        [older.id]: 'Older',
        [oldest.id]: 'Oldest',
      });
    }, WAIT);
    // What the test is about: the newest was registered alone, then the batch with the older
    // ones failed, and the subscription after it asked for everything again (no `since`).
    expect(batches[0]).toEqual([newest.id]);
    expect(batches[1]).toContain(older.id);
    const reqs = await relay.reqs();
    expect(reqs).toHaveLength(2);
    expect(reqs[1]).toEqual({ kinds: [...VIDEO_EVENT_KINDS] });
    expect((await relayStatus(aggregator)).lastError).toMatch(/registerVideos failed/);
  });

  it('never resubscribes from a created_at ahead of the clock', async () => {
    const aggregator = newAggregator();
    const seed = `relay-ahead-${crypto.randomUUID()}`;
    const relay = standInRelay();
    // Within the 5 minutes ahead that verification allows.
    const ahead = signedVideoEvent(seed, { d: 'a', title: 'From the future', createdAt: nowS() + 240 });
    await relay.publish(ahead);

    await bridge(aggregator, [relay.url]);
    await vi.waitFor(async () => {
      expect(await relayStatus(aggregator)).toMatchObject({ state: 'open', eventsRegistered: 1 });
    }, WAIT);
    const registeredBy = nowS();
    await relay.drop();
    await vi.waitFor(async () => {
      expect(await relay.reqs()).toHaveLength(2);
    }, WAIT);
    // A `since` of the event's own created_at (less the overlap) would hide from the new
    // subscription every event published in the next three minutes.
    const since = (await relay.reqs())[1]?.since ?? Number.NaN;
    expect(since).toBeLessThanOrEqual(registeredBy - INTERVALS.relaySinceOverlapS);
  });

  it("shows each relay's state in the precompute status (GET /v1/admin/status)", async () => {
    const aggregator = newAggregator();
    const relay = standInRelay();
    // Nothing listens on port 1 of the loopback: the connection is refused.
    const unreachable = 'ws://127.0.0.1:1/';
    await relay.publish(
      signedVideoEvent(`relay-status-${crypto.randomUUID()}`, { d: 'a', createdAt: nowS() - 60 }),
    );

    await bridge(aggregator, [relay.url, unreachable]);
    await vi.waitFor(async () => {
      const { relays } = await precompute.status({ aggregator });
      expect(relays).toMatchObject([
        { url: relay.url, state: 'open', eventsReceived: 1, eventsRegistered: 1 },
        { url: unreachable, state: 'backoff', eventsReceived: 0, lastCreatedAt: null },
      ]);
      expect(relays[1]?.lastError).toEqual(expect.any(String));
    }, WAIT);
  });

  it('keeps an alarm while relays are configured (it reconnects after an eviction), none once they are not', async () => {
    const aggregator = newAggregator();
    const relay = standInRelay();
    const stub = relayBridgeFor(bindings, aggregator);
    const alarm = () => runInDurableObject(stub, (_bridge, state) => state.storage.getAlarm());

    await bridge(aggregator, [relay.url]);
    expect(await alarm()).toEqual(expect.any(Number));
    await stub.sync({ aggregator, relays: [] });
    expect(await alarm()).toBeNull();
    expect(await stub.status()).toEqual([]);
  });
});
