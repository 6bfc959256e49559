import * as v from 'valibot';
import type { NormalizedViewEvent } from './events.ts';
import { CountSchema, StoredHex64Schema } from './response-schemas.ts';
import { MAX_EVENTS_PER_BATCH } from './schemas.ts';
import { LIMITS } from './ttl-policy.ts';
import { RETENTION_MS } from './windows.ts';

/**
 * What the api enqueues on `trending-ingest` and the aggregator's consumer commits: the events of
 * ONE shard of one request, keyed (viewer and network keys, a dedup key each), with the shard's
 * object. The consumer validates every message with IngestMessageSchema: anything else is poison
 * and goes to the dead letters, never silently acked.
 */

/** A view event as the api hands it to the queue: every key set, so a redelivery counts once. */
export interface KeyedViewEvent extends NormalizedViewEvent {
  dedupKey: string;
  networkKey: string;
}

const Key = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const KeyedViewEventSchema = v.object({
  videoId: StoredHex64Schema,
  viewerId: Key,
  eventType: v.picklist(['view_start', 'view_end']),
  timestampMs: CountSchema,
  dedupKey: Key,
  networkKey: Key,
  watchMs: v.optional(v.number()),
  durationMs: v.optional(v.number()),
  loops: CountSchema,
  completion: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  creatorPubkey: v.optional(StoredHex64Schema),
  hashtags: v.optional(v.array(Text(64))),
  title: v.optional(Text(300)),
  country: v.optional(Text(2)),
  source: v.optional(Text(32)),
});

/** Version of the message body; a consumer refuses (dead-letters) versions it does not know. */
export const INGEST_MESSAGE_VERSION = 1;

export const IngestMessageSchema = v.object({
  v: v.literal(INGEST_MESSAGE_VERSION),
  /** The deployment's aggregator (AGGREGATOR_NAME): whose dead letters a failed message joins. */
  aggregator: Key,
  /** The shard's object (shards.ts shardObjectName): where these events are committed. */
  object: Key,
  events: v.pipe(v.array(KeyedViewEventSchema), v.minLength(1), v.maxLength(MAX_EVENTS_PER_BATCH)),
});
export type IngestMessage = {
  v: typeof INGEST_MESSAGE_VERSION;
  aggregator: string;
  object: string;
  events: KeyedViewEvent[];
};

/**
 * What the consumer sends to the dead-letter queue for a message it refuses (poison): the body as
 * it arrived, why, and after how many deliveries. Messages the queue itself moves there (retries
 * exhausted) arrive as their plain body instead.
 */
export const DeadLetterEnvelopeSchema = v.object({
  deadLetter: v.object({ reason: v.string(), attempts: CountSchema }),
  body: v.unknown(),
});
export type DeadLetterEnvelope = { deadLetter: { reason: string; attempts: number }; body: unknown };

/** One stored dead letter, as GET /v1/admin/dead-letters lists it. */
/**
 * Until when replaying a dead letter stored at `receivedAt` still counts each of its events once:
 * the dedup keys an earlier, partial commit claimed live RETENTION.idempotencyKeysMs from the
 * claim, which came at most the queue's retries (minutes) before the letter was stored. Counted
 * from `receivedAt` with RETENTION_MS (7 d, an hour less), so it errs on the safe side. A replay
 * past it may count again in the view record what such a commit recorded; its events are older
 * than every window by then, so no list changes.
 */
export function countedOnceUntil(receivedAt: number): number {
  return receivedAt + RETENTION_MS;
}

/** The ids of `letters` whose replay at `now` is past countedOnceUntil. */
export function pastCountedOnce(
  letters: readonly { id: string; receivedAt: number }[],
  now: number,
): string[] {
  return letters.filter((l) => now > countedOnceUntil(l.receivedAt)).map((l) => l.id);
}

