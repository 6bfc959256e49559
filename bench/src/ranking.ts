// `pnpm bench:ranking`: the ranking-quality harness (apps/aggregator/src/ranking-quality/) on all
// 20 seeds, through the aggregator's vitest (its Rollups and ranking in workerd), and each case's
// pass rate written like the bench's results: bench/results/ranking-<date>.{json,md} (or --out).
// Exit code 1 when any case failed on any seed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CASES, type CaseId, type CaseOutcome } from '@openvine/aggregator/ranking-quality';

const { values: args } = parseArgs({
  options: { seeds: { type: 'string', default: '20' }, out: { type: 'string' } },
});
const benchDir = new URL('../', import.meta.url).pathname;
const repoRoot = new URL('../../', import.meta.url).pathname;
const outDir = args.out ?? `${benchDir}results`;
const started = performance.now();

const run = spawnSync('pnpm', ['exec', 'vitest', 'run', 'src/ranking-quality'], {
  cwd: `${repoRoot}apps/aggregator`,
  env: { ...process.env, RANKING_SEEDS: args.seeds },
  encoding: 'utf8',
  // The RANKING-RESULT lines of 20 seeds and the runner's own output: far below this.
  maxBuffer: 2 ** 28,
});
const seeds: { seed: number; outcomes: CaseOutcome[] }[] = [];
for (const line of `${run.stdout}\n${run.stderr}`.split('\n')) {
  const at = line.indexOf('RANKING-RESULT ');
  if (at !== -1) seeds.push(JSON.parse(line.slice(at + 'RANKING-RESULT '.length)));
}
seeds.sort((a, b) => a.seed - b.seed);
if (seeds.length !== Number(args.seeds)) {
  console.error(`expected ${args.seeds} seeds' results, got ${seeds.length}:\n${run.stdout}\n${run.stderr}`);
  process.exit(2);
}

const cases = (Object.keys(CASES) as CaseId[]).map((id) => {
  const outcomes = seeds.map((s) => ({ seed: s.seed, outcome: s.outcomes.find((o) => o.id === id) }));
  const passed = outcomes.filter((o) => o.outcome?.pass).length;
  return {
    id,
    description: CASES[id],
    passed,
    seeds: seeds.length,
    passRate: passed / seeds.length,
    failures: outcomes
      .filter((o) => !o.outcome?.pass)
      .map((o) => ({ seed: o.seed, detail: o.outcome?.detail ?? 'no result' })),
  };
});
const date = new Date().toISOString().slice(0, 10);
const results = {
  date,
  seeds: seeds.length,
  durationS: (performance.now() - started) / 1000,
  cases,
  perSeed: seeds,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/ranking-${date}.json`, `${JSON.stringify(results, null, 2)}\n`);
const md = [
  `# Ranking quality, ${date}`,
  '',
  `${seeds.length} seeds of the synthetic workload (apps/aggregator/src/ranking-quality/: 1,000 tail videos with log-normal viewer rates, 5 steady giants, 42 simulated hours), through the aggregator's rollups and ranking. \`pnpm bench:ranking\`.`,
  '',
  '| case | what it demands | passed | pass rate |',
  '| --- | --- | --- | --- |',
  ...cases.map(
    (c) => `| ${c.id} | ${c.description} | ${c.passed}/${c.seeds} | ${(c.passRate * 100).toFixed(0)}% |`,
  ),
  '',
  ...cases.flatMap((c) =>
    c.failures.length === 0
      ? []
      : [`## ${c.id} failures`, '', ...c.failures.map((f) => `- seed ${f.seed}: ${f.detail}`), ''],
  ),
].join('\n');
writeFileSync(`${outDir}/ranking-${date}.md`, md);
for (const c of cases)
  console.log(`${c.passed === c.seeds ? '✓' : '✗'} ${c.id}: ${c.passed}/${c.seeds} seeds`);
console.log(`wrote ${outDir}/ranking-${date}.json and .md in ${results.durationS.toFixed(0)} s`);
process.exit(cases.every((c) => c.passed === c.seeds) ? 0 : 1);
