import { describeIssues, LIMITS } from '@openvine/trending-core';
import * as v from 'valibot';
import { badRequest } from './errors.ts';

/**
 * Reduces a query string to its canonical form: parameter names and values lowercased, first
 * occurrence wins. Order, case and unknown parameters can then never make a new cache entry.
 */
export function canonicalParams(url: URL): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!(key in params)) params[key] = value.trim().toLowerCase();
  }
  return params;
}

/** Parses with a valibot schema or throws a 400 listing every issue. */
export function parseOrThrow<TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: unknown,
  message: string,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input);
  if (!result.success) throw badRequest(message, describeIssues(result.issues));
  return result.output;
}

/**
 * Parses a route's query through its schema, remembering the result per raw query string:
 * popular reads repeat the same few query strings, and this is on every memory hit's path.
 * Only successes are kept (a bad query throws every time); the map is bounded.
 */
export function queryParser<TSchema extends v.GenericSchema>(schema: TSchema, message: string) {
  const parsed = new Map<string, v.InferOutput<TSchema>>();
  return (url: string): v.InferOutput<TSchema> => {
    const at = url.indexOf('?');
    const search = at === -1 ? '' : url.slice(at);
    const known = parsed.get(search);
    if (known !== undefined) return known;
    const output = parseOrThrow(schema, canonicalParams(new URL(url)), message);
    if (parsed.size >= LIMITS.parsedQueries) parsed.clear();
    parsed.set(search, output);
    return output;
  };
}
