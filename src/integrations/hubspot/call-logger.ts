// Logs a batch of CallRecords to the CRM, exactly once per record id:
//   ledger done                → duplicate (return the existing call id, send nothing)
//   ledger pending, recent     → wait (HubSpot's search index may not show it yet)
//   ledger pending, old        → search calls by record id; found → done, else create again
//   absent                     → find contacts (one batched search per 100 numbers), claim
//                                 (pending), batch-create calls with associations, mark done
// Errors become per-record outcomes; the worker turns them into BullMQ actions.
import type { CallRecord } from '../../domain/call-record.ts';
import type { Crm, CrmContact, NewCallEngagement } from './port.ts';
import { CrmAuthError, CrmRateLimitedError, CrmRejectedError, CrmUnavailableError } from './port.ts';
import type { Ledger } from './ledger.ts';
import type { HubspotSettings } from './settings.ts';
import { buildCallProperties, chooseContact, customerNumber, type ContactChoice } from './call-properties.ts';
import { BATCH_CREATE_MAX, chunk } from './requests.ts';

export type LogOutcome =
  | { kind: 'logged'; callId: string; contactId?: string; otherContacts: number; contactCreated?: boolean }
  | { kind: 'duplicate'; callId: string; reconciled: boolean }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'rate-limited'; retryAfterMs: number; message: string }
  | { kind: 'unavailable'; message: string; status?: number }
  | { kind: 'auth'; message: string; status: number }
  | { kind: 'rejected'; code: string; message: string; status?: number; body?: unknown };

export interface UnassociatedCall { recordId: string; callId: string; number: string; at: number }

export interface CallLoggerDeps {
  crm: Crm;
  calls: Ledger;
  contacts: Ledger;
  settings: HubspotSettings;
  /** HTTPS URL for a record's recording (e.g. presigned S3); undefined = no recording link. */
  recordingUrl?: (record: CallRecord) => Promise<string | undefined>;
  /** Calls logged without a contact, kept for later reconciliation. */
  onUnassociated?: (calls: UnassociatedCall[]) => Promise<void>;
  /** Test hook: runs after HubSpot created calls and before the ledger records them. */
  afterCreate?: (created: Map<string, string>) => Promise<void> | void;
}

export interface CallLogger {
  logBatch(records: CallRecord[], now: number): Promise<Map<string, LogOutcome>>;
}

export function outcomeFromError(err: unknown): LogOutcome {
  if (err instanceof CrmRateLimitedError) return { kind: 'rate-limited', retryAfterMs: err.retryAfterMs, message: err.message };
  if (err instanceof CrmAuthError) return { kind: 'auth', message: err.message, status: err.status };
  if (err instanceof CrmRejectedError) return { kind: 'rejected', code: err.code, message: err.message, status: err.status, body: err.body };
  if (err instanceof CrmUnavailableError) return { kind: 'unavailable', message: err.message, ...(err.status ? { status: err.status } : {}) };
  // Unknown failures (a bug, Redis down) are retried with backoff rather than dead-lettered.
  return { kind: 'unavailable', message: err instanceof Error ? err.message : String(err) };
}

