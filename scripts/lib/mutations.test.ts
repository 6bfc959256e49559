// The mutation list (mutations.ts) stays applicable: a mutation whose search text no longer
// matches its file would make `pnpm test:mutations` test nothing for it (three had drifted
// after the code they target was rewritten).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MUTATIONS } from './mutations.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the mutation list', () => {
  it.each(MUTATIONS.map((m) => [m.id, m] as const))(
    '%s finds its text exactly once in its file',
    (_id, m) => {
      const source = readFileSync(`${root}${m.file}`, 'utf8');
      expect(source.split(m.find).length - 1).toBe(1);
      expect(m.replace).not.toBe(m.find);
    },
  );

  it('names every mutation once', () => {
    const ids = MUTATIONS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
