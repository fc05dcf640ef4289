/** `tokenscope token create`: makes a new token, prints it once, and adds its SHA-256 to the tokens file. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { DIMENSION_IDS, type DimensionId } from '../../shared';
import { ROLES, tokenSha256, withNewToken, type Role } from '../tokens/tokens-file';

interface CreateOptions {
  name: string;
  role: Role[];
  scope?: Partial<Record<DimensionId, string[]>>;
  service?: string;
  file?: string;
}

const collectRole = (value: string, all: Role[] = []): Role[] => {
  const roles = value.split(',').map((r) => r.trim());
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new InvalidArgumentError(`'${r}' is not a role; roles: ${ROLES.join(', ')}`);
  return [...all, ...(roles as Role[])];
};

const collectScope = (spec: string, all: Partial<Record<DimensionId, string[]>> = {}) => {
  const eq = spec.indexOf('=');
  const dimension = spec.slice(0, eq).trim() as DimensionId;
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (eq <= 0 || values.length === 0) throw new InvalidArgumentError(`'${spec}' is not dimension=value[,pattern], e.g. service=team-a-*`);
  if (!DIMENSION_IDS.includes(dimension)) throw new InvalidArgumentError(`unknown dimension '${dimension}'; valid dimensions: ${DIMENSION_IDS.join(', ')}`);
  return { ...all, [dimension]: [...(all[dimension] ?? []), ...values] };
};

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage the tokens file (TOKENSCOPE_TOKENS_FILE)');
  token
    .command('create')
    .description('create a token: prints it once (store it now) and adds its SHA-256 to the tokens file; a running server picks it up')
    .requiredOption('--name <name>', 'what the token is called in the file, logs and messages, e.g. team-a-grafana')
    .requiredOption('--role <roles>', `${ROLES.join(', ')} (repeatable, or comma-separated)`, collectRole)
    .option('--scope <dimension=values>', 'what it may see and write, e.g. service=team-a-*,shared (repeatable)', collectScope)
    .option('--service <service>', 'ingest: the service given to events that carry none')
    .option('--file <path>', 'the tokens file (default TOKENSCOPE_TOKENS_FILE)')
    .action((options: CreateOptions) => {
      const file = options.file ?? process.env.TOKENSCOPE_TOKENS_FILE;
      if (!file) throw new Error('no tokens file: pass --file or set TOKENSCOPE_TOKENS_FILE');
      const secret = `tsk_${randomBytes(32).toString('base64url')}`;
      const source = existsSync(file) ? readFileSync(file, 'utf8') : '';
      let text: string;
      try {
        text = withNewToken(source, {
          name: options.name,
          sha256: tokenSha256(secret),
          roles: [...new Set(options.role)],
          scope: options.scope,
          service: options.service,
        });
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}; nothing written`);
      }
      // Written beside and renamed over: a server reading the file sees the old one or the new one, never half.
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, text, { mode: 0o600 });
      renameSync(temporary, file);
      process.stderr.write(`token '${options.name}' added to ${file}; it is shown once, store it now:\n`);
      process.stdout.write(`${secret}\n`);
    });
}
