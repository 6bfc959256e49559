/**
 * The bounds of a view's fields. `/v1/events/views` refuses (400) a value past them; the app's
 * `POST /analytics/view` clamps to them instead (see ClientViewSchema). Characters are UTF-16
 * code units, as JavaScript counts string length.
 */
export const VIEW_FIELD_LIMITS = {
  titleChars: 300,
  hashtagChars: 64,
  hashtags: 20,
  viewerIdChars: 128,
  sourceChars: 32,
  /** The app's timestamp string, used only to recognise retries. */
  timestampChars: 40,
  /** Watch time and video duration: 24 hours in ms (24 * 3600 * 1000). */
  durationMs: 86_400_000,
  loops: 10_000,
  /** An ingest-key sender's clientIp: the longest IPv6 text form (an IPv4-mapped one) is 45. */
  clientIpChars: 45,
} as const;
