/** The table panel's drawing (public/app/plugins/panel/table/TablePanel.tsx, Grafana 12+): TableNG for the first frame. */
import * as React from 'react';
import { TableNG } from '@grafana/ui/unstable';
import type { PanelViewProps } from './panel-view';

export function TableView({ frames, options, fieldConfig, width, height, timeRange }: PanelViewProps) {
  const frame = frames[options.frameIndex ?? 0] ?? frames[0];
  return (
    <TableNG
      data={frame}
      width={width}
      height={height}
      noHeader={options.showHeader === false}
      showTypeIcons={options.showTypeIcons}
      cellHeight={options.cellHeight}
      initialSortBy={options.sortBy}
      enablePagination={options.enablePagination}
      frozenColumns={options.frozenColumns?.left}
      fieldConfig={fieldConfig}
      timeRange={timeRange}
    />
  );
}
