import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ClientViewInput, ViewEventInput } from './schemas.ts';
import { eventCompletion } from './scoring.ts';
import { LIMITS } from './ttl-policy.ts';
import { RETENTION_MS } from './windows.ts';

/** Clock skew tolerated for client timestamps in the future; later ones are clamped to now. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** A validated view event, as the aggregator stores it and Analytics Engine records it. */
export interface NormalizedViewEvent {
  videoId: string;
  viewerId: string;
  eventType: 'view_start' | 'view_end';
  timestampMs: number;
  /**
   * The client's timestamp when its clock ran ahead of the arrival (up to MAX_FUTURE_SKEW_MS):
   * `timestampMs` is clamped to the arrival, and a keyless event is keyed by this one instead
   * (keylessDedupKey), so that a retry in a later minute keys the same. The api drops it before
   * the event leaves (keyEvents): nothing downstream reads it.
   */
  sentTimestampMs?: number;
  /**
   * Retries carrying the same key count once. As normalized, the client's own key (absent: the
   * api derives one, keylessDedupKey); the api scopes it (scopedDedupKey) before it is stored.
   */
  dedupKey?: string;
  /**
   * The keyed network (HMAC of clientNetwork) the view came from, set by the api: the connection's,
   * or the viewer's address an ingest-key sender gave. The aggregator caps viewers per network and
   * needs distinct networks to rank; an event without one counts as the one network `unknown`.
   */
  networkKey?: string;
  watchMs?: number;
  durationMs?: number;
  loops: number;
  completion?: number;
  creatorPubkey?: string;
  hashtags?: string[];
  title?: string;
  country?: string;
  source?: string;
}

export class EventTimestampError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

function checkTimestamp(timestampMs: number | undefined, now: number, index: number): number {
  if (timestampMs === undefined) return now;
  if (timestampMs > now + MAX_FUTURE_SKEW_MS) {
    throw new EventTimestampError(index, 'timestamp is in the future');
  }
  if (timestampMs < now - RETENTION_MS) {
    throw new EventTimestampError(index, 'timestamp is older than 7 days');
  }
  return Math.min(timestampMs, now);
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** `/v1` events: throws EventTimestampError for timestamps outside [now - 7 d, now + 5 min]. */
export function normalizeViewEvent(input: ViewEventInput, now: number, index = 0): NormalizedViewEvent {
  return withoutUndefined({
    videoId: input.videoId,
    viewerId: input.viewerId,
    eventType: input.eventType,
    timestampMs: checkTimestamp(input.timestamp, now, index),
    sentTimestampMs: input.timestamp !== undefined && input.timestamp > now ? input.timestamp : undefined,
    dedupKey: input.idempotencyKey === undefined ? undefined : `k:${input.idempotencyKey}`,
    watchMs: input.watchMs,
    durationMs: input.durationMs,
    loops: input.loops ?? 0,
    completion: eventCompletion(input),
    creatorPubkey: input.creatorPubkey,
    hashtags: input.hashtags?.length ? input.hashtags : undefined,
    title: input.title,
    country: input.country,
    source: input.source,
  });
}

/**
 * The mobile client's body. Its `timestamp` is a local time without zone, so the event time is
 * the server's receive time; the raw string only identifies retries, which carry no idempotency
 * key: (eventId, userId, eventType, timestamp) counts once. Signed-out viewers (userId null) are
 * told apart by `anonymousViewerId` (the api passes a hash of the connecting address).
 * `input` is already clamped by ClientViewSchema (cut strings, capped durations, at most 20 tags);
 * null, empty and dropped fields are left out of the event.
 */
export function normalizeClientView(
  input: ClientViewInput,
  now: number,
  anonymousViewerId: string,
): NormalizedViewEvent {
  const viewerId = input.userId ? input.userId : anonymousViewerId;
  const dedupKey = input.timestamp
    ? `c:${input.eventId}|${input.userId ?? ''}|${input.eventType}|${input.timestamp}`
    : undefined;
  return withoutUndefined({
    videoId: input.eventId,
    viewerId,
    eventType: input.eventType,
    timestampMs: now,
    dedupKey,
    watchMs: input.watchDuration ?? undefined,
    durationMs: input.totalDuration ?? undefined,
    loops: input.loopCount ?? 0,
    completion: eventCompletion({
      watchMs: input.watchDuration ?? undefined,
      durationMs: input.totalDuration ?? undefined,
    }),
    creatorPubkey: input.creatorPubkey ? input.creatorPubkey : undefined,
    hashtags: input.hashtags?.length ? input.hashtags : undefined,
    title: input.title || undefined,
    source: input.source || undefined,
  });
}

/**
 * The key an event is deduplicated by: the client's key within its network (the api's keyed
 * digest of clientNetwork) and its video, so a key claimed from one network, or for one video,
 * swallows no other network's or video's view; retries from the same network still count once.
 * Unambiguous: the network key is fixed-length hex and video ids are 64 hex characters.
 */
export function scopedDedupKey(networkKey: string, event: NormalizedViewEvent): string | undefined {
  return event.dedupKey === undefined ? undefined : [networkKey, event.videoId, event.dedupKey].join(':');
}

/**
 * The dedup key of an event that came without one (no idempotencyKey; for the app, no timestamp),
 * so that a client's retry of the same request counts once, as a queue redelivery does: a request
 * sent to two queues can be enqueued on one and refused by the other, and the client's retry of
 * the whole request must not count the first part twice. `d:` and a SHA-256 of what the event
 * says (its viewer, as the api's viewer key, never the raw id; type; watch, duration, loops,
 * completion; its metadata hints) and when: the client's timestamp if it gave one (normalized
 * `timestampMs` differs from `receivedAt`), else the arrival minute (LIMITS.keylessRetryBucketMs),
 * since a retry carries nothing else that says "again". scopedDedupKey then adds the network and
 * the video, as for every key. `occurrence` tells identical events of one request apart (the
 * api passes how many came before it in that request): a retry repeats them in the same order.
 * So two keyless views count as one only when nothing tells them apart: same network, viewer,
 * video and fields, and the same client timestamp or (without one) the same arrival minute.
 */
export function keylessDedupKey(event: NormalizedViewEvent, receivedAt: number, occurrence: number): string {
  // A clamped timestamp equals the arrival: the client's own (sentTimestampMs) still keys it.
  const sent = event.sentTimestampMs ?? (event.timestampMs === receivedAt ? undefined : event.timestampMs);
  const when =
    sent === undefined ? `minute:${Math.floor(receivedAt / LIMITS.keylessRetryBucketMs)}` : `at:${sent}`;
  const fields = [
    when,
    event.viewerId,
    event.eventType,
    event.watchMs ?? null,
    event.durationMs ?? null,
    event.loops,
    event.completion ?? null,
    event.creatorPubkey ?? null,
    event.hashtags ?? null,
    event.title ?? null,
    event.country ?? null,
    event.source ?? null,
    occurrence,
  ];
  return `d:${bytesToHex(sha256(utf8ToBytes(JSON.stringify(fields).toWellFormed())))}`;
}
