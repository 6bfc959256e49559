// Reads every vitest JSON report in .reports/ and prints the closing line CI reads:
// `N passed, N failed` (and skipped when any). Exits non-zero when anything failed, when an
// expected suite wrote no report, or when nothing ran at all.
import { readdirSync, readFileSync } from 'node:fs';

const EXPECTED = ['trending-core', 'aggregator', 'precompute', 'api', 'api-browser', 'ops-example'];
const dir = new URL('../../.reports/', import.meta.url);

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
  numFailedTestSuites?: number;
}

let passed = 0;
/** Failed checks (types, lint) scripts/test ran before the tests. */
let failed = Number(process.argv[2] ?? 0);
let skipped = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const name of EXPECTED) {
  if (!files.includes(`${name}.json`)) {
    console.error(`no test report from ${name} (it did not run, or crashed before reporting)`);
    failed += 1;
  }
}
for (const file of files) {
  const report = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as VitestReport;
  passed += report.numPassedTests;
  // A suite that fails to load has no failed test but is a failure all the same.
  failed += report.numFailedTests + (report.numFailedTests === 0 ? (report.numFailedTestSuites ?? 0) : 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
