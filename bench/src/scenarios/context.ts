// What every scenario is given (the stack, the run's settings, where progress and failures go)
// and the small helpers they share. Functional errors go to `failures`, never timing.
import type { Stack } from '../stack.ts';

export interface Config {
  mode: 'quick' | 'full';
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  zipfRequests: number;
  herdSize: number;
  ingestEvents: number;
  computeSizes: number[];
  computeRepeats: number;
  /** Events the scale part's 8-shard merge is measured at (full runs; --quick: 10k). */
  scaleMergeEvents: number;
  /** Per-layer scenarios to run (ids of SCENARIOS); hello-world always runs. Default: all. */
  scenarioIds?: string[];
}

export interface Progress {
  step(label: string): (summary: string) => void;
  note(line: string): void;
}

export interface Run {
  stack: Stack;
  config: Config;
  progress: Progress;
  failures: string[];
  warnings: string[];
}

/**
 * The Run a standalone tool (profile.ts, cpu-per-request.ts) gives the main stack's seeding: quick
 * settings, measured runs of `durationS`, progress notes to the console.
 */
export function toolRun(stack: Stack, durationS: number): Run {
  return {
    stack,
    config: {
      mode: 'quick',
      rounds: 1,
      durationS,
      warmupS: 1,
      connections: 10,
      zipfRequests: 0,
      herdSize: 0,
      ingestEvents: 0,
      computeSizes: [],
      scaleMergeEvents: 0,
      computeRepeats: 0,
    },
    progress: { step: () => () => {}, note: (line) => console.log(line) },
    failures: [],
    warnings: [],
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** A progress line every 10% of a long seeding run. */
export function seedProgress(run: Run, what: string) {
  let last = 0;
  return (done: number, total: number) => {
    const pct = Math.floor((done / total) * 100);
    if (pct >= last + 10 || done === total) {
      last = pct;
      run.progress.note(`    ${what}: ${pct}% (${fmt(done)}/${fmt(total)} events)`);
    }
  };
}
