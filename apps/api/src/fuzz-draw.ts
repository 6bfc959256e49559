// Seeded choices of hostile values for the api's fuzz test (fuzz-requests.ts). Test-only. Every
// choice goes through one Draw over one mulberry32 stream, so a seed names every value drawn.

import { seededRandom } from '@openvine/trending-core/demo-data';

export type Rng = () => number;

/** mulberry32 (trending-core's seededRandom, as the demo data uses): values in [0, 1). */
export const mulberry32 = (seed: number): Rng => seededRandom(seed);

/** Pieces of hostile text: control characters, lone surrogates, bidi overrides, injections. */
const TEXT_PIECES = [
  'a',
  'Vine',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d',
  '😀',
  '👩‍👩‍👧‍👦',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\u{10ffff}',
  'é',
  'e\u0301',
  '中文',
  '𝕍',
  'ﷺ',
  '\n',
  '\r\n',
  '\t',
  '\u2028',
  '\u0085',
  '"',
  "'",
  '\\',
  '`',
  '<script>alert(1)</script>',
  "'; DROP TABLE videos; --",
  "' OR '1'='1",
  '%00',
  '%2e%2e/',
  '../../',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, sent as text.
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '#',
  '#tag',
  ',',
];

/** A raw JSON token written as is: numbers JSON.stringify cannot write (1e400, -0, 1E+2). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text of `value`, with RawJson tokens in place. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `@@raw${raws.push(v.text) - 1}@@` : v,
  );
  return raws.length === 0 ? text : text.replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)] ?? '');
}

/** Sets an own property, even `__proto__` (plain assignment would set the prototype instead). */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const HEX = '0123456789abcdef';
export const FULLWIDTH_HEX: Record<string, string> = Object.fromEntries(
  [...HEX].map((c) => [c, String.fromCharCode(c.charCodeAt(0) + 0xfee0)]),
);

/** Every random choice of the generator. */
export class Draw {
  private readonly next: Rng;
  constructor(next: Rng) {
    this.next = next;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  one<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Draw.one of an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of the thunks, called: for choices whose values are built only when chosen. */
  of<T>(thunks: readonly (() => T)[]): T {
    return this.one(thunks)();
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += HEX[Math.floor(this.next() * 16)];
    return out;
  }

  /** A valid Nostr id (64 hex), in either case. */
  id(): string {
    const hex = this.hex(64);
    return this.chance(0.15) ? hex.toUpperCase() : hex;
  }

  /** Hostile text of at most `max` UTF-16 code units (cutting may leave a lone surrogate). */
  text(max: number, min = 0): string {
    const target = this.int(min, max);
    let out = '';
    while (out.length < target) out += this.chance(0.3) ? 'x'.repeat(this.int(1, 40)) : this.one(TEXT_PIECES);
    return out.slice(0, Math.max(target, min));
  }

  /** Printable ASCII: what a header value may hold without workerd's non-ASCII warning. */
  ascii(max: number): string {
    let out = '';
    const length = this.int(1, max);
    for (let i = 0; i < length; i++) out += String.fromCharCode(this.int(0x20, 0x7e));
    return out.trim() || 'x';
  }

  /** Any JSON value, often of the wrong type for where it goes. */
  wild(depth = 0): unknown {
    return this.of<unknown>([
      () => null,
      () => true,
      () => false,
      () => 0,
      () => -1,
      () => this.int(-1e9, 1e9),
      () => 0.5,
      () => 1e308,
      () => -1e308,
      () => Number.MAX_SAFE_INTEGER + 2,
      () => 5e-324,
      () => new RawJson('1e400'),
      () => new RawJson('-1e400'),
      () => new RawJson('-0'),
      () => new RawJson('1E+2'),
      () => '',
      () => this.text(40),
      () => this.text(1000),
      () => this.hex(64),
      () => (depth < 2 ? Array.from({ length: this.int(0, 8) }, () => this.wild(depth + 1)) : []),
      () => (depth < 2 ? { [this.text(10, 1)]: this.wild(depth + 1) } : {}),
    ]);
  }
}
