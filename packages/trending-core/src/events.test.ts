import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  EventTimestampError,
  keylessDedupKey,
  MAX_FUTURE_SKEW_MS,
  normalizeClientView,
  normalizeViewEvent,
  scopedDedupKey,
} from './events.ts';
import { ClientViewSchema, ViewEventSchema } from './schemas.ts';
import { DAY_MS, MINUTE_MS } from './windows.ts';

// The two limits, as literals: 5 minutes = 300,000 ms of skew; 7 days = 604,800,000 ms of age.
const FIVE_MINUTES = 300_000;
const SEVEN_DAYS = 604_800_000;

const NOW = Date.UTC(2025, 11, 13, 20, 0, 0);
const VIDEO_ID = 'ab'.repeat(32);

function viewEvent(extra: Record<string, unknown> = {}) {
  return v.parse(ViewEventSchema, {
    videoId: VIDEO_ID,
    viewerId: 'viewer-1',
    eventType: 'view_end',
    ...extra,
  });
}

function clientView(extra: Record<string, unknown> = {}) {
  return v.parse(ClientViewSchema, {
    eventId: VIDEO_ID,
    userId: 'npub-user',
    source: 'mobile',
    eventType: 'view_end',
    timestamp: '2025-12-13T19:30:58.123456',
    watchDuration: 4500,
    totalDuration: 6000,
    loopCount: 1,
    completedVideo: false,
    completionRate: 0.75,
    ...extra,
  });
}

describe('normalizeViewEvent', () => {
  it('computes completion as watchMs / durationMs when absent', () => {
    expect(normalizeViewEvent(viewEvent({ watchMs: 3000, durationMs: 6000 }), NOW).completion).toBe(0.5);
  });

  it('caps computed completion at 1 when the viewer watched longer than the video', () => {
    expect(normalizeViewEvent(viewEvent({ watchMs: 18_000, durationMs: 6000 }), NOW).completion).toBe(1);
  });

  it('keeps a given completion over the durations', () => {
    const event = normalizeViewEvent(viewEvent({ completion: 0.2, watchMs: 6000, durationMs: 6000 }), NOW);
    expect(event.completion).toBe(0.2);
  });

  it('leaves completion unknown without both durations (or with a zero duration)', () => {
    expect(normalizeViewEvent(viewEvent({ watchMs: 3000 }), NOW)).not.toHaveProperty('completion');
    expect(normalizeViewEvent(viewEvent({ watchMs: 3000, durationMs: 0 }), NOW)).not.toHaveProperty(
      'completion',
    );
  });

  it('uses the server time when no timestamp is given, and loops default to 0', () => {
    const event = normalizeViewEvent(viewEvent(), NOW);
    expect(event.timestampMs).toBe(NOW);
    expect(event.loops).toBe(0);
  });

  it('keeps a past timestamp within 7 days, ISO or epoch', () => {
    expect(normalizeViewEvent(viewEvent({ timestamp: NOW - DAY_MS }), NOW).timestampMs).toBe(NOW - DAY_MS);
    expect(normalizeViewEvent(viewEvent({ timestamp: '2025-12-13T19:00:00' }), NOW).timestampMs).toBe(
      NOW - 60 * MINUTE_MS,
    );
  });

  it('clamps a timestamp slightly in the future (clock skew) to now', () => {
    expect(normalizeViewEvent(viewEvent({ timestamp: NOW + 2 * MINUTE_MS }), NOW).timestampMs).toBe(NOW);
    expect(MAX_FUTURE_SKEW_MS).toBe(FIVE_MINUTES);
    expect(normalizeViewEvent(viewEvent({ timestamp: NOW + FIVE_MINUTES }), NOW).timestampMs).toBe(NOW);
  });

  it('rejects timestamps more than 5 minutes in the future', () => {
    expect(() => normalizeViewEvent(viewEvent({ timestamp: NOW + FIVE_MINUTES + 1 }), NOW, 3)).toThrow(
      EventTimestampError,
    );
    let thrown: unknown;
    try {
      normalizeViewEvent(viewEvent({ timestamp: NOW + 10 * MINUTE_MS }), NOW, 3);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventTimestampError);
    expect((thrown as EventTimestampError).index).toBe(3);
    expect((thrown as EventTimestampError).message).toMatch(/future/);
  });

  it('rejects timestamps older than 7 days', () => {
    expect(() => normalizeViewEvent(viewEvent({ timestamp: NOW - SEVEN_DAYS - 1 }), NOW)).toThrow(
      EventTimestampError,
    );
    expect(() => normalizeViewEvent(viewEvent({ timestamp: NOW - 30 * DAY_MS }), NOW)).toThrow(/7 days/);
    expect(normalizeViewEvent(viewEvent({ timestamp: NOW - SEVEN_DAYS }), NOW).timestampMs).toBe(
      NOW - SEVEN_DAYS,
    );
  });

  it('derives the dedup key from the idempotency key, so retries with it count once', () => {
    const first = normalizeViewEvent(viewEvent({ idempotencyKey: 'abc-1' }), NOW);
    const retry = normalizeViewEvent(viewEvent({ idempotencyKey: 'abc-1' }), NOW + 1000);
    const other = normalizeViewEvent(viewEvent({ idempotencyKey: 'abc-2' }), NOW);
    expect(first.dedupKey).toBe('k:abc-1');
    expect(retry.dedupKey).toBe('k:abc-1');
    expect(other.dedupKey).toBe('k:abc-2');
  });

  it('has no dedup key without an idempotency key (every delivery counts)', () => {
    expect(normalizeViewEvent(viewEvent(), NOW)).not.toHaveProperty('dedupKey');
  });

  it('omits absent optional fields and empty hashtag lists', () => {
    const event = normalizeViewEvent(viewEvent({ hashtags: ['#'] }), NOW);
    expect(Object.values(event)).not.toContain(undefined);
    expect(event).not.toHaveProperty('hashtags');
    expect(event).toEqual({
      videoId: VIDEO_ID,
      viewerId: 'viewer-1',
      eventType: 'view_end',
      timestampMs: NOW,
      loops: 0,
    });
  });
});

