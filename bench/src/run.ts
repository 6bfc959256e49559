// `pnpm bench` (turbo builds the apps and bench/dist first): the three Workers from their production
// bundles under Miniflare, every scenario of issue 6, results in bench/results/<date>.{json,md,svg}.
//   node bench/src/run.ts [--quick] [--rounds N] [--duration S] [--sizes 10000,100000] [--out DIR]
//   node bench/src/run.ts --render bench/results/<date>.json   (rewrites its .md and .svg)
//   --parts throughput,herd,zipf,ingest,compute,scale and --scenarios edge,cache-peer run a subset
//   (scenario ids in src/scenarios/layers.ts), for investigating one target; --scale-steps
//   mobile,redelivery,shards,merge and --scale-events N (default 1M) narrow the scale part.
// --quick runs every scenario briefly (under 2 minutes) and writes to bench/tmp/results unless --out
// is given. The exit code is non-zero only on functional errors (wrong counts, non-200s, more than
// one computation in the herd), never on timing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorkers } from './build-workers.ts';
import { checkTargets, type Results, writeResults } from './report.ts';
import {
  bodySizes,
  type Config,
  computeCost,
  herd,
  ingest,
  type Progress,
  type Run,
  scale,
  seedMain,
  throughput,
  zipf,
} from './scenarios/index.ts';
import { startStack } from './stack.ts';

const benchDir = new URL('../', import.meta.url).pathname;
const repoRoot = new URL('../../', import.meta.url).pathname;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    sizes: { type: 'string' },
    'scale-events': { type: 'string' },
    'scale-steps': { type: 'string' },
    parts: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string' },
    render: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .slice(0, 7)
      .join('\n'),
  );
  process.exit(0);
}

// --render results/<date>.json: rewrites that run's markdown and chart (and target checks) only.
if (args.render) {
  const saved = JSON.parse(readFileSync(args.render, 'utf8')) as Results;
  const files = writeResults(dirname(resolve(args.render)), { ...saved, targets: checkTargets(saved) });
  console.log(`wrote ${files.join(', ')}`);
  process.exit(0);
}

const quick = args.quick ?? false;
const config: Config = {
  mode: quick ? 'quick' : 'full',
  // This machine's speed drifts by tens of percent from second to second (see bench/README.md):
  // many short interleaved rounds, and medians of per-round ratios, rather than a few long runs.
  rounds: Number(args.rounds ?? (quick ? 1 : 6)),
  durationS: Number(args.duration ?? (quick ? 2 : 3)),
  warmupS: 1,
  connections: 10,
  zipfRequests: 20_000,
  herdSize: 200,
  ingestEvents: quick ? 5_000 : 50_000,
  // Seeding runs through HTTP at ~2-3k events/s: 1M takes minutes, so --quick measures 10k only.
  computeSizes: args.sizes
    ? args.sizes.split(',').map(Number)
    : quick
      ? [10_000]
      : [10_000, 100_000, 1_000_000],
  computeRepeats: quick ? 3 : 5,
  scaleMergeEvents: Number(args['scale-events'] ?? 1_000_000),
  ...(args.scenarios ? { scenarioIds: args.scenarios.split(',') } : {}),
};
const PARTS = ['throughput', 'herd', 'zipf', 'ingest', 'compute', 'scale'] as const;
const parts = new Set(args.parts ? args.parts.split(',') : PARTS);
const unknownPart = [...parts].find((p) => !(PARTS as readonly string[]).includes(p));
if (unknownPart) {
  console.error(`unknown part "${unknownPart}" (parts: ${PARTS.join(', ')})`);
  process.exit(2);
}

