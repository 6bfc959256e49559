// Finds duration-like number literals in TypeScript source: the numbers that belong in
// trending-core's policy table (packages/trending-core/src/ttl-policy.ts) rather than beside the
// code that uses them. stray-numbers.test.ts runs it over the apps and the benchmark.
//
// Comments are ignored (they may say "30 s" to explain a name); strings are not (a header value
// like `max-age=3600`, or the dashboard's script, is code that ships). Unit conversions of a named
// value (`ageS * 1000`, `now / 1000`) are not strays: the number there is the unit, not a policy.
export interface StrayRule {
  name: string;
  /** Why a match is a stray: said in the failure, so the reader knows what to move. */
  why: string;
  pattern: RegExp;
}

export const STRAY_RULES: readonly StrayRule[] = [
  {
    name: 'grouped-literal',
    why: 'a number written with digit groups (55_000, 86_400) is a duration or a limit',
    pattern: /(?<![\w.])\d{1,3}(?:_\d{3})+(?![\w.])/,
  },
  {
    name: 'literal-product',
    why: 'a duration or size computed from literals (24 * 60 * 60_000, 64 * 1024, 2 * HOUR_MS)',
    pattern: /(?<![\w.])\d[\d_]*(?:\.\d+)?\s*\*\s*(?:\d|[A-Z][A-Z_]*_MS\b)|\b[A-Z][A-Z_]*_MS\s*\*\s*\d/,
  },
  {
    name: 'duration-name',
    why: 'a name that says duration (…Ms, …S, …Ttl, …Timeout, …Interval, …Age) set to a literal',
    pattern:
      /\b[A-Za-z_$][\w$]*(?:Ms|MS|[a-z]S|_S|Ttl|TTL|Seconds|Timeout|TIMEOUT|Interval|INTERVAL|Age|AGE)\s*(?::|=(?![=>]))\s*(?!0(?![\d._xXbBoO]))\d/,
  },
  {
    name: 'cache-header',
    why: 'a Cache-Control or CORS lifetime written as a literal',
    pattern: /\b(?:max-age|s-maxage|stale-while-revalidate|stale-if-error)=\d|Max-Age['"]?\s*[:,]\s*['"`]\d/i,
  },
  {
    name: 'retry-after',
    why: 'a Retry-After value written as a literal',
    pattern: /Retry-After['"]?\s*[:,]\s*['"`]?\d/i,
  },
  {
    name: 'timer',
    why: 'a timer, wait or alarm delay written as a literal',
    pattern:
      /\b(?:setTimeout|setInterval)\s*\(.*,\s*\d[\d_]*\s*\)|\bscheduler\.wait\(\s*\d|\bsetAlarm\(.*[+-]\s*\d/,
  },
  {
    name: 'kv-lifetime',
    why: 'a KV read cache or expiration written as a literal (cacheTtl, expirationTtl, expiration)',
    pattern: /\b(?:cacheTtl|expirationTtl|expiration)\s*:\s*\d/,
  },
  {
    name: 'clock-arithmetic',
    why: 'a span added to or taken from the clock as a literal (now - 3600)',
    pattern: /\b(?:now|Date\.now\(\))\s*[-+]\s*\d/,
  },
  {
    name: 'sql-limit',
    why: 'a SQL LIMIT written as a literal',
    pattern: /\bLIMIT\s+\d/,
  },
];

export interface Stray {
  path: string;
  /** 1-based. */
  line: number;
  rule: string;
  why: string;
  /** The source line, trimmed. */
  text: string;
}

/** Keywords after which a `/` starts a regular expression, not a division. */
const BEFORE_REGEX = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/**
 * The text with every comment replaced by spaces (newlines kept), so lines still line up. A small
 * lexer of what the sources use: strings, template literals (with nested `${}`), regular
 * expression literals (told from a division by what precedes them) and both kinds of comment.
 */
export function withoutComments(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** Open template literals: the brace depth of the `${` expression each is in (-1: in its text). */
  const templates: number[] = [];
  let last = ''; // the code before i, for telling a regex from a division
  let i = 0;
  const skipString = (quote: string) => {
    for (i++; i < text.length && text[i] !== quote && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    i++;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    const depth = templates.at(-1);
    if (depth === -1) {
      // In a template literal's text: its end, or an expression.
      if (c === '\\') i += 2;
      else if (c === '`') {
        templates.pop();
        i++;
        last = 'x';
      } else if (c === '$' && next === '{') {
        templates[templates.length - 1] = 0;
        i += 2;
        last = '{';
      } else i++;
      continue;
    }
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const to = end === -1 ? text.length : end;
      blank(i, to);
      i = to;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const to = end === -1 ? text.length : end + 2;
      blank(i, to);
      i = to;
    } else if (c === "'" || c === '"') {
      skipString(c);
      last = 'x';
    } else if (c === '`') {
      templates.push(-1);
      i++;
    } else if (c === '{' && depth !== undefined) {
      templates[templates.length - 1] = depth + 1;
      i++;
      last = '{';
    } else if (c === '}' && depth === 0) {
      templates[templates.length - 1] = -1;
      i++;
    } else if (c === '}' && depth !== undefined) {
      templates[templates.length - 1] = depth - 1;
      i++;
      last = '}';
    } else if (
      c === '/' &&
      (/[(,=:[!&|?{};+\-*%<>~^]$/.test(last) || last === '' || BEFORE_REGEX.test(last))
    ) {
      // A regular expression literal: to its closing slash (not one inside a [...] class).
      let inClass = false;
      for (i++; i < text.length && text[i] !== '\n'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        else if (text[i] === '/' && !inClass) break;
      }
      i++;
      last = 'x';
    } else {
      if (!/\s/.test(c)) last = (last + c).slice(-16);
      i++;
    }
  }
  return out.join('');
}

/** Every line of `text` that matches a rule, once per rule. */
export function findStrays(path: string, text: string): Stray[] {
  const original = text.split('\n');
  const code = withoutComments(text).split('\n');
  const strays: Stray[] = [];
  code.forEach((line, i) => {
    for (const rule of STRAY_RULES) {
      if (rule.pattern.test(line)) {
        strays.push({ path, line: i + 1, rule: rule.name, why: rule.why, text: (original[i] ?? '').trim() });
      }
    }
  });
  return strays;
}
