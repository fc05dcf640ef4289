/**
 * The URL mapping the plugin relies on: a call to `<instanceSettings.url>/tokenscope/api/v1/…` leaves Grafana's
 * data source proxy for `<jsonData.url>/api/v1/…` with the bearer token, whatever form the configured URL has.
 * The rules are those of pkg/api/pluginproxy (route prefix match and strip, util.JoinURLFragments).
 */
import { describe, expect, test } from 'vitest';
import pluginJson from '../../src/plugin/plugin.json';
import { ROUTE_PATH } from '../../src/plugin/api-client';
import { joinUrlFragments, routeRequest } from '../support/grafana-proxy';

const ds = (url: string, apiToken = 'secret-read-token') => ({ uid: 'tokenscope', jsonData: { url }, secureJsonData: { apiToken } });

describe('plugin.json route', () => {
  test('one route, matched by ROUTE_PATH, to the URL from jsonData with the token from secureJsonData', () => {
    expect(pluginJson.routes).toEqual([
      { path: ROUTE_PATH, url: '{{ .JsonData.url }}', headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }] },
    ]);
  });

  test.each([
    ['http://tokenscope:8080', 'http://tokenscope:8080/api/v1/query'],
    ['http://tokenscope:8080/', 'http://tokenscope:8080/api/v1/query'],
    ['https://gw.example.com/tokenscope', 'https://gw.example.com/tokenscope/api/v1/query'],
    ['https://gw.example.com/tokenscope/', 'https://gw.example.com/tokenscope/api/v1/query'],
  ])('%s → %s', (url, upstream) => {
    expect(routeRequest(pluginJson.routes, `${ROUTE_PATH}/api/v1/query`, ds(url))).toEqual({
      url: upstream,
      headers: { Authorization: 'Bearer secret-read-token' },
    });
  });

  test('dimension values keep their path', () => {
    expect(routeRequest(pluginJson.routes, `${ROUTE_PATH}/api/v1/dimensions/model/values`, ds('http://h:1'))?.url).toBe(
      'http://h:1/api/v1/dimensions/model/values',
    );
  });

  test('paths outside the route are not given the token', () => {
    expect(routeRequest(pluginJson.routes, 'api/v1/query', ds('http://h:1'))).toBeNull();
  });

  test("JoinURLFragments behaves as Grafana's", () => {
    expect(joinUrlFragments('http://localhost:8080', '')).toBe('http://localhost:8080');
    expect(joinUrlFragments('/a/', '/b')).toBe('/a/b');
    expect(joinUrlFragments('/a', 'b')).toBe('/a/b');
    expect(joinUrlFragments('', '/api/v1/query')).toBe('/api/v1/query');
  });
});
