// Logs a batch of CallRecords to the CRM, exactly once per record id:
//   ledger done                → duplicate (return the existing call id, send nothing)
//   ledger pending, recent     → wait (HubSpot's search index may not show it yet)
//   ledger pending, old        → search calls by record id; found → done, else create again
//   absent                     → find contacts (searches sized to HubSpot's body limit), claim
//                                 (pending), batch-create calls with associations, mark done
// Refusals are narrowed to the records at fault: a refusal of the portal's set-up (a missing
// property) stops the batch with one error; a refused value (an owner, an outcome) fails only
// the records carrying it; anything else is found by halving. Errors become per-record
// outcomes; the worker turns them into BullMQ actions.
import type { CallRecord } from '../../domain/call-record.ts';
import type { Crm, CrmContact, NewCallEngagement } from './port.ts';
import { CrmAuthError, CrmConfigError, CrmRateLimitedError, CrmRejectedError, CrmUnavailableError } from './port.ts';
import type { Ledger } from './ledger.ts';
import type { ChoiceStore } from './choice-store.ts';
import type { HubspotSettings } from './settings.ts';
import { alwaysWritten, buildCallProperties, chooseContact, customerNumber, type ContactChoice, type PortalLinks } from './call-properties.ts';
import { BATCH_CREATE_MAX, chunk } from './requests.ts';
import { propertyProblems, refusedValue, setupError } from './problems.ts';

export type LogOutcome =
  | { kind: 'logged'; callId: string; contactId?: string; otherContacts: number; contactCreated?: boolean }
  | { kind: 'duplicate'; callId: string; reconciled: boolean }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'rate-limited'; retryAfterMs: number; message: string; policy?: CrmRateLimitedError['policy'] }
  | { kind: 'unavailable'; message: string; status?: number }
  | { kind: 'auth'; message: string; status: number }
  | { kind: 'config'; message: string; status: number; property?: string }
  | { kind: 'rejected'; code: string; message: string; status?: number; body?: unknown };

/** A call logged without a contact, kept for `hubspot reconcile` (with its record, to rewrite the body then). */
export interface UnassociatedCall { recordId: string; callId: string; number: string; at: number; record?: CallRecord; associatedTo?: string }

export interface CallLoggerDeps {
  crm: Crm;
  calls: Ledger;
  contacts: Ledger;
  settings: HubspotSettings;
  /** HTTPS URL for a record's recording; undefined = the record's own `recording.url` (or none). */
  recordingUrl?: (record: CallRecord) => Promise<string | undefined>;
  /** Portal id and UI domain for links to contacts sharing a number. */
  portal?: () => PortalLinks | undefined;
  /** Calls logged without a contact, kept for later reconciliation. */
  onUnassociated?: (calls: UnassociatedCall[]) => Promise<void>;
  /** Contacts chosen for records in an earlier attempt (a retry, a crashed worker's batch): not searched again. */
  choices?: ChoiceStore;
  /** The current time (ms), for the pending stamp of each create; default: the batch's `now`. */
  now?: () => number;
  /** Test hook: runs after HubSpot created calls and before the ledger records them. */
  afterCreate?: (created: Map<string, string>) => Promise<void> | void;
}

export interface CallLogger {
  logBatch(records: CallRecord[], now: number): Promise<Map<string, LogOutcome>>;
}

export function outcomeFromError(err: unknown): LogOutcome {
  if (err instanceof CrmRateLimitedError) return { kind: 'rate-limited', retryAfterMs: err.retryAfterMs, message: err.message, policy: err.policy };
  if (err instanceof CrmAuthError) return { kind: 'auth', message: err.message, status: err.status };
  if (err instanceof CrmConfigError) return { kind: 'config', message: err.message, status: err.status, ...(err.property ? { property: err.property } : {}) };
  if (err instanceof CrmRejectedError) return { kind: 'rejected', code: err.code, message: err.message, status: err.status, body: err.body };
  if (err instanceof CrmUnavailableError) return { kind: 'unavailable', message: err.message, ...(err.status ? { status: err.status } : {}) };
  // Unknown failures (a bug, Redis down) are retried with backoff rather than dead-lettered.
  return { kind: 'unavailable', message: err instanceof Error ? err.message : String(err) };
}

/** What the unassociated entry keeps of a record: enough to rewrite the body, bounded in size. */
export function keptRecord(r: CallRecord): CallRecord {
  return r.path.length > 200 ? { ...r, path: r.path.filter((s) => s.digits).slice(0, 50) } : r;
}

