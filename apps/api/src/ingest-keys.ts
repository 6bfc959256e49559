import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';

/** The header a server-side sender puts its ingest key in. */
export const INGEST_KEY_HEADER = 'x-ingest-key';

/**
 * Server-side senders that batch their own users' views (a CDN log pipeline, another Worker)
 * authenticate with an ingest key and may then give each event its viewer's address
 * (`clientIp`), which the network evidence counts instead of the sender's own address. The keys
 * are the INGEST_KEYS secret, a JSON object of sender name to key (`{"cdn-logs":"<key>"}`): one
 * key per sender, so one is revoked by deleting its entry (and putting the secret again).
 *
 * Returns the sender's name, or null for an anonymous request (no header). A key that matches
 * none is a 401 before the body is read; INGEST_KEYS unset or not such an object is a 503 for
 * requests that carry a key (the sender is not at fault), logged once per isolate.
 */
export async function ingestSender(request: Request, env: ApiEnv): Promise<string | null> {
  const given = request.headers.get(INGEST_KEY_HEADER);
  if (given === null) return null;
  const keys = ingestKeys(env);
  const givenDigest = await digest(given);
  let sender: string | null = null;
  // Every entry is compared, in constant time, so the answer's timing tells nothing of the keys.
  for (const [name, key] of keys) {
    if (crypto.subtle.timingSafeEqual(givenDigest, await digest(key))) sender = name;
  }
  if (sender === null) {
    throw new ApiError(401, 'invalid_ingest_key', 'Unknown or revoked ingest key');
  }
  return sender;
}

let reportedBadKeys = false;

function ingestKeys(env: ApiEnv): [string, string][] {
  const parsed = parseIngestKeys(env.INGEST_KEYS);
  if (parsed) return parsed;
  if (!reportedBadKeys) {
    reportedBadKeys = true;
    console.error(
      'INGEST_KEYS is not set or not a JSON object of sender name to key: keyed ingest is refused',
    );
  }
  throw new ApiError(503, 'misconfigured', 'Ingest keys are not configured on this server');
}

/** The secret's entries; null when it is unset or not a JSON object of non-empty strings. */
export function parseIngestKeys(secret: string | undefined): [string, string][] | null {
  if (secret === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  const keys: [string, string][] = [];
  for (const [name, key] of entries) {
    if (typeof key !== 'string' || key === '') return null;
    keys.push([name, key]);
  }
  return keys;
}

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}
