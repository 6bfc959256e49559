import { runInDurableObject } from 'cloudflare:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { rankWindow, rankWindowByRescan } from './ranking.ts';
import { Rollups } from './rollups.ts';
import {
  distinctViews,
  findVideo,
  ingestAll,
  ingestAsArrived,
  newAggregator,
  pinClock,
  randomVideoId,
  ranking,
  registerVideos,
  signedVideo,
  viewEnd,
  viewStart,
} from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';
import { VideoEvents } from './video-events.ts';

describe('deduplication', () => {
  it('reports accepted, duplicates and their positions, inside one batch and across replays', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const batch = [
      viewEnd(video, 'alice', { dedupKey: 'k:1' }),
      viewEnd(video, 'bob', { dedupKey: 'k:2' }),
      viewEnd(video, 'alice', { dedupKey: 'k:1' }),
      viewEnd(video, 'carol'),
    ];
    expect(await stub.ingest(batch)).toEqual({ accepted: 3, duplicates: 1, duplicateIndexes: [2] });
    // A retry of the whole request: only the event without a key counts again.
    expect(await stub.ingest(batch)).toEqual({ accepted: 1, duplicates: 3, duplicateIndexes: [0, 1, 2] });
  });

  it('counts a replayed batch with the same keys once, in the same hour and in the next', async () => {
    // Minute 59: the current hour's bucket (middle 12:30) already decays in the 24h window.
    pinClock('2100-06-01T12:59:30Z');
    const stub = newAggregator();
    const video = randomVideoId();
    const events = distinctViews(video, 6).map((e, i) => ({ ...e, dedupKey: `k:${video}:${i}` }));
    await stub.ingest(events);
    // 24h score = sqrt(decayed views) * completion * (1 + log2(viewers + 1)) * rising boost:
    // 6 views 29.5 min past the bucket's middle, half-life 6 h: 6 * 2^(-29.5/360) = 5.66870;
    // no completion sent: 0.5; 1 + log2(7) = 3.80735; no baseline: (6 + 10) / (0 + 10) = 1.6.
    // sqrt(5.66870) * 0.5 * 3.80735 * 1.6 = 7.2520.
    const first = { views: 6, uniqueViewers: 6, score: 7.252 };
    expect(await findVideo(stub, '24h', video)).toMatchObject(first);

    expect(await stub.ingest(events)).toMatchObject({ accepted: 0, duplicates: 6 });
    expect(await findVideo(stub, '24h', video)).toMatchObject(first);

    // Across the hour: still counted once; only the decay moved (30.5 min past the middle):
    // sqrt(6 * 2^(-30.5/360)) * 0.5 * 3.80735 * 1.6 = 7.2450.
    pinClock('2100-06-01T13:00:30Z');
    expect(await stub.ingest(events)).toMatchObject({ accepted: 0, duplicates: 6 });
    expect(await findVideo(stub, '24h', video)).toMatchObject({ views: 6, uniqueViewers: 6, score: 7.245 });
  });

  it('counts every delivery of events without a key', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const events = distinctViews(video, 5);
    expect(await stub.ingest(events)).toMatchObject({ accepted: 5, duplicates: 0 });
    // Delivered again an hour later, so that the per-viewer cap (1 an arrival hour) lets it count.
    pinClock(Date.now() + HOUR_MS);
    expect(await stub.ingest(events)).toMatchObject({ accepted: 5, duplicates: 0 });
    expect(await findVideo(stub, '24h', video)).toMatchObject({ views: 10, uniqueViewers: 5 });
  });
});