/** The inputs a 400 is about, when its answer names them: a refused value, or a property only they carry. */
function atFault(body: unknown, inputs: NewCallEngagement[]): { records: NewCallEngagement[]; reason: string } | undefined {
  const hit = refusedValue(body, (name) => inputs.map((i) => i.properties[name] ?? ''));
  if (hit) return { records: inputs.filter((i) => i.properties[hit.name] === hit.value), reason: `${hit.name}: ${hit.problem.message}` };
  const p = propertyProblems(body).find((x) => x.error === 'PROPERTY_DOESNT_EXIST' || x.error === 'READ_ONLY_VALUE');
  const carrying = p ? inputs.filter((i) => p.name in i.properties) : [];
  if (p && carrying.length && carrying.length < inputs.length) return { records: carrying, reason: `${p.name}: ${p.message} (run \`centralita hubspot setup\`)` };
  return undefined;
}

type Meta = Map<string, { choice: ContactChoice; number?: string; record: CallRecord }>;

export function createCallLogger(deps: CallLoggerDeps): CallLogger {
  const { crm, settings } = deps;
  const lag = settings.reconcileAfterMs;
  // Records whose create this process has sent and not yet heard back about. Their pending entry
  // may be older than the lag (a loaded machine, a slow answer), but a record-id search cannot
  // prove such a create absent — it may be applied after the search — so they are never
  // reconciled or created again here while in flight (a stalled job picked up again by this same
  // worker would otherwise create a second engagement).
  const inFlight = new Set<string>();

  async function resolveContacts(records: CallRecord[], now: number, out: Map<string, LogOutcome>): Promise<Map<string, ContactChoice>> {
    const choices = new Map<string, ContactChoice>();
    const numberOf = new Map<string, string>();
    // An optimisation only: if the store cannot answer, search as if it were empty.
    const kept = deps.choices ? await deps.choices.get(records.filter((r) => !r.hubspotContactId).map((r) => r.id)).catch(() => new Map<string, ContactChoice>()) : new Map<string, ContactChoice>();
    for (const r of records) {
      if (r.hubspotContactId) { choices.set(r.id, { chosen: { id: r.hubspotContactId, numbers: [] }, others: [] }); continue; }
      const k = kept.get(r.id);
      if (k) { choices.set(r.id, k); continue; }
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
    const fresh = new Map<string, ContactChoice>();
    for (const [recordId, n] of numberOf) {
      const until = waitingNumbers.get(n);
      if (until !== undefined) { out.set(recordId, { kind: 'wait', untilMs: until, reason: `contact for ${n} is being created` }); continue; }
      const id = created.get(n);
      fresh.set(recordId, id ? { chosen: { id, numbers: [n] }, others: [], created: true } : chooseContact(found.get(n) ?? [], settings.matchRule));
    }
    if (deps.choices && fresh.size) await deps.choices.put(fresh).catch(() => undefined);
    for (const [id, c] of fresh) choices.set(id, c);
    return choices;
  }

  async function settle(made: Map<string, string>, inputs: NewCallEngagement[], now: number, out: Map<string, LogOutcome>, meta: Meta) {
    await deps.afterCreate?.(made);
    await deps.calls.markDone([...made].map(([key, id]) => ({ key, id })), now);
    const unassociated: UnassociatedCall[] = [];
    for (const i of inputs) {
      const callId = made.get(i.recordId);
      if (!callId) continue;
      const m = meta.get(i.recordId);
      out.set(i.recordId, { kind: 'logged', callId, ...(i.contactIds[0] ? { contactId: i.contactIds[0] } : {}), otherContacts: m?.choice.others.length ?? 0, ...(m?.choice.created ? { contactCreated: true } : {}) });
      if (!i.contactIds.length) unassociated.push({ recordId: i.recordId, callId, number: m?.number ?? '', at: now, ...(m ? { record: keptRecord(m.record) } : {}) });
    }
    if (unassociated.length) await deps.onUnassociated?.(unassociated);
  }

  /** One batch create; returns a set-up error that must stop the rest of the batch, if any. */
  async function create(inputs: NewCallEngagement[], now: number, out: Map<string, LogOutcome>, meta: Meta): Promise<CrmConfigError | undefined> {
    for (const i of inputs) inFlight.add(i.recordId);
    try {
      const res = await crm.createCalls(inputs).finally(() => { for (const i of inputs) inFlight.delete(i.recordId); });
      await settle(res.created, inputs, now, out, meta);
      if (res.refused.size) await deps.calls.clear([...res.refused.keys()]);
      for (const i of inputs) {
        const refused = res.refused.get(i.recordId);
        if (refused) out.set(i.recordId, outcomeFromError(refused));
        // Not in the response: unknown whether it exists. Stay pending; the next try reconciles.
        else if (!res.created.has(i.recordId)) out.set(i.recordId, { kind: 'unavailable', message: 'HubSpot did not return this call in the batch result' });
      }
      return undefined;
    } catch (err) {
      if (err instanceof CrmRejectedError && err.status === 400) {
        // Refusals of a property every call carries (our marker missing…): the portal's set-up.
        const setup = setupError(err.status, err.body, alwaysWritten(settings), settings.recordIdProperty);
        if (setup) {
          await deps.calls.clear(inputs.map((i) => i.recordId));
          for (const i of inputs) out.set(i.recordId, outcomeFromError(setup));
          return setup;
        }
        // A refused value or a property only some calls carry: fail the records at fault, resend the rest.
        const bad = inputs.length > 1 ? atFault(err.body, inputs) : undefined;
        if (bad) {
          await deps.calls.clear(bad.records.map((i) => i.recordId));
          const reason = new CrmRejectedError(400, { ...(err.body as object), message: bad.reason });
          for (const i of bad.records) out.set(i.recordId, outcomeFromError(reason));
          const good = inputs.filter((i) => !bad.records.includes(i));
          return good.length ? create(good, now, out, meta) : undefined;
        }
        if (inputs.length > 1) {
          // Unknown cause: halve to find the record(s) HubSpot refuses, so one bad record does not dead-letter the rest.
          const mid = Math.ceil(inputs.length / 2);
          return (await create(inputs.slice(0, mid), now, out, meta)) ?? create(inputs.slice(mid), now, out, meta);
        }
      }
      // A 4xx, a 429, 423 or 477 means nothing was applied: release the claims so a retry need not reconcile.
      if (err instanceof CrmRejectedError || err instanceof CrmRateLimitedError || err instanceof CrmConfigError) await deps.calls.clear(inputs.map((i) => i.recordId));
      // Unknown outcome (timeout, 5xx, network): the create may still be applied. The lag before a
      // search may be trusted counts from now, when this process stopped waiting, not from the send.
      else if (!(err instanceof CrmAuthError)) { const at = deps.now?.() ?? Date.now(); await deps.calls.markPending(inputs.map((i) => i.recordId), at, Number.MAX_SAFE_INTEGER).catch(() => undefined); }
      for (const i of inputs) out.set(i.recordId, outcomeFromError(err));
      return err instanceof CrmConfigError ? err : undefined;
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
        else if (inFlight.has(r.id)) out.set(r.id, { kind: 'wait', untilMs: now + Math.min(lag, 5_000), reason: 'this worker is creating this call right now' });
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
        const meta: Meta = new Map();
        const inputs: NewCallEngagement[] = [];
        const portal = deps.portal?.();
        for (const r of todo) {
          const choice = choices.get(r.id) ?? { others: [] };
          let recordingUrl: string | undefined;
          try { recordingUrl = r.recording || r.voicemail ? await deps.recordingUrl?.(r) : undefined; } catch { recordingUrl = undefined; }
          meta.set(r.id, { choice, number: customerNumber(r, settings.defaultCountry).e164, record: r });
          inputs.push({
            recordId: r.id,
            properties: buildCallProperties({ record: r, settings, choice, ...(recordingUrl ? { recordingUrl } : {}), ...(portal ? { portal } : {}) }),
            contactIds: choice.chosen ? [choice.chosen.id] : [],
          });
        }
        // One batch create per 100 (HubSpot's limit), each claimed (pending) just before it is
        // sent, stamped with the time it is sent, and recorded on its own: after a crash only
        // the calls that may have reached HubSpot are pending (and searched for), and a failure
        // in the second does not hide what the first created. A set-up refusal stops the rest.
        const parts = chunk(inputs, BATCH_CREATE_MAX);
        for (const [n, part] of parts.entries()) {
          const at = deps.now?.() ?? now;
          const claimed = new Set(await deps.calls.markPending(part.map((i) => i.recordId), at, at - lag));
          for (const i of part) if (!claimed.has(i.recordId)) out.set(i.recordId, { kind: 'wait', untilMs: at + Math.min(lag, 5_000), reason: 'another worker is creating this call' });
          const mine = part.filter((i) => claimed.has(i.recordId));
          const setup = mine.length ? await create(mine, at, out, meta) : undefined;
          if (setup) {
            // Not claimed yet: nothing to release.
            for (const i of parts.slice(n + 1).flat()) out.set(i.recordId, outcomeFromError(setup));
            break;
          }
        }
      } catch (err) {
        const o = outcomeFromError(err);
        for (const id of byId.keys()) if (!out.has(id)) out.set(id, o);
      }
      return out;
    },
  };
}
