// @vitest-environment jsdom
import { FieldType, getFieldDisplayName } from '@grafana/data';
import { describe, expect, test } from 'vitest';
import type { CallsResponse, MoversResponse, RankingResponse, TotalsResponse, TrendResponse } from '../shared';
import { toFrames } from './frames';

const names = (frame: ReturnType<typeof toFrames>[number]) => frame.fields.map((f) => getFieldDisplayName(f, frame));

describe('frames', () => {
  test('totals: one frame, one field per metric in the asked order, named and with units from the catalogue', () => {
    const response: TotalsResponse = {
      type: 'totals',
      from: 0,
      to: 1,
      totals: { input_tokens: 7, total_tokens: 10, input_tokens_per_minute: 0.5, concurrency: null },
    };
    const [frame] = toFrames(response, 'A', ['total_tokens', 'input_tokens', 'input_tokens_per_minute', 'concurrency']);
    expect(frame.refId).toBe('A');
    expect(frame.length).toBe(1);
    expect(names(frame)).toEqual(['Total Tokens', 'Input Tokens', 'Input Tokens per Minute', 'Concurrency']);
    expect(frame.fields.map((f) => f.values[0])).toEqual([10, 7, 0.5, null]);
    expect(frame.fields.map((f) => f.config.unit)).toEqual(['short', 'short', 'suffix: tokens/min', 'short']);
  });

  test('an answer made coarser by retention carries a notice the panel shows; an exact one none', () => {
    const exact: TotalsResponse = { type: 'totals', from: 0, to: 1, totals: { input_tokens: 7 } };
    expect(toFrames(exact, 'A', ['input_tokens'])[0].meta?.notices).toBeUndefined();
    const coarse: TotalsResponse = { ...exact, coarse: { exactFrom: Date.UTC(2026, 5, 1), slotMs: 3_600_000, keptFrom: Date.UTC(2025, 5, 1) } };
    expect(toFrames(coarse, 'A', ['input_tokens'])[0].meta?.notices).toEqual([
      {
        severity: 'info',
        text: 'Before 2026-06-01T00:00:00.000Z only rollups are kept: range edges there were moved to the start of their 1-hour slot. No data is kept before 2025-06-01T00:00:00.000Z.',
      },
    ]);
  });

  test("money metrics take Grafana's unit for the server's reporting currency; token metrics keep theirs", () => {
    const totals = (currency?: string): TotalsResponse => ({
      type: 'totals',
      from: 0,
      to: 1,
      totals: { cost: 1.25, unpriced_tokens: 3 },
      ...(currency ? { currency } : {}),
    });
    const units = (currency?: string) => toFrames(totals(currency), 'A', ['cost', 'unpriced_tokens'])[0].fields.map((f) => f.config.unit);
    expect(units('EUR')).toEqual(['currencyEUR', 'short']);
    expect(units('CNY')).toEqual(['prefix:CNY ', 'short']);
    // An older server that names no currency: the catalogue's USD.
    expect(units()).toEqual(['currencyUSD', 'short']);
    const trend: TrendResponse = {
      type: 'trend',
      currency: 'GBP',
      from: 0,
      to: 2,
      granularity: '1m',
      timezone: 'UTC',
      buckets: [0, 60_000],
      series: [{ metric: 'output_cost', key: null, labels: {}, values: [0.5, 0.25], min: 0.25, max: 0.5, avg: 0.375 }],
    };
    expect(toFrames(trend, 'A', ['output_cost'])[0].fields[1].config).toMatchObject({ unit: 'currencyGBP', displayNameFromDS: 'Output Cost' });
  });

  test('ranking: a table frame in the backend order with "other" last, share as a fraction', () => {
    const response: RankingResponse = {
      type: 'ranking',
      from: 0,
      to: 1,
      dimension: 'api_key',
      rows: [
        { key: 'k-1', label: 'sk-…abcd', metrics: { total_tokens: 90 }, share: 0.6 },
        { key: 'k-2', label: 'team-b', metrics: { total_tokens: 40 }, share: 0.2667 },
      ],
      other: { count: 3, metrics: { total_tokens: 20 }, share: 0.1333 },
      totals: { total_tokens: 150 },
    };
    const [frame] = toFrames(response, 'B', ['total_tokens']);
    expect(frame.meta?.preferredVisualisationType).toBe('table');
    expect(names(frame)).toEqual(['API Key', 'Total Tokens', 'Share']);
    expect(frame.fields[0].values).toEqual(['sk-…abcd', 'team-b', 'other']);
    expect(frame.fields[1].values).toEqual([90, 40, 20]);
    expect(frame.fields[2].config.unit).toBe('percentunit');
  });

  test('trend split by a dimension: one wide frame, labels per series, the value as display name', () => {
    const response: TrendResponse = {
      type: 'trend',
      from: 0,
      to: 7_200_000,
      granularity: '1h',
      timezone: 'UTC',
      buckets: [0, 3_600_000],
      series: [
        { metric: 'total_tokens', key: 'glm-5', labels: { model: 'glm-5' }, values: [5, 6], min: 5, max: 6, avg: 5.5 },
        { metric: 'total_tokens', key: 'other', labels: { model: 'other' }, isOther: true, values: [1, 0], min: 0, max: 1, avg: 0.5 },
      ],
    };
    const frames = toFrames(response, 'C', ['total_tokens']);
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame.fields[0].type).toBe(FieldType.time);
    expect(frame.fields[0].values).toEqual([0, 3_600_000]);
    expect(frame.fields[0].config.interval).toBe(3_600_000);
    expect(frame.fields.slice(1, -1).map((f) => f.labels)).toEqual([{ model: 'glm-5' }, { model: 'other' }]);
    expect(names(frame)).toEqual(['Time', 'glm-5', 'other', 'Bucket end']);
    // Each bucket's end, the last one at the range's end: what the "largest calls in this bucket" link carries.
    expect(frame.fields.at(-1)!.values).toEqual([3_600_000, 7_200_000]);
  });

  test('trend with several metrics names each series by value and metric; without a split by metric', () => {
    const split: TrendResponse = {
      type: 'trend',
      from: 0,
      to: 60_000,
      granularity: '1m',
      timezone: 'UTC',
      buckets: [0],
      series: [
        { metric: 'input_tokens', key: 'a', labels: { service: 'a' }, values: [1], min: 1, max: 1, avg: 1 },
        { metric: 'output_tokens_per_minute', key: 'a', labels: { service: 'a' }, values: [2], min: 2, max: 2, avg: 2 },
      ],
    };
    const [frame] = toFrames(split, 'D', ['input_tokens', 'output_tokens_per_minute']);
    expect(names(frame).slice(1, -1)).toEqual(['a · Input Tokens', 'a · Output Tokens per Minute']);
    expect(frame.fields[2].config.unit).toBe('suffix: tokens/min');

    const plain: TrendResponse = { ...split, series: [{ metric: 'requests', key: null, labels: {}, values: [3], min: 3, max: 3, avg: 3 }] };
    expect(names(toFrames(plain, 'E', ['requests'])[0])).toEqual(['Time', 'Requests', 'Bucket end']);
  });

  test('movers: a table of resource, now, before, change and change %, in the backend order with "other" last', () => {
    const response: MoversResponse = {
      type: 'movers',
      from: 0,
      to: 10,
      previousFrom: -10,
      previousTo: 0,
      dimension: 'model',
      metric: 'total_tokens',
      rows: [
        { key: 'b', label: 'b', current: 200, previous: 1000, change: -800, changeRatio: -0.8, status: 'ongoing' },
        { key: 'c', label: 'c', current: 300, previous: 0, change: 300, changeRatio: null, status: 'new' },
      ],
      other: { count: 2, current: 50, previous: 10, change: 40, changeRatio: 4 },
      totals: { current: 550, previous: 1010, change: -460, changeRatio: -460 / 1010 },
    };
    const [frame] = toFrames(response, 'M', ['total_tokens']);
    expect(frame.meta?.preferredVisualisationType).toBe('table');
    expect(names(frame)).toEqual(['Model', 'Now', 'Before', 'Change', 'Change %', 'Status']);
    expect(frame.fields.map((f) => f.values)).toEqual([
      ['b', 'c', 'other'],
      [200, 300, 50],
      [1000, 0, 10],
      [-800, 300, 40],
      [-0.8, null, 4],
      ['ongoing', 'new', ''],
    ]);
    expect(frame.fields.map((f) => f.config.unit)).toEqual([undefined, 'short', 'short', 'short', 'percentunit', undefined]);
  });

  test('calls: one row per call with masked key, tokens, duration and ids; a notice when the range reaches before the raw events', () => {
    const response: CallsResponse = {
      type: 'calls',
      from: 0,
      to: 10,
      orderBy: 'total_tokens',
      calls: [
        {
          time: 5,
          service: 's',
          model: 'm',
          modelType: 'text_generation',
          apiKey: 'key:3f9c',
          apiKeyLabel: 'sk-…a1b2',
          inputTokens: 7,
          outputTokens: 3,
          totalTokens: 10,
          cacheReadTokens: 2,
          cacheWriteTokens: 1,
          reasoningTokens: 1,
          durationMs: null,
          id: 'req-1',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
        },
      ],
      rawEventsFrom: 3,
      beforeRawEvents: true,
    };
    const [frame] = toFrames(response, 'K', []);
    expect(names(frame)).toEqual([
      'Time',
      'Service',
      'Model',
      'Model Type',
      'API Key',
      'API key id',
      'Total Tokens',
      'Input Tokens',
      'Output Tokens',
      'Cache Read Tokens',
      'Cache Write Tokens',
      'Reasoning Tokens',
      'Duration',
      'Event id',
      'Trace id',
      'Span id',
    ]);
    expect(frame.fields.map((f) => f.values[0])).toEqual([
      5,
      's',
      'm',
      'text_generation',
      'sk-…a1b2',
      'key:3f9c',
      10,
      7,
      3,
      2,
      1,
      1,
      null,
      'req-1',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      '00f067aa0ba902b7',
    ]);
    expect(frame.fields.find((f) => f.name === 'api_key_id')!.config.custom).toEqual({ hidden: true, hideFrom: { viz: true, legend: false, tooltip: false } });
    expect(frame.meta?.notices?.[0].text).toContain('1970-01-01T00:00:00.003Z');
    expect(toFrames({ ...response, beforeRawEvents: false }, 'K', [])[0].meta?.notices).toBeUndefined();
  });
});
