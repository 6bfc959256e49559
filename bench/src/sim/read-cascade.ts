// The read path as a discrete-event simulation: client requests arrive (Poisson) at isolates of
// data centers and go down the cascade the api runs (apps/api/src/cascade/read-through.ts):
// isolate memory (per isolate, fresh 5 s, generation-checked, the window's held snapshot), the
// edge (per data center, fresh 30 s, then answered stale while one isolate of the data center
// refreshes it), the aggregator's memory (a round trip to its region, or to a regional replica),
// KV (read-cached per data center for its cacheTtl, writes visible after propagation) and compute.
// Every freshness, lifetime, interval and limit comes from trending-core, and freshness and
// generation order are trending-core's own functions, so the model cannot drift from the code.
//
// Memory hits are most of the traffic and change nothing, so they are not simulated one by one:
// while a key's memory entry in an isolate stays usable, its arrivals are counted in one draw
// (Poisson over the span), and the next arrival after the span is simulated (memoryless). A newer
// computation served in the isolate ends such a span at once (the generation check).

import type { DataCenter } from './data-centers.ts';
import { EventQueue } from './event-queue.ts';
import { Histogram } from './histogram.ts';
import {
  type Computation,
  freshness,
  INTERVALS,
  isOlder,
  LIMITS,
  type ReadLayer,
  TTL_POLICY,
  WINDOWS,
} from './policy.ts';
import { createRandom, type Random } from './random.ts';
import type { Percentiles, ServiceTimes } from './service-times.ts';
import type { ReadKey } from './workload.ts';

/** Where a data center's misses go below the edge (issue 15 item 3's candidates). */
export type ReadOrder = 'today' | 'kv-first-far' | 'regional-replicas';

/**
 * What one edge entry holds: today one (format, window, limit) answer; or, as a candidate, the
 * window's whole top 100 (every read of the window slices it, as isolate memory's held snapshot);
 * or both: the per-key entries, and behind them one window entry that answers (and refills) any
 * per-key entry that is missing, expired, older than the isolate has served, or stale.
 */
export type EdgeScope = 'key' | 'window' | 'both';

export interface CascadeConfig {
  seed: number;
  requestsPerSecond: number;
  dataCenters: readonly DataCenter[];
  isolatesPerDataCenter: number;
  keys: readonly ReadKey[];
  order: ReadOrder;
  edgeScope: EdgeScope;
  /** With 'kv-first-far': data centers at least this far (round trip, ms) read KV before the DO. */
  kvFirstFromRtt: number;
  /** Simulated span, and the part at its start that is not measured (ms). */
  duration: number;
  warmup: number;
  serviceTimes: ServiceTimes;
  /** How often precompute runs (ms): its cron, or the bench's loop. */
  precomputeEvery: number;
  /** The longest a KV write takes to be visible in another data center (ms); each draws its own. */
  kvPropagationMax: number;
  /** Jitter of a round trip: its p99 as a multiple of its median. */
  rttJitter: number;
}

export type ServedBy = ReadLayer;

export interface DataCenterReport {
  index: number;
  region: string;
  group: string;
  rttToAggregator: number;
  share: number;
  p50: number;
  p99: number;
  /** Share of its requests whose answer waited on a round trip out of the data center. */
  waitedFar: number;
}

export interface CascadeReport {
  order: ReadOrder;
  edgeScope: EdgeScope;
  requestsPerSecond: number;
  measuredSeconds: number;
  requests: number;
  shares: Record<ServedBy, number>;
  staleShare: number;
  latency: Percentiles;
  /** Percentiles of the age of what clients were served (ms since its computation). */
  staleness: Percentiles;
  perDataCenter: DataCenterReport[];
  /** Durable Object requests/s: the busiest object's mean and busiest second, and which object. */
  busiestObject: { name: string; meanPerSecond: number; peakPerSecond: number };
  /** Of all Durable Object reads, the share made by background refreshes (not waited on). */
  objectReadsInBackground: number;
  kv: {
    /** gets per KV key per second: all of them, and those past the data center's read cache. */
    getsPerKeyPerSecond: number;
    storageReadsPerKeyPerSecond: number;
    writesPerKeyPerSecond: number;
  };
  /** Edge refreshes per data center and refresh lock (its key, or its window), per edge freshness period (30 s), for the hottest key's. */
  edgeRefreshesPerPeriodHottestKey: number;
  /** Why reads went below the edge on the response path (shares of those reads). */
  belowEdgeBecause: { empty: number; expired: number; older: number };
  /** With both edge scopes: the share of edge answers the window entry gave (the per-key entry fell short). */
  edgeFromWindowEntry: number;
  events: number;
}

