// Helpers for the api's tests (imported by *.test.ts only; never by the Worker).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import {
  aggregatorShardCount,
  HOUR_MS,
  keyScope,
  LIMITS,
  type NostrEvent,
  shardObjectNameOf,
  shardObjectNames,
  type TrendingWindow,
  type ViewEventInput,
} from '@openvine/trending-core';
import { demoVideoEvents, demoViewerAddress, generateDemoData } from '@openvine/trending-core/demo-data';
import { signedVideoEvent, type VideoTemplate } from '@openvine/trending-core/nostr-signing';
import {
  type RecordedPoint,
  recordedViewEvents,
  refuseViewEvents,
} from '../../../scripts/lib/ae-record-reader.ts';
import { LIMITER_TEST_BUDGET_MS, TEST_INGEST_KEYS } from '../test-limits.ts';
import type { ApiEnv } from './env.ts';
import testEntry from './test-entry.ts';

/** A fresh aggregator object for one test: its own Durable Object, its own data. */
export function newAggregator(): string {
  return `test-${crypto.randomUUID()}`;
}

/**
 * Calls the api Worker as a client would, routed to the test's own aggregator. An ingest that
 * was answered 2xx returns once the queue consumer has committed its events (untilIngestCommitted),
 * so a test reads what it posted; `apiUncommitted` returns at the answer.
 */
export async function api(aggregator: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await apiUncommitted(aggregator, path, init);
  await untilIngestCommitted(aggregator, path, init.method ?? 'GET', res.status, () => res.clone().text());
  return res;
}

/** A browser's CORS preflight of `path` for a `method` request from another origin. */
export function preflight(aggregator: string, path: string, method: string): Promise<Response> {
  return api(aggregator, path, {
    method: 'OPTIONS',
    headers: { origin: 'https://example.com', 'access-control-request-method': method },
  });
}

/** Calls the api Worker as a client would, and returns at its answer (the consumer may not have run). */
export function apiUncommitted(aggregator: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('x-test-aggregator', aggregator);
  return exports.default.fetch(new Request(`https://trending.test${path}`, { ...init, headers }));
}

/** Events the api enqueued for each aggregator (every test has its own) in this test file. */
const enqueuedEvents = new Map<string, number>();

/**
 * When `res` answered an ingest (2xx of POST /v1/events/views or /analytics/view), waits until the
 * aggregator's consumer has been handed every event enqueued for it so far (its ingestCounts),
 * polling through `until`: deterministic, never a sleep. The events go to the aggregator's shards
 * (2 under test); the aggregator's ingestCounts sums theirs.
 */
async function untilIngestCommitted(
  aggregator: string,
  path: string,
  method: string,
  status: number,
  body: () => Promise<string>,
) {
  if (method.toUpperCase() !== 'POST' || status < 200 || status > 299) return;
  const route = new URL(path, 'https://trending.test').pathname;
  let events: number;
  if (route === '/v1/events/views') events = (JSON.parse(await body()) as { accepted: number }).accepted;
  else if (route === '/analytics/view') events = 1;
  else return;
  const total = (enqueuedEvents.get(aggregator) ?? 0) + events;
  enqueuedEvents.set(aggregator, total);
  await untilCommitted(aggregator, total);
}

/** How long a test waits for the ingest consumer (its batches wait CONSUMER_BATCH_TIMEOUT_S_UNDER_TEST). */
const CONSUMER_WAIT_MS = 15_000;

/** Waits until the aggregator's ingest has been handed at least `events` events since it started. */
export async function untilCommitted(aggregator: string, events: number): Promise<void> {
  await until(
    `the ingest consumer committing ${events} events to ${aggregator}`,
    async () => (await ingestCounts(aggregator)).events >= events,
    CONSUMER_WAIT_MS,
  );
}

/**
 * What the ingest consumer made of one ingest request (`send`, through api/postJson/postAudience,
 * which return once it committed): the events counted and those already counted (duplicates),
 * as the 202 answered before ingest went through the queue. The request must be answered 2xx.
 */
