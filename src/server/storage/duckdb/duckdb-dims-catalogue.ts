/**
 * The dims registry as readers see it, held in memory: each dims id's dimension values and labels, so aggregates
 * return small integers and the keys are put on afterwards (strings out of DuckDB cost more than the query).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DIMENSION_IDS, type DimensionId } from '../../../shared';

/** The dims columns holding each dimension, and the one holding what a person reads. */
export const DIMENSION_COLUMN: Record<DimensionId, { key: string; label: string }> = {
  service: { key: 'service', label: 'service' },
  model: { key: 'model', label: 'model' },
  model_type: { key: 'model_type', label: 'model_type' },
  api_key: { key: 'api_key', label: 'api_key_label' },
};

const COLUMNS = [...new Set(DIMENSION_IDS.flatMap((d) => [DIMENSION_COLUMN[d].key, DIMENSION_COLUMN[d].label]))];

/**
 * Grows only: a dims row never changes once committed and is never deleted, and an id a read can see is committed.
 * A read that meets an id not held yet tops the catalogue up (`cover`) before it uses it.
 */
export class DimsCatalogue {
  /** Per dimension, the value of each id (index = id). */
  private readonly keys = new Map<DimensionId, (string | undefined)[]>(DIMENSION_IDS.map((d) => [d, []]));
  /** Per dimension, each value's label: the label of the smallest id holding the value. */
  private readonly labels = new Map<DimensionId, Map<string, string>>(DIMENSION_IDS.map((d) => [d, new Map()]));
  private held = 0;
  private maxId = 0;
  private loading: Promise<void> | null = null;

  /** Ids held. */
  get size(): number {
    return this.held;
  }

  /** Distinct values of a dimension among the ids held. */
  distinct(dimension: DimensionId): number {
    return this.labels.get(dimension)!.size;
  }

  /** The value of `dimension` for a held id. */
  key(dimension: DimensionId, id: number): string {
    const key = this.keys.get(dimension)![id];
    if (key === undefined) throw new Error(`dims id ${id} is not in the catalogue`);
    return key;
  }

  /** What a person reads for a value of `dimension` (the masked API key; else the value itself). */
  label(dimension: DimensionId, key: string): string {
    return this.labels.get(dimension)!.get(key) ?? key;
  }

  /** Loads every id not held yet that `ids` names (null and held ids are skipped); loads the rest of the table first. */
  async cover(conn: DuckDBConnection, ids: readonly (number | null)[]): Promise<void> {
    const missing = () => {
      const held = this.keys.get('service')!;
      for (let i = 0; i < ids.length; i++) if (ids[i] !== null && held[ids[i]!] === undefined) return true;
      return false;
    };
    if (!missing()) return;
    // Ids are handed out in order and committed in order, so the ids not held yet are normally those past the
    // largest held; a full read catches any other.
    await this.load(conn, 'new');
    if (missing()) await this.load(conn, 'all');
    if (missing()) throw new Error('an aggregate returned a dims id the dims table does not hold');
  }

  /** Reads the dims rows past the largest id held (`new`), or all of them again; one load at a time. */
  async load(conn: DuckDBConnection, which: 'new' | 'all' = 'new'): Promise<void> {
    while (this.loading) await this.loading;
    this.loading = (async () => {
      const after = which === 'all' ? 0 : this.maxId;
      const reader = await conn.runAndReadAll(`SELECT id, ${COLUMNS.join(', ')} FROM dims WHERE id > ${after} ORDER BY id`);
      const [ids = [], ...values] = reader.getColumnsJS() as [number[], ...string[][]];
      const column = (name: string) => values[COLUMNS.indexOf(name)];
      // A full read is built aside and swapped in whole: reads in progress keep using what they had.
      for (const dimension of DIMENSION_IDS) {
        const keys = which === 'all' ? [] : this.keys.get(dimension)!;
        const labels = which === 'all' ? new Map<string, string>() : this.labels.get(dimension)!;
        const [keyColumn, labelColumn] = [column(DIMENSION_COLUMN[dimension].key), column(DIMENSION_COLUMN[dimension].label)];
        ids.forEach((id, i) => {
          keys[id] = keyColumn[i];
          if (!labels.has(keyColumn[i])) labels.set(keyColumn[i], labelColumn[i]);
        });
        this.keys.set(dimension, keys);
        this.labels.set(dimension, labels);
      }
      this.maxId = ids.reduce((max, id) => Math.max(max, id), after);
      this.held = this.keys.get('service')!.filter((k) => k !== undefined).length;
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }
}
