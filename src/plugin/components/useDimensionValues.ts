/** Suggested values of a dimension for an editor: loaded from the backend for the panel's time range. */
import type { ComboboxOption } from '@grafana/ui';
import { useEffect, useState } from 'react';
import type { DataSource } from '../datasource';

interface Loaded {
  /** The request these options answer; a newer request means they are stale (shown until it answers). */
  request: string;
  options: Array<ComboboxOption<string>>;
}

export function useDimensionValues(
  datasource: DataSource,
  dimension: string,
  from?: number,
  to?: number,
): { options: Array<ComboboxOption<string>>; loading: boolean } {
  const request = `${dimension}\u0000${from ?? ''}\u0000${to ?? ''}`;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  useEffect(() => {
    let current = true;
    datasource
      .dimensionValues({ dimension, from, to })
      .then((values) => current && setLoaded({ request, options: values.map((v) => ({ label: v.text, value: String(v.value ?? v.text) })) }))
      // A suggestion list that cannot load leaves the field usable by typing; the query shows the real error.
      .catch(() => current && setLoaded({ request, options: [] }));
    return () => {
      current = false;
    };
  }, [datasource, dimension, from, to, request]);
  return { options: loaded?.options ?? [], loading: loaded?.request !== request };
}
