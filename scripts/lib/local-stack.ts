// The local stack: the three Workers from their built bundles (apps/*/dist; `pnpm build`) in one
// Miniflare process, bindings derived from each wrangler.jsonc (auxWorker), every Worker on its own
// direct socket. One builder for its three users, which pass only what differs:
//   the bench          eight api instances with their own vars, its own Workers beside them, an
//                      ingest limit it cannot reach, its log handler;
//   the browser test   one api, metrics sent at once;
//   ./scripts/dev      a fixed port, state kept on disk, the admin token and viewer key secret,
//                      demo data.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NostrEvent, ViewEventInput } from '@openvine/trending-core';
import { demoViewerAddress } from '@openvine/trending-core/demo-data';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { AGGREGATOR_OBJECT_NAME } from '../../packages/trending-core/src/keys.ts';
import { LIMITS } from '../../packages/trending-core/src/ttl-policy.ts';
import {
  AGGREGATOR_TEST_ENTRY_BUNDLE,
  API_TEST_ENTRY_BUNDLE,
  type AppBundle,
  auxWorker,
  PRODUCTION_BUNDLE,
} from './aux-workers.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** One Worker running the api's bundle. */
export interface ApiInstance {
  /** Its Worker name; one must be `trending-api`, which precompute's API binding calls. */
  name: string;
  /** Vars of this instance only (LAYERS_OFF, METRICS_OFF, ...). */
  vars?: Record<string, string>;
  /**
   * `test-entry`: the api's test-only entry (the production Worker behind the `x-test-*`
   * headers: per-request aggregators, faults, drops). Default: the production bundle.
   */
  bundle?: 'production' | 'test-entry';
  /**
   * `false`: without the api's rate limiters (INGEST_LIMITER unbound, so ingest is not limited, as
   * the api behaves when the binding is missing). The bench measures what Miniflare's limiter,
   * a Durable Object with SQLite writes per call, adds beside production's in-colo one.
   */
  ratelimits?: false;
}

/** Miniflare options of a further Worker (the bench's own), by its name. */
export type ExtraWorker = { name: string } & Record<string, unknown>;

export interface LocalStackOptions {
  /** The api instances, first one first in Miniflare's routing. Default: one, `trending-api`. */
  apis?: ApiInstance[];
  /**
   * Vars of every api instance (ADMIN_TOKEN, METRICS_FLUSH_MS, ...), over its wrangler.jsonc's.
   * VIEWER_KEY_SECRET (without it the api refuses ingest) is a fresh random one unless given here:
   * a stack whose state is kept between runs must give the same one every time (./scripts/dev).
   */
  vars?: Record<string, string>;
  /** Replaces the per-client limit of the api's rate limiters (events per minute). */
  ingestLimitPerMinute?: number;
  /** Workers to run beside the three, each on its own direct socket too. */
  workers?: ExtraWorker[];
  /**
   * Miniflare's entry socket on 127.0.0.1, which routes to the first api and adds what Cloudflare's
   * edge adds (CF-Connecting-IP, `request.cf`), as `wrangler dev` does. Default: a free port.
   */
  port?: number;
  /** A state folder (KV, Durable Objects, cache) kept between runs, in `wrangler dev --persist-to`'s layout. */
  persistTo?: string;
  /** Further shared Miniflare options (log handling, an inspector port, ...). */
  shared?: Record<string, unknown>;
  /** Vars of the aggregator over its wrangler.jsonc's (e.g. AGGREGATOR_SHARDS, set to the api's). */
  aggregatorVars?: Record<string, string>;
  /**
   * `test-entry`: the aggregator's test-only entry (apps/aggregator/src/test-entry.ts: its ingest
   * consumer's fault seam, the SQL guard). Default: the production bundle.
   */
  aggregatorBundle?: 'production' | 'test-entry';
}

export interface LocalStack {
  mf: Miniflare;
  /** Each Worker's direct socket by Worker name, without a trailing slash. */
  url: Record<string, string>;
  /** The first api's direct socket. */
  apiUrl: string;
  /** Miniflare's entry socket (see `port`), without a trailing slash. */
  entryUrl: string;
  /** Precompute's cron, as Cloudflare would fire it. */
  runCron(): Promise<void>;
  /**
   * The ingest key the stack's api knows (INGEST_KEYS: `{"local-stack": <key>}`, a fresh random
   * key unless vars.INGEST_KEYS is given): senders that batch their own viewers' events use it.
   */
  ingestKey: string;
  /**
   * Posts events through the first api's POST /v1/events/views, 100 a batch, one batch at a time,
   * as an ingest-key sender with each viewer's own address (demoViewerAddress): a demo audience
   * from one address would be one network, and would not rank.
   */
  seed(events: readonly ViewEventInput[], onBatch?: (done: number, total: number) => void): Promise<number>;
  /** Posts signed video events through the first api's POST /v1/videos, 50 a request; returns those recorded. */
  registerVideos(events: readonly NostrEvent[]): Promise<number>;
  dispose(): Promise<void>;
}

const DIRECT = [{ host: '127.0.0.1', port: 0 }];

function appWorker(app: 'api' | 'aggregator' | 'precompute', bundle: AppBundle = PRODUCTION_BUNDLE) {
  const main = `apps/${app}/${bundle.dir}/${bundle.main}`;
  if (!existsSync(`${repoRoot}${main}`)) throw new Error(`${main} is missing: run \`pnpm build\` first`);
  return { ...auxWorker(app, {}, bundle), unsafeDirectSockets: DIRECT };
}

/** The first key of an INGEST_KEYS value given in vars (a JSON object of sender name to key). */
function ingestKeyOf(secret: string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  return Object.values(JSON.parse(secret) as Record<string, string>)[0];
}

