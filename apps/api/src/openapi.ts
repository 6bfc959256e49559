import {
  ClientCreatorsResponseSchema,
  ClientHashtagsResponseSchema,
  ClientHealthSchema,
  ClientViewResultSchema,
  ClientViewSchema,
  ClientVineSchema,
  ClientVinesResponseSchema,
  EdgePurgeSchema,
  ErrorBodySchema,
  HealthDegradedSchema,
  HealthOkSchema,
  HiddenItemSchema,
  IngestResultSchema,
  InvalidatedWindowSchema,
  InvalidatePartlyFailedSchema,
  InvalidateReportSchema,
  KvWriteFailureSchema,
  LayerSummarySchema,
  MetricsPointSchema,
  MetricsSpanSchema,
  MetricsSummarySchema,
  ModerationAuditEntrySchema,
  ModerationListSchema,
  ModerationPartlyFailedSchema,
  ModerationReportSchema,
  ModerationRequestSchema,
  PrecomputePartlyFailedSchema,
  PrecomputeReportSchema,
  PrecomputeRunMetricsSchema,
  PrecomputeStatusSchema,
  RankedVideoSchema,
  ReadTargetSchema,
  RecordComparisonSchema,
  SeedResultSchema,
  TrendingCreatorSchema,
  TrendingHashtagSchema,
  TrendingVideosResponseSchema,
  TTL_POLICY,
  ViewEventSchema,
  ViewEventsBatchSchema,
  WindowReportSchema,
} from '@openvine/trending-core';
import {
  type ConversionConfig,
  type JsonSchema,
  toJsonSchema,
  toJsonSchemaDefs,
} from '@valibot/to-json-schema';
import * as v from 'valibot';
import type { ResponseSpec, RouteSpec } from './route-table.ts';

/**
 * The public API as OpenAPI 3.1 (GET /v1/openapi.json), generated from the route table and the
 * valibot schemas the handlers parse requests with and type responses with: a schema changed
 * there changes the document. Requests are described by what they accept (typeMode 'input'),
 * responses and query parameters by what they are (typeMode 'output').
 */

/** Named request schemas: `#/components/schemas/<name>` wherever one appears. */
const REQUEST_COMPONENTS = {
  ViewEvent: ViewEventSchema,
  ViewEventsBatch: ViewEventsBatchSchema,
  ClientView: ClientViewSchema,
  ModerationRequest: ModerationRequestSchema,
};

/** Named response schemas. */
const RESPONSE_COMPONENTS = {
  Error: ErrorBodySchema,
  RankedVideo: RankedVideoSchema,
  TrendingHashtag: TrendingHashtagSchema,
  TrendingCreator: TrendingCreatorSchema,
  TrendingVideos: TrendingVideosResponseSchema,
  ClientVine: ClientVineSchema,
  ClientVines: ClientVinesResponseSchema,
  ClientHashtags: ClientHashtagsResponseSchema,
  ClientCreators: ClientCreatorsResponseSchema,
  IngestResult: IngestResultSchema,
  ClientViewResult: ClientViewResultSchema,
  HealthOk: HealthOkSchema,
  HealthDegraded: HealthDegradedSchema,
  ClientHealth: ClientHealthSchema,
  LayerSummary: LayerSummarySchema,
  MetricsSpan: MetricsSpanSchema,
  MetricsPoint: MetricsPointSchema,
  PrecomputeRunMetrics: PrecomputeRunMetricsSchema,
  MetricsSummary: MetricsSummarySchema,
  ReadTarget: ReadTargetSchema,
  WindowReport: WindowReportSchema,
  PrecomputeReport: PrecomputeReportSchema,
  PrecomputePartlyFailed: PrecomputePartlyFailedSchema,
  KvWriteFailure: KvWriteFailureSchema,
  InvalidatedWindow: InvalidatedWindowSchema,
  InvalidateReport: InvalidateReportSchema,
  InvalidatePartlyFailed: InvalidatePartlyFailedSchema,
  PrecomputeStatus: PrecomputeStatusSchema,
  RecordComparison: RecordComparisonSchema,
  SeedResult: SeedResultSchema,
  ModerationAuditEntry: ModerationAuditEntrySchema,
  HiddenItem: HiddenItemSchema,
  ModerationList: ModerationListSchema,
  EdgePurge: EdgePurgeSchema,
  ModerationReport: ModerationReportSchema,
  ModerationPartlyFailed: ModerationPartlyFailedSchema,
};

type Mode = 'input' | 'output';
const COMPONENTS: Record<Mode, Record<string, v.GenericSchema>> = {
  input: REQUEST_COMPONENTS,
  output: RESPONSE_COMPONENTS,
};

