import { finalizeEvent, getEventHash } from 'nostr-tools/pure';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { DEMO_VIDEOS_CREATED_AT_S, demoVideoEvents, generateDemoData } from './demo-data.ts';
import {
  pubkeyFromSeed,
  secretKeyFromSeed,
  signedVideoEvent,
  signWithSeed,
  videoEventTemplate,
} from './nostr-signing.ts';
import { type NostrEvent, replacesVersion, VideoEventsBatchSchema, verifyVideoEvent } from './nostr-video.ts';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const CREATED = Math.floor(NOW / 1000) - 600;

function video(overrides: Partial<Parameters<typeof signedVideoEvent>[1]> = {}, seed = 'alice'): NostrEvent {
  return signedVideoEvent(seed, {
    d: 'clip-1',
    title: 'A cat and a ladder',
    hashtags: ['Cats', '#funny', 'cats'],
    createdAt: CREATED,
    ...overrides,
  });
}

/** The event as a client sends it: JSON, parsed fresh. */
const wire = (event: unknown) => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;

function codeOf(input: unknown): string {
  const verdict = verifyVideoEvent(input, NOW);
  return verdict.ok ? 'ok' : verdict.code;
}

describe('verifyVideoEvent', () => {
  it('takes creator, title and hashtags from a signed kind 34236 event, addressed by pubkey and d', () => {
    const event = video();
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict).toEqual({
      ok: true,
      record: {
        id: event.id,
        pubkey: pubkeyFromSeed('alice'),
        kind: 34236,
        createdAt: CREATED,
        address: `34236:${pubkeyFromSeed('alice')}:clip-1`,
        title: 'A cat and a ladder',
        hashtags: ['cats', 'funny'],
        event: JSON.stringify(event),
      },
    });
  });

  it('accepts NIP-71 kinds 21 and 22, each event its own address', () => {
    for (const kind of [21, 22]) {
      const event = video({ kind });
      const verdict = verifyVideoEvent(wire(event), NOW);
      expect(verdict.ok && verdict.record.address).toBe(event.id);
    }
  });

  it('refuses one changed byte anywhere the signature covers', () => {
    const event = video();
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    expect(codeOf(wire(event))).toBe('ok');
    expect(codeOf({ ...wire(event), content: 'x' })).toBe('bad_event_id');
    expect(
      codeOf({
        ...wire(event),
        tags: [
          ['d', 'clip-1'],
          ['title', 'A cat and a laddex'],
        ],
      }),
    ).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), created_at: CREATED + 1 })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), pubkey: pubkeyFromSeed('mallory') })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), id: flip(event.id) })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), sig: flip(event.sig) })).toBe('bad_signature');
  });

  it("refuses another key's signature over the right id", () => {
    const event = video();
    const other = signWithSeed('mallory', { kind: 34236, created_at: CREATED, tags: [], content: '' });
    expect(codeOf({ ...wire(event), sig: other.sig })).toBe('bad_signature');
  });

  it('re-verifies an edited copy of an event nostr-tools already verified (its cached verdict is not trusted)', () => {
    const verified = finalizeEvent(
      {
        kind: 34236,
        created_at: CREATED,
        tags: [
          ['d', 'x'],
          ['title', 'mine'],
        ],
        content: '',
      },
      secretKeyFromSeed('alice'),
    );
    // Spread copies nostr-tools' verified symbol along with the fields.
    expect(
      codeOf({
        ...verified,
        tags: [
          ['d', 'x'],
          ['title', 'stolen'],
        ],
      }),
    ).toBe('bad_event_id');
  });

  it('refuses unsigned, malformed, other kinds, oversized and future events', () => {
    const { sig: _sig, ...unsigned } = wire(video());
    expect(codeOf(unsigned)).toBe('unsigned_event');
    expect(codeOf({ ...wire(video()), id: undefined })).toBe('unsigned_event');
    expect(codeOf('an event')).toBe('invalid_event');
    expect(codeOf([wire(video())])).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), pubkey: 'A'.repeat(64) })).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), tags: [['t', 7]] })).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), created_at: 1.5 })).toBe('invalid_event');
    expect(codeOf(wire(video({ kind: 1 })))).toBe('unsupported_kind');
    expect(codeOf(wire(video({ kind: 34235 })))).toBe('unsupported_kind');
    expect(codeOf(wire(video({ content: 'x'.repeat(8_193) })))).toBe('event_too_large');
    expect(codeOf(wire(video({ hashtags: Array.from({ length: 100 }, (_, i) => `t${i}`) })))).toBe(
      'event_too_large',
    );
    expect(codeOf(wire(video({ title: 'x'.repeat(2_049) })))).toBe('event_too_large');
    expect(codeOf(wire(video({ createdAt: Math.floor(NOW / 1000) + 3600 })))).toBe('event_in_future');
    expect(codeOf(wire(video({ title: 'lone \ud800 surrogate' })))).toBe('invalid_event');
  });

  it('bounds the metadata it derives: title cut to 300 characters, the first 20 distinct hashtags', () => {
    const event = video({
      title: 'T'.repeat(400),
      hashtags: Array.from({ length: 30 }, (_, i) => `#Tag${i}`),
    });
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict.ok && verdict.record.title).toBe('T'.repeat(300));
    expect(verdict.ok && verdict.record.hashtags).toEqual(Array.from({ length: 20 }, (_, i) => `tag${i}`));
  });

  it('reads a missing d tag as "" and a missing title as none', () => {
    const event = signWithSeed('alice', { kind: 34236, created_at: CREATED, tags: [], content: '' });
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict.ok && verdict.record.address).toBe(`34236:${pubkeyFromSeed('alice')}:`);
    expect(verdict.ok && 'title' in verdict.record).toBe(false);
  });
});

