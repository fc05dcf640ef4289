/**
 * Tests that need a system program (chromium, clickhouse-server, prometheus, promtool) find it here. On a
 * machine without it they skip, and say why; with TOKENSCOPE_REQUIRE_SYSTEM_PROGRAMS=1 (set by .ci/run,
 * which installs them) a missing program fails the suite instead, so CI never skips.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const SYSTEM_PROGRAMS_REQUIRED = process.env.TOKENSCOPE_REQUIRE_SYSTEM_PROGRAMS === '1';

export interface SystemProgram {
  /** Absolute path, or null when absent. */
  path: string | null;
  /** Why the suite skips, when absent; put it in the describe title so the skip shows the reason. */
  skipReason: string;
}

/** Looks for the first of `names` on PATH (and in /usr/bin, /usr/sbin, then `extraDirs`). */
export function systemProgram(names: string | string[], installHint: string, extraDirs: string[] = []): SystemProgram {
  const list = Array.isArray(names) ? names : [names];
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin', ...extraDirs];
  for (const name of list) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return { path: candidate, skipReason: '' };
      } catch {
        // not here
      }
    }
  }
  const reason = `${list[0]} is not installed (${installHint})`;
  if (SYSTEM_PROGRAMS_REQUIRED) throw new Error(`TOKENSCOPE_REQUIRE_SYSTEM_PROGRAMS=1 but ${reason}`);
  console.warn(`skipping: ${reason}`);
  return { path: null, skipReason: ` [skipped: ${reason}]` };
}
