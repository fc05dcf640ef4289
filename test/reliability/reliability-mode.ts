/**
 * How long the reliability suite runs. `npm test` (CI) runs the short version, which is still real (20 kills,
 * a 12 s load run); TOKENSCOPE_RELIABILITY_FULL=1 (`npm run test:reliability`) runs the long one.
 * TOKENSCOPE_RELIABILITY_SEED repeats a run's random choices (each suite prints the seed it used).
 */
export const RELIABILITY_FULL = process.env.TOKENSCOPE_RELIABILITY_FULL === '1';

export const SIZES = RELIABILITY_FULL
  ? { killRounds: 100, clickhouseKillRounds: 50, loadSeconds: 60, propertyRuns: 150 }
  : { killRounds: 20, clickhouseKillRounds: 20, loadSeconds: 12, propertyRuns: 30 };

/** The seed for this run's random choices: TOKENSCOPE_RELIABILITY_SEED, or a fresh one. */
export function reliabilitySeed(): number {
  const given = Number(process.env.TOKENSCOPE_RELIABILITY_SEED);
  return Number.isSafeInteger(given) ? given : Math.floor(Math.random() * 2 ** 31);
}