export function createCallLogger(deps: CallLoggerDeps): CallLogger {
  const { crm, settings } = deps;
  const lag = settings.reconcileAfterMs;

  async function resolveContacts(records: CallRecord[], now: number, out: Map<string, LogOutcome>): Promise<Map<string, ContactChoice>> {
    const choices = new Map<string, ContactChoice>();
    const numberOf = new Map<string, string>();
    for (const r of records) {
      if (r.hubspotContactId) { choices.set(r.id, { chosen: { id: r.hubspotContactId, numbers: [] }, others: [] }); continue; }
      const n = customerNumber(r, settings.defaultCountry).e164;
      if (n) numberOf.set(r.id, n); else choices.set(r.id, { others: [] });
    }
    const numbers = [...new Set(numberOf.values())];
    const found = numbers.length ? await crm.findContactsByPhone(numbers) : new Map<string, CrmContact[]>();
    let created = new Map<string, string>();
    const waitingNumbers = new Map<string, number>();
    if (settings.createContacts) {
      const missing = numbers.filter((n) => !found.has(n));
      const known = await deps.contacts.get(missing);
      const toCreate: string[] = [];
      for (const n of missing) {
        const e = known.get(n);
        if (e?.state === 'done') created.set(n, e.id);
        else if (e?.state === 'pending' && now - e.at < lag) waitingNumbers.set(n, e.at + lag);
        else toCreate.push(n);
      }
      const claimed = await deps.contacts.markPending(toCreate, now, now - lag);
      for (const n of toCreate) if (!claimed.includes(n)) waitingNumbers.set(n, now + Math.min(lag, 5_000));
      if (claimed.length) {
        const made = await crm.createContacts(claimed);
        await deps.contacts.markDone([...made].map(([key, id]) => ({ key, id })), now);
        created = new Map([...created, ...made]);
      }
    }
    for (const [recordId, n] of numberOf) {
      const until = waitingNumbers.get(n);
      if (until !== undefined) { out.set(recordId, { kind: 'wait', untilMs: until, reason: `contact for ${n} is being created` }); continue; }
      const id = created.get(n);
      choices.set(recordId, id ? { chosen: { id, numbers: [n] }, others: [], created: true } : chooseContact(found.get(n) ?? [], settings.matchRule));
    }
    return choices;
  }

  async function create(inputs: NewCallEngagement[], now: number, out: Map<string, LogOutcome>, meta: Map<string, { choice: ContactChoice; number?: string }>) {
    try {
      const made = await crm.createCalls(inputs);
      await deps.afterCreate?.(made);
      await deps.calls.markDone([...made].map(([key, id]) => ({ key, id })), now);
      const unassociated: UnassociatedCall[] = [];
      for (const i of inputs) {
        const callId = made.get(i.recordId);
        // Not in the response: unknown whether it exists. Stay pending; the next try reconciles.
        if (!callId) { out.set(i.recordId, { kind: 'unavailable', message: 'HubSpot did not return this call in the batch result' }); continue; }
        const m = meta.get(i.recordId);
        out.set(i.recordId, { kind: 'logged', callId, ...(i.contactIds[0] ? { contactId: i.contactIds[0] } : {}), otherContacts: m?.choice.others.length ?? 0, ...(m?.choice.created ? { contactCreated: true } : {}) });
        if (!i.contactIds.length) unassociated.push({ recordId: i.recordId, callId, number: m?.number ?? '', at: now });
      }
      if (unassociated.length) await deps.onUnassociated?.(unassociated);
    } catch (err) {
      if (err instanceof CrmRejectedError) {
        // A rejected batch created nothing. Split it to find the record(s) HubSpot refuses,
        // so one bad record does not dead-letter ninety-nine good ones.
        if (inputs.length > 1) {
          const mid = Math.ceil(inputs.length / 2);
          await create(inputs.slice(0, mid), now, out, meta);
          await create(inputs.slice(mid), now, out, meta);
          return;
        }
        await deps.calls.clear(inputs.map((i) => i.recordId));
      }
      // 429 also means nothing was applied: release the claim so the retry need not reconcile.
      if (err instanceof CrmRateLimitedError) await deps.calls.clear(inputs.map((i) => i.recordId));
      for (const i of inputs) out.set(i.recordId, outcomeFromError(err));
    }
  }

  return {
    async logBatch(batch, now) {
      const out = new Map<string, LogOutcome>();
      const byId = new Map<string, CallRecord>();
      for (const r of batch) if (!byId.has(r.id)) byId.set(r.id, r);
      const entries = await deps.calls.get([...byId.keys()]);
      let todo: CallRecord[] = [];
      const reconcile: CallRecord[] = [];
      for (const r of byId.values()) {
        const e = entries.get(r.id);
        if (e?.state === 'done') out.set(r.id, { kind: 'duplicate', callId: e.id, reconciled: false });
        else if (e?.state === 'pending' && now - e.at < lag) out.set(r.id, { kind: 'wait', untilMs: e.at + lag, reason: 'an earlier create is not yet visible to search' });
        else if (e?.state === 'pending') reconcile.push(r);
        else todo.push(r);
      }
      try {
        if (reconcile.length) {
          const existing = await crm.findCallsByRecordId(reconcile.map((r) => r.id));
          await deps.calls.markDone([...existing].map(([key, id]) => ({ key, id })), now);
          for (const r of reconcile) {
            const callId = existing.get(r.id);
            if (callId) out.set(r.id, { kind: 'duplicate', callId, reconciled: true });
            else todo.push(r);
          }
        }
        if (!todo.length) return out;
        const choices = await resolveContacts(todo, now, out);
        todo = todo.filter((r) => !out.has(r.id));
        const meta = new Map<string, { choice: ContactChoice; number?: string }>();
        const inputs: NewCallEngagement[] = [];
        for (const r of todo) {
          const choice = choices.get(r.id) ?? { others: [] };
          let recordingUrl: string | undefined;
          try { recordingUrl = r.recording ? await deps.recordingUrl?.(r) ?? r.recording.uri : undefined; } catch { recordingUrl = undefined; }
          meta.set(r.id, { choice, number: customerNumber(r, settings.defaultCountry).e164 });
          inputs.push({
            recordId: r.id,
            properties: buildCallProperties({ record: r, settings, choice, ...(recordingUrl ? { recordingUrl } : {}) }),
            contactIds: choice.chosen ? [choice.chosen.id] : [],
          });
        }
        const claimed = new Set(await deps.calls.markPending(inputs.map((i) => i.recordId), now, now - lag));
        for (const i of inputs) if (!claimed.has(i.recordId)) out.set(i.recordId, { kind: 'wait', untilMs: now + Math.min(lag, 5_000), reason: 'another worker is creating this call' });
        const mine = inputs.filter((i) => claimed.has(i.recordId));
        // One batch create per 100 (HubSpot's limit), each recorded on its own so a failure in
        // the second does not hide what the first created.
        for (const part of chunk(mine, BATCH_CREATE_MAX)) await create(part, now, out, meta);
      } catch (err) {
        const o = outcomeFromError(err);
        for (const id of byId.keys()) if (!out.has(id)) out.set(id, o);
      }
      return out;
    },
  };
}