export async function countedOutcome(
  aggregator: string,
  send: () => Promise<Response>,
): Promise<{ accepted: number; duplicates: number }> {
  const before = await ingestCounts(aggregator);
  const res = await send();
  if (res.status < 200 || res.status > 299)
    throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  const after = await ingestCounts(aggregator);
  const duplicates = after.duplicates - before.duplicates;
  return { accepted: after.events - before.events - duplicates, duplicates };
}

/**
 * The shard object that counts `videoId`'s events (AGGREGATOR_SHARDS of the api's wrangler.jsonc:
 * 2, so the tests run the multi-shard path).
 */
export function shardObjectOf(aggregator: string, videoId: string): string {
  return shardObjectNameOf(aggregator, videoId, aggregatorShardCount((env as ApiEnv).AGGREGATOR_SHARDS) ?? 1);
}

/** Events the aggregator's ingest was handed since it started, and of them duplicates. */
export function ingestCounts(aggregator: string) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(aggregator)).ingestCounts();
}

export function postJson(
  aggregator: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return api(aggregator, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** What the aggregator's 30 s alarm does: recompute a window now. */
export async function refresh(aggregator: string, ...windows: TrendingWindow[]): Promise<void> {
  const stub = env.AGGREGATOR.get(env.AGGREGATOR.idFromName(aggregator));
  for (const window of windows) await stub.refresh(window);
}

export function aggregatorStats(aggregator: string) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(aggregator)).stats();
}

/**
 * What view bodies said of a video, as the aggregator keeps it apart (hints: never ranked or
 * shown), hashtags parsed; undefined when no view of it was stored.
 */
export async function viewHintsOf(
  aggregator: string,
  videoId: string,
): Promise<{ title: string | null; creatorPubkey: string | null; hashtags: string[] | null } | undefined> {
  const hints = await env.AGGREGATOR.get(env.AGGREGATOR.idFromName(aggregator)).viewHints([videoId]);
  const row = hints[videoId];
  if (!row) return undefined;
  return {
    title: row.title,
    creatorPubkey: row.creator_pubkey,
    hashtags: row.hashtags === null ? null : (JSON.parse(row.hashtags) as string[]),
  };
}

/** A 64-hex id that is unique per call. */
export function randomHex64(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function viewEnd(
  videoId: string,
  viewerId: string,
  extra: Partial<ViewEventInput> = {},
): ViewEventInput {
  return { videoId, viewerId, eventType: 'view_end', watchMs: 6000, durationMs: 6000, ...extra };
}

/** A documentation address (RFC 5737) as the client's, on every write a test sends. */
export const CLIENT_IP = '203.0.113.7';

/**
 * A video event signed by the deterministic key of `seed` (give each test its own seed: its own
 * keys). `createdAt` defaults to 10 minutes ago.
 */
export function signedVideo(seed: string, video: Partial<VideoTemplate> = {}): NostrEvent {
  return signedVideoEvent(seed, {
    d: 'clip',
    createdAt: Math.floor(Date.now() / 1000) - 600,
    ...video,
  });
}

/** POST /v1/videos with one event (or any body), as a client sends it. */
export function postVideos(aggregator: string, body: unknown): Promise<Response> {
  return postJson(aggregator, '/v1/videos', body, { 'cf-connecting-ip': CLIENT_IP });
}

/** Registers signed video events through POST /v1/videos, 50 a request; throws on a refusal. */
export async function registerVideos(aggregator: string, events: readonly NostrEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += LIMITS.videoEvents.perBatch) {
    const res = await postVideos(aggregator, { events: events.slice(i, i + LIMITS.videoEvents.perBatch) });
    if (res.status !== 200) throw new Error(`registering videos failed: ${res.status} ${await res.text()}`);
  }
}

/** The ingest key tests send as (vitest.config.ts binds INGEST_KEYS from TEST_INGEST_KEYS). */
export const TEST_INGEST_KEY = TEST_INGEST_KEYS['test-pipeline'];

/** A viewer's own address (its /24 mostly its own, as a real audience's): demoViewerAddress. */
export const viewerAddress = demoViewerAddress;

