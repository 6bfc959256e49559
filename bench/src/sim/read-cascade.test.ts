import { describe, expect, it } from 'vitest';
import type { DataCenter } from './data-centers.ts';
import { buildDataCenters } from './data-centers.ts';
import { TTL_POLICY } from './policy.ts';
import { type CascadeConfig, simulateReads } from './read-cascade.ts';
import {
  benchCheckConfig,
  benchZipfFrom,
  cascadeConfig,
  parseVariant,
  type SimOptions,
  variantName,
} from './scenarios.ts';
import { serviceTimesFrom } from './service-times.ts';
import { zipfReadKeys } from './workload.ts';

const resultsFile = new URL('../../results/2026-11-26.json', import.meta.url).pathname;
const serviceTimes = serviceTimesFrom(resultsFile);

function dataCenter(index: number, rtt: number, share: number): DataCenter {
  return {
    index,
    region: 'enam',
    group: 'test',
    rttToAggregator: rtt,
    rttToRegionReplica: rtt,
    share,
  };
}

/**
 * One key (the app's 24h list of 20), `isolates` isolates, `rps` requests/s, all in one data center
 * 80 ms from the aggregator. Precompute warms the edge of its own data center (the nearest), so it
 * gets one of its own that no client uses.
 */
function oneKey(isolates: number, rps: number, overrides: Partial<CascadeConfig> = {}): CascadeConfig {
  const key = zipfReadKeys(1.1).find((k) => k.format === 'vines' && k.window === '24h' && k.limit === 20);
  if (!key) throw new Error('the app 24h/20 key is missing');
  return {
    seed: 3,
    requestsPerSecond: rps,
    dataCenters: [dataCenter(0, 1, 0), dataCenter(1, 80, 1)],
    isolatesPerDataCenter: isolates,
    keys: [{ ...key, share: 1 }],
    order: 'today',
    edgeScope: 'key',
    kvFirstFromRtt: Number.POSITIVE_INFINITY,
    duration: 600e3,
    warmup: 60e3,
    serviceTimes,
    precomputeEvery: 60e3,
    kvPropagationMax: 60e3,
    rttJitter: 1.2,
    ...overrides,
  };
}

const small: SimOptions = {
  seed: 5,
  dataCenters: 12,
  dataCenterS: 1,
  isolates: 2,
  requestRates: [20e3],
  keyS: 1.1,
  variants: [{ order: 'today', edgeScope: 'key' }],
  kvFirstFromRtt: 100,
  duration: 120,
  warmup: 30,
  eventRates: [],
  shards: 0,
  queues: 0,
  videos: 100,
  videoS: 1,
  batchedShare: 0,
  batchTimeout: 1,
  serviceTimes,
};