function config(mode: Mode): Omit<ConversionConfig, 'definitions'> {
  return {
    target: 'draft-2020-12',
    typeMode: mode,
    // Value-only transformations (the stored form): the accepted input is the same type.
    ignoreActions: ['to_lower_case', 'to_upper_case', 'trim'],
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  };
}

/** A schema as JSON Schema, named components referenced rather than repeated. */
function jsonSchema(schema: v.GenericSchema, mode: Mode): JsonSchema {
  const components = COMPONENTS[mode];
  const name = Object.keys(components).find((key) => components[key] === schema);
  if (name) return { $ref: `#/components/schemas/${name}` };
  const {
    $schema: _dialect,
    $defs,
    ...converted
  } = toJsonSchema(schema, {
    ...config(mode),
    definitions: components,
  });
  // Every definition it used is already a component; anything else would be lost here.
  const stray = Object.keys($defs ?? {}).filter((key) => !(key in components));
  if (stray.length > 0) throw new Error(`openapi: unnamed definitions ${stray.join(', ')}`);
  return converted;
}

function parameters(route: RouteSpec) {
  if (!route.query) return undefined;
  // The defaults as the handler sees them (parsed), not as the optional() holds them (strings);
  // a parameter without one is required.
  const defaults: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(route.query.entries)) {
    const parsed = v.safeParse(entry, undefined);
    if (parsed.success && parsed.output !== undefined) defaults[name] = parsed.output;
  }
  return Object.entries(route.query.entries).map(([name, entry]) => ({
    name,
    in: 'query',
    ...(entry.type === 'optional' ? {} : { required: true }),
    schema: {
      ...jsonSchema(entry, 'output'),
      ...(defaults[name] === undefined ? {} : { default: defaults[name] }),
    },
  }));
}

function response(spec: ResponseSpec) {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (spec.json) content['application/json'] = { schema: jsonSchema(spec.json, 'output') };
  if (spec.mediaType && !content[spec.mediaType]) content[spec.mediaType] = { schema: { type: 'string' } };
  return {
    description: spec.description,
    ...(Object.keys(content).length > 0 ? { content } : {}),
    ...(spec.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(spec.headers).map(([name, h]) => [
              name,
              { ...(h.description ? { description: h.description } : {}), schema: { type: h.type } },
            ]),
          ),
        }
      : {}),
  };
}

function operation(route: RouteSpec) {
  const params = parameters(route);
  return {
    summary: route.summary,
    ...(route.admin ? { security: [{ adminToken: [] }] } : {}),
    // Anonymous, or a server-side sender with its ingest key (ingest-keys.ts).
    ...(route.ingestKey ? { security: [{}, { ingestKey: [] }] } : {}),
    ...(params ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            content: {
              'application/json': {
                schema: jsonSchema(route.body.schema, 'input'),
                examples: Object.fromEntries(
                  Object.entries(route.body.examples).map(([name, value]) => [name, { value }]),
                ),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, spec]) => [status, response(spec)]),
    ),
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

/** The document of `routes` (the unlisted ones left out). */
export function buildOpenApiDocument(routes: readonly RouteSpec[]) {
  const paths: Record<string, Record<string, ReturnType<typeof operation>>> = {};
  for (const route of routes) {
    if (route.unlisted) continue;
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenVine Trending',
      version: '1.0.0',
      description:
        'Trending videos for OpenVine, answered from a cascade of caches; the /analytics routes ' +
        "are the OpenVine mobile app's. Every GET route also answers HEAD (same status and " +
        'headers, no body). A known path with another method is a 405 with Allow; an unknown ' +
        'path a 404 (both the Error envelope).',
    },
    // JSON Schema 2020-12 throughout (OpenAPI 3.1's default dialect).
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: {
        ...toJsonSchemaDefs(REQUEST_COMPONENTS, config('input')),
        ...toJsonSchemaDefs(RESPONSE_COMPONENTS, config('output')),
      },
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer' },
        ingestKey: { type: 'apiKey', in: 'header', name: 'X-Ingest-Key' },
      },
    },
  };
}

const built = new WeakMap<readonly RouteSpec[], string>();

/** GET /v1/openapi.json: generated once per isolate, on first request. */
export function serveOpenApi(routes: readonly RouteSpec[]): Response {
  let body = built.get(routes);
  if (body === undefined) {
    body = JSON.stringify(buildOpenApiDocument(routes));
    built.set(routes, body);
  }
  return new Response(body, {
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': `public, max-age=${TTL_POLICY.openApi.maxAgeS}`,
    },
  });
}
