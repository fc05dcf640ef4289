/** Money as the API writes it exactly: whole micro-units (10^-6) of the reporting currency as decimal text. */

/** Exact decimal text of a whole number of micro-units, e.g. 1234567 → "1.234567", 5 → "0.000005". */
export function formatMicros(micros: number): string {
  const negative = micros < 0;
  const digits = String(Math.abs(micros)).padStart(7, '0');
  const text = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  return negative ? `-${text}` : text;
}
