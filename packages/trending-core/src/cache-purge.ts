import type { FetchLike } from './analytics-engine-source.ts';
import { INTERVALS, LIMITS } from './ttl-policy.ts';

/**
 * Cloudflare's cache purge by tag: `POST {endpoint}/zones/{zone_id}/purge_cache` with
 * `{"tags": [...]}` and a bearer token (Zone: Cache Purge). It drops every entry carrying one of
 * the tags in every data center, the Cache API's entries included (the api stores them with their
 * `Cache-Tag`: headers.ts). The answer is Cloudflare's envelope,
 * `{ success, errors: [{ code, message }], messages, result: { id } }`.
 */

export interface CachePurgeOptions {
  /** The zone the api is served from (32 hex). */
  zoneId: string;
  apiToken: string;
  /** API base; a test points it at its own server. */
  endpoint?: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

/** A purge the API refused or did not answer in time; the message never holds the token. */
export class CachePurgeError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CachePurgeError';
  }
}

const DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';
const ZONE_ID = /^[0-9a-f]{32}$/;

export class CloudflareCachePurge {
  private readonly url: string;

  constructor(private readonly options: CachePurgeOptions) {
    if (!ZONE_ID.test(options.zoneId)) throw new TypeError('zoneId must be 32 hex characters');
    if (!options.apiToken) throw new TypeError('apiToken is required');
    this.url = `${options.endpoint ?? DEFAULT_ENDPOINT}/zones/${options.zoneId}/purge_cache`;
  }

  /** Purges every entry carrying any of `tags`, in calls of at most the API's tags per call. */
  async purgeTags(tags: readonly string[]): Promise<void> {
    const perCall = LIMITS.moderation.purgeTagsPerCall;
    for (let i = 0; i < tags.length; i += perCall) await this.call(tags.slice(i, i + perCall));
  }

  private async call(tags: readonly string[]): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? INTERVALS.cachePurgeTimeoutMs;
    const signal = timeoutSignal(timeoutMs);
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.options.fetch(this.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.options.apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ tags }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new CachePurgeError(
        timedOut ? `The purge API did not answer within ${timeoutMs} ms` : 'The purge API is unreachable',
      );
    }
    const text = await response.text();
    let envelope: { success?: unknown; errors?: unknown } | undefined;
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      envelope = undefined;
    }
    if (response.ok && envelope?.success === true) return;
    throw new CachePurgeError(
      `The purge API answered ${response.status}${describeErrors(envelope?.errors)}`,
      response.status,
    );
  }
}

/** Cloudflare's `errors` as `: 10000 Authentication error; ...` (code and message only). */
function describeErrors(errors: unknown): string {
  if (!Array.isArray(errors) || errors.length === 0) return '';
  const parts = errors.map((e: { code?: unknown; message?: unknown }) =>
    [e?.code, e?.message].filter((p) => typeof p === 'number' || typeof p === 'string').join(' '),
  );
  return `: ${parts.join('; ')}`;
}

/** AbortSignal.timeout where the runtime has it (Workers, Node 18+). */
function timeoutSignal(ms: number): unknown {
  const abort = (globalThis as { AbortSignal?: { timeout?: (ms: number) => unknown } }).AbortSignal;
  return abort?.timeout ? abort.timeout(ms) : undefined;
}
