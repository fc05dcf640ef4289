/**
 * The current token set, reloaded from the tokens file on SIGHUP and whenever the file changes. A reload swaps
 * the whole set at once, so a request sees the old set or the new one, never a mix; a file that fails its checks
 * leaves the previous set in place and the reason is logged (names and fields, never a token or a hash).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { buildTokenSet, type EnvTokens, type TokenSet } from './token-set';
import { readTokensFile } from './tokens-file';

/** Editors write a file in several steps: a change is read once this long after the last event. */
const SETTLE_MS = 100;

export interface TokenSource {
  /** The set in force now. */
  current(): TokenSet;
  /** Reads the file again; true when the new set is in force, false when the old one stays. */
  reload(reason: string): boolean;
  /** Stops watching the file and listening for SIGHUP. */
  close(): void;
}

/**
 * Builds the first set (throws when the file is unusable at start: a server must not come up with tokens other
 * than the ones configured) and, with a file, watches it.
 */
export function createTokenSource(env: EnvTokens, file: string | null, logger: Logger): TokenSource {
  let tokens = buildTokenSet(env, file ? readTokensFile(file) : []);
  if (!file) return { current: () => tokens, reload: () => true, close: () => {} };

  const path = resolve(file);
  const reload = (reason: string): boolean => {
    try {
      tokens = buildTokenSet(env, readTokensFile(path));
      logger.info({ file: path, reason, tokens: tokens.size }, 'tokens reloaded');
      return true;
    } catch (err) {
      logger.error({ file: path, reason, problem: (err as Error).message, tokens: tokens.size }, 'tokens file rejected; the previous tokens stay in force');
      return false;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => reload('file changed'), SETTLE_MS);
    timer.unref();
  };
  // The folder is watched, not the file: editors and `mv` replace the file, which ends a watch on it.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name.toString() === basename(path)) changed();
    });
    watcher.on('error', (err) => logger.warn({ file: path, err: err.message }, 'cannot watch the tokens file; reload it with SIGHUP'));
  } catch (err) {
    logger.warn({ file: path, err: (err as Error).message }, 'cannot watch the tokens file; reload it with SIGHUP');
  }
  const onHangup = () => reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  return {
    current: () => tokens,
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
      process.removeListener('SIGHUP', onHangup);
    },
  };
}
