/** Suggested values of a dimension for an editor: loaded from the backend for the panel's time range. */
import type { ComboboxOption } from '@grafana/ui';
import { useEffect, useState } from 'react';
import type { DataSource } from '../datasource';

export function useDimensionValues(datasource: DataSource, dimension: string, from?: number, to?: number): { options: Array<ComboboxOption<string>>; loading: boolean } {
  const [state, setState] = useState<{ options: Array<ComboboxOption<string>>; loading: boolean }>({ options: [], loading: true });
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    datasource
      .dimensionValues({ dimension, from, to })
      .then((values) => current && setState({ options: values.map((v) => ({ label: v.text, value: String(v.value ?? v.text) })), loading: false }))
      // A suggestion list that cannot load leaves the field usable by typing; the query shows the real error.
      .catch(() => current && setState({ options: [], loading: false }));
    return () => {
      current = false;
    };
  }, [datasource, dimension, from, to]);
  return state;
}
