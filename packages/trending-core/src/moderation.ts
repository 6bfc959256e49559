import * as v from 'valibot';
import { InvalidatedWindowSchema, NotRecomputedWindowSchema } from './admin-reports.ts';
import { ErrorBodySchema } from './response-schemas.ts';
import { parseRpcInput } from './rpc-input.ts';
import { Hex64Schema } from './schemas.ts';
import { LIMITS } from './ttl-policy.ts';
import { VIEW_FIELD_LIMITS } from './view-field-limits.ts';

/**
 * Moderation: videos, creators (pubkeys) and hashtags an admin hid from every trending list, why,
 * and the audit list of every hide and unhide. The request and answer shapes of the admin routes
 * (the api parses with them and documents them), and the one rule that decides whether a ranked
 * video is visible.
 */

export const MODERATION_KINDS = ['video', 'creator', 'hashtag'] as const;
export type ModerationKind = (typeof MODERATION_KINDS)[number];
export const MODERATION_ACTIONS = ['hide', 'unhide'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

const M = LIMITS.moderation;

/** A hashtag as ingest stores it: trimmed, leading `#` stripped, lowercased, 1..64 characters. */
const HashtagValueSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.transform((tag) => tag.replace(/^#+/, '').toLowerCase()),
  v.minLength(1, 'must name a hashtag'),
  v.maxLength(VIEW_FIELD_LIMITS.hashtagChars, 'a hashtag is at most 64 characters'),
);

const ReasonSchema = v.pipe(
  v.string('reason must be a string'),
  v.trim(),
  v.minLength(1, 'reason is required'),
  v.maxLength(M.reasonChars, `reason is at most ${M.reasonChars} characters`),
);

const BySchema = v.pipe(
  v.string('by must be a string'),
  v.trim(),
  v.minLength(1, 'by must not be empty'),
  v.maxLength(M.byChars, `by is at most ${M.byChars} characters`),
);

const common = { reason: ReasonSchema, by: v.optional(BySchema) };

/**
 * The body of `POST /v1/admin/moderation/hide` and `/unhide`: what (a video id or creator pubkey,
 * 64 hex; a hashtag), why, and optionally who (the admin token names no one).
 */
export const ModerationRequestSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('video'), value: Hex64Schema, ...common }),
    v.strictObject({ kind: v.literal('creator'), value: Hex64Schema, ...common }),
    v.strictObject({ kind: v.literal('hashtag'), value: HashtagValueSchema, ...common }),
  ],
  'kind must be one of video, creator, hashtag',
);
export type ModerationRequest = v.InferOutput<typeof ModerationRequestSchema>;

/** A change as the aggregator applies it: the request and which way. */
export type ModerationChange = ModerationRequest & { action: ModerationAction };

const Epoch = v.pipe(v.number(), v.integer(), v.minValue(0));
const KindSchema = v.picklist(MODERATION_KINDS);

/** One row of the audit list: every hide and unhide, whether or not it changed anything. */
export const ModerationAuditEntrySchema = v.object({
  kind: KindSchema,
  value: v.string(),
  action: v.picklist(MODERATION_ACTIONS),
  reason: v.string(),
  /** Epoch ms when the aggregator applied it. */
  at: Epoch,
  by: v.optional(v.string()),
  /** False when it was already so (hiding what was hidden, unhiding what was not). */
  changed: v.boolean(),
});
export type ModerationAuditEntry = v.InferOutput<typeof ModerationAuditEntrySchema>;

/**
 * One item hidden now: since when and why (its last hide). A video hidden by one version's id
 * hides its address (every version, later ones included): `address` is the one the aggregator
 * knew the id by when it was hidden (absent for an id it had no event of yet; the ranking then
 * looks the address up as soon as the event is known).
 */
export const HiddenItemSchema = v.object({
  kind: KindSchema,
  value: v.string(),
  reason: v.string(),
  at: Epoch,
  by: v.optional(v.string()),
  address: v.optional(v.string()),
});
export type HiddenItem = v.InferOutput<typeof HiddenItemSchema>;

/** `GET /v1/admin/moderation`: what is hidden now, and the audit list, newest first. */
export const ModerationListSchema = v.object({
  hidden: v.array(HiddenItemSchema),
  audit: v.array(ModerationAuditEntrySchema),
});
export type ModerationList = v.InferOutput<typeof ModerationListSchema>;

/**
 * What became of the purge of every data center's edge by tag (Cloudflare's purge API):
 * `skipped` when no token or zone is configured (local development), `failed` with the reason
 * (the other data centers then drop the old entries within the edge freshness, 30 s).
 */
