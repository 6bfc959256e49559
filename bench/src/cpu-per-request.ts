// `node bench/src/cpu-per-request.ts [--target trending-api-edge,bench-cache-peer-headers] [--rounds 8] [--seconds 3]`:
// the CPU the local runtime (workerd, read from Linux's /proc) spends per request on each target,
// in interleaved rounds against the bench's main stack. On 2 cores the load generator takes CPU
// from the server, so requests/s ratios move by 5-10% between runs; CPU per request moves less,
// and says which of two hot paths does more work. Each target is reported against the first as
// the ratio of the medians and round by round (median, and geometric mean with its 95% interval).
// Linux only.
import { parseArgs } from 'node:util';
import { buildWorkers } from './build-workers.ts';
import { measure } from './load.ts';
import { runtimeCpuSince, workerdSnapshot } from './runtime-cpu.ts';
import { median, toolRun } from './scenarios/context.ts';
import { TRENDING_PATH } from './scenarios/layers.ts';
import { seedMain } from './scenarios/seed-main.ts';
import { startStack, type Target } from './stack.ts';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'trending-api-edge,bench-cache-peer-headers' },
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '3' },
  },
});
const targets = (args.target ?? '').split(',') as Target[];
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const benchDir = new URL('../', import.meta.url).pathname;

await buildWorkers();
const before = workerdSnapshot();
const stack = await startStack(`${benchDir}tmp/workerd.log`);
const cpu = runtimeCpuSince(before);
if (cpu.seconds() === null) {
  await stack.dispose();
  console.error('no workerd CPU readings here (Linux /proc is needed)');
  process.exit(2);
}
const run = toolRun(stack, seconds);
const load = (target: Target, durationS: number) =>
  measure({ url: stack.url[target], path: TRENDING_PATH, connections: 10, durationS, warmupS: 0 });
const readings = new Map(targets.map((t) => [t, { rps: [] as number[], cpuUs: [] as number[] }]));
try {
  await seedMain(run);
  await stack.runCron();
  for (const target of targets) await load(target, 2);
  for (let round = 0; round < rounds; round++) {
    // The order alternates, so neither target always runs on the heels of the other.
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const cpuBefore = cpu.seconds() ?? 0;
      const result = await load(target, seconds);
      const cpuAfter = cpu.seconds() ?? 0;
      const entry = readings.get(target);
      entry?.rps.push(result.rps);
      entry?.cpuUs.push(((cpuAfter - cpuBefore) * 1e6) / Math.max(1, result.requests));
    }
  }
} finally {
  await stack.dispose();
}
/**
 * Round-by-round ratios summed up: their median, and their geometric mean with a 95% interval
 * (normal approximation over the log ratios): whether two targets differ beyond the noise.
 */
function pairedSummary(ratios: number[]): { median: number; mean: number; low: number; high: number } {
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / Math.max(1, logs.length - 1);
  const half = 1.96 * Math.sqrt(variance / logs.length);
  return {
    median: median(ratios),
    mean: Math.exp(mean),
    low: Math.exp(mean - half),
    high: Math.exp(mean + half),
  };
}

const first = readings.get(targets[0] as Target);
for (const [target, { rps, cpuUs }] of readings) {
  const relative = first ? median(cpuUs) / median(first.cpuUs) : 1;
  // Round by round against the first target (its reading of the same round): the machine's speed
  // drifts between rounds, and a paired ratio cancels most of that drift.
  const ratios = first ? cpuUs.map((c, i) => c / (first.cpuUs[i] ?? c)) : [1];
  const paired = pairedSummary(ratios);
  console.log(
    `${target.padEnd(28)} ${median(rps).toFixed(0).padStart(6)} req/s  ${median(cpuUs).toFixed(0).padStart(5)} µs CPU a request ` +
      `(rounds: ${cpuUs.map((c) => c.toFixed(0)).join(' ')}); ${relative.toFixed(2)}x ${targets[0]}'s CPU; ` +
      `round by round: median ${paired.median.toFixed(3)}x, mean ${paired.mean.toFixed(3)}x ` +
      `(95%: ${paired.low.toFixed(3)}-${paired.high.toFixed(3)})`,
  );
}
for (const f of run.failures) console.log(`✗ ${f}`);
process.exit(0);
