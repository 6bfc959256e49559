import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientNetwork, isIpAddress } from './client-network.ts';
import {
  type DemoData,
  demoViewerAddress,
  generateDemoData,
  poissonCount,
  seededRandom,
} from './demo-data.ts';
import { normalizeViewEvent } from './events.ts';
import { ViewEventSchema } from './schemas.ts';
import { DAY_MS, HOUR_MS } from './windows.ts';

const NOW = Date.UTC(2025, 11, 13, 20, 0, 0);

function timestampOf(event: DemoData['events'][number]): number {
  if (typeof event.timestamp !== 'number')
    throw new Error(`demo timestamps are epoch ms, got ${event.timestamp}`);
  return event.timestamp;
}

/** The naive ranking: raw view_end counts per video since `from`. */
function topByCount(data: DemoData, from: number, n: number): string[] {
  const counts = new Map<string, number>();
  for (const event of data.events) {
    if (event.eventType === 'view_end' && timestampOf(event) >= from) {
      counts.set(event.videoId, (counts.get(event.videoId) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([id]) => id);
}

describe('generateDemoData', () => {
  let data: DemoData;
  beforeAll(() => {
    data = generateDemoData({ now: NOW });
  });

  it('is deterministic: same seed and now give identical videos and events', () => {
    expect(generateDemoData({ now: NOW })).toEqual(data);
    expect(generateDemoData({ seed: 7, now: NOW })).toEqual(generateDemoData({ seed: 7, now: NOW }));
  });

  it('gives a different workload for a different seed', () => {
    const other = generateDemoData({ seed: 43, now: NOW });
    expect(other.videos.map((x) => x.videoId)).not.toEqual(data.videos.map((x) => x.videoId));
  });

  it('keeps idempotency keys independent of now, so seeding twice counts once', () => {
    const later = generateDemoData({ now: NOW + HOUR_MS });
    expect(later.events.map((e) => e.idempotencyKey)).toEqual(data.events.map((e) => e.idempotencyKey));
  });

  it('has at least 300 videos and 20,000 events', () => {
    expect(data.videos.length).toBeGreaterThanOrEqual(300);
    expect(data.events.length).toBeGreaterThanOrEqual(20_000);
  });

  it('uses 64 lowercase hex video ids and creator pubkeys, all distinct video ids', () => {
    const hex64 = /^[0-9a-f]{64}$/;
    const ids = data.videos.map((x) => x.videoId);
    expect(ids.filter((id) => !hex64.test(id))).toEqual([]);
    expect(data.videos.filter((x) => !hex64.test(x.creatorPubkey))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set(ids);
    expect(data.events.filter((e) => !known.has(e.videoId))).toEqual([]);
  });

  it('produces only events the public ingest schema accepts, unchanged by parsing', () => {
    const rejected = data.events.filter((event) => {
      const result = v.safeParse(ViewEventSchema, event);
      return !result.success || result.output.videoId !== event.videoId;
    });
    expect(rejected).toEqual([]);
  });

  it('stamps every event within the last 7 days, so ingest accepts all of them', () => {
    const outside = data.events.filter((e) => timestampOf(e) > NOW || timestampOf(e) < NOW - 7 * DAY_MS);
    expect(outside).toEqual([]);
    expect(() => data.events.map((event, i) => normalizeViewEvent(event, NOW, i))).not.toThrow();
  });

  it('gives every event a unique idempotency key', () => {
    const keys = data.events.map((e) => e.idempotencyKey);
    expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has burst videos with at least 25 distinct viewers in the last hour', () => {
    const viewersLastHour = new Map<string, Set<string>>();
    for (const event of data.events) {
      if (event.eventType !== 'view_end' || timestampOf(event) < NOW - HOUR_MS) continue;
      const set = viewersLastHour.get(event.videoId) ?? new Set<string>();
      set.add(event.viewerId);
      viewersLastHour.set(event.videoId, set);
    }
    const bursts = data.videos.filter((x) => x.kind === 'burst');
    expect(bursts.length).toBeGreaterThan(0);
    for (const burst of bursts) {
      expect(viewersLastHour.get(burst.videoId)?.size ?? 0).toBeGreaterThanOrEqual(25);
    }
  });

  it('ranks differently by raw count over 7 days and over the last hour', () => {
    const top7d = topByCount(data, NOW - 7 * DAY_MS, 10);
    const top1h = topByCount(data, NOW - HOUR_MS, 10);
    expect(top7d[0]).not.toBe(top1h[0]);
    expect(top7d).not.toEqual(top1h);
    const burstIds = new Set(data.videos.filter((x) => x.kind === 'burst').map((x) => x.videoId));
    expect(top1h.some((id) => burstIds.has(id))).toBe(true);
  });

  it('honours smaller requested sizes within its minimums', () => {
    const small = generateDemoData({ now: NOW, videos: 40, events: 2_000 });
    expect(small.videos).toHaveLength(40);
    expect(small.events).toHaveLength(2_000);
  });
});

describe("demoViewerAddress (a demo viewer's own address)", () => {
  it('is one valid public-looking IPv4 address per viewer, the same every time', () => {
    expect(demoViewerAddress('viewer-1')).toBe(demoViewerAddress('viewer-1'));
    expect(demoViewerAddress('viewer-1')).not.toBe(demoViewerAddress('viewer-2'));
    for (let i = 0; i < 500; i++) {
      const address = demoViewerAddress(`viewer-${i}`);
      expect(isIpAddress(address), address).toBe(true);
      const [first, , , last] = address.split('.').map(Number);
      expect(first).toBeGreaterThanOrEqual(11);
      expect(first).toBeLessThan(211);
      expect(last).toBeGreaterThan(0);
    }
  });

  it('puts distinct viewers on distinct /24s, nearly always (so demo audiences rank)', () => {
    const networks = new Set(
      Array.from({ length: 1_000 }, (_, i) => clientNetwork(demoViewerAddress(`v-${i}`))),
    );
    expect(networks.size).toBeGreaterThan(990);
  });
});

describe('poissonCount', () => {
  const standardNormal = (next: () => number) => () =>
    Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

  it('draws counts with the asked mean, exact below 30 and approximated above', () => {
    for (const mean of [0.2, 4, 29, 80]) {
      const next = seededRandom(7);
      const normal = standardNormal(next);
      const draws = Array.from({ length: 20_000 }, () => poissonCount(next, mean, normal));
      const average = draws.reduce((sum, n) => sum + n, 0) / draws.length;
      const variance = draws.reduce((sum, n) => sum + (n - average) ** 2, 0) / draws.length;
      // A Poisson count's variance equals its mean: both within 4 standard errors of it (the
      // variance's standard error is sqrt((mean + 2 mean²) / n) for a Poisson count).
      expect(Math.abs(average - mean)).toBeLessThan(4 * Math.sqrt(mean / draws.length));
      expect(Math.abs(variance - mean)).toBeLessThan(4 * Math.sqrt((mean + 2 * mean ** 2) / draws.length));
      expect(draws.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    }
  });

  it('draws nothing for a mean of zero or less, and nothing from the stream', () => {
    let drawn = 0;
    const next = () => {
      drawn += 1;
      return 0.5;
    };
    expect(poissonCount(next, 0, next)).toBe(0);
    expect(poissonCount(next, -1, next)).toBe(0);
    expect(drawn).toBe(0);
  });

  it('below 30 leaves P(0) at e^-mean', () => {
    const next = seededRandom(11);
    const draws = Array.from({ length: 20_000 }, () => poissonCount(next, 2, () => 0));
    const zeros = draws.filter((n) => n === 0).length / draws.length;
    expect(Math.abs(zeros - Math.exp(-2))).toBeLessThan(0.01);
  });
});
