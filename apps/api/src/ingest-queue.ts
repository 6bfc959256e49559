import {
  aggregatorShardCount,
  describeIssues,
  INGEST_MESSAGE_VERSION,
  type IngestMessage,
  IngestMessageSchema,
  ingestQueueBinding,
  type KeyedViewEvent,
  LIMITS,
  queueGroupOf,
  RETRY_AFTER_S,
  shardObjectName,
  shardOf,
} from '@openvine/trending-core';
import * as v from 'valibot';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';

const QUEUE = LIMITS.ingestQueue;
const utf8 = new TextEncoder();
const bytesOf = (value: unknown) => utf8.encode(JSON.stringify(value)).byteLength;

let reportedBadShards = false;

/**
 * The deployment's shard count (AGGREGATOR_SHARDS, trending-core's aggregatorShardCount). A value
 * that is not one refuses ingest (503 `misconfigured`, logged once per isolate): guessing a count
 * would put events in objects that no read merges.
 */
export function shardCount(env: Pick<ApiEnv, 'AGGREGATOR_SHARDS'>): number {
  const count = aggregatorShardCount(env.AGGREGATOR_SHARDS);
  if (count !== null) return count;
  if (!reportedBadShards) {
    reportedBadShards = true;
    console.error(
      `AGGREGATOR_SHARDS is not an integer in 1..${LIMITS.aggregatorShards.max}: ingest is refused`,
    );
  }
  throw new ApiError(503, 'misconfigured', 'Ingest is not configured on this server');
}

/** Events grouped by their shard's object (shards.ts), in request order within each. */
export function eventsByShard(
  aggregator: string,
  shards: number,
  events: readonly KeyedViewEvent[],
): Map<string, KeyedViewEvent[]> {
  const byObject = new Map<string, KeyedViewEvent[]>();
  for (const event of events) {
    const object = shardObjectName(aggregator, shardOf(event.videoId, shards), shards);
    const group = byObject.get(object);
    if (group) group.push(event);
    else byObject.set(object, [event]);
  }
  return byObject;
}

/**
 * The messages of one request: per shard, its events in as few messages as fit
 * LIMITS.ingestQueue.messageBytes of JSON each (one, unless the events are large).
 */
export function ingestMessages(
  aggregator: string,
  shards: number,
  events: readonly KeyedViewEvent[],
): IngestMessage[] {
  const messages: IngestMessage[] = [];
  for (const [object, group] of eventsByShard(aggregator, shards, events)) {
    const empty: IngestMessage = { v: INGEST_MESSAGE_VERSION, aggregator, object, events: [] };
    let current = { ...empty, events: [] as KeyedViewEvent[] };
    // The empty message's JSON, plus each event's and a comma: the message's exact size.
    let bytes = bytesOf(empty);
    for (const event of group) {
      const size = bytesOf(event) + 1;
      if (current.events.length > 0 && bytes + size > QUEUE.messageBytes) {
        messages.push(current);
        current = { ...empty, events: [] };
        bytes = bytesOf(empty);
      }
      current.events.push(event);
      bytes += size;
    }
    messages.push(current);
  }
  return messages;
}

/**
 * The ingest queues this api sends to, by shard group (trending-core's ingestQueueBinding): the
 * INGEST_QUEUE, INGEST_QUEUE_1, ... bindings its wrangler.jsonc declares, in order.
 */
export function ingestQueues(env: ApiEnv): Queue[] {
  const queues: Queue[] = [];
  const bindings = env as unknown as Record<string, Queue | undefined>;
  for (let group = 0; group < QUEUE.maxGroups; group++) {
    const queue = bindings[ingestQueueBinding(group)];
    if (!queue) break;
    queues.push(queue);
  }
  return queues;
}

/** The queue group of a message: its shard's (every event of a message is of one shard). */
export function groupOfMessage(message: IngestMessage, shards: number, groups: number): number {
  const first = message.events[0];
  return first ? queueGroupOf(shardOf(first.videoId, shards), groups) : 0;
}

/**
 * Enqueues one request's messages, as JSON (so the dead letters can show them): ONE sendBatch per
 * queue its shards' groups use (one, for the app's single-event requests). A request holds at most
 * 100 events within a 64 KiB body, so its messages always fit one sendBatch (100 messages,
 * 256 KB). A queue that refuses or fails its send is a 503 `queue_unavailable` with Retry-After.
 * A sendBatch is all or none; a request that spans queues may have been enqueued on the others:
 * its retry counts those events again unless they carry an idempotencyKey (as any client retry of
 * keyless events does).
 */
export async function enqueueIngest(env: ApiEnv, messages: readonly IngestMessage[], shards: number) {
  const total = messages.reduce((sum, m) => sum + bytesOf(m), 0);
  if (messages.length > QUEUE.sendBatchMessages || total > QUEUE.sendBatchBytes) {
    throw new RangeError(`${messages.length} messages of ${total} bytes exceed one sendBatch`);
  }
  // The consumer dead-letters a message it refuses, after this api answered 202: one this api
  // built and its consumer would refuse is this api's bug, answered 500 before anything is sent.
  for (const message of messages) {
    const checked = v.safeParse(IngestMessageSchema, message);
    if (!checked.success) {
      const [issue] = describeIssues(checked.issues);
      throw new Error(`ingest built a message its consumer refuses at ${issue?.path}: ${issue?.message}`);
    }
  }
  const queues = ingestQueues(env);
  if (queues.length === 0) {
    console.error('no INGEST_QUEUE binding: ingest is refused');
    throw new ApiError(503, 'misconfigured', 'Ingest is not configured on this server');
  }
  const byGroup = new Map<number, IngestMessage[]>();
  for (const message of messages) {
    const group = groupOfMessage(message, shards, queues.length);
    const batch = byGroup.get(group);
    if (batch) batch.push(message);
    else byGroup.set(group, [message]);
  }
  try {
    await Promise.all(
      [...byGroup].map(([group, batch]) =>
        (queues[group] as Queue).sendBatch(batch.map((body) => ({ body, contentType: 'json' as const }))),
      ),
    );
  } catch (err) {
    console.error('ingest queue send failed', err);
    throw new ApiError(503, 'queue_unavailable', 'The ingest queue is unavailable, retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
    });
  }
}
