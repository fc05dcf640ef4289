/**
 * Appends columns of rows to a table through DuckDB's appender, writing each chunk's vectors in the table's own
 * types: numbers are copied into a vector a chunk at a time, so no value passes through a JavaScript wrapper and
 * DuckDB casts nothing.
 */
import duckdb from '@duckdb/node-bindings';
import { BIGINT, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';

/** Rows per chunk handed to the appender (DuckDB's vector size). */
const CHUNK_ROWS = 2048;

/** Columns of rows to append, by name: one array per column, all of one length. */
export type Columns = Record<string, ArrayLike<number | string | null>>;

/** Scratch memory a chunk's vectors are filled from: values (8 bytes each at most) and validity bits. */
class Scratch {
  readonly words = new Uint32Array(CHUNK_ROWS * 2);
  readonly ints = new Int32Array(this.words.buffer, 0, CHUNK_ROWS);
  readonly validity = new Uint8Array(CHUNK_ROWS / 8);
}

/** Writes `size` values of a column, from `start`, into a vector of the chunk. */
type VectorWriter = (vector: duckdb.Vector, values: ArrayLike<number | string | null>, start: number, size: number, scratch: Scratch) => void;

const TWO_32 = 4_294_967_296;

/** Marks the nulls among the values invalid (a reset chunk's vectors are all valid; a typed array holds none). */
function writeNulls(vector: duckdb.Vector, values: ArrayLike<unknown>, start: number, size: number, scratch: Scratch): void {
  if (ArrayBuffer.isView(values)) return;
  let nulls = false;
  scratch.validity.fill(0xff);
  for (let i = 0; i < size; i++) {
    if (values[start + i] === null || values[start + i] === undefined) {
      scratch.validity[i >> 3] &= ~(1 << (i & 7));
      nulls = true;
    }
  }
  if (!nulls) return;
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, scratch.validity.buffer, 0, Math.ceil(size / 64) * 8);
}

/** A value a number column cannot hold exactly, refused as DuckDB's own cast would refuse it. */
class ColumnValueError extends Error {}

function notExact(value: number, type: string): never {
  throw new ColumnValueError(`${value} is not an integer that ${type} holds exactly`);
}

/**
 * BIGINT from safe integers (every number column holds counts, milliseconds or micro-units): each value as its low
 * and high 32-bit words, two's complement, low word first (DuckDB's node bindings exist for little-endian machines only).
 */
const writeBigInts: VectorWriter = (vector, values, start, size, scratch) => {
  const words = scratch.words;
  for (let i = 0; i < size; i++) {
    const v = (values[start + i] as number | null) ?? 0;
    if (!Number.isSafeInteger(v)) notExact(v, 'BIGINT');
    const high = Math.floor(v / TWO_32);
    words[2 * i] = v - high * TWO_32;
    words[2 * i + 1] = high;
  }
  duckdb.copy_data_to_vector(vector, 0, words.buffer, 0, size * 8);
  writeNulls(vector, values, start, size, scratch);
};

const writeInts: VectorWriter = (vector, values, start, size, scratch) => {
  const ints = scratch.ints;
  for (let i = 0; i < size; i++) {
    const v = (values[start + i] as number | null) ?? 0;
    if ((v | 0) !== v) notExact(v, 'INTEGER');
    ints[i] = v;
  }
  duckdb.copy_data_to_vector(vector, 0, ints.buffer, 0, size * 4);
  writeNulls(vector, values, start, size, scratch);
};

const writeStrings: VectorWriter = (vector, values, start, size, scratch) => {
  for (let i = 0; i < size; i++) {
    const v = values[start + i];
    if (v !== null && v !== undefined) duckdb.vector_assign_string_element(vector, i, String(v));
  }
  writeNulls(vector, values, start, size, scratch);
};

/** The column types the appender writes, by DuckDB's name for them: the chunk's vector type and its writer. */
const COLUMN_TYPES: Record<string, { type: DuckDBType; write: VectorWriter }> = {
  BIGINT: { type: BIGINT, write: writeBigInts },
  INTEGER: { type: INTEGER, write: writeInts },
  VARCHAR: { type: VARCHAR, write: writeStrings },
};

interface TableColumn {
  name: string;
  type: DuckDBType;
  write: VectorWriter;
}

/**
 * A table's appender, in the table's column order (older layouts add columns at the end). It stays open between
 * appends, each flushed into the connection's open transaction: creating one costs a trip through the thread pool
 * and a catalog lookup, six times per commit.
 */
export class TableAppender {
  /**
   * One chunk, refilled for every CHUNK_ROWS rows: a chunk's native memory is freed only when the garbage
   * collector gets to its small JavaScript wrapper, so a chunk per slice would hold hundreds of megabytes.
   */
  private chunk: DuckDBDataChunk | null = null;
  private appender: DuckDBAppender | null = null;
  private readonly scratch = new Scratch();

  private constructor(
    private readonly table: string,
    private readonly catalog: 'main' | 'temp',
    private readonly columns: TableColumn[],
  ) {}

  /** Reads the table's columns and their types; a type the appender cannot write is an error here, not at the first append. */
  static async open(conn: DuckDBConnection, table: string, catalog: 'main' | 'temp' = 'main'): Promise<TableAppender> {
    const rows = (
      await conn.runAndReadAll(
        `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '${table}' AND database_name = ${catalog === 'temp' ? `'temp'` : 'current_database()'} AND schema_name = 'main' ORDER BY column_index`,
      )
    ).getRowsJS();
    const columns = rows.map(([name, type]) => {
      const known = COLUMN_TYPES[String(type)];
      if (!known) throw new Error(`column ${String(name)} of table ${table} is ${String(type)}; the appender writes ${Object.keys(COLUMN_TYPES).join(', ')}`);
      return { name: String(name), ...known };
    });
    return new TableAppender(table, catalog, columns);
  }

  /** Appends `n` rows within the connection's open transaction; `columns` must hold every column of the table. */
  async append(conn: DuckDBConnection, columns: Columns, n: number): Promise<void> {
    if (n === 0) return;
    const arrays = this.columns.map(({ name }) => {
      const values = columns[name];
      if (!values) throw new Error(`no values for column ${name} of table ${this.table}`);
      return values;
    });
    this.chunk ??= DuckDBDataChunk.create(
      this.columns.map((c) => c.type),
      CHUNK_ROWS,
    );
    const chunk = this.chunk.chunk;
    const appender = (this.appender ??= await conn.createAppender(this.table, null, this.catalog === 'temp' ? 'temp' : null));
    try {
      for (let start = 0; start < n; start += CHUNK_ROWS) {
        const size = Math.min(CHUNK_ROWS, n - start);
        duckdb.data_chunk_reset(chunk);
        duckdb.data_chunk_set_size(chunk, size);
        this.columns.forEach((column, k) => {
          try {
            column.write(duckdb.data_chunk_get_vector(chunk, k), arrays[k], start, size, this.scratch);
          } catch (err) {
            if (err instanceof ColumnValueError) err.message = `column ${column.name} of table ${this.table}: ${err.message}`;
            throw err;
          }
        });
        appender.appendDataChunk(this.chunk);
      }
      appender.flushSync();
    } catch (err) {
      // An appender that failed may still hold rows; the next append starts with a new one.
      this.close();
      throw err;
    }
  }

  /** Closes the appender, dropping rows it may still hold (after a failure); the next append opens another. */
  close(): void {
    const appender = this.appender;
    this.appender = null;
    try {
      appender?.closeSync();
    } catch {
      // Closing flushes what is left, which fails again after a failure; the rows are meant to be dropped.
    }
  }
}
