// Calls logged without a contact (no contact had the number, contact creation off) are kept;
// once someone adds the contact in HubSpot, reconcile finds it by the same phone matching and
// match rule as the logger, associates the existing call to it (v4 batch; HubSpot may accept
// some and refuse others — 207), and rewrites the call's body and title, which said no contact
// matched. An entry goes only when both are done; an association already made is remembered so
// a later run only retries the body. Safe to repeat: associating twice is a no-op in HubSpot.
import type { CallPair, Crm, CrmContact } from './port.ts';
import type { UnassociatedCall } from './call-logger.ts';
import type { HubspotSettings } from './settings.ts';
import type { UnassociatedStore } from './unassociated.ts';
import { buildCallProperties, chooseContact, type PortalLinks } from './call-properties.ts';

export interface ReconcileResult {
  checked: number;
  associated: number;
  /** Still without a contact (kept for the next run). */
  remaining: number;
  /** Entries that cannot be reconciled (no number, unreadable): kept, and counted here. */
  unusable: number;
  /** Associations HubSpot refused (kept for the next run). */
  refused: number;
  /** Calls whose body and title were rewritten. */
  updated: number;
}

export interface ReconcileOptions {
  store: UnassociatedStore;
  crm: Crm;
  settings: HubspotSettings;
  portal?: PortalLinks;
  pageSize?: number;
  onAssociated?: (c: UnassociatedCall & { contactId: string }) => void;
  onRefused?: (c: UnassociatedCall, reason: string) => void;
}

export async function reconcileUnassociated(o: ReconcileOptions): Promise<ReconcileResult> {
  const r: ReconcileResult = { checked: 0, associated: 0, remaining: 0, unusable: 0, refused: 0, updated: 0 };
  for await (const page of o.store.pages(o.pageSize ?? 100)) {
    const calls: UnassociatedCall[] = [];
    for (const { raw } of page) {
      r.checked += 1;
      try {
        const c = JSON.parse(raw) as UnassociatedCall;
        if (c.callId && c.number) calls.push(c); else r.unusable += 1;
      } catch { r.unusable += 1; }
    }
    if (!calls.length) continue;
    const found = await o.crm.findContactsByPhone([...new Set(calls.map((c) => c.number))]);
    const contactOf = new Map<string, { chosen: CrmContact; others: CrmContact[] }>();
    const toAssociate: CallPair[] = [];
    for (const c of calls) {
      const candidates = found.get(c.number) ?? [];
      if (c.associatedTo) {
        const chosen = candidates.find((x) => x.id === c.associatedTo) ?? { id: c.associatedTo, numbers: [c.number] };
        contactOf.set(c.recordId, { chosen, others: candidates.filter((x) => x.id !== chosen.id) });
        continue;
      }
      const choice = chooseContact(candidates, o.settings.matchRule);
      if (!choice.chosen) { r.remaining += 1; continue; }
      contactOf.set(c.recordId, { chosen: choice.chosen, others: choice.others });
      toAssociate.push({ callId: c.callId, contactId: choice.chosen.id });
    }
    const byCall = new Map(calls.map((c) => [c.callId, c]));
    if (toAssociate.length) {
      const res = await o.crm.associateCalls(toAssociate);
      for (const { pair, reason } of res.refused) {
        const c = byCall.get(pair.callId)!;
        contactOf.delete(c.recordId);
        r.refused += 1;
        o.onRefused?.(c, reason);
      }
      for (const p of res.associated) {
        const c = byCall.get(p.callId)!;
        c.associatedTo = p.contactId;
        r.associated += 1;
        o.onAssociated?.({ ...c, contactId: p.contactId });
      }
    }
    // Rewrite the body (and title, owner) of every associated call whose record we kept.
    const done: string[] = [];
    const updates: { callId: string; properties: Record<string, string> }[] = [];
    for (const c of calls) {
      const choice = contactOf.get(c.recordId);
      if (!choice || !c.associatedTo) continue;
      if (!c.record) { done.push(c.recordId); continue; }
      const p = buildCallProperties({ record: c.record, settings: o.settings, choice, reconciled: true, ...(o.portal ? { portal: o.portal } : {}) });
      updates.push({ callId: c.callId, properties: { hs_call_title: p.hs_call_title!, hs_call_body: p.hs_call_body!, ...(p.hubspot_owner_id ? { hubspot_owner_id: p.hubspot_owner_id } : {}) } });
    }
    if (updates.length) {
      const res = await o.crm.updateCalls(updates);
      r.updated += res.updated.length;
      const ok = new Set(res.updated);
      for (const u of updates) {
        const c = byCall.get(u.callId)!;
        if (ok.has(u.callId)) done.push(c.recordId);
      }
    }
    // Associated but the body not rewritten yet: remember the association for the next run.
    const later = calls.filter((c) => c.associatedTo && !done.includes(c.recordId));
    if (later.length) await o.store.put(later);
    await o.store.remove(done);
  }
  return r;
}