describe('normalizeClientView', () => {
  const ANON = 'anon-hash-of-ip';

  it('maps the mobile body onto a view event at the server receive time', () => {
    const event = normalizeClientView(clientView(), NOW, ANON);
    expect(event).toMatchObject({
      videoId: VIDEO_ID,
      viewerId: 'npub-user',
      eventType: 'view_end',
      timestampMs: NOW,
      watchMs: 4500,
      durationMs: 6000,
      loops: 1,
      source: 'mobile',
    });
  });

  it('gives retries of the same (eventId, userId, eventType, timestamp) the same dedup key', () => {
    const first = normalizeClientView(clientView(), NOW, ANON);
    const retry = normalizeClientView(clientView(), NOW + 5000, 'another-anon');
    expect(first.dedupKey).toBe(`c:${VIDEO_ID}|npub-user|view_end|2025-12-13T19:30:58.123456`);
    expect(retry.dedupKey).toBe(first.dedupKey);
  });

  it('gives a different dedup key when any part of the identity differs', () => {
    const base = normalizeClientView(clientView(), NOW, ANON).dedupKey;
    const variants = [
      clientView({ timestamp: '2025-12-13T19:30:58.123457' }),
      clientView({ userId: 'someone-else' }),
      clientView({ eventType: 'view_start' }),
      clientView({ eventId: 'cd'.repeat(32) }),
    ].map((input) => normalizeClientView(input, NOW, ANON).dedupKey);
    for (const key of variants) expect(key).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('uses the anonymous viewer id when userId is null or empty', () => {
    expect(normalizeClientView(clientView({ userId: null }), NOW, ANON).viewerId).toBe(ANON);
    expect(normalizeClientView(clientView({ userId: '' }), NOW, ANON).viewerId).toBe(ANON);
    const { userId: _omit, ...withoutUser } = clientView();
    expect(normalizeClientView(withoutUser, NOW, ANON).viewerId).toBe(ANON);
  });

  it("ignores the client's completionRate and recomputes it from the durations", () => {
    expect(normalizeClientView(clientView({ completionRate: 0.1 }), NOW, ANON).completion).toBe(0.75);
    expect(
      normalizeClientView(clientView({ watchDuration: 9000, completionRate: 0.2 }), NOW, ANON).completion,
    ).toBe(1);
    const noDurations = clientView({ watchDuration: null, totalDuration: null, completionRate: 0.9 });
    expect(normalizeClientView(noDurations, NOW, ANON)).not.toHaveProperty('completion');
  });

  it('drops null and empty optional fields', () => {
    const event = normalizeClientView(
      clientView({ creatorPubkey: '', hashtags: null, title: null }),
      NOW,
      ANON,
    );
    expect(event).not.toHaveProperty('creatorPubkey');
    expect(event).not.toHaveProperty('hashtags');
    expect(event).not.toHaveProperty('title');
    expect(Object.values(event)).not.toContain(undefined);
    expect(Object.values(event)).not.toContain(null);
  });
});

describe('normalized events, field by field', () => {
  it('keeps every given field of a /v1 event, under its stored name', () => {
    const event = normalizeViewEvent(
      viewEvent({
        idempotencyKey: 'retry-7',
        watchMs: 4500,
        durationMs: 6000,
        loops: 2,
        creatorPubkey: 'cd'.repeat(32),
        hashtags: ['#Cats'],
        title: 'Tiny cat',
        country: 'de',
        source: 'web',
        timestamp: NOW - 90_000,
      }),
      NOW,
    );
    expect(event).toEqual({
      videoId: VIDEO_ID,
      viewerId: 'viewer-1',
      eventType: 'view_end',
      timestampMs: NOW - 90_000,
      dedupKey: 'k:retry-7',
      watchMs: 4500,
      durationMs: 6000,
      loops: 2,
      completion: 0.75, // 4500 / 6000
      creatorPubkey: 'cd'.repeat(32),
      hashtags: ['cats'],
      title: 'Tiny cat',
      country: 'DE',
      source: 'web',
    });
  });

  it('maps every field of a signed-out mobile view, keyed by its raw timestamp', () => {
    const event = normalizeClientView(
      clientView({ userId: null, creatorPubkey: 'cd'.repeat(32), hashtags: ['Dogs'], title: 'Good dog' }),
      NOW,
      'anon-1',
    );
    expect(event).toEqual({
      videoId: VIDEO_ID,
      viewerId: 'anon-1',
      eventType: 'view_end',
      timestampMs: NOW,
      // c:{eventId}|{userId, empty when signed out}|{eventType}|{timestamp}
      dedupKey: `c:${VIDEO_ID}||view_end|2025-12-13T19:30:58.123456`,
      watchMs: 4500,
      durationMs: 6000,
      loops: 1,
      completion: 0.75, // 4500 / 6000
      creatorPubkey: 'cd'.repeat(32),
      hashtags: ['dogs'],
      title: 'Good dog',
      source: 'mobile',
    });
  });

  it('has no dedup key for a mobile view without a timestamp, and loops default to 0', () => {
    const event = normalizeClientView(clientView({ timestamp: null, loopCount: null }), NOW, 'anon-1');
    expect(event).not.toHaveProperty('dedupKey');
    expect(event.loops).toBe(0);
  });

  it('names the boundary it broke in the error', () => {
    expect(() => normalizeViewEvent(viewEvent({ timestamp: NOW + FIVE_MINUTES + 1 }), NOW)).toThrow(
      'timestamp is in the future',
    );
    expect(() => normalizeViewEvent(viewEvent({ timestamp: NOW - SEVEN_DAYS - 1 }), NOW)).toThrow(
      'timestamp is older than 7 days',
    );
  });
});

describe('scopedDedupKey', () => {
  const keyed = (extra: Record<string, unknown> = {}) =>
    normalizeViewEvent(viewEvent({ idempotencyKey: 'retry-1', ...extra }), NOW);

  it('is the same for a retry from the same network', () => {
    expect(scopedDedupKey('net-a', keyed())).toBe(scopedDedupKey('net-a', keyed()));
  });

  it('differs by network and by video for the same client key', () => {
    const here = scopedDedupKey('net-a', keyed());
    expect(scopedDedupKey('net-b', keyed())).not.toBe(here);
    expect(scopedDedupKey('net-a', keyed({ videoId: 'cd'.repeat(32) }))).not.toBe(here);
    expect(scopedDedupKey('net-a', keyed({ idempotencyKey: 'retry-2' }))).not.toBe(here);
  });

  it('leaves an event without a key without one', () => {
    expect(scopedDedupKey('net-a', normalizeViewEvent(viewEvent(), NOW))).toBeUndefined();
  });
});

describe('keylessDedupKey', () => {
  const at = (now: number, extra: Record<string, unknown> = {}) => normalizeViewEvent(viewEvent(extra), now);

  it('is the same for a retry of the same request within its arrival minute, and not in the next', () => {
    const key = keylessDedupKey(at(NOW + 1_000), NOW + 1_000, 0);
    expect(key).toMatch(/^d:[0-9a-f]{64}$/);
    expect(keylessDedupKey(at(NOW + 7_000), NOW + 7_000, 0)).toBe(key);
    expect(keylessDedupKey(at(NOW + MINUTE_MS + 1_000), NOW + MINUTE_MS + 1_000, 0)).not.toBe(key);
  });

  it("follows the client's timestamp when it gave one, whenever the retry arrives", () => {
    const timestamp = NOW - MINUTE_MS;
    const key = keylessDedupKey(at(NOW, { timestamp }), NOW, 0);
    expect(keylessDedupKey(at(NOW + 10 * MINUTE_MS, { timestamp }), NOW + 10 * MINUTE_MS, 0)).toBe(key);
    expect(keylessDedupKey(at(NOW, { timestamp: timestamp + 1 }), NOW, 0)).not.toBe(key);
  });

  it("follows a fast client clock's timestamp (clamped to the arrival) into the next minute's retry", () => {
    const timestamp = NOW + 2 * MINUTE_MS;
    const first = at(NOW, { timestamp });
    expect(first.timestampMs).toBe(NOW);
    const key = keylessDedupKey(first, NOW, 0);
    const retry = at(NOW + MINUTE_MS + 10_000, { timestamp });
    expect(retry.timestampMs).toBe(NOW + MINUTE_MS + 10_000);
    expect(keylessDedupKey(retry, NOW + MINUTE_MS + 10_000, 0)).toBe(key);
    expect(keylessDedupKey(at(NOW, { timestamp: timestamp + 1 }), NOW, 0)).not.toBe(key);
  });

  it('tells apart views that differ in any field, and the n-th identical view of a request', () => {
    const key = keylessDedupKey(at(NOW), NOW, 0);
    expect(keylessDedupKey(at(NOW), NOW, 1)).not.toBe(key);
    for (const extra of [
      { loops: 2 },
      { watchMs: 1 },
      { viewerId: 'viewer-2' },
      { eventType: 'view_start' },
    ]) {
      expect(keylessDedupKey(at(NOW, extra), NOW, 0)).not.toBe(key);
    }
  });
});
