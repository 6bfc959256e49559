// The ingest queue's consumer, called as the runtime calls the queue handler, with batches built
// by the vitest plugin (createMessageBatch) and their acks and retries read back (getQueueResult).
// A shard's store failing is an env whose AGGREGATOR answers that one object with a failing
// ingest; the other objects are the real ones.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  aggregatorShardCount,
  type DeadLetterEnvelope,
  type IngestMessage,
  type KeyedViewEvent,
  shardObjectNameOf,
  shardOf,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { AggregatorEnv } from './env.ts';
import { consumeIngest, retryDelaySeconds } from './ingest-consumer.ts';
import { randomVideoId, viewEnd } from './testing.ts';

const bindings = env as AggregatorEnv;

function keyed(videoId: string, count: number, tag: string): KeyedViewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ...viewEnd(videoId, `${tag}-viewer-${i}`),
    networkKey: `${tag}-network-${i}`,
    dedupKey: `${tag}-network-${i}:${videoId}:r:${tag}-${i}`,
  }));
}

/** AGGREGATOR_SHARDS of the aggregator's wrangler.jsonc (2): the consumer routes by it. */
const SHARDS = aggregatorShardCount(bindings.AGGREGATOR_SHARDS) ?? 1;

/** The shard object of `aggregator` that counts `videoId`. */
const shardOfVideo = (aggregator: string, videoId: string) => shardObjectNameOf(aggregator, videoId, SHARDS);

/** A message as the api builds it: the events' shard object (of the first event's video). */
function message(aggregator: string, events: KeyedViewEvent[], object?: string): IngestMessage {
  const first = events[0]?.videoId ?? '';
  return { v: 1, aggregator, object: object ?? shardOfVideo(aggregator, first), events };
}

/** Two videos counted in different shards. */
function videosOfTwoShards(): [string, string] {
  const first = randomVideoId();
  for (;;) {
    const second = randomVideoId();
    if (shardOf(second, SHARDS) !== shardOf(first, SHARDS)) return [first, second];
  }
}

function batchOf(bodies: unknown[], attempts = 1) {
  return createMessageBatch(
    'trending-ingest',
    bodies.map((body, i) => ({ id: `message-${i}`, timestamp: new Date(), attempts, body })),
  );
}

/**
 * Runs the consumer on `batch`: what it acked and retried (getQueueResult), with each retry's
 * delay (getQueueResult keeps only the ids, so each message's retry is observed on the way).
 */
async function run(batch: MessageBatch<unknown>, envUsed: AggregatorEnv) {
  const ctx = createExecutionContext();
  const delays: { msgId: string; delaySeconds: number | undefined }[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options) => {
      delays.push({ msgId: message.id, delaySeconds: options?.delaySeconds });
      retry(options);
    };
  }
  await consumeIngest(batch, envUsed);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual(delays.map(({ msgId }) => ({ msgId })));
  return { ...result, retryMessages: delays };
}

const stats = (object: string) => bindings.AGGREGATOR.get(bindings.AGGREGATOR.idFromName(object)).stats();

/** The env with `failing` objects' ingest throwing and every ingest call counted per object. */
function withShards(failing: ReadonlySet<string>) {
  const commits = new Map<string, number[]>();
  const sent: unknown[] = [];
  const namespace = bindings.AGGREGATOR;
  const names = new Map<string, string>();
  const testEnv: AggregatorEnv = {
    ...bindings,
    AGGREGATOR: {
      idFromName(name: string) {
        const id = namespace.idFromName(name);
        names.set(id.toString(), name);
        return id;
      },
      get(id: DurableObjectId) {
        const name = names.get(id.toString()) ?? '';
        const stub = namespace.get(id);
        return {
          ingest(events: KeyedViewEvent[]) {
            commits.set(name, [...(commits.get(name) ?? []), events.length]);
            if (failing.has(name))
              return Promise.reject(new Error('Durable Object storage operation exceeded timeout'));
            return stub.ingest(events);
          },
        };
      },
    } as unknown as AggregatorEnv['AGGREGATOR'],
    DEAD_LETTER_QUEUE: {
      async send(body: unknown) {
        sent.push(body);
      },
    } as unknown as Queue,
  };
  return { testEnv, commits, sent };
}

