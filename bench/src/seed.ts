// Events into the api through POST /v1/events/views in batches of 100, the path clients use; the
// videos' signed Nostr events first, through POST /v1/videos (their titles, creators and hashtags
// come from those only).
import {
  type DemoVideo,
  demoVideoEvents,
  demoViewerAddress,
  generateDemoData,
} from '../../packages/trending-core/src/demo-data.ts';
import { MAX_EVENTS_PER_BATCH, type ViewEventInput } from '../../packages/trending-core/src/schemas.ts';
import { LIMITS } from '../../packages/trending-core/src/ttl-policy.ts';

export const BATCH = MAX_EVENTS_PER_BATCH;

export interface PostResult {
  events: number;
  /** Events the api accepted and enqueued (the queue consumer commits them after the answers). */
  accepted: number;
  seconds: number;
  eventsPerS: number;
  /** Responses other than 202, by status (each retried until accepted). */
  rejected: Record<string, number>;
}

export interface PostOptions {
  /** x-test-aggregator: a bench aggregator of its own (the api instance must run the test entry: bench/src/stack.ts). */
  aggregator?: string;
  /**
   * The stack's ingest key (Stack.ingestKey): events are sent as an ingest-key sender, each with
   * its viewer's own address (demoViewerAddress), so audiences span networks as real ones do.
   */
  ingestKey: string;
  /** Batches in flight at once. */
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the aggregator behind `apiUrl` (`aggregator`: a bench aggregator of its own, through
 * the test entry's header) stores at least `keys` idempotency keys (GET /v1/health's rows): the
 * queue consumer commits posted events after the answers, within its batch timeout (1 s) each.
 */
export async function untilSeenKeys(apiUrl: string, keys: number, aggregator?: string): Promise<number> {
  const headers: Record<string, string> = aggregator ? { 'x-test-aggregator': aggregator } : {};
  const deadline = performance.now() + COMMIT_WAIT_MS;
  for (;;) {
    const res = await fetch(`${apiUrl}/v1/health`, { headers });
    const seen =
      ((await res.json()) as { aggregator?: { rows?: { seenKeys?: number } } }).aggregator?.rows?.seenKeys ??
      0;
    if (seen >= keys) return seen;
    if (performance.now() > deadline)
      throw new Error(`the ingest consumer committed ${seen} of ${keys} keys`);
    await sleep(COMMIT_POLL_MS);
  }
}

/** How long a bench waits for the ingest consumer, and how often it asks. */
const COMMIT_WAIT_MS = 600_000;
const COMMIT_POLL_MS = 200;

/** Posts every event in batches of 100; a 429 or 503 is retried (idempotency keys make that safe). */
export async function postEvents(
  apiUrl: string,
  events: readonly ViewEventInput[],
  options: PostOptions,
): Promise<PostResult> {
  const batches = Math.ceil(events.length / BATCH);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-ingest-key': options.ingestKey,
  };
  if (options.aggregator) headers['x-test-aggregator'] = options.aggregator;
  const rejected: Record<string, number> = {};
  let accepted = 0;
  let next = 0;
  let done = 0;
  const started = performance.now();

  async function worker(): Promise<void> {
    for (;;) {
      const index = next++;
      if (index >= batches) return;
      // Serialized when sent: a million events held as JSON at once would be ~400 MB.
      const batch = events
        .slice(index * BATCH, (index + 1) * BATCH)
        .map((e) => ({ ...e, clientIp: demoViewerAddress(e.viewerId) }));
      const body = JSON.stringify({ events: batch });
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${apiUrl}/v1/events/views`, { method: 'POST', headers, body });
        if (res.status === 202) {
          const result = (await res.json()) as { accepted: number };
          accepted += result.accepted;
          break;
        }
        const text = await res.text();
        rejected[String(res.status)] = (rejected[String(res.status)] ?? 0) + 1;
        if ((res.status !== 429 && res.status !== 503) || attempt >= 20) {
          throw new Error(`POST /v1/events/views answered ${res.status}: ${text.slice(0, 300)}`);
        }
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      }
      done += 1;
      options.onProgress?.(Math.min(events.length, done * BATCH), events.length);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  return {
    events: events.length,
    accepted,
    seconds,
    eventsPerS: events.length / seconds,
    rejected,
  };
}

/**
 * Signs the videos' events (their creators' deterministic demo keys) and posts them through
 * POST /v1/videos, 50 a request, `concurrency` requests at once; a 429 or 503 is retried
 * (registering a version again changes nothing). Returns how many the api recorded.
 */
export async function postVideos(
  apiUrl: string,
  videos: readonly DemoVideo[],
  options: Omit<PostOptions, 'onProgress' | 'ingestKey'>,
): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.aggregator) headers['x-test-aggregator'] = options.aggregator;
  const perRequest = LIMITS.videoEvents.perBatch;
  const signed = demoVideoEvents(videos);
  let registered = 0;
  let next = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const offset = next;
      next += perRequest;
      if (offset >= signed.length) return;
      const body = JSON.stringify({ events: signed.slice(offset, offset + perRequest) });
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${apiUrl}/v1/videos`, { method: 'POST', headers, body });
        if (res.status === 200) {
          registered += ((await res.json()) as { results: unknown[] }).results.length;
          break;
        }
        const text = await res.text();
        if ((res.status !== 429 && res.status !== 503) || attempt >= 20) {
          throw new Error(`POST /v1/videos answered ${res.status}: ${text.slice(0, 300)}`);
        }
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return registered;
}

/**
 * The demo workload (trending-core's generateDemoData) at a given size: videos grow with events
 * at the demo's own ratio (24,000 events over 320 videos). Events sorted oldest first, so that a
 * long seeding run never sends an event after it has passed the 7-day retention.
 */
export function demoEvents(events: number, seed = 42): { videos: DemoVideo[]; events: ViewEventInput[] } {
  const videos = Math.max(320, Math.round(events / 75));
  const data = generateDemoData({ now: Date.now(), events, videos, seed });
  return { videos: data.videos, events: data.events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0)) };
}
