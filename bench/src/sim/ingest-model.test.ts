import { describe, expect, it } from 'vitest';
import { type IngestConfig, modelIngest, PLATFORM, queuesNeeded, shardsNeeded } from './ingest-model.ts';

const base: Omit<IngestConfig, 'shards' | 'routing'> = {
  seed: 1,
  eventsPerSecond: 100e3,
  queues: 0,
  videos: 10e3,
  videoS: 1,
  batchedShare: 0,
  batchTimeout: 1,
};

describe('the ingest model', () => {
  it('commits each shard once per delivery of at most 100 messages', () => {
    const report = modelIngest({ ...base, eventsPerSecond: 1000, shards: 1, routing: 'any-queue' });
    expect(report.queues).toBe(1);
    expect(report.deliveriesPerSecond).toBeCloseTo(1000 / PLATFORM.deliveryMessages, 6);
    expect(report.busiestShardRpcPerSecond).toBeCloseTo(report.deliveriesPerSecond, 6);
  });

  it('needs enough queues to keep each under its 5,000 messages/s', () => {
    expect(queuesNeeded(100e3) * PLATFORM.queueMessagesPerSecond).toBeGreaterThan(100e3);
    const report = modelIngest({ ...base, shards: 64, routing: 'by-shard-group' });
    expect(report.busiestQueueMessagesPerSecond).toBeLessThan(PLATFORM.queueMessagesPerSecond);
  });

  it('keeps every shard under 1,000 RPC/s at 100k events/s only when queues carry shard groups', () => {
    const grouped = shardsNeeded({ ...base, routing: 'by-shard-group' }, 4096);
    expect(grouped).toBeDefined();
    expect(grouped?.busiestShardRpcPerSecond ?? Number.POSITIVE_INFINITY).toBeLessThan(
      PLATFORM.objectRequestsPerSecond,
    );
    // Any queue: every delivery touches the hottest video's shard, whatever the shard count.
    const anyQueue = modelIngest({ ...base, shards: 4096, routing: 'any-queue' });
    expect(anyQueue.busiestShardRpcPerSecond).toBeGreaterThan(PLATFORM.objectRequestsPerSecond * 0.95);
  });
});
