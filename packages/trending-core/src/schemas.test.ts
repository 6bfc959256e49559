import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientTrendingQuerySchema,
  ClientViewSchema,
  describeIssues,
  TimestampSchema,
  TrendingQuerySchema,
  ViewEventSchema,
  ViewEventsBodySchema,
} from './schemas.ts';

const VIDEO_ID = 'AB'.repeat(32);
const CREATOR = `${'c0ffee'.repeat(10)}c0ff`;

function issuesOf(schema: v.GenericSchema, input: unknown) {
  const result = v.safeParse(schema, input);
  expect(result.success).toBe(false);
  return result.success ? [] : describeIssues(result.issues);
}

const baseEvent = { videoId: VIDEO_ID, viewerId: 'viewer-1', eventType: 'view_end' };

describe('TrendingQuerySchema (/v1, strict)', () => {
  it('defaults to the 24h window and 20 videos', () => {
    expect(v.parse(TrendingQuerySchema, {})).toEqual({ window: '24h', limit: 20 });
  });

  it('accepts every window and the limit bounds as numbers', () => {
    expect(v.parse(TrendingQuerySchema, { window: '1h', limit: '1' })).toEqual({ window: '1h', limit: 1 });
    expect(v.parse(TrendingQuerySchema, { window: '7d', limit: '100' })).toEqual({
      window: '7d',
      limit: 100,
    });
  });

  it.each(['0', '101', 'abc', '-1', '2.5', ''])('rejects limit %j with a limit issue', (limit) => {
    const issues = issuesOf(TrendingQuerySchema, { limit });
    expect(issues[0]?.path).toBe('limit');
    expect(issues[0]?.message).toBe('limit must be an integer from 1 to 100');
  });

  it.each(['2h', '30d', '1H'])('rejects window %j', (window) => {
    const issues = issuesOf(TrendingQuerySchema, { window });
    expect(issues).toEqual([{ path: 'window', message: 'window must be one of 1h, 24h, 7d' }]);
  });

  it('drops unknown query parameters from the output', () => {
    expect(v.parse(TrendingQuerySchema, { window: '1h', limit: '10', cachebuster: '123' })).toEqual({
      window: '1h',
      limit: 10,
    });
  });
});

describe('ClientTrendingQuerySchema (OpenVine client, clamping)', () => {
  it('defaults to 24h and 20', () => {
    expect(v.parse(ClientTrendingQuerySchema, {})).toEqual({ window: '24h', limit: 20 });
  });

  it.each([
    ['10000', 100],
    ['101', 100],
    ['0', 1],
    ['-5', 1],
    ['abc', 20],
    ['', 20],
    ['50', 50],
  ])('clamps limit %j to %d instead of rejecting it', (limit, expected) => {
    expect(v.parse(ClientTrendingQuerySchema, { window: '1h', limit })).toEqual({
      window: '1h',
      limit: expected,
    });
  });

  it('still rejects an unknown window', () => {
    const issues = issuesOf(ClientTrendingQuerySchema, { window: '2h', limit: '10' });
    expect(issues.map((i) => i.path)).toEqual(['window']);
  });
});

