import type { MetricsSummary } from '@openvine/aggregator';
import { describe, expect, it } from 'vitest';
import { FLUSH_MS_UNDER_TEST } from '../../test-limits.ts';
import { api, ingestVideo, newAggregator, until } from '../testing.ts';

// Runs in the api-flush project: METRICS_FLUSH_MS is FLUSH_MS_UNDER_TEST, not 0.

async function requestsCounted(aggregator: string): Promise<number> {
  const res = await api(aggregator, '/v1/metrics');
  expect(res.status).toBe(200);
  return ((await res.json()) as MetricsSummary).last5m.requests;
}

describe('GET /v1/metrics with a flush interval', () => {
  it('counts a burst exactly, once its flush interval has passed, though no request follows it', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const BURST = 40;
    for (let i = 0; i < BURST; i++) {
      const res = await api(aggregator, '/v1/trending/videos?window=24h&limit=10');
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    // Then nothing but reads of /v1/metrics, which record no sample and so never send a batch:
    // whatever reaches the metrics object now was sent by the batches' own scheduled flushes.
    let counted = 0;
    await until(
      'the burst counted',
      async () => {
        counted = await requestsCounted(aggregator);
        if (counted > BURST) throw new Error(`counted ${counted} requests of ${BURST}`);
        return counted === BURST;
      },
      15_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: /v1/metrics counted ${counted} of ${BURST} requests`);
    });

    // A batch sent twice would show up when its second send came: still exactly the burst after
    // several more flush intervals.
    await new Promise((resolve) => setTimeout(resolve, 3 * FLUSH_MS_UNDER_TEST));
    expect(await requestsCounted(aggregator)).toBe(BURST);
  });
});
