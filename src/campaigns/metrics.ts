// Prometheus metrics for campaigns. Progress gauges are read from the store (PostgreSQL) at scrape time, so
// every process reports the same campaign-wide numbers.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CampaignStore } from './store.ts';

export interface CampaignMetrics {
  ingestRows: Counter<'result'>;
  ingestFiles: Counter<'status'>;
  /** Alert on this: an S3 event that could not be ingested and went to the dead-letter queue. */
  ingestDeadLetters: Counter<'code'>;
  originations: Counter<'outcome'>;
  originateErrors: Counter<'code'>;
  dialWaitMs: Histogram;
}

export function createCampaignMetrics(registry: Registry, store?: CampaignStore): CampaignMetrics {
  const m: CampaignMetrics = {
    ingestRows: new Counter({ name: 'centralita_campaign_ingest_rows_total', help: 'Campaign CSV rows ingested, by result (accepted or a rejection reason)', labelNames: ['result'], registers: [registry] }),
    ingestFiles: new Counter({ name: 'centralita_campaign_ingest_files_total', help: 'Campaign files processed, by status', labelNames: ['status'], registers: [registry] }),
    ingestDeadLetters: new Counter({ name: 'centralita_campaign_ingest_dead_letters_total', help: 'ALERT: campaign S3 events sent to the dead-letter queue, by error code', labelNames: ['code'], registers: [registry] }),
    originations: new Counter({ name: 'centralita_campaign_attempts_total', help: 'Campaign dial attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    originateErrors: new Counter({ name: 'centralita_campaign_originate_errors_total', help: 'Originate requests refused by the PBX, by error code', labelNames: ['code'], registers: [registry] }),
    dialWaitMs: new Histogram({ name: 'centralita_campaign_dial_wait_ms', help: 'Time a due job waited for a concurrency slot and its pacing slot', buckets: [1, 10, 50, 100, 500, 1000, 5000, 30000], registers: [registry] }),
  };
  if (store) {
    new Gauge({
      name: 'centralita_campaign_progress',
      help: 'Campaign progress by status (queued, dialling, answered, busy, no-answer, failed, retried, done, rejected)',
      labelNames: ['campaign', 'status'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const id of await store.list()) {
          const p = await store.progress(id);
          for (const k of ['queued', 'rejected', 'dialling', 'answered', 'voicemail', 'busy', 'declined', 'no-answer', 'unknown-number', 'failed', 'retried', 'done'] as const) this.set({ campaign: id, status: k }, p[k]);
        }
      },
    });
  }
  return m;
}
