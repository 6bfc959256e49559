import { LIMITS } from './ttl-policy.ts';

/**
 * Aggregator shards by video (docs/architecture.md, "Sharding"): every event of a video lands in
 * one object, so its counts, distinct viewers and caps stay exact within that object; the object
 * named by the aggregator name (the coordinator) merges the shards' rankings into the snapshot
 * the read path reads. The hash is part of where data lives: changing it (or the shard count)
 * moves videos between objects, so it is fixed here, stable across runtimes and synchronous (the
 * api routes every event of a request).
 */

/** Shards when AGGREGATOR_SHARDS is unset: one, the object the read path reads. */
export const DEFAULT_AGGREGATOR_SHARDS = 1;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The shard (0..shardCount-1) of a video: FNV-1a 32-bit over the UTF-8 bytes of its lowercase id
 * (64 hex characters, so one byte each), modulo the shard count.
 */
export function shardOf(videoId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError(`shard count ${shardCount}`);
  return fnv1a32(videoId.toLowerCase()) % shardCount;
}

/** FNV-1a 32-bit of an ASCII string (each character's low byte: a hex id is ASCII). */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i) & 0xff;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/**
 * The object that holds one shard of an aggregator: the aggregator's own name when there is one
 * shard (so an unsharded deployment is one object, as before shards), else
 * `<aggregator>#shard-<i>-of-<n>`. The count is part of the name, so a deployment that changes it
 * starts new objects instead of splitting a video's history between an old and a new owner
 * (docs/scaling.md, raising the shard count).
 */
export function shardObjectName(aggregator: string, shard: number, shardCount: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= shardCount) {
    throw new RangeError(`shard ${shard} of ${shardCount}`);
  }
  return shardCount === 1 ? aggregator : `${aggregator}#shard-${shard}-of-${shardCount}`;
}

/** Every shard's object name, shard 0 first. */
export function shardObjectNames(aggregator: string, shardCount: number): string[] {
  return Array.from({ length: shardCount }, (_, shard) => shardObjectName(aggregator, shard, shardCount));
}

/** The object that counts `videoId`'s events. */
export function shardObjectNameOf(aggregator: string, videoId: string, shardCount: number): string {
  return shardObjectName(aggregator, shardOf(videoId, shardCount), shardCount);
}

/** Whether an aggregator object name is one shard of several (not a coordinator). */
export function isShardObjectName(name: string): boolean {
  return /#shard-\d+-of-\d+$/.test(name);
}

/**
 * The shard count an AGGREGATOR_SHARDS var gives: unset or empty is DEFAULT_AGGREGATOR_SHARDS;
 * anything but an integer in 1..LIMITS.aggregatorShards.max is null (a misconfiguration the caller
 * reports: guessing would put events in objects nobody reads).
 */
export function aggregatorShardCount(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return DEFAULT_AGGREGATOR_SHARDS;
  if (!/^\d+$/.test(value.trim())) return null;
  const count = Number(value.trim());
  return count >= 1 && count <= LIMITS.aggregatorShards.max ? count : null;
}
