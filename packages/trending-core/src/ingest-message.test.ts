import { describe, expect, it } from 'vitest';
import { countedOnceUntil, pastCountedOnce } from './ingest-message.ts';
import { RETENTION } from './ttl-policy.ts';
import { HOUR_MS, RETENTION_MS } from './windows.ts';

describe('replaying dead letters counts once', () => {
  it('until 7 days after the letter was stored, within the dedup keys of a commit before it', () => {
    const storedAt = Date.UTC(2026, 11, 1);
    expect(countedOnceUntil(storedAt)).toBe(storedAt + RETENTION_MS);
    // The keys of a commit up to an hour before the letter was stored (the queue's retries take
    // minutes) outlive the promise.
    expect(storedAt - HOUR_MS + RETENTION.idempotencyKeysMs).toBeGreaterThanOrEqual(
      countedOnceUntil(storedAt),
    );
  });

  it('names the letters a replay at `now` is past the promise for', () => {
    const now = Date.UTC(2026, 11, 8);
    const letters = [
      { id: 'fresh', receivedAt: now - HOUR_MS },
      { id: 'last-moment', receivedAt: now - RETENTION_MS },
      { id: 'old', receivedAt: now - RETENTION_MS - 1 },
    ];
    expect(pastCountedOnce(letters, now)).toEqual(['old']);
  });
});
