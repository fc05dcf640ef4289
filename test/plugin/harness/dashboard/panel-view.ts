/** What each panel view gets: the panel's frames after transformations and field config, and where it is drawn. */
import type { DataFrame, FieldConfigSource, GrafanaTheme2, InterpolateFunction, TimeRange } from '@grafana/data';

export interface PanelViewProps<Options = any> {
  /** After the panel's transformations and applyFieldOverrides. */
  frames: DataFrame[];
  options: Options;
  fieldConfig: FieldConfigSource;
  width: number;
  height: number;
  timeRange: TimeRange;
  timeZone: string;
  replaceVariables: InterpolateFunction;
  theme: GrafanaTheme2;
}
