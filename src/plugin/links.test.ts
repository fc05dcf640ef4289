// @vitest-environment jsdom
import { applyFieldOverrides, createTheme, type DataFrame } from '@grafana/data';
import { describe, expect, test } from 'vitest';
import { dataLinkReplacer } from '../../test/support/data-link-vars';
import type { CallsResponse, TrendResponse } from '../shared';
import { toFrames } from './frames';
import type { LinkSettings } from './links';

const H = 3_600_000;
const RANGE = { from: 1_767_225_600_000, to: 1_767_225_600_000 + 6 * H };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The frame as a panel gets it: @grafana/data's applyFieldOverrides sets display processors and getLinks. */
function prepared(frame: DataFrame): DataFrame {
  const replaceVariables = dataLinkReplacer(RANGE);
  return applyFieldOverrides({ data: [frame], fieldConfig: { defaults: {}, overrides: [] }, replaceVariables, theme: createTheme(), timeZone: 'utc' })[0];
}

/** The links Grafana offers on one cell. */
function linksAt(frame: DataFrame, fieldName: string, rowIndex: number) {
  const field = prepared(frame).fields.find((f) => f.name === fieldName)!;
  return field.getLinks!({ valueRowIndex: rowIndex });
}

const call = (over: Partial<CallsResponse['calls'][number]>): CallsResponse['calls'][number] => ({
  time: RANGE.from + H,
  service: 'chat-prod',
  model: 'glm-5',
  modelType: 'text_generation',
  apiKey: 'team-a',
  apiKeyLabel: 'team-a',
  inputTokens: 100,
  outputTokens: 20,
  totalTokens: 120,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  durationMs: 950,
  id: 'req-1',
  traceId: null,
  spanId: null,
  ...over,
});

const calls: CallsResponse = {
  type: 'calls',
  from: RANGE.from,
  to: RANGE.to,
  orderBy: 'total_tokens',
  calls: [
    call({ traceId: TRACE, spanId: '00f067aa0ba902b7' }),
    call({ model: 'Ünï "q"/x&y', modelType: 'vision', apiKey: 'key:3f9c0a', apiKeyLabel: 'sk-…a1b2', id: null }),
  ],
  rawEventsFrom: RANGE.from - H,
  beforeRawEvents: false,
};

describe('data links', () => {
  test.each([
    ['tempo', { queryType: 'traceql', query: TRACE }, 'Open trace in Tempo'],
    ['jaeger', { query: TRACE }, 'Open trace in Jaeger'],
    ['zipkin', { queryType: 'traceID', query: TRACE }, 'Open trace in Zipkin'],
  ] as const)('a trace id opens the trace in %s through an internal link to Explore', (type, query, title) => {
    const settings: LinkSettings = { tracing: { uid: 'traces-uid', type } };
    const [frame] = toFrames(calls, 'A', [], { links: settings });
    const [link] = linksAt(frame, 'trace_id', 0);
    expect(link.title).toBe(title);
    const url = new URL(link.href, 'http://grafana.local');
    expect(url.pathname).toBe('/explore');
    const left = JSON.parse(url.searchParams.get('left')!);
    expect(left.datasource).toBe('traces-uid');
    expect(left.queries).toEqual([{ ...query, refId: 'trace', datasource: { uid: 'traces-uid' } }]);
  });

  test('without a tracing data source in the settings, trace ids have no link', () => {
    const [frame] = toFrames(calls, 'A', []);
    expect(linksAt(frame, 'trace_id', 0)).toEqual([]);
  });

  test('every cell of a call opens Usage Trend over the same range, narrowed to its model type, key id and model', () => {
    const [frame] = toFrames(calls, 'A', []);
    for (const field of ['time', 'model', 'total_tokens', 'api_key']) {
      const [link] = linksAt(frame, field, 1);
      expect(link.title).toBe('Usage Trend for this key and model');
      const url = new URL(link.href, 'http://grafana.local');
      expect(url.pathname).toBe('/d/tokenscope-usage-trend');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        from: String(RANGE.from),
        to: String(RANGE.to),
        'var-model_type': 'vision',
        // The stored key id, which the variable and the backend filter take; never the masked label.
        'var-api_key': 'key:3f9c0a',
        'var-model': 'Ünï "q"/x&y',
      });
    }
  });

  test("a trend point opens the largest calls of its bucket, with the series' value and the query's other filters", () => {
    const trend: TrendResponse = {
      type: 'trend',
      from: RANGE.from + 1000,
      to: RANGE.from + 2 * H + 5000,
      granularity: '1h',
      timezone: 'UTC',
      buckets: [RANGE.from, RANGE.from + H, RANGE.from + 2 * H],
      series: [
        { metric: 'total_tokens', key: 'key:3f9c0a', labels: { api_key: 'sk-…a1b2' }, values: [1, 2, 3], min: 1, max: 3, avg: 2 },
        { metric: 'total_tokens', key: 'other', labels: { api_key: 'other' }, isOther: true, values: [0, 1, 0], min: 0, max: 1, avg: 1 / 3 },
      ],
    };
    const filters = { model_type: ['text_generation'], api_key: ['key:3f9c0a', 'team-b'] };
    const frame = prepared(toFrames(trend, 'A', ['total_tokens'], { filters })[0]);
    const params = (field: number, row: number) => {
      const [link] = frame.fields[field].getLinks!({ valueRowIndex: row });
      expect(link.title).toBe('Largest calls in this bucket');
      const url = new URL(link.href, 'http://grafana.local');
      expect(url.pathname).toBe('/d/tokenscope-usage-trend');
      return [...url.searchParams];
    };
    // The key's series, second bucket: [start, next start), narrowed to the key's id.
    expect(params(1, 1)).toEqual([
      ['from', String(RANGE.from + H)],
      ['to', String(RANGE.from + 2 * H)],
      ['var-api_key', 'key:3f9c0a'],
      ['var-model_type', 'text_generation'],
    ]);
    // "other", last bucket: it ends at the range's end; the query's key filter stays as it was.
    expect(params(2, 2)).toEqual([
      ['from', String(RANGE.from + 2 * H)],
      ['to', String(RANGE.from + 2 * H + 5000)],
      ['var-api_key', 'key:3f9c0a'],
      ['var-api_key', 'team-b'],
      ['var-model_type', 'text_generation'],
    ]);
  });
});