export const DeadLetterSchema = v.object({
  id: v.string(),
  /** Epoch ms when the dead-letter consumer stored it. */
  receivedAt: CountSchema,
  /** Epoch ms until which a replay counts each of its events once (countedOnceUntil). */
  countedOnceUntil: CountSchema,
  /** Deliveries of the original message before it was given up. */
  attempts: CountSchema,
  reason: v.string(),
  /** Events the body holds (0 when it holds no readable list). */
  events: CountSchema,
  /** The body's JSON, cut to LIMITS.deadLetters.previewChars characters. */
  preview: v.string(),
});
export type DeadLetter = v.InferOutput<typeof DeadLetterSchema>;

/**
 * `GET /v1/admin/dead-letters`: the newest LIMITS.deadLetters.listed letters, how many are stored,
 * at most how many are kept, and how many arrived while that many were stored and were dropped.
 */
export const DeadLetterListSchema = v.object({
  deadLetters: v.array(DeadLetterSchema),
  total: CountSchema,
  /** LIMITS.deadLetters.stored: the store keeps its oldest letters up to this many. */
  capacity: CountSchema,
  /** Letters not kept because the store was full (since it was created; replaying frees room). */
  dropped: CountSchema,
});
export type DeadLetterList = v.InferOutput<typeof DeadLetterListSchema>;

/** `POST /v1/admin/dead-letters/replay`: the given ids, or (no ids) the oldest letters. */
export const DeadLetterReplayRequestSchema = v.strictObject({
  ids: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
      v.minLength(1),
      v.maxLength(LIMITS.deadLetters.replayPerRequest),
    ),
  ),
});
export type DeadLetterReplayRequest = v.InferOutput<typeof DeadLetterReplayRequestSchema>;

export const DeadLetterReplayResultSchema = v.object({
  /** Ids re-enqueued to the ingest queue (and removed from the dead letters). */
  replayed: v.array(v.string()),
  /** Given ids that are not stored (already replayed, or never there). */
  missing: v.array(v.string()),
  /** Letters still stored after this replay. */
  remaining: CountSchema,
  /**
   * Replayed ids that were past their countedOnceUntil: their events may be counted again in the
   * view record, and are outside every window. Absent when none.
   */
  pastCountedOnce: v.optional(v.array(v.string())),
});
export type DeadLetterReplayResult = v.InferOutput<typeof DeadLetterReplayResultSchema>;

/** The queues (apps/api and apps/aggregator wrangler.jsonc): events, and the messages given up. */
export const INGEST_QUEUE_NAME = 'trending-ingest';
export const DEAD_LETTER_QUEUE_NAME = 'trending-ingest-dlq';

/**
 * Ingest is spread over queues by shard group (one queue takes about 5,000 messages/s, and the
 * mobile app sends one event a request: docs/scaling.md, "Simulation", says 26-29 queues at
 * 100k events/s): shard s goes to queue `s mod groups`, so a delivery holds the messages of a few
 * shards only and commits each of them once. Group 0 is `trending-ingest` (binding
 * INGEST_QUEUE); group g is `trending-ingest-<g>` (binding INGEST_QUEUE_<g>). The api sends to the
 * queues its wrangler.jsonc binds, the aggregator Worker consumes each (wrangler-policy.test.ts).
 */
export function ingestQueueName(group: number): string {
  return group === 0 ? INGEST_QUEUE_NAME : `${INGEST_QUEUE_NAME}-${group}`;
}

export function ingestQueueBinding(group: number): string {
  return group === 0 ? 'INGEST_QUEUE' : `INGEST_QUEUE_${group}`;
}

/** The queue group of a shard. */
export function queueGroupOf(shard: number, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`queue groups ${groups}`);
  return shard % groups;
}

/**
 * The dead-letter store (a Durable Object) of an aggregator: one per deployment, beside its
 * metrics object, so each test's aggregator has its own.
 */
export function deadLetterObjectFor(aggregator: string): string {
  return `dead-letters:${aggregator}`;
}
