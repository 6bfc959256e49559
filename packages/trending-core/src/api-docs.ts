import { MAX_LIMIT } from './ttl-policy.ts';
import { VIEW_FIELD_LIMITS as L } from './view-field-limits.ts';

/**
 * What the API document (apps/api/src/openapi.ts, generated from the schemas) says beyond what
 * the schemas' validations express: descriptions, and for the app's lenient fields, which accept
 * anything and clamp it (ClientViewSchema), the JSON Schema the app is asked to send. None of it
 * changes parsing; apps/api/src/openapi.test.ts holds the document to the real API.
 */
export const DESCRIPTIONS = {
  strictLimit: 'Out of range is a 400.',
  clampedLimit: `Clamped to 1..${MAX_LIMIT} (as the old backend did), never rejected.`,
  eventTimestamp: 'Epoch ms or ISO-8601 (UTC without an offset), within the last 7 days.',
  idempotencyKey:
    'Retries with the same key count once. Without one, a retry counts once when it repeats the ' +
    'event exactly (same viewer, fields and timestamp; without a timestamp, within the same minute).',
  clientIp:
    "The viewer's own address, from a server-side sender that authenticates with X-Ingest-Key " +
    '(a CDN log pipeline, another Worker). Without the header it is a 400: every event of an ' +
    'anonymous request counts under the connection’s network.',
  epochMs: 'epoch milliseconds',
  clientView:
    'Clamped, never refused: only a missing or invalid eventId (or a body that is not a JSON ' +
    'object) is a 400. Longer strings, more hashtags and larger numbers than described are ' +
    'accepted and cut or clamped, and a field of the wrong type is ignored as if absent.',
  clientEventId: 'The video id: required, strict.',
} as const;

const cutTo = (max: number, more = '') => ({
  type: ['string', 'null'],
  maxLength: max,
  description: `Longer is cut to ${max} characters.${more}`,
});

const clampedTo = (max: number, unit = '') => ({
  type: ['number', 'null'],
  minimum: 0,
  maximum: max,
  description: `${unit}Rounded and clamped to 0..${max}.`,
});

/** JSON Schema keywords per lenient field of the app's `POST /analytics/view` body. */
export const CLIENT_VIEW_FIELD_DOCS = {
  userId: cutTo(L.viewerIdChars, ' null or not a string: a signed-out viewer.'),
  source: cutTo(L.sourceChars),
  title: cutTo(L.titleChars),
  eventType: {
    type: 'string',
    enum: ['view_start', 'view_end'],
    description: 'Any other value reads as view_start (not a view).',
  },
  creatorPubkey: { type: ['string', 'null'], description: '64 hex, or empty; anything else is ignored.' },
  hashtags: {
    type: ['array', 'null'],
    items: { type: 'string' },
    description:
      `Lowercased, leading # stripped, each cut to ${L.hashtagChars} characters, the first ` +
      `${L.hashtags} distinct kept; items that are not strings are ignored.`,
  },
  timestamp: {
    type: ['string', 'number', 'null'],
    description: `Only identifies retries (cut to ${L.timestampChars} characters); the event time is the receive time.`,
  },
  watchDuration: clampedTo(L.durationMs, 'ms (24 h at most). '),
  totalDuration: clampedTo(L.durationMs, 'ms (24 h at most). '),
  loopCount: clampedTo(L.loops),
  completedVideo: { type: ['boolean', 'null'] },
  completionRate: { type: ['number', 'null'], description: 'Ignored: computed from the durations.' },
} as const;
