/**
 * The provider-usage adapter: an event carrying `provider` and that provider's own `usage` object becomes a
 * native usage event with Tokenscope's token fields; an event without either passes through unchanged.
 */
import { maskSecrets } from '../../api-keys';
import { PROVIDER_IDS, providerMapping } from './provider-mappings';
import { normaliseUsage } from './usage-mapping';

/** The fields a provider's usage object replaces. */
const TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const;

/** The native event for `value`, or the reason it cannot be one. */
export function fromProviderUsage(value: unknown): { event: unknown } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { event: value };
  const sent = value as Record<string, unknown>;
  if (!('provider' in sent) && !('usage' in sent)) return { event: value };
  const { provider, usage, ...rest } = sent;
  if (typeof provider !== 'string') {
    return {
      error: `provider: ${provider === undefined || provider === null ? 'is required with usage' : 'must be a string'}; one of ${PROVIDER_IDS.join(', ')}`,
    };
  }
  const mapping = providerMapping(provider);
  if (!mapping) {
    // What the client sent is quoted back, shortened, and with anything that looks like a credential masked.
    const shown = maskSecrets(JSON.stringify(provider.length > 40 ? provider.slice(0, 40) + '…' : provider));
    return { error: `provider: unknown provider ${shown}; one of ${PROVIDER_IDS.join(', ')}, or send the token fields instead` };
  }
  if (usage === undefined || usage === null) return { error: `usage: is required with provider (the ${mapping.name} usage object as its API returned it)` };
  const clash = TOKEN_FIELDS.find((f) => rest[f] !== undefined && rest[f] !== null);
  if (clash) return { error: `${clash}: send either provider and usage or the token fields, not both` };
  const normalised = normaliseUsage(mapping, usage);
  if ('error' in normalised) return normalised;
  return { event: { ...rest, ...normalised.tokens } };
}
