/**
 * Data source settings: the backend URL (plain jsonData), the API token (encrypted secureJsonData, write-only),
 * and the tracing data source that trace ids link to (plain jsonData).
 */
import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { FieldSet, InlineField, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';
import { LABELS } from '../labels';
import { TRACING_TYPES } from '../links';
import { SELECTORS } from '../selectors';
import type { TokenscopeOptions, TokenscopeSecureOptions, TracingDatasourceType } from '../types';

type Props = DataSourcePluginOptionsEditorProps<TokenscopeOptions, TokenscopeSecureOptions>;

const LABEL_WIDTH = 14;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const url = options.jsonData.url ?? '';
  const urlInvalid = url !== '' && !isHttpUrl(url);
  const setJson = (change: Partial<TokenscopeOptions>) => onOptionsChange({ ...options, jsonData: { ...options.jsonData, ...change } });
  return (
    <>
      <FieldSet label={LABELS.config.connectionTitle}>
        <InlineField
          label={LABELS.config.urlLabel}
          tooltip={LABELS.config.urlTooltip}
          labelWidth={LABEL_WIDTH}
          htmlFor={SELECTORS.config.url}
          invalid={urlInvalid}
          error={urlInvalid ? LABELS.config.urlInvalid : undefined}
          required
        >
          <Input
            id={SELECTORS.config.url}
            data-testid={SELECTORS.config.url}
            width={48}
            value={url}
            placeholder={LABELS.config.urlPlaceholder}
            // Requests go through Grafana's proxy, which adds the token; the browser never calls the backend.
            onChange={(e) => onOptionsChange({ ...options, access: 'proxy', jsonData: { ...options.jsonData, url: e.currentTarget.value.trim() } })}
          />
        </InlineField>
        <InlineField label={LABELS.config.tokenLabel} tooltip={LABELS.config.tokenTooltip} labelWidth={LABEL_WIDTH} htmlFor={SELECTORS.config.token}>
          <SecretInput
            id={SELECTORS.config.token}
            data-testid={SELECTORS.config.token}
            width={48}
            isConfigured={Boolean(options.secureJsonFields?.apiToken)}
            value={options.secureJsonData?.apiToken ?? ''}
            placeholder={LABELS.config.tokenPlaceholder}
            onChange={(e) => onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, apiToken: e.currentTarget.value } })}
            onReset={() =>
              onOptionsChange({
                ...options,
                secureJsonFields: { ...options.secureJsonFields, apiToken: false },
                secureJsonData: { ...options.secureJsonData, apiToken: '' },
              })
            }
          />
        </InlineField>
      </FieldSet>
      <FieldSet label={LABELS.config.linksTitle}>
        <InlineField
          label={LABELS.config.tracingUidLabel}
          tooltip={LABELS.config.tracingUidTooltip}
          labelWidth={LABEL_WIDTH}
          htmlFor={SELECTORS.config.tracingUid}
        >
          <Input
            id={SELECTORS.config.tracingUid}
            data-testid={SELECTORS.config.tracingUid}
            width={48}
            value={options.jsonData.tracingDatasourceUid ?? ''}
            placeholder={LABELS.config.tracingUidPlaceholder}
            onChange={(e) => setJson({ tracingDatasourceUid: e.currentTarget.value.trim() || undefined })}
          />
        </InlineField>
        <InlineField label={LABELS.config.tracingTypeLabel} labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<TracingDatasourceType>
            id={SELECTORS.config.tracingType}
            aria-label={LABELS.config.tracingTypeLabel}
            options={TRACING_TYPES.map((t) => ({ label: t.name, value: t.id }))}
            value={options.jsonData.tracingDatasourceType ?? 'tempo'}
            onChange={(type) => setJson({ tracingDatasourceType: type })}
          />
        </InlineField>
      </FieldSet>
    </>
  );
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}
