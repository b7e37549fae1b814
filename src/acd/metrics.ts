// Prometheus view of the ACD, computed at scrape time from the same statistics the API
// serves (no second set of counters to drift): last hour per queue, agents per state.
import { Gauge, type Registry } from 'prom-client';
import type { Acd } from './acd.ts';

export function registerAcdMetrics(registry: Registry, acd: Acd, opts: { windowSec?: number } = {}): void {
  const windowSec = opts.windowSec ?? 3600;
  new Gauge({
    name: 'centralita_acd_queue_waiting', help: 'Callers waiting in the queue now', labelNames: ['queue'], registers: [registry],
    collect() { this.reset(); for (const q of acd.getQueueStats({ windowSec })) this.set({ queue: q.queueId }, q.waitingNow); },
  });
  new Gauge({
    name: 'centralita_acd_queue_longest_wait_seconds', help: 'Longest current wait in the queue', labelNames: ['queue'], registers: [registry],
    collect() { this.reset(); for (const q of acd.getQueueStats({ windowSec })) this.set({ queue: q.queueId }, q.longestWaitSec); },
  });
  new Gauge({
    name: 'centralita_acd_queue_calls_window', help: `Queue calls by result over the last ${windowSec} s`, labelNames: ['queue', 'result'], registers: [registry],
    collect() {
      this.reset();
      for (const q of acd.getQueueStats({ windowSec })) {
        const by = { offered: q.offered, answered: q.answered, abandoned: q.abandoned, abandoned_short: q.abandonedShort, timeout: q.timeouts, exit_key: q.exitKey, left_empty: q.leftEmpty, rejected_full: q.rejectedFull, rejected_no_agents: q.rejectedNoAgents };
        for (const [result, n] of Object.entries(by)) this.set({ queue: q.queueId, result }, n);
      }
    },
  });
  new Gauge({
    name: 'centralita_acd_queue_service_level_percent', help: `Service level over the last ${windowSec} s`, labelNames: ['queue'], registers: [registry],
    collect() { this.reset(); for (const q of acd.getQueueStats({ windowSec })) if (q.serviceLevelPct !== null) this.set({ queue: q.queueId }, q.serviceLevelPct); },
  });
  new Gauge({
    name: 'centralita_acd_queue_asa_seconds', help: `Average speed of answer over the last ${windowSec} s`, labelNames: ['queue'], registers: [registry],
    collect() { this.reset(); for (const q of acd.getQueueStats({ windowSec })) if (q.asaSec !== null) this.set({ queue: q.queueId }, q.asaSec); },
  });
  new Gauge({
    name: 'centralita_acd_agents', help: 'Agents per state', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const counts: Record<string, number> = { loggedOut: 0, available: 0, ringing: 0, onCall: 0, wrapUp: 0, paused: 0 };
      for (const a of acd.agents()) counts[a.state] = (counts[a.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'centralita_acd_errors', help: 'ACD input/telephony problems by kind (bad agent legs, late answers, store errors…)', labelNames: ['kind'], registers: [registry],
    collect() { this.reset(); for (const [kind, n] of Object.entries(acd.counters)) this.set({ kind }, n); },
  });
}
