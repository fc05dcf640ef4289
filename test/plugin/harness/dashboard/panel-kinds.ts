/**
 * Each panel type the dashboards may use, as Grafana's panel plugin of that type defines it: the @grafana/ui
 * drawing (the *View components) and the plugin's field config (its standard option defaults and the defaults of
 * its custom options, from public/app/plugins/panel/<type>/module.tsx and its config). A panel of a type not
 * listed here is drawn as an error, so a new kind of panel cannot slip through undrawn.
 */
import type { ComponentType } from 'react';
import { FieldColorModeId, identityOverrideProcessor, PanelPlugin, type FieldConfigProperty } from '@grafana/data';
import {
  AxisColorMode,
  AxisPlacement,
  BarAlignment,
  GraphDrawStyle,
  GraphGradientMode,
  GraphThresholdsStyleMode,
  LineInterpolation,
  ScaleDistribution,
  StackingMode,
  VisibilityMode,
} from '@grafana/schema';
import { BarGaugeView } from './BarGaugeView';
import type { PanelViewProps } from './panel-view';
import { StatView } from './StatView';
import { TableView } from './TableView';
import { TimeSeriesView } from './TimeSeriesView';

interface PanelKind {
  View: ComponentType<PanelViewProps>;
  /** Defaults of standard options this panel type changes. */
  standardDefaults?: Partial<Record<FieldConfigProperty, unknown>>;
  /** The panel's custom field options and their defaults. */
  customDefaults: Record<string, unknown>;
}

/** The time series panel's custom options (timeseries/config.ts defaultGraphConfig and getGraphFieldConfig). */
const GRAPH_DEFAULTS: Record<string, unknown> = {
  drawStyle: GraphDrawStyle.Line,
  lineInterpolation: LineInterpolation.Linear,
  lineWidth: 1,
  fillOpacity: 0,
  gradientMode: GraphGradientMode.None,
  barAlignment: BarAlignment.Center,
  barWidthFactor: 0.6,
  spanNulls: false,
  insertNulls: false,
  showPoints: VisibilityMode.Auto,
  pointSize: 5,
  stacking: { mode: StackingMode.None, group: 'A' },
  axisPlacement: AxisPlacement.Auto,
  axisLabel: '',
  axisColorMode: AxisColorMode.Text,
  axisBorderShow: false,
  axisCenteredZero: false,
  scaleDistribution: { type: ScaleDistribution.Linear },
  hideFrom: { tooltip: false, viz: false, legend: false },
  thresholdsStyle: { mode: GraphThresholdsStyleMode.Off },
  lineStyle: { fill: 'solid' },
  showValues: false,
};

export const PANEL_KINDS: Readonly<Record<string, PanelKind>> = {
  stat: { View: StatView, customDefaults: {} },
  bargauge: { View: BarGaugeView, customDefaults: {} },
  timeseries: { View: TimeSeriesView, standardDefaults: { color: { mode: FieldColorModeId.PaletteClassic } }, customDefaults: GRAPH_DEFAULTS },
  table: {
    View: TableView,
    customDefaults: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false, filterable: false, footer: { reducers: [] } },
  },
};

const NO_EDITOR = () => null;
const plugins = new Map<string, PanelPlugin>();

/** A PanelPlugin holding the type's field config registry, for getPanelOptionsWithDefaults and applyFieldOverrides. */
export function fieldConfigPlugin(type: string): PanelPlugin {
  const kind = PANEL_KINDS[type];
  if (!kind) throw new Error(`no drawing for panel type '${type}'`);
  let plugin = plugins.get(type);
  if (!plugin) {
    plugin = new PanelPlugin(NO_EDITOR).useFieldConfig({
      standardOptions: Object.fromEntries(Object.entries(kind.standardDefaults ?? {}).map(([id, defaultValue]) => [id, { defaultValue }])),
      useCustomConfig: (builder) => {
        for (const [path, defaultValue] of Object.entries(kind.customDefaults)) {
          builder.addCustomEditor({
            id: path,
            path,
            name: path,
            editor: NO_EDITOR,
            override: NO_EDITOR,
            process: identityOverrideProcessor,
            shouldApply: () => true,
            defaultValue,
          });
        }
      },
    });
    plugins.set(type, plugin);
  }
  return plugin;
}
