import { describe, expect, it } from 'vitest';
import { GROUPED_VIDEOS, GROUPS_KEPT, groupTrending } from './groups.ts';

describe('groupTrending', () => {
  it('sums views, counts videos and averages scores per hashtag and creator', () => {
    const { hashtags, creators } = groupTrending([
      { score: 9, views: 100, creatorPubkey: 'alice', hashtags: ['vine', 'cats'] },
      { score: 5, views: 40, creatorPubkey: 'bob', hashtags: ['dogs'] },
      { score: 3, views: 10, creatorPubkey: 'alice', hashtags: ['vine', 'vine'] },
      { score: 1, views: 5 },
    ]);
    expect(hashtags).toEqual([
      { tag: 'vine', views: 110, videoCount: 2, avgViralScore: 6 },
      { tag: 'cats', views: 100, videoCount: 1, avgViralScore: 9 },
      { tag: 'dogs', views: 40, videoCount: 1, avgViralScore: 5 },
    ]);
    expect(creators).toEqual([
      { pubkey: 'alice', totalViews: 110, videoCount: 2, avgViralScore: 6 },
      { pubkey: 'bob', totalViews: 40, videoCount: 1, avgViralScore: 5 },
    ]);
  });

  it('draws from the best 1000 videos only and keeps 100 of each', () => {
    expect([GROUPED_VIDEOS, GROUPS_KEPT]).toEqual([1000, 100]);
    const videos = Array.from({ length: 1050 }, (_, i) => ({
      score: 1050 - i,
      views: 1,
      creatorPubkey: `creator-${i}`,
      hashtags: [`tag-${i}`],
    }));
    const { hashtags, creators } = groupTrending(videos);
    expect(hashtags).toHaveLength(100);
    expect(creators).toHaveLength(100);
    expect(hashtags.at(-1)?.tag).toBe('tag-99');
    expect(hashtags[0]?.tag).toBe('tag-0');
    const everyTag = groupTrending(videos.map((v) => ({ ...v, hashtags: ['all'] }))).hashtags;
    expect(everyTag).toEqual([expect.objectContaining({ tag: 'all', videoCount: 1000 })]);
  });

  it('orders equal groups by views, then name, so the same videos always give the same list', () => {
    const { hashtags } = groupTrending([
      { score: 2, views: 5, hashtags: ['b'] },
      { score: 2, views: 5, hashtags: ['a'] },
      { score: 2, views: 9, hashtags: ['c'] },
    ]);
    expect(hashtags.map((h) => h.tag)).toEqual(['c', 'a', 'b']);
  });
});

describe('groupTrending ties', () => {
  it('orders tags with equal score and views by name, whatever order they come in', () => {
    const videos = ['d', 'b', 'a', 'c'].map((tag) => ({ score: 1, views: 1, hashtags: [tag] }));
    expect(groupTrending(videos).hashtags.map((h) => h.tag)).toEqual(['a', 'b', 'c', 'd']);
    expect(groupTrending([...videos].reverse()).hashtags.map((h) => h.tag)).toEqual(['a', 'b', 'c', 'd']);
  });
});
