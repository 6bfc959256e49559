// `pnpm test:mutations`: applies each mutation of scripts/lib/mutations.ts to a temporary copy of
// the repo (tracked and untracked-but-not-ignored files, so uncommitted work counts) and runs the
// tests there (`./scripts/test --tests-only`). Every mutation must make the run fail; the report
// names each one the suite let through. Slow (one test run per mutation), so not part of CI:
// run it before resolving an issue that touches these behaviours.
//
//   node scripts/lib/mutation-run.ts [--only id,id] [--keep] [--list]
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS, type Mutation } from './mutations.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};

if (flag('--list')) {
  for (const m of MUTATIONS) console.log(`${m.id.padEnd(24)} ${m.behaviour}`);
  process.exit(0);
}

const only = option('--only')
  ?.split(',')
  .map((s) => s.trim());
const selected = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
if (only && selected.length !== only.length) {
  const known = new Set(MUTATIONS.map((m) => m.id));
  console.error(`unknown mutation(s): ${only.filter((id) => !known.has(id)).join(', ')}`);
  process.exit(2);
}

function copyRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'openvine-mutations-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue; // deleted in the work tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(from, join(dir, file));
  }
  // The bootstrapped Node and pnpm, if any: the copy need not download them again.
  if (existsSync(join(repoRoot, '.tools'))) symlinkSync(join(repoRoot, '.tools'), join(dir, '.tools'));
  return dir;
}

interface Outcome {
  mutation: Mutation | null;
  verdict: 'caught' | 'SURVIVED' | 'stale' | 'passed' | 'FAILED';
  summary: string;
  seconds: number;
}

function runTests(dir: string, logFile: string): { ok: boolean; summary: string; seconds: number } {
  const started = Date.now();
  const run = spawnSync('bash', ['scripts/test', '--tests-only'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: '' },
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  writeFileSync(logFile, output);
  const summary =
    output
      .split('\n')
      .reverse()
      .find((line) => /\d+ passed, \d+ failed/.test(line)) ?? '(no summary line)';
  return {
    ok: run.status === 0,
    summary: summary.trim(),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

function occurrences(text: string, find: string): number {
  return text.split(find).length - 1;
}

const reportDir = join(repoRoot, 'mutation-reports');
mkdirSync(reportDir, { recursive: true });
const dir = copyRepo();
console.error(`copy of the repo: ${dir}`);
const outcomes: Outcome[] = [];

const baseline = runTests(dir, join(reportDir, 'baseline.log'));
outcomes.push({
  mutation: null,
  verdict: baseline.ok ? 'passed' : 'FAILED',
  summary: baseline.summary,
  seconds: baseline.seconds,
});
console.error(
  `baseline (no mutation): ${baseline.ok ? 'passed' : 'FAILED'}: ${baseline.summary} (${baseline.seconds}s)`,
);
if (!baseline.ok) {
  console.error('the suite fails without any mutation: fix that first (mutation-reports/baseline.log)');
  process.exit(1);
}

for (const mutation of selected) {
  const path = join(dir, mutation.file);
  const original = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const count = occurrences(original, mutation.find);
  if (count !== 1) {
    outcomes.push({ mutation, verdict: 'stale', summary: `find text occurs ${count} times`, seconds: 0 });
    console.error(`${mutation.id}: STALE (find text occurs ${count} times in ${mutation.file})`);
    continue;
  }
  writeFileSync(path, original.replace(mutation.find, mutation.replace));
  try {
    const result = runTests(dir, join(reportDir, `${mutation.id}.log`));
    const verdict = result.ok ? 'SURVIVED' : 'caught';
    outcomes.push({ mutation, verdict, summary: result.summary, seconds: result.seconds });
    console.error(`${mutation.id}: ${verdict}: ${result.summary} (${result.seconds}s)`);
  } finally {
    writeFileSync(path, original);
  }
}

const rows = outcomes.map(
  (o) =>
    `| ${o.mutation?.id ?? '(none)'} | ${o.mutation?.behaviour ?? 'baseline'} | ${o.verdict} | ${o.summary} | ${o.seconds} |`,
);
const report = [
  `# Mutation run ${new Date().toISOString()}`,
  '',
  '| mutation | behaviour | verdict | last line | s |',
  '|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
writeFileSync(join(reportDir, 'report.md'), report);
console.log(report);

if (!flag('--keep')) rmSync(dir, { recursive: true, force: true });
const bad = outcomes.filter((o) => o.verdict === 'SURVIVED' || o.verdict === 'stale');
console.log(
  bad.length === 0
    ? `all ${selected.length} mutations caught`
    : `${bad.length} of ${selected.length} not caught: ${bad.map((o) => `${o.mutation?.id} (${o.verdict})`).join(', ')}`,
);
process.exit(bad.length === 0 ? 0 : 1);
