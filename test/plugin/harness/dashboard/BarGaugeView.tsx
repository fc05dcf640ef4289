/** The bar gauge panel's drawing (public/app/plugins/panel/bargauge/BarGaugePanel.tsx): a BarGauge per value in a VizRepeater. */
import * as React from 'react';
import { getDisplayValueAlignmentFactors, getFieldDisplayValues, VizOrientation, type FieldDisplay } from '@grafana/data';
import { BarGaugeSizing } from '@grafana/schema';
import type { Options } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import { BarGauge, VizRepeater } from '@grafana/ui';
import type { PanelViewProps } from './panel-view';

/** BarGaugePanel's spacing between bars. */
const ITEM_SPACING = 4;

function orientationFor(width: number, height: number, orientation: VizOrientation | undefined): VizOrientation {
  if (orientation !== VizOrientation.Auto && orientation !== undefined) return orientation;
  return width < height ? VizOrientation.Horizontal : VizOrientation.Vertical;
}

export function BarGaugeView({ frames, options, fieldConfig, width, height, timeZone, replaceVariables, theme }: PanelViewProps<Options>) {
  const getValues = (): FieldDisplay[] =>
    getFieldDisplayValues({ fieldConfig, reduceOptions: options.reduceOptions, replaceVariables, theme, data: frames, timeZone });
  const manual = options.sizing === BarGaugeSizing.Manual;
  return (
    <VizRepeater
      source={frames}
      getAlignmentFactors={getDisplayValueAlignmentFactors}
      getValues={getValues}
      renderValue={({ value, alignmentFactors, orientation, width, height, count }) => {
        const { field, display, view, colIndex } = value;
        return (
          <BarGauge
            value={display}
            width={width}
            height={height}
            orientation={orientation}
            field={field}
            text={options.text}
            display={view && typeof colIndex === 'number' ? view.getFieldDisplayProcessor(colIndex) : undefined}
            theme={theme}
            itemSpacing={ITEM_SPACING}
            displayMode={options.displayMode}
            alignmentFactors={count > 1 ? alignmentFactors : undefined}
            showUnfilled={options.showUnfilled}
            valueDisplayMode={options.valueMode}
            namePlacement={options.namePlacement}
            isOverflow={false}
          />
        );
      }}
      renderCounter={0}
      width={width}
      height={height}
      minVizWidth={manual ? options.minVizWidth : 0}
      minVizHeight={manual ? options.minVizHeight : 0}
      maxVizHeight={options.maxVizHeight}
      itemSpacing={ITEM_SPACING}
      orientation={orientationFor(width, height, options.orientation)}
    />
  );
}
