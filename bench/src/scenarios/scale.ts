// Scale (issue 15, item 6): the app's single views through the queue against the direct RPC it
// replaced, exact counts under redelivery, ingest over 1..8 shards, and the 7d merge over 8 shards.
// Each shard layout runs in a stack of its own (AGGREGATOR_SHARDS is a var of both the api and
// the aggregator), started and disposed here while the main stack idles.
import { demoViewerAddress, hex64, seededRandom } from '../../../packages/trending-core/src/demo-data.ts';
import { GROUPED_VIDEOS } from '../../../packages/trending-core/src/groups.ts';
import { compareRankKeys } from '../../../packages/trending-core/src/scoring.ts';
import { drive, type LoadResult } from '../load.ts';
import { demoEvents, postEvents, postVideos, untilSeenKeys } from '../seed.ts';
import { type ScaleStack, startScaleStack } from '../stack.ts';
import { fmt, median, type Run, seedProgress } from './context.ts';

export interface MobileRun {
  path: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU the stack's workerd used per app view (Linux /proc; null elsewhere), from the first
   * request to the last commit: for the queue, the consumer's commits after the answers too.
   */
  cpuUsPerView: number | null;
}

export interface CountCheck {
  /** 200s the api answered. */
  sent: number;
  /** Idempotency keys the aggregator stores (one per counted event). */
  counted: number;
  /** Views the freshly computed 1h ranking lists. */
  listed: number;
}

export type MobileResult = NonNullable<ScaleResult['mobile']>;

export interface ScaleResult {
  mobile?: {
    shards: number;
    connections: number;
    rounds: ({ [path in 'queue' | 'direct' | 'queue-nolimit' | 'direct-nolimit']: MobileRun } & {
      ratio: number;
      ratioNoLimiter: number;
    })[];
    /** Median over rounds of queue req/s ÷ direct req/s in the same round. */
    ratio: number;
    ratioRange: [number, number];
    /** The same without Miniflare's rate limiter on either path. */
    ratioNoLimiter: number;
    ratioNoLimiterRange: [number, number];
    /** Medians over rounds of cpuUsPerView, by path (null without /proc). */
    cpuUsPerView: Record<Variant, number | null>;
    counts: Record<'queue' | 'direct' | 'queue-nolimit' | 'direct-nolimit', CountCheck>;
  };
  redelivery?: CountCheck & {
    shards: number;
    /** The share of messages whose commit crashed after committing, before its ack. */
    redeliverShare: number;
    /** Events handed to the aggregator again and recognised as already counted. */
    redelivered: number;
  };
  shards?: (CountCheck & { shards: number; rps: number; p99Ms: number; committedEventsPerS: number })[];
  merge?: {
    shards: number;
    events: number;
    videos: number;
    seedEventsPerS: number;
    /** The coordinator's own computeMs of the 7d window (its shards' rankShard calls and the merge), median. */
    computeMs: number;
    /** Round trip of that computation minus a snapshot peek's, median. */
    roundTripMs: number;
    /** Each shard's rankShard round trip alone, median per shard. */
    perShardMs: number[];
    /** The eight calls at once, as the coordinator makes them, median. */
    concurrentMs: number;
    /** JSON bytes of all shards' candidates, and how many. */
    candidateBytes: number;
    candidates: number;
    /** The merge of those candidates (sort and cut), in Node, median. */
    mergeMs: number;
    repeats: number;
  };
}

const VIDEOS = 50;

/** Workload sizes: app views per measured run (mobile: per path and round), events of the merge. */
const SIZES = {
  quick: { mobileRound: 400, redelivery: 1_000, sweep: 500, mergeEvents: 10_000 },
  full: { mobileRound: 2_000, redelivery: 5_000, sweep: 5_000 },
} as const;

/** What a shard's rankShard returns, as far as the merge reads it (apps/aggregator/src/shard-fleet.ts). */
interface ShardPart {
  candidates: { score: number; views: number; videoId: string }[];
}

/** apps/aggregator/src/shard-merge.ts's merge (its order: score, views, id), timed in Node. */
function mergeParts(parts: readonly ShardPart[], count: number) {
  const all = parts.flatMap((p) => p.candidates);
  all.sort(compareRankKeys);
  return all.slice(0, count);
}

