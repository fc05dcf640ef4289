/** Typed builders for the panels both Tokenscope dashboards use: stat, bar gauge and time series over our data source. */
import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  FieldColorModeId,
  GraphDrawStyle,
  LegendDisplayMode,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  TableCellHeight,
  TooltipDisplayMode,
  VisibilityMode,
  VizOrientation,
  type DashboardLink,
  type DataSourceRef,
  type DataTransformerConfig,
  type FieldConfigSource,
  type GridPos,
  type Panel,
} from '@grafana/schema';
import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { SCHEMA_VERSION, metricDefinition, type MetricId, type SavedQuery } from '../../src/shared';

/** The plugin id (src/plugin/plugin.json). */
export const PLUGIN_ID = 'tokenscope-usage-datasource';
/** The uid provisioning/datasources/tokenscope.yaml gives the data source; every panel names it, never a numeric id. */
export const DATASOURCE_UID = 'tokenscope';
export const DATASOURCE: DataSourceRef = { type: PLUGIN_ID, uid: DATASOURCE_UID };

/** What a panel target stores: the plugin's saved query plus Grafana's data source reference. */
export type Target = SavedQuery & { datasource: DataSourceRef };

/** A saved query for this dashboard's data source (refId A unless given). */
export function target(query: Omit<SavedQuery, 'refId' | 'schemaVersion'> & { refId?: string }): Target {
  return { refId: 'A', datasource: DATASOURCE, schemaVersion: SCHEMA_VERSION, ...query };
}

interface PanelBase {
  title: string;
  /** Shown in the panel's (i) tooltip; metric panels pass the catalogue's definition. */
  description: string;
  gridPos: GridPos;
  targets: Target[];
  links?: DashboardLink[];
  transformations?: DataTransformerConfig[];
}

/**
 * The unit and definition of a metric, straight from the shared catalogue. Money metrics have no unit here: the
 * data source sets the unit of the server's reporting currency on their fields, and a panel unit would override it.
 */
export function metricInfo(id: MetricId): { name: string; unit: string | undefined; description: string } {
  const m = metricDefinition(id);
  return { name: m.name, unit: m.unit === 'currency' ? undefined : m.grafanaUnit, description: m.description };
}

/** `{ unit }` when there is one: a panel without a unit shows each field in the unit its frame gives. */
const unitOf = (unit: string | undefined) => (unit === undefined ? {} : { unit });

function panel(type: string, base: PanelBase, options: object, fieldConfig: FieldConfigSource): Panel {
  return {
    type,
    title: base.title,
    description: base.description,
    datasource: DATASOURCE,
    gridPos: base.gridPos,
    targets: base.targets.map((t) => ({ ...t })),
    ...(base.links ? { links: base.links } : {}),
    ...(base.transformations ? { transformations: base.transformations } : {}),
    options: { ...options },
    fieldConfig,
  };
}

/** One big number: the metric summed over the selected range. */
export function statPanel(base: PanelBase & { unit: string | undefined; decimals?: number; eachRow?: boolean }): Panel {
  const options: StatOptions = {
    // `eachRow`: one value per row (a totals frame has one) instead of one per field, so a frame left without rows
    // by a transformation shows nothing rather than an empty value.
    reduceOptions: base.eachRow ? { calcs: [], fields: '', values: true } : { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    colorMode: BigValueColorMode.None,
    graphMode: BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Center,
    textMode: BigValueTextMode.Value,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  };
  return panel('stat', base, options, {
    defaults: { ...unitOf(base.unit), decimals: base.decimals ?? 0, color: { mode: FieldColorModeId.Fixed, fixedColor: 'text' } },
    overrides: [],
  });
}

/**
 * One bar per row of a ranking frame (`reduceOptions.values`), in the frame's (descending) order. The frame should
 * hold one number field besides the names: with more, Grafana appends the field's name to every bar's name.
 */
export function rankingBarGaugePanel(base: PanelBase & { unit: string | undefined }): Panel {
  const options: BarGaugeOptions = {
    reduceOptions: { calcs: [], fields: '', values: true, limit: 1000 },
    orientation: VizOrientation.Horizontal,
    displayMode: BarGaugeDisplayMode.Basic,
    valueMode: BarGaugeValueMode.Text,
    namePlacement: BarGaugeNamePlacement.Left,
    showUnfilled: true,
    // A list of rows in the dashboard's text size: with automatic sizing a short Top N grows each bar to fill the
    // panel and its text with it (names cut off, one row per 70 px); a long one scrolls.
    sizing: BarGaugeSizing.Manual,
    minVizHeight: 26,
    minVizWidth: 8,
    maxVizHeight: 36,
    text: { titleSize: 14, valueSize: 14 },
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
  };
  return panel('bargauge', base, options, {
    // One colour for every bar (a shade per value made the smaller bars vanish into the dark background).
    defaults: { ...unitOf(base.unit), min: 0, color: { mode: FieldColorModeId.Fixed, fixedColor: 'blue' } },
    overrides: [],
  });
}

/** The legend every trend panel carries: a table with the reducers Grafana computes from the frame itself. */
export const STATS_LEGEND: TimeSeriesOptions['legend'] = {
  showLegend: true,
  displayMode: LegendDisplayMode.Table,
  placement: 'bottom',
  calcs: ['max', 'min', 'mean'],
  sortBy: 'Max',
  sortDesc: true,
};

/** A time series panel: lines, or bars stacked per interval (one colour per series). */
export function timeSeriesPanel(base: PanelBase & { unit: string | undefined; style: 'lines' | 'stackedBars'; legend: TimeSeriesOptions['legend'] }): Panel {
  const options: TimeSeriesOptions = {
    legend: base.legend,
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  const bars = base.style === 'stackedBars';
  const custom: TimeSeriesFieldConfig = {
    drawStyle: bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    fillOpacity: bars ? 80 : 10,
    lineWidth: bars ? 1 : 2,
    showPoints: VisibilityMode.Never,
    stacking: bars ? { mode: StackingMode.Normal, group: 'A' } : { mode: StackingMode.None, group: 'A' },
    spanNulls: false,
  };
  return panel('timeseries', base, options, {
    defaults: { ...unitOf(base.unit), min: 0, color: { mode: FieldColorModeId.PaletteClassic }, custom: { ...custom } },
    overrides: [],
  });
}

/**
 * A table in the frame's own row order (the backend's ranking); `unit`, when given, applies to the fields the plugin
 * gives no unit of their own (its frames set units per field, which win over these defaults).
 */
export function tablePanel(base: PanelBase & { unit?: string }): Panel {
  const options: TableOptions = { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm, sortBy: [] };
  return panel('table', base, options, { defaults: base.unit ? { unit: base.unit } : {}, overrides: [] });
}

/** A link in a panel's header menu (Grafana renders title, url and targetBlank). */
export function panelLink(title: string, url: string, tooltip: string): DashboardLink {
  return { title, url, tooltip, type: 'link', icon: 'download-alt', targetBlank: true, asDropdown: false, includeVars: false, keepTime: false, tags: [] };
}
