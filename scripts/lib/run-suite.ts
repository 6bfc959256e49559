// Runs one test suite the way ./scripts/test counts it. Every package's test script calls it:
//
//   node ../../scripts/lib/run-suite.ts <suite> [--build-self] [--build <package>] [-- <more vitest args>]
//
// 1. Builds, from current source, the Workers this package loads from their dist/ bundles
//    (`turbo run build --filter=<package>^...`; with --build-self the package's own bundle too,
//    with --build <package> that package's, for a bundle loaded but not depended on),
//    so a single-package run (`pnpm --filter @openvine/api test`) never tests old code. Turbo's
//    cache keeps this cheap. Skipped inside a turbo task, whose `dependsOn` already built them.
// 2. Runs `vitest run` with the JSON reporter into <reports>/<suite>.json.
// 3. Records vitest's exit code in <reports>/<suite>.exit (vitest can exit 1 on an unhandled
//    error while its JSON says success) and exits with it.
//
// <reports> is $OPENVINE_REPORTS_DIR, else the repo's .reports/. test-summary.ts reads both files.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function usage(): never {
  console.error('usage: run-suite.ts <suite> [--build-self] [--build <package>] [-- <vitest args>]');
  process.exit(2);
}

const argv = process.argv.slice(2);
const suite = argv.shift();
if (!suite || !/^[\w-]+$/.test(suite)) usage();
let buildSelf = false;
const alsoBuild: string[] = [];
const vitestArgs: string[] = [];
while (argv.length > 0) {
  const arg = argv.shift() as string;
  if (arg === '--build-self') buildSelf = true;
  else if (arg === '--build' && argv[0]) alsoBuild.push(argv.shift() as string);
  else if (arg === '--') vitestArgs.push(...argv.splice(0));
  else usage();
}

const reportsDir = resolve(process.env.OPENVINE_REPORTS_DIR ?? join(repoRoot, '.reports'));
mkdirSync(reportsDir, { recursive: true });
const reportFile = join(reportsDir, `${suite}.json`);
const exitFile = join(reportsDir, `${suite}.exit`);
// A report or exit code left from an earlier run must not stand in for this one.
rmSync(reportFile, { force: true });
rmSync(exitFile, { force: true });

/** Writes the suite's exit code (first line) and an optional note, then exits with the code. */
function finish(code: number, note?: string): never {
  writeFileSync(exitFile, `${code}\n${note ? `${note}\n` : ''}`);
  process.exit(code);
}

/**
 * Runs a command; resolves to its exit code (128 + signal number when killed). With `quiet` its
 * output is kept and printed only when it fails.
 */
function run(command: string, args: string[], cwd: string, quiet = false): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', (error) => {
      console.error(`run-suite: could not start ${command}: ${error.message}`);
      done(127);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
      if (quiet && status !== 0) process.stderr.write(Buffer.concat(output));
      done(status);
    });
  });
}

const manifest = join(process.cwd(), 'package.json');
const packageName = existsSync(manifest)
  ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name
  : undefined;
// turbo sets TURBO_HASH in every task it runs; its `dependsOn` has built the bundles already.
if (packageName && !process.env.TURBO_HASH) {
  const filters = [
    `--filter=${packageName}${buildSelf ? '' : '^'}...`,
    ...alsoBuild.map((p) => `--filter=${p}...`),
  ];
  const filter = filters.join(' ');
  const started = Date.now();
  const code = await run(
    join(repoRoot, 'node_modules/.bin/turbo'),
    ['run', 'build', ...filters, '--output-logs=errors-only'],
    repoRoot,
    true,
  );
  if (code !== 0) finish(code, `building what ${suite} loads (turbo run build ${filter}) failed`);
  console.error(
    `run-suite: built what ${suite} loads (turbo run build ${filter}, ${Date.now() - started} ms)`,
  );
}

const code = await run(
  'vitest',
  ['run', ...vitestArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`],
  process.cwd(),
);
finish(code);
