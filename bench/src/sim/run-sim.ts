// `pnpm sim`: the deterministic simulation of the read cascade and of ingest at Internet scale
// (issue 15 item 5), with trending-core's own policy. Writes the generated block of
// docs/scaling.md and docs/scaling-sim.svg, and the raw numbers to bench/tmp/sim/results.json.
//   node bench/src/sim/run-sim.ts [--seed 1] [--data-centers 300] [--dc-zipf 1] [--isolates 8]
//     [--rps 10000,100000,1000000] [--key-zipf 1.1] [--orders today,kv-first-far,regional-replicas,today+window-edge,today+key-and-window-edge,...]
//     [--kv-first-from 100] [--duration 240] [--warmup 60] [--events 1000,10000,100000]
//     [--shards 0] [--queues 0] [--videos 10000] [--video-zipf 1] [--batched-share 0] [--batch-timeout 1]
//     [--bench-results bench/results/<date>.json] [--check-against a.json,b.json] [--no-write]
// Round trips per data center: data-centers.ts (assumptions and sources). --shards/--queues 0:
// the fewest that fit. Same flags and seed, same numbers on every machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simulateReads } from './read-cascade.ts';
import {
  benchCheckConfig,
  benchZipfFrom,
  parseVariant,
  type ReadVariant,
  runIngest,
  runReads,
  type SimOptions,
} from './scenarios.ts';
import { newestBenchResult, serviceTimesFrom } from './service-times.ts';
import { chart, markdown, type SimResults, spliceGenerated } from './sim-report.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const VARIANTS = [
  'today',
  'kv-first-far',
  'regional-replicas',
  'today+window-edge',
  'regional-replicas+window-edge',
  'today+key-and-window-edge',
];

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    'data-centers': { type: 'string', default: '300' },
    'dc-zipf': { type: 'string', default: '1' },
    isolates: { type: 'string', default: '8' },
    rps: { type: 'string', default: '10000,100000,1000000' },
    'key-zipf': { type: 'string', default: '1.1' },
    orders: { type: 'string', default: VARIANTS.join(',') },
    'kv-first-from': { type: 'string', default: '100' },
    duration: { type: 'string', default: '240' },
    warmup: { type: 'string', default: '60' },
    events: { type: 'string', default: '1000,10000,100000' },
    shards: { type: 'string', default: '0' },
    queues: { type: 'string', default: '0' },
    videos: { type: 'string', default: '10000' },
    'video-zipf': { type: 'string', default: '1' },
    'batched-share': { type: 'string', default: '0' },
    'batch-timeout': { type: 'string', default: '1' },
    'bench-results': { type: 'string' },
    'check-against': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .slice(0, 10)
      .join('\n'),
  );
  process.exit(0);
}

const numbers = (text: string) => text.split(',').map(Number);
// File flags: from where the command was typed; `pnpm sim` runs in bench/ (turbo), so a path that
// is not there is taken from the repository's root.
const input = (path: string) => (existsSync(path) ? path : resolve(repoRoot, path));
const variants: ReadVariant[] = args.orders.split(',').map((text) => {
  const variant = parseVariant(text);
  if (!variant) {
    console.error(`unknown order "${text}" (orders: ${VARIANTS.join(', ')})`);
    process.exit(2);
  }
  return variant;
});
const benchFile = args['bench-results']
  ? input(args['bench-results'])
  : newestBenchResult(`${repoRoot}bench/results`);
const serviceTimes = serviceTimesFrom(benchFile);
const options: SimOptions = {
  seed: Number(args.seed),
  dataCenters: Number(args['data-centers']),
  dataCenterS: Number(args['dc-zipf']),
  isolates: Number(args.isolates),
  requestRates: numbers(args.rps),
  keyS: Number(args['key-zipf']),
  variants,
  kvFirstFromRtt: Number(args['kv-first-from']),
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  eventRates: numbers(args.events),
  shards: Number(args.shards),
  queues: Number(args.queues),
  videos: Number(args.videos),
  videoS: Number(args['video-zipf']),
  batchedShare: Number(args['batched-share']),
  batchTimeout: Number(args['batch-timeout']),
  serviceTimes,
};

console.log(
  `pnpm sim: service times from ${benchFile.replace(repoRoot, '')} (measured ${serviceTimes.measured})`,
);
const checkFiles = args['check-against'] ? args['check-against'].split(',').map(input) : [benchFile];
const checks = checkFiles.map((file) => {
  const bench = benchZipfFrom(file);
  const simulated = simulateReads(benchCheckConfig(options.seed, serviceTimes, bench));
  console.log(
    `check against the bench of ${bench.date}: memory ${(bench.shares['HIT-MEMORY'] ?? 0) * 100}% measured, ` +
      `${(simulated.shares.memory * 100).toFixed(2)}% simulated`,
  );
  return { bench, simulated };
});
const reads = runReads(options, (line) => console.log(line));
const ingest = runIngest(options);
const { serviceTimes: _measuredTimes, ...shown } = options;
const results: SimResults = {
  options: shown,
  serviceTimesMeasured: serviceTimes.measured,
  reads,
  ingest,
  checks,
};

mkdirSync(`${repoRoot}bench/tmp/sim`, { recursive: true });
writeFileSync(`${repoRoot}bench/tmp/sim/results.json`, `${JSON.stringify(results, null, 1)}\n`);
if (!args['no-write']) {
  const docPath = `${repoRoot}docs/scaling.md`;
  let doc = '';
  try {
    doc = readFileSync(docPath, 'utf8');
  } catch {
    doc = '# Scaling\n\n## Simulation\n';
  }
  writeFileSync(docPath, spliceGenerated(doc, markdown(results)));
  // The repository's formatter pads markdown tables: format the document as `biome check` wants it.
  try {
    execFileSync('pnpm', ['exec', 'biome', 'format', '--write', docPath], { cwd: repoRoot, stdio: 'ignore' });
  } catch {
    console.warn(
      'could not run biome on docs/scaling.md: run `pnpm exec biome format --write docs/scaling.md`',
    );
  }
  writeFileSync(`${repoRoot}docs/scaling-sim.svg`, chart(results));
  console.log(
    'wrote docs/scaling.md (its generated block), docs/scaling-sim.svg, bench/tmp/sim/results.json',
  );
} else console.log('wrote bench/tmp/sim/results.json');
