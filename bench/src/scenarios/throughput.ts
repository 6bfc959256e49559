// Throughput and latency of the per-layer scenarios: interleaved rounds, each scenario's req/s as a
// ratio to hello-world's in the same round.
import type { TrendingWindow } from '../../../packages/trending-core/src/windows.ts';
import { type LoadResult, measure, pool } from '../load.ts';
import type { Target } from '../stack.ts';
import { status, type WindowStatus } from './api-probes.ts';
import { fmt, median, type Run } from './context.ts';
import { SCENARIOS, type ScenarioDef, TRENDING_PATH } from './layers.ts';

export interface ScenarioResult {
  id: string;
  label: string;
  target: Target;
  connections: number;
  note?: string;
  rps: number;
  /** Median over rounds of (this scenario's req/s / hello-world's req/s in the same round). */
  ratio: number;
  roundRps: number[];
  roundRatios: number[];
  /** Lowest and highest of the per-round ratios: the noise of this machine. */
  ratioRange: [number, number];
  latencyMs: LoadResult['latencyMs'];
  requests: number;
  statuses: Record<string, number>;
  layers: Record<string, number>;
  stale: number;
  /** Share of responses served by the layer the scenario is meant to measure. */
  expectedShare: number;
  computationsPerRequest?: number;
  bodyBytes: number;
}

export async function throughput(run: Run, bodies: Record<string, number>): Promise<ScenarioResult[]> {
  const { config } = run;
  const chosen = SCENARIOS.filter(
    (s) => s.id === 'hello' || !config.scenarioIds || config.scenarioIds.includes(s.id),
  );
  const byId = new Map<string, LoadResult[]>(chosen.map((s) => [s.id, []]));
  const computations = new Map<string, { requests: number; computations: number }>();
  for (let round = 1; round <= config.rounds; round++) {
    // Keep KV and the aggregator's snapshots fresh, as the cron does in production.
    await run.stack.runCron();
    // Interleaved: every scenario once per round, hello-world first, the others in an order that
    // rotates from round to round, so drift in the machine's speed hits all alike.
    const [floor, ...others] = chosen;
    const shift = (round - 1) % others.length;
    const order = [floor, ...others.slice(shift), ...others.slice(0, shift)].filter(
      (d): d is ScenarioDef => d !== undefined,
    );
    for (const [i, def] of order.entries()) {
      const connections = def.connections ?? config.connections;
      const done = run.progress.step(
        `[round ${round}/${config.rounds}] ${String(i + 1).padStart(2)}/${chosen.length} ${def.label}`,
      );
      let before: Record<TrendingWindow, WindowStatus> | undefined;
      const result = await measure(
        {
          url: run.stack.url[def.target],
          path: def.target === 'bench-hello' ? '/' : TRENDING_PATH,
          connections,
          durationS: config.durationS,
          warmupS: config.warmupS,
          ...(def.headers ? { headers: def.headers } : {}),
        },
        def.countComputations
          ? async () => {
              before = await status(run);
            }
          : undefined,
      );
      if (def.countComputations && before) {
        const after = await status(run);
        const entry = computations.get(def.id) ?? { requests: 0, computations: 0 };
        entry.requests += result.requests;
        entry.computations += after['24h'].computations - before['24h'].computations;
        computations.set(def.id, entry);
      }
      byId.get(def.id)?.push(result);
      const expected = def.expect === '-' ? result.requests : (result.layers[def.expect] ?? 0);
      done(
        `${fmt(result.rps).padStart(6)} req/s  p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms` +
          (def.expect === '-'
            ? ''
            : `  ${((expected / Math.max(1, result.requests)) * 100).toFixed(1)}% ${def.expect}`),
      );
    }
  }

  const hello = byId.get('hello') ?? [];
  return chosen.map((def) => {
    const rounds = byId.get(def.id) ?? [];
    const pooled = pool(rounds);
    const roundRatios = rounds.map((r, i) => r.rps / (hello[i]?.rps ?? Number.NaN));
    const non200 = Object.entries(pooled.statuses).filter(([code]) => code !== '200');
    if (non200.length > 0)
      run.failures.push(
        `${def.id}: ${non200.map(([code, n]) => `${n} × ${code}`).join(', ')} (expected only 200)`,
      );
    const expected = def.expect === '-' ? pooled.requests : (pooled.layers[def.expect] ?? 0);
    const expectedShare = expected / Math.max(1, pooled.requests);
    if (def.expect !== '-' && def.id !== 'memory-peer' && expectedShare < 0.9)
      run.warnings.push(
        `${def.id}: only ${(expectedShare * 100).toFixed(1)}% ${def.expect} (${JSON.stringify(pooled.layers)}): a layer over its time budget is skipped`,
      );
    const counted = computations.get(def.id);
    const result: ScenarioResult = {
      id: def.id,
      label: def.label,
      target: def.target,
      connections: def.connections ?? config.connections,
      rps: pooled.rps,
      ratio: median(roundRatios),
      roundRps: rounds.map((r) => r.rps),
      roundRatios,
      ratioRange: [Math.min(...roundRatios), Math.max(...roundRatios)],
      latencyMs: pooled.latencyMs,
      requests: pooled.requests,
      statuses: pooled.statuses,
      layers: pooled.layers,
      stale: pooled.stale,
      expectedShare,
      bodyBytes: bodies[def.id] ?? 0,
    };
    if (def.note) result.note = def.note;
    if (counted) result.computationsPerRequest = counted.computations / Math.max(1, counted.requests);
    return result;
  });
}
