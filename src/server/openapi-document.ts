/** The OpenAPI 3.1 document of the HTTP API; the query schema comes from the shared zod schema itself. */
import { z } from 'zod';
import { DIMENSION_IDS, GRANULARITY_IDS, METRIC_IDS, apiQuerySchema } from '../shared';
import { PROVIDER_IDS } from './ingest/providers/provider-mappings';

const error = { $ref: '#/components/schemas/Error' };
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: DESCRIPTIONS[c], content: { 'application/json': { schema: error } } }]));
const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; the message names the field and the reason.',
  401: 'No or wrong bearer token (when auth is on).',
  403: 'The token may not use this route (an ingest token on a read route, or the reverse).',
  413: 'The body is larger than TOKENSCOPE_MAX_BODY_BYTES.',
  415: 'Unsupported Content-Type.',
  422: 'The query would read more rows (TOKENSCOPE_QUERY_MAX_ROWS) or run longer (TOKENSCOPE_QUERY_TIMEOUT_MS) than allowed and was stopped.',
  429: "The token is over its requests or bytes per second; wait the Retry-After header's seconds.",
  503: 'The store cannot read or write right now.',
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
/** What an ingest route answers (see routes/ingest-answer.ts); `more` adds a route's own counts. */
const ingestAnswer = (more: Record<string, object> = {}) => ({
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    ...more,
    rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, error: { type: 'string' } } } },
    rejected_total: { type: 'integer' },
  },
});
const param = (name: string, description: string, schema: object = { type: 'string' }, where = 'query') => ({ name, in: where, description, schema });
const rangeParams = [
  param('from', 'Range start, inclusive: epoch ms or RFC 3339.'),
  param('to', 'Range end, exclusive: epoch ms or RFC 3339.'),
  ...DIMENSION_IDS.map((d) =>
    param(d, `Keep only these ${d} values; repeat the parameter or separate with commas.`, { type: 'array', items: { type: 'string' } }),
  ),
  param('filters', 'All filters as JSON, e.g. {"model":["glm-5"]}, for values that contain commas.'),
];

/** An OTLP/HTTP export operation: protobuf or OTLP/JSON in, the export response in the same encoding out. */
function otlpOperation(summary: string, rejectedField: string) {
  const response = {
    type: 'object',
    description: 'Empty when everything was taken; partialSuccess names how many were unusable and why.',
    properties: { partialSuccess: { type: 'object', properties: { [rejectedField]: { type: 'integer' }, errorMessage: { type: 'string' } } } },
  };
  return {
    post: {
      summary,
      description: 'Authorization: Bearer <ingest token>. Content-Encoding gzip is accepted.',
      requestBody: {
        content: {
          'application/x-protobuf': { schema: { type: 'string', format: 'binary', description: 'The OTLP protobuf message.' } },
          'application/json': { schema: { type: 'object', description: 'The OTLP/JSON message (hex ids, int64 as strings or numbers).' } },
        },
      },
      responses: {
        200: {
          description: 'Accepted.',
          content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } }, 'application/json': { schema: response } },
        },
        ...errors(400, 401, 403, 413, 415),
        503: { description: `${DESCRIPTIONS[503]} Retry-After says when to retry.`, content: { 'application/json': { schema: error } } },
      },
    },
  };
}

