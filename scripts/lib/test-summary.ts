// Prints the closing line CI reads, `N passed, N failed` (`, N skipped` when any), from the vitest
// JSON reports and exit codes that scripts/lib/run-suite.ts writes, and exits non-zero when
// anything failed or nothing ran. Besides every failed test it counts, one failure each:
// - a test file that failed to load or errored outside its tests (no failed test of its own),
//   whatever else failed in that suite;
// - a suite that exited non-zero although its report shows no failure (an unhandled error:
//   vitest exits 1 but its JSON says success), or whose exit code was not recorded;
// - an expected suite that wrote no report (or an unreadable one), or that ran no test;
// - in CI (`CI=true`), each skipped test of a suite that must run there (the browser test);
// - each failed check scripts/test ran before the tests (the first argument), and a test run
//   (turbo) that exited non-zero when nothing above explains it.
// The reason for each of these goes to stderr before the last line.
//
// usage: test-summary.ts [failed checks] [--reports=DIR] [--expect=a,b,...] [--turbo-exit=N]
// Expected suites: every suite a workspace package's scripts run through run-suite.ts, plus the
// ones listed below (so deleting a suite's script is noticed too); --expect replaces them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const KNOWN_SUITES = [
  'trending-core',
  'aggregator',
  'precompute',
  'api',
  'api-browser',
  'ops-example',
  'scripts',
  'bench',
];
/** Suites whose skipped tests count as failures in CI, with what usually makes them skip. */
const MUST_RUN_IN_CI: Record<string, string> = {
  'api-browser': 'the dashboard browser test needs Chromium (apt-get install chromium, or set CHROMIUM_PATH)',
};

interface AssertionResult {
  status: string;
  fullName?: string;
}
interface FileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults?: AssertionResult[];
}
interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: FileResult[];
}

let failedChecks = 0;
let reportsDir = join(repoRoot, '.reports');
let expectOverride: string[] | undefined;
let turboExit = 0;
for (const arg of process.argv.slice(2)) {
  const [key, value = ''] = arg.split(/=(.*)/s);
  if (key === '--reports') reportsDir = resolve(value);
  else if (key === '--expect') expectOverride = value.split(',').filter(Boolean);
  else if (key === '--turbo-exit') turboExit = Number(value);
  else if (/^\d+$/.test(arg)) failedChecks = Number(arg);
  else {
    console.error(`test-summary: unknown argument ${arg}`);
    process.exit(2);
  }
}
const inCI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** Suites the workspace packages' scripts run through run-suite.ts. */
function declaredSuites(): string[] {
  const workspace = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const globs = (workspace.match(/^packages:\n((?:[ \t]+-.*\n?)+)/m)?.[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*-\s*/, '').replace(/^["']|["']$/g, ''))
    .filter(Boolean);
  const dirs = globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = join(repoRoot, glob.slice(0, -2));
    return existsSync(parent) ? readdirSync(parent).map((d) => `${glob.slice(0, -2)}/${d}`) : [];
  });
  const suites: string[] = [];
  for (const dir of dirs) {
    const manifest = join(repoRoot, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { scripts = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const script of Object.values(scripts)) {
      for (const m of script.matchAll(/run-suite\.ts\s+([\w-]+)/g)) suites.push(m[1] as string);
    }
  }
  return suites;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from messages
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
const firstLine = (text: string) =>
  plain(text)
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '(no message)';

const reasons: string[] = [];
let passed = 0;
let failed = 0;
let skipped = 0;
function fail(reason: string) {
  reasons.push(reason);
  failed += 1;
}

const files = existsSync(reportsDir) ? readdirSync(reportsDir) : [];
const reported = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
const expected = expectOverride ?? [...new Set([...KNOWN_SUITES, ...declaredSuites()])];
const suites = [...new Set([...expected, ...reported])].sort();

for (const suite of suites) {
  const exitPath = join(reportsDir, `${suite}.exit`);
  const exitLines = existsSync(exitPath) ? readFileSync(exitPath, 'utf8').split('\n') : undefined;
  const exitCode = exitLines ? Number(exitLines[0]) : undefined;
  const exitNote = exitLines?.slice(1).join(' ').trim();
  const reportPath = join(reportsDir, `${suite}.json`);
  if (!existsSync(reportPath)) {
    fail(
      exitCode === undefined
        ? `${suite}: no test report (the suite did not run)`
        : `${suite}: no test report; it exited with code ${exitCode}${exitNote ? ` (${exitNote})` : ' before reporting (a crash, or its config failed to load)'}`,
    );
    continue;
  }
  let report: VitestReport;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as VitestReport;
  } catch (error) {
    fail(`${suite}: unreadable test report ${reportPath}: ${(error as Error).message}`);
    continue;
  }
  const failedBefore = failed;
  let suitePassed = 0;
  let suiteSkipped = 0;
  if (report.testResults) {
    for (const file of report.testResults) {
      const results = file.assertionResults ?? [];
      let fileFailed = 0;
      for (const test of results) {
        if (test.status === 'passed') suitePassed += 1;
        else if (test.status === 'failed') fileFailed += 1;
        else suiteSkipped += 1; // pending, skipped, todo, disabled
      }
      failed += fileFailed;
      if (file.status === 'failed' && fileFailed === 0) {
        const inRepo = relative(repoRoot, file.name);
        const name = inRepo && !inRepo.startsWith('..') ? inRepo : file.name;
        fail(
          `${suite}: ${name} failed to load or errored outside its tests: ${firstLine(file.message ?? '')}`,
        );
      }
    }
  } else {
    suitePassed = report.numPassedTests;
    failed += report.numFailedTests;
    suiteSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  passed += suitePassed;
  const hint = MUST_RUN_IN_CI[suite];
  if (inCI && hint && suiteSkipped > 0) {
    for (let i = 0; i < suiteSkipped; i++) {
      fail(`${suite}: a skipped test counts as failed in CI (CI=${process.env.CI}): ${hint}`);
    }
  } else {
    skipped += suiteSkipped;
  }
  if (exitCode === undefined) {
    fail(`${suite}: no exit code recorded (run its tests through scripts/lib/run-suite.ts)`);
  } else if (exitCode !== 0 && failed === failedBefore) {
    fail(
      `${suite}: vitest exited with code ${exitCode} although its report shows no failure (an unhandled error or rejection? see the suite's output)`,
    );
  } else if (failed === failedBefore && suitePassed + suiteSkipped === 0) {
    fail(`${suite}: ran no test`);
  }
}

if (failedChecks > 0) reasons.push(`${failedChecks} check(s) before the tests failed (listed above)`);
failed += failedChecks;
if (turboExit !== 0 && failed === 0) {
  fail(`the test run (turbo) exited with code ${turboExit} although every suite passed`);
}
if (passed === 0 && failed === 0) reasons.push('no test ran');
for (const reason of reasons) console.error(`✗ ${reason}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
