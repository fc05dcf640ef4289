/** The demo's made-up world as data: services with their daily rhythm, models with their token sizes, API keys. */

/** A model the demo traffic calls, with the shape of its usage. */
export interface DemoModel {
  id: string;
  type: string;
  /** Median input tokens and the spread (sigma of the log-normal). */
  input: [median: number, sigma: number];
  /** Median output tokens and the spread. */
  output: [median: number, sigma: number];
  /** Share of calls that read from the prompt cache (0 when the model has none). */
  cacheHitRate: number;
  /** Share of calls that write to the prompt cache (only some providers report writes). */
  cacheWriteRate: number;
  /** Average share of output tokens spent on reasoning (0 for models without a thinking mode). */
  reasoningShare: number;
  /** Time to first token, ms. */
  firstTokenMs: number;
  /** Output tokens per second once streaming. */
  tokensPerSecond: number;
}

export const DEMO_MODELS = [
  {
    id: 'deepseek-v4',
    type: 'text_generation',
    input: [2600, 0.9],
    output: [450, 0.8],
    cacheHitRate: 0.55,
    cacheWriteRate: 0,
    reasoningShare: 0.45,
    firstTokenMs: 700,
    tokensPerSecond: 60,
  },
  {
    id: 'glm-5',
    type: 'text_generation',
    input: [1800, 0.9],
    output: [380, 0.8],
    cacheHitRate: 0.4,
    cacheWriteRate: 0,
    reasoningShare: 0.3,
    firstTokenMs: 500,
    tokensPerSecond: 70,
  },
  {
    id: 'kimi-k2.5',
    type: 'text_generation',
    input: [3000, 1.0],
    output: [520, 0.8],
    cacheHitRate: 0.5,
    cacheWriteRate: 0,
    reasoningShare: 0.35,
    firstTokenMs: 800,
    tokensPerSecond: 50,
  },
  {
    id: 'minimax-m2.5',
    type: 'text_generation',
    input: [2200, 0.9],
    output: [420, 0.7],
    cacheHitRate: 0.35,
    cacheWriteRate: 0.3,
    reasoningShare: 0.25,
    firstTokenMs: 450,
    tokensPerSecond: 85,
  },
  {
    id: 'qwen3-max',
    type: 'text_generation',
    input: [2000, 0.9],
    output: [400, 0.8],
    cacheHitRate: 0.3,
    cacheWriteRate: 0.2,
    reasoningShare: 0.2,
    firstTokenMs: 900,
    tokensPerSecond: 45,
  },
  {
    id: 'gpt-oss-120b',
    type: 'text_generation',
    input: [1500, 0.8],
    output: [600, 0.7],
    cacheHitRate: 0,
    cacheWriteRate: 0,
    reasoningShare: 0.5,
    firstTokenMs: 300,
    tokensPerSecond: 120,
  },
  {
    id: 'qwen3-embedding-8b',
    type: 'embedding',
    input: [420, 0.7],
    output: [0, 0],
    cacheHitRate: 0,
    cacheWriteRate: 0,
    reasoningShare: 0,
    firstTokenMs: 60,
    tokensPerSecond: 1,
  },
  {
    id: 'qwen3-vl-plus',
    type: 'vision',
    input: [1700, 0.5],
    output: [260, 0.6],
    cacheHitRate: 0,
    cacheWriteRate: 0,
    reasoningShare: 0,
    firstTokenMs: 1100,
    tokensPerSecond: 55,
  },
  {
    id: 'qwen3-omni',
    type: 'multimodal_understanding',
    input: [2400, 0.6],
    output: [300, 0.6],
    cacheHitRate: 0.2,
    cacheWriteRate: 0,
    reasoningShare: 0,
    firstTokenMs: 1200,
    tokensPerSecond: 50,
  },
  {
    id: 'flux-1-schnell',
    type: 'image_generation',
    input: [90, 0.4],
    output: [4096, 0.1],
    cacheHitRate: 0,
    cacheWriteRate: 0,
    reasoningShare: 0,
    firstTokenMs: 2500,
    tokensPerSecond: 1500,
  },
  {
    id: 'whisper-large-v3',
    type: 'audio',
    input: [1500, 0.6],
    output: [220, 0.5],
    cacheHitRate: 0,
    cacheWriteRate: 0,
    reasoningShare: 0,
    firstTokenMs: 900,
    tokensPerSecond: 200,
  },
] as const satisfies readonly DemoModel[];

export type DemoModelId = (typeof DEMO_MODELS)[number]['id'];

/**
 * Relative traffic per UTC hour (24 values). Only the shape matters: each service's rate is normalised so
 * that its average over a week is its share of the total.
 */
const RHYTHMS = {
  /** Office hours, peak in the afternoon. */
  business: [0.2, 0.16, 0.14, 0.14, 0.16, 0.25, 0.45, 0.8, 1.2, 1.6, 1.8, 1.9, 1.75, 1.85, 2.0, 1.9, 1.7, 1.35, 1.0, 0.75, 0.55, 0.4, 0.3, 0.24],
  /** Consumers: busy from late morning, peak in the evening. */
  consumer: [0.55, 0.4, 0.3, 0.25, 0.22, 0.25, 0.35, 0.55, 0.8, 0.95, 1.05, 1.15, 1.2, 1.15, 1.15, 1.2, 1.3, 1.45, 1.6, 1.75, 1.8, 1.6, 1.2, 0.8],
  /** Nightly batch window, 01:00–05:00 UTC, and a trickle of ad-hoc jobs the rest of the day. */
  nightly: [0.3, 4.5, 5.5, 5.5, 4.8, 2.0, 0.2, 0.1, 0.1, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15],
  /** Around the clock with a mild daily swing (support). */
  steady: [0.7, 0.65, 0.6, 0.6, 0.62, 0.7, 0.8, 0.95, 1.1, 1.25, 1.3, 1.3, 1.3, 1.3, 1.3, 1.25, 1.2, 1.15, 1.1, 1.0, 0.95, 0.9, 0.85, 0.75],
} satisfies Record<string, number[]>;

