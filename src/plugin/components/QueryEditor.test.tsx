// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { of } from 'rxjs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createTemplateSrv } from '../../../test/support/template-srv';
import { DEFAULT_SAVED_QUERY, SCHEMA_VERSION } from '../../shared';
import { DataSource } from '../datasource';
import { SELECTORS } from '../selectors';
import type { TokenscopeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

afterEach(cleanup);

/** A data source whose backend knows two models and two services (the HTTP layer is covered elsewhere). */
function datasource() {
  const values: Record<string, string[]> = { model: ['glm-5', 'qwen3'], service: ['chat', 'search'], api_key: [], model_type: [] };
  const fetchSrv = {
    fetch: (options: { url: string }) => {
      const dimension = /dimensions\/(\w+)\/values/.exec(options.url)?.[1] ?? '';
      return of({ data: { values: (values[dimension] ?? []).map((v) => ({ value: v, label: v })) } }) as never;
    },
  };
  const templateSrv = createTemplateSrv([{ name: 'dimension', value: 'service' }]);
  return new DataSource(
    {
      id: 1,
      uid: 'ts',
      type: 'tokenscope-usage-datasource',
      name: 'Tokenscope',
      url: '/api/datasources/proxy/uid/ts',
      jsonData: {},
      access: 'proxy',
      readOnly: false,
      meta: {} as never,
    },
    { fetchSrv: () => fetchSrv, templateSrv: () => templateSrv },
  );
}

const saved = (over: Partial<TokenscopeQuery> = {}): TokenscopeQuery => ({ refId: 'A', ...DEFAULT_SAVED_QUERY, ...over }) as TokenscopeQuery;

function setup(query: TokenscopeQuery) {
  const onChange = vi.fn();
  const onRunQuery = vi.fn();
  const view = render(<QueryEditor datasource={datasource()} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery, view, lastQuery: () => onChange.mock.calls.at(-1)?.[0] as TokenscopeQuery };
}

describe('QueryEditor', () => {
  test('a query with only a refId is saved in the current shape once, with the defaults', async () => {
    const { onChange } = setup({ refId: 'A' } as TokenscopeQuery);
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(onChange.mock.calls[0][0]).toEqual({ refId: 'A', ...DEFAULT_SAVED_QUERY, schemaVersion: SCHEMA_VERSION });
  });

  test('an up-to-date query is not rewritten', async () => {
    const { onChange } = setup(saved());
    await act(async () => {});
    expect(onChange).not.toHaveBeenCalled();
  });

  test('choosing Ranking emits a ranking query and runs it', async () => {
    const user = userEvent.setup();
    const { lastQuery, onRunQuery } = setup(saved({ dimension: undefined }));
    await user.click(screen.getByRole('radio', { name: 'Ranking' }));
    expect(lastQuery()).toMatchObject({ queryType: 'ranking', dimension: 'model' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  test('choosing a dimension and adding a metric emit the new query', async () => {
    const user = userEvent.setup();
    const { lastQuery } = setup(saved());
    await user.click(screen.getByLabelText('Dimension'));
    await user.click(await screen.findByRole('option', { name: /By Service/ }));
    expect(lastQuery()).toMatchObject({ dimension: 'service' });

    await user.click(screen.getByLabelText('Metrics'));
    await user.click(await screen.findByRole('option', { name: /Output Tokens per Minute/ }));
    expect(lastQuery().metrics).toEqual(['total_tokens', 'output_tokens_per_minute']);
  });

  test('metric options carry their catalogue definition', async () => {
    const user = userEvent.setup();
    setup(saved());
    await user.click(screen.getByLabelText('Metrics'));
    const option = await screen.findByRole('option', { name: /Cache Read Tokens/ });
    expect(option.textContent).toContain('Input tokens served from the prompt cache');
  });

  test('dashboard variables are offered for the dimension', async () => {
    const user = userEvent.setup();
    const { lastQuery } = setup(saved());
    await user.click(screen.getByLabelText('Dimension'));
    await user.click(await screen.findByRole('option', { name: /\$dimension/ }));
    expect(lastQuery()).toMatchObject({ dimension: '$dimension' });
  });

  test('Top N takes a number or a variable, on leaving the field; other text is refused', async () => {
    const user = userEvent.setup();
    const { lastQuery, onChange } = setup(saved());
    const input = screen.getByLabelText('Top N');
    await user.clear(input);
    await user.type(input, '$topN');
    await user.tab();
    expect(lastQuery()).toMatchObject({ limit: '$topN' });
    await user.clear(input);
    await user.type(input, '25');
    await user.tab();
    expect(lastQuery()).toMatchObject({ limit: 25 });
    const calls = onChange.mock.calls.length;
    await user.clear(input);
    await user.type(input, 'ten');
    await user.tab();
    expect(onChange.mock.calls.length).toBe(calls);
  });

  test('filter values are suggested from the backend and saved per dimension', async () => {
    const user = userEvent.setup();
    const { lastQuery } = setup(saved());
    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'qwen3' }));
    expect(lastQuery().filters).toEqual({ model: ['qwen3'] });
  });

  test('totals hide dimension, granularity and Top N; trend without a dimension hides Top N', () => {
    const totals = setup(saved({ queryType: 'totals' }));
    const editor = within(totals.view.getByTestId(SELECTORS.query.editor));
    expect(editor.queryByLabelText('Dimension')).toBeNull();
    expect(editor.queryByLabelText('Granularity')).toBeNull();
    expect(editor.queryByLabelText('Top N')).toBeNull();
    cleanup();
    setup(saved({ dimension: undefined }));
    expect(screen.queryByLabelText('Granularity')).not.toBeNull();
    expect(screen.queryByLabelText('Top N')).toBeNull();
  });

  test('movers: one dimension and a Top N; the offset is saved on leaving its field and dropped when emptied', async () => {
    const user = userEvent.setup();
    const { lastQuery } = setup(saved({ dimension: undefined }));
    await user.click(screen.getByRole('radio', { name: 'Top movers' }));
    expect(lastQuery()).toMatchObject({ queryType: 'movers', dimension: 'model' });
    cleanup();
    const movers = setup(saved({ queryType: 'movers', dimension: 'api_key' }));
    expect(screen.queryByLabelText('Granularity')).toBeNull();
    expect(screen.queryByLabelText('Top N')).not.toBeNull();
    const offset = screen.getByLabelText('Compare with');
    await user.type(offset, '7d');
    await user.tab();
    expect(movers.lastQuery()).toMatchObject({ queryType: 'movers', offset: '7d' });
    cleanup();
    const weekly = setup(saved({ queryType: 'movers', offset: '7d' }));
    await user.clear(screen.getByLabelText('Compare with'));
    await user.tab();
    expect(weekly.lastQuery()).toMatchObject({ queryType: 'movers' });
    expect(weekly.lastQuery().offset).toBeUndefined();
  });

  test('largest calls: ordered by a chosen field, without metrics or dimension', async () => {
    const user = userEvent.setup();
    const { lastQuery } = setup(saved({ queryType: 'calls' }));
    expect(screen.queryByLabelText('Metrics')).toBeNull();
    expect(screen.queryByLabelText('Dimension')).toBeNull();
    expect(screen.queryByLabelText('Top N')).not.toBeNull();
    await user.click(screen.getByLabelText('Order by'));
    await user.click(await screen.findByRole('option', { name: 'Duration' }));
    expect(lastQuery()).toMatchObject({ queryType: 'calls', orderBy: 'duration_ms' });
  });
});
