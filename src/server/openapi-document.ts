/** The OpenAPI 3.1 document of the HTTP API; request schemas come from the shared zod schemas. */
import { z } from 'zod';
import { apiQuerySchema } from '../shared';

export function openapiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Tokenscope API', version: '1' },
    paths: {
      '/api/v1/query': {
        post: {
          summary: 'Totals, rankings and trends',
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(apiQuerySchema, { io: 'input', unrepresentable: 'any' }) } } },
        },
      },
    },
  };
}
