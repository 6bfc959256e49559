import {
  AGGREGATOR_OBJECT_NAME,
  DeadLetterEnvelopeSchema,
  deadLetterObjectFor,
  LIMITS,
} from '@openvine/trending-core';
import * as v from 'valibot';
import type { DeadLetterInput } from './dead-letter-store.ts';
import type { AggregatorEnv } from './env.ts';
import { retryDelaySeconds } from './ingest-consumer.ts';

/** A message the queue moved here itself: its retries ran out (max_retries, then one more try). */
const RETRIES_EXHAUSTED = {
  reason: 'retries exhausted: its shard did not commit',
  attempts: LIMITS.ingestQueue.maxRetries + 1,
};

const AggregatorOfSchema = v.object({ aggregator: v.pipe(v.string(), v.minLength(1), v.maxLength(512)) });

/**
 * Whose dead letters a body joins: its `aggregator` when it names one; else (a body nobody can
 * read) the production deployment's, where ops look first.
 */
function aggregatorOf(body: unknown): string {
  const parsed = v.safeParse(AggregatorOfSchema, body);
  return parsed.success ? parsed.output.aggregator : AGGREGATOR_OBJECT_NAME;
}

/** A dead-letter queue message as a stored letter, and the aggregator it belongs to. */
function letterOf(message: Message): { aggregator: string; letter: DeadLetterInput } {
  const envelope = v.safeParse(DeadLetterEnvelopeSchema, message.body);
  const { body, reason, attempts } = envelope.success
    ? { body: envelope.output.body, ...envelope.output.deadLetter }
    : { body: message.body, ...RETRIES_EXHAUSTED };
  return {
    aggregator: aggregatorOf(body),
    letter: { id: message.id, reason, attempts, body: JSON.stringify(body) ?? 'null' },
  };
}

/**
 * The `trending-ingest-dlq` consumer: stores each message in its aggregator's DeadLetterStore
 * (one call per store and delivery), acked once stored, retried otherwise. Ops list and replay
 * them through the api (GET /v1/admin/dead-letters, POST /v1/admin/dead-letters/replay).
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: AggregatorEnv): Promise<void> {
  const byStore = new Map<string, { messages: Message[]; letters: DeadLetterInput[] }>();
  for (const message of batch.messages) {
    const { aggregator, letter } = letterOf(message);
    const store = deadLetterObjectFor(aggregator);
    const group = byStore.get(store) ?? { messages: [], letters: [] };
    group.messages.push(message);
    group.letters.push(letter);
    byStore.set(store, group);
  }
  await Promise.all(
    [...byStore].map(async ([store, { messages, letters }]) => {
      try {
        await env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName(store)).add(letters);
        for (const message of messages) message.ack();
      } catch (err) {
        console.error('dead letters: store failed', store, err);
        for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
