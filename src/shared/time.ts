/** Parsing of instants (RFC 3339, `YYYY-MM-DD HH:MM:SS[.fraction]` as UTC, epoch ms) and time-zone names. */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * The epoch milliseconds of an instant, or an error message saying what is wrong with it.
 * Accepts epoch milliseconds (a number, or a string of digits), RFC 3339 with any offset, and
 * `YYYY-MM-DD HH:MM:SS[.fraction]` without offset, taken as UTC. Fractions of any length are cut to
 * whole milliseconds.
 */
export function parseInstant(value: unknown): { ms: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { error: 'must be an integer of epoch milliseconds' };
    if (!Number.isSafeInteger(value)) return { error: `must be epoch milliseconds from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` };
    return { ms: value };
  }
  if (typeof value !== 'string') return { error: 'must be RFC 3339 text or epoch milliseconds' };
  // Sixteen digits can exceed 2^53 - 1, where milliseconds stop being exact: the same rule as for numbers.
  if (/^-?\d{1,16}$/.test(value)) return parseInstant(Number(value));
  const m = DATE_TIME.exec(value);
  if (!m) return { error: `'${preview(value)}' is not RFC 3339, 'YYYY-MM-DD HH:MM:SS' or epoch milliseconds` };
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  const [year, month, day, hour, minute, second] = fields;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  const check = new Date(ms);
  if (
    year < 1 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { error: `'${preview(value)}' is not a valid date and time` };
  }
  if (!sign) return { ms };
  const offsetMinutes = Number(oh) * 60 + Number(om);
  if (Number(oh) > 23 || Number(om) > 59) return { error: `'${preview(value)}' has an invalid UTC offset` };
  return { ms: ms - (sign === '+' ? 1 : -1) * offsetMinutes * 60_000 };
}

const zoneValidity = new Map<string, boolean>();

/** True when `zone` is an IANA time-zone name this runtime knows (e.g. `Asia/Kolkata`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = zone.length > 0 && zone.length < 64;
    } catch {
      valid = false;
    }
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid);
  }
  return valid;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
