// Prometheus view of the Stasis core: values are read at scrape time from the service's and
// the adapter's own counters (collect callbacks), so the hot path does no metric work.
import { Gauge, type Registry } from 'prom-client';
import type { CallService } from './service.ts';

export interface AriStatsSource {
  status(): { connected: boolean; attempts: number; reconnects: number };
  restStats(): { inFlight: number; ok: number; failed: number; timedOut: number; events: number; rejected?: number };
}

export function registerCallMetrics(registry: Registry, src: { calls: CallService; ari?: AriStatsSource; prefix?: string }): void {
  const p = src.prefix ?? 'centralita_';
  const gauge = (name: string, help: string, read: () => number) => {
    new Gauge({ name: p + name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('calls_live', 'Calls with a running flow session', () => src.calls.stats().live);
  gauge('calls_started_total', 'Calls routed to a flow since start', () => src.calls.stats().started);
  gauge('calls_ended_total', 'Calls ended (one record each) since start', () => src.calls.stats().ended);
  gauge('calls_unknown_flow_total', 'StasisStarts with no flow, handed back to the dialplan', () => src.calls.stats().unknownFlow);
  gauge('calls_actor_errors_total', 'Calls whose flow actor failed', () => src.calls.stats().actorErrors);
  gauge('calls_vanished_total', 'Calls found gone at a resync after reconnect', () => src.calls.stats().vanished);
  gauge('call_records_failed_total', 'Call records that could not be published', () => src.calls.stats().recordsFailed);
  if (src.ari) {
    const ari = src.ari;
    gauge('ari_connected', '1 when the ARI event socket is up', () => (ari.status().connected ? 1 : 0));
    gauge('ari_reconnects_total', 'ARI event socket reconnections', () => ari.status().reconnects);
    gauge('ari_rest_in_flight', 'ARI commands queued or in flight', () => ari.restStats().inFlight);
    gauge('ari_rest_failed_total', 'ARI commands that failed (any reason)', () => ari.restStats().failed);
    gauge('ari_rest_timeouts_total', 'ARI commands that timed out', () => ari.restStats().timedOut);
    gauge('ari_events_total', 'ARI events received', () => ari.restStats().events);
    gauge('ari_events_rejected_total', 'Malformed ARI events rejected (counted and kept with their reason, never acted on)', () => ari.restStats().rejected ?? 0);
  }
}
