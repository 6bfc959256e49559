// Bundles the bench's own Workers (the floor, the peers, "before", the runtime-ops tool's) into bench/dist, one
// ES module each, for Miniflare. Run by `pnpm build` (turbo builds the apps first).
import { build } from 'esbuild';

export const BENCH_WORKERS = [
  'hello',
  'cache-peer',
  'cache-peer-headers',
  'hono-peer',
  'memory-peer',
  'before',
] as const;
export type BenchWorker = (typeof BENCH_WORKERS)[number];
/** Workers of the standalone tools, not started in the bench's stack (runtime-ops.ts runs its own). */
const TOOL_WORKERS = ['runtime-ops'] as const;

export const distDir = new URL('../dist/', import.meta.url).pathname;

export async function buildWorkers(): Promise<void> {
  await build({
    entryPoints: [...BENCH_WORKERS, ...TOOL_WORKERS].map(
      (name) => new URL(`./workers/${name}.js`, import.meta.url).pathname,
    ),
    outdir: distDir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2024',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWorkers();
  console.log(`bench workers bundled into ${distDir}`);
}
