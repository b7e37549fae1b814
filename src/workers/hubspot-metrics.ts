// Prometheus view of HubSpot call logging, read from Redis and BullMQ at scrape time so every
// process reports the same numbers: outcomes so far, calls waiting for a contact, dead letters
// (alert on these) and the call-records backlog (a HubSpot outage shows up here first).
import { Gauge, type Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HubspotWorker } from './hubspot.ts';

export function registerHubspotMetrics(registry: Registry, o: { worker: Pick<HubspotWorker, 'stats' | 'dlq'>; redis: Redis; unassociatedKey: string; callRecords: Pick<Queue, 'getJobCounts'> }): void {
  new Gauge({
    name: 'centralita_hubspot_record_outcomes',
    help: 'Call records handled by the HubSpot logger since the stats began, by outcome (logged, duplicate, rate-limited, unavailable, rejected…); all workers',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [k, v] of Object.entries(await o.worker.stats())) this.set({ outcome: k }, v);
    },
  });
  new Gauge({
    name: 'centralita_hubspot_unassociated_calls',
    help: 'Calls logged without a contact, waiting for `centralita hubspot reconcile`',
    registers: [registry],
    async collect() { this.set(await o.redis.hlen(o.unassociatedKey)); },
  });
  new Gauge({
    name: 'centralita_hubspot_dead_letters',
    help: 'ALERT: call records HubSpot refused for good, waiting in hubspot-dlq (`centralita hubspot replay --dlq` after fixing the cause)',
    registers: [registry],
    async collect() { this.set(await o.worker.dlq.count()); },
  });
  new Gauge({
    name: 'centralita_hubspot_backlog',
    help: 'call-records jobs not logged yet, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const c = await o.callRecords.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized');
      for (const [k, v] of Object.entries(c)) this.set({ state: k }, v);
    },
  });
}
