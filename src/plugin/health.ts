/** "Save & test": the backend's health endpoint through the proxy, with one clear message per kind of failure. */
import type { TestDataSourceResponse } from '@grafana/data';
import { describeFetchError, type TokenscopeApi } from './api-client';
import { LABELS } from './labels';
import type { TokenscopeOptions } from './types';

export async function checkHealth(api: TokenscopeApi, jsonData: TokenscopeOptions): Promise<TestDataSourceResponse> {
  if (!jsonData.url?.trim()) return { status: 'error', message: LABELS.health.noUrl };
  try {
    const health = await api.health();
    return { status: 'success', message: LABELS.health.ok(health.version, health.engine, health.events, health.auth) };
  } catch (error) {
    return { status: 'error', message: describeFetchError(error).message };
  }
}
