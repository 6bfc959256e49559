// The local stack behind ./scripts/dev: the three Workers in one Miniflare process (local-stack.ts,
// from the bundles ./scripts/dev builds first), the api on PORT through Miniflare's entry (which
// adds CF-Connecting-IP and request.cf, as `wrangler dev` does), state kept in one folder between
// runs. It seeds demo data on first start, fires the precompute cron every minute (the aggregator's
// alarms fire by themselves), and stops everything on Ctrl-C.
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoVideoEvents, generateDemoData } from '@openvine/trending-core/demo-data';
import { Log, LogLevel } from 'miniflare';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { withoutComments } from './stray-numbers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log('usage: ./scripts/dev [--reset]   (PORT=8787 by default; the inspector on PORT+1000)');
  process.exit(0);
}
const port = Number(process.env.PORT ?? 8787);
const stateDir = `${root}.wrangler/dev-state`;
const logDir = `${root}.wrangler/dev-logs`;
const seededMarker = `${stateDir}/.seeded`;

/**
 * The data layout the state was seeded under: the shard count spreads a video's events over
 * objects named by it (trending-core's shards.ts), so state seeded under another count (or
 * before shards) would leave the shards empty and every list blank.
 */
const aggregatorConfig = JSON.parse(
  withoutComments(readFileSync(`${root}apps/aggregator/wrangler.jsonc`, 'utf8')),
) as { vars: { AGGREGATOR_SHARDS: string } };
const layout = `shards:${aggregatorConfig.vars.AGGREGATOR_SHARDS}`;
// A marker without a layout line is from before shards.
const seededLayout = existsSync(seededMarker)
  ? (readFileSync(seededMarker, 'utf8').split('\n')[1] ?? '')
  : undefined;
if (args.has('--reset')) {
  rmSync(stateDir, { recursive: true, force: true });
  console.log('→ state reset');
} else if (seededLayout !== undefined && seededLayout !== layout) {
  rmSync(stateDir, { recursive: true, force: true });
  console.log(
    `→ state reset: seeded under another data layout (${seededLayout || 'before shards'}, now ${layout})`,
  );
}
mkdirSync(stateDir, { recursive: true });
mkdirSync(logDir, { recursive: true });

// A local admin token and viewer key secret (never committed: .dev.vars is ignored;
// .dev.vars.example documents them). The secret is kept with the state: with another one, viewers
// seen before would count again. A .dev.vars from before the secret existed gets one added.
const devVars = `${root}apps/api/.dev.vars`;
if (!existsSync(devVars)) writeFileSync(devVars, `ADMIN_TOKEN=${randomBytes(16).toString('hex')}\n`);
if (!/^VIEWER_KEY_SECRET=/m.test(readFileSync(devVars, 'utf8'))) {
  appendFileSync(devVars, `VIEWER_KEY_SECRET=${randomBytes(32).toString('hex')}\n`);
}
const devVarsText = readFileSync(devVars, 'utf8');
const adminToken = /^ADMIN_TOKEN=(\S+)/m.exec(devVarsText)?.[1];
const viewerKeySecret = /^VIEWER_KEY_SECRET=(\S+)/m.exec(devVarsText)?.[1];

const log = createWriteStream(`${logDir}/workers.log`, { flags: 'w' });
/** Miniflare's own lines (one per request, as `wrangler dev` logged them) go to the log file too. */
class FileLog extends Log {
  protected override log(message: string): void {
    log.write(`${message}\n`);
  }
}
let stack: LocalStack | undefined;
let stopping = false;

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack?.dispose().catch(() => {});
  log.end();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(running: LocalStack): Promise<void> {
  const { videos, events } = generateDemoData({ now: Date.now() });
  // The videos' signed events first (deterministic demo keys): their titles, creators and hashtags
  // come from those only, the views carry hints.
  console.log(`→ registering ${videos.length} signed video events`);
  await running.registerVideos(demoVideoEvents(videos));
  const batches = Math.ceil(events.length / 100);
  const accepted = await running.seed(events, (done, total) => {
    // A progress line that rewrites itself on a terminal, and a line per quarter elsewhere.
    const line = `→ seeding demo data: ${Math.round((done / total) * 100)}% (${done}/${total} events)`;
    const batch = Math.ceil(done / 100);
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if (batch % Math.ceil(batches / 4) === 0 || batch === batches) console.log(line);
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  writeFileSync(seededMarker, `${new Date().toISOString()}\n${layout}\n`);
  console.log(`✓ seeded ${videos.length} videos, ${accepted} new view events`);
}

async function runCron(running: LocalStack): Promise<void> {
  try {
    await running.runCron();
  } catch (err) {
    console.error(`✗ precompute cron failed: ${String(err)}`);
  }
}

const started = Date.now();
try {
  stack = await startLocalStack({
    port,
    persistTo: stateDir,
    vars: {
      ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}),
      ...(viewerKeySecret ? { VIEWER_KEY_SECRET: viewerKeySecret } : {}),
    },
    shared: {
      inspectorPort: port + 1000,
      log: new FileLog(LogLevel.INFO),
      handleStructuredLogs: ({ level, message }: { level: string; message: string }) =>
        log.write(`${new Date().toISOString()} ${level} ${message}\n`),
    },
  });
  if (!existsSync(seededMarker)) await seed(stack);
  await runCron(stack);
} catch (err) {
  console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
  await stop(1);
}

const apiUrl = stack?.entryUrl ?? `http://127.0.0.1:${port}`;
console.log(`✓ OpenVine Trending is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${apiUrl}`);
console.log(`  try: curl '${apiUrl}/v1/trending/videos?window=24h&limit=10'`);
console.log(`  admin token (Authorization: Bearer …): ${adminToken ?? '(see apps/api/.dev.vars)'}`);
console.log(`  logs: .wrangler/dev-logs/   state: .wrangler/dev-state/   Ctrl-C stops everything`);

// The precompute cron, every minute on the minute (what Cloudflare does in production).
for (;;) {
  await sleep(60_000 - (Date.now() % 60_000));
  if (stopping || !stack) break;
  await runCron(stack);
}
