import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { runCli } from '../../../test/support/run-cli';

test('tokenscope --version prints the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const run = await runCli([flag]);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  }
});