/** Viewers drawn so far, by aggregator and path: every view of a run comes from a new viewer. */
const viewersDrawn = new Map<string, number>();

/** One viewer's app view per call: its own userId and address, the videos in turn. */
function mobileViews(aggregator: string, direct: boolean, videos: readonly string[], prefix: string) {
  return () => {
    const i = viewersDrawn.get(prefix) ?? 0;
    viewersDrawn.set(prefix, i + 1);
    const userId = `${prefix}-${i}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'cf-connecting-ip': demoViewerAddress(userId),
      'x-test-aggregator': aggregator,
    };
    if (direct) headers['x-test-ingest'] = 'direct';
    const body = JSON.stringify({
      eventId: videos[i % videos.length],
      userId,
      source: 'mobile',
      eventType: 'view_end',
      timestamp: new Date().toISOString().slice(0, 23),
      watchDuration: 6000,
      totalDuration: 6000,
      loopCount: 1,
      completedVideo: true,
    });
    return { headers, body };
  };
}

/** The app-view paths compared: queue or direct RPC, with Miniflare's limiter or without. */
const VARIANTS = ['queue', 'direct', 'queue-nolimit', 'direct-nolimit'] as const;
type Variant = (typeof VARIANTS)[number];

/** `amount` app views through one path (every request answered before it returns). */
async function mobileLoad(
  run: Run,
  stack: ScaleStack,
  aggregator: string,
  variant: Variant,
  amount: number,
  videos: readonly string[],
): Promise<LoadResult> {
  return drive(
    {
      url: variant.endsWith('-nolimit') ? stack.apiNoLimiter : stack.api,
      path: '/analytics/view',
      method: 'POST',
      connections: run.config.connections,
      durationS: 0,
      warmupS: 0,
      nextRequest: mobileViews(aggregator, variant.startsWith('direct'), videos, `${aggregator}-${variant}`),
    },
    0,
    amount,
  );
}

function ok(run: Run, what: string, load: LoadResult): number {
  const bad = Object.entries(load.statuses).filter(([code]) => code !== '200');
  if (bad.length > 0) run.failures.push(`scale ${what}: ${bad.map(([c, n]) => `${n} × ${c}`).join(', ')}`);
  return load.statuses['200'] ?? 0;
}

/** What the aggregator counted of `sent` events, once its consumer committed them. */
async function counts(stack: ScaleStack, aggregator: string, sent: number): Promise<CountCheck> {
  await untilSeenKeys(stack.api, sent, aggregator);
  const health = await fetch(`${stack.api}/v1/health`, { headers: { 'x-test-aggregator': aggregator } });
  const counted =
    ((await health.json()) as { aggregator?: { rows?: { seenKeys?: number } } }).aggregator?.rows?.seenKeys ??
    0;
  const res = await fetch(`${stack.cold}/v1/trending/videos?window=1h&limit=100`, {
    headers: { 'x-test-aggregator': aggregator, 'x-test-drop': 'do' },
  });
  if (res.status !== 200) throw new Error(`trending read answered ${res.status}: ${await res.text()}`);
  const listed = ((await res.json()) as { videos: { views: number }[] }).videos.reduce(
    (s, v) => s + v.views,
    0,
  );
  return { sent, counted, listed };
}

function exact(run: Run, what: string, c: CountCheck) {
  if (c.counted !== c.sent || c.listed !== c.sent)
    run.failures.push(`scale ${what}: ${c.sent} sent, ${c.counted} counted, ${c.listed} listed`);
}

const videosFor = (seed: number) => {
  const next = seededRandom(seed);
  return Array.from({ length: VIDEOS }, () => hex64(next));
};

/**
 * (a) queue against direct, interleaved rounds (the order rotates), in a stack with the shipped
 * layout (2 shards). The target (issue 15) is judged on the paths' own cost, both without
 * Miniflare's rate limiter: its local twin is a SQLite write in one Durable Object per call, about
 * as much workerd CPU as the whole queue path (cpuUsPerView shows it), where production's is a
 * counter kept in the data center. Both paths with the limiter are measured beside it.
 */
async function mobile(run: Run, logPath: string): Promise<MobileResult> {
  const shards = 2;
  const perRound = SIZES[run.config.mode].mobileRound;
  const roundsN = run.config.mode === 'quick' ? 1 : Math.max(3, Math.min(run.config.rounds, 4));
  const done = run.progress.step(
    `scale: app views, queue vs direct RPC, ${shards} shards, ${roundsN} × ${fmt(perRound)} each`,
  );
  const stack = await startScaleStack(shards, logPath);
  try {
    const videos = videosFor(151);
    const stamp = Date.now();
    const names = Object.fromEntries(VARIANTS.map((v) => [v, `bench-mobile-${v}-${stamp}`])) as Record<
      Variant,
      string
    >;
    const sent = Object.fromEntries(VARIANTS.map((v) => [v, 0])) as Record<Variant, number>;
    // Warm-up, not measured: every path's isolates and objects awake.
    for (const v of VARIANTS)
      sent[v] += ok(run, `${v} warm-up`, await mobileLoad(run, stack, names[v], v, 200, videos));
    const rounds: MobileResult['rounds'] = [];
    for (let r = 0; r < roundsN; r++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length] as Variant);
      const measured: Partial<Record<Variant, MobileRun>> = {};
      for (const v of order) {
        const cpuBefore = stack.runtimeCpu.seconds();
        const load = await mobileLoad(run, stack, names[v], v, perRound, videos);
        sent[v] += ok(run, v, load);
        // The queue's consumer commits after the answers: let it finish before the next run.
        if (v.startsWith('queue')) await untilSeenKeys(stack.api, sent[v], names[v]);
        const cpuAfter = stack.runtimeCpu.seconds();
        measured[v] = {
          path: v,
          requests: load.requests,
          rps: load.rps,
          p50Ms: load.latencyMs.p50,
          p99Ms: load.latencyMs.p99,
          cpuUsPerView:
            cpuBefore === null || cpuAfter === null
              ? null
              : ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, load.requests),
        };
      }
      const m = measured as Record<Variant, MobileRun>;
      rounds.push({
        ...m,
        ratio: m.queue.rps / m.direct.rps,
        ratioNoLimiter: m['queue-nolimit'].rps / m['direct-nolimit'].rps,
      });
    }
    const range = (pick: (r: (typeof rounds)[number]) => number): [number, number] => [
      Math.min(...rounds.map(pick)),
      Math.max(...rounds.map(pick)),
    ];
    const countsOf = {} as Record<Variant, CountCheck>;
    for (const v of VARIANTS) {
      countsOf[v] = await counts(stack, names[v], sent[v]);
      exact(run, `${v} path`, countsOf[v]);
    }
    const result = {
      shards,
      connections: run.config.connections,
      rounds,
      ratio: median(rounds.map((r) => r.ratio)),
      ratioRange: range((r) => r.ratio),
      ratioNoLimiter: median(rounds.map((r) => r.ratioNoLimiter)),
      ratioNoLimiterRange: range((r) => r.ratioNoLimiter),
      cpuUsPerView: Object.fromEntries(
        VARIANTS.map((v) => {
          const readings = rounds.map((r) => r[v].cpuUsPerView);
          return [v, readings.some((c) => c === null) ? null : median(readings as number[])];
        }),
      ) as Record<Variant, number | null>,
      counts: countsOf,
    };
    const rps = (v: Variant) => fmt(median(rounds.map((r) => r[v].rps)));
    done(
      `queue ${rps('queue-nolimit')} req/s, direct ${rps('direct-nolimit')} req/s: ` +
        `${result.ratioNoLimiter.toFixed(2)}x (${result.ratioNoLimiterRange.map((x) => x.toFixed(2)).join('–')}); ` +
        `with Miniflare's limiter in both ${rps('queue')} vs ${rps('direct')}: ${result.ratio.toFixed(2)}x`,
    );
    return result;
  } finally {
    await stack.dispose();
  }
}

