// The data centers the simulation spreads traffic over: where each is, its round trip to the
// aggregator's region, its round trip to the nearest per-region replica, and its share of traffic.
import { createRandom, zipfWeights } from './random.ts';

/** Durable Object location hints (Cloudflare's `locationHint` values). */
export const REGIONS = ['enam', 'wnam', 'sam', 'weur', 'eeur', 'me', 'afr', 'apac', 'oc'] as const;
export type Region = (typeof REGIONS)[number];

/** Round-trip range in milliseconds: a data center's value is drawn uniformly inside it. */
export interface RoundTrip {
  low: number;
  high: number;
}

export interface RegionGroup {
  region: Region;
  /** What the group is, for the document. */
  label: string;
  /** Of 300 data centers (scaled for other counts). */
  of300: number;
  /** Round trip to the aggregator's region (eastern North America). */
  toAggregator: RoundTrip;
  /** Round trip to a replica placed in the group's own region. */
  toRegionReplica: RoundTrip;
}

/**
 * Assumptions, not measurements. The aggregator lives where its first request came from; we place
 * it in eastern North America (`enam`, e.g. Ashburn). Counts per region follow the shape of
 * Cloudflare's network map (about 330 cities, most in Asia-Pacific, Europe and North America);
 * round trips are typical figures from public inter-city ping tables (WonderNetwork's global ping
 * statistics, cloud providers' inter-region latency matrices): Ashburn to New York ~7 ms, to
 * Chicago ~20 ms, to San Francisco ~65 ms, to London ~75 ms, to Frankfurt ~90 ms, to Warsaw
 * ~110 ms, to São Paulo ~120 ms, to Dubai ~190 ms, to Tokyo ~160 ms, to Singapore ~230 ms,
 * to Sydney ~200 ms, to Johannesburg ~230 ms. Within a region a replica is 5-80 ms away
 * (Asia-Pacific and Africa are wide: Tokyo to Singapore is ~70 ms).
 */
export const REGION_GROUPS: readonly RegionGroup[] = [
  {
    region: 'enam',
    label: "the aggregator's metro",
    of300: 2,
    toAggregator: { low: 1, high: 5 },
    toRegionReplica: { low: 1, high: 5 },
  },
  {
    region: 'enam',
    label: 'eastern North America',
    of300: 28,
    toAggregator: { low: 10, high: 40 },
    toRegionReplica: { low: 5, high: 30 },
  },
  {
    region: 'wnam',
    label: 'western North America',
    of300: 25,
    toAggregator: { low: 55, high: 80 },
    toRegionReplica: { low: 5, high: 30 },
  },
  {
    region: 'sam',
    label: 'Latin America',
    of300: 40,
    toAggregator: { low: 110, high: 180 },
    toRegionReplica: { low: 10, high: 60 },
  },
  {
    region: 'weur',
    label: 'western Europe',
    of300: 45,
    toAggregator: { low: 75, high: 110 },
    toRegionReplica: { low: 5, high: 25 },
  },
  {
    region: 'eeur',
    label: 'eastern Europe',
    of300: 25,
    toAggregator: { low: 100, high: 140 },
    toRegionReplica: { low: 10, high: 40 },
  },
  {
    region: 'me',
    label: 'Middle East',
    of300: 20,
    toAggregator: { low: 150, high: 200 },
    toRegionReplica: { low: 10, high: 50 },
  },
  {
    region: 'afr',
    label: 'Africa',
    of300: 25,
    toAggregator: { low: 170, high: 250 },
    toRegionReplica: { low: 20, high: 80 },
  },
  {
    region: 'apac',
    label: 'Asia-Pacific',
    of300: 80,
    toAggregator: { low: 150, high: 250 },
    toRegionReplica: { low: 10, high: 80 },
  },
  {
    region: 'oc',
    label: 'Oceania',
    of300: 10,
    toAggregator: { low: 190, high: 240 },
    toRegionReplica: { low: 5, high: 40 },
  },
];

export interface DataCenter {
  index: number;
  region: Region;
  group: string;
  /** Round trip to the aggregator (and to KV's central storage: see kvRoundTrip in cascade-config). */
  rttToAggregator: number;
  rttToRegionReplica: number;
  /** Share of all client requests (they sum to 1). */
  share: number;
}

/** Counts per group for `count` data centers: proportional to the 300 table, largest remainders first. */
function groupCounts(count: number): number[] {
  const exact = REGION_GROUPS.map((g) => (g.of300 * count) / 300);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest);
  let missing = count - counts.reduce((a, b) => a + b, 0);
  for (const { i } of order) {
    if (missing <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    missing -= 1;
  }
  return counts;
}

/**
 * `count` data centers, traffic Zipf(`trafficS`) over them in a seeded random order of places
 * (the biggest is not always the aggregator's neighbour). With one data center it is the
 * aggregator's own metro.
 */
export function buildDataCenters(count: number, trafficS: number, seed: number): DataCenter[] {
  const random = createRandom(seed);
  const draw = (range: RoundTrip) => range.low + (range.high - range.low) * random.next();
  // One data center: the aggregator's own metro (the bench's case: everything on one machine).
  const counts = count === 1 ? REGION_GROUPS.map((_, gi) => (gi === 0 ? 1 : 0)) : groupCounts(count);
  const places = counts.flatMap((n, gi) => {
    const group = REGION_GROUPS[gi] as RegionGroup;
    return Array.from({ length: n }, () => ({
      region: group.region,
      group: group.label,
      rttToAggregator: draw(group.toAggregator),
      rttToRegionReplica: draw(group.toRegionReplica),
    }));
  });
  // Fisher-Yates with the seeded stream: which place gets which traffic rank.
  for (let i = places.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [places[i], places[j]] = [places[j] as (typeof places)[number], places[i] as (typeof places)[number]];
  }
  const shares = zipfWeights(count, trafficS);
  return places.map((place, index) => ({ index, ...place, share: shares[index] ?? 0 }));
}
