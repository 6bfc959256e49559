import {
  aggregatorShardCount,
  type DeadLetterEnvelope,
  describeIssues,
  type IngestMessage,
  IngestMessageSchema,
  type KeyedViewEvent,
  LIMITS,
  MAX_AE_WRITES_PER_INVOCATION,
  shardObjectNameOf,
} from '@openvine/trending-core';
import * as v from 'valibot';
import type { AggregatorEnv } from './env.ts';

const QUEUE = LIMITS.ingestQueue;

/**
 * Test-only seam (apps/aggregator/src/test-entry.ts installs it; production passes none): called
 * after a shard's commit and before its messages are acked, so a test can crash the consumer there
 * and watch the queue redeliver what was already committed.
 */
export interface IngestConsumerSeam {
  afterCommit?(object: string, messageIds: readonly string[]): void | Promise<void>;
}

/** A message's events of one shard object (all of them, unless the message was misrouted). */
interface Part {
  message: Message;
  events: KeyedViewEvent[];
}

/** One commit: whole parts of one shard, at most MAX_AE_WRITES_PER_INVOCATION events. */
interface Commit {
  parts: Part[];
  events: KeyedViewEvent[];
}

/** A failed delivery waits retryFirstS doubled per attempt, up to retryMaxS. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(QUEUE.retryFirstS * 2 ** Math.max(0, attempts - 1), QUEUE.retryMaxS);
}

/** Why a body is not an ingest message: its first issue, path included. */
function poisonReason(issues: v.BaseIssue<unknown>[]): string {
  const [issue] = describeIssues(issues);
  const path = issue?.path ?? '';
  return `invalid ingest message${path ? ` at ${path}` : ''}: ${issue?.message ?? 'unknown'}`;
}

/**
 * Sends a message the consumer refuses to the dead-letter queue, with why, and acks it there;
 * should that send fail, the message is retried (and after max_retries the queue moves it there
 * itself). Never acked as if committed.
 */
async function deadLetter(env: AggregatorEnv, message: Message, reason: string): Promise<void> {
  console.error('ingest queue: dead-lettering message', message.id, reason);
  const envelope: DeadLetterEnvelope = {
    deadLetter: { reason, attempts: message.attempts },
    body: message.body,
  };
  try {
    await env.DEAD_LETTER_QUEUE.send(envelope, { contentType: 'json' });
    message.ack();
  } catch (err) {
    console.error('ingest queue: dead-letter send failed', message.id, err);
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/**
 * A message's events by the shard object that owns each (shards.ts, under the aggregator's own
 * AGGREGATOR_SHARDS), in order. The message names an object, but its events are routed by their
 * video, not by that name: a producer that is stale (an api still on the previous shard count
 * while the aggregator runs the new one) or buggy would otherwise put a video's events in an
 * object beside the one that counts it, splitting its distinct viewers and caps. Routed rather
 * than dead-lettered, because that loses nothing and needs no one: a dead letter's replay
 * re-enqueues the same body, naming the same object, and the object that owns a video is known
 * here; the read path merges exactly these objects (shard-fleet.ts reads the same variable).
 */
function partsByObject(message: Message, body: IngestMessage, shards: number): Map<string, KeyedViewEvent[]> {
  const parts = new Map<string, KeyedViewEvent[]>();
  for (const event of body.events) {
    const object = shardObjectNameOf(body.aggregator, event.videoId, shards);
    const part = parts.get(object);
    if (part) part.push(event);
    else parts.set(object, [event]);
  }
  if (parts.size !== 1 || !parts.has(body.object)) {
    console.warn(
      'ingest queue: message',
      message.id,
      `names object ${body.object}; its events are routed to ${[...parts.keys()].join(', ')}`,
    );
  }
  return parts;
}

/**
 * Groups a delivery's message parts by shard object, in delivery order, into commits of whole
 * parts within the record's per-invocation bound (the aggregator writes one Analytics Engine
 * point per new event where it commits): one commit per shard unless the shard's events exceed it.
 */
function commitsByShard(parts: { object: string; part: Part }[]) {
  const byObject = new Map<string, Commit[]>();
  for (const { object, part } of parts) {
    const commits = byObject.get(object) ?? [];
    const last = commits.at(-1);
    if (last && last.events.length + part.events.length <= MAX_AE_WRITES_PER_INVOCATION) {
      last.parts.push(part);
      last.events.push(...part.events);
    } else {
      commits.push({ parts: [part], events: [...part.events] });
    }
    byObject.set(object, commits);
  }
  return byObject;
}

/**
 * The `trending-ingest` consumer. Each message holds one shard's events (apps/api ingest-queue.ts),
 * each committed in the object that owns its video whatever the message names (partsByObject);
 * a delivery's messages are grouped by shard and each shard committed with one `ingest` call (a
 * transaction that deduplicates by the events' keys, so a redelivery counts once), a message
 * acked only after every shard it holds events of committed them. A shard whose commit fails has
 * its messages retried with backoff, alone: the other shards' messages are acked as they commit. A message that is not a
 * valid ingest message is poison: dead-lettered (deadLetter), never committed nor silently acked.
 */
export async function consumeIngest(
  batch: MessageBatch<unknown>,
  env: AggregatorEnv,
  seam: IngestConsumerSeam = {},
): Promise<void> {
  const shards = aggregatorShardCount(env.AGGREGATOR_SHARDS);
  if (shards === null) {
    // Where any event belongs is unknown until the variable is fixed: nothing is committed, and
    // the queue keeps the messages (then moves them to the dead letters), so nothing is lost.
    console.error(`ingest queue: AGGREGATOR_SHARDS ${env.AGGREGATOR_SHARDS} is not a shard count`);
    for (const message of batch.messages)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  const parts: { object: string; part: Part }[] = [];
  /** Parts of each message not committed yet: a message is acked once it has none left. */
  const pending = new Map<Message, number>();
  const retried = new Set<Message>();
  const poison: Promise<void>[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(IngestMessageSchema, message.body);
    if (!parsed.success) {
      poison.push(deadLetter(env, message, poisonReason(parsed.issues)));
      continue;
    }
    const byObject = partsByObject(message, parsed.output, shards);
    pending.set(message, byObject.size);
    for (const [object, events] of byObject) parts.push({ object, part: { message, events } });
  }
  const retry = (message: Message) => {
    if (retried.has(message)) return;
    retried.add(message);
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  };
  const shardCommits = [...commitsByShard(parts)].map(async ([object, commits]) => {
    const stub = env.AGGREGATOR.get(env.AGGREGATOR.idFromName(object));
    for (const [i, commit] of commits.entries()) {
      try {
        await stub.ingest(commit.events);
      } catch (err) {
        // This commit and the shard's later ones wait for a redelivery (in order, with backoff);
        // a message's parts committed elsewhere count once when it comes back (keyed events).
        console.error('ingest queue: shard commit failed', object, err);
        for (const later of commits.slice(i)) for (const part of later.parts) retry(part.message);
        return;
      }
      const messages = [...new Set(commit.parts.map((p) => p.message))];
      await seam.afterCommit?.(
        object,
        messages.map((m) => m.id),
      );
      for (const message of messages) {
        const left = (pending.get(message) ?? 1) - 1;
        pending.set(message, left);
        if (left === 0 && !retried.has(message)) message.ack();
      }
    }
  });
  const settled = await Promise.allSettled([...poison, ...shardCommits]);
  // Only an unexpected throw gets here (a shard's failure is retried above): fail the delivery, so
  // the queue retries every message not acked yet.
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