/** (b) 10% of the messages crash after their commit, before the ack: redelivered, nothing counts twice. */
async function redelivery(run: Run, logPath: string): Promise<NonNullable<ScaleResult['redelivery']>> {
  const shards = 2;
  const redeliverShare = 0.1;
  const amount = SIZES[run.config.mode].redelivery;
  const done = run.progress.step(`scale: ${fmt(amount)} app views, 10% of the messages redelivered`);
  const stack = await startScaleStack(shards, logPath, { redeliverShare });
  try {
    const aggregator = `bench-redeliver-${Date.now()}`;
    const sent = ok(
      run,
      'redelivery',
      await mobileLoad(run, stack, aggregator, 'queue', amount, videosFor(152)),
    );
    const check = await counts(stack, aggregator, sent);
    const handed = await stack.ingestCounts(aggregator);
    // One message per app view (one event a request): redelivered events are redelivered messages.
    const result = {
      ...check,
      shards,
      redeliverShare,
      redelivered: handed.duplicates,
    };
    if (handed.duplicates < 0.9 * redeliverShare * sent)
      run.failures.push(
        `scale redelivery: ${handed.duplicates} of ${sent} messages redelivered, under ${redeliverShare * 100}%`,
      );
    exact(run, 'redelivery', check);
    if (result.redelivered === 0) run.failures.push('scale redelivery: no message was redelivered');
    if (handed.events - handed.duplicates !== sent)
      run.failures.push(
        `scale redelivery: ${handed.events - handed.duplicates} events counted new for ${sent}`,
      );
    done(
      `${fmt(sent)} sent, ${fmt(check.counted)} counted, ${fmt(check.listed)} listed, ` +
        `${fmt(result.redelivered)} redelivered (${((result.redelivered / sent) * 100).toFixed(1)}%)`,
    );
    return result;
  } finally {
    await stack.dispose();
  }
}

