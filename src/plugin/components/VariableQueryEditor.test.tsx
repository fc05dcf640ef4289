// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { of } from 'rxjs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createTemplateSrv } from '../../../test/support/template-srv';
import { DataSource } from '../datasource';
import type { TokenscopeVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

afterEach(cleanup);

function datasource() {
  const fetchSrv = { fetch: () => of({ data: { values: [{ value: 'chat', label: 'chat' }] } }) as never };
  const templateSrv = createTemplateSrv([{ name: 'service', value: 'chat' }]);
  return new DataSource(
    { id: 1, uid: 'ts', type: 'tokenscope-usage-datasource', name: 'Tokenscope', url: '/p', jsonData: {}, access: 'proxy', readOnly: false, meta: {} as never },
    { fetchSrv: () => fetchSrv, templateSrv: () => templateSrv },
  );
}

function setup(query: TokenscopeVariableQuery) {
  const onChange = vi.fn();
  render(<VariableQueryEditor datasource={datasource()} query={query} onChange={onChange} onRunQuery={() => {}} />);
  return { onChange, last: () => onChange.mock.calls.at(-1)?.[0] as TokenscopeVariableQuery };
}

describe('VariableQueryEditor', () => {
  test('a new variable query gets the default dimension', async () => {
    const { last } = setup({ refId: 'v' } as TokenscopeVariableQuery);
    await waitFor(() => expect(last()).toEqual({ refId: 'v', dimension: 'model' }));
  });

  test('choosing a dimension emits it and hides its own filter', async () => {
    const user = userEvent.setup();
    const { last } = setup({ refId: 'v', dimension: 'model' });
    expect(screen.queryByLabelText('Model')).toBeNull();
    await user.click(screen.getByLabelText('Values of'));
    await user.click(await screen.findByRole('option', { name: /By Key/ }));
    expect(last()).toEqual({ refId: 'v', dimension: 'api_key' });
  });

  test('a filter on another dimension may be a variable', async () => {
    const user = userEvent.setup();
    const { last } = setup({ refId: 'v', dimension: 'model' });
    await user.click(screen.getByLabelText('Service'));
    await user.click(await screen.findByRole('option', { name: /\$service/ }));
    expect(last()).toEqual({ refId: 'v', dimension: 'model', filters: { service: ['$service'] } });
  });
});