describe('what counts as a view', () => {
  it('does not count a view_start alone, only the view_end', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const viewers = Array.from({ length: 8 }, (_, i) => `viewer-${i}`);
    await stub.ingest(viewers.map((v) => viewStart(video, v)));
    expect(await ranking(stub, '24h')).toEqual([]);
    expect(await ranking(stub, '1h')).toEqual([]);

    await stub.ingest(viewers.map((v) => viewEnd(video, v)));
    expect(await findVideo(stub, '24h', video)).toMatchObject({ views: 8, uniqueViewers: 8 });
  });

  it('needs at least 5 distinct viewers before a video can rank', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const t = Date.now();
    // Four viewers, three views each in one hour: too little evidence.
    const four = distinctViews(video, 4, { at: () => t });
    await stub.ingest([...four, ...four, ...four]);
    expect(await ranking(stub, '24h')).toEqual([]);
    expect(await ranking(stub, '7d')).toEqual([]);

    await stub.ingest([viewEnd(video, 'fifth-viewer', { timestampMs: t })]);
    // Each viewer's views count once an arrival hour (the cap): 4 + 1.
    expect(await findVideo(stub, '24h', video)).toMatchObject({ views: 5, uniqueViewers: 5 });
  });

  it('caps one viewer replaying 1,000 times an hour at 1 view', async () => {
    const stub = newAggregator();
    const replayed = randomVideoId();
    const popular = randomVideoId();
    const t = Date.now();
    const replays = Array.from({ length: 1_000 }, () => viewEnd(replayed, 'replayer', { timestampMs: t }));
    // Alone the replayer is one viewer: nothing ranks.
    await ingestAll(stub, replays);
    expect(await ranking(stub, '24h')).toEqual([]);

    await ingestAll(stub, [
      ...distinctViews(replayed, 4, { at: () => t }),
      ...distinctViews(popular, 50, { at: () => t }),
    ]);
    for (const window of ['1h', '24h', '7d'] as const) {
      const videos = await ranking(stub, window);
      expect(videos.map((v) => v.videoId)).toEqual([popular, replayed]);
      expect(videos[0]).toMatchObject({ views: 50, uniqueViewers: 50 });
      // The replayer's 1,000 views count 1 (the cap), plus one from each of the other 4 viewers.
      expect(videos[1]).toMatchObject({ views: 5, uniqueViewers: 5 });
    }
  });

  it('does not let a viewer escape the cap by alternating event timestamps between hours (the cap counts by arrival)', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    // Two hours before the pinned 12:10, both inside the 24h window.
    const hourA = Date.parse('2100-06-01T09:10:00Z');
    const hourB = Date.parse('2100-06-01T10:10:00Z');
    const replays = Array.from({ length: 1_000 }, (_, i) =>
      viewEnd(video, 'replayer', { timestampMs: i % 2 === 0 ? hourA : hourB }),
    );
    await ingestAll(stub, [...replays, ...distinctViews(video, 4, { at: () => hourB })]);
    const ranked = await findVideo(stub, '24h', video);
    expect(ranked?.uniqueViewers).toBe(5);
    // All 1,000 arrived in one hour (the pinned 12:10), whatever hours they claim: the cap (1)
    // once, plus one view from each of the other four viewers: 1 + 4 = 5.
    expect(ranked?.views).toBe(5);
  });
});

