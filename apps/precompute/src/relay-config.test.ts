import { LIMITS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { parseRelayUrls } from './relay-config.ts';

describe('NOSTR_RELAYS (parseRelayUrls)', () => {
  it('is off when empty or unset', () => {
    expect(parseRelayUrls('')).toEqual([]);
    expect(parseRelayUrls(undefined)).toEqual([]);
    expect(parseRelayUrls(' , ')).toEqual([]);
  });

  it('takes comma-separated wss:// URLs, once each, skipping what is not a WebSocket URL', () => {
    expect(
      parseRelayUrls(
        ' wss://relay.divine.video , https://not-a-relay.example, wss://relay.divine.video,nonsense,wss://nos.lol/',
      ),
    ).toEqual(['wss://relay.divine.video/', 'wss://nos.lol/']);
  });

  it(`keeps the first ${LIMITS.relayBridge.relays} relays`, () => {
    const many = Array.from({ length: LIMITS.relayBridge.relays + 3 }, (_, i) => `wss://r${i}.example/`);
    expect(parseRelayUrls(many.join(','))).toEqual(many.slice(0, LIMITS.relayBridge.relays));
  });
});
