/**
 * Which span attributes carry a model call's usage, as data: every spelling that GenAI instrumentations emit,
 * with the document each comes from. For each field the first row present on a span wins, so the current
 * OpenTelemetry names come before older and other spellings. The README repeats this table.
 */

/** The usage fields a span can give. */
export type UsageField = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning';

/**
 * Whether an input count includes the cached tokens: `yes` by the convention's definition, or `by_provider`
 * when instrumentations copy the provider's own number, which for some providers leaves cache out (see
 * PROVIDERS_INPUT_WITHOUT_CACHE).
 */
export type CacheInInput = 'yes' | 'by_provider';

export interface UsageAttribute {
  name: string;
  field: UsageField;
  /** For input rows: whether the count includes cache reads and writes. */
  cacheInInput?: CacheInInput;
  /** Where the name is defined or emitted. */
  source: string;
}

const SEMCONV = 'OpenTelemetry GenAI semantic conventions (gen-ai-spans, registry gen_ai.usage.*)';
const SEMCONV_OLD = 'OpenTelemetry GenAI semantic conventions before 1.27 (deprecated, still emitted by OpenLLMetry and others)';
const TRACELOOP = 'OpenLLMetry / Traceloop @traceloop/ai-semantic-conventions SpanAttributes';
const OPENINFERENCE = 'OpenInference semantic conventions (spec/semantic_conventions.md, llm.token_count.*)';
const VERCEL = 'Vercel AI SDK telemetry (ai-sdk.dev/docs/ai-sdk-core/telemetry, ai.usage.*)';
const ANTHROPIC_SDK = 'Anthropic TypeScript SDK tracing (@anthropic-ai/sdk 1.x, src/internal/tracing.ts)';
const SENTRY = 'Sentry AI agents span conventions (develop-docs ai-agents, gen_ai.usage.*.cached / .reasoning)';

export const USAGE_ATTRIBUTES: readonly UsageAttribute[] = [
  { name: 'gen_ai.usage.input_tokens', field: 'input', cacheInInput: 'by_provider', source: SEMCONV },
  { name: 'gen_ai.usage.prompt_tokens', field: 'input', cacheInInput: 'by_provider', source: SEMCONV_OLD },
  { name: 'llm.token_count.prompt', field: 'input', cacheInInput: 'yes', source: OPENINFERENCE },
  { name: 'ai.usage.inputTokens', field: 'input', cacheInInput: 'by_provider', source: VERCEL },
  { name: 'ai.usage.promptTokens', field: 'input', cacheInInput: 'by_provider', source: `${VERCEL} (AI SDK 4, and AI SDK 5 generateText)` },

  { name: 'gen_ai.usage.output_tokens', field: 'output', source: SEMCONV },
  { name: 'gen_ai.usage.completion_tokens', field: 'output', source: SEMCONV_OLD },
  { name: 'llm.token_count.completion', field: 'output', source: OPENINFERENCE },
  { name: 'ai.usage.outputTokens', field: 'output', source: VERCEL },
  { name: 'ai.usage.completionTokens', field: 'output', source: `${VERCEL} (AI SDK 4, and AI SDK 5 generateText)` },

  { name: 'gen_ai.usage.cache_read.input_tokens', field: 'cacheRead', source: SEMCONV },
  { name: 'gen_ai.usage.cache_read_input_tokens', field: 'cacheRead', source: TRACELOOP },
  { name: 'llm.token_count.prompt_details.cache_read', field: 'cacheRead', source: OPENINFERENCE },
  { name: 'ai.usage.cachedInputTokens', field: 'cacheRead', source: VERCEL },
  { name: 'gen_ai.usage.input_tokens.cached', field: 'cacheRead', source: SENTRY },

  { name: 'gen_ai.usage.cache_creation.input_tokens', field: 'cacheWrite', source: SEMCONV },
  { name: 'gen_ai.usage.cache_write.input_tokens', field: 'cacheWrite', source: ANTHROPIC_SDK },
  { name: 'gen_ai.usage.cache_creation_input_tokens', field: 'cacheWrite', source: TRACELOOP },
  { name: 'llm.token_count.prompt_details.cache_write', field: 'cacheWrite', source: OPENINFERENCE },
  { name: 'gen_ai.usage.input_tokens.cache_write', field: 'cacheWrite', source: SENTRY },

  { name: 'gen_ai.usage.reasoning.output_tokens', field: 'reasoning', source: SEMCONV },
  { name: 'gen_ai.usage.reasoning_tokens', field: 'reasoning', source: TRACELOOP },
  {
    name: 'gen_ai.usage.output_tokens_details.reasoning_tokens',
    field: 'reasoning',
    source: 'OpenAI usage object flattened (output_tokens_details.reasoning_tokens), as some wrappers emit it',
  },
  { name: 'llm.token_count.completion_details.reasoning', field: 'reasoning', source: OPENINFERENCE },
  { name: 'ai.usage.reasoningTokens', field: 'reasoning', source: VERCEL },
  { name: 'gen_ai.usage.output_tokens.reasoning', field: 'reasoning', source: SENTRY },
];

