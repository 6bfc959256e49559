import {
  RETRY_AFTER_S,
  VIDEO_EVENT_ERRORS,
  type VideoEventRecord,
  type VideoRegistrationResult,
  verifyVideoEvent,
} from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';
import { ApiError, type ErrorIssue } from './errors.ts';

/**
 * Verifies signed video events and registers them in the aggregator: the one path every video's
 * metadata takes (POST /v1/videos, the admin seed). All or nothing: one event refused, and the
 * request is a 4xx with nothing stored.
 *
 * `events` are the values as parsed from JSON; `paths` says how to name event i in issues
 * (`events.3`, or '' for a single event). Refusals: the code of the first refused event (400:
 * invalid_event, unsigned_event, unsupported_kind, event_too_large, event_in_future,
 * bad_event_id, bad_signature), every refused event in `issues`; 409 `stale_version` when an
 * event is older than its address's stored version.
 */
export async function registerVideoEvents(
  env: ApiEnv,
  aggregator: string,
  events: readonly unknown[],
  pathOf: (index: number) => string,
): Promise<VideoRegistrationResult> {
  const now = Date.now();
  const records: VideoEventRecord[] = [];
  const issues: ErrorIssue[] = [];
  let firstCode: keyof typeof VIDEO_EVENT_ERRORS | undefined;
  events.forEach((event, index) => {
    const verdict = verifyVideoEvent(event, now);
    if (verdict.ok) {
      records.push(verdict.record);
      return;
    }
    firstCode ??= verdict.code;
    issues.push({ path: pathOf(index), message: `${verdict.code}: ${verdict.message}` });
  });
  if (firstCode) {
    throw new ApiError(VIDEO_EVENT_ERRORS[firstCode], firstCode, 'Video event refused; nothing is stored', {
      issues,
    });
  }

  let registration: Awaited<ReturnType<ReturnType<typeof aggregatorStub>['registerVideos']>>;
  try {
    registration = await aggregatorStub(env, aggregator).registerVideos(records);
  } catch (err) {
    console.error('aggregator registerVideos failed', err);
    throw new ApiError(503, 'store_unavailable', 'Video store unavailable, retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
    });
  }
  if (!registration.ok) {
    throw new ApiError(
      409,
      'stale_version',
      'An event is older than the stored version of its video; nothing is stored',
      {
        issues: registration.stale.map((s) => ({
          path: pathOf(s.index),
          message: `older than the stored version ${s.storedId} (created_at ${s.storedCreatedAt})`,
        })),
      },
    );
  }
  const { ok: _ok, ...result } = registration;
  return result;
}
