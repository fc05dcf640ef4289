/** Checks a TOKENSCOPE_STORE value when configuration is read, without opening anything. */
import { isClickHouseUrl, parseClickHouseUrl } from './clickhouse/clickhouse-url';

/** Why a TOKENSCOPE_STORE value cannot work, or null when it can. Never repeats the value (it may hold a password). */
export function storeSettingProblem(value: string): string | null {
  if (value === 'duckdb') return null;
  if (!isClickHouseUrl(value)) return "must be 'duckdb' or a ClickHouse URL such as clickhouse://user:password@host:8123/db";
  try {
    parseClickHouseUrl(value);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
