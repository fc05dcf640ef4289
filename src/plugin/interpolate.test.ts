import { describe, expect, test } from 'vitest';
import { createTemplateSrv } from '../../test/support/template-srv';
import { interpolateList, interpolateValue, selectsAll, variableNames } from './interpolate';

const srv = createTemplateSrv([
  { name: 'region', value: ['eu', 'us'] },
  { name: 'tier', value: ['a', 'b'] },
  { name: 'one', value: 'x' },
  { name: 'all', value: '$__all', options: ['p', 'q'] },
]);

describe('template variables', () => {
  test('finds variable names in every syntax Grafana accepts', () => {
    expect(variableNames('$a ${b} ${c:csv} [[d]] [[e:pipe]] ${f.field}')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('several multi-value variables in one entry expand to every combination, in order', () => {
    expect(interpolateList(srv, ['$region-$tier'], undefined)).toEqual(['eu-a', 'eu-b', 'us-a', 'us-b']);
  });

  test('values that contain commas or braces survive (no text format in between)', () => {
    const commas = createTemplateSrv([{ name: 'm', value: ['a,b', '{c}'] }]);
    expect(interpolateList(commas, ['$m'], undefined)).toEqual(['a,b', '{c}']);
  });

  test('duplicates and empty results are dropped; literals pass unchanged', () => {
    expect(interpolateList(srv, ['x', '$one', '', 'plain'], undefined)).toEqual(['x', 'plain']);
  });

  test('an unknown variable is left as typed (the request validation names it)', () => {
    expect(interpolateValue(srv, '$missing', undefined, 'dimension')).toBe('$missing');
  });

  test('All is recognised only while not pinned by scopedVars', () => {
    expect(selectsAll(srv, ['$all'], undefined)).toBe(true);
    expect(selectsAll(srv, ['$all'], { all: { text: 'p', value: 'p' } })).toBe(false);
    expect(selectsAll(srv, ['$region'], undefined)).toBe(false);
  });
});
