import * as v from 'valibot';
import { DESCRIPTIONS, CLIENT_VIEW_FIELD_DOCS as DOCS } from './api-docs.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './ttl-policy.ts';
import { VIEW_FIELD_LIMITS } from './view-field-limits.ts';
import { WINDOWS } from './windows.ts';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** A Nostr event id or pubkey: 64 hex characters, stored lowercase. */
export const Hex64Schema = v.pipe(
  v.string('must be a string'),
  v.regex(HEX64, 'must be 64 hexadecimal characters'),
  v.toLowerCase(),
);

export const WindowSchema = v.picklist(WINDOWS, 'window must be one of 1h, 24h, 7d');

// ---------------------------------------------------------------------------------------------
// Queries. Inputs are the lowercased first value of each query parameter; unknown ones are dropped.

// Each pipe names its parsed type after the last transform (v.number(), v.integer()): the API
// document describes parameters by what they parse to (typeMode 'output' in apps/api/src/openapi.ts).
const LimitStrictSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}$/, 'limit must be an integer from 1 to 100'),
  v.transform(Number),
  v.number(),
  v.integer(),
  v.minValue(1, 'limit must be an integer from 1 to 100'),
  v.maxValue(MAX_LIMIT, 'limit must be an integer from 1 to 100'),
  v.description(DESCRIPTIONS.strictLimit),
);

/** `/v1/trending/videos`: strict, out-of-range values are a 400. */
export const TrendingQuerySchema = v.object({
  window: v.optional(WindowSchema, '24h'),
  limit: v.optional(LimitStrictSchema, String(DEFAULT_LIMIT)),
});
export type TrendingQuery = v.InferOutput<typeof TrendingQuerySchema>;

/** The OpenVine client's `/analytics/trending/*`: limit is clamped, as the old backend did. */
export const ClientTrendingQuerySchema = v.object({
  window: v.optional(WindowSchema, '24h'),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.transform((raw) => {
        const n = Number.parseInt(raw, 10);
        return Number.isFinite(n) ? Math.min(MAX_LIMIT, Math.max(1, n)) : DEFAULT_LIMIT;
      }),
      v.number(),
      v.integer(),
      v.description(DESCRIPTIONS.clampedLimit),
    ),
    String(DEFAULT_LIMIT),
  ),
});

// ---------------------------------------------------------------------------------------------
// View events.

export { VIEW_FIELD_LIMITS };

