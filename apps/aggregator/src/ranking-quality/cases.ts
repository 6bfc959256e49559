// The cases of the ranking-quality harness (issue 14 item 7): what each demands of the ranking.
// simulate.ts plays them out on one seed's workload; a case passes on a seed when every check
// of it held.
export const CASES = {
  T1: 'spike: 30 → 300 distinct viewers an hour is in the 1h top 10 at the first refresh 15 min after the jump, top 3 by 30 min',
  T2: 'replay: one viewer adding 1,000 full replays (timestamps spread over 7 days) to the 24h rank-50 video moves it at most 1 rank',
  T2b: 'fewer than 5 distinct viewers never ranks (4 viewers, 200 views)',
  T4: 'decay: a former 24h #1 with no new views is below every video holding 20% of its peak rate after 3 half-lives (18 h)',
  T5: 'stability: two refreshes with no new events between them give the same top 50 (1h and 24h)',
  T6: 'sockpuppets: 300 invented viewers from one network in 10 min never enter the 1h top 20; 300 viewers from 300 networks enter the top 10',
} as const;

export type CaseId = keyof typeof CASES;

export interface CaseOutcome {
  id: CaseId;
  pass: boolean;
  /** What was seen (ranks at the checks): enough to tell why a case failed. */
  detail: string;
}