/**
 * (c) the same app views through the queue into 1, 2, 4 and 8 shards, on the api without
 * Miniflare's limiter (with it, every layout measures that one local object: see mobile()).
 */
async function shardSweep(run: Run, logPath: string): Promise<NonNullable<ScaleResult['shards']>> {
  const amount = SIZES[run.config.mode].sweep;
  const results: NonNullable<ScaleResult['shards']> = [];
  for (const shards of [1, 2, 4, 8]) {
    const done = run.progress.step(
      `scale: ${fmt(amount)} app views through the queue into ${shards} shard(s), no local limiter`,
    );
    const stack = await startScaleStack(shards, logPath);
    try {
      const aggregator = `bench-shards-${shards}-${Date.now()}`;
      const videos = videosFor(153);
      await mobileLoad(run, stack, `${aggregator}-warm`, 'queue-nolimit', 200, videos);
      const started = performance.now();
      const load = await mobileLoad(run, stack, aggregator, 'queue-nolimit', amount, videos);
      const sent = ok(run, `${shards} shards`, load);
      await untilSeenKeys(stack.api, sent, aggregator);
      const committedEventsPerS = sent / ((performance.now() - started) / 1000);
      const check = await counts(stack, aggregator, sent);
      exact(run, `${shards} shards`, check);
      results.push({ shards, ...check, rps: load.rps, p99Ms: load.latencyMs.p99, committedEventsPerS });
      done(
        `${fmt(load.rps)} req/s, all committed at ${fmt(committedEventsPerS)} events/s, ` +
          `${fmt(check.counted)}/${fmt(sent)} counted`,
      );
    } finally {
      await stack.dispose();
    }
  }
  return results;
}

