import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { PUBLIC_ROUTES } from './routes/fallback.ts';
import { api, newAggregator } from './testing.ts';

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === '$ref' && typeof v === 'string' ? [v] : refsIn(v),
  );
}

describe('GET /v1/openapi.json', () => {
  it('describes exactly the routes and methods the api serves', () => {
    const documented = Object.fromEntries(
      Object.entries(OPENAPI_DOCUMENT.paths).map(([path, item]) => [
        path,
        Object.keys(item)
          .map((m) => m.toUpperCase())
          .sort(),
      ]),
    );
    const served = Object.fromEntries(
      Object.entries(PUBLIC_ROUTES).map(([path, methods]) => [path, [...methods].sort()]),
    );
    expect(documented).toEqual(served);
  });

  it('resolves every reference', () => {
    const schemas = OPENAPI_DOCUMENT.components.schemas as Record<string, unknown>;
    for (const ref of refsIn(OPENAPI_DOCUMENT)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.split('/').pop() ?? ''], ref).toBeDefined();
    }
  });

  it('is served as JSON', async () => {
    const res = await api(newAggregator(), '/v1/openapi.json');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/analytics/trending/hashtags');
  });
});
