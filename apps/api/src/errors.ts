import type { ErrorBody } from '@openvine/trending-core';
import { CORS_HEADERS } from '@openvine/trending-core';

export type ErrorIssue = { path: string; message: string };

/**
 * The one error type handlers throw. `ApiError` carries status, a stable machine-readable code
 * and, for validation failures, the issues; `toErrorResponse` turns any error into the envelope.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: { issues?: ErrorIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, issues?: ErrorIssue[]) =>
  new ApiError(400, 'invalid_request', message, issues ? { issues } : {});

export function errorResponse(
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...CORS_HEADERS,
      ...headers,
    },
  });
}

/** Nothing internal reaches clients: unknown errors are logged and become a plain 500. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.options.issues) body.error.issues = err.options.issues;
    return errorResponse(err.status, body, err.options.headers);
  }
  console.error('unhandled error', err);
  return errorResponse(500, { error: { code: 'internal_error', message: 'Internal error' } });
}
