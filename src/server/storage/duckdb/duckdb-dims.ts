/** The dimension registry: each distinct (service, model, model type, api key) gets a small integer id. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoredEvent } from '../engine';

interface DimsRow {
  id: number;
  service: string;
  model: string;
  modelType: string;
  apiKey: string;
  apiKeyLabel: string;
}

/**
 * Kept in memory (it is small: one row per combination ever seen) and mirrored in the `dims` table.
 * Ids handed out for a batch stay pending until the batch commits, and are forgotten if it fails.
 */
export class DuckDBDims {
  /**
   * Ids by service, model, model type and API key, one map per level: looking up four strings each hashed once
   * costs a third of joining them into one key (a new string per event) and hashing that.
   */
  private readonly ids = new Map<string, Map<string, Map<string, Map<string, number>>>>();
  private pending: DimsRow[] = [];
  private nextId = 1;

  static async load(conn: DuckDBConnection): Promise<DuckDBDims> {
    const dims = new DuckDBDims();
    const rows = (await conn.runAndReadAll('SELECT id, service, model, model_type, api_key FROM dims')).getRowsJS();
    for (const [id, service, model, modelType, apiKey] of rows) {
      dims.keys({ service: String(service), model: String(model), modelType: String(modelType) }).set(String(apiKey), Number(id));
      dims.nextId = Math.max(dims.nextId, Number(id) + 1);
    }
    return dims;
  }

  /** The map from API key to id for these service, model and model type (created empty if new). */
  private keys(e: Pick<StoredEvent, 'service' | 'model' | 'modelType'>): Map<string, number> {
    let models = this.ids.get(e.service);
    if (!models) this.ids.set(e.service, (models = new Map()));
    let types = models.get(e.model);
    if (!types) models.set(e.model, (types = new Map()));
    let keys = types.get(e.modelType);
    if (!keys) types.set(e.modelType, (keys = new Map()));
    return keys;
  }

  /** The id for an event's dimension values, assigning a pending one if they are new. */
  idFor(e: StoredEvent): number {
    const keys = this.keys(e);
    let id = keys.get(e.apiKey);
    if (id === undefined) {
      id = this.nextId++;
      keys.set(e.apiKey, id);
      this.pending.push({ id, service: e.service, model: e.model, modelType: e.modelType, apiKey: e.apiKey, apiKeyLabel: e.apiKeyLabel });
    }
    return id;
  }

  /** Inserts the pending rows inside the caller's transaction. */
  async writePending(conn: DuckDBConnection): Promise<void> {
    if (this.pending.length === 0) return;
    const appender = await conn.createAppender('dims');
    for (const d of this.pending) {
      appender.appendInteger(d.id);
      appender.appendVarchar(d.service);
      appender.appendVarchar(d.model);
      appender.appendVarchar(d.modelType);
      appender.appendVarchar(d.apiKey);
      appender.appendVarchar(d.apiKeyLabel);
      appender.endRow();
    }
    appender.closeSync();
  }

  /** The batch committed: pending ids are now stored. */
  commit(): void {
    this.pending = [];
  }

  /** The batch failed: forget the ids it assigned. */
  rollback(): void {
    for (const d of this.pending) this.keys(d).delete(d.apiKey);
    if (this.pending.length) this.nextId = Math.min(...this.pending.map((d) => d.id));
    this.pending = [];
  }
}
