/**
 * LiteLLM's spend-log table, created as LiteLLM's Prisma schema defines it (model LiteLLM_SpendLogs in
 * https://github.com/BerriAI/litellm/blob/main/schema.prisma, with Prisma's PostgreSQL types as in LiteLLM's own
 * migrations: String → TEXT, Int → INTEGER, Float → DOUBLE PRECISION, DateTime → TIMESTAMP(3), Json → JSONB), and
 * rows generated inside PostgreSQL the way LiteLLM writes them, for the import test and benchmark.
 */
import type { PostgresTestServer } from './postgres-server';

export const LITELLM_SPEND_LOGS_DDL = `
CREATE TABLE "LiteLLM_SpendLogs" (
    "request_id" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    "request_duration_ms" INTEGER,
    "completionStartTime" TIMESTAMP(3),
    "model" TEXT NOT NULL DEFAULT '',
    "model_id" TEXT DEFAULT '',
    "model_group" TEXT DEFAULT '',
    "custom_llm_provider" TEXT DEFAULT '',
    "api_base" TEXT DEFAULT '',
    "user" TEXT DEFAULT '',
    "metadata" JSONB DEFAULT '{}',
    "cache_hit" TEXT DEFAULT '',
    "cache_key" TEXT DEFAULT '',
    "request_tags" JSONB DEFAULT '[]',
    "team_id" TEXT,
    "organization_id" TEXT,
    "end_user" TEXT,
    "requester_ip_address" TEXT,
    "messages" JSONB DEFAULT '{}',
    "response" JSONB DEFAULT '{}',
    "session_id" TEXT,
    "status" TEXT,
    "mcp_namespaced_tool_name" TEXT,
    "agent_id" TEXT,
    "proxy_server_request" JSONB DEFAULT '{}',
    CONSTRAINT "LiteLLM_SpendLogs_pkey" PRIMARY KEY ("request_id")
);
CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs"("startTime");
CREATE INDEX "LiteLLM_SpendLogs_startTime_request_id_idx" ON "LiteLLM_SpendLogs"("startTime", "request_id");
CREATE INDEX "LiteLLM_SpendLogs_end_user_idx" ON "LiteLLM_SpendLogs"("end_user");
CREATE INDEX "LiteLLM_SpendLogs_session_id_idx" ON "LiteLLM_SpendLogs"("session_id");
`;

/** The one generated row whose usage does not fit (cached tokens above the prompt): the import must name it. */
export const UNFIT_REQUEST_ID = 'req-00000007';

/**
 * Inserts `rows` spend logs, stamped evenly over [fromMs, toMs) but inserted in shuffled order (so reading in time
 * order is the import's doing): every third an OpenAI call with a cache hit, every third Claude with cache reads
 * and writes (LiteLLM's usage: prompt_tokens includes both), every third an older row with no usage object; every
 * sixth with its metadata stored as a JSON string (as LiteLLM's safe_dumps may leave it); every tenth an embedding;
 * every fiftieth a failed call; every 97th an answer from LiteLLM's own response cache; and UNFIT_REQUEST_ID.
 */
