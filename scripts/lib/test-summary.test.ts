// The closing line `N passed, N failed` must not lie. Each test writes tiny fixture projects to a
// temporary directory, runs the REAL vitest on them through the real run-suite.ts (so the reports
// and exit codes are what vitest really writes), then the real test-summary.ts on those reports.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN_SUITE = fileURLToPath(new URL('./run-suite.ts', import.meta.url));
const SUMMARY = fileURLToPath(new URL('./test-summary.ts', import.meta.url));
const VITEST_BIN = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));

// Fixture test files. They run with `--globals` (test/expect/describe without an import), because
// a temporary directory has no node_modules to import vitest from.
const PASSING = {
  'ok.test.ts': `test('adds', () => { expect(1 + 1).toBe(2); });
test('concatenates', () => { expect('a' + 'b').toBe('ab'); });
`,
};
const CRASHING = {
  'crash.test.ts': `test('passes, then leaves a rejection nobody handles', () => {
  setTimeout(() => { Promise.reject(new Error('rejected after the test passed')); }, 0);
  expect(1 + 1).toBe(2);
});
test('waits long enough for it', async () => { await new Promise((r) => setTimeout(r, 50)); });
`,
};
const UNLOADABLE = {
  'throws-at-import.test.ts': `throw new Error('this file cannot be imported');
`,
  'syntax-error.test.ts': `test('never parsed', () => { expect(1).toBe(
`,
  'one-fails.test.ts': `test('fails', () => { expect(1).toBe(2); });
test('passes', () => { expect(1).toBe(1); });
`,
};
const BROKEN_CONFIG = {
  'vitest.config.ts': `throw new Error('this config cannot load');
`,
  ...PASSING,
};
const SKIPPED_BROWSER = {
  'dashboard.test.ts': `const CHROMIUM = undefined; // as on a machine without Chromium
describe.skipIf(!CHROMIUM)('GET /dashboard in Chromium', () => {
  test('renders every chart', () => { expect(CHROMIUM).toBeDefined(); });
});
`,
};

let root: string;
let okReports: string;

/** The environment of this vitest run without what marks it as one (and without CI). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|TEST$|NODE_ENV$|CI$|TURBO_)/.test(key)) env[key] = value;
  }
  return { ...env, PATH: `${VITEST_BIN}:${process.env.PATH ?? ''}`, ...extra };
}

/** Writes a fixture project and runs it through run-suite.ts; returns run-suite's exit code. */
function runFixture(reports: string, suite: string, files: Record<string, string>): number {
  const project = mkdtempSync(join(root, `${suite}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
  const run = spawnSync(process.execPath, [RUN_SUITE, suite, '--', '--globals'], {
    cwd: project,
    env: childEnv({ OPENVINE_REPORTS_DIR: reports }),
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  return run.status ?? -1;
}

/** A reports directory of its own, holding the report and exit code of the passing suite `ok`. */
function reportsWithOk(): string {
  const reports = mkdtempSync(join(root, 'reports-'));
  cpSync(okReports, reports, { recursive: true });
  return reports;
}

function summarize(reports: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [SUMMARY, `--reports=${reports}`, ...args], {
    env: childEnv(env),
    encoding: 'utf8',
  });
  const lines = run.stdout.trim().split('\n');
  return { last: lines[lines.length - 1], stderr: run.stderr, status: run.status };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'openvine-summary-'));
  okReports = join(root, 'ok-reports');
  mkdirSync(okReports);
  expect(runFixture(okReports, 'ok', PASSING)).toBe(0);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('test-summary', () => {
  it('counts a clean suite: 2 passed, 0 failed, exit 0', () => {
    const out = summarize(reportsWithOk(), ['--expect=ok']);
    expect(out.last).toBe('2 passed, 0 failed');
    expect(out.status).toBe(0);
  });

  it('fails the line when a suite crashes after its tests passed (vitest exits 1, JSON says success)', () => {
    const reports = reportsWithOk();
    expect(runFixture(reports, 'crashed', CRASHING)).toBe(1);
    // The premise: vitest's own report claims success.
    const report = JSON.parse(readFileSync(join(reports, 'crashed.json'), 'utf8'));
    expect([report.success, report.numPassedTests, report.numFailedTests]).toEqual([true, 2, 0]);
    expect(readFileSync(join(reports, 'crashed.exit'), 'utf8').trim()).toBe('1');

    const out = summarize(reports, ['--expect=ok,crashed']);
    // 2 from ok + 2 from crashed passed; the crash is 1 failure.
    expect(out.last).toBe('4 passed, 1 failed');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/crashed: vitest exited with code 1 although its report shows no failure/);
  });

  it('counts every unloadable file, even when another test in that suite failed', () => {
    const reports = reportsWithOk();
    expect(runFixture(reports, 'unloadable', UNLOADABLE)).toBe(1);
    const out = summarize(reports, ['--expect=ok,unloadable']);
    // passed: 2 (ok) + 1 (one-fails.test.ts); failed: 1 assertion + 2 files that never loaded.
    expect(out.last).toBe('3 passed, 3 failed');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/throws-at-import\.test\.ts failed to load .*this file cannot be imported/);
    expect(out.stderr).toMatch(/syntax-error\.test\.ts failed to load/);
  });

  it('counts an expected suite that wrote no report', () => {
    const out = summarize(reportsWithOk(), ['--expect=ok,absent']);
    expect(out.last).toBe('2 passed, 1 failed');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/absent: no test report \(the suite did not run\)/);
  });

  it('counts a suite whose config failed to load (exit code recorded, no report)', () => {
    const reports = reportsWithOk();
    expect(runFixture(reports, 'broken', BROKEN_CONFIG)).toBe(1);
    const out = summarize(reports, ['--expect=ok,broken']);
    expect(out.last).toBe('2 passed, 1 failed');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/broken: no test report; it exited with code 1/);
  });

  it('reports a skipped browser test as skipped locally, and as a failure in CI', () => {
    const reports = reportsWithOk();
    expect(runFixture(reports, 'api-browser', SKIPPED_BROWSER)).toBe(0);

    const local = summarize(reports, ['--expect=ok,api-browser']);
    expect(local.last).toBe('2 passed, 0 failed, 1 skipped');
    expect(local.status).toBe(0);

    const ci = summarize(reports, ['--expect=ok,api-browser'], { CI: 'true' });
    expect(ci.last).toBe('2 passed, 1 failed');
    expect(ci.status).toBe(1);
    expect(ci.stderr).toMatch(/api-browser: a skipped test counts as failed in CI \(CI=true\).*Chromium/);
  });

  it('fails when nothing ran', () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    const out = summarize(empty, ['--expect=']);
    expect(out.last).toBe('0 passed, 0 failed');
    expect(out.status).toBe(1);
  });

  it('expects every suite of the repo by default, the browser suite and its own included', () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    const out = summarize(empty, []);
    for (const suite of [
      'trending-core',
      'aggregator',
      'precompute',
      'api',
      'api-browser',
      'ops-example',
      'scripts',
      'bench',
    ]) {
      expect(out.stderr).toContain(`✗ ${suite}: no test report`);
    }
    expect(out.status).toBe(1);
  });

  it('adds failed checks and a failing test run nothing else explains', () => {
    expect(summarize(reportsWithOk(), ['2', '--expect=ok']).last).toBe('2 passed, 2 failed');
    const turbo = summarize(reportsWithOk(), ['--expect=ok', '--turbo-exit=1']);
    expect(turbo.last).toBe('2 passed, 1 failed');
    expect(turbo.stderr).toMatch(/turbo\) exited with code 1 although every suite passed/);
  });
});
