/**
 * The OTLP receiver behind every transport (OTLP/HTTP on the main and the OTLP port, OTLP/gRPC): takes a
 * decoded export request, hands its usage events to the one store path, and says what it could not use.
 */
import type { IngestResult, Store, StoredEvent } from '../../storage/engine';
import type { EventCheck } from '../scoped-events';
import { metricsToEvents } from './metrics-to-events';
import { ModelCallIndex } from './model-call-index';
import type { ExportOutcome } from './otlp-http-body';
import { wantedAttributes, type OtlpMapping } from './span-to-usage';
import { CumulativeStreams } from './token-usage-streams';
import { tracesToEvents } from './traces-to-events';

export interface OtlpOptions {
  mapping: OtlpMapping;
  /** Count gen_ai.client.token.usage from POST /v1/metrics (TOKENSCOPE_OTLP_METRICS). */
  metricsEnabled: boolean;
}

export interface OtlpReceiverDeps {
  store: Store;
  options: OtlpOptions;
  /** Told what each export stored, for the ingest counters and live metrics. */
  onIngest(stored: readonly StoredEvent[], duplicates: number, rejected: number): void;
}

export interface OtlpReceiver {
  /**
   * Stores the usage spans of an ExportTraceServiceRequest, each passing `check` (the caller's
   * `eventValidator(principal)`); rejects with StoreUnavailableError when the store cannot write.
   */
  exportTraces(request: Record<string, any>, check: EventCheck): Promise<ExportOutcome>;
  exportMetrics(request: Record<string, any>, check: EventCheck): Promise<ExportOutcome>;
}

export const METRICS_OFF_MESSAGE =
  'metrics are accepted but not counted: spans already give these calls. Set TOKENSCOPE_OTLP_METRICS=on to count gen_ai.client.token.usage (for senders that emit only metrics)';

export function createOtlpReceiver({ store, options, onIngest }: OtlpReceiverDeps): OtlpReceiver {
  const calls = new ModelCallIndex();
  const streams = new CumulativeStreams(BigInt(Date.now()) * 1_000_000n);
  const reader = wantedAttributes(options.mapping);

  const store$ = async (events: StoredEvent[], rejected: number): Promise<IngestResult> => {
    const result = events.length ? await store.ingest(events) : { accepted: 0, duplicates: 0, stored: [] };
    onIngest(result.stored, result.duplicates, rejected);
    return result;
  };

  return {
    async exportTraces(request, check) {
      const outcome = tracesToEvents(request, reader, calls, check);
      await store$(outcome.events, outcome.rejected);
      const message = outcome.rejected
        ? `${outcome.rejected} span(s) with usage could not be used: ${outcome.reasons.join('; ')}${outcome.rejected > outcome.reasons.length ? '; …' : ''}`
        : '';
      return { rejected: outcome.rejected, message };
    },
    async exportMetrics(request, check) {
      if (!options.metricsEnabled) return { rejected: 0, message: METRICS_OFF_MESSAGE };
      const outcome = metricsToEvents(request, options.mapping, streams, check);
      await store$(outcome.events, outcome.rejected);
      const message = outcome.rejected
        ? `${outcome.rejected} data point(s) could not be used: ${outcome.reasons.join('; ')}${outcome.rejected > outcome.reasons.length ? '; …' : ''}`
        : '';
      return { rejected: outcome.rejected, message };
    },
  };
}
