import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { IsolateBatch } from './isolate-batch.ts';

/** A batch whose sends are written down: `[destination, ...items]` per send. */
function recordedBatch(maxPending?: number) {
  const sent: string[][] = [];
  const batch = new IsolateBatch<string, undefined>(
    'test items',
    async (_env, destination, items) => {
      sent.push([destination, ...items]);
    },
    maxPending,
  );
  return { batch, sent };
}

const FLUSH_MS = 200;

describe('IsolateBatch', () => {
  it('sends a batch at its deadline without a later add, in the waitUntil of the add that opened it', async () => {
    const { batch, sent } = recordedBatch();
    const opener = createExecutionContext();
    batch.add(undefined, opener, 'one', 'a', FLUSH_MS);
    const later = createExecutionContext();
    batch.add(undefined, later, 'one', 'b', FLUSH_MS);
    batch.add(undefined, later, 'two', 'c', FLUSH_MS);
    await waitOnExecutionContext(opener);
    expect(sent).toEqual([
      ['one', 'a', 'b'],
      ['two', 'c'],
    ]);
    await waitOnExecutionContext(later);
    expect(sent).toHaveLength(2);
  });

  it('sends each item once: a batch flushed early by maxPending is not sent again, the items after it at their own deadline', async () => {
    const { batch, sent } = recordedBatch(3);
    const ctx = createExecutionContext();
    for (const item of ['a', 'b', 'c', 'd']) batch.add(undefined, ctx, 'one', item, FLUSH_MS);
    expect(sent).toEqual([['one', 'a', 'b', 'c']]);
    await waitOnExecutionContext(ctx);
    expect(sent).toEqual([
      ['one', 'a', 'b', 'c'],
      ['one', 'd'],
    ]);
  });
});
