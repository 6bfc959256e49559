// What every answer to a fuzzed request must satisfy (fuzz.test.ts): a 2xx or 4xx, the one error
// envelope on every 4xx, and nothing internal in any body. Test-only.
import { effectiveMethod, type FuzzRequest } from './fuzz-requests.ts';

export interface FuzzAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * What must never reach a client: stack frames, source locations, error class prefixes, SQL and
 * SQLite messages, internal class and binding names, file paths, the admin token. None occurs in
 * any static answer (dashboard, uPlot, OpenAPI), so they are checked on every body.
 */
const LEAKS: readonly (readonly [string, RegExp])[] = [
  ['a stack frame', /\bat \S+ \(?\S*:\d+:\d+\)?/],
  ['a source location', /\.(?:ts|js|mjs|cjs):\d+/],
  ['an error class', /\b[A-Z]\w*Error: /],
  ['SQLite', /sqlite/i],
  ['SQL', /\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|json_each)\b/],
  [
    'an internal name',
    /TrendingAggregator|MetricsAggregator|DurableObject|TRENDING_KV|PRECOMPUTE|AGGREGATOR\b/,
  ],
  ['a file path', /node_modules|file:\/\/|\/src\/|workerd|kj\//],
  ['the admin token', /test-admin-token/],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ErrorBody of errors.ts, and nothing else: { error: { code, message, issues? } }. */
function envelopeProblem(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'is not JSON';
  }
  if (!isRecord(parsed) || Object.keys(parsed).join() !== 'error' || !isRecord(parsed.error)) {
    return 'is not { error: {...} }';
  }
  const { code, message, issues, ...rest } = parsed.error;
  if (typeof code !== 'string' || !/^[a-z_]+$/.test(code)) return 'has no snake_case code';
  if (typeof message !== 'string' || message === '') return 'has no message';
  if (Object.keys(rest).length > 0) return `has extra fields ${Object.keys(rest).join(', ')}`;
  if (issues === undefined) return undefined;
  const wellFormed =
    Array.isArray(issues) &&
    issues.every(
      (issue) =>
        isRecord(issue) &&
        typeof issue.path === 'string' &&
        typeof issue.message === 'string' &&
        Object.keys(issue).length === 2,
    );
  return wellFormed ? undefined : 'has malformed issues';
}

/** Every way `answer` breaks the rules for `request`; empty when it keeps them all. */
export function violations(request: FuzzRequest, answer: FuzzAnswer): string[] {
  const found: string[] = [];
  const { status, headers, body } = answer;
  const method = effectiveMethod(request.method);
  const conditional = Object.keys(request.headers).includes('if-none-match');
  const success = status >= 200 && status < 300;
  if (!(success || (status >= 400 && status < 500) || (status === 304 && conditional))) {
    found.push(`status ${status}: only 2xx and 4xx (304 to If-None-Match) may answer`);
  }
  if (request.expectStatus && !request.expectStatus.includes(status)) {
    found.push(`status ${status}, expected ${request.expectStatus.join(' or ')}`);
  }
  if (request.target === 'rejecting' && success && !['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    found.push(`${method} answered ${status}: a request that can store must be refused here`);
  }
  if (request.accepted) {
    found.push(...acceptedProblems(request.accepted, status, body));
  }
  if (status >= 400 && status < 500) {
    const type = headers.get('content-type') ?? '';
    if (!type.startsWith('application/json')) found.push(`${status} with Content-Type "${type}"`);
    if (method !== 'HEAD') {
      const problem = envelopeProblem(body);
      if (problem) found.push(`${status} body ${problem}: ${body.slice(0, 200)}`);
    }
  }
  if (status === 405 && !headers.get('allow')) found.push('405 without Allow');
  if (status === 401 && !headers.get('www-authenticate')) found.push('401 without WWW-Authenticate');
  if (status === 429 && !headers.get('retry-after')) found.push('429 without Retry-After');
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(body);
    if (match) {
      const at = Math.max(0, match.index - 60);
      found.push(`body leaks ${what}: …${body.slice(at, match.index + 80)}…`);
    }
  }
  return found;
}

function acceptedProblems(
  accepted: NonNullable<FuzzRequest['accepted']>,
  status: number,
  body: string,
): string[] {
  if (status !== accepted.status) return [`status ${status}, expected ${accepted.status} (stored)`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [`${status} body is not JSON: ${body.slice(0, 200)}`];
  }
  const ok =
    accepted.status === 202
      ? isRecord(parsed) && parsed.accepted === 1 && !('duplicates' in parsed)
      : isRecord(parsed) && parsed.success === true && parsed.eventId === accepted.videoId;
  return ok ? [] : [`stored answer is not the one expected: ${body.slice(0, 200)}`];
}
