import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FLUSH_MS_UNDER_TEST } from '../test-limits.ts';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import { api, ingestVideo, newAggregator, until } from './testing.ts';

// Runs in the api-flush project: ACCESS_FLUSH_MS is FLUSH_MS_UNDER_TEST, not 0.

/** How many 7d, limit 37 reads the aggregator has been told of (what the precompute run warms by). */
async function readsCounted(aggregator: string): Promise<number> {
  const popular = await aggregatorStub(env, aggregator).popularReads();
  return popular.find((read) => read.window === '7d' && read.limit === 37)?.count ?? 0;
}

describe('read counts with a flush interval', () => {
  it('reach the aggregator exactly, once the flush interval has passed, though no read follows', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const BURST = 25;
    for (let i = 0; i < BURST; i++) {
      const res = await api(aggregator, '/v1/trending/videos?window=7d&limit=37');
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    // Then no request to the api at all: only the batches' own scheduled flushes can send them.
    let counted = 0;
    await until(
      'the reads counted',
      async () => {
        counted = await readsCounted(aggregator);
        if (counted > BURST) throw new Error(`counted ${counted} reads of ${BURST}`);
        return counted === BURST;
      },
      15_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: the aggregator counted ${counted} of ${BURST} reads`);
    });

    await new Promise((resolve) => setTimeout(resolve, 3 * FLUSH_MS_UNDER_TEST));
    expect(await readsCounted(aggregator)).toBe(BURST);
  });
});
