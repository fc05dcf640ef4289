/**
 * Giving disk space back: DuckDB reuses the blocks that deletes free, but returns them to the file system only
 * when they lie at the file's end (neither CHECKPOINT, FORCE CHECKPOINT nor VACUUM moves data). So the database is
 * copied into a fresh file beside it (COPY FROM DATABASE writes only live rows), checked table by table, made
 * durable, and renamed over the original: a crash at any point leaves either the original or the whole copy.
 */
import { chmodSync, chownSync, closeSync, existsSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** What a compaction did; sizes in bytes. */
export interface CompactionResult {
  /** The file before, after its log was folded in. */
  bytesBefore: number;
  bytesAfter: number;
  tables: number;
  rows: number;
}

export interface CompactFileOptions {
  /** DuckDB's memory limit while copying (e.g. '256MB'); default DuckDB's own. */
  memoryLimit?: string;
  /** DuckDB's worker threads; default one per core. */
  threads?: number | null;
}

/** The copy is written here, beside the database (so the rename stays on one file system); a leftover is removed. */
export const compactCopyPath = (path: string): string => `${path}.compact.tmp`;

/** Room kept free beside the copy's estimated size (DuckDB's log and metadata while copying). */
const SPARE_BYTES = 16 * 1024 * 1024;
const COPY_ALIAS = 'tokenscope_compact_copy';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteText = (text: string) => `'${text.replaceAll("'", "''")}'`;
const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Removes a copy (and its log) that will not be put in place. */
export function removeCopy(target: string): void {
  for (const file of [target, `${target}.wal`]) rmSync(file, { force: true });
}

async function rows(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRowsJS();
}

/** Everything in a database's catalog that a copy must reproduce, as DDL text, in a stable order. */
async function catalog(conn: DuckDBConnection, database: string): Promise<string[]> {
  const db = quoteText(database);
  const found = await rows(
    conn,
    `SELECT sql FROM duckdb_tables() WHERE database_name = ${db} AND NOT temporary
     UNION ALL SELECT sql FROM duckdb_views() WHERE database_name = ${db} AND NOT internal AND NOT temporary
     UNION ALL SELECT sql FROM duckdb_indexes() WHERE database_name = ${db}
     UNION ALL SELECT sql FROM duckdb_sequences() WHERE database_name = ${db} AND NOT temporary
     ORDER BY 1`,
  );
  return found.map((r) => String(r[0]));
}

/** Per table, its row count and an order-free fingerprint of its rows (the sum of each row's hash). */
async function contents(conn: DuckDBConnection, database: string, tables: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const table of tables) {
    const [[count, fingerprint]] = await rows(conn, `SELECT count(*), coalesce(sum(hash(t)), 0) FROM ${quoteIdent(database)}.main.${quoteIdent(table)} AS t`);
    result.set(table, `${count} rows, fingerprint ${fingerprint}`);
  }
  return result;
}

/** The current database's name, and an upper bound of its live data in bytes (blocks in use). */
async function describeDatabase(conn: DuckDBConnection): Promise<{ name: string; liveBytes: number }> {
  const [[name]] = await rows(conn, 'SELECT current_database()');
  const sizes = (await conn.runAndReadAll('PRAGMA database_size')).getRowObjectsJS().find((r) => r.database_name === name)!;
  return { name: String(name), liveBytes: Number(sizes.used_blocks) * Number(sizes.block_size) };
}

/**
 * Writes every table, view, index and sequence of the connection's current database into a new file at `target`
 * and checks that the copy has the same catalog and, per table, the same rows (count and fingerprint); the copy is
 * checkpointed and detached when this returns. Nothing may write to the database meanwhile (run it on the writer,
 * exclusively); reads may go on. Throws, with the copy removed, when the disk lacks room or anything differs.
 */
