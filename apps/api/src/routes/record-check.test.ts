import type { RecordComparison } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { RECORD_VIDEOS } from '../../test-record.ts';
import { api, newAggregator, postAudience, refresh, viewEnd } from '../testing.ts';

const asAdmin = { headers: { authorization: 'Bearer test-admin-token' } };

describe('GET /v1/admin/record-check (the live ranking against the Analytics Engine record)', () => {
  it('reports overlap, what the live store lacks and the views ratio', async () => {
    const aggregator = newAggregator();
    // Live: only the first of the record's videos arrived, with the same 20 viewers. The record's
    // most viewed video comes from one network: it ranks in neither list.
    const [kept, lost, oneNetwork] = RECORD_VIDEOS;
    const events = Array.from({ length: kept.viewers }, (_, i) => viewEnd(kept.videoId, `viewer-${i}`));
    expect((await postAudience(aggregator, events)).status).toBe(202);
    await refresh(aggregator, '24h');

    const res = await api(aggregator, '/v1/admin/record-check?window=24h', asAdmin);
    expect(res.status).toBe(200);
    const check = (await res.json()) as RecordComparison;
    expect(check.record.map((v) => v.videoId)).toEqual([lost.videoId, kept.videoId]);
    expect(check.missingFromLive).not.toContain(oneNetwork.videoId);
    expect(check.live.map((v) => v.videoId)).toEqual([kept.videoId]);
    expect(check).toMatchObject({
      window: '24h',
      overlap: 1,
      missingFromLive: [lost.videoId],
      viewsRatio: 1,
    });
  });

  it('answers 503 with the reason when the record fails, and 401 without the token', async () => {
    const aggregator = newAggregator();
    const failed = await api(aggregator, '/v1/admin/record-check?window=1h', asAdmin);
    expect(failed.status).toBe(503);
    const body = (await failed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('record_failed');
    expect(body.error.message).toMatch(/answered 500/);
    expect(body.error.message).not.toMatch(/SELECT/);

    expect((await api(aggregator, '/v1/admin/record-check?window=24h')).status).toBe(401);
    expect((await api(aggregator, '/v1/admin/record-check?window=2h', asAdmin)).status).toBe(400);
  });
});
