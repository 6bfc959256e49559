import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The 64-bit digest an idempotency key is stored as (the aggregator's `seen_digests` table): the
 * first 8 bytes of SHA-256 of the scoped key's UTF-8, read as a signed big-endian integer, so it is
 * a SQLite INTEGER primary key (8 bytes a row whatever the key's length, where the key itself was
 * stored twice, in the table and in its time index).
 *
 * Synchronous on purpose: the aggregator claims keys inside its storage transaction
 * (`transactionSync`), where `crypto.subtle.digest` (a promise) cannot run. SHA-256 in JS
 * (@noble/hashes, already a dependency for Nostr ids) is a few microseconds a key.
 *
 * Collisions (docs/scaling.md, "Storage per shard"): a new key is taken for a duplicate when its
 * digest equals one of the n keys held (7 days' worth): n / 2^64 per event, about 5e-12 at
 * n = 10^8 keys in a shard; the chance that any of the n keys of a week collides with another is
 * about n^2 / 2^65, 3e-4 at n = 10^8. A truncated SHA-256 cannot be steered: a client who wanted
 * to swallow another's view would need a preimage of a key that starts with the other's keyed
 * network (an HMAC it cannot compute).
 *
 * Keys are hashed well-formed: a lone surrogate has no UTF-8 form, so `key` and its
 * `toWellFormed()` (U+FFFD in its place) are the same key, as they were when SQLite stored the
 * text.
 */
export function dedupDigest(key: string): bigint {
  const bytes = sha256(utf8ToBytes(key.toWellFormed()));
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, false);
}