type Event =
  | { kind: 'arrival'; iso: number; key: number }
  | { kind: 'span-end'; iso: number; key: number; version: number }
  | { kind: 'respond'; iso: number; key: number; answer: Answer; windowStoredAt?: number }
  | { kind: 'refreshed'; iso: number; key: number; answer: Answer }
  | { kind: 'alarm' }
  | { kind: 'precompute' }
  | { kind: 'replica'; target: number; window: number; computation: Computation };

interface Answer {
  layer: ServedBy;
  computation: Computation;
  /** The window's whole top 100 (fills the isolate's held snapshot). */
  complete: boolean;
  latency: number;
  stale: boolean;
  /** Whether it waited on a round trip out of the data center (a Durable Object, KV's storage). */
  far: boolean;
}

const WINDOW_INDEX = new Map(WINDOWS.map((w, i) => [w, i]));
const SECOND = 1000;

/** A data center's layers below the edge, in the order its misses try them. */
const DO_FIRST: readonly ServedBy[] = ['do', 'kv', 'compute'];
const KV_FIRST: readonly ServedBy[] = ['kv', 'do', 'compute'];
function belowEdge(config: CascadeConfig, dc: DataCenter): readonly ServedBy[] {
  return config.order === 'kv-first-far' && dc.rttToAggregator >= config.kvFirstFromRtt ? KV_FIRST : DO_FIRST;
}

