import { pubkeyFromSeed, signedVideoEvent, videoEventId } from './nostr-signing.ts';
import type { NostrEvent } from './nostr-video.ts';
import type { ViewEventInput } from './schemas.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './windows.ts';

/**
 * A deterministic synthetic workload for local development, tests and benchmarks.
 * Same seed and same `now` give the same events; idempotency keys depend only on the seed,
 * so seeding twice counts once.
 *
 * Four kinds of video, so that 1h, 24h and 7d rank visibly differently:
 * - evergreen: steady over 7 days (Zipf-weighted: a few are very popular);
 * - fading: popular 3-7 days ago, quiet since (rank in 7d, not in 24h);
 * - today: mostly within the last 24 hours (rank in 24h);
 * - burst: a handful with dozens of fresh viewers in the last hour (rank in 1h).
 */
export interface DemoVideo {
  /** The id of the video's signed Nostr event (kind 34236), which demoVideoEvents signs. */
  videoId: string;
  creatorPubkey: string;
  /** The seed of the creator's deterministic key (nostr-signing.ts). */
  creatorSeed: string;
  /** The event's `d` tag. */
  d: string;
  title: string;
  hashtags: string[];
  durationMs: number;
  kind: 'evergreen' | 'fading' | 'today' | 'burst';
  /** Mean completion of this video's views, 0.3..0.95. */
  quality: number;
}

export interface DemoDataOptions {
  seed?: number;
  videos?: number;
  events?: number;
  now: number;
}

export interface DemoData {
  videos: DemoVideo[];
  events: ViewEventInput[];
}

/**
 * created_at of every demo video event (2026-01-01T00:00:00Z, in seconds): fixed, so that a video's
 * id depends on the seed alone, not on the time the workload is generated for.
 */
export const DEMO_VIDEOS_CREATED_AT_S = 1_767_225_600;

/** mulberry32: tiny, fast, good enough for synthetic data, and identical on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many arrivals of a Poisson process of mean `mean` fall in one draw, from the uniform stream
 * `next`: exact (Knuth's product of uniforms) up to a mean of 30, the normal approximation above
 * it, with `normal` the caller's standard normal draw (so that each caller's seeded stream, and
 * the numbers its runs are documented with, stay as they were). The ranking-quality workload and
 * the bench's simulation draw from this one.
 */
export function poissonCount(next: () => number, mean: number, normal: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
  const limit = Math.exp(-mean);
  let count = 0;
  let product = next();
  while (product > limit) {
    count += 1;
    product *= next();
  }
  return count;
}

/**
 * A demo viewer's own address, the same for every call: a public-looking IPv4 address whose /24
 * comes from the viewer id (FNV-1a), so that distinct viewers mostly sit on distinct /24s as a
 * real audience does. What the local stack, the bench and the api's tests send as an ingest-key
 * sender's `clientIp`, so demo and test audiences rank under the network evidence.
 */
export function demoViewerAddress(viewerId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < viewerId.length; i++) h = Math.imul(h ^ viewerId.charCodeAt(i), 0x01000193) >>> 0;
  return `${11 + ((h >>> 24) % 200)}.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255 || 1}`;
}