const tty = process.stdout.isTTY;
const runStarted = performance.now();
const elapsed = () => `${((performance.now() - runStarted) / 1000).toFixed(0).padStart(4)}s`;
const progress: Progress = {
  step(label) {
    const started = performance.now();
    if (tty) process.stdout.write(`${elapsed()} → ${label} …`);
    else console.log(`${elapsed()} → ${label}`);
    return (summary) => {
      const took = ((performance.now() - started) / 1000).toFixed(1);
      if (tty) process.stdout.write(`\r\x1b[2K${elapsed()} ✓ ${label}: ${summary} (${took} s)\n`);
      else console.log(`${elapsed()}   ✓ ${summary} (${took} s)`);
    };
  },
  note(line) {
    if (tty) process.stdout.write(`\r\x1b[2K${line}\n`);
    else console.log(line);
  },
};

function git(...cmd: string[]): string {
  try {
    return execFileSync('git', cmd, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function packageVersion(name: string, from = `${benchDir}package.json`): string {
  try {
    const require = createRequire(from);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const environment = {
  commit: git('rev-parse', '--short', 'HEAD'),
  dirty: git('status', '--porcelain', '--', 'apps', 'packages') ? 1 : 0,
  node: process.versions.node,
  cpus: availableParallelism(),
  miniflare: packageVersion('miniflare'),
  workerd: packageVersion('workerd', createRequire(`${benchDir}package.json`).resolve('miniflare')),
  autocannon: packageVersion('autocannon'),
  hono: packageVersion('hono'),
};

console.log(
  `OpenVine Trending bench (${config.mode}): Miniflare ${environment.miniflare}, workerd ${environment.workerd}, ` +
    `Node ${environment.node}, ${environment.cpus} cores`,
);
await buildWorkers();
const startedAt = new Date();
// The Workers' own log lines (warnings are also counted in the results).
mkdirSync(`${benchDir}tmp`, { recursive: true });
const stack = await startStack(`${benchDir}tmp/workerd.log`).catch((err: unknown) => {
  console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
progress.note(`${elapsed()} ✓ ${Object.keys(stack.url).length} Workers up, each on its own direct socket`);

const run: Run = { stack, config, progress, failures: [], warnings: [] };
const partial: Omit<Results, 'targets'> = {
  date: startedAt.toISOString().slice(0, 10),
  mode: config.mode,
  startedAt: startedAt.toISOString(),
  durationS: 0,
  environment,
  config: { ...config },
  seed: { events: 0, seconds: 0 },
  scenarios: [],
  failures: run.failures,
  warnings: run.warnings,
  workerLogs: {},
};

try {
  partial.seed = await seedMain(run);
  const bodies = await bodySizes(run);
  if (parts.has('throughput')) partial.scenarios = await throughput(run, bodies);
  if (parts.has('herd')) partial.herd = await herd(run);
  if (parts.has('zipf')) partial.zipf = await zipf(run);
  if (parts.has('ingest')) partial.ingest = await ingest(run);
  if (parts.has('compute')) partial.compute = await computeCost(run);
  if (parts.has('scale')) {
    partial.scale = {};
    await scale(
      run,
      `${benchDir}tmp/workerd-scale.log`,
      partial.scale,
      args['scale-steps'] ? new Set(args['scale-steps'].split(',')) : undefined,
    );
  }
} catch (err) {
  run.failures.push(`the run stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  partial.workerLogs = Object.fromEntries(stack.logCounts);
  await stack.dispose();
}

partial.durationS = (performance.now() - runStarted) / 1000;
const results: Results = { ...partial, targets: checkTargets(partial) };
const outDir = args.out ?? (quick ? `${benchDir}tmp/results` : `${benchDir}results`);
const files = writeResults(outDir, results);

console.log('');
for (const t of results.targets)
  console.log(`${t.met === null ? '·' : t.met ? '✓' : '✗'} ${t.target}: ${t.measured}`);
for (const w of run.warnings) console.log(`! ${w}`);
for (const f of run.failures) console.log(`✗ functional error: ${f}`);
console.log(
  `\nwrote ${files.map((f) => f.replace(repoRoot, '')).join(', ')} in ${partial.durationS.toFixed(0)} s`,
);
process.exit(run.failures.length > 0 ? 1 : 0);
