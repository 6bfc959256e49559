import { LIMITS } from '@openvine/trending-core';
import { ApiError } from './errors.ts';

export const MAX_BODY_BYTES = LIMITS.maxBodyBytes;

const tooLarge = () =>
  new ApiError(413, 'payload_too_large', `Request body must be at most ${MAX_BODY_BYTES} bytes`);

/**
 * A body as text without ever buffering more than the limit: the declared length is checked
 * first, then the stream is counted as it arrives (a client can lie about Content-Length).
 */
async function readBoundedText(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return '';
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
  return new TextDecoder().decode(bytes);
}

const unsupportedMediaType = () =>
  new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');

function isJsonMediaType(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'Request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'Request body is not valid JSON');
  }
}

/** Reads a JSON body (bounded: readBoundedText); 415 without a JSON Content-Type. */
export async function readJsonBody(request: Request): Promise<unknown> {
  if (!isJsonMediaType(request)) throw unsupportedMediaType();
  return parseJson(await readBoundedText(request));
}

/**
 * The body of a route whose every field has a default (precompute, seed, dead-letter replay): no
 * body at all is `{}`, whether the client says so (`Content-Length: 0`) or just sends none
 * (`curl -X POST`, a client that leaves the length out), with or without a JSON Content-Type; a
 * body is JSON (else 415) and a JSON object: anything else is a 400, since valibot takes an array
 * for an object and would let `[]` stand for "all defaults" (replay every dead letter, seed the
 * default workload).
 */
export async function readOptionalJsonObject(request: Request): Promise<Record<string, unknown>> {
  if (request.headers.get('content-length') === '0') return {};
  const json = isJsonMediaType(request);
  if (!json && request.headers.has('content-type')) throw unsupportedMediaType();
  const text = await readBoundedText(request);
  if (text.trim() === '') return {};
  if (!json) throw unsupportedMediaType();
  const value = parseJson(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'invalid_request', 'Request body must be a JSON object');
  return value as Record<string, unknown>;
}