/** Built once at start. */
export function openapiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Tokenscope API', version: '1', description: 'LLM token usage: ingest, totals, rankings, trends, export.' },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An ingest token (POST /api/v1/usage, /v1/traces, /v1/metrics) or a read token (everything else); a scoped token sees and writes only its scope.',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
        },
        Query: z.toJSONSchema(apiQuerySchema, { io: 'input', unrepresentable: 'any' }),
        UsageEvent: {
          type: 'object',
          description: 'input_tokens and output_tokens are required, unless provider and usage are sent instead of the token fields.',
          required: ['timestamp', 'service', 'model'],
          properties: {
            timestamp: {
              description: 'RFC 3339 with any offset, YYYY-MM-DD HH:MM:SS[.fraction] (UTC), or epoch ms; at most a day in the future.',
              oneOf: [{ type: 'string' }, { type: 'integer' }],
            },
            service: { type: 'string', maxLength: 256 },
            model: { type: 'string', maxLength: 256 },
            model_type: { type: 'string', default: 'text_generation', pattern: '^[a-z][a-z0-9_]{0,63}$' },
            api_key: { type: 'string', default: 'unknown', description: 'Key id or name; secret-looking keys are stored as a one-way id and shown masked.' },
            input_tokens: { type: 'integer', minimum: 0, description: 'Prompt tokens, cached tokens included.' },
            output_tokens: { type: 'integer', minimum: 0 },
            cache_read_tokens: { type: 'integer', minimum: 0, default: 0, description: 'At most input_tokens.' },
            cache_write_tokens: { type: 'integer', minimum: 0, default: 0, description: 'At most input_tokens.' },
            reasoning_tokens: { type: 'integer', minimum: 0, default: 0, description: 'Output tokens spent on reasoning; at most output_tokens.' },
            id: { type: 'string', description: 'Idempotency key: an id already stored counts once.' },
            trace_id: { type: 'string', pattern: '^[0-9a-f]{32}$', description: "The call's W3C trace id, kept with the raw event to find its trace." },
            span_id: { type: 'string', pattern: '^[0-9a-f]{16}$', description: "The call's span id." },
            duration_ms: { type: 'number', minimum: 0, maximum: 86_400_000, description: 'Request duration, for concurrency.' },
            provider: { enum: PROVIDER_IDS, description: 'With usage, instead of the token fields: the provider whose usage object this is.' },
            usage: { type: 'object', description: "With provider: the provider's usage object exactly as its API returned it." },
            cost: {
              type: 'number',
              minimum: 0,
              maximum: 9_000_000_000,
              description:
                "What the call cost as its source knows it, in the server's reporting currency (TOKENSCOPE_CURRENCY): kept whole and wins over the price table.",
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/usage': {
        post: {
          summary: 'Store usage events',
          requestBody: {
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/UsageEvent' } } },
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/UsageEvent' } },
            },
          },
          responses: {
            200: json(ingestAnswer()),
            ...errors(400, 401, 403, 413, 415, 429, 503),
          },
        },
      },
      '/v1/traces': otlpOperation(
        'OTLP/HTTP traces (ExportTraceServiceRequest): GenAI spans with usage become usage events, one per model call; other spans are ignored. Also on TOKENSCOPE_OTLP_PORT; OTLP/gRPC on TOKENSCOPE_OTLP_GRPC_PORT.',
        'rejectedSpans',
      ),
      '/v1/metrics': otlpOperation(
        'OTLP/HTTP metrics (ExportMetricsServiceRequest): gen_ai.client.token.usage histograms, counted only with TOKENSCOPE_OTLP_METRICS=on (otherwise accepted with a partial-success message).',
        'rejectedDataPoints',
      ),
      '/api/v1/litellm': {
        post: {
          summary:
            "LiteLLM's generic_api logging callback: StandardLoggingPayloads as a JSON array, NDJSON or one object (ingest token); failed calls are ignored",
          requestBody: { content: { 'application/json': { schema: { oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'object' }] } } } },
          responses: {
            200: json(ingestAnswer({ ignored: { type: 'integer', description: "Payloads of failed calls and of answers from LiteLLM's response cache." } })),
            ...errors(400, 401, 403, 413, 415, 503),
          },
        },
      },
      '/api/v1/query': {
        post: {
          summary: 'Totals, rankings (top N + other), trends (zero-filled buckets in a time zone), top movers against an earlier range, and the largest calls',
          requestBody: json({ $ref: '#/components/schemas/Query' }),
          responses: {
            200: {
              description: 'A totals, ranking, trend, movers or calls response (see README); `currency` names the reporting currency of the money metrics.',
            },
            ...errors(400, 401, 403, 422, 429, 503),
          },
        },
      },
      '/api/v1/reprice': {
        post: {
          summary: "Apply the server's price table to the usage stored in [from, to) (ingest token); costs the sources gave are kept",
          requestBody: json({
            type: 'object',
            required: ['from', 'to'],
            properties: { from: { oneOf: [{ type: 'integer' }, { type: 'string' }] }, to: { oneOf: [{ type: 'integer' }, { type: 'string' }] } },
          }),
          responses: {
            200: { description: 'What changed: events, cost before and after, per service and model (see README).' },
            ...errors(400, 401, 403, 429, 501, 503),
          },
        },
      },
      '/api/v1/dimensions/{dimension}/values': {
        get: {
          summary: 'Distinct values of a dimension in the range, for variables and filters',
          parameters: [param('dimension', 'The dimension.', { enum: DIMENSION_IDS }, 'path'), ...rangeParams],
          responses: {
            200: json({
              type: 'object',
              properties: { values: { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, label: { type: 'string' } } } } },
            }),
            ...errors(400, 401, 403, 422, 429, 503),
          },
        },
      },
      '/api/v1/export': {
        get: {
          summary: 'The detailed ranking data as CSV: one row per resource per bucket with every metric',
          parameters: [
            ...rangeParams,
            param('dimension', 'Resource dimension, default model.', { enum: DIMENSION_IDS }),
            param('limit', 'Top N resources; the rest is one "other" resource. Default 10.', { type: 'integer' }),
            param('granularity', 'Bucket size, default auto.', { enum: GRANULARITY_IDS }),
            param('timezone', 'IANA zone for buckets and the time column, default UTC.'),
            param('metrics', 'Metric ids (default all), comma-separated.', { type: 'array', items: { enum: METRIC_IDS } }),
          ],
          responses: {
            200: { description: 'CSV attachment.', content: { 'text/csv': { schema: { type: 'string' } } } },
            ...errors(400, 401, 403, 422, 429, 503),
          },
        },
      },
      '/api/v1/health': {
        get: {
          summary: 'Status, version, engine and event count (read token)',
          responses: { 200: { description: 'Healthy.' }, ...errors(401, 403, 429, 503) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus exposition: live token and request counters, ingest outcomes, request durations, process metrics (read or scrape token)',
          responses: { 200: { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(401, 403, 429) },
        },
      },
      '/healthz': { get: { summary: 'Liveness, without auth', security: [], responses: { 200: { description: 'Alive.' } } } },
    },
  };
}