describe('the ingest consumer', () => {
  it("commits each shard once per delivery and acks its messages; a failing shard's are retried alone", async () => {
    const [goodAggregator, badAggregator] = [`good-${crypto.randomUUID()}`, `bad-${crypto.randomUUID()}`];
    const video = randomVideoId();
    const [good, bad] = [shardOfVideo(goodAggregator, video), shardOfVideo(badAggregator, video)];
    const { testEnv, commits } = withShards(new Set([bad]));
    const batch = batchOf(
      [
        message(goodAggregator, keyed(video, 3, 'a')),
        message(badAggregator, keyed(video, 2, 'b')),
        message(goodAggregator, keyed(video, 4, 'c')),
      ],
      3,
    );
    const result = await run(batch, testEnv);
    expect(commits.get(good)).toEqual([7]);
    expect(result.explicitAcks.sort()).toEqual(['message-0', 'message-2']);
    expect(result.retryMessages).toEqual([{ msgId: 'message-1', delaySeconds: retryDelaySeconds(3) }]);
    expect(result.retryBatch.retry).toBe(false);
    expect((await stats(good)).rows.seenKeys).toBe(7);
  });

  it('splits a shard of more events than one record invocation takes into commits of whole messages', async () => {
    const aggregator = `big-${crypto.randomUUID()}`;
    const video = randomVideoId();
    const object = shardOfVideo(aggregator, video);
    const { testEnv, commits } = withShards(new Set());
    const batch = batchOf(['a', 'b', 'c'].map((tag) => message(aggregator, keyed(video, 100, tag))));
    const result = await run(batch, testEnv);
    expect(commits.get(object)).toEqual([200, 100]);
    expect(result.explicitAcks.sort()).toEqual(['message-0', 'message-1', 'message-2']);
    expect((await stats(object)).rows.seenKeys).toBe(300);
  });

  it("commits a misrouted message's events in their videos' own shards, never in the object it names", async () => {
    // A stale producer (an api still on 3 shards) and a buggy one (both videos in one message).
    const aggregator = `misrouted-${crypto.randomUUID()}`;
    const [first, second] = videosOfTwoShards();
    const stale = `${aggregator}#shard-0-of-3`;
    const { testEnv, commits } = withShards(new Set());
    const batch = batchOf([
      message(aggregator, keyed(first, 2, 'a'), stale),
      message(aggregator, [...keyed(first, 1, 'b'), ...keyed(second, 3, 'c')]),
    ]);
    const result = await run(batch, testEnv);
    expect(Object.fromEntries(commits)).toEqual({
      [shardOfVideo(aggregator, first)]: [3],
      [shardOfVideo(aggregator, second)]: [3],
    });
    expect(result.explicitAcks.sort()).toEqual(['message-0', 'message-1']);
    expect((await stats(shardOfVideo(aggregator, first))).rows.seenKeys).toBe(3);
    expect((await stats(shardOfVideo(aggregator, second))).rows.seenKeys).toBe(3);
    expect((await stats(stale)).rows.seenKeys).toBe(0);
  });

  it('retries a message that spans shards when one of them fails, though the other committed', async () => {
    const aggregator = `spanning-${crypto.randomUUID()}`;
    const [first, second] = videosOfTwoShards();
    const { testEnv } = withShards(new Set([shardOfVideo(aggregator, second)]));
    const body = message(aggregator, [...keyed(first, 2, 'a'), ...keyed(second, 2, 'b')]);
    const result = await run(batchOf([body]), testEnv);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'message-0', delaySeconds: retryDelaySeconds(1) }]);
    // The redelivery commits the failed part; the part already committed counts once.
    const again = await run(batchOf([body], 2), withShards(new Set()).testEnv);
    expect(again.explicitAcks).toEqual(['message-0']);
    expect((await stats(shardOfVideo(aggregator, first))).rows.seenKeys).toBe(2);
    expect((await stats(shardOfVideo(aggregator, second))).rows.seenKeys).toBe(2);
  });

  it('sends a poison message to the dead letters with why, never commits it, and acks only then', async () => {
    const object = `poison-${crypto.randomUUID()}`;
    const { testEnv, commits, sent } = withShards(new Set());
    const poison = { v: 1, aggregator: object, object, events: [] };
    const result = await run(batchOf([poison], 2), testEnv);
    expect(commits.size).toBe(0);
    expect(sent).toEqual([
      {
        deadLetter: {
          reason: 'invalid ingest message at events: Invalid length: Expected >=1 but received 0',
          attempts: 2,
        },
        body: poison,
      } satisfies DeadLetterEnvelope,
    ]);
    expect(result.explicitAcks).toEqual(['message-0']);
    expect(result.retryMessages).toEqual([]);
  });

  it('retries a poison message when the dead-letter queue refuses it', async () => {
    const { testEnv } = withShards(new Set());
    const refusing: AggregatorEnv = {
      ...testEnv,
      DEAD_LETTER_QUEUE: { send: () => Promise.reject(new Error('Queue send failed')) } as unknown as Queue,
    };
    const result = await run(batchOf(['not a message']), refusing);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'message-0', delaySeconds: retryDelaySeconds(1) }]);
  });

  it('backs off 1 s doubled per attempt, up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(retryDelaySeconds)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
  });
});
