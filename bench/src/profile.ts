// `node bench/src/profile.ts [--target trending-api-edge,bench-cache-peer-headers] [--seconds 6] [--warmup 2]`:
// CPU profiles of Workers under the bench's load, through workerd's V8 inspector. For each target
// it writes bench/tmp/profile/<target>.cpuprofile (open it in Chrome DevTools) and prints the
// functions with the most self time, so that the cost of a hot path can be found, not guessed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildWorkers } from './build-workers.ts';
import { measure } from './load.ts';
import { toolRun } from './scenarios/context.ts';
import { TRENDING_PATH } from './scenarios/layers.ts';
import { seedMain } from './scenarios/seed-main.ts';
import { startStack, type Target } from './stack.ts';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'trending-api-edge,bench-cache-peer-headers' },
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    port: { type: 'string', default: '9329' },
  },
});
const targets = (args.target ?? '').split(',') as Target[];
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const inspectorPort = Number(args.port);
const benchDir = new URL('../', import.meta.url).pathname;
const outDir = `${benchDir}tmp/profile/`;
mkdirSync(outDir, { recursive: true });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One inspector session: send a method, await its result. */
async function inspector(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  };
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => waiting.set(id, resolve as (r: unknown) => void));
    },
    close: () => socket.close(),
  };
}

function selfTimes(profile: Profile) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  for (const [i, id] of profile.samples.entries()) {
    const node = byNode.get(id);
    if (!node) continue;
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + dt);
    all += dt;
  }
  return { all, top: [...totals].sort((a, b) => b[1] - a[1]).slice(0, 30) };
}

await buildWorkers();
const stack = await startStack(`${benchDir}tmp/workerd.log`, { inspectorPort });
const run = toolRun(stack, seconds);
try {
  await seedMain(run);
  await stack.runCron();
  const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    id: string;
    title?: string;
    webSocketDebuggerUrl: string;
  }[];
  for (const target of targets) {
    const entry = list.find((t) => t.id.endsWith(`:${target}`) || t.title === target);
    if (!entry) throw new Error(`no inspector target for ${target}: ${list.map((t) => t.id).join(', ')}`);
    const session = await inspector(entry.webSocketDebuggerUrl.replace('localhost', '127.0.0.1'));
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 100 });
    const url = stack.url[target];
    // Warm the target, then profile a measured run.
    await measure({ url, path: TRENDING_PATH, connections: 10, durationS: warmupSeconds, warmupS: 0 });
    await session.send('Profiler.start');
    const result = await measure({
      url,
      path: TRENDING_PATH,
      connections: 10,
      durationS: seconds,
      warmupS: 0,
    });
    const { profile } = await session.send<{ profile: Profile }>('Profiler.stop');
    session.close();
    writeFileSync(`${outDir}${target}.cpuprofile`, JSON.stringify(profile));
    const { all, top } = selfTimes(profile);
    console.log(
      `\n${target}: ${result.rps.toFixed(0)} req/s, ${result.requests} requests, ${(all / 1000).toFixed(0)} ms sampled, ` +
        `${(all / Math.max(1, result.requests)).toFixed(1)} µs a request`,
    );
    for (const [name, us] of top)
      console.log(
        `${((us / all) * 100).toFixed(1).padStart(5)}%  ${(us / Math.max(1, result.requests)).toFixed(1).padStart(6)} µs/req  ${name}`,
      );
  }
} finally {
  await stack.dispose();
}
for (const f of run.failures) console.log(`✗ ${f}`);
process.exit(0);