describe('the read cascade simulation', () => {
  it('gives the same report for the same seed, and another for another seed', () => {
    // KV first far away: every layer (and KV's propagation delays) takes part.
    const first = simulateReads(cascadeConfig(small, 20e3, 'kv-first-far'));
    const again = simulateReads(cascadeConfig(small, 20e3, 'kv-first-far'));
    expect(again).toEqual(first);
    const other = simulateReads(cascadeConfig({ ...small, seed: 6 }, 20e3, 'kv-first-far'));
    expect(other.shares).not.toEqual(first.shares);
  });

  it('refreshes a stale edge entry once per data center per edge freshness, however many isolates ask', () => {
    // 8 isolates, one hot key: every isolate finds the entry stale, one refreshes it (the lock).
    const report = simulateReads(oneKey(8, 400));
    const periodS = TTL_POLICY.edge.freshMs / 1000;
    expect(report.edgeRefreshesPerPeriodHottestKey).toBeGreaterThan(0.8);
    expect(report.edgeRefreshesPerPeriodHottestKey).toBeLessThan(1.2);
    // The aggregator then sees about one read per data center per period (the refresh), not one per isolate.
    expect(report.busiestObject.meanPerSecond * periodS).toBeLessThan(1.5);
    expect(report.objectReadsInBackground).toBeGreaterThan(0.9);
  });

  it('lets each isolate go below its memory about once per memory freshness', () => {
    // A slow key (5 requests/s per isolate): few arrive while a read below memory is in flight.
    const isolates = 4;
    const rps = 20;
    const report = simulateReads(oneKey(isolates, rps));
    const belowMemoryPerS = (1 - report.shares.memory) * rps;
    const expected = isolates / (TTL_POLICY.memory.freshMs / 1000);
    expect(belowMemoryPerS).toBeGreaterThan(expected * 0.7);
    expect(belowMemoryPerS).toBeLessThan(expected * 1.3);
  });

  it('reads KV before the Durable Object only in data centers past the threshold', () => {
    const nearOnly = oneKey(2, 200, { order: 'kv-first-far', kvFirstFromRtt: 100, duration: 300e3 });
    const farOnly = { ...nearOnly, dataCenters: [dataCenter(0, 1, 0), dataCenter(1, 200, 1)] };
    expect(simulateReads(nearOnly).kv.getsPerKeyPerSecond).toBe(0);
    const far = simulateReads(farOnly);
    expect(far.kv.getsPerKeyPerSecond).toBeGreaterThan(0);
    // Today's order never reads KV while the aggregator answers.
    expect(simulateReads({ ...farOnly, order: 'today' }).kv.getsPerKeyPerSecond).toBe(0);
  });

  it('takes the Durable Object reads of far data centers to their regional replica', () => {
    const options = { ...small, dataCenters: 30, duration: 90 };
    const today = simulateReads(cascadeConfig(options, 20e3, 'today'));
    const replicas = simulateReads(cascadeConfig(options, 20e3, 'regional-replicas'));
    expect(today.busiestObject.name).toBe('aggregator');
    expect(replicas.busiestObject.meanPerSecond).toBeLessThan(today.busiestObject.meanPerSecond / 2);
    const worst = (r: typeof today) => Math.max(...r.perDataCenter.map((d) => d.p99));
    expect(worst(replicas)).toBeLessThan(worst(today));
  });

  it('waits below the edge for an older entry per key, never with one entry per window', () => {
    // Per key, an isolate that served a window's newer computation passes over the other keys'
    // older edge entries and reads the aggregator on the response path (the one-snapshot rule).
    const perKey = simulateReads(cascadeConfig(small, 20e3, 'today', 'key'));
    const perWindow = simulateReads(cascadeConfig(small, 20e3, 'today', 'window'));
    expect(perKey.belowEdgeBecause.older).toBeGreaterThan(0.5);
    expect(perWindow.belowEdgeBecause.older).toBe(0);
    expect(perWindow.busiestObject.meanPerSecond).toBeLessThan(perKey.busiestObject.meanPerSecond / 4);
  });

  it('never waits below the edge for an older entry with both per-key and per-window entries', () => {
    // A per-key entry older than what the isolate served is passed over for the window entry,
    // which every complete answer refills: no response-path read to the aggregator for it.
    const perKey = simulateReads(cascadeConfig(small, 20e3, 'today', 'key'));
    const both = simulateReads(cascadeConfig(small, 20e3, 'today', 'both'));
    expect(perKey.belowEdgeBecause.older).toBeGreaterThan(0.5);
    expect(both.belowEdgeBecause.older).toBe(0);
    expect(both.busiestObject.meanPerSecond).toBeLessThan(perKey.busiestObject.meanPerSecond / 4);
  });

  it('names every order with each edge scope, and refuses names it does not know', () => {
    for (const name of [
      'today',
      'kv-first-far+window-edge',
      'today+key-and-window-edge',
      'regional-replicas+key-and-window-edge',
    ]) {
      const variant = parseVariant(name);
      expect(variant && variantName(variant)).toBe(name);
    }
    expect(parseVariant('today+key-and-window-edge')?.edgeScope).toBe('both');
    for (const name of ['today+key-edge', 'today+window-edge+window-edge', 'kv-first+window-edge'])
      expect(parseVariant(name)).toBeUndefined();
  });

  it("matches the bench's layer shares on its own Zipf workload within 5 points", () => {
    const bench = benchZipfFrom(resultsFile);
    const simulated = simulateReads(benchCheckConfig(1, serviceTimes, bench));
    expect(Math.abs(simulated.shares.memory - (bench.shares['HIT-MEMORY'] ?? 0))).toBeLessThan(0.05);
    expect(Math.abs(simulated.shares.edge - (bench.shares['HIT-EDGE'] ?? 0))).toBeLessThan(0.05);
    expect(Math.abs(simulated.shares.do - (bench.shares['HIT-DO'] ?? 0))).toBeLessThan(0.05);
  });
});

describe('the data centers', () => {
  it('spread all traffic over 300 places, the biggest not always next to the aggregator', () => {
    const dcs = buildDataCenters(300, 1, 1);
    expect(dcs).toHaveLength(300);
    expect(dcs.reduce((a, d) => a + d.share, 0)).toBeCloseTo(1, 9);
    expect(new Set(dcs.map((d) => d.region)).size).toBe(9);
    expect(dcs.filter((d) => d.rttToAggregator > 100).length).toBeGreaterThan(150);
    expect(buildDataCenters(1, 1, 1)[0]?.rttToAggregator).toBeLessThanOrEqual(5);
  });
});