describe('ViewEventSchema', () => {
  it('accepts a minimal event and lowercases the video id', () => {
    const out = v.parse(ViewEventSchema, baseEvent);
    expect(out.videoId).toBe(VIDEO_ID.toLowerCase());
    expect(out.videoId).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['63 hex characters', 'a'.repeat(63)],
    ['65 hex characters', 'a'.repeat(65)],
    ['a non-hex character', `${'a'.repeat(63)}g`],
    ['a number', 12345],
  ])('rejects a videoId of %s', (_label, videoId) => {
    const issues = issuesOf(ViewEventSchema, { ...baseEvent, videoId });
    expect(issues.map((i) => i.path)).toContain('videoId');
  });

  it('reports a missing videoId at its path', () => {
    const { videoId: _omit, ...withoutVideo } = baseEvent;
    const issues = issuesOf(ViewEventSchema, withoutVideo);
    expect(issues.map((i) => i.path)).toEqual(['videoId']);
  });

  it('rejects an unknown eventType and an over-long viewerId', () => {
    expect(issuesOf(ViewEventSchema, { ...baseEvent, eventType: 'view' }).map((i) => i.path)).toEqual([
      'eventType',
    ]);
    expect(issuesOf(ViewEventSchema, { ...baseEvent, viewerId: 'x'.repeat(129) }).map((i) => i.path)).toEqual(
      ['viewerId'],
    );
  });

  it('rejects completion outside 0..1 and negative or fractional durations', () => {
    expect(v.safeParse(ViewEventSchema, { ...baseEvent, completion: 1.2 }).success).toBe(false);
    expect(v.safeParse(ViewEventSchema, { ...baseEvent, completion: -0.1 }).success).toBe(false);
    expect(v.safeParse(ViewEventSchema, { ...baseEvent, watchMs: -1 }).success).toBe(false);
    expect(v.safeParse(ViewEventSchema, { ...baseEvent, durationMs: 10.5 }).success).toBe(false);
  });

  it('normalises hashtags: strips leading #, lowercases, dedupes, drops empties', () => {
    const out = v.parse(ViewEventSchema, {
      ...baseEvent,
      hashtags: ['#Cats', 'cats', '##CATS', ' Dogs ', '#', 'music'],
    });
    expect(out.hashtags).toEqual(['cats', 'dogs', 'music']);
  });

  it('rejects more than 20 hashtags', () => {
    const hashtags = Array.from({ length: 21 }, (_, i) => `tag${i}`);
    expect(issuesOf(ViewEventSchema, { ...baseEvent, hashtags }).map((i) => i.path)).toEqual(['hashtags']);
  });

  it('lowercases creatorPubkey and uppercases country', () => {
    const out = v.parse(ViewEventSchema, {
      ...baseEvent,
      creatorPubkey: CREATOR.toUpperCase(),
      country: 'de',
    });
    expect(out.creatorPubkey).toBe(CREATOR);
    expect(out.country).toBe('DE');
  });
});

describe('TimestampSchema', () => {
  it('accepts epoch milliseconds', () => {
    expect(v.parse(TimestampSchema, 1_765_654_258_123)).toBe(1_765_654_258_123);
  });

  it('reads an ISO string without offset as UTC, and honours an explicit offset', () => {
    const utc = Date.UTC(2025, 11, 13, 19, 30, 58, 123);
    expect(v.parse(TimestampSchema, '2025-12-13T19:30:58.123')).toBe(utc);
    expect(v.parse(TimestampSchema, '2025-12-13T19:30:58.123Z')).toBe(utc);
    expect(v.parse(TimestampSchema, '2025-12-13T20:30:58.123+01:00')).toBe(utc);
  });

  it('rejects garbage and negative numbers', () => {
    expect(v.safeParse(TimestampSchema, 'yesterday').success).toBe(false);
    expect(v.safeParse(TimestampSchema, -1).success).toBe(false);
  });
});

describe('ViewEventsBodySchema', () => {
  it('accepts a single event', () => {
    const out = v.parse(ViewEventsBodySchema, baseEvent);
    expect('events' in out).toBe(false);
    expect(out).toMatchObject({ videoId: VIDEO_ID.toLowerCase(), eventType: 'view_end' });
  });

  it('accepts { events: [...] } with up to 100 events', () => {
    const events = Array.from({ length: 100 }, (_, i) => ({
      ...baseEvent,
      viewerId: `v${i}`,
    }));
    const out = v.parse(ViewEventsBodySchema, { events });
    expect('events' in out && out.events).toHaveLength(100);
  });

  it('rejects a batch of 101 events at the events path', () => {
    const events = Array.from({ length: 101 }, () => baseEvent);
    const issues = issuesOf(ViewEventsBodySchema, { events });
    expect(issues).toEqual([{ path: 'events', message: 'at most 100 events per request' }]);
  });

  it('rejects an empty batch', () => {
    expect(issuesOf(ViewEventsBodySchema, { events: [] })).toEqual([
      { path: 'events', message: 'events must not be empty' },
    ]);
  });

  it('points at the missing videoId of a single event', () => {
    const issues = issuesOf(ViewEventsBodySchema, { viewerId: 'viewer-1', eventType: 'view_end' });
    expect(issues.map((i) => i.path)).toEqual(['videoId']);
  });

  it('points at the missing videoId inside a batch', () => {
    const issues = issuesOf(ViewEventsBodySchema, {
      events: [baseEvent, { viewerId: 'viewer-2', eventType: 'view_end' }],
    });
    expect(issues.map((i) => i.path)).toEqual(['events.1.videoId']);
  });

  it.each([null, 'hello', 42])('rejects a non-object body %j with the body message', (body) => {
    const issues = issuesOf(ViewEventsBodySchema, body);
    expect(issues[0]?.message).toBe('body must be a view event or { events: [...] }');
  });
});

