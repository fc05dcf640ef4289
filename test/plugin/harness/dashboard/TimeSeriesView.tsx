/**
 * The time series panel's drawing (public/app/plugins/panel/timeseries/TimeSeriesPanel.tsx): @grafana/ui's
 * TimeSeries (uPlot, stacking from the field config, the VizLegend with the legend's calcs). The tooltip needs a
 * pointer and is left out. A probe reads what uPlot was configured with into data attributes, since the bars
 * themselves are pixels on a canvas.
 */
import * as React from 'react';
import type { DataFrame } from '@grafana/data';
import type { Options } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { TimeSeries, type UPlotConfigBuilder } from '@grafana/ui';
import type { PanelViewProps } from './panel-view';

/** What the plot was built from: the spacing of its x values and the series uPlot stacks together. */
function PlotProbe({ config, alignedFrame }: { config: UPlotConfigBuilder; alignedFrame: DataFrame }) {
  const times = (alignedFrame.fields[0]?.values ?? []) as number[];
  let step = Infinity;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i] - times[i - 1]);
  const stacked = config.getStackingGroups().map((g) => g.series.length);
  return <span hidden data-testid="plot-probe" data-x-step-ms={Number.isFinite(step) ? step : ''} data-stacking-groups={JSON.stringify(stacked)} />;
}

export function TimeSeriesView({ frames, options, width, height, timeRange, timeZone }: PanelViewProps<Options>) {
  return (
    <TimeSeries
      frames={frames}
      structureRev={1}
      timeRange={timeRange}
      timeZone={timeZone}
      width={width}
      height={height}
      legend={options.legend}
      options={options}
    >
      {(config, alignedFrame) => <PlotProbe config={config} alignedFrame={alignedFrame} />}
    </TimeSeries>
  );
}
