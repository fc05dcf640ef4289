import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../config';
import { describeClickHouse, parseClickHouseUrl } from './clickhouse-url';

describe('ClickHouse store URL', () => {
  test('user, password, host, port, database and cluster are read; %-escapes decoded', () => {
    const loc = parseClickHouseUrl('clickhouse://ts%40user:p%40ss%3Aw%2Frd@ch1.internal:9123/usage?cluster=main&nodes=ch2.internal:9123,ch3.internal');
    expect(loc).toEqual({
      url: 'http://ch1.internal:9123',
      otherNodes: ['http://ch2.internal:9123', 'http://ch3.internal:8123'],
      username: 'ts@user',
      password: 'p@ss:w/rd',
      database: 'usage',
      cluster: 'main',
    });
  });

  test('defaults: port 8123 (8443 with clickhouses://), user and database default', () => {
    expect(parseClickHouseUrl('clickhouse://localhost')).toMatchObject({
      url: 'http://localhost:8123',
      username: 'default',
      password: '',
      database: 'default',
      cluster: null,
    });
    expect(parseClickHouseUrl('clickhouses://[::1]/db').url).toBe('https://[::1]:8443');
  });

  test.each([
    ['clickhouse://u:pw@host/my-db', /database 'my-db' must be letters, digits and _/],
    ['clickhouse://u:pw@host/db?cluster=a;b', /cluster 'a;b' must be letters/],
    ['clickhouse://u:pw@host/db?nodes=h2', /nodes is only meaningful with cluster/],
    ['clickhouse://u:pw@host/db?cluster=c&nodes=h2:99999', /'h2:99999' in nodes is not host\[:port\]/],
    ['clickhouse://u:pw@host/db?timeout=3', /unknown parameter 'timeout'/],
    ['clickhouse://u:%E0%A4%A@host/db', /password has a malformed %-escape/],
  ])('%s is refused with the reason', (url, reason) => {
    expect(() => parseClickHouseUrl(url)).toThrow(reason);
  });

  test('the password never appears in errors or in the loggable description', () => {
    const secret = 'Sup3r-S3cret-pw';
    const bad = [
      `clickhouse://u:${secret}@host/bad-db`,
      `clickhouse://u:${secret}@host/db?x=1`,
      `mysql://u:${secret}@host/db`,
      `clickhouse://u:${secret}@host/db?cluster=c&nodes=bad host`,
    ];
    for (const url of bad) {
      let message = '';
      try {
        loadConfig({ TOKENSCOPE_STORE: url });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/TOKENSCOPE_STORE/);
      expect(message).not.toContain(secret);
    }
    const description = describeClickHouse(parseClickHouseUrl(`clickhouse://u:${secret}@host:8123/db?cluster=c&nodes=h2`));
    expect(description).toBe('ClickHouse u@host:8123/db (cluster c, 2 nodes listed)');
  });

  test('configuration accepts duckdb (the default) and ClickHouse URLs', () => {
    expect(loadConfig({}).store).toBe('duckdb');
    expect(loadConfig({ TOKENSCOPE_STORE: 'clickhouse://u:p@h:8123/db' }).store).toBe('clickhouse://u:p@h:8123/db');
  });
});