describe('top(window, n)', () => {
  it('ranks 1..n by descending score, with signed metadata and exact viewer counts', async () => {
    const stub = newAggregator();
    const t = Date.now();
    const keys = crypto.randomUUID();
    const videos = Array.from({ length: 6 }, (_, i) => {
      const record = signedVideo(`${keys}:creator-${i}`, {
        title: `Video ${i}`,
        hashtags: [`tag${i}`, 'vine'],
      });
      return {
        id: record.id,
        record,
        viewers: 5 + i,
        title: `Video ${i}`,
        creatorPubkey: record.pubkey,
        hashtags: [`tag${i}`, 'vine'],
      };
    });
    await registerVideos(stub, ...videos.map((v) => v.record));
    for (const v of videos) {
      // Every viewer watches twice, an hour apart (the cap counts one view per arrival hour).
      await stub.ingest(distinctViews(v.id, v.viewers, { at: () => t, extra: { completion: 0.8 } }));
    }
    pinClock(t + HOUR_MS);
    for (const v of videos) {
      await stub.ingest(distinctViews(v.id, v.viewers, { at: () => t, extra: { completion: 0.8 } }));
    }

    const top = await stub.top('24h', 4);
    expect(top.window).toBe('24h');
    expect(top.videos.map((v) => v.rank)).toEqual([1, 2, 3, 4]);
    const scores = top.videos.map((v) => v.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(scores).size).toBe(4);

    // More distinct viewers, higher rank.
    const expected = [...videos].reverse().slice(0, 4);
    expect(top.videos).toEqual(
      expected.map((v, i) =>
        expect.objectContaining({
          rank: i + 1,
          videoId: v.id,
          views: 2 * v.viewers,
          uniqueViewers: v.viewers,
          avgCompletion: 0.8,
          loops: 2 * v.viewers,
          title: v.title,
          creatorPubkey: v.creatorPubkey,
          hashtags: v.hashtags,
        }),
      ),
    );
    expect((await stub.top('24h', 100)).videos).toHaveLength(6);
  });

  it('averages completion over counted views and leaves metadata out when none was sent', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest([
      ...distinctViews(video, 2, { viewerPrefix: 'a', extra: { completion: 0.2 } }),
      ...distinctViews(video, 2, { viewerPrefix: 'b', extra: { completion: 1 } }),
      ...distinctViews(video, 1, { viewerPrefix: 'c' }),
    ]);
    const ranked = await findVideo(stub, '1h', video);
    expect(ranked?.avgCompletion).toBeCloseTo(0.6, 4);
    expect(ranked).not.toHaveProperty('title');
    expect(ranked).not.toHaveProperty('creatorPubkey');
    expect(ranked).not.toHaveProperty('hashtags');
  });
});

describe('windows', () => {
  it('ranks old views only in 7d, and a fresh burst first in 1h against a big flat favourite', async () => {
    const stub = newAggregator();
    const now = Date.now();
    const old = randomVideoId();
    const flat = randomVideoId();
    const burst = randomVideoId();
    const events = [
      // 40 viewers three days ago, nothing since.
      ...distinctViews(old, 40, { at: () => now - 3 * DAY_MS }),
      // The same 30 regulars every hour for the last day (1.5 to 23.5 hours ago), and 15-44 minutes ago.
      ...Array.from({ length: 23 }, (_, h) =>
        distinctViews(flat, 30, { viewerPrefix: 'regular', at: () => now - (h + 1.5) * HOUR_MS }),
      ).flat(),
      ...distinctViews(flat, 30, { viewerPrefix: 'regular', at: (i) => now - (15 + i) * MINUTE_MS }),
      // 60 new viewers within the last 10 minutes.
      ...distinctViews(burst, 60, { at: (i) => now - (i % 10) * MINUTE_MS }),
    ];
    await ingestAsArrived(stub, events);

    const hour = await ranking(stub, '1h');
    const day = await ranking(stub, '24h');
    const week = await ranking(stub, '7d');
    expect(hour.map((v) => v.videoId)).toEqual([burst, flat]);
    expect(day.map((v) => v.videoId)).toEqual([flat, burst]);
    expect(week.map((v) => v.videoId)).toContain(old);
    // 7d score of the old video, at the pinned 12:10: its hour bucket's middle (12:30 three days
    // ago) is 3 d - 20 min = 4,300 min old, half-life 2 d = 2,880 min: 40 * 2^(-4300/2880) =
    // 14.21037 decayed views; completion 0.5; 1 + log2(41) = 6.35755; 7d has no rising boost:
    // sqrt(14.21037) * 0.5 * 6.35755 = 11.9829.
    expect(week.find((v) => v.videoId === old)).toMatchObject({
      views: 40,
      uniqueViewers: 40,
      score: 11.9829,
    });
    expect(hour.find((v) => v.videoId === flat)).toMatchObject({ views: 30, uniqueViewers: 30 });
    expect(day.find((v) => v.videoId === flat)).toMatchObject({ views: 720, uniqueViewers: 30 });
  });

  it('scores a brand-new video the same whatever the minute of the hour', async () => {
    const scoreAt = async (time: string) => {
      pinClock(time);
      const stub = newAggregator();
      const video = randomVideoId();
      // 40 viewers 20 minutes ago: no history before the window, so no expected views.
      await stub.ingest(distinctViews(video, 40, { at: () => Date.now() - 20 * MINUTE_MS }));
      return (await findVideo(stub, '1h', video))?.score;
    };
    // 1h score: the minute bucket's middle is 20 min old, half-life 30 min: 40 * 2^(-20/30) =
    // 25.19842; completion 0.5; 1 + log2(41) = 6.35755; boost (40 + 10) / (0 + 10) = 5:
    // sqrt(25.19842) * 0.5 * 6.35755 * 5 = 79.7841: at minute 31 and just after the hour turned
    // alike (the events then lie in the hour before).
    expect(await scoreAt('2100-06-01T12:31:30Z')).toBe(79.7841);
    expect(await scoreAt('2100-06-01T13:01:30Z')).toBe(79.7841);
  });
});

