// The dead-letter store's bound: at LIMITS.deadLetters.stored letters it keeps the oldest and
// counts what it could not keep, so a flood of failures cannot grow one object without end.
import { env } from 'cloudflare:workers';
import { LIMITS, RETENTION_MS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { DeadLetterInput } from './dead-letter-store.ts';
import type { AggregatorEnv } from './env.ts';
import { pinClock, TEST_START } from './testing.ts';

const bindings = env as AggregatorEnv;
const CAP = LIMITS.deadLetters.stored;

const letter = (id: string): DeadLetterInput => ({
  id,
  attempts: 6,
  reason: 'retries exhausted',
  body: '{}',
});

describe('the dead-letter store', () => {
  it('keeps the oldest letters up to its capacity and counts the newer ones it drops', async () => {
    const store = bindings.DEAD_LETTERS.get(bindings.DEAD_LETTERS.idFromName(crypto.randomUUID()));
    const start = pinClock(TEST_START);
    const chunk = 1_000;
    for (let from = 0; from < CAP; from += chunk) {
      pinClock(start + from);
      await store.add(
        Array.from({ length: Math.min(chunk, CAP - from) }, (_, i) => letter(`old-${from + i}`)),
      );
    }
    pinClock(start + CAP);
    // Full: three new letters are dropped; a redelivery of one already stored is not a drop.
    expect(await store.add([letter('new-0'), letter('old-0'), letter('new-1'), letter('new-2')])).toEqual({
      dropped: 3,
    });
    const full = await store.list(1);
    expect(full).toMatchObject({ total: CAP, capacity: CAP, dropped: 3 });
    // The newest kept: the last call's (its letters share one receivedAt, then go by id).
    expect(full.deadLetters.map((l) => l.id)).toEqual([`old-${CAP - chunk}`]);
    expect(full.deadLetters[0]?.countedOnceUntil).toBe(start + CAP - chunk + RETENTION_MS);
    const { letters, missing } = await store.bodies(['old-0', 'new-0']);
    expect(letters).toEqual([{ id: 'old-0', body: '{}', receivedAt: start }]);
    expect(missing).toEqual(['new-0']);

    // A replay frees room: the next letter is kept, and the drops stay counted.
    expect(await store.remove(['old-0'])).toBe(CAP - 1);
    expect(await store.add([letter('new-3')])).toEqual({ dropped: 0 });
    expect(await store.list(1)).toMatchObject({ total: CAP, dropped: 3 });
    expect((await store.bodies(['new-3'])).missing).toEqual([]);
  });
});