export interface DemoService {
  id: string;
  /** Share of all events, over a week. */
  share: number;
  rhythm: keyof typeof RHYTHMS;
  /** Traffic on Saturday and Sunday relative to a weekday. */
  weekend: number;
  /** Chance that a given hour holds a burst (a few minutes at several times the usual rate). */
  burstChance: number;
  /** Input-size multiplier: long documents, diffs. */
  inputScale: number;
  models: readonly (readonly [DemoModelId, number])[];
  keys: readonly (readonly [string, number])[];
}

/** Secret-looking keys: the backend stores a one-way id and shows them masked (`sk-…1c7e`). */
export const DEMO_SECRET_KEYS = [
  'sk-demo-4f9a2c7e1b3d8a6f0e5c1c7e',
  'sk-demo-8b2d6f1a9c4e7b3d5a0f92ab',
  'sk-demo-1e7c3a9f5b2d8e4c6a0b77d1',
  'sk-demo-6a0f4c8e2b7d1f9a3c5e0b4d',
] as const;
const [PARTNER_KEY, WIDGET_KEY, CI_KEY, STUDIO_KEY] = DEMO_SECRET_KEYS;

export const DEMO_SERVICES: readonly DemoService[] = [
  {
    id: 'chat-prod',
    share: 0.3,
    rhythm: 'consumer',
    weekend: 1.1,
    burstChance: 0.03,
    inputScale: 1,
    models: [
      ['deepseek-v4', 0.32],
      ['glm-5', 0.24],
      ['kimi-k2.5', 0.2],
      ['qwen3-max', 0.14],
      ['minimax-m2.5', 0.1],
    ],
    keys: [
      ['chat-web', 0.42],
      ['chat-mobile', 0.3],
      ['team-chat', 0.14],
      [PARTNER_KEY, 0.1],
      ['staging', 0.04],
    ],
  },
  {
    id: 'search-assist',
    share: 0.18,
    rhythm: 'business',
    weekend: 0.45,
    burstChance: 0.02,
    inputScale: 0.8,
    models: [
      ['qwen3-embedding-8b', 0.38],
      ['glm-5', 0.27],
      ['minimax-m2.5', 0.25],
      ['deepseek-v4', 0.1],
    ],
    keys: [
      ['team-search', 0.5],
      ['search-indexer', 0.3],
      ['search-eval', 0.14],
      ['qa-eval', 0.06],
    ],
  },
  {
    id: 'batch-summarize',
    share: 0.12,
    rhythm: 'nightly',
    weekend: 0.9,
    burstChance: 0.04,
    inputScale: 4,
    models: [
      ['deepseek-v4', 0.4],
      ['gpt-oss-120b', 0.35],
      ['minimax-m2.5', 0.25],
    ],
    keys: [
      ['batch-nightly', 0.7],
      ['batch-adhoc', 0.18],
      ['data-science', 0.12],
    ],
  },
  {
    id: 'support-bot',
    share: 0.14,
    rhythm: 'steady',
    weekend: 0.8,
    burstChance: 0.02,
    inputScale: 1.2,
    models: [
      ['kimi-k2.5', 0.42],
      ['glm-5', 0.3],
      ['qwen3-vl-plus', 0.16],
      ['gpt-oss-120b', 0.12],
    ],
    keys: [
      ['support-widget', 0.46],
      ['support-email', 0.3],
      [WIDGET_KEY, 0.18],
      ['staging', 0.06],
    ],
  },
  {
    id: 'code-review',
    share: 0.12,
    rhythm: 'business',
    weekend: 0.12,
    burstChance: 0.05,
    inputScale: 3,
    models: [
      ['deepseek-v4', 0.34],
      ['kimi-k2.5', 0.26],
      ['qwen3-max', 0.2],
      ['gpt-oss-120b', 0.2],
    ],
    keys: [
      ['code-review-ci', 0.56],
      ['code-review-ide', 0.3],
      [CI_KEY, 0.1],
      ['qa-eval', 0.04],
    ],
  },
  {
    id: 'content-studio',
    share: 0.06,
    rhythm: 'business',
    weekend: 0.3,
    burstChance: 0.03,
    inputScale: 1,
    models: [
      ['flux-1-schnell', 0.4],
      ['qwen3-omni', 0.3],
      ['qwen3-vl-plus', 0.3],
    ],
    keys: [
      ['studio-web', 0.62],
      ['marketing', 0.26],
      [STUDIO_KEY, 0.12],
    ],
  },
  {
    id: 'voice-agent',
    share: 0.08,
    rhythm: 'steady',
    weekend: 0.7,
    burstChance: 0.02,
    inputScale: 1,
    models: [
      ['whisper-large-v3', 0.45],
      ['glm-5', 0.3],
      ['qwen3-omni', 0.25],
    ],
    keys: [
      ['voice-ivr', 0.6],
      ['voice-callback', 0.3],
      ['partner-acme', 0.1],
    ],
  },
];

/** Traffic of a service in a given UTC hour of the week (0 = Monday 00:00), before normalisation. */
export function rhythmAt(service: DemoService, hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  return RHYTHMS[service.rhythm][hourOfWeek % 24] * (day >= 5 ? service.weekend : 1);
}