describe('verifyVideoEvent: what a refusal says (the API error issues carry it)', () => {
  const event = () => wire(video());
  const refusal = (input: unknown) => {
    const verdict = verifyVideoEvent(input, NOW);
    return verdict.ok ? 'accepted' : `${verdict.code}: ${verdict.message}`;
  };

  it.each([
    ['null', () => null, 'invalid_event: an event must be a JSON object'],
    [
      'no sig',
      () => ({ ...event(), sig: undefined }),
      'unsigned_event: the event has no id or no sig: only signed events are accepted',
    ],
    [
      'uppercase id',
      () => ({ ...event(), id: 'A'.repeat(64) }),
      'invalid_event: id: id must be 64 lowercase hex characters',
    ],
    [
      'a longer id',
      () => ({ ...event(), id: `${video().id}a` }),
      'invalid_event: id: id must be 64 lowercase hex characters',
    ],
    [
      'a prefixed id',
      () => ({ ...event(), id: `a${video().id}` }),
      'invalid_event: id: id must be 64 lowercase hex characters',
    ],
    [
      'a longer pubkey',
      () => ({ ...event(), pubkey: `${pubkeyFromSeed('alice')}0` }),
      'invalid_event: pubkey: pubkey must be 64 lowercase hex characters',
    ],
    [
      'a prefixed pubkey',
      () => ({ ...event(), pubkey: `0${pubkeyFromSeed('alice')}` }),
      'invalid_event: pubkey: pubkey must be 64 lowercase hex characters',
    ],
    [
      'a longer sig',
      () => ({ ...event(), sig: `${video().sig}0` }),
      'invalid_event: sig: sig must be 128 lowercase hex characters',
    ],
    [
      'a prefixed sig',
      () => ({ ...event(), sig: `0${video().sig}` }),
      'invalid_event: sig: sig must be 128 lowercase hex characters',
    ],
    [
      'created_at a string',
      () => ({ ...event(), created_at: '1' }),
      'invalid_event: created_at: created_at must be a number',
    ],
    [
      'created_at a fraction',
      () => ({ ...event(), created_at: 1.5 }),
      'invalid_event: created_at: created_at must be whole seconds',
    ],
    [
      'created_at negative',
      () => ({ ...event(), created_at: -1 }),
      'invalid_event: created_at: created_at must not be negative',
    ],
    ['kind a string', () => ({ ...event(), kind: '34236' }), 'invalid_event: kind: kind must be a number'],
    ['kind a fraction', () => ({ ...event(), kind: 21.5 }), 'invalid_event: kind: kind must be an integer'],
    [
      'a tag entry a number',
      () => ({ ...event(), tags: [['t', 7]] }),
      'invalid_event: tags.0.1: tag entries must be strings',
    ],
    [
      'tags an object',
      () => ({ ...event(), tags: {} }),
      'invalid_event: tags: tags must be an array of arrays',
    ],
    [
      'content a number',
      () => ({ ...event(), content: 1 }),
      'invalid_event: content: content must be a string',
    ],
    [
      'kind 1',
      () => wire(video({ kind: 1 })),
      'unsupported_kind: kind 1 is not a video event (21, 22, 34236)',
    ],
    [
      'a lone surrogate',
      () => wire(video({ title: '\ud800' })),
      'invalid_event: content and tags must be well-formed Unicode',
    ],
    [
      'an hour ahead',
      () => wire(video({ createdAt: Math.floor(NOW / 1000) + 3600 })),
      'event_in_future: created_at is in the future',
    ],
    [
      'a changed content',
      () => ({ ...event(), content: 'x' }),
      'bad_event_id: id is not the sha256 of the event (NIP-01)',
    ],
    [
      'a swapped sig',
      () => ({ ...event(), sig: video({ d: 'other' }).sig }),
      'bad_signature: sig is not a valid signature of the id by pubkey',
    ],
  ])('%s', (_, input, expected) => {
    expect(refusal(input())).toBe(expected);
  });

  it('refuses past each cap, by one, and takes each cap itself', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ['t', `t${i}`]);
    const at = (template: { tags?: string[][]; content?: string }) =>
      refusal(
        wire(
          signWithSeed('alice', {
            kind: 34236,
            created_at: CREATED,
            tags: template.tags ?? [],
            content: template.content ?? '',
          }),
        ),
      );
    expect(at({ content: 'x'.repeat(8_192) })).toBe('accepted');
    expect(at({ content: 'x'.repeat(8_193) })).toBe('event_too_large: content is over 8192 characters');
    expect(at({ tags: tags(100) })).toBe('accepted');
    expect(at({ tags: tags(101) })).toBe('event_too_large: more than 100 tags');
    expect(at({ tags: [Array.from({ length: 32 }, () => 'x')] })).toBe('accepted');
    expect(at({ tags: [Array.from({ length: 33 }, () => 'x')] })).toBe(
      'event_too_large: a tag has more than 32 entries',
    );
    expect(at({ tags: [['title', 'x'.repeat(2_048)]] })).toBe('accepted');
    expect(at({ tags: [['title', 'x'.repeat(2_049)]] })).toBe(
      'event_too_large: a tag entry is over 2048 characters',
    );
    // Every cap kept, and 40 entries of 2,048 characters: 82 KB of JSON, over the 64 KiB a
    // request holds (a relay could send up to 6.5 MB this way, past the 2 MB SQLite stores).
    const long = (n: number) => Array.from({ length: n }, (_, i) => ['t', `${i}`.padEnd(2_048, 'x')]);
    expect(at({ tags: long(30) })).toBe('accepted');
    expect(at({ tags: long(40) })).toBe('event_too_large: the event is over 65536 bytes');
  });

  it('takes created_at up to 5 minutes ahead, and a recent one', () => {
    const nowS = Math.floor(NOW / 1000);
    expect(refusal(wire(video({ createdAt: nowS + 300 })))).toBe('accepted');
    expect(refusal(wire(video({ createdAt: nowS + 301 })))).toBe(
      'event_in_future: created_at is in the future',
    );
    expect(refusal(wire(video({ createdAt: nowS - 60 })))).toBe('accepted');
  });

  it('refuses a pubkey that is no point of the curve as a bad signature, not an error', () => {
    const pubkey = 'f'.repeat(64);
    const fields = { kind: 34236, created_at: CREATED, tags: [['d', 'x']], content: '' };
    const id = getEventHash({ ...fields, pubkey });
    expect(refusal({ ...fields, pubkey, id, sig: '0'.repeat(128) })).toBe(
      'bad_signature: sig is not a valid signature of the id by pubkey',
    );
  });

  it('trims the title, and takes none from an empty one', () => {
    const padded = verifyVideoEvent(wire(video({ title: '  A cat  ' })), NOW);
    expect(padded.ok && padded.record.title).toBe('A cat');
    const blank = verifyVideoEvent(wire(video({ title: '   ' })), NOW);
    expect(blank.ok && 'title' in blank.record).toBe(false);
  });

  it('takes a batch of 1..50 events, saying why not', () => {
    const issue = (body: unknown) => v.safeParse(VideoEventsBatchSchema, body).issues?.[0]?.message;
    expect(issue({ events: [] })).toBe('events must not be empty');
    expect(issue({ events: Array.from({ length: 51 }, () => ({})) })).toBe('at most 50 events per request');
    expect(issue({ events: Array.from({ length: 50 }, () => ({})) })).toBeUndefined();
  });
});

