import { describe, expect, test } from 'vitest';
import { looksSecret } from '../api-keys';
import { toStoredEvent } from '../ingest/event-schema';
import { demoEventBatches, demoEvents, type DemoEvent } from './demo-traffic';

const DAY = 86_400_000;
// A Monday 00:00 UTC, so a week starting here has five weekdays then a weekend.
const MONDAY = Date.UTC(2026, 2, 2);
const week = [...demoEvents({ from: MONDAY, to: MONDAY + 7 * DAY })];

const distinct = (events: DemoEvent[], field: keyof DemoEvent) => new Set(events.map((e) => e[field]));

describe('demo traffic', () => {
  test('has the services, models, keys and model types a demo needs', () => {
    expect(distinct(week, 'service').size).toBeGreaterThanOrEqual(5);
    const models = distinct(week, 'model');
    for (const m of ['deepseek-v4', 'glm-5', 'kimi-k2.5', 'minimax-m2.5']) expect(models).toContain(m);
    expect(models.size).toBeGreaterThanOrEqual(6);
    const keys = [...distinct(week, 'api_key')] as string[];
    expect(keys.length).toBeGreaterThanOrEqual(20);
    expect(keys).toContain('team-search');
    expect(keys.filter((k) => looksSecret(k)).length).toBeGreaterThanOrEqual(2);
    const types = distinct(week, 'model_type');
    expect(types).toContain('text_generation');
    expect([...types].filter((t) => t !== 'text_generation').length).toBeGreaterThanOrEqual(3);
  });

  test('every event is valid for the ingest schema, with cached tokens within the input and a duration', () => {
    const problems = week.flatMap((e) => {
      const stored = toStoredEvent(e);
      if ('error' in stored) return [`${e.id}: ${stored.error}`];
      if (e.cache_read_tokens + e.cache_write_tokens > e.input_tokens) return [`${e.id}: cached tokens exceed input`];
      return e.duration_ms > 0 ? [] : [`${e.id}: no duration`];
    });
    expect(problems).toEqual([]);
    expect(week.filter((e) => e.cache_read_tokens > 0).length).toBeGreaterThan(week.length / 10);
    expect(week.filter((e) => e.cache_write_tokens > 0).length).toBeGreaterThan(week.length / 100);
  });

  test('averages the requested rate over a week', () => {
    expect(week.length / (7 * 1440)).toBeGreaterThan(9);
    expect(week.length / (7 * 1440)).toBeLessThan(11.5);
    const heavy = [...demoEvents({ from: MONDAY, to: MONDAY + DAY, eventsPerMinute: 100 })];
    const light = week.filter((e) => e.timestamp < MONDAY + DAY);
    expect(heavy.length / light.length).toBeGreaterThan(8);
  });

  test('is in time order, inside the range, with unique ids', () => {
    const from = MONDAY + 12_345;
    const to = MONDAY + DAY - 6789;
    const events = [...demoEvents({ from, to })];
    for (let i = 1; i < events.length; i++) expect(events[i].timestamp).toBeGreaterThanOrEqual(events[i - 1].timestamp);
    expect(events[0].timestamp).toBeGreaterThanOrEqual(from);
    expect(events[events.length - 1].timestamp).toBeLessThan(to);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('gives the same events with the same ids however the range is cut, and other events for another seed', () => {
    const whole = [...demoEvents({ from: MONDAY, to: MONDAY + DAY })];
    const cut = MONDAY + 7 * 3_600_000 + 29_999;
    const pieces = [...demoEvents({ from: MONDAY, to: cut }), ...demoEvents({ from: cut, to: MONDAY + DAY })];
    expect(pieces).toEqual(whole);
    expect([...demoEvents({ from: MONDAY, to: MONDAY + DAY })]).toEqual(whole);
    const batches = [...demoEventBatches({ from: MONDAY, to: MONDAY + DAY }, 1000)];
    expect(batches.slice(0, -1).every((b) => b.length === 1000)).toBe(true);
    expect(batches.flat()).toEqual(whole);
    const other = [...demoEvents({ from: MONDAY, to: MONDAY + DAY, seed: 2 })];
    expect(other.map((e) => e.id)).not.toEqual(whole.map((e) => e.id));
    expect(other.length).not.toBe(whole.length);
  });

  test('follows a daily cycle and quiet weekends', () => {
    const perHour = new Array<number>(24).fill(0);
    const weekdays = week.filter((e) => e.timestamp < MONDAY + 5 * DAY);
    for (const e of weekdays) perHour[new Date(e.timestamp).getUTCHours()]++;
    expect(Math.max(...perHour)).toBeGreaterThan(2 * Math.min(...perHour));
    // Office-hours services: the afternoon is several times busier than the small hours.
    const search = weekdays.filter((e) => e.service === 'search-assist');
    const at = (hour: number) => search.filter((e) => new Date(e.timestamp).getUTCHours() === hour).length;
    expect(at(14)).toBeGreaterThan(4 * at(3));
    const codeReview = (from: number) => week.filter((e) => e.service === 'code-review' && e.timestamp >= from && e.timestamp < from + DAY).length;
    expect(codeReview(MONDAY + 2 * DAY)).toBeGreaterThan(4 * codeReview(MONDAY + 6 * DAY));
  });

  test('has bursts: minutes far busier than the rest of their hour', () => {
    const events = [...demoEvents({ from: MONDAY, to: MONDAY + 3 * DAY, eventsPerMinute: 200 })];
    const perMinute = new Map<string, number>();
    for (const e of events) {
      const k = `${e.service}|${Math.floor(e.timestamp / 60_000)}`;
      perMinute.set(k, (perMinute.get(k) ?? 0) + 1);
    }
    let bursts = 0;
    for (const service of distinct(events, 'service')) {
      for (let hour = 0; hour < 72; hour++) {
        const firstMinute = Math.floor(MONDAY / 60_000) + hour * 60;
        const counts = Array.from({ length: 60 }, (_, m) => perMinute.get(`${service}|${firstMinute + m}`) ?? 0).sort((a, b) => a - b);
        const median = counts[30];
        if (median >= 5 && counts[59] > 2.5 * median) bursts++;
      }
    }
    expect(bursts).toBeGreaterThanOrEqual(3);
  });
});