/** The headers of a request from `viewerId`'s own device (its viewerAddress). */
export function fromViewer(viewerId: string): Record<string, string> {
  return { 'cf-connecting-ip': viewerAddress(viewerId) };
}

/**
 * Posts view events as a server-side sender would (a CDN log pipeline): with the test ingest key,
 * each event carrying its viewer's own address (viewerAddress), from the pipeline's own address.
 * What tests of anything but the network evidence use to ingest an audience.
 */
export function postAudience(aggregator: string, events: readonly ViewEventInput[]): Promise<Response> {
  return postJson(
    aggregator,
    '/v1/events/views',
    { events: events.map((e) => ({ clientIp: viewerAddress(e.viewerId), ...e })) },
    { 'cf-connecting-ip': PIPELINE_ADDRESS, 'x-ingest-key': TEST_INGEST_KEY },
  );
}

/** The address the test pipeline sends from (a /64 of a hosting provider's IPv6 block). */
export const PIPELINE_ADDRESS = '2001:db8:4:1::10';

/**
 * The per-viewer and per-network caps count by arrival hour (server time), so a test whose
 * counts need all its requests to arrive in one hour starts clear of an hour's turn: it waits
 * when less than LIMITER_TEST_BUDGET_MS of the hour is left (at most that long) and returns the
 * hour it then starts in, for the test to check it ended in it too.
 */
