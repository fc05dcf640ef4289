// @vitest-environment jsdom
import { FieldType, getFieldDisplayName } from '@grafana/data';
import { describe, expect, test } from 'vitest';
import type { RankingResponse, TotalsResponse, TrendResponse } from '../shared';
import { toFrames } from './frames';

const names = (frame: ReturnType<typeof toFrames>[number]) => frame.fields.map((f) => getFieldDisplayName(f, frame));

describe('frames', () => {
  test('totals: one frame, one field per metric in the asked order, named and with units from the catalogue', () => {
    const response: TotalsResponse = { type: 'totals', from: 0, to: 1, totals: { input_tokens: 7, total_tokens: 10, input_tokens_per_minute: 0.5, concurrency: null } };
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
    expect(frame.fields.slice(1).map((f) => f.labels)).toEqual([{ model: 'glm-5' }, { model: 'other' }]);
    expect(names(frame)).toEqual(['Time', 'glm-5', 'other']);
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
    expect(names(frame).slice(1)).toEqual(['a · Input Tokens', 'a · Output Tokens per Minute']);
    expect(frame.fields[2].config.unit).toBe('suffix: tokens/min');

    const plain: TrendResponse = { ...split, series: [{ metric: 'requests', key: null, labels: {}, values: [3], min: 3, max: 3, avg: 3 }] };
    expect(names(toFrames(plain, 'E', ['requests'])[0])).toEqual(['Time', 'Requests']);
  });
});
