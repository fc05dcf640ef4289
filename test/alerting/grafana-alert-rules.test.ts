/** The Grafana-managed alert rules: well-formed provisioning, provisioned data sources, and the Prometheus rules' logic. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8'));

interface PromRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface GrafanaQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, any>;
}
interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  data: GrafanaQuery[];
  dashboardUid: string;
  panelId: number;
  noDataState: string;
  execErrState: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const promRules: PromRule[] = read('prometheus/rules/tokenscope.yml').groups.flatMap((g: { rules: PromRule[] }) => g.rules);
const alerting = read('provisioning/alerting/tokenscope-alerts.yaml');
const grafanaRules: GrafanaRule[] = alerting.groups.flatMap((g: { rules: GrafanaRule[] }) => g.rules);
const datasources: { uid: string; type: string; url: string }[] = readdirSync(join(ROOT, 'provisioning/datasources'))
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((f) => read(`provisioning/datasources/${f}`).datasources ?? []);
const trend = JSON.parse(readFileSync(join(ROOT, 'dashboards/usage-trend.json'), 'utf8'));

const oneLine = (expr: string) => expr.replace(/\s+/g, ' ').trim();
// Prometheus templates say $labels.x; Grafana's say .Labels.x (the data Grafana binds $labels to).
const labelRefs = (text: string) => [...new Set([...text.matchAll(/(?:\$labels|\.Labels)\.(\w+)/g)].map((m) => m[1]))].sort();
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

describe('Grafana-managed alert rules', () => {
  test('the file has the provisioning shape: apiVersion 1, a group with org, folder and interval', () => {
    expect(alerting.apiVersion).toBe(1);
    for (const group of alerting.groups) {
      expect(group).toMatchObject({ orgId: 1, name: expect.any(String), folder: expect.any(String) });
      expect(group.interval).toMatch(DURATION);
      expect(group.rules.length).toBeGreaterThan(0);
    }
  });

  test('the Prometheus data source is provisioned with a fixed uid', () => {
    expect(datasources.find((d) => d.uid === 'tokenscope-prometheus')).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
  });

  test('one Grafana rule per Prometheus alert, with unique uids Grafana accepts', () => {
    expect(grafanaRules.map((r) => r.title).sort()).toEqual(promRules.map((r) => r.alert).sort());
    const uids = grafanaRules.map((r) => r.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  describe.each(promRules.map((p) => [p.alert, p] as const))('%s', (_name, prom) => {
    const rule = grafanaRules.find((r) => r.title === prom.alert)!;
    const byRef = (refId: string) => rule.data.find((d) => d.refId === refId);

    test('queries provisioned data sources only, and its query is the Prometheus rule expression, instant', () => {
      const provisioned = new Set(datasources.map((d) => d.uid));
      for (const q of rule.data) {
        expect(q.model.refId).toBe(q.refId);
        if (q.datasourceUid === '__expr__') expect(q.model.datasource).toEqual({ type: '__expr__', uid: '__expr__' });
        else {
          expect(provisioned).toContain(q.datasourceUid);
          expect(q.model.datasource).toEqual({ type: 'prometheus', uid: q.datasourceUid });
        }
      }
      const queries = rule.data.filter((q) => q.datasourceUid !== '__expr__');
      expect(queries).toHaveLength(1);
      expect(oneLine(queries[0].model.expr)).toBe(oneLine(prom.expr));
      expect(queries[0].model).toMatchObject({ instant: true, range: false });
      expect(queries[0].relativeTimeRange).toEqual({ from: expect.any(Number), to: 0 });
    });

    test('fires while the last value of a returned series is above 0 (the PromQL already filters)', () => {
      expect(rule.condition).toBe('C');
      const reduce = byRef('B')!.model;
      const threshold = byRef('C')!.model;
      expect(reduce).toMatchObject({ type: 'reduce', expression: 'A', reducer: 'last' });
      expect(threshold).toMatchObject({ type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [0] } }] });
      expect(byRef(reduce.expression)).toBeDefined();
      // No series is the Prometheus rule not firing, not a fault.
      expect([rule.noDataState, rule.execErrState]).toEqual(['OK', 'Error']);
    });

    test('same `for` and labels; annotations name the same labels and say how much', () => {
      expect(rule.for).toBe(prom.for);
      expect(rule.labels).toEqual(prom.labels);
      for (const key of ['summary', 'description']) {
        expect(labelRefs(rule.annotations[key])).toEqual(labelRefs(prom.annotations[key]));
        expect(prom.annotations[key].includes('$value')).toBe(rule.annotations[key].includes('.Values.B.Value'));
        expect(rule.annotations[key]).not.toContain('$');
      }
      expect(rule.annotations.description).toContain('.Values.B.Value');
    });

    test('links to the Usage Trend panel that the Prometheus rule links to', () => {
      expect(rule.dashboardUid).toBe('tokenscope-usage-trend');
      expect(trend.uid).toBe(rule.dashboardUid);
      const panel = trend.panels.find((p: { id: number }) => p.id === rule.panelId);
      const titles: Record<string, RegExp> = { TokenscopeIngestionStopped: /^Requests$/, TokenscopeSpendOverBudget: /^Cost$/ };
      expect(panel?.title).toMatch(titles[prom.alert] ?? /Tokens per Minute/);
      const link = new URL(prom.annotations.dashboard, 'http://grafana.invalid');
      expect(link.pathname).toBe(`/d/${rule.dashboardUid}`);
      expect(link.searchParams.get('viewPanel')).toBe(String(rule.panelId));
    });
  });
});