export async function seedSpendLogs(pg: PostgresTestServer, rows: number, fromMs: number, toMs: number): Promise<void> {
  await pg.sql(
    `INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens,
       "startTime", "endTime", request_duration_ms, model, model_id, model_group, custom_llm_provider, api_base, "user", metadata, team_id, status, cache_hit)
     SELECT 'req-' || lpad(i::text, 8, '0'),
       CASE WHEN i % 10 = 9 THEN 'aembedding' ELSE 'acompletion' END,
       encode(sha256(('sk-virtual-key-' || (i % 7))::bytea), 'hex'),
       0.001, p + c, p, c,
       to_timestamp(($2::float8 + (i - 1) * $3::float8) / 1000) AT TIME ZONE 'UTC',
       to_timestamp(($2::float8 + (i - 1) * $3::float8 + 1500) / 1000) AT TIME ZONE 'UTC',
       1500,
       CASE i % 3 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'anthropic.claude-opus-5' ELSE 'gpt-4o-mini' END,
       'model-' || (i % 3),
       CASE WHEN i % 10 = 9 THEN 'embed' WHEN i % 3 = 1 THEN 'claude' ELSE 'gpt' END,
       CASE i % 3 WHEN 1 THEN 'bedrock' ELSE 'openai' END,
       'https://api.example.invalid', '',
       (SELECT CASE WHEN i % 6 = 0 THEN to_jsonb(m::text) ELSE m END FROM (SELECT
       jsonb_build_object('user_api_key_alias', 'key-' || (i % 7), 'user_api_key_team_id', 'team-' || (i % 3))
         || CASE
              WHEN i = 7 THEN jsonb_build_object('usage_object', jsonb_build_object('prompt_tokens', p, 'completion_tokens', c, 'total_tokens', p + c,
                   'prompt_tokens_details', jsonb_build_object('cached_tokens', p + 1)))
              WHEN i % 3 = 0 THEN jsonb_build_object('usage_object', jsonb_build_object('prompt_tokens', p, 'completion_tokens', c, 'total_tokens', p + c,
                   'prompt_tokens_details', jsonb_build_object('cached_tokens', p / 2), 'completion_tokens_details', jsonb_build_object('reasoning_tokens', c / 3)))
              WHEN i % 3 = 1 THEN jsonb_build_object('usage_object', jsonb_build_object('prompt_tokens', p, 'completion_tokens', c, 'total_tokens', p + c,
                   'prompt_tokens_details', jsonb_build_object('cached_tokens', p / 4, 'cache_creation_tokens', p / 8),
                   'cache_read_input_tokens', p / 4, 'cache_creation_input_tokens', p / 8))
              ELSE '{}'::jsonb
            END AS m) AS metadata_of_row),
       'team-' || (i % 3),
       CASE WHEN i % 50 = 0 THEN 'failure' ELSE 'success' END,
       CASE WHEN i % 97 = 0 THEN 'True' ELSE 'False' END
     FROM (SELECT i, CASE WHEN i % 50 = 0 THEN 0 ELSE 100 + i % 900 END AS p, CASE WHEN i % 50 = 0 OR i % 10 = 9 THEN 0 ELSE 20 + i % 300 END AS c
           FROM generate_series(1, $1::int) AS i ORDER BY md5(i::text)) AS generated`,
    [rows, fromMs, (toMs - fromMs) / rows],
  );
}

export interface ExpectedTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  requests: number;
}

/** What the import must store, computed by PostgreSQL from the table: successful model calls but the unfit one. */
export async function expectedTotals(pg: PostgresTestServer): Promise<ExpectedTotals> {
  const [row] = await pg.sql<Record<keyof ExpectedTotals, string>>(
    `SELECT sum(prompt_tokens) AS input_tokens, sum(completion_tokens) AS output_tokens,
       sum(coalesce((metadata->'usage_object'->'prompt_tokens_details'->>'cached_tokens')::bigint, 0)) AS cache_read_tokens,
       sum(coalesce((metadata->'usage_object'->'prompt_tokens_details'->>'cache_creation_tokens')::bigint, 0)) AS cache_write_tokens,
       sum(coalesce((metadata->'usage_object'->'completion_tokens_details'->>'reasoning_tokens')::bigint, 0)) AS reasoning_tokens,
       count(*) AS requests
     FROM (SELECT prompt_tokens, completion_tokens, CASE WHEN jsonb_typeof(metadata) = 'string' THEN (metadata #>> '{}')::jsonb ELSE metadata END AS metadata
           FROM "LiteLLM_SpendLogs" WHERE status = 'success' AND cache_hit <> 'True' AND request_id <> $1) AS used`,
    [UNFIT_REQUEST_ID],
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as ExpectedTotals;
}

/** Rows the import must ignore: failed calls and answers from LiteLLM's response cache. */
export async function expectedIgnored(pg: PostgresTestServer): Promise<number> {
  const [row] = await pg.sql<{ n: string }>(`SELECT count(*) AS n FROM "LiteLLM_SpendLogs" WHERE status = 'failure' OR cache_hit = 'True'`);
  return Number(row.n);
}