describe('videoEventTemplate', () => {
  it('tags d, then the title and hashtags only when given, with empty content by default', () => {
    expect(videoEventTemplate({ d: 'x', createdAt: 1 })).toEqual({
      kind: 34236,
      created_at: 1,
      tags: [['d', 'x']],
      content: '',
    });
    expect(
      videoEventTemplate({ d: 'x', createdAt: 1, title: '', hashtags: ['a'], kind: 21, content: 'c' }),
    ).toEqual({
      kind: 21,
      created_at: 1,
      tags: [
        ['d', 'x'],
        ['title', ''],
        ['t', 'a'],
      ],
      content: 'c',
    });
  });
});

describe('replacesVersion', () => {
  it('a later created_at wins; on a tie the lower id; never itself', () => {
    expect(replacesVersion({ createdAt: 2, id: 'b' }, { createdAt: 1, id: 'a' })).toBe(true);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 2, id: 'b' })).toBe(false);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 1, id: 'b' })).toBe(true);
    expect(replacesVersion({ createdAt: 1, id: 'b' }, { createdAt: 1, id: 'a' })).toBe(false);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 1, id: 'a' })).toBe(false);
  });
});

describe('demo video events', () => {
  it('are signed by the creators the workload names, with the ids its views use', () => {
    const { videos } = generateDemoData({ now: NOW, videos: 20, events: 1000, seed: 3 });
    const events = demoVideoEvents(videos);
    const records = events.map((e) => verifyVideoEvent(wire(e), NOW));
    expect(records.map((r) => (r.ok ? r.record.id : r.code))).toEqual(videos.map((v) => v.videoId));
    expect(records.map((r) => r.ok && r.record.pubkey)).toEqual(videos.map((v) => v.creatorPubkey));
    expect(records.map((r) => r.ok && r.record.title)).toEqual(videos.map((v) => v.title));
    expect(events.every((e) => e.created_at === DEMO_VIDEOS_CREATED_AT_S)).toBe(true);
    // Ids depend on the seed, not on the time the workload is generated for.
    const later = generateDemoData({ now: NOW + 3_600_000, videos: 20, events: 1000, seed: 3 });
    expect(later.videos.map((v) => v.videoId)).toEqual(videos.map((v) => v.videoId));
  });
});
