// One seed of the ranking-quality harness: 42 simulated hours of the workload (workload.ts), the
// cases' subjects added to it, and the checks of cases.ts at their moments. The ranking under
// test is whatever `RankingTarget` wraps: the aggregator's own rollups and ranking (the test and
// `pnpm bench:ranking` both use apps/aggregator's Rollups and rankWindow).
import { DAY_MS, HOUR_MS, MINUTE_MS, type TrendingWindow } from '@openvine/trending-core';
import type { CaseId, CaseOutcome } from './cases.ts';
import { DEFAULT_WORKLOAD, type SimulatedView, Workload } from './workload.ts';

export interface RankingTarget {
  /** Stores views that arrived by `now` (epoch ms). */
  ingest(views: readonly SimulatedView[], now: number): void;
  /** The window's ranked video ids at `now`, best first (top 100). */
  rank(window: TrendingWindow, now: number): string[];
}

const H = HOUR_MS;
const M = MINUTE_MS;
const REPLAYS = 1_000;
const PEAK_HIT_PER_HOUR = 800;

/** 1-based rank of `videoId` in `ranked`, or Infinity when it does not rank. */
function rankOf(ranked: readonly string[], videoId: string): number {
  const at = ranked.indexOf(videoId);
  return at === -1 ? Number.POSITIVE_INFINITY : at + 1;
}

export function simulateSeed(seed: number, target: RankingTarget, start: number): CaseOutcome[] {
  const workload = new Workload({ seed, ...DEFAULT_WORKLOAD }, start);
  const between = (t: number, from: number, to: number) => t >= from && t < to;

  // T1: a steady 30 an hour for a day, then 300 an hour from 25 h.
  const spike = workload.videoId();
  workload.add({ videoId: spike, perHour: (t) => (t < 25 * H ? 30 : 300) });
  // T4: the 24h #1 at 24 h (800 an hour from 16 h), then no views at all.
  const hit = workload.videoId();
  workload.add({ videoId: hit, perHour: (t) => (between(t, 16 * H, 24 * H) ? PEAK_HIT_PER_HOUR : 0) });
  // T2b: four viewers, 200 views between them, in the hour after 24 h.
  const few = workload.videoId();
  workload.add({
    videoId: few,
    perHour: (t) => (between(t, 24 * H, 25 * H) ? 200 : 0),
    viewerOf: (n) => `few-${n % 4}`,
    networkOf: (n) => `net-few-${n % 4}`,
  });
  // T6: 300 invented viewers from one network, and 300 real ones from 300 networks, in 10 min.
  const sock = workload.videoId();
  const honest = workload.videoId();
  const burst = (t: number) => (between(t, 27 * H, 27 * H + 10 * M) ? 1_800 : 0);
  workload.add({ videoId: sock, perHour: burst, networkOf: () => 'net-sockpuppets' });
  workload.add({ videoId: honest, perHour: burst, networkOf: (n) => `net-honest-${n}` });

  const checks: Record<CaseId, string[]> = { T1: [], T2: [], T2b: [], T4: [], T5: [], T6: [] };
  const failed = new Set<CaseId>();
  const check = (id: CaseId, ok: boolean, what: string) => {
    checks[id].push(`${ok ? '✓' : '✗'} ${what}`);
    if (!ok) failed.add(id);
  };

  const end = 42 * H;
  let fewBest = Number.POSITIVE_INFINITY;
  let sockBest = Number.POSITIVE_INFINITY;
  for (let t = 0; t < end; t += M) {
    target.ingest(workload.minute(t), start + t + M);
    const now = start + t + M;
    const at = t + M;

    if (at === 24 * H) {
      const day = target.rank('24h', now);
      check('T4', day[0] === hit, `the hit is the 24h #1 at 24 h (it is #${rankOf(day, hit)})`);
      for (const window of ['1h', '24h'] as const) {
        const first = target.rank(window, now).slice(0, 50);
        const second = target.rank(window, now + 30_000).slice(0, 50);
        check('T5', first.join() === second.join(), `${window} top 50 unchanged 30 s later`);
      }
      // The 24h list (the app's default): rank 50 there is a video with a day's audience.
      const subject = day[49];
      if (!subject) check('T2', false, `a 24h rank 50 exists (${day.length} rank)`);
      else {
        const replays: SimulatedView[] = Array.from({ length: REPLAYS }, (_, i) =>
          workload.view(
            subject,
            'replayer',
            now - Math.floor(((i + 1) / REPLAYS) * (7 * DAY_MS - H)),
            'net-replay',
          ),
        );
        target.ingest(replays, now);
        const after = rankOf(target.rank('24h', now), subject);
        check('T2', after >= 49, `rank 50 → ${after} after ${REPLAYS} replays by one viewer`);
      }
    }
    if (between(at, 24 * H, 26 * H + M) && at % (5 * M) === 0) {
      for (const window of ['1h', '24h'] as const)
        fewBest = Math.min(fewBest, rankOf(target.rank(window, now), few));
      if (at === 26 * H)
        check('T2b', fewBest === Number.POSITIVE_INFINITY, `best rank ${fewBest} in 2 h (1h and 24h)`);
    }
    if (at === 25 * H + 15 * M) {
      const rank = rankOf(target.rank('1h', now), spike);
      check('T1', rank <= 10, `1h rank ${rank} 15 min after the jump (top 10)`);
    }
    if (at === 25 * H + 30 * M) {
      const rank = rankOf(target.rank('1h', now), spike);
      check('T1', rank <= 3, `1h rank ${rank} 30 min after the jump (top 3)`);
    }
    if (between(at, 27 * H, 28 * H + M) && at % (2 * M) === 0) {
      const hour = target.rank('1h', now);
      sockBest = Math.min(sockBest, rankOf(hour, sock));
      if (at === 28 * H)
        check('T6', sockBest > 20, `sockpuppets' best 1h rank in the hour from their burst: ${sockBest}`);
      if (at === 27 * H + 10 * M) {
        const real = rankOf(hour, honest);
        check('T6', real <= 10, `300 networks' video at the end of its burst: rank ${real} (top 10)`);
      }
    }
  }

  // T4, 3 half-lives of the 24h window after the hit's last view.
  const now = start + end;
  const day = target.rank('24h', now);
  const hitRank = rankOf(day, hit);
  const strong = [...workload.giants, { videoId: spike, perHour: () => 300 }].filter(
    (s) => s.perHour(end) >= 0.2 * PEAK_HIT_PER_HOUR,
  );
  const above = strong.filter((s) => rankOf(day, s.videoId) < hitRank);
  check(
    'T4',
    above.length === strong.length,
    `hit #${hitRank}; ${above.length}/${strong.length} videos at ≥20% of its peak rate rank above it`,
  );

  return (Object.keys(checks) as CaseId[]).map((id) => ({
    id,
    pass: !failed.has(id) && checks[id].length > 0,
    detail: checks[id].join('; '),
  }));
}