describe('ClientViewSchema (OpenVine mobile POST /analytics/view)', () => {
  const mobileBody = {
    eventId: VIDEO_ID,
    userId: null,
    source: 'mobile',
    eventType: 'view_end',
    creatorPubkey: CREATOR,
    hashtags: null,
    title: null,
    timestamp: '2025-12-13T19:30:58.123456',
    watchDuration: 4500,
    totalDuration: 6000,
    loopCount: 1,
    completedVideo: false,
    completionRate: 0.75,
  };

  it('accepts the real mobile body unchanged', () => {
    const out = v.parse(ClientViewSchema, mobileBody);
    expect(out).toMatchObject({
      eventId: VIDEO_ID.toLowerCase(),
      userId: null,
      eventType: 'view_end',
      timestamp: '2025-12-13T19:30:58.123456',
      watchDuration: 4500,
      totalDuration: 6000,
      loopCount: 1,
    });
  });

  it('defaults eventType to view_start', () => {
    const { eventType: _omit, ...rest } = mobileBody;
    expect(v.parse(ClientViewSchema, rest).eventType).toBe('view_start');
    expect(v.parse(ClientViewSchema, { eventId: VIDEO_ID }).eventType).toBe('view_start');
  });

  it('accepts an empty creatorPubkey from signed-out uploads', () => {
    expect(v.parse(ClientViewSchema, { ...mobileBody, creatorPubkey: '' }).creatorPubkey).toBe('');
  });

  it('rejects a body without a valid eventId', () => {
    const { eventId: _omit, ...rest } = mobileBody;
    expect(issuesOf(ClientViewSchema, rest).map((i) => i.path)).toEqual(['eventId']);
    expect(issuesOf(ClientViewSchema, { ...mobileBody, eventId: 'nope' }).map((i) => i.path)).toEqual([
      'eventId',
    ]);
  });
});

describe('ViewEventSchema field limits', () => {
  const ok = (extra: Record<string, unknown>) =>
    v.safeParse(ViewEventSchema, { ...baseEvent, ...extra }).success;
  const issue = (extra: Record<string, unknown>) => issuesOf(ViewEventSchema, { ...baseEvent, ...extra });

  it.each([
    ['videoId', 12345, 'must be a string'],
    ['videoId', 'a'.repeat(63), 'must be 64 hexadecimal characters'],
    ['viewerId', 'x'.repeat(129), 'viewerId is at most 128 characters'],
    ['eventType', 'view', 'eventType must be view_start or view_end'],
    ['watchMs', '4500', 'watchMs must be a number'],
    ['watchMs', 4500.5, 'watchMs must be whole milliseconds'],
    ['watchMs', -1, 'watchMs must not be negative'],
    ['watchMs', 86_400_001, 'watchMs must be at most 24 hours'], // 24 * 3,600,000 + 1
    ['durationMs', '6000', 'durationMs must be a number'],
    ['durationMs', 10.5, 'durationMs must be whole milliseconds'],
    ['durationMs', -1, 'durationMs must not be negative'],
    ['durationMs', 86_400_001, 'durationMs must be at most 24 hours'],
    ['title', 't'.repeat(301), 'title is at most 300 characters'],
    ['country', 'deu', 'country is an ISO 3166 alpha-2 code'],
    ['country', '1de', 'country is an ISO 3166 alpha-2 code'],
    ['country', 'd', 'country is an ISO 3166 alpha-2 code'],
  ])('rejects %s %j with "%s"', (field, value, message) => {
    expect(issue({ [field]: value })).toEqual([{ path: field, message }]);
  });

  it('says a viewerId is required when it is null, and names the key when it is missing', () => {
    expect(issue({ viewerId: null })).toEqual([{ path: 'viewerId', message: 'viewerId is required' }]);
    const { viewerId: _omit, ...rest } = baseEvent;
    expect(issuesOf(ViewEventSchema, rest)).toEqual([
      { path: 'viewerId', message: 'Invalid key: Expected "viewerId" but received undefined' },
    ]);
  });

  it('accepts each field at its limit and rejects one past it', () => {
    expect(ok({ viewerId: 'x'.repeat(128) })).toBe(true);
    expect(ok({ viewerId: '' })).toBe(false);
    expect(ok({ idempotencyKey: 'k'.repeat(128) })).toBe(true);
    expect(ok({ idempotencyKey: 'k'.repeat(129) })).toBe(false);
    expect(ok({ idempotencyKey: '' })).toBe(false);
    expect(ok({ watchMs: 0, durationMs: 86_400_000 })).toBe(true);
    expect(ok({ loops: 10_000 })).toBe(true);
    expect(ok({ loops: 10_001 })).toBe(false);
    expect(ok({ loops: -1 })).toBe(false);
    expect(ok({ loops: 1.5 })).toBe(false);
    expect(ok({ completion: 0 })).toBe(true);
    expect(ok({ completion: 1 })).toBe(true);
    expect(ok({ title: 't'.repeat(300) })).toBe(true);
    expect(ok({ source: 's'.repeat(32) })).toBe(true);
    expect(ok({ source: 's'.repeat(33) })).toBe(false);
    expect(ok({ hashtags: Array.from({ length: 20 }, (_, i) => `tag${i}`) })).toBe(true);
    expect(ok({ hashtags: ['h'.repeat(64)] })).toBe(true);
  });

  it('rejects a hashtag over 64 characters and more than 20 hashtags, with their messages', () => {
    expect(issue({ hashtags: ['h'.repeat(65)] })).toEqual([
      { path: 'hashtags.0', message: 'a hashtag is at most 64 characters' },
    ]);
    expect(issue({ hashtags: Array.from({ length: 21 }, (_, i) => `tag${i}`) })).toEqual([
      { path: 'hashtags', message: 'at most 20 hashtags' },
    ]);
  });

  it('never stores a hashtag longer than 64 characters, even one that lowercasing lengthens', () => {
    // 'İ' lowercases to two UTF-16 units: 64 of them are 128 once lowercased, which the ingest
    // message refuses, so the stored tag is cut to 64 again.
    const dotted = v.parse(ViewEventSchema, { ...baseEvent, hashtags: ['İ'.repeat(64)] }).hashtags ?? [];
    expect(dotted).toHaveLength(1);
    expect(dotted[0]?.length).toBe(64);
    expect(dotted[0]).toBe('İ'.repeat(32).toLowerCase());
  });

  it('strips # only at the start of a hashtag', () => {
    expect(v.parse(ViewEventSchema, { ...baseEvent, hashtags: ['c#', '#c#'] }).hashtags).toEqual(['c#']);
  });

  it('rejects an unreadable timestamp with the timestamp message', () => {
    expect(issue({ timestamp: 'yesterday' })).toEqual([
      { path: 'timestamp', message: 'timestamp must be epoch milliseconds or an ISO-8601 date' },
    ]);
    expect(issue({ timestamp: true })).toEqual([
      { path: 'timestamp', message: 'timestamp must be epoch milliseconds or an ISO-8601 date' },
    ]);
  });
});

