import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { hiddenSet, isHidden, ModerationRequestSchema } from './moderation.ts';

const VIDEO = 'a'.repeat(64);
const CREATOR = 'b'.repeat(64);

describe('ModerationRequestSchema', () => {
  it('takes a video or creator as 64 hex (lowercased) and a hashtag as ingest stores it', () => {
    expect(
      v.parse(ModerationRequestSchema, { kind: 'video', value: 'A'.repeat(64), reason: ' spam ' }),
    ).toEqual({ kind: 'video', value: VIDEO, reason: 'spam' });
    expect(
      v.parse(ModerationRequestSchema, { kind: 'hashtag', value: ' ##Spam ', reason: 'r', by: 'ops' }),
    ).toEqual({ kind: 'hashtag', value: 'spam', reason: 'r', by: 'ops' });
  });

  it('refuses an unknown kind, a malformed value, a missing reason and unknown fields', () => {
    const refused = (body: unknown) => !v.safeParse(ModerationRequestSchema, body).success;
    expect(refused({ kind: 'user', value: VIDEO, reason: 'r' })).toBe(true);
    expect(refused({ kind: 'creator', value: 'npub1xyz', reason: 'r' })).toBe(true);
    expect(refused({ kind: 'hashtag', value: '#', reason: 'r' })).toBe(true);
    expect(refused({ kind: 'video', value: VIDEO })).toBe(true);
    expect(refused({ kind: 'video', value: VIDEO, reason: '  ' })).toBe(true);
    expect(refused({ kind: 'video', value: VIDEO, reason: 'r', extra: 1 })).toBe(true);
  });
});

describe('isHidden', () => {
  const hidden = hiddenSet([
    { kind: 'video', value: VIDEO },
    { kind: 'creator', value: CREATOR },
    { kind: 'hashtag', value: 'spam' },
  ]);

  it('hides the video, every video of the creator, every video carrying the hashtag', () => {
    expect(isHidden(hidden, { videoId: VIDEO })).toBe(true);
    expect(isHidden(hidden, { videoId: 'c'.repeat(64), creatorPubkey: CREATOR })).toBe(true);
    expect(isHidden(hidden, { videoId: 'c'.repeat(64), hashtags: ['cats', 'spam'] })).toBe(true);
  });

  it('leaves every other video visible', () => {
    expect(
      isHidden(hidden, { videoId: 'c'.repeat(64), creatorPubkey: 'd'.repeat(64), hashtags: ['cats'] }),
    ).toBe(false);
    expect(isHidden(hiddenSet([]), { videoId: VIDEO, creatorPubkey: CREATOR, hashtags: ['spam'] })).toBe(
      false,
    );
  });
});
