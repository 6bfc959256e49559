import {
  type DeadLetterEnvelope,
  IngestMessageSchema,
  type KeyedViewEvent,
  LIMITS,
  MAX_AE_WRITES_PER_INVOCATION,
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

/** One commit: whole messages of one shard, at most MAX_AE_WRITES_PER_INVOCATION events. */
interface Commit {
  messages: Message[];
  events: KeyedViewEvent[];
}

/** A failed delivery waits retryFirstS doubled per attempt, up to retryMaxS. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(QUEUE.retryFirstS * 2 ** Math.max(0, attempts - 1), QUEUE.retryMaxS);
}

/** Why a body is not an ingest message: its first issue, path included. */
function poisonReason(issues: v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
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
 * Groups a delivery's valid messages by shard object, in delivery order, into commits of whole
 * messages within the record's per-invocation bound (the aggregator writes one Analytics Engine
 * point per new event where it commits): one commit per shard unless the shard's events exceed it.
 */
function commitsByShard(valid: { message: Message; object: string; events: KeyedViewEvent[] }[]) {
  const byObject = new Map<string, Commit[]>();
  for (const { message, object, events } of valid) {
    const commits = byObject.get(object) ?? [];
    const last = commits.at(-1);
    if (last && last.events.length + events.length <= MAX_AE_WRITES_PER_INVOCATION) {
      last.messages.push(message);
      last.events.push(...events);
    } else {
      commits.push({ messages: [message], events: [...events] });
    }
    byObject.set(object, commits);
  }
  return byObject;
}

/**
 * The `trending-ingest` consumer. Each message holds one shard's events (apps/api ingest-queue.ts);
 * a delivery's messages are grouped by shard and each shard committed with one `ingest` call (a
 * transaction that deduplicates by the events' keys, so a redelivery counts once), its messages
 * acked only after that commit resolved. A shard whose commit fails has its messages retried with
 * backoff, alone: the other shards' messages are acked as they commit. A message that is not a
 * valid ingest message is poison: dead-lettered (deadLetter), never committed nor silently acked.
 */
export async function consumeIngest(
  batch: MessageBatch<unknown>,
  env: AggregatorEnv,
  seam: IngestConsumerSeam = {},
): Promise<void> {
  const valid: { message: Message; object: string; events: KeyedViewEvent[] }[] = [];
  const poison: Promise<void>[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(IngestMessageSchema, message.body);
    if (parsed.success) valid.push({ message, object: parsed.output.object, events: parsed.output.events });
    else poison.push(deadLetter(env, message, poisonReason(parsed.issues)));
  }
  const shards = [...commitsByShard(valid)].map(async ([object, commits]) => {
    const stub = env.AGGREGATOR.get(env.AGGREGATOR.idFromName(object));
    for (const [i, commit] of commits.entries()) {
      try {
        await stub.ingest(commit.events);
      } catch (err) {
        // This commit and the shard's later ones wait for a redelivery (in order, with backoff).
        console.error('ingest queue: shard commit failed', object, err);
        for (const later of commits.slice(i)) {
          for (const message of later.messages) {
            message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
          }
        }
        return;
      }
      await seam.afterCommit?.(
        object,
        commit.messages.map((m) => m.id),
      );
      for (const message of commit.messages) message.ack();
    }
  });
  const settled = await Promise.allSettled([...poison, ...shards]);
  // Only an unexpected throw gets here (a shard's failure is retried above): fail the delivery, so
  // the queue retries every message not acked yet.
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
