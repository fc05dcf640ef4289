/** docker-compose's `prometheus` service and prometheus/prometheus.yml fit together and reach the backend service. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
const config = parse(readFileSync(join(ROOT, 'prometheus/prometheus.yml'), 'utf8'));
const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'tokenscope');
/** `${NAME:-default}` as compose resolves it with nothing set. */
const withDefault = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');

test('the prometheus service runs a pinned image with this folder as its configuration', () => {
  const prometheus = compose.services.prometheus;
  expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
  expect(prometheus.volumes).toContain('./prometheus:/etc/prometheus:ro');
  expect(prometheus.entrypoint.join(' ')).toContain('--config.file=/etc/prometheus/prometheus.yml');
  expect(config.rule_files).toEqual(['rules/*.yml']);
});

test('the scrape job targets the backend service on the port it serves', () => {
  const [host, port] = job.static_configs[0].targets[0].split(':');
  const backend = compose.services[host];
  expect(backend, `docker-compose.yml has a service ${host}`).toBeDefined();
  expect(backend.command.join(' ')).toContain(`--port ${port}`);
  expect(job.metrics_path).toBe('/metrics');
});

test('Prometheus sends the metrics token the backend accepts, from the file its entrypoint writes', () => {
  const prometheus = compose.services.prometheus;
  const backendToken = withDefault(compose.services.backend.environment.TOKENSCOPE_METRICS_TOKENS);
  const scrapeToken = withDefault(prometheus.environment.TOKENSCOPE_METRICS_TOKEN);
  expect(scrapeToken.length).toBeGreaterThanOrEqual(16);
  expect(scrapeToken).toBe(backendToken);
  expect(job.authorization).toMatchObject({ type: 'Bearer', credentials_file: expect.stringMatching(/^\//) });
  expect(prometheus.entrypoint.join(' ')).toContain(`"$$TOKENSCOPE_METRICS_TOKEN" > ${job.authorization.credentials_file} `);
});
