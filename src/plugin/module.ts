/** The plugin's entry: Grafana loads this module and reads `plugin`. */
import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import type { TokenscopeOptions, TokenscopeQuery, TokenscopeSecureOptions } from './types';

export const plugin = new DataSourcePlugin<DataSource, TokenscopeQuery, TokenscopeOptions, TokenscopeSecureOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
