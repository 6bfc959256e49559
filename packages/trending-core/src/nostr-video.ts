import { schnorr } from '@noble/curves/secp256k1.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { getEventHash } from 'nostr-tools/pure';
import * as v from 'valibot';
import { MAX_FUTURE_SKEW_MS } from './events.ts';
import { DIVINE_VIDEO_KIND, VIDEO_EVENT_KINDS } from './nostr-kinds.ts';
import { clampHashtags, cutString } from './schemas.ts';
import { LIMITS } from './ttl-policy.ts';
import { VIEW_FIELD_LIMITS } from './view-field-limits.ts';

/**
 * Video metadata comes only from signed Nostr events: this file checks one (shape, kind, size,
 * id, Schnorr signature) and derives what the aggregator stores from it. Pure, so that every
 * Worker (the api's POST /v1/videos, a relay bridge) verifies the same way.
 *
 * The signature is checked with @noble/curves on the id recomputed here, never with
 * nostr-tools' `verifyEvent`: that one caches its verdict on the event object under a symbol,
 * and object spread copies symbols, so an edited copy of a verified event would pass unchecked.
 */

export { DIVINE_VIDEO_KIND, NIP71_VIDEO_KINDS, VIDEO_EVENT_KINDS } from './nostr-kinds.ts';

const CAPS = LIMITS.videoEvents;

/** A NIP-01 event as sent: the seven fields the id and signature cover (others are ignored). */
export const NostrEventSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'id must be 64 lowercase hex characters')),
  pubkey: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'pubkey must be 64 lowercase hex characters')),
  created_at: v.pipe(
    v.number('created_at must be a number'),
    v.integer('created_at must be whole seconds'),
    v.minValue(0, 'created_at must not be negative'),
    v.maxValue(Number.MAX_SAFE_INTEGER),
  ),
  kind: v.pipe(v.number('kind must be a number'), v.integer('kind must be an integer')),
  tags: v.array(v.array(v.string('tag entries must be strings')), 'tags must be an array of arrays'),
  content: v.string('content must be a string'),
  sig: v.pipe(v.string(), v.regex(/^[0-9a-f]{128}$/, 'sig must be 128 lowercase hex characters')),
});
export type NostrEvent = v.InferOutput<typeof NostrEventSchema>;

/** `{ events: [...] }` of 1..LIMITS.videoEvents.perBatch items of `item`. */
const videoEventsBatch = <TItem extends v.GenericSchema>(item: TItem) =>
  v.strictObject({
    events: v.pipe(
      v.array(item),
      v.minLength(1, 'events must not be empty'),
      v.maxLength(CAPS.perBatch, `at most ${CAPS.perBatch} events per request`),
    ),
  });

/**
 * The batch form of POST /v1/videos as the handler parses it: its bounds only, since each event
 * is then verified on its own (verifyVideoEvent), so that one bad event is named by its index.
 */
export const VideoEventsBatchSchema = videoEventsBatch(v.unknown());

/** The same batch as the API document describes it: the same bounds, each item a Nostr event. */
export const VideoEventsBatchDocSchema = videoEventsBatch(NostrEventSchema);

/** What the aggregator stores of a verified video event. */
export interface VideoEventRecord {
  /** The event id: the video's id (a view's `videoId`). */
  id: string;
  /** The creator. */
  pubkey: string;
  kind: number;
  /** Seconds (NIP-01). */
  createdAt: number;
  /**
   * What versions replace each other under: `34236:<pubkey>:<d>` for diVine's addressable kind
   * (a missing `d` tag reads as "", as NIP-01 says), the event id for kinds 21 and 22.
   */
  address: string;
  title?: string;
  hashtags: string[];
  /** The signed event as verified (the seven NIP-01 fields, JSON). */
  event: string;
}

/** Why an event is refused: a code per failure (the ApiError code), with its status. */
export const VIDEO_EVENT_ERRORS = {
  invalid_event: 400,
  unsigned_event: 400,
  unsupported_kind: 400,
  event_too_large: 400,
  event_in_future: 400,
  bad_event_id: 400,
  bad_signature: 400,
} as const;
export type VideoEventErrorCode = keyof typeof VIDEO_EVENT_ERRORS;

export type VideoEventVerdict =
  | { ok: true; record: VideoEventRecord }
  | { ok: false; code: VideoEventErrorCode; message: string };

