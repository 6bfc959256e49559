import { VIDEO_EVENT_KINDS } from '@openvine/trending-core';

/**
 * NIP-01 on the client side, as the relay bridge speaks it: the REQ it sends, and the relay
 * messages it acts on. Anything else a relay sends (OK, AUTH, a malformed frame) is `other`.
 */

/** The REQ for video events (kinds 34236, 21, 22), from `since` (seconds) when given. */
export function videoEventsReq(subscriptionId: string, since: number | null): string {
  const filter: { kinds: number[]; since?: number } = { kinds: [...VIDEO_EVENT_KINDS] };
  if (since !== null) filter.since = since;
  return JSON.stringify(['REQ', subscriptionId, filter]);
}

export type RelayMessage =
  | { type: 'EVENT'; subscriptionId: string; event: unknown }
  | { type: 'EOSE'; subscriptionId: string }
  | { type: 'CLOSED'; subscriptionId: string; message: string }
  | { type: 'NOTICE'; message: string }
  | { type: 'other' };

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** One WebSocket frame from a relay, parsed; the event itself is left for verifyVideoEvent. */
export function parseRelayMessage(frame: string | ArrayBuffer): RelayMessage {
  if (typeof frame !== 'string') return { type: 'other' };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { type: 'other' };
  }
  if (!Array.isArray(value)) return { type: 'other' };
  const [type, first, second] = value as unknown[];
  switch (type) {
    case 'EVENT':
      return typeof first === 'string' ? { type, subscriptionId: first, event: second } : { type: 'other' };
    case 'EOSE':
      return typeof first === 'string' ? { type, subscriptionId: first } : { type: 'other' };
    case 'CLOSED':
      return typeof first === 'string'
        ? { type, subscriptionId: first, message: text(second) }
        : { type: 'other' };
    case 'NOTICE':
      return { type, message: text(first) };
    default:
      return { type: 'other' };
  }
}
