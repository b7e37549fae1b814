// What an on-call engineer needs beyond the feature metrics: call outcomes by disposition
// and hang-up cause, readiness as a number, Redis/PostgreSQL reachability and latency, the
// dialler's configured pace and live calls. Read at scrape time or counted from the bus.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../domain/event-bus.ts';
import { runReadiness, type ReadinessCheck } from '../http/server.ts';

export interface OpsMetricsOptions {
  bus: EventBus;
  readiness: ReadinessCheck[];
  /** name → a round trip to the dependency (Redis PING, PostgreSQL SELECT 1…). */
  dependencies?: Record<string, () => Promise<unknown>>;
  dialer?: { maxCallsPerSecond: number; maxConcurrentCalls: number; active: () => Promise<number> };
  probeTimeoutMs?: number;
  /** Monotonic milliseconds (performance.now in production). */
  monotonic?: () => number;
}

/** Hang-up cause as a bounded label: Asterisk's cause text in snake case, else its Q.850 code. */
export function causeLabel(r: { hangupCause?: number; hangupCauseText?: string }): string {
  const t = r.hangupCauseText?.trim();
  if (t) return t.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) || 'unknown';
  return r.hangupCause !== undefined ? `q850_${r.hangupCause}` : 'none';
}

export function registerOpsMetrics(registry: Registry, o: OpsMetricsOptions): () => void {
  const outcomes = new Counter({ name: 'centralita_call_outcomes_total', help: 'Finished calls (one call record each) by disposition and hang-up cause', labelNames: ['disposition', 'cause'], registers: [registry] });
  const records = new Counter({ name: 'centralita_call_records_total', help: 'Finished calls (call records), all dispositions (CloudWatch failed-call ratio denominator)', registers: [registry] });
  const failed = new Counter({ name: 'centralita_calls_failed_total', help: 'Finished calls whose disposition is failed (CloudWatch failed-call ratio numerator)', registers: [registry] });
  const off = o.bus.on('call.record', (r) => {
    outcomes.inc({ disposition: r.disposition, cause: causeLabel(r) });
    records.inc();
    if (r.disposition === 'failed') failed.inc();
  });
  new Gauge({
    name: 'centralita_ready', help: '1 when every readiness check passes (GET /readyz answers 200)', registers: [registry],
    async collect() { this.set(Object.values(await runReadiness(o.readiness)).every((c) => c.ok) ? 1 : 0); },
  });
  const deps = Object.entries(o.dependencies ?? {});
  if (deps.length) {
    const timeout = o.probeTimeoutMs ?? 1000;
    const mono = o.monotonic ?? (() => performance.now());
    const probe = async (fn: () => Promise<unknown>) => {
      const t0 = mono();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([fn(), new Promise((_r, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeout); })]);
        return { up: 1, seconds: (mono() - t0) / 1000 };
      } catch {
        return { up: 0, seconds: (mono() - t0) / 1000 };
      } finally { clearTimeout(timer); }
    };
    // One probe per scrape serves both gauges.
    let last: Promise<Map<string, { up: number; seconds: number }>> | undefined;
    const results = () => (last ??= (async () => new Map(await Promise.all(deps.map(async ([n, fn]) => [n, await probe(fn)] as const))))().finally(() => setTimeout(() => { last = undefined; }, 0)));
    new Gauge({ name: 'centralita_dependency_up', help: '1 when the dependency answered its probe within the timeout', labelNames: ['dependency'], registers: [registry], async collect() { for (const [n, r] of await results()) this.set({ dependency: n }, r.up); } });
    new Gauge({ name: 'centralita_dependency_latency_seconds', help: 'Round trip of the dependency probe (PING / SELECT 1) at scrape time', labelNames: ['dependency'], registers: [registry], async collect() { for (const [n, r] of await results()) this.set({ dependency: n }, r.seconds); } });
  }
  if (o.dialer) {
    const d = o.dialer;
    new Gauge({ name: 'centralita_dialer_max_cps', help: 'Configured campaign calls per second across all diallers (DIALER_MAX_CPS)', registers: [registry], collect() { this.set(d.maxCallsPerSecond); } });
    new Gauge({ name: 'centralita_dialer_max_concurrent', help: 'Configured live campaign calls across all diallers (DIALER_MAX_CONCURRENT)', registers: [registry], collect() { this.set(d.maxConcurrentCalls); } });
    new Gauge({ name: 'centralita_dialer_active_calls', help: 'Live campaign calls holding a dial slot now (all diallers)', registers: [registry], async collect() { this.set(await d.active().catch(() => Number.NaN)); } });
  }
  return off;
}
