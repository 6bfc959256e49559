import { describeIssues } from '@openvine/trending-core';
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