describe('TimestampSchema away from UTC', () => {
  // Workers run in UTC; a server elsewhere must still read a zone-less time as UTC.
  const original = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'America/Sao_Paulo'; // UTC-3 all year
  });
  afterAll(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('reads a zone-less ISO string as UTC, and an offset with or without its colon', () => {
    const utc = Date.UTC(2025, 11, 13, 19, 30, 58, 123);
    expect(new Date(2025, 11, 13, 19).getTimezoneOffset()).toBe(180); // the zone took effect
    expect(v.parse(TimestampSchema, '2025-12-13T19:30:58.123')).toBe(utc);
    expect(v.parse(TimestampSchema, '2025-12-13T19:30:58.123z')).toBe(utc);
    expect(v.parse(TimestampSchema, '2025-12-13T20:30:58.123+0100')).toBe(utc);
    expect(v.parse(TimestampSchema, '2025-12-13T18:30:58.123-01:00')).toBe(utc);
    // An expanded year starts with "+00..", which is no offset: only a trailing one counts.
    expect(v.parse(TimestampSchema, '+002025-12-13T19:30:58.123')).toBe(utc);
  });
});

describe('ClientViewSchema clamps what the app sends (never refuses it)', () => {
  it.each([
    ['watchDuration', '4500', undefined],
    ['watchDuration', 86_400_001, 86_400_000],
    ['totalDuration', 6000.5, 6001],
    ['totalDuration', -1, 0],
  ])('reads %s %j as %j', (field, value, expected) => {
    const out = v.safeParse(ClientViewSchema, { eventId: VIDEO_ID, [field]: value });
    expect(out.success).toBe(true);
    expect((out.output as Record<string, unknown>)[field]).toBe(expected);
  });

  it('cuts a userId over 128 characters to 128', () => {
    const out = v.safeParse(ClientViewSchema, { eventId: VIDEO_ID, userId: 'u'.repeat(129) });
    expect(out.success).toBe(true);
    expect((out.output as { userId?: string }).userId).toBe('u'.repeat(128));
  });
});

describe('describeIssues', () => {
  it('gives an issue of the whole body the empty path', () => {
    expect(issuesOf(ViewEventsBodySchema, null)).toEqual([
      { path: '', message: 'body must be a view event or { events: [...] }' },
    ]);
  });
});
