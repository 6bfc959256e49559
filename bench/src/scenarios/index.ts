// The bench's scenarios, one file per family, in the order run.ts runs them:
//   seed-main.ts     the demo workload into the main aggregator, then the cron
//   layers.ts        the per-layer scenario ids (memory, edge, DO, KV, cold, peers, "before") and the
//                    check that every target serves the api's body
//   throughput.ts    req/s and latency of each per-layer scenario against hello-world, in rounds
//   herd.ts          concurrent requests on a cold window: exactly one computation
//   zipf.ts          mixed Zipf traffic while precompute runs
//   ingest.ts        events/s, then every count checked and retries recognised
//   compute-cost.ts  the 7d window's computation as the data grows
//   scale.ts         app views through the queue vs direct RPC, redelivery, 1..8 shards, the 8-shard merge
// context.ts holds what each is given (Run, Config, Progress); api-probes.ts the reads they check with.
export { type ComputeResult, computeCost } from './compute-cost.ts';
export type { Config, Progress, Run } from './context.ts';
export { type HerdResult, herd } from './herd.ts';
export { type IngestResult, ingest } from './ingest.ts';
export { bodySizes, SCENARIOS, type ScenarioDef, TRENDING_PATH } from './layers.ts';
export { type MobileResult, type ScaleResult, scale } from './scale.ts';
export { seedMain } from './seed-main.ts';
export { type ScenarioResult, throughput } from './throughput.ts';
export { type ZipfResult, zipf, zipfKeys, zipfSequence } from './zipf.ts';
