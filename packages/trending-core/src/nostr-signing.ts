import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { type EventTemplate, finalizeEvent, getEventHash, getPublicKey } from 'nostr-tools/pure';
import { DIVINE_VIDEO_KIND } from './nostr-kinds.ts';
import type { NostrEvent } from './nostr-video.ts';

/**
 * Signing with deterministic keys, for the demo workload and tests (never for real users: the
 * secret key is the sha256 of a public string). Same seed, same key, same pubkey; the event id
 * depends only on the event's fields, so a demo video keeps its id from run to run (signatures
 * differ: BIP-340 signing draws fresh auxiliary randomness, and any valid one verifies).
 */

/** The secret key of `seed` (sha256 of its UTF-8), valid for secp256k1 but for a 2^-128 chance. */
export function secretKeyFromSeed(seed: string): Uint8Array {
  return sha256(utf8ToBytes(seed));
}

export function pubkeyFromSeed(seed: string): string {
  return getPublicKey(secretKeyFromSeed(seed));
}

/** A plain object of the seven NIP-01 fields (finalizeEvent's own result carries a symbol too). */
function plain(event: NostrEvent): NostrEvent {
  const { id, pubkey, created_at, kind, tags, content, sig } = event;
  return { id, pubkey, created_at, kind, tags, content, sig };
}

/** Signs `template` with the key of `seed`. */
export function signWithSeed(seed: string, template: EventTemplate): NostrEvent {
  return plain(finalizeEvent(template, secretKeyFromSeed(seed)));
}

export interface VideoTemplate {
  /** The `d` tag (diVine's addressable kind 34236). */
  d: string;
  title?: string;
  hashtags?: readonly string[];
  /** Seconds. */
  createdAt: number;
  kind?: number;
  content?: string;
}

/** The event template of a diVine video (kind 34236 unless `kind` says otherwise). */
export function videoEventTemplate(video: VideoTemplate): EventTemplate {
  const tags: string[][] = [['d', video.d]];
  if (video.title !== undefined) tags.push(['title', video.title]);
  for (const tag of video.hashtags ?? []) tags.push(['t', tag]);
  return {
    kind: video.kind ?? DIVINE_VIDEO_KIND,
    created_at: video.createdAt,
    tags,
    content: video.content ?? '',
  };
}

/** A signed video event by the key of `seed`. */
export function signedVideoEvent(seed: string, video: VideoTemplate): NostrEvent {
  return signWithSeed(seed, videoEventTemplate(video));
}

/** The id a video event of `pubkey` will have once signed (no signature needed: NIP-01's hash). */
export function videoEventId(pubkey: string, video: VideoTemplate): string {
  return getEventHash({ ...videoEventTemplate(video), pubkey });
}
