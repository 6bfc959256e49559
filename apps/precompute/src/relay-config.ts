import { LIMITS } from '@openvine/trending-core';

/**
 * The relays the bridge subscribes to, from the NOSTR_RELAYS var: comma-separated `wss://` URLs
 * (`ws://` too, for a relay on the local machine), deduplicated, at most LIMITS.relayBridge.relays.
 * Anything else is skipped with a warning: a typo in one URL must not stop the others.
 */
export function parseRelayUrls(value: string | undefined): string[] {
  const urls: string[] = [];
  for (const part of (value ?? '').split(',')) {
    const text = part.trim();
    if (!text) continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      console.warn(`NOSTR_RELAYS: skipped ${JSON.stringify(text)}, not a URL`);
      continue;
    }
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
      console.warn(`NOSTR_RELAYS: skipped ${JSON.stringify(text)}, not a wss:// URL`);
      continue;
    }
    if (!urls.includes(url.href)) urls.push(url.href);
  }
  if (urls.length > LIMITS.relayBridge.relays) {
    console.warn(`NOSTR_RELAYS: only the first ${LIMITS.relayBridge.relays} relays are used`);
  }
  return urls.slice(0, LIMITS.relayBridge.relays);
}
