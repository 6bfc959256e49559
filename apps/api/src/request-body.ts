import { LIMITS } from '@openvine/trending-core';
import { ApiError } from './errors.ts';

export const MAX_BODY_BYTES = LIMITS.maxBodyBytes;

const tooLarge = () =>
  new ApiError(413, 'payload_too_large', `Request body must be at most ${MAX_BODY_BYTES} bytes`);

/**
 * Reads a JSON body without ever buffering more than the limit: the declared length is checked
 * first, then the stream is counted as it arrives (a client can lie about Content-Length).
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) throw new ApiError(400, 'invalid_json', 'Request body is empty');

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'Request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'Request body is not valid JSON');
  }
}

/**
 * The body of a route whose every field has a default (precompute, seed, dead-letter replay): no
 * body at all is `{}`; anything but a JSON object is a 400, since valibot takes an array for an
 * object and would let `[]` stand for "all defaults" (replay every dead letter, seed the default
 * workload).
 */
export async function readOptionalJsonObject(request: Request): Promise<Record<string, unknown>> {
  if (request.headers.get('content-length') === '0') return {};
  const value = await readJsonBody(request);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'invalid_request', 'Request body must be a JSON object');
  return value as Record<string, unknown>;
}