/** Every rate limiter of the api with `limit` events a minute per client. */
function withLimit(ratelimits: Record<string, object> | undefined, limit: number) {
  return Object.fromEntries(
    Object.entries(ratelimits ?? {}).map(([name, limiter]) => [
      name,
      { ...limiter, simple: { limit, period: 60 } },
    ]),
  );
}

/** The aggregator object an api of the stack ingests into (its AGGREGATOR_NAME, else production's), from Node. */
async function aggregatorOf(mf: Miniflare, name: string | undefined) {
  const namespace = (await mf.getDurableObjectNamespace('AGGREGATOR', 'trending-aggregator')) as unknown as {
    idFromName(name: string): unknown;
    get(id: unknown): { ingestCounts(): Promise<{ events: number; duplicates: number }> };
  };
  return namespace.get(namespace.idFromName(name || AGGREGATOR_OBJECT_NAME));
}

/** How long seeding waits for the ingest consumer (1 s batches), and how often it asks. */
const CONSUMER_WAIT_MS = 120_000;
const CONSUMER_POLL_MS = 100;

/** Waits until the aggregator's ingest has been handed `events` events since it started. */
async function untilHanded(aggregator: Awaited<ReturnType<typeof aggregatorOf>>, events: number) {
  const deadline = Date.now() + CONSUMER_WAIT_MS;
  for (;;) {
    const handed = (await aggregator.ingestCounts()).events;
    if (handed >= events) return;
    if (Date.now() > deadline) throw new Error(`the ingest consumer committed ${handed} of ${events} events`);
    await new Promise((resolve) => setTimeout(resolve, CONSUMER_POLL_MS));
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const api: ReturnType<typeof appWorker> & {
    bindings?: Record<string, string>;
    ratelimits?: Record<string, object>;
  } = appWorker('api');
  const viewerKeySecret = randomBytes(16).toString('hex');
  const generatedIngestKey = randomBytes(16).toString('hex');
  const ingestKey = ingestKeyOf(options.vars?.INGEST_KEYS) ?? generatedIngestKey;
  const testEntry = options.apis?.some((i) => i.bundle === 'test-entry')
    ? appWorker('api', API_TEST_ENTRY_BUNDLE)
    : undefined;
  const apis = (options.apis ?? [{ name: 'trending-api' }]).map((instance) => ({
    ...(instance.bundle === 'test-entry' && testEntry ? testEntry : api),
    name: instance.name,
    ...(options.ingestLimitPerMinute === undefined
      ? {}
      : { ratelimits: withLimit(api.ratelimits, options.ingestLimitPerMinute) }),
    ...(instance.ratelimits === false ? { ratelimits: {} } : {}),
    bindings: {
      ...api.bindings,
      VIEWER_KEY_SECRET: viewerKeySecret,
      INGEST_KEYS: JSON.stringify({ 'local-stack': generatedIngestKey }),
      ...options.vars,
      ...instance.vars,
    },
  }));
  const aggregator: ReturnType<typeof appWorker> & { bindings?: Record<string, unknown> } = appWorker(
    'aggregator',
    options.aggregatorBundle === 'test-entry' ? AGGREGATOR_TEST_ENTRY_BUNDLE : PRODUCTION_BUNDLE,
  );
  const workers = [
    ...apis,
    { ...aggregator, bindings: { ...aggregator.bindings, ...options.aggregatorVars } },
    appWorker('precompute'),
    ...(options.workers ?? []).map((worker) => ({ ...worker, unsafeDirectSockets: DIRECT })),
  ];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...options.shared,
      host: '127.0.0.1',
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.persistTo === undefined ? {} : { resourcePersistencePath: `${options.persistTo}/v3` }),
      workers,
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const entryUrl = (await mf.ready).href.replace(/\/$/, '');
  const url: Record<string, string> = {};
  for (const { name } of workers) url[name] = (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, '');
  const apiUrl = url[apis[0]?.name ?? 'trending-api'] ?? entryUrl;

  return {
    mf,
    url,
    apiUrl,
    entryUrl,
    ingestKey,
    async runCron() {
      const precompute = (await mf.getWorker('trending-precompute')) as unknown as {
        scheduled(options: { cron: string }): Promise<unknown>;
      };
      await precompute.scheduled({ cron: '* * * * *' });
    },
    async seed(events, onBatch) {
      const aggregator = aggregatorOf(
        mf,
        (apis[0]?.bindings as Record<string, string> | undefined)?.AGGREGATOR_NAME,
      );
      const handed = (await (await aggregator).ingestCounts()).events;
      let accepted = 0;
      for (let i = 0; i < events.length; i += 100) {
        const batch = events
          .slice(i, i + 100)
          .map((e) => ({ ...e, clientIp: demoViewerAddress(e.viewerId) }));
        const res = await fetch(`${apiUrl}/v1/events/views`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ingest-key': ingestKey },
          body: JSON.stringify({ events: batch }),
        });
        if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
        accepted += ((await res.json()) as { accepted: number }).accepted;
        onBatch?.(Math.min(events.length, i + 100), events.length);
      }
      // The answers came once the events were enqueued: return once the consumer committed them.
      await untilHanded(await aggregator, handed + accepted);
      return accepted;
    },
    async registerVideos(events) {
      let registered = 0;
      const perRequest = LIMITS.videoEvents.perBatch;
      for (let i = 0; i < events.length; i += perRequest) {
        const res = await fetch(`${apiUrl}/v1/videos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events: events.slice(i, i + perRequest) }),
        });
        if (res.status !== 200)
          throw new Error(`registering videos failed: ${res.status} ${await res.text()}`);
        registered += ((await res.json()) as { results: unknown[] }).results.length;
      }
      return registered;
    },
    dispose: () => mf.dispose(),
  };
}