/** (d) the 7d window over 8 shards: the coordinator's merge, and where its time goes. */
async function merge(run: Run, logPath: string): Promise<ScaleResult['merge']> {
  const shards = 8;
  const size = run.config.mode === 'quick' ? SIZES.quick.mergeEvents : run.config.scaleMergeEvents;
  const done = run.progress.step(`scale: 7d merge over ${shards} shards at ${fmt(size)} events`);
  const stack = await startScaleStack(shards, logPath);
  try {
    const aggregator = `bench-merge-${size}-${Date.now()}`;
    // The compute-cost scenario's workload and seeding (compute-cost.ts), into 8 shards.
    const generatedAt = Date.now();
    const workload = demoEvents(size, 5);
    await postVideos(stack.api, workload.videos, { aggregator, concurrency: 4 });
    // Generating and registering 1M events' videos takes minutes: move the events by that much,
    // so the oldest are still within 7 days when they are sent (and none is in the future).
    const shift = Date.now() - generatedAt;
    const events = workload.events.map((e) => ({ ...e, timestamp: (e.timestamp ?? generatedAt) + shift }));
    const seeded = await postEvents(stack.api, events, {
      aggregator,
      concurrency: 4,
      ingestKey: stack.ingestKey,
      onProgress:
        size >= 100_000 ? seedProgress(run, `seeding ${fmt(size)} over ${shards} shards`) : undefined,
    });
    if (seeded.accepted !== workload.events.length)
      run.failures.push(`scale merge: ${seeded.accepted} of ${workload.events.length} events accepted`);
    await untilSeenKeys(stack.api, workload.events.length, aggregator);
    const q = `window=7d&aggregator=${encodeURIComponent(aggregator)}`;
    const json = async (path: string) => {
      const t0 = performance.now();
      const res = await fetch(`${stack.probe}${path}`);
      return { ms: performance.now() - t0, body: (await res.json()) as Record<string, unknown> };
    };
    const repeats = run.config.mode === 'quick' ? 3 : 7;
    const computeMs: number[] = [];
    const roundTrips: number[] = [];
    const perShard: number[][] = Array.from({ length: shards }, () => []);
    const concurrent: number[] = [];
    const mergeMs: number[] = [];
    let candidateBytes = 0;
    let candidates = 0;
    for (let i = 0; i < repeats + 1; i++) {
      const computed = await json(`/compute?${q}`);
      const peeked = await json(`/peek?${q}`);
      const ranked = await json(`/rank-shards?${q}&shards=${shards}&parts=1`);
      if (i === 0) continue; // the first wakes the objects and warms SQLite's page cache
      computeMs.push(Number(computed.body.computeMs));
      roundTrips.push(computed.ms - peeked.ms);
      for (const [s, ms] of (ranked.body.perShardMs as number[]).entries()) perShard[s]?.push(ms);
      concurrent.push(Number(ranked.body.concurrentMs));
      candidateBytes = Number(ranked.body.bytes);
      candidates = Number(ranked.body.candidates);
      const parts = ranked.body.parts as ShardPart[];
      const t0 = performance.now();
      mergeParts(parts, GROUPED_VIDEOS);
      mergeMs.push(performance.now() - t0);
    }
    const result = {
      shards,
      events: size,
      videos: workload.videos.length,
      seedEventsPerS: seeded.eventsPerS,
      computeMs: median(computeMs),
      roundTripMs: median(roundTrips),
      perShardMs: perShard.map(median),
      concurrentMs: median(concurrent),
      candidateBytes,
      candidates,
      mergeMs: median(mergeMs),
      repeats,
    };
    done(
      `${result.computeMs.toFixed(0)} ms in the coordinator (${result.roundTripMs.toFixed(1)} ms round trip); ` +
        `shards alone ${Math.min(...result.perShardMs).toFixed(1)}–${Math.max(...result.perShardMs).toFixed(1)} ms, ` +
        `all at once ${result.concurrentMs.toFixed(1)} ms, ${fmt(candidates)} candidates in ${fmt(candidateBytes / 1024)} KiB, ` +
        `merge ${result.mergeMs.toFixed(2)} ms`,
    );
    return result;
  } finally {
    await stack.dispose();
  }
}

export const SCALE_STEPS = ['mobile', 'redelivery', 'shards', 'merge'] as const;

/**
 * `steps`: which of (a) mobile, (b) redelivery, (c) shards, (d) merge to run (--scale-steps).
 * Each step's result goes into `into` as it ends, so a step that throws keeps the others'.
 */
export async function scale(
  run: Run,
  logPath: string,
  into: ScaleResult,
  steps: ReadonlySet<string> = new Set(SCALE_STEPS),
): Promise<void> {
  if (steps.has('mobile')) into.mobile = await mobile(run, logPath);
  if (steps.has('redelivery')) into.redelivery = await redelivery(run, logPath);
  if (steps.has('shards')) into.shards = await shardSweep(run, logPath);
  if (steps.has('merge')) into.merge = await merge(run, logPath);
}
