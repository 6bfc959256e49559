// `node bench/src/runtime-ops.ts [--n 20000] [--repeats 7]`: what single runtime operations of an
// edge hit cost in the local runtime (workerd, through Miniflare): a header copy, a response, a
// header set or get, a layer budget's timer, the clock, an await. Each is repeated n times inside
// one request (src/workers/runtime-ops.js); the fastest of `repeats` requests counts, the empty
// loop measured in the same run is subtracted, and each is reported in µs and against one header
// copy, the one step the `cache-peer-headers` reference takes that the api's edge hit does not.
import { parseArgs } from 'node:util';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { buildWorkers, distDir } from './build-workers.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, repeats: { type: 'string', default: '7' } },
});
const n = Number(args.n);
const repeats = Number(args.repeats);
const OPS = [
  'none',
  'headers-copy',
  'response-with-headers',
  'header-set',
  'header-get',
  'timer-set-clear',
  'clock-reads',
  'await',
] as const;

await buildWorkers();
const mf = new Miniflare(
  convertV4MiniflareOptions({
    workers: [
      {
        name: 'runtime-ops',
        modules: true,
        scriptPath: `${distDir}runtime-ops.js`,
        compatibilityDate: '2026-11-24',
      },
    ],
  } as Parameters<typeof convertV4MiniflareOptions>[0]),
);
const fastestMs = new Map<string, number>();
try {
  await mf.ready;
  // Interleaved: every op once per repeat, so that drift in the machine's speed hits all alike.
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const op of OPS) {
      const started = performance.now();
      const response = await mf.dispatchFetch(`http://runtime-ops/${op}?n=${n}`);
      const text = await response.text();
      if (!response.ok) throw new Error(`${op}: ${response.status} ${text}`);
      const ms = performance.now() - started;
      fastestMs.set(op, Math.min(fastestMs.get(op) ?? Number.POSITIVE_INFINITY, ms));
    }
  }
} finally {
  await mf.dispose();
}

const emptyMs = fastestMs.get('none') ?? 0;
const perOpUs = (op: string) => (((fastestMs.get(op) ?? emptyMs) - emptyMs) * 1000) / n;
const copyUs = perOpUs('headers-copy');
console.log(`${n} times each, fastest of ${repeats} requests, the empty loop subtracted:`);
for (const op of OPS.slice(1)) {
  const us = perOpUs(op);
  console.log(`${op.padEnd(22)} ${us.toFixed(3).padStart(7)} µs  ${(us / copyUs).toFixed(2)}x a header copy`);
}
