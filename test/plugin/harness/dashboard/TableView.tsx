/**
 * The table panel's drawing (public/app/plugins/panel/table/TablePanel.tsx, Grafana 12+): TableNG for the chosen
 * frame. TableNG names a column by the display name cached on the field, so it is worked out first with
 * @grafana/data's getFieldDisplayName, as Grafana's data pipeline does before the panel sees the frame.
 */
import { getFieldDisplayName } from '@grafana/data';
import { TableNG } from '@grafana/ui/unstable';
import type { PanelViewProps } from './panel-view';

export function TableView({ frames, options, fieldConfig, width, height, timeRange }: PanelViewProps) {
  const frame = frames[options.frameIndex ?? 0] ?? frames[0];
  for (const field of frame.fields) getFieldDisplayName(field, frame, frames);
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