/** A 64-hex id (like a Nostr event id or pubkey) drawn from `next`. */
export function hex64(next: () => number): string {
  let out = '';
  for (let i = 0; i < 8; i++)
    out += Math.floor(next() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return out;
}

const ADJECTIVES = [
  'Tiny',
  'Loud',
  'Sleepy',
  'Wild',
  'Golden',
  'Midnight',
  'Rainy',
  'Electric',
  'Lazy',
  'Brave',
  'Secret',
  'Dancing',
];
const NOUNS = [
  'cat',
  'skateboard',
  'sunset',
  'pancake',
  'parrot',
  'subway',
  'beatbox',
  'puppy',
  'magic trick',
  'prank',
  'loop',
  'garden',
];
const TAGS = [
  'comedy',
  'cats',
  'dogs',
  'music',
  'dance',
  'skate',
  'food',
  'art',
  'nature',
  'prank',
  'loop',
  'nostr',
  'retro',
  'vine',
  'sports',
  'travel',
];

/** Zipf weights with exponent s over ranks 1..n (they sum to 1). */
export function zipfWeights(n: number, s: number): number[] {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

function pickWeighted(cumulative: number[], r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 1) < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function generateDemoData(options: DemoDataOptions): DemoData {
  const seed = options.seed ?? 42;
  const videoCount = Math.max(20, options.videos ?? 320);
  const eventCount = Math.max(1000, options.events ?? 24_000);
  const now = options.now;
  const next = seededRandom(seed);

  // Each creator is a deterministic key (its seed drawn from the workload's seed); each video its
  // signed event, whose id is the video's id.
  const creators = Array.from({ length: Math.ceil(videoCount / 4) }, () => {
    const creatorSeed = `openvine-demo-creator:${hex64(next)}`;
    return { creatorSeed, pubkey: pubkeyFromSeed(creatorSeed) };
  });
  const videos: DemoVideo[] = Array.from({ length: videoCount }, (_, i) => {
    const kindRoll = next();
    const kind: DemoVideo['kind'] =
      i < 6 ? 'burst' : kindRoll < 0.25 ? 'fading' : kindRoll < 0.5 ? 'today' : 'evergreen';
    const tagCount = 1 + Math.floor(next() * 3);
    const hashtags = [
      ...new Set(Array.from({ length: tagCount }, () => TAGS[Math.floor(next() * TAGS.length)] ?? 'vine')),
    ];
    const d = hex64(next);
    const creator = creators[Math.floor(next() * creators.length)] ?? creators[0];
    if (!creator) throw new Error('a demo workload has creators');
    const title = `${ADJECTIVES[Math.floor(next() * ADJECTIVES.length)]} ${NOUNS[Math.floor(next() * NOUNS.length)]} #${i + 1}`;
    return {
      videoId: videoEventId(creator.pubkey, { d, title, hashtags, createdAt: DEMO_VIDEOS_CREATED_AT_S }),
      creatorPubkey: creator.pubkey,
      creatorSeed: creator.creatorSeed,
      d,
      title,
      hashtags,
      durationMs: 6_000 + Math.floor(next() * 3) * 500,
      kind,
      quality: 0.3 + next() * 0.65,
    };
  });

  // Bursts are seeded separately so their size stays under what a fresh 100-viewer video gets.
  const burstVideos = videos.filter((v) => v.kind === 'burst');
  const steadyVideos = videos.filter((v) => v.kind !== 'burst');
  const weights = zipfWeights(steadyVideos.length, 1.1);
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => {
    cumulative[i] = acc + w;
    return acc + w;
  }, 0);
  const viewerPool = 6_000;

  const events: ViewEventInput[] = [];
  const push = (video: DemoVideo, age: number, viewer: number) => {
    const completion = Math.min(1, Math.max(0.05, video.quality + (next() - 0.5) * 0.3));
    const loops = completion > 0.95 ? Math.floor(next() * 4) : 0;
    events.push({
      videoId: video.videoId,
      viewerId: `demo-viewer-${viewer}`,
      eventType: 'view_end',
      idempotencyKey: `demo-${seed}-${events.length}`,
      watchMs: Math.round(video.durationMs * completion),
      durationMs: video.durationMs,
      loops,
      creatorPubkey: video.creatorPubkey,
      hashtags: video.hashtags,
      title: video.title,
      source: 'demo',
      timestamp: now - Math.floor(age),
    });
  };

  // Bursts: 25..60 distinct viewers each in the last hour, on top of a little history.
  burstVideos.forEach((video, i) => {
    const fresh = 25 + i * 7;
    for (let k = 0; k < fresh; k++) push(video, next() * 55 * MINUTE_MS, (i * 997 + k * 13) % viewerPool);
    for (let k = 0; k < 15; k++) push(video, HOUR_MS + next() * 6 * DAY_MS, Math.floor(next() * viewerPool));
  });

  const steadyCount = eventCount - events.length;
  for (let n = 0; n < steadyCount; n++) {
    const video = steadyVideos[pickWeighted(cumulative, next())] ?? steadyVideos[0];
    if (!video) break;
    const r = next();
    let age: number;
    switch (video.kind) {
      case 'fading':
        age = 3 * DAY_MS + r * 4 * DAY_MS - MINUTE_MS;
        break;
      case 'today':
        age = r < 0.85 ? r * DAY_MS * 0.95 + 2 * HOUR_MS * (1 - r) : DAY_MS + r * 6 * DAY_MS - MINUTE_MS;
        break;
      default:
        age = r * (7 * DAY_MS - MINUTE_MS);
    }
    // A few heavy viewers rewatch: viewers are Zipf-ish too (square of a uniform).
    push(video, Math.min(age, 7 * DAY_MS - MINUTE_MS), Math.floor(next() ** 2 * viewerPool));
  }
  return { videos, events };
}

/**
 * The signed Nostr events of the workload's videos (kind 34236, each by its creator's
 * deterministic key), in video order: what POST /v1/videos registers before their views are
 * seeded, so that their titles, creators and hashtags show (views carry hints only).
 */
export function demoVideoEvents(videos: readonly DemoVideo[]): NostrEvent[] {
  return videos.map((video) =>
    signedVideoEvent(video.creatorSeed, {
      d: video.d,
      title: video.title,
      hashtags: video.hashtags,
      createdAt: DEMO_VIDEOS_CREATED_AT_S,
    }),
  );
}