const refuse = (code: VideoEventErrorCode, message: string): VideoEventVerdict => ({
  ok: false,
  code,
  message,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The first value of the first tag named `name`. */
function tagValue(tags: readonly string[][], name: string): string | undefined {
  return tags.find((t) => t[0] === name)?.[1];
}

function sizeProblem(event: NostrEvent): string | undefined {
  if (event.content.length > CAPS.contentChars) return `content is over ${CAPS.contentChars} characters`;
  if (event.tags.length > CAPS.tags) return `more than ${CAPS.tags} tags`;
  for (const tag of event.tags) {
    if (tag.length > CAPS.tagEntries) return `a tag has more than ${CAPS.tagEntries} entries`;
    if (tag.some((entry) => entry.length > CAPS.tagValueChars)) {
      return `a tag entry is over ${CAPS.tagValueChars} characters`;
    }
  }
  if (utf8ToBytes(JSON.stringify(event)).length > CAPS.eventBytes) {
    return `the event is over ${CAPS.eventBytes} bytes`;
  }
  return undefined;
}

/**
 * SQLite keeps text as UTF-8, which cannot hold a lone surrogate: such a title would come back
 * changed. The id hashes the JSON escape of one, so a signer could sign it: refused instead.
 */
const wellFormed = (event: NostrEvent) =>
  event.content.isWellFormed() && event.tags.every((tag) => tag.every((entry) => entry.isWellFormed()));

/** True when the Schnorr signature `sig` of `id` by `pubkey` holds (BIP-340, as NIP-01 says). */
function signatureHolds(id: string, sig: string, pubkey: string): boolean {
  try {
    return schnorr.verify(hexToBytes(sig), hexToBytes(id), hexToBytes(pubkey));
  } catch {
    // A pubkey that is not a point on the curve, or a signature out of range.
    return false;
  }
}

/**
 * Verifies one video event as received (the value JSON.parse gave) at `nowMs`: its shape, kind
 * (34236, 21 or 22), sizes, created_at (at most MAX_FUTURE_SKEW_MS ahead), the id (sha256 of the
 * NIP-01 serialization, recomputed here) and the signature over that id. The record's metadata:
 * creator = `pubkey`, title from the `title` tag (cut to VIEW_FIELD_LIMITS.titleChars), hashtags
 * from the `t` tags (as the app's are clamped: lowercased, `#` stripped, deduplicated, first 20).
 */
export function verifyVideoEvent(input: unknown, nowMs: number): VideoEventVerdict {
  if (!isRecord(input)) return refuse('invalid_event', 'an event must be a JSON object');
  if (input.sig === undefined || input.id === undefined) {
    return refuse('unsigned_event', 'the event has no id or no sig: only signed events are accepted');
  }
  const parsed = v.safeParse(NostrEventSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
    return refuse('invalid_event', `${path ? `${path}: ` : ''}${issue?.message ?? 'not a Nostr event'}`);
  }
  // A fresh object of exactly the signed fields: nothing else of the input travels on.
  const event: NostrEvent = {
    id: parsed.output.id,
    pubkey: parsed.output.pubkey,
    created_at: parsed.output.created_at,
    kind: parsed.output.kind,
    tags: parsed.output.tags.map((tag) => [...tag]),
    content: parsed.output.content,
    sig: parsed.output.sig,
  };
  if (!VIDEO_EVENT_KINDS.includes(event.kind)) {
    return refuse(
      'unsupported_kind',
      `kind ${event.kind} is not a video event (${VIDEO_EVENT_KINDS.join(', ')})`,
    );
  }
  const tooLarge = sizeProblem(event);
  if (tooLarge) return refuse('event_too_large', tooLarge);
  if (!wellFormed(event)) return refuse('invalid_event', 'content and tags must be well-formed Unicode');
  if (event.created_at * 1000 > nowMs + MAX_FUTURE_SKEW_MS) {
    return refuse('event_in_future', 'created_at is in the future');
  }
  const hash = getEventHash({
    pubkey: event.pubkey,
    created_at: event.created_at,
    kind: event.kind,
    tags: event.tags,
    content: event.content,
  });
  if (hash !== event.id) return refuse('bad_event_id', 'id is not the sha256 of the event (NIP-01)');
  if (!signatureHolds(hash, event.sig, event.pubkey)) {
    return refuse('bad_signature', 'sig is not a valid signature of the id by pubkey');
  }
  return { ok: true, record: videoEventRecord(event) };
}

function videoEventRecord(event: NostrEvent): VideoEventRecord {
  const address =
    event.kind === DIVINE_VIDEO_KIND
      ? `${event.kind}:${event.pubkey}:${tagValue(event.tags, 'd') ?? ''}`
      : event.id;
  const title = cutString(tagValue(event.tags, 'title')?.trim() ?? '', VIEW_FIELD_LIMITS.titleChars);
  const hashtags = clampHashtags(event.tags.filter((t) => t[0] === 't').map((t) => t[1])) ?? [];
  return {
    id: event.id,
    pubkey: event.pubkey,
    kind: event.kind,
    createdAt: event.created_at,
    address,
    ...(title ? { title } : {}),
    hashtags,
    event: JSON.stringify(event),
  };
}

/**
 * True when version `a` of an address replaces version `b`: a later created_at, or the same one
 * and the lower id (NIP-01's rule for replaceable events). A version never replaces itself.
 */
export function replacesVersion(
  a: { createdAt: number; id: string },
  b: { createdAt: number; id: string },
): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}
