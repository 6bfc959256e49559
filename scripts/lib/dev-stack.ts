// The local stack behind ./scripts/dev. Two `wrangler dev` processes share one state folder:
// api + aggregator on PORT, precompute on its own port, so that its cron can be triggered
// (a multi-config `wrangler dev` only triggers the FIRST Worker's cron; see the platform notes).
// It seeds demo data on first start, fires the precompute cron every minute, and stops
// everything it started on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateDemoData } from '../../packages/trending-core/src/demo-data.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log('usage: ./scripts/dev [--reset]   (PORT=8787 by default; PRECOMPUTE_PORT=PORT+1)');
  process.exit(0);
}
const port = Number(process.env.PORT ?? 8787);
const precomputePort = Number(process.env.PRECOMPUTE_PORT ?? port + 1);
const stateDir = `${root}.wrangler/dev-state`;
const logDir = `${root}.wrangler/dev-logs`;
const seededMarker = `${stateDir}/.seeded`;
const apiUrl = `http://127.0.0.1:${port}`;

if (args.has('--reset')) {
  rmSync(stateDir, { recursive: true, force: true });
  console.log('→ state reset');
}
mkdirSync(stateDir, { recursive: true });
mkdirSync(logDir, { recursive: true });

// A local admin token (never committed: .dev.vars is ignored; .dev.vars.example documents it).
const devVars = `${root}apps/api/.dev.vars`;
if (!existsSync(devVars)) writeFileSync(devVars, `ADMIN_TOKEN=${randomBytes(16).toString('hex')}\n`);
const adminToken = /ADMIN_TOKEN=(\S+)/.exec(readFileSync(devVars, 'utf8'))?.[1] ?? '(see apps/api/.dev.vars)';

const children: ChildProcess[] = [];
let stopping = false;

function wrangler(name: string, configArgs: string[], listenPort: number): ChildProcess {
  const log = createWriteStream(`${logDir}/${name}.log`, { flags: 'w' });
  const child = spawn(
    `${root}node_modules/.bin/wrangler`,
    [
      'dev',
      ...configArgs,
      '--ip',
      '127.0.0.1',
      '--port',
      String(listenPort),
      '--inspector-port',
      String(listenPort + 1000),
      '--persist-to',
      stateDir,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`✗ ${name} exited (${code}); see .wrangler/dev-logs/${name}.log`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  // SIGTERM to each process group: wrangler leaves workerd running on SIGINT alone.
  for (const child of children) {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
    }
  }
  const deadline = Date.now() + 5000;
  while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await sleep(100);
  }
  for (const child of children) {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s; see .wrangler/dev-logs/`);
}

async function seed(): Promise<void> {
  const { videos, events } = generateDemoData({ now: Date.now() });
  const batches = Math.ceil(events.length / 100);
  let accepted = 0;
  for (let b = 0; b < batches; b++) {
    const res = await fetch(`${apiUrl}/v1/events/views`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: events.slice(b * 100, (b + 1) * 100) }),
    });
    if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    accepted += ((await res.json()) as { accepted: number }).accepted;
    // A progress line that rewrites itself on a terminal, and a line per quarter elsewhere.
    const done = Math.min(events.length, (b + 1) * 100);
    const line = `→ seeding demo data: ${Math.round((done / events.length) * 100)}% (${done}/${events.length} events)`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if ((b + 1) % Math.ceil(batches / 4) === 0 || b === batches - 1) console.log(line);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  writeFileSync(seededMarker, new Date().toISOString());
  console.log(`✓ seeded ${videos.length} videos, ${accepted} new view events`);
}

async function runCron(): Promise<void> {
  try {
    const res = await fetch(`http://127.0.0.1:${precomputePort}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
    if (!res.ok) console.error(`✗ precompute cron answered ${res.status}`);
  } catch (err) {
    console.error(`✗ precompute cron failed: ${String(err)}`);
  }
}

const started = Date.now();
try {
  wrangler('api+aggregator', ['-c', 'apps/api/wrangler.jsonc', '-c', 'apps/aggregator/wrangler.jsonc'], port);
  await waitFor(`${apiUrl}/v1/health`, 90_000, 'the api');
  wrangler('precompute', ['-c', 'apps/precompute/wrangler.jsonc'], precomputePort);
  await waitFor(`http://127.0.0.1:${precomputePort}/`, 60_000, 'the precompute Worker');
  if (!existsSync(seededMarker)) await seed();
  await runCron();
} catch (err) {
  console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
  await stop(1);
}

console.log(`✓ OpenVine Trending is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${apiUrl}`);
console.log(`  try: curl '${apiUrl}/v1/trending/videos?window=24h&limit=10'`);
console.log(`  admin token (Authorization: Bearer …): ${adminToken}`);
console.log(`  logs: .wrangler/dev-logs/   state: .wrangler/dev-state/   Ctrl-C stops everything`);

// The precompute cron, every minute on the minute (what Cloudflare does in production).
for (;;) {
  await sleep(60_000 - (Date.now() % 60_000));
  if (stopping) break;
  await runCron();
}
