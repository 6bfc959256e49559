import { DEAD_LETTER_QUEUE_NAME } from '@openvine/trending-core';
import { consumeDeadLetters } from './dead-letter-consumer.ts';
import type { AggregatorEnv } from './env.ts';
import { consumeIngest, type IngestConsumerSeam } from './ingest-consumer.ts';

/** The Worker's queue handler: the dead-letter queue's messages are stored, every other queue's committed. */
export function handleQueue(
  batch: MessageBatch<unknown>,
  env: AggregatorEnv,
  seam: IngestConsumerSeam = {},
): Promise<void> {
  return batch.queue === DEAD_LETTER_QUEUE_NAME
    ? consumeDeadLetters(batch, env)
    : consumeIngest(batch, env, seam);
}
