// The ingest path the queue replaced, for the bench's comparison (bench/src/scenarios/scale.ts),
// reached only through the test entry's `x-test-ingest: direct`: the request's messages are
// committed in their shards' aggregator objects through the RPC, before the answer, instead of
// being enqueued. The production Worker is unchanged; only its queue bindings are swapped.
import { type IngestMessage, ingestQueueBinding, LIMITS } from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';

/** A queue whose sendBatch commits each message in its shard object at once, all shards at once. */
function committingQueue(env: ApiEnv): Queue {
  const commit = (body: IngestMessage) => aggregatorStub(env, body.object).ingest(body.events);
  const queue = {
    async send(body: IngestMessage) {
      await commit(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<IngestMessage>>) {
      await Promise.all([...messages].map((m) => commit(m.body)));
    },
  };
  return queue as unknown as Queue;
}

/** `env` with every ingest queue binding it has replaced by the committing one. */
export function directIngestEnv(env: ApiEnv): ApiEnv {
  const direct = committingQueue(env);
  const swapped: Record<string, unknown> = { ...env };
  for (let group = 0; group < LIMITS.ingestQueue.maxGroups; group++) {
    const binding = ingestQueueBinding(group);
    if (binding in swapped) swapped[binding] = direct;
  }
  return swapped as unknown as ApiEnv;
}