export async function startClearOfHourTurn(): Promise<number> {
  const left = HOUR_MS - (Date.now() % HOUR_MS);
  if (left < LIMITER_TEST_BUDGET_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Math.floor(Date.now() / HOUR_MS);
}

/** Seeds a small deterministic demo workload through POST /v1/events/views, as ./scripts/dev does. */
export async function seedDemo(aggregator: string, options: { videos?: number; events?: number } = {}) {
  const data = generateDemoData({
    now: Date.now(),
    seed: 7,
    videos: options.videos ?? 60,
    events: options.events ?? 4000,
  });
  await registerVideos(aggregator, demoVideoEvents(data.videos));
  for (let i = 0; i < data.events.length; i += 100) {
    const res = await postAudience(aggregator, data.events.slice(i, i + 100));
    if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  return data;
}

/**
 * One request to the api Worker, called as the runtime calls it, with `bindings` (the test's own
 * env, or one with faults wrapped around its bindings: testing-faults.ts). Returns once the body
 * is read and everything the request left to run after its response (ctx.waitUntil: fills,
 * refreshes) has finished, with the body's text.
 */
export async function fetchSettled(
  aggregator: string,
  path: string,
  options: { headers?: Record<string, string>; bindings?: ApiEnv; method?: string; body?: string } = {},
): Promise<{ res: Response; text: string }> {
  const headers = new Headers(options.headers);
  headers.set('x-test-aggregator', aggregator);
  const ctx = createExecutionContext();
  // As the runtime hands it to the Worker (an incoming request; its `cf` is unset locally).
  const request: Request<unknown, IncomingRequestCfProperties> = new Request(`https://trending.test${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const res = await testEntry.fetch(request, options.bindings ?? (env as ApiEnv), ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  await untilIngestCommitted(aggregator, path, request.method, res.status, async () => text);
  return { res, text };
}

/** Polls until `check` holds: waits for work the api does off the response path (ctx.waitUntil). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  // Counted in attempts, not by the clock: some tests fake Date.
  for (let waited = 0; waited < timeoutMs; waited += 10) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function adminPost(aggregator: string, path: string, body: unknown, token = 'test-admin-token') {
  return api(aggregator, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/** The generation a response was built from (it is part of the ETag). */
export function generationOf(res: Response): number {
  const match = /-g(\d+)-/.exec(res.headers.get('etag') ?? '');
  if (!match?.[1]) throw new Error(`no generation in ETag ${res.headers.get('etag')}`);
  return Number(match[1]);
}

/**
 * Registers one new signed video (its own key) and ingests `viewers` fully watched views of it,
 * enough to rank; returns its id (the event id).
 */
export async function ingestVideo(aggregator: string, viewers = 20): Promise<string> {
  const event = signedVideo(`ingest-video:${crypto.randomUUID()}`, { title: 'video' });
  await registerVideos(aggregator, [event]);
  const videoId = event.id;
  const events = Array.from({ length: viewers }, (_, i) => viewEnd(videoId, `viewer-${i}`));
  const res = await postAudience(aggregator, events);
  if (res.status !== 202) throw new Error(`ingest failed: ${res.status}`);
  return videoId;
}

export type { RecordedPoint } from '../../../scripts/lib/ae-record-reader.ts';

/** The points the view record received (see scripts/lib/ae-record-reader.ts). */
export function viewEventPoints(videoId?: string): Promise<RecordedPoint[]> {
  return recordedViewEvents(env, videoId);
}

/** Analytics Engine refuses every point of `videoId` from now on (the stand-in's binding throws). */
export function refuseRecordOf(videoId: string): Promise<void> {
  return refuseViewEvents(env, videoId);
}

/** The KV stand-in's `Faults` entrypoint (scripts/lib/kv-fault-stand-in.js). */
interface KvFaults {
  refusePuts(keys: string[], times: number): Promise<void>;
  putAttempts(key: string): Promise<number>;
}

/**
 * precompute's KV under test: every write goes through the stand-in, which refuses the next
 * `times` puts of each key with `KV PUT failed: 429 Too Many Requests` (Infinity: all of them),
 * as production KV does past one write per second per key. The api's own KV binding is the real one.
 */
export function precomputeKv(): KvFaults {
  return (env as unknown as { KV_FAULTS: KvFaults }).KV_FAULTS;
}

/**
 * The tag lists of every purge call (Cloudflare's purge API stand-in, test-purge.ts) of the
 * aggregator's key scope, in order.
 */
export async function purgeCalls(aggregator: string): Promise<string[][]> {
  const record = (env as unknown as { PURGE_RECORD: Fetcher }).PURGE_RECORD;
  const res = await record.fetch(
    `https://purge-record.test/?scope=${encodeURIComponent(keyScope(aggregator))}`,
  );
  return (await res.json()) as string[][];
}

/** The aggregator test entry's ingest consumer faults (apps/aggregator/src/test-entry.ts). */
interface IngestFaults {
  crashAfterCommit(object: string, times?: number): Promise<void>;
  crashesLeft(object: string): Promise<number>;
}

/**
 * The ingest consumer's fault seam: `crashAfterCommit(object)` makes the next delivery that
 * commits events of that object throw after the commit and before the ack.
 */
export function ingestFaults(): IngestFaults {
  return (env as unknown as { INGEST_FAULTS: IngestFaults }).INGEST_FAULTS;
}

/** The aggregator test entry's ranking faults (apps/aggregator/src/test-entry.ts). */
interface RankingFaults {
  failRankings(objects: string[], windows: TrendingWindow[]): Promise<void>;
}

/**
 * Every shard of `aggregator` fails its rankings of `windows` (none: repaired), as shards out of
 * reach do: the coordinator's computations of those windows fail.
 */
export function failShardRankings(aggregator: string, windows: TrendingWindow[]): Promise<void> {
  const faults = (env as unknown as { RANKING_FAULTS: RankingFaults }).RANKING_FAULTS;
  const count = aggregatorShardCount((env as ApiEnv).AGGREGATOR_SHARDS) ?? 1;
  return faults.failRankings(shardObjectNames(aggregator, count), windows);
}

/** The ingest queue itself, to put messages on it as the api (or anything else) would. */
export function ingestQueue(): Queue {
  return (env as ApiEnv).INGEST_QUEUE;
}

/** The dead-letter queue, to put messages on it as the ingest queue does when their retries run out. */
export function deadLetterQueue(): Queue {
  return (env as unknown as { TEST_DEAD_LETTER_QUEUE: Queue }).TEST_DEAD_LETTER_QUEUE;
}

export function adminGet(aggregator: string, path: string, token = 'test-admin-token') {
  return api(aggregator, path, { headers: { authorization: `Bearer ${token}` } });
}
