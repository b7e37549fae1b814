// No token configured: nothing is sent. Each request that would be sent is appended to a
// JSONL outbox ({at, method, path, body}) so ops can inspect or replay it. Searches find
// nothing (the outbox cannot know the CRM), so calls are written without a contact unless
// the record already carries hubspotContactId; created ids are synthetic ("outbox-<n>").
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Crm } from './port.ts';
import { createCrmOverTransport, type CrmTransport } from './crm.ts';
import { PATHS } from './requests.ts';
import type { Clock } from './budget.ts';
import { realClock } from './budget.ts';

export interface OutboxCrmOptions {
  file: string;
  recordIdProperty: string;
  defaultCountry: string;
  clock?: Clock;
}

export function createOutboxCrm(opts: OutboxCrmOptions): Crm & { readonly written: number } {
  mkdirSync(dirname(opts.file), { recursive: true });
  const clock = opts.clock ?? realClock;
  let written = 0;
  let seq = 0;
  // Synchronous append: one line per request, never interleaved, durable before we report success.
  const write = (path: string, body: unknown) => {
    appendFileSync(opts.file, JSON.stringify({ at: new Date(clock.now()).toISOString(), method: 'POST', path, body }) + '\n');
    written++;
  };
  const now = () => new Date(clock.now()).toISOString();
  const transport: CrmTransport = {
    async search(object, body) {
      write(object === 'contacts' ? PATHS.contactSearch : PATHS.callSearch, typeof body === 'function' ? body() : body);
      return { total: 0, results: [] };
    },
    async batchCreate(object, body) {
      write(object === 'contacts' ? PATHS.contactBatchCreate : PATHS.callBatchCreate, body);
      return { status: 201, results: (body.inputs as { properties: Record<string, string> }[]).map((i) => ({ id: `outbox-${clock.now()}-${++seq}`, properties: i.properties, createdAt: now(), updatedAt: now() })) };
    },
    async batchUpdate(body) {
      write(PATHS.callBatchUpdate, body);
      return { status: 200, results: (body.inputs as { id: string; properties: Record<string, string> }[]).map((i) => ({ id: i.id, properties: i.properties })) };
    },
    async associate(body) {
      write(PATHS.callContactAssociate, body);
      return { status: 201, results: (body.inputs as { from: { id: string }; to: { id: string } }[]).map((i) => ({ fromObjectId: i.from.id, toObjectId: i.to.id })) };
    },
  };
  const crm = createCrmOverTransport(transport, { recordIdProperty: opts.recordIdProperty, defaultCountry: opts.defaultCountry, fallbackSearch: false });
  return {
    ...crm,
    // Nothing was ever sent, so no call can exist that the ledger does not know about.
    findCallsByRecordId: async () => new Map(),
    get written() { return written; },
  };
}