describe('schema upgrade', () => {
  it("folds an older object's viewer_hours table into video_viewers, and the cap still holds", async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const t = Date.now();
    const hour = Math.floor(t / HOUR_MS);
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const sql = state.storage.sql;
      // The layout before hour_views: the cap kept in its own table.
      sql.exec('DROP TABLE video_viewers');
      sql.exec(`CREATE TABLE video_viewers (video_id TEXT NOT NULL, viewer_key TEXT NOT NULL,
        first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, PRIMARY KEY (video_id, viewer_key)) WITHOUT ROWID`);
      sql.exec(`CREATE TABLE viewer_hours (video_id TEXT NOT NULL, viewer_key TEXT NOT NULL, hour INTEGER NOT NULL,
        views INTEGER NOT NULL, PRIMARY KEY (video_id, viewer_key, hour)) WITHOUT ROWID`);
      sql.exec('INSERT INTO video_viewers VALUES (?, ?, ?, ?)', video, 'alice', t, t);
      // Alice has already used up this hour's cap (1).
      sql.exec('INSERT INTO viewer_hours VALUES (?, ?, ?, ?)', video, 'alice', hour, 1);

      const rollups = new Rollups(sql);
      rollups.migrate();
      expect(sql.exec("SELECT name FROM sqlite_master WHERE name = 'viewer_hours'").toArray()).toEqual([]);
      expect(sql.exec('SELECT hour_views FROM video_viewers').one().hour_views).toBe(
        JSON.stringify({ [hour]: 1 }),
      );
      rollups.ingest(
        [viewEnd(video, 'alice', { timestampMs: t }), viewEnd(video, 'bob', { timestampMs: t })],
        t,
      );
      expect(
        sql.exec('SELECT views, capped_views FROM hour_buckets WHERE video_id = ?', video).one(),
      ).toEqual({
        views: 1,
        capped_views: 1,
      });
    });
  });

  it('keeps ranking what an object stored before the network evidence, each old viewer its own network', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const t = Date.now();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const sql = state.storage.sql;
      const rollups = new Rollups(sql);
      rollups.migrate();
      // Five viewers, all of one network: stored now, they could not rank.
      rollups.ingest(distinctViews(video, 5, { at: () => t, extra: { networkKey: 'one-network' } }), t);
      expect(rankWindow(rollups, new VideoEvents(sql), '1h', t).videos).toEqual([]);
      // The layout before the evidence: no video_networks, no networks column in the totals.
      sql.exec('DROP TABLE video_networks');
      sql.exec('ALTER TABLE window_totals DROP COLUMN networks');
      const upgraded = new Rollups(sql);
      upgraded.migrate();
      expect(rankWindow(upgraded, new VideoEvents(sql), '1h', t).videos).toMatchObject([
        { videoId: video, uniqueViewers: 5 },
      ]);
      expect(rankWindowByRescan(upgraded, new VideoEvents(sql), '1h', t).videos).toMatchObject([
        { videoId: video, uniqueViewers: 5 },
      ]);
    });
  });
});