export function simulateReads(config: CascadeConfig): CascadeReport {
  const random: Random = createRandom(config.seed);
  const dcs = config.dataCenters;
  const keys = config.keys;
  const D = dcs.length;
  const I = config.isolatesPerDataCenter;
  const K = keys.length;
  const W = WINDOWS.length;
  const G = D * I;
  const st = config.serviceTimes;
  const memoryFresh = TTL_POLICY.memory.freshMs;
  const edgeFresh = TTL_POLICY.edge.freshMs;
  const snapshotBudget = TTL_POLICY.edge.staleMs;
  const kvReadCache = TTL_POLICY.kv.readCacheTtlS * SECOND;
  const kvLifetime = TTL_POLICY.kv.expirationTtlS * SECOND;
  const lockFor = TTL_POLICY.edge.refreshLockS * SECOND;
  const end = config.duration;
  const warmup = config.warmup;
  const measured = (end - warmup) / SECOND;

  const windowOf = keys.map((k) => WINDOW_INDEX.get(k.window) ?? 0);
  const keysOfWindow = WINDOWS.map((_, w) => keys.flatMap((_, k) => (windowOf[k] === w ? [k] : [])));
  const kvKeys = [...new Set(keys.map((k) => k.kvKey))];
  const kvIndex = keys.map((k) => kvKeys.indexOf(k.kvKey));
  const kvWindow = kvKeys.map((kv) => windowOf[keys.findIndex((k) => k.kvKey === kv)] ?? 0);
  const orderOf = dcs.map((d) => belowEdge(config, d));
  const KV = kvKeys.length;

  // Durable Object targets: 0 the aggregator (the merged snapshot), then one replica per region.
  const regions = [...new Set(dcs.map((d) => d.region))];
  const replicaOf = dcs.map((d) =>
    config.order === 'regional-replicas' ? 1 + regions.indexOf(d.region) : 0,
  );
  const targets = config.order === 'regional-replicas' ? 1 + regions.length : 1;
  const targetName = (t: number) => (t === 0 ? 'aggregator' : `replica ${regions[t - 1]}`);
  // A replica's copy arrives one (mean) round trip of its region after the aggregator's.
  const replicaLag = regions.map((r) => {
    const inRegion = dcs.filter((d) => d.region === r);
    return inRegion.reduce((a, d) => a + d.rttToAggregator, 0) / Math.max(1, inRegion.length);
  });
  const rttToObject = dcs.map((d, i) => (replicaOf[i] === 0 ? d.rttToAggregator : d.rttToRegionReplica));
  // KV's central storage is assumed to sit in the aggregator's region (a conservative distance).
  const kvPropagation = dcs.map(() => random.next() * config.kvPropagationMax);
  const precomputeDc = dcs.reduce(
    (best, d) => (d.rttToAggregator < (dcs[best]?.rttToAggregator ?? 0) ? d.index : best),
    0,
  );

  // Arrival rate per (isolate, key), per ms.
  const rate = new Float64Array(G * K);
  for (let d = 0; d < D; d++)
    for (let i = 0; i < I; i++)
      for (let k = 0; k < K; k++)
        rate[(d * I + i) * K + k] =
          (config.requestsPerSecond * (dcs[d]?.share ?? 0) * (keys[k]?.share ?? 0)) / I / SECOND;

  // State of every layer.
  const ownComp: (Computation | undefined)[] = new Array(G * K);
  const ownStored = new Float64Array(G * K);
  const heldComp: (Computation | undefined)[] = new Array(G * W);
  const heldAt = new Float64Array(G * W);
  const newest: (Computation | undefined)[] = new Array(G * W);
  const spanFrom = new Float64Array(G * K).fill(Number.NaN);
  const spanComp: (Computation | undefined)[] = new Array(G * K);
  const spanVersion = new Uint32Array(G * K);
  // Edge entries: one per data center and key, or per data center and window. With both, these
  // are the per-key entries and the window entries sit beside them (windowComp, windowStored).
  const both = config.edgeScope === 'both';
  const E = config.edgeScope === 'window' ? W : K;
  const edgeOf = keys.map((_, k) => (config.edgeScope === 'window' ? (windowOf[k] as number) : k));
  const edgeComplete = config.edgeScope === 'window';
  const edgeComp: (Computation | undefined)[] = new Array(D * E);
  const edgeStored = new Float64Array(D * E);
  const windowComp: (Computation | undefined)[] = new Array(both ? D * W : 0);
  const windowStored = new Float64Array(both ? D * W : 0);
  // The refresh lock: one per edge entry, but with both one per window (the window entry's).
  const L = config.edgeScope === 'key' ? K : W;
  const lockOf = keys.map((_, k) => (config.edgeScope === 'key' ? k : (windowOf[k] as number)));
  const edgeLockUntil = new Float64Array(D * L);
  const edgeRefreshes = new Float64Array(D * L);
  const refreshingEdge = new Uint8Array(G * E);
  const because = { empty: 0, expired: 0, older: 0 };
  let fromWindowEntry = 0;
  const kvCacheComp: (Computation | undefined)[] = new Array(D * KV);
  const kvCacheAt = new Float64Array(D * KV).fill(Number.NEGATIVE_INFINITY);
  const kvHistory: { at: number; computation: Computation }[][] = kvKeys.map(() => []);
  const objectSnapshot: (Computation | undefined)[] = new Array(targets * W);
  const requestedAt = new Float64Array(K).fill(Number.POSITIVE_INFINITY);
  const requestCount = new Float64Array(K);

  // What is measured.
  const served: Record<ServedBy, number> = { memory: 0, edge: 0, do: 0, kv: 0, compute: 0 };
  let stale = 0;
  const latencyAll = new Histogram();
  const latencyByDc = dcs.map(() => new Histogram());
  const waitedFarByDc = new Float64Array(D);
  const requestsByDc = new Float64Array(D);
  const staleness = new Histogram();
  const seconds = Math.max(1, Math.ceil(measured));
  const objectPerSecond = new Float64Array(targets * seconds);
  let objectReads = 0;
  let objectReadsBackground = 0;
  const kvGets = new Float64Array(KV);
  const kvStorageReads = new Float64Array(KV);
  const kvWrites = new Float64Array(KV);
  let events = 0;

  const queue = new EventQueue<Event>();
  const inWindow = (t: number) => t >= warmup && t < end;
  const draw = (p: Percentiles) => random.lognormal(p.p50, p.p99);
  const roundTrip = (rtt: number) => (rtt <= 0 ? 0 : random.lognormal(rtt, rtt * config.rttJitter));

  const record = (dc: number, layer: ServedBy, latency: number, age: number, weight: number) => {
    served[layer] += weight;
    latencyAll.add(latency, weight);
    latencyByDc[dc]?.add(latency, weight);
    staleness.add(age, weight);
    requestsByDc[dc] = (requestsByDc[dc] ?? 0) + weight;
  };

  const countObject = (target: number, t: number, background: boolean) => {
    if (!inWindow(t)) return;
    objectReads += 1;
    if (background) objectReadsBackground += 1;
    const s = Math.min(seconds - 1, Math.floor((t - warmup) / SECOND));
    objectPerSecond[target * seconds + s] = (objectPerSecond[target * seconds + s] ?? 0) + 1;
  };

  /** Isolate memory: the read's own entry, else the window's held snapshot (kept as its own). */
  const memoryHit = (iso: number, key: number, t: number): Computation | undefined => {
    const w = windowOf[key] as number;
    const floor = newest[iso * W + w];
    const own = ownComp[iso * K + key];
    if (
      own &&
      freshness(ownStored[iso * K + key] as number, own.computedAt, memoryFresh, t) === 'fresh' &&
      !(floor && isOlder(own, floor))
    )
      return own;
    const held = heldComp[iso * W + w];
    if (
      held &&
      freshness(heldAt[iso * W + w] as number, held.computedAt, memoryFresh, t) === 'fresh' &&
      !(floor && isOlder(held, floor))
    ) {
      ownComp[iso * K + key] = held;
      ownStored[iso * K + key] = t;
      return held;
    }
    return undefined;
  };

  /** Until when the read's own memory entry stays usable (its freshness, capped by its snapshot's age). */
  const memoryUntil = (iso: number, key: number): number => {
    const own = ownComp[iso * K + key] as Computation;
    return Math.min((ownStored[iso * K + key] as number) + memoryFresh, own.computedAt + snapshotBudget);
  };

  /** Counts the memory hits of a span that ends at `t` (the arrivals after the one that opened it). */
  const closeSpan = (iso: number, key: number, t: number) => {
    const from = spanFrom[iso * K + key] as number;
    if (Number.isNaN(from)) return;
    spanFrom[iso * K + key] = Number.NaN;
    spanVersion[iso * K + key] = (spanVersion[iso * K + key] ?? 0) + 1;
    const start = Math.max(from, warmup);
    const stop = Math.min(t, end);
    if (stop <= start) return;
    const hits = random.poisson((rate[iso * K + key] as number) * (stop - start));
    if (hits === 0) return;
    const computation = spanComp[iso * K + key] as Computation;
    const samples = Math.min(hits, 3);
    const dc = Math.floor(iso / I);
    for (let j = 0; j < samples; j++) {
      const at = start + ((j + 0.5) / samples) * (stop - start);
      record(dc, 'memory', draw(st.memory), at - computation.computedAt, hits / samples);
    }
  };

  const scheduleArrival = (iso: number, key: number, t: number) => {
    const r = rate[iso * K + key] as number;
    if (r <= 0) return;
    const next = t + random.exponential(r);
    if (next < end) queue.push(next, { kind: 'arrival', iso, key });
  };

  /** Records what a response was built from; a newer computation ends the window's memory spans. */
  const markServed = (iso: number, w: number, computation: Computation, t: number) => {
    const current = newest[iso * W + w];
    if (current && !isOlder(current, computation)) return;
    newest[iso * W + w] = computation;
    for (const key of keysOfWindow[w] as number[]) {
      const span = spanComp[iso * K + key];
      if (!Number.isNaN(spanFrom[iso * K + key] as number) && span && isOlder(span, computation)) {
        closeSpan(iso, key, t);
        scheduleArrival(iso, key, t);
      }
    }
  };

  /** The value of KV key `j` a data center sees at `t`: the newest write that has reached it. */
  const kvVisible = (j: number, dc: number, t: number): Computation | undefined => {
    const history = kvHistory[j] as { at: number; computation: Computation }[];
    const horizon = t - (kvPropagation[dc] as number);
    for (let h = history.length - 1; h >= 0; h--) {
      const write = history[h] as { at: number; computation: Computation };
      if (write.at <= horizon) return write.computation;
    }
    return undefined;
  };

  /** The layers below the edge, in the data center's order, from `t`: what answers and its cost. */
  const readBelow = (iso: number, key: number, t: number, background: boolean): Answer => {
    const dc = Math.floor(iso / I);
    const w = windowOf[key] as number;
    const floor = newest[iso * W + w];
    const usable = (c: Computation | undefined): c is Computation => !!c && !(floor && isOlder(c, floor));
    let latency = 0;
    let far = false;
    for (const layer of orderOf[dc] as readonly ServedBy[]) {
      if (layer === 'do') {
        const target = replicaOf[dc] as number;
        countObject(target, t + latency, background);
        latency += draw(st.do) + roundTrip(rttToObject[dc] as number);
        far = true;
        // peek: the snapshot while its alarm keeps it young enough to serve.
        const snapshot = objectSnapshot[target * W + w];
        if (usable(snapshot) && t + latency - snapshot.computedAt <= TTL_POLICY.doSnapshot.maxServeMs)
          return { layer, computation: snapshot, complete: true, latency, stale: false, far };
      } else if (layer === 'kv') {
        const j = kvIndex[key] as number;
        const slot = dc * KV + j;
        if (inWindow(t)) kvGets[j] = (kvGets[j] ?? 0) + 1;
        latency += draw(st.kv);
        if (t + latency - (kvCacheAt[slot] as number) > kvReadCache) {
          // Past the data center's read cache: KV's central storage, a round trip away.
          if (inWindow(t)) kvStorageReads[j] = (kvStorageReads[j] ?? 0) + 1;
          latency += roundTrip(dcs[dc]?.rttToAggregator ?? 0);
          far = true;
          kvCacheComp[slot] = kvVisible(j, dc, t + latency);
          kvCacheAt[slot] = t + latency;
        }
        const value = kvCacheComp[slot];
        if (usable(value) && t + latency - value.computedAt <= kvLifetime)
          return {
            layer,
            computation: value,
            complete: keys[key]?.kvComplete ?? false,
            latency,
            stale: false,
            far,
          };
      } else {
        // Compute: the aggregator's read (its snapshot while fresh, else a computation).
        countObject(0, t + latency, background);
        latency += draw(st.compute) + roundTrip(dcs[dc]?.rttToAggregator ?? 0);
        let snapshot = objectSnapshot[w];
        if (!snapshot || t + latency - snapshot.computedAt > TTL_POLICY.doSnapshot.refreshMs) {
          snapshot = { generation: 1, computedAt: t + latency };
          objectSnapshot[w] = snapshot;
        }
        return { layer, computation: snapshot, complete: true, latency, stale: false, far: true };
      }
    }
    throw new Error('unreachable: compute always answers');
  };

  /** Fills isolate memory (and its held snapshot) with an answer found below it. */
  const fillMemory = (iso: number, key: number, answer: Answer, t: number) => {
    ownComp[iso * K + key] = answer.computation;
    ownStored[iso * K + key] = t;
    const w = windowOf[key] as number;
    const held = heldComp[iso * W + w];
    if (answer.complete && (!held || isOlder(held, answer.computation))) {
      heldComp[iso * W + w] = answer.computation;
      heldAt[iso * W + w] = t;
    }
  };

  /** Fills the data center's edge entry (a window-wide entry takes only a whole top 100). */
  const fillEdge = (dc: number, key: number, answer: Answer, t: number) => {
    if (both && answer.complete) {
      windowComp[dc * W + (windowOf[key] as number)] = answer.computation;
      windowStored[dc * W + (windowOf[key] as number)] = t;
    }
    if (edgeComplete && !answer.complete) return;
    edgeComp[dc * E + (edgeOf[key] as number)] = answer.computation;
    edgeStored[dc * E + (edgeOf[key] as number)] = t;
  };

  /** Starts the background refresh of a stale edge answer: one per lock, once per key per isolate. */
  const maybeRefresh = (iso: number, key: number, t: number) => {
    const dc = Math.floor(iso / I);
    const lock = dc * L + (lockOf[key] as number);
    const mine = iso * E + (edgeOf[key] as number);
    if (refreshingEdge[mine] || (edgeLockUntil[lock] as number) > t) return;
    edgeLockUntil[lock] = t + lockFor;
    refreshingEdge[mine] = 1;
    const below = readBelow(iso, key, t, true);
    queue.push(t + below.latency, { kind: 'refreshed', iso, key, answer: below });
  };

  type EdgeLook = { state: 'fresh' | 'stale'; computation: Computation } | 'empty' | 'expired' | 'older';
  /** What one edge entry offers an isolate's read: usable (fresh or stale), or why not. */
  const lookEdge = (
    entry: Computation | undefined,
    storedAt: number,
    floor: Computation | undefined,
    t: number,
  ): EdgeLook => {
    if (!entry) return 'empty';
    const state = freshness(storedAt, entry.computedAt, edgeFresh, t);
    if (state === 'expired') return 'expired';
    if (floor && isOlder(entry, floor)) return 'older';
    return { state, computation: entry };
  };

  /**
   * The edge with both scopes: the per-key entry when fresh; else the window entry (a second edge
   * read, and when it answers a slice of it: one more draw of the memory service time, the floor
   * of a whole request, as an upper bound of slicing and serializing) when fresh, which also
   * refills the per-key entry; else whichever of the two is usable, stale, and refreshed in the background;
   * else nothing (the read goes below the edge, counted by why).
   */
  const bothEdges = (iso: number, key: number, t: number, latency: number): Answer | undefined => {
    const dc = Math.floor(iso / I);
    const w = windowOf[key] as number;
    const floor = newest[iso * W + w];
    const perKey = lookEdge(edgeComp[dc * K + key], edgeStored[dc * K + key] as number, floor, t);
    if (typeof perKey === 'object' && perKey.state === 'fresh')
      return {
        layer: 'edge',
        computation: perKey.computation,
        complete: false,
        latency,
        stale: false,
        far: false,
      };
    const cost = latency + draw(st.edge);
    const whole = lookEdge(windowComp[dc * W + w], windowStored[dc * W + w] as number, floor, t);
    // Answering from the window entry slices it: only then is that cost paid.
    const fromWhole = (state: 'fresh' | 'stale', computation: Computation): Answer => {
      if (inWindow(t)) fromWindowEntry += 1;
      const stale = state === 'stale';
      return {
        layer: 'edge',
        computation,
        complete: true,
        latency: cost + draw(st.memory),
        stale,
        far: false,
      };
    };
    if (typeof whole === 'object' && whole.state === 'fresh') return fromWhole('fresh', whole.computation);
    const staleOne =
      typeof perKey === 'object'
        ? {
            layer: 'edge' as const,
            computation: perKey.computation,
            complete: false,
            latency: cost,
            stale: true,
            far: false,
          }
        : typeof whole === 'object'
          ? fromWhole('stale', whole.computation)
          : undefined;
    if (staleOne) {
      maybeRefresh(iso, key, t + staleOne.latency);
      return staleOne;
    }
    if (inWindow(t)) {
      if (perKey === 'older' || whole === 'older') because.older += 1;
      else if (perKey === 'expired' || whole === 'expired') because.expired += 1;
      else because.empty += 1;
    }
    return undefined;
  };

  const arrival = (iso: number, key: number, t: number) => {
    const dc = Math.floor(iso / I);
    requestCount[key] = (requestCount[key] ?? 0) + 1;
    if ((requestedAt[key] as number) > t) requestedAt[key] = t;
    const hit = memoryHit(iso, key, t);
    if (hit) {
      if (inWindow(t)) record(dc, 'memory', draw(st.memory), t - hit.computedAt, 1);
      markServed(iso, windowOf[key] as number, hit, t);
      spanFrom[iso * K + key] = t;
      spanComp[iso * K + key] = hit;
      const version = spanVersion[iso * K + key] as number;
      const until = memoryUntil(iso, key);
      queue.push(Math.min(until, end), { kind: 'span-end', iso, key, version });
      return;
    }
    // Below memory: the edge first (every order keeps it), then the data center's order.
    const w = windowOf[key] as number;
    const slot = dc * E + (edgeOf[key] as number);
    let latency = draw(st.memory) + draw(st.edge);
    const entry = both ? undefined : edgeComp[slot];
    let answer: Answer | undefined;
    let windowStoredAt: number | undefined;
    if (both) {
      answer = bothEdges(iso, key, t, latency);
      if (answer) {
        latency = answer.latency;
        // A fresh window entry refills the per-key entry, no fresher than its source.
        if (answer.complete && !answer.stale) windowStoredAt = windowStored[dc * W + w];
      }
    } else if (entry) {
      const state = freshness(edgeStored[slot] as number, entry.computedAt, edgeFresh, t);
      const floor = newest[iso * W + w];
      // An expired or older entry is passed over (it stays until a fill overwrites it).
      if (inWindow(t) && state === 'expired') because.expired += 1;
      else if (inWindow(t) && floor && isOlder(entry, floor)) because.older += 1;
      if (state !== 'expired' && !(floor && isOlder(entry, floor))) {
        answer = {
          layer: 'edge',
          computation: entry,
          complete: edgeComplete,
          latency,
          stale: state === 'stale',
          far: false,
        };
        // One refresh per data center (the lock entry), once per key in this isolate.
        if (state === 'stale') maybeRefresh(iso, key, t + latency);
      }
    } else if (inWindow(t)) because.empty += 1;
    if (!answer) {
      const below = readBelow(iso, key, t + latency, false);
      latency += below.latency;
      answer = { ...below, latency };
      if (inWindow(t) && below.far) waitedFarByDc[dc] = (waitedFarByDc[dc] ?? 0) + 1;
    } else if (inWindow(t) && answer.stale) stale += 1;
    queue.push(t + latency, { kind: 'respond', iso, key, answer, windowStoredAt });
    scheduleArrival(iso, key, t);
  };

  const respond = (iso: number, key: number, answer: Answer, t: number, windowStoredAt?: number) => {
    const dc = Math.floor(iso / I);
    const started = t - answer.latency;
    if (inWindow(started)) record(dc, answer.layer, answer.latency, t - answer.computation.computedAt, 1);
    if (answer.layer !== 'edge') {
      fillMemory(iso, key, answer, t);
      fillEdge(dc, key, answer, t);
      if (answer.layer === 'kv' && answer.complete) countObject(replicaOf[dc] as number, t, true); // adopt
    } else if (!answer.stale) fillMemory(iso, key, answer, t);
    if (windowStoredAt !== undefined) {
      edgeComp[dc * K + key] = answer.computation;
      edgeStored[dc * K + key] = windowStoredAt;
    }
    markServed(iso, windowOf[key] as number, answer.computation, t);
  };

  const refreshed = (iso: number, key: number, answer: Answer, t: number) => {
    const dc = Math.floor(iso / I);
    const lock = dc * L + (lockOf[key] as number);
    fillMemory(iso, key, answer, t);
    fillEdge(dc, key, answer, t);
    edgeLockUntil[lock] = 0;
    refreshingEdge[iso * E + (edgeOf[key] as number)] = 0;
    if (inWindow(t)) edgeRefreshes[lock] = (edgeRefreshes[lock] ?? 0) + 1;
  };

  /** The aggregator's alarm: each window's snapshot recomputed, then copied to the replicas. */
  const publish = (w: number, t: number): Computation => {
    const computation: Computation = { generation: 1, computedAt: t };
    objectSnapshot[w] = computation;
    for (let target = 1; target < targets; target++)
      queue.push(t + (replicaLag[target - 1] ?? 0), { kind: 'replica', target, window: w, computation });
    return computation;
  };
  const alarm = (t: number) => {
    for (let w = 0; w < W; w++) publish(w, t);
    queue.push(t + TTL_POLICY.doSnapshot.refreshMs, { kind: 'alarm' });
  };

  /**
   * A precompute run: each window computed once, written to KV (`top:` and the precomputed limits,
   * one write per key), and the most requested reads warmed at the edge of its own data center
   * (those its access counts know: requested before the isolates' last flush).
   */
  const precompute = (t: number) => {
    for (let w = 0; w < W; w++) {
      const computation = publish(w, t);
      for (let j = 0; j < KV; j++) {
        if (kvWindow[j] !== w) continue;
        const history = kvHistory[j] as { at: number; computation: Computation }[];
        history.push({ at: t, computation });
        if (history.length > 16) history.shift();
        if (inWindow(t)) kvWrites[j] = (kvWrites[j] ?? 0) + 1;
      }
    }
    const known = keys
      .map((_, k) => k)
      .filter((k) => (requestedAt[k] as number) <= t - INTERVALS.accessFlushMs)
      .sort((a, b) => (requestCount[b] as number) - (requestCount[a] as number))
      .slice(0, LIMITS.warmedReads);
    for (const k of known) {
      edgeComp[precomputeDc * E + (edgeOf[k] as number)] = objectSnapshot[windowOf[k] as number];
      edgeStored[precomputeDc * E + (edgeOf[k] as number)] = t;
      if (both) {
        // The window entries of the warmed reads too (precompute holds each window's whole top 100).
        windowComp[precomputeDc * W + (windowOf[k] as number)] = objectSnapshot[windowOf[k] as number];
        windowStored[precomputeDc * W + (windowOf[k] as number)] = t;
      }
    }
    queue.push(t + config.precomputeEvery, { kind: 'precompute' });
  };

  // The stack is running when the simulation starts: the aggregator holds each window's snapshot
  // and a precompute run starts (KV is written then and reaches each data center after its delay).
  alarm(0);
  precompute(0);
  for (let iso = 0; iso < G; iso++) for (let k = 0; k < K; k++) scheduleArrival(iso, k, 0);

  for (let item = queue.pop(); item && item.at < end; item = queue.pop()) {
    events += 1;
    const t = item.at;
    const e = item.event;
    switch (e.kind) {
      case 'arrival':
        arrival(e.iso, e.key, t);
        break;
      case 'span-end':
        if (e.version !== spanVersion[e.iso * K + e.key]) break;
        closeSpan(e.iso, e.key, t);
        scheduleArrival(e.iso, e.key, t);
        break;
      case 'respond':
        respond(e.iso, e.key, e.answer, t, e.windowStoredAt);
        break;
      case 'refreshed':
        refreshed(e.iso, e.key, e.answer, t);
        break;
      case 'alarm':
        alarm(t);
        break;
      case 'precompute':
        precompute(t);
        break;
      case 'replica':
        objectSnapshot[e.target * W + e.window] = e.computation;
        break;
    }
  }
  // Spans still open at the end hold memory hits up to it.
  for (let iso = 0; iso < G; iso++) for (let k = 0; k < K; k++) closeSpan(iso, k, end);

  const total = Object.values(served).reduce((a, b) => a + b, 0);
  let busiest = { name: targetName(0), meanPerSecond: 0, peakPerSecond: 0 };
  for (let target = 0; target < targets; target++) {
    const row = objectPerSecond.subarray(target * seconds, (target + 1) * seconds);
    const sum = row.reduce((a, b) => a + b, 0);
    const peak = row.reduce((a, b) => Math.max(a, b), 0);
    if (sum / measured > busiest.meanPerSecond)
      busiest = { name: targetName(target), meanPerSecond: sum / measured, peakPerSecond: peak };
  }
  const hottestKey = keys.reduce((best, k, i) => ((keys[best]?.share ?? 0) < k.share ? i : best), 0);
  const periods = measured / (edgeFresh / SECOND);
  const refreshesHottest = dcs.map(
    (_, d) => (edgeRefreshes[d * L + (lockOf[hottestKey] as number)] ?? 0) / periods,
  );
  const belowEdgeReads = because.empty + because.expired + because.older;
  return {
    order: config.order,
    edgeScope: config.edgeScope,
    requestsPerSecond: config.requestsPerSecond,
    measuredSeconds: measured,
    requests: total,
    shares: Object.fromEntries(
      Object.entries(served).map(([layer, n]) => [layer, total > 0 ? n / total : 0]),
    ) as Record<ServedBy, number>,
    staleShare: total > 0 ? stale / total : 0,
    latency: { p50: latencyAll.quantile(0.5), p99: latencyAll.quantile(0.99) },
    staleness: { p50: staleness.quantile(0.5), p99: staleness.quantile(0.99) },
    perDataCenter: dcs.map((d, i) => ({
      index: d.index,
      region: d.region,
      group: d.group,
      rttToAggregator: d.rttToAggregator,
      share: d.share,
      p50: latencyByDc[i]?.quantile(0.5) ?? 0,
      p99: latencyByDc[i]?.quantile(0.99) ?? 0,
      waitedFar: (requestsByDc[i] ?? 0) > 0 ? (waitedFarByDc[i] ?? 0) / (requestsByDc[i] ?? 1) : 0,
    })),
    busiestObject: busiest,
    objectReadsInBackground: objectReads > 0 ? objectReadsBackground / objectReads : 0,
    kv: {
      getsPerKeyPerSecond: Math.max(0, ...kvGets) / measured,
      storageReadsPerKeyPerSecond: Math.max(0, ...kvStorageReads) / measured,
      writesPerKeyPerSecond: Math.max(0, ...kvWrites) / measured,
    },
    edgeRefreshesPerPeriodHottestKey: Math.max(0, ...refreshesHottest),
    belowEdgeBecause: {
      empty: belowEdgeReads > 0 ? because.empty / belowEdgeReads : 0,
      expired: belowEdgeReads > 0 ? because.expired / belowEdgeReads : 0,
      older: belowEdgeReads > 0 ? because.older / belowEdgeReads : 0,
    },
    edgeFromWindowEntry: served.edge > 0 ? fromWindowEntry / served.edge : 0,
    events,
  };
}
