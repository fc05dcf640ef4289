/** The stat panel's drawing (public/app/plugins/panel/stat/StatPanel.tsx): a BigValue per reduced value in a VizRepeater. */
import * as React from 'react';
import { getDisplayValueAlignmentFactors, getFieldDisplayValues, type FieldDisplay } from '@grafana/data';
import type { Options } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import { BigValue, BigValueGraphMode, VizRepeater } from '@grafana/ui';
import type { PanelViewProps } from './panel-view';

export function StatView({ frames, options, fieldConfig, width, height, timeZone, replaceVariables, theme }: PanelViewProps<Options>) {
  const getValues = (): FieldDisplay[] =>
    getFieldDisplayValues({
      fieldConfig,
      reduceOptions: options.reduceOptions,
      replaceVariables,
      theme,
      data: frames,
      sparkline: options.graphMode !== BigValueGraphMode.None,
      timeZone,
    });
  return (
    <VizRepeater
      getValues={getValues}
      getAlignmentFactors={getDisplayValueAlignmentFactors}
      renderValue={({ value, alignmentFactors, width, height, count }) => (
        <BigValue
          value={value.display}
          count={count}
          sparkline={value.sparkline}
          colorMode={options.colorMode}
          graphMode={options.graphMode}
          justifyMode={options.justifyMode}
          textMode={options.textMode}
          alignmentFactors={alignmentFactors}
          text={options.text}
          width={width}
          height={height}
          theme={theme}
          disableWideLayout={!options.wideLayout}
          percentChangeColorMode={options.percentChangeColorMode}
        />
      )}
      source={frames}
      renderCounter={0}
      width={width}
      height={height}
      itemSpacing={3}
      autoGrid
      orientation={options.orientation}
    />
  );
}
