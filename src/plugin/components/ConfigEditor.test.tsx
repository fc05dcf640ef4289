// @vitest-environment jsdom
import type { DataSourceSettings } from '@grafana/data';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TokenscopeOptions, TokenscopeSecureOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

afterEach(cleanup);

type Settings = DataSourceSettings<TokenscopeOptions, TokenscopeSecureOptions>;

const settings = (over: Partial<Settings> = {}): Settings =>
  ({
    id: 1,
    uid: 'ts',
    name: 'Tokenscope',
    type: 'tokenscope-usage-datasource',
    access: 'proxy',
    url: '',
    jsonData: {},
    secureJsonFields: {},
    ...over,
  }) as Settings;

/** Holds the settings as Grafana's data source page does, reporting every change. */
function Host({ initial, onOptionsChange }: { initial: Settings; onOptionsChange: (s: Settings) => void }) {
  const [options, setOptions] = useState(initial);
  return <ConfigEditor options={options} onOptionsChange={(next) => (setOptions(next), onOptionsChange(next))} />;
}

describe('ConfigEditor', () => {
  test('the URL goes to jsonData, the token to secureJsonData only', async () => {
    const user = userEvent.setup();
    const onOptionsChange = vi.fn();
    render(<Host initial={settings()} onOptionsChange={onOptionsChange} />);
    await user.type(screen.getByLabelText(/^URL/), 'http://tokenscope:8080');
    await user.type(screen.getByLabelText('API token'), 'read-token-123');
    const last: Settings = onOptionsChange.mock.calls.at(-1)![0];
    expect(last.jsonData).toEqual({ url: 'http://tokenscope:8080' });
    expect(last.secureJsonData).toEqual({ apiToken: 'read-token-123' });
    expect(last.access).toBe('proxy');
    expect(JSON.stringify(last.jsonData)).not.toContain('read-token');
  });

  test('a stored token shows as configured and Reset clears it', async () => {
    const user = userEvent.setup();
    const onOptionsChange = vi.fn();
    render(<Host initial={settings({ jsonData: { url: 'http://x:1' }, secureJsonFields: { apiToken: true } })} onOptionsChange={onOptionsChange} />);
    expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('configured');
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    const last: Settings = onOptionsChange.mock.calls.at(-1)![0];
    expect(last.secureJsonFields).toEqual({ apiToken: false });
    expect(last.secureJsonData).toEqual({ apiToken: '' });
  });

  test('a URL that is not http(s) is flagged', async () => {
    const user = userEvent.setup();
    render(<Host initial={settings()} onOptionsChange={() => {}} />);
    await user.type(screen.getByLabelText(/^URL/), 'tokenscope:8080');
    expect(screen.getByText(/Enter an http:\/\/ or https:\/\/ URL/)).toBeTruthy();
  });

  test('the tracing data source uid and type go to jsonData', async () => {
    const user = userEvent.setup();
    const onOptionsChange = vi.fn();
    render(<Host initial={settings({ jsonData: { url: 'http://x:1' } })} onOptionsChange={onOptionsChange} />);
    await user.type(screen.getByLabelText('Tracing uid'), 'jaeger-prod');
    await user.click(screen.getByRole('radio', { name: 'Jaeger' }));
    const last: Settings = onOptionsChange.mock.calls.at(-1)![0];
    expect(last.jsonData).toEqual({ url: 'http://x:1', tracingDatasourceUid: 'jaeger-prod', tracingDatasourceType: 'jaeger' });
  });
});