export const EdgePurgeSchema = v.object({
  status: v.picklist(['purged', 'skipped', 'failed']),
  tags: v.array(v.string()),
  message: v.string(),
});
export type EdgePurge = v.InferOutput<typeof EdgePurgeSchema>;

/**
 * `POST /v1/admin/moderation/hide|unhide` 200: the audit row, the windows bumped and recomputed,
 * the purge; `notRecomputed` (only in the 502 `recompute_failed`) the windows bumped whose
 * recomputation failed.
 */
export const ModerationReportSchema = v.object({
  entry: ModerationAuditEntrySchema,
  windows: v.array(InvalidatedWindowSchema),
  notRecomputed: v.optional(v.array(NotRecomputedWindowSchema)),
  edgePurge: EdgePurgeSchema,
});
export type ModerationReport = v.InferOutput<typeof ModerationReportSchema>;

/**
 * 502 `kv_write_failed` or `recompute_failed`: applied, but KV refused some writes (`kvFailed`)
 * or some windows were not recomputed (`notRecomputed`).
 */
export const ModerationPartlyFailedSchema = v.object({
  ...ErrorBodySchema.entries,
  ...ModerationReportSchema.entries,
});
export type ModerationPartlyFailed = v.InferOutput<typeof ModerationPartlyFailedSchema>;

/** What precompute's `moderate` RPC returns: the report, or that the run lock stayed busy. */
export type ModerateOutcome =
  | ({ ok: true } & ModerationReport)
  | { ok: false; reason: 'run_lock_busy'; message: string };

/** What is hidden, as sets for the ranking to test against. */
export interface HiddenSet {
  videos: ReadonlySet<string>;
  /** The addresses of hidden videos (withVideoAddresses adds those a ranking looked up). */
  addresses: ReadonlySet<string>;
  creators: ReadonlySet<string>;
  hashtags: ReadonlySet<string>;
}

export const NOTHING_HIDDEN: HiddenSet = {
  videos: new Set(),
  addresses: new Set(),
  creators: new Set(),
  hashtags: new Set(),
};

export function hiddenSet(items: readonly Pick<HiddenItem, 'kind' | 'value' | 'address'>[]): HiddenSet {
  const of = (kind: ModerationKind) => new Set(items.filter((i) => i.kind === kind).map((i) => i.value));
  const addresses = new Set<string>();
  for (const item of items) if (item.kind === 'video' && item.address) addresses.add(item.address);
  return { videos: of('video'), addresses, creators: of('creator'), hashtags: of('hashtag') };
}

/** `hidden` with the addresses of its hidden videos the caller found (the same set if none is new). */
export function withVideoAddresses(hidden: HiddenSet, addresses: Iterable<string>): HiddenSet {
  const fresh = [...addresses].filter((a) => !hidden.addresses.has(a));
  if (fresh.length === 0) return hidden;
  return { ...hidden, addresses: new Set([...hidden.addresses, ...fresh]) };
}

export function hidesNothing(hidden: HiddenSet): boolean {
  return hidden.videos.size === 0 && hidden.creators.size === 0 && hidden.hashtags.size === 0;
}

/** A video's metadata as the ranking knows it (whatever its source: events today). */
export interface VideoMetadata {
  videoId: string;
  /** Its address (versions of one video share it), when its signed event is known. */
  address?: string | undefined;
  creatorPubkey?: string | undefined;
  hashtags?: readonly string[] | undefined;
}

/**
 * The one moderation rule: a video is hidden when it is or its address is (any version of it was
 * hidden), when its creator is, or when it carries a hidden hashtag. Hidden creators and hashtags
 * then vanish from the group trends too, since those are drawn from the visible videos only.
 */
export function isHidden(hidden: HiddenSet, video: VideoMetadata): boolean {
  if (hidden.videos.has(video.videoId)) return true;
  if (video.address !== undefined && hidden.addresses.has(video.address)) return true;
  if (video.creatorPubkey !== undefined && hidden.creators.has(video.creatorPubkey)) return true;
  return video.hashtags?.some((tag) => hidden.hashtags.has(tag)) ?? false;
}

/**
 * A change as an RPC caller sent it, checked again where it is applied (the aggregator): the
 * request's rules, and an action. Throws a TypeError naming what is wrong.
 */
export function parseModerationChange(value: unknown): ModerationChange {
  if (typeof value !== 'object' || value === null) throw new TypeError('a moderation change is an object');
  const { action, ...request } = value as Record<string, unknown>;
  if (!MODERATION_ACTIONS.includes(action as ModerationAction))
    throw new TypeError('action must be hide or unhide');
  return {
    ...parseRpcInput(ModerationRequestSchema, request, 'moderation change'),
    action: action as ModerationAction,
  };
}