/** Cuts a string to at most `max` UTF-16 code units, never splitting a surrogate pair. */
export function cutString(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

const Milliseconds = (label: string) =>
  v.pipe(
    v.number(`${label} must be a number`),
    v.integer(`${label} must be whole milliseconds`),
    v.minValue(0, `${label} must not be negative`),
    v.maxValue(VIEW_FIELD_LIMITS.durationMs, `${label} must be at most 24 hours`),
  );

/**
 * A tag as stored: trimmed, leading `#`s stripped, lowercased, and cut to 64 characters after
 * lowercasing, which can lengthen it ('İ' is two UTF-16 units lowercased): the ingest message
 * holds at most 64, and a longer tag sent its whole message to the dead letters after the 202.
 */
const storedHashtag = (tag: string) =>
  cutString(tag.trim().replace(/^#+/, '').toLowerCase(), VIEW_FIELD_LIMITS.hashtagChars).trim();

/**
 * `/v1`'s hashtags: at most 20 tags of at most 64 characters each as sent, else a 400 (the bounds
 * come before any transformation, so the API document states them), then stored deduplicated.
 */
const HashtagsSchema = v.pipe(
  v.array(
    v.pipe(
      v.string(),
      v.trim(),
      v.maxLength(VIEW_FIELD_LIMITS.hashtagChars, 'a hashtag is at most 64 characters'),
    ),
  ),
  v.maxLength(VIEW_FIELD_LIMITS.hashtags, 'at most 20 hashtags'),
  v.transform((tags) => [...new Set(tags.map(storedHashtag).filter((t) => t.length > 0))]),
);

/** Epoch milliseconds, or an ISO-8601 string (read as UTC when it has no offset). */
export const TimestampSchema = v.union(
  [
    v.pipe(v.number(), v.integer(), v.minValue(0)),
    v.pipe(
      v.string(),
      v.maxLength(40),
      v.transform((s) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`)),
      v.check((ms) => Number.isFinite(ms), 'timestamp must be epoch milliseconds or an ISO-8601 date'),
    ),
  ],
  'timestamp must be epoch milliseconds or an ISO-8601 date',
);
const EventTimestampSchema = v.pipe(TimestampSchema, v.description(DESCRIPTIONS.eventTimestamp));

export const EventTypeSchema = v.picklist(
  ['view_start', 'view_end'],
  'eventType must be view_start or view_end',
);

export const ViewEventSchema = v.object({
  videoId: Hex64Schema,
  viewerId: v.pipe(
    v.string('viewerId is required'),
    v.minLength(1),
    v.maxLength(128, 'viewerId is at most 128 characters'),
  ),
  eventType: EventTypeSchema,
  idempotencyKey: v.optional(
    v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.description(DESCRIPTIONS.idempotencyKey)),
  ),
  watchMs: v.optional(Milliseconds('watchMs')),
  durationMs: v.optional(Milliseconds('durationMs')),
  loops: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))),
  completion: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  creatorPubkey: v.optional(Hex64Schema),
  hashtags: v.optional(HashtagsSchema),
  title: v.optional(
    v.pipe(v.string(), v.maxLength(VIEW_FIELD_LIMITS.titleChars, 'title is at most 300 characters')),
  ),
  country: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z]{2}$/, 'country is an ISO 3166 alpha-2 code'), v.toUpperCase()),
  ),
  source: v.optional(v.pipe(v.string(), v.maxLength(32))),
  timestamp: v.optional(EventTimestampSchema),
  clientIp: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(VIEW_FIELD_LIMITS.clientIpChars, 'clientIp is at most 45 characters'),
      v.description(DESCRIPTIONS.clientIp),
    ),
  ),
});
export type ViewEventInput = v.InferOutput<typeof ViewEventSchema>;

export const MAX_EVENTS_PER_BATCH = 100;

export const ViewEventsBatchSchema = v.object(
  {
    events: v.pipe(
      v.array(ViewEventSchema),
      v.minLength(1, 'events must not be empty'),
      v.maxLength(MAX_EVENTS_PER_BATCH, `at most ${MAX_EVENTS_PER_BATCH} events per request`),
    ),
  },
  'body must be a view event or { events: [...] }',
);

/**
 * `POST /v1/events/views`: one event, or `{ events: [...] }` with 1..100 of them.
 * The shape is chosen by the presence of `events` (not a union), so issues keep their paths
 * (`videoId`, `events.3.videoId`) instead of collapsing into one pathless union issue.
 */
export const ViewEventsBodySchema = v.lazy((input) =>
  typeof input === 'object' && input !== null && !Array.isArray(input) && !('events' in input)
    ? ViewEventSchema
    : ViewEventsBatchSchema,
);

/** A whole number in [0, max]: rounded and clamped; anything but a number is absent. */
function clampCount(value: unknown, max: number): number | undefined {
  if (typeof value !== 'number' || Number.isNaN(value)) return undefined;
  return Math.min(max, Math.max(0, Math.round(value)));
}

/**
 * The app's hashtags: strings only (others dropped), trimmed, leading `#` stripped, lowercased,
 * cut to 64 characters, empties dropped, deduplicated, and the first 20 kept. Also the hashtags
 * of a signed video event (its `t` tags: nostr-video.ts).
 */
export function clampHashtags(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags = new Set<string>();
  for (const item of value) {
    if (tags.size === VIEW_FIELD_LIMITS.hashtags) break;
    if (typeof item !== 'string') continue;
    const tag = storedHashtag(item);
    if (tag.length > 0) tags.add(tag);
  }
  return [...tags];
}

/**
 * A field of the app's body that is clamped, never refused: `null` stays `null` (the app sends
 * null for what it does not know), a value `clamp` cannot use becomes absent. `doc` is what the
 * API document says the field should be (JSON Schema keywords); it does not change parsing.
 */
const lenient = <T>(clamp: (value: unknown) => T | undefined, doc: Record<string, unknown>) =>
  v.optional(
    v.pipe(
      v.unknown(),
      v.metadata(doc),
      v.transform((value): T | null | undefined => (value === null ? null : clamp(value))),
    ),
  );

const clampedString = (max: number, doc: Record<string, unknown>) =>
  lenient((value) => (typeof value === 'string' ? cutString(value, max) : undefined), doc);

const clampedCount = (max: number, doc: Record<string, unknown>) =>
  lenient((value) => clampCount(value, max), doc);

const EVENT_TYPES: readonly string[] = ['view_start', 'view_end'];

/**
 * The OpenVine mobile client's `POST /analytics/view` body (divine-mobile analytics_service.dart):
 * durations in milliseconds, `timestamp` a zone-less local ISO string (used only to recognise
 * retries), `userId` null when signed out, `completionRate` ignored (recomputed server-side).
 *
 * Only `eventId` is required and strict (64 hex, else 400); the app retries every refused view
 * and then drops it, so every other field is clamped, never refused (VIEW_FIELD_LIMITS):
 * - `title`, `userId`, `source`, `timestamp`: cut to 300, 128, 32, 40 characters;
 * - `hashtags`: see clampHashtags (each cut to 64 characters, the first 20 kept);
 * - `watchDuration`, `totalDuration`: rounded, clamped to 0..24 h; `loopCount` to 0..10,000;
 * - a field of the wrong type is dropped (as if absent): a non-string title, source or userId
 *   (the view then counts as a signed-out viewer's), a non-string hashtag, a creatorPubkey that
 *   is not 64 hex, a timestamp that is neither a string nor a number (no retry key then);
 * - an unknown `eventType` reads as absent: `view_start`, which is not a view.
 */
export const ClientViewSchema = v.pipe(
  v.object(
    {
      eventId: v.pipe(Hex64Schema, v.description(DESCRIPTIONS.clientEventId)),
      userId: clampedString(VIEW_FIELD_LIMITS.viewerIdChars, DOCS.userId),
      source: clampedString(VIEW_FIELD_LIMITS.sourceChars, DOCS.source),
      eventType: v.optional(
        v.pipe(
          v.unknown(),
          v.metadata(DOCS.eventType),
          v.transform((value): 'view_start' | 'view_end' =>
            typeof value === 'string' && EVENT_TYPES.includes(value)
              ? (value as 'view_start' | 'view_end')
              : 'view_start',
          ),
        ),
        'view_start',
      ),
      /** 64 hex (lowercased), or '' as the app sends for signed-out uploads; anything else dropped. */
      creatorPubkey: lenient(
        (value) =>
          typeof value === 'string' && (value === '' || HEX64.test(value)) ? value.toLowerCase() : undefined,
        DOCS.creatorPubkey,
      ),
      hashtags: lenient(clampHashtags, DOCS.hashtags),
      title: clampedString(VIEW_FIELD_LIMITS.titleChars, DOCS.title),
      timestamp: lenient((value) => {
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        return typeof value === 'string' ? cutString(value, VIEW_FIELD_LIMITS.timestampChars) : undefined;
      }, DOCS.timestamp),
      watchDuration: clampedCount(VIEW_FIELD_LIMITS.durationMs, DOCS.watchDuration),
      totalDuration: clampedCount(VIEW_FIELD_LIMITS.durationMs, DOCS.totalDuration),
      loopCount: clampedCount(VIEW_FIELD_LIMITS.loops, DOCS.loopCount),
      completedVideo: lenient(
        (value) => (typeof value === 'boolean' ? value : undefined),
        DOCS.completedVideo,
      ),
      completionRate: lenient(
        (value) => (typeof value === 'number' ? value : undefined),
        DOCS.completionRate,
      ),
    },
    'body must be a JSON object with an eventId',
  ),
  v.description(DESCRIPTIONS.clientView),
);
export type ClientViewInput = v.InferOutput<typeof ClientViewSchema>;

/** Flattens valibot issues into `{ path, message }` pairs clients can show. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): { path: string; message: string }[] {
  return issues.map((issue) => ({
    path: v.getDotPath(issue) ?? '',
    message: issue.message,
  }));
}
