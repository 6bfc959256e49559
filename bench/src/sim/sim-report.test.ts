import { describe, expect, it } from 'vitest';
import { BEGIN_MARK, END_MARK, spliceGenerated } from './sim-report.ts';

describe('the generated block of docs/scaling.md', () => {
  it('replaces only what is between its markers, leaving the other sections as they are', () => {
    const doc = [
      '# Scaling',
      '## Simulation',
      'hand-written analysis',
      BEGIN_MARK,
      'old numbers',
      END_MARK,
      '## Storage per shard',
      "another engineer's section",
    ].join('\n');
    const next = spliceGenerated(doc, `${BEGIN_MARK}\nnew numbers\n${END_MARK}`);
    expect(next).toContain('hand-written analysis');
    expect(next).toContain("## Storage per shard\nanother engineer's section");
    expect(next).toContain('new numbers');
    expect(next).not.toContain('old numbers');
  });

  it('appends the block to a document without markers', () => {
    const next = spliceGenerated('# Scaling\n', `${BEGIN_MARK}\nx\n${END_MARK}`);
    expect(next.startsWith('# Scaling\n')).toBe(true);
    expect(next).toContain(`${BEGIN_MARK}\nx\n${END_MARK}`);
  });
});
