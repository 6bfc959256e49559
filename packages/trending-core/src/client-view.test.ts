// The app's POST /analytics/view body is clamped, never refused (issue 12, item 5): the app
// retries every refused view and then drops it, so only a missing or invalid eventId is an error.
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { normalizeClientView } from './events.ts';
import { ClientViewSchema, cutString, describeIssues, ViewEventSchema } from './schemas.ts';

const VIDEO_ID = 'ab'.repeat(32);
const NOW = Date.UTC(2025, 11, 13, 20, 0, 0);
const ANON = 'anon-hash-of-ip';

function parse(extra: Record<string, unknown>) {
  return v.parse(ClientViewSchema, { eventId: VIDEO_ID, eventType: 'view_end', ...extra });
}

function issuesOf(input: unknown) {
  const result = v.safeParse(ClientViewSchema, input);
  return result.success ? [] : describeIssues(result.issues);
}

describe('ClientViewSchema clamps what the app sends', () => {
  it('cuts a title over 300 characters to its first 300', () => {
    const title = `${'t'.repeat(300)}${'x'.repeat(200)}`; // 500 characters
    expect(parse({ title }).title).toBe('t'.repeat(300));
    expect(parse({ title: 'short' }).title).toBe('short');
  });

  it('keeps the first 20 of 25 hashtags and cuts each to 64 characters', () => {
    const hashtags = Array.from({ length: 25 }, (_, i) => `tag${i}`);
    expect(parse({ hashtags }).hashtags).toEqual(Array.from({ length: 20 }, (_, i) => `tag${i}`));
    const long = `#${'A'.repeat(100)}`; // 101 characters; 100 after the '#'
    expect(parse({ hashtags: [long, 'ok'] }).hashtags).toEqual(['a'.repeat(64), 'ok']);
  });

  it('counts the 20 after duplicates, empties and non-strings are dropped', () => {
    const hashtags = [
      'Cats',
      '#cats',
      '  ',
      42,
      null,
      { tag: 'x' },
      ...Array.from({ length: 30 }, (_, i) => `t${i}`),
    ];
    const out = parse({ hashtags }).hashtags;
    // 'cats' once, then t0..t18: 1 + 19 = 20.
    expect(out).toEqual(['cats', ...Array.from({ length: 19 }, (_, i) => `t${i}`)]);
  });

  it('caps watch time and duration at 24 h and loops at 10,000; negatives become 0', () => {
    // A JSON body can carry 1e999, which parses to Infinity.
    const huge = (JSON.parse('{"n": 1e999}') as { n: number }).n;
    const out = parse({ watchDuration: 90_000_000, totalDuration: huge, loopCount: 50_000 });
    // 24 h = 24 * 3600 * 1000 = 86,400,000 ms.
    expect(out).toMatchObject({ watchDuration: 86_400_000, totalDuration: 86_400_000, loopCount: 10_000 });
    expect(parse({ watchDuration: -5, loopCount: -1 })).toMatchObject({ watchDuration: 0, loopCount: 0 });
    expect(parse({ watchDuration: 4500.6, loopCount: 2.4 })).toMatchObject({
      watchDuration: 4501,
      loopCount: 2,
    });
  });

  it('cuts userId to 128, source to 32 and timestamp to 40 characters', () => {
    const out = parse({ userId: 'u'.repeat(200), source: 's'.repeat(50), timestamp: '2'.repeat(60) });
    expect(out.userId).toBe('u'.repeat(128));
    expect(out.source).toBe('s'.repeat(32));
    expect(out.timestamp).toBe('2'.repeat(40));
  });

  it('drops fields of the wrong type instead of refusing the view', () => {
    const out = parse({
      title: 42,
      userId: 7,
      source: ['mobile'],
      hashtags: 'cats',
      creatorPubkey: 'not-a-pubkey',
      watchDuration: '4500',
      totalDuration: true,
      loopCount: {},
      completedVideo: 'yes',
      completionRate: 'high',
    });
    for (const field of [
      'title',
      'userId',
      'source',
      'hashtags',
      'creatorPubkey',
      'watchDuration',
      'totalDuration',
      'loopCount',
      'completedVideo',
      'completionRate',
    ]) {
      expect(out, field).not.toHaveProperty(field, expect.anything());
    }
  });

  it('reads an unknown eventType as view_start, which is not a view', () => {
    expect(parse({ eventType: 'view_middle' }).eventType).toBe('view_start');
    expect(parse({ eventType: 3 }).eventType).toBe('view_start');
    expect(parse({ eventType: 'view_end' }).eventType).toBe('view_end');
  });

  it('keeps a numeric timestamp as the retry key', () => {
    expect(parse({ timestamp: 1765656658123 }).timestamp).toBe('1765656658123');
  });

  it('still refuses a body without a valid eventId, or one that is not an object', () => {
    expect(issuesOf({ title: 'x' }).map((i) => i.path)).toEqual(['eventId']);
    expect(issuesOf({ eventId: 'ab'.repeat(31) }).map((i) => i.path)).toEqual(['eventId']);
    expect(issuesOf({ eventId: 42 }).map((i) => i.path)).toEqual(['eventId']);
    for (const body of [null, 'hello', 42, [VIDEO_ID]]) {
      expect(issuesOf(body)[0]?.message).toBe('body must be a JSON object with an eventId');
    }
  });

  it('leaves the /v1 schema strict', () => {
    const base = { videoId: VIDEO_ID, viewerId: 'v', eventType: 'view_end' };
    for (const extra of [
      { title: 'x'.repeat(301) },
      { hashtags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { hashtags: ['x'.repeat(65)] },
      { watchMs: 86_400_001 },
    ]) {
      expect(v.safeParse(ViewEventSchema, { ...base, ...extra }).success).toBe(false);
    }
  });
});

describe('cutString', () => {
  it('never splits a surrogate pair', () => {
    // '😀' is 2 UTF-16 code units: 'ab😀' is 4 units; cutting at 3 would leave half of it.
    expect(cutString('ab😀', 3)).toBe('ab');
    expect(cutString('ab😀', 4)).toBe('ab😀');
    expect(cutString('abcdef', 3)).toBe('abc');
  });
});

describe('normalizeClientView of a clamped body', () => {
  it('is a counted view with the clamped title, tags and durations', () => {
    const input = parse({
      userId: 'npub-user',
      title: 'y'.repeat(400),
      hashtags: Array.from({ length: 22 }, (_, i) => `#Tag${i}`),
      watchDuration: 100_000_000,
      totalDuration: 6000,
      loopCount: 99_999,
      timestamp: '2025-12-13T19:30:58.123456',
    });
    const event = normalizeClientView(input, NOW, ANON);
    expect(event).toMatchObject({
      videoId: VIDEO_ID,
      viewerId: 'npub-user',
      eventType: 'view_end',
      title: 'y'.repeat(300),
      watchMs: 86_400_000,
      durationMs: 6000,
      loops: 10_000,
      // min(86,400,000 / 6000, 1) = 1
      completion: 1,
    });
    expect(event.hashtags).toEqual(Array.from({ length: 20 }, (_, i) => `tag${i}`));
  });

  it('counts a view with a non-string userId as a signed-out viewer', () => {
    expect(normalizeClientView(parse({ userId: 12345 }), NOW, ANON).viewerId).toBe(ANON);
  });
});
