// Ingest at scale, as rates: the app posts one view per request, the api sends one queue message
// per request (a server-side sender's batch of up to 100 events: one message per chunk of a shard
// group), a consumer delivery holds at most 100 messages and commits each shard it touches once
// (one RPC per shard per delivery). Videos hash to shards, shards to queues. What this model
// answers: how many queues keep every queue under its message limit, and what each shard sees in
// RPCs/s and events/s, for the two ways of routing a message to a queue.
import { createRandom, zipfWeights } from './random.ts';

/** Cloudflare's limits that bind ingest (platform notes, "Checked on 2026-12-01"). */
export const PLATFORM = {
  /** Messages per second one queue takes. */
  queueMessagesPerSecond: 5e3,
  /** Messages in one consumer delivery (max_batch_size). */
  deliveryMessages: 100,
  /** Requests per second one Durable Object takes before it becomes the bottleneck (soft). */
  objectRequestsPerSecond: 1e3,
} as const;

/** Share of a limit we plan to use: queues and objects run at most at 80% of theirs. */
export const HEADROOM = 0.8;

export type QueueRouting = 'by-shard-group' | 'any-queue';

export interface IngestConfig {
  seed: number;
  eventsPerSecond: number;
  shards: number;
  /**
   * Queues when routed to any queue; 0: as many as the message rate needs at HEADROOM (rounded
   * up). Routed by shard group, the groups are packed into the fewest queues that fit.
   */
  queues: number;
  routing: QueueRouting;
  /** Distinct videos receiving views, and the Zipf exponent of their popularity. */
  videos: number;
  videoS: number;
  /** Share of events sent by server-side senders in batches of 100 (the rest: the app, one a request). */
  batchedShare: number;
  /** A consumer waits at most this long (s) to fill a delivery (max_batch_timeout). */
  batchTimeout: number;
}

export interface IngestReport {
  eventsPerSecond: number;
  shards: number;
  queues: number;
  routing: QueueRouting;
  messagesPerSecond: number;
  busiestQueueMessagesPerSecond: number;
  deliveriesPerSecond: number;
  busiestShardRpcPerSecond: number;
  busiestShardEventsPerSecond: number;
  /** The hottest video's events/s: one shard takes all of them, whatever N. */
  hottestVideoEventsPerSecond: number;
}

/** How many queues `messagesPerSecond` needs at HEADROOM of the per-queue limit. */
export function queuesNeeded(messagesPerSecond: number): number {
  return Math.max(1, Math.ceil(messagesPerSecond / (PLATFORM.queueMessagesPerSecond * HEADROOM)));
}

/** The chance that a delivery of `size` messages, each of `share` for this shard, holds at least one. */
function touches(share: number, size: number): number {
  return share <= 0 ? 0 : 1 - (1 - share) ** size;
}

export function modelIngest(config: IngestConfig): IngestReport {
  const random = createRandom(config.seed);
  const N = config.shards;
  const E = config.eventsPerSecond;
  // Events/s per shard: each video's share of views, to the shard its id hashes to.
  const perShard = new Float64Array(N);
  const weights = zipfWeights(config.videos, config.videoS);
  for (const w of weights) {
    const shard = Math.floor(random.next() * N);
    perShard[shard] = (perShard[shard] ?? 0) + w * E;
  }
  const capacity = PLATFORM.queueMessagesPerSecond * HEADROOM;
  // Messages: one per app request (one event); a batched sender's events travel 100 a message.
  // (Routed by shard group, a batch is cut into one chunk per queue its events fall in: counting
  // a shard's batched events as full messages of 100 is a lower bound of its messages.)
  const appMessages = E * (1 - config.batchedShare);
  const batches = (E * config.batchedShare) / PLATFORM.deliveryMessages;

  // Queues, and per queue the messages/s each shard puts in it.
  const queueLoad: Map<number, number>[] = [];
  if (config.routing === 'by-shard-group') {
    // Shard groups, packed first-fit (biggest shard first) into queues of `capacity` messages/s;
    // a shard bigger than one queue has queues of its own, its messages spread over them.
    const order = Array.from({ length: N }, (_, s) => s).sort(
      (a, b) => (perShard[b] ?? 0) - (perShard[a] ?? 0),
    );
    const room: number[] = [];
    for (const s of order) {
      const events = perShard[s] ?? 0;
      if (events <= 0) continue;
      const messages =
        events * (1 - config.batchedShare) + (events * config.batchedShare) / PLATFORM.deliveryMessages;
      if (messages > capacity) {
        const own = Math.ceil(messages / capacity);
        for (let j = 0; j < own; j++) {
          queueLoad.push(new Map([[s, messages / own]]));
          room.push(0);
        }
        continue;
      }
      let q = room.findIndex((r) => r >= messages);
      if (q < 0) {
        queueLoad.push(new Map());
        room.push(capacity);
        q = queueLoad.length - 1;
      }
      queueLoad[q]?.set(s, messages);
      room[q] = (room[q] ?? 0) - messages;
    }
  } else {
    const Q = config.queues > 0 ? config.queues : queuesNeeded(appMessages + batches);
    // Any queue: every message of a batch goes as one message to one queue, spread evenly.
    for (let q = 0; q < Q; q++) {
      const load = new Map<number, number>();
      for (let s = 0; s < N; s++) {
        const events = perShard[s] ?? 0;
        if (events > 0) load.set(s, (events / E) * ((appMessages + batches) / Q));
      }
      queueLoad.push(load);
    }
  }

  // A delivery is full when its queue has that many messages within the batch timeout; it commits
  // each shard its messages touch once.
  const deliverySize = (perSecond: number) =>
    Math.max(1, Math.min(PLATFORM.deliveryMessages, perSecond * config.batchTimeout));
  const rpc = new Float64Array(N);
  let deliveries = 0;
  let messages = 0;
  let busiestQueue = 0;
  for (const load of queueLoad) {
    let total = 0;
    for (const m of load.values()) total += m;
    if (total <= 0) continue;
    messages += total;
    busiestQueue = Math.max(busiestQueue, total);
    const size = deliverySize(total);
    deliveries += total / size;
    for (const [s, m] of load) rpc[s] = (rpc[s] ?? 0) + (total / size) * touches(m / total, size);
  }
  return {
    eventsPerSecond: E,
    shards: N,
    queues: queueLoad.length,
    routing: config.routing,
    messagesPerSecond: messages,
    busiestQueueMessagesPerSecond: busiestQueue,
    deliveriesPerSecond: deliveries,
    busiestShardRpcPerSecond: Math.max(0, ...rpc),
    busiestShardEventsPerSecond: Math.max(0, ...perShard),
    hottestVideoEventsPerSecond: (weights[0] ?? 0) * E,
  };
}

/**
 * The fewest shards (powers of two up to `max`) that keep every shard under HEADROOM of a Durable
 * Object's requests/s and every queue under its limit, with the given routing; undefined when none
 * does.
 */
export function shardsNeeded(config: Omit<IngestConfig, 'shards'>, max: number): IngestReport | undefined {
  for (let shards = 1; shards <= max; shards *= 2) {
    const report = modelIngest({ ...config, shards });
    if (
      report.busiestShardRpcPerSecond < PLATFORM.objectRequestsPerSecond * HEADROOM &&
      report.busiestQueueMessagesPerSecond < PLATFORM.queueMessagesPerSecond
    )
      return report;
  }
  return undefined;
}