export async function writeCompactCopy(conn: DuckDBConnection, target: string): Promise<{ tables: number; rows: number }> {
  // The log folded into the file first, so the copy's figures and the original's file are what the rename replaces.
  await conn.run('CHECKPOINT');
  const source = await describeDatabase(conn);
  const disk = statfsSync(dirname(target));
  const available = Number(disk.bavail) * Number(disk.bsize);
  if (available < source.liveBytes + SPARE_BYTES) {
    throw new Error(
      `not enough free disk space beside the database to compact it: the copy needs about ${mib(source.liveBytes + SPARE_BYTES)}, ${mib(available)} is free`,
    );
  }
  removeCopy(target);
  await conn.run(`ATTACH ${quoteText(target)} AS ${COPY_ALIAS}`);
  let attached = true;
  try {
    await conn.run(`COPY FROM DATABASE ${quoteIdent(source.name)} TO ${COPY_ALIAS}`);
    const [want, got] = [await catalog(conn, source.name), await catalog(conn, COPY_ALIAS)];
    if (want.join('\n') !== got.join('\n'))
      throw new Error(`the compacted copy's tables differ from the database's:\n${got.join('\n')}\ninstead of\n${want.join('\n')}`);
    const tables = (
      await rows(conn, `SELECT table_name FROM duckdb_tables() WHERE database_name = ${quoteText(source.name)} AND NOT temporary ORDER BY 1`)
    ).map((r) => String(r[0]));
    const [before, after] = [await contents(conn, source.name, tables), await contents(conn, COPY_ALIAS, tables)];
    let total = 0;
    for (const table of tables) {
      if (before.get(table) !== after.get(table))
        throw new Error(`the compacted copy of table ${table} differs: ${after.get(table)} instead of ${before.get(table)}`);
      total += Number(before.get(table)!.split(' ')[0]);
    }
    await conn.run(`CHECKPOINT ${COPY_ALIAS}`);
    await conn.run(`DETACH ${COPY_ALIAS}`);
    attached = false;
    return { tables: tables.length, rows: total };
  } catch (err) {
    if (attached) await conn.run(`DETACH ${COPY_ALIAS}`).catch(() => {});
    removeCopy(target);
    throw err;
  }
}

/**
 * Puts the copy at `target` in the place of the database at `path`, which must be closed (its log folded in, so no
 * `.wal` is left that DuckDB would replay onto the copy). The copy is synced to disk, given the original's mode and
 * owner, renamed over it (atomic on one file system) and the folder synced, so the rename itself survives a crash.
 */
export function swapInCopy(target: string, path: string): void {
  if (existsSync(`${path}.wal`)) {
    removeCopy(target);
    throw new Error(`the database ${path} still has a write-ahead log (${path}.wal) after closing; it was left as it was, not compacted`);
  }
  const original = statSync(path);
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(target, original.mode & 0o7777);
  try {
    chownSync(target, original.uid, original.gid);
  } catch {
    // Only root may give a file away; otherwise the copy already belongs to whoever owns the original's process.
  }
  renameSync(target, path);
  const folder = openSync(dirname(path), 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}

/**
 * Compacts a DuckDB database file that no process has open: copies it into a fresh file beside it and renames that
 * over it. Refuses a missing file, one a server holds, and one that is not a Tokenscope database.
 */
export async function compactDuckDBFile(file: string, options: CompactFileOptions = {}): Promise<CompactionResult> {
  if (!existsSync(file)) throw new Error(`there is no database at ${file}`);
  // The rename replaces the file itself, not a symbolic link to it.
  const path = realpathSync(file);
  const settings: Record<string, string> = {};
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  if (options.threads) settings.threads = String(options.threads);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, settings);
  } catch (err) {
    const message = (err as Error).message;
    if (/lock/i.test(message)) {
      throw new Error(
        `the database ${path} is in use by another process (is tokenscope serve running on it?); stop that process first, or let the server compact it itself (TOKENSCOPE_DUCKDB_VACUUM)`,
        { cause: err },
      );
    }
    throw new Error(`could not open the database ${path}: ${message}`, { cause: err });
  }
  const target = compactCopyPath(path);
  let copied: { tables: number; rows: number };
  let bytesBefore: number;
  const conn = await instance.connect();
  try {
    const marker = await rows(conn, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta' AND database_name = current_database()`);
    if (Number(marker[0][0]) === 0) throw new Error(`${path} is not a Tokenscope database (it has no meta table); left as it was`);
    copied = await writeCompactCopy(conn, target);
    bytesBefore = sizeOf(path);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  swapInCopy(target, path);
  return { bytesBefore, bytesAfter: sizeOf(path), ...copied };
}
