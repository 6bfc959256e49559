/**
 * Aggregator shards (issue 15): a video's events all land in one shard object, chosen by a stable
 * hash of its id, so its caps, distinct viewers and networks stay exact inside one object; the
 * coordinator (the object named by the aggregator name) merges the shards' rankings into the
 * global snapshot. Every Worker that routes events derives the shard from these functions alone.
 */

/** Shards a deployment may run: well past what the simulation asks for at 100k events/s. */
export const MAX_SHARDS = 64;

/**
 * The AGGREGATOR_SHARDS var as a shard count: a whole number in 1..MAX_SHARDS, else 1 (one
 * object that is its own only shard, as before shards existed). A malformed value is not
 * guessed at: it falls back to the one layout that cannot split a video's history.
 */
export function shardCount(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS ? n : 1;
}

/**
 * FNV-1a (32 bit) of the lowercase video id, modulo `count`: synchronous (the router hashes every
 * event), stable across runtimes and releases (the shard of a video must never move while its
 * history is kept), and evenly spread over hex ids.
 */
export function shardOf(videoId: string, count: number): number {
  if (count <= 1) return 0;
  const id = videoId.toLowerCase();
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/**
 * The object name of shard `shard` of `count`. With one shard it is the aggregator itself. The
 * count is part of the name, so a deployment that changes it starts new objects instead of
 * splitting a video's history between an old and a new owner (docs/scaling.md, raising N).
 */
export function shardObjectName(aggregator: string, shard: number, count: number): string {
  return count <= 1 ? aggregator : `${aggregator}#shard-${shard}-of-${count}`;
}

/** Every shard's object name, shard 0 first. */
export function shardObjectNames(aggregator: string, count: number): string[] {
  return Array.from({ length: Math.max(1, count) }, (_, shard) => shardObjectName(aggregator, shard, count));
}

/** The object that counts `videoId`'s events. */
export function shardObjectNameOf(aggregator: string, videoId: string, count: number): string {
  return shardObjectName(aggregator, shardOf(videoId, count), count);
}

/** Whether an aggregator object name is a shard of a coordinator (not a coordinator itself). */
export function isShardObjectName(name: string): boolean {
  return /#shard-\d+-of-\d+$/.test(name);
}
