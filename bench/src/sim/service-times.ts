// Per-layer service times, from a `pnpm bench` result file (bench/results/<date>.json): each
// layer's latency when it answers with the layers above it switched off, as p50 and p99. These
// were measured in the local runtime on 2 cores with 10 connections, so they include local
// queueing: on Cloudflare each layer is faster, which makes the simulated latencies an upper bound
// of the Workers' own part. Network round trips are added by the simulation, not taken from here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Percentiles {
  p50: number;
  p99: number;
}

/** What a layer costs, in milliseconds. */
export interface ServiceTimes {
  /** The bench result's date. */
  measured: string;
  /** A memory hit: the api Worker's floor on every request. */
  memory: Percentiles;
  /** What trying each layer adds to a request, hit or miss (its own lookup, above the floor). */
  edge: Percentiles;
  do: Percentiles;
  kv: Percentiles;
  compute: Percentiles;
  /**
   * Events/s one aggregator took in the bench's ingest part (api and aggregator on one machine,
   * through HTTP): the only measured stand-in for what one shard can commit.
   */
  shardEventsPerSecond: number;
}

interface BenchScenario {
  id: string;
  latencyMs: { p50: number; p99: number };
}

/** The bench scenario that measures each layer (bench/src/scenarios/layers.ts ids). */
const SCENARIO_OF = { memory: 'memory', edge: 'edge', do: 'do', kv: 'kv', compute: 'cold' } as const;

/** The floor of what a layer adds: a measured difference under noise can come out negative. */
const MIN_ADDED = 0.1;

/** The newest full-mode result in `dir` (names are dates, so the last in order is the newest). */
export function newestBenchResult(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort();
  const newest = files.at(-1);
  if (!newest) throw new Error(`no bench result (<date>.json) in ${dir}: run \`pnpm bench\``);
  return join(dir, newest);
}

export function serviceTimesFrom(file: string): ServiceTimes {
  const results = JSON.parse(readFileSync(file, 'utf8')) as {
    date: string;
    scenarios: BenchScenario[];
    ingest?: { eventsPerS: number };
  };
  if (!results.ingest) throw new Error(`${file} has no ingest part: run the full \`pnpm bench\``);
  const of = (id: string): Percentiles => {
    const scenario = results.scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`${file} has no "${id}" scenario: run the full \`pnpm bench\``);
    return { p50: scenario.latencyMs.p50, p99: scenario.latencyMs.p99 };
  };
  const memory = of(SCENARIO_OF.memory);
  const added = (id: string): Percentiles => {
    const layer = of(id);
    return {
      p50: Math.max(MIN_ADDED, layer.p50 - memory.p50),
      p99: Math.max(MIN_ADDED, layer.p99 - memory.p99),
    };
  };
  return {
    measured: results.date,
    memory,
    edge: added(SCENARIO_OF.edge),
    do: added(SCENARIO_OF.do),
    kv: added(SCENARIO_OF.kv),
    compute: added(SCENARIO_OF.compute),
    shardEventsPerSecond: results.ingest.eventsPerS,
  };
}
