/**
 * A panel's data the way Grafana's dashboard gets it: the targets through the data source with the interval
 * Grafana computes from the range and the panel's width, the transformations with their variables interpolated
 * (as SceneDataTransformer does) through @grafana/data's transformDataFrame, the panel type's defaults merged
 * in (getPanelOptionsWithDefaults) and the field config applied (applyFieldOverrides). The CSV is what Inspect →
 * Data → Download CSV saves: toCSV of the frames after transformations.
 */
import {
  applyFieldOverrides,
  getPanelOptionsWithDefaults,
  rangeUtil,
  toCSV,
  transformDataFrame,
  type DataFrame,
  type DataQuery,
  type DataQueryRequest,
  type DataSourceApi,
  type DataTransformerConfig,
  type FieldConfigSource,
  type GrafanaTheme2,
  type TimeRange,
} from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { Panel } from '@grafana/schema';
import { from, lastValueFrom } from 'rxjs';
import { fieldConfigPlugin } from './panel-kinds';

export interface PanelData {
  /** After transformations and field config: what the view draws. */
  frames: DataFrame[];
  options: any;
  fieldConfig: FieldConfigSource;
  csv: string;
  /** Errors the data source answered with. */
  errors: string[];
}

export interface PanelContext {
  datasource: DataSourceApi;
  templateSrv: TemplateSrv;
  range: TimeRange;
  timeZone: string;
  theme: GrafanaTheme2;
  /** The panel's width in pixels: Grafana's max data points. */
  width: number;
}

export async function loadPanelData(panel: Panel, ctx: PanelContext): Promise<PanelData> {
  const maxDataPoints = panel.maxDataPoints ?? Math.round(ctx.width);
  const { interval, intervalMs } = rangeUtil.calculateInterval(ctx.range, maxDataPoints, panel.interval ?? undefined);
  const request = {
    requestId: `panel-${panel.id}`,
    panelId: panel.id,
    interval,
    intervalMs,
    maxDataPoints,
    range: ctx.range,
    rangeRaw: ctx.range.raw,
    scopedVars: { __interval: { text: interval, value: interval }, __interval_ms: { text: String(intervalMs), value: intervalMs } },
    targets: (panel.targets ?? []) as unknown as DataQuery[],
    timezone: ctx.timeZone,
    app: 'dashboard',
    startTime: Date.now(),
  } as DataQueryRequest;
  const response = await lastValueFrom(from(ctx.datasource.query(request)));
  const replace = (text: string) => ctx.templateSrv.replace(text, request.scopedVars);
  const configs = ((panel.transformations ?? []) as DataTransformerConfig[]).filter((t) => !t.disabled);
  const interpolated = JSON.parse(replace(JSON.stringify(configs))) as DataTransformerConfig[];
  const transformed = await lastValueFrom(transformDataFrame(interpolated, response.data as DataFrame[], { interpolate: replace }));
  const plugin = fieldConfigPlugin(panel.type);
  const { options, fieldConfig } = getPanelOptionsWithDefaults({
    plugin,
    currentOptions: (panel.options ?? {}) as Record<string, unknown>,
    currentFieldConfig: (panel.fieldConfig ?? { defaults: {}, overrides: [] }) as FieldConfigSource,
    isAfterPluginChange: false,
  });
  const frames = applyFieldOverrides({
    data: transformed,
    fieldConfig,
    fieldConfigRegistry: plugin.fieldConfigRegistry,
    replaceVariables: replace,
    theme: ctx.theme,
    timeZone: ctx.timeZone,
  });
  return { frames, options, fieldConfig, csv: toCSV(transformed), errors: (response.errors ?? []).map((e) => e.message ?? String(e)) };
}