/** The model, response model first (what actually served the call), then the requested one. */
export const MODEL_ATTRIBUTES: readonly { name: string; source: string }[] = [
  { name: 'gen_ai.response.model', source: SEMCONV },
  { name: 'gen_ai.request.model', source: SEMCONV },
  { name: 'llm.model_name', source: OPENINFERENCE },
  { name: 'ai.response.model', source: VERCEL },
  { name: 'ai.model.id', source: VERCEL },
];

/** Who served the call, for the cache rule. */
export const PROVIDER_ATTRIBUTES: readonly { name: string; source: string }[] = [
  { name: 'gen_ai.provider.name', source: SEMCONV },
  { name: 'gen_ai.system', source: `${SEMCONV} (before gen_ai.provider.name)` },
  { name: 'llm.provider', source: OPENINFERENCE },
  { name: 'llm.system', source: OPENINFERENCE },
  { name: 'ai.model.provider', source: `${VERCEL} (e.g. anthropic.messages)` },
];

/** What kind of call, for model_type. */
export const OPERATION_ATTRIBUTES: readonly { name: string; source: string }[] = [
  { name: 'gen_ai.operation.name', source: SEMCONV },
  { name: 'openinference.span.kind', source: OPENINFERENCE },
];

/**
 * Providers whose API reports input tokens without the cached ones (Anthropic: `input_tokens` excludes
 * `cache_read_input_tokens` and `cache_creation_input_tokens`; Bedrock's Converse API likewise). A provider
 * value matches when it equals an entry or starts with the entry and a dot (`anthropic.messages`).
 */
export const PROVIDERS_INPUT_WITHOUT_CACHE: readonly string[] = ['anthropic', 'aws.bedrock'];

/**
 * Instrumentation scopes (by name prefix) that follow the convention, input including cache, even for those
 * providers: the Anthropic SDK's own tracing sums input_tokens, cache_read_input_tokens and
 * cache_creation_input_tokens into gen_ai.usage.input_tokens (src/lib/internal/tracing/response.ts).
 */
export const SCOPES_INPUT_WITH_CACHE: readonly string[] = ['com.anthropic.sdk.typescript'];

/** gen_ai.operation.name (or an OpenInference span kind) → model_type; anything else is text_generation. */
export const MODEL_TYPE_BY_OPERATION: Readonly<Record<string, string>> = {
  chat: 'text_generation',
  text_completion: 'text_generation',
  generate_content: 'text_generation',
  llm: 'text_generation',
  embeddings: 'embedding',
  embedding: 'embedding',
  create_image: 'image_generation',
  image_generation: 'image_generation',
  images: 'image_generation',
  audio: 'audio',
  speech: 'audio',
  transcription: 'audio',
  create_speech: 'audio',
  create_transcription: 'audio',
};

/** The attribute that names the API key, documented for OTEL_RESOURCE_ATTRIBUTES; always looked at first. */
export const TOKENSCOPE_API_KEY_ATTRIBUTE = 'tokenscope.api_key';
