// Calls logged without a contact (no contact had the number, contact creation off) are kept
// in Redis; once someone adds the contact in HubSpot, reconcile finds it by the same phone
// matching and match rule as the logger and associates the existing call engagement to it.
// Safe to repeat: associating twice is a no-op in HubSpot and an entry is removed only after
// its association was accepted.
import type { Redis } from 'ioredis';
import type { Crm } from './port.ts';
import type { UnassociatedCall } from './call-logger.ts';
import type { HubspotSettings } from './settings.ts';
import { chooseContact } from './call-properties.ts';

export interface ReconcileResult {
  checked: number;
  associated: number;
  /** Still without a contact (kept for the next run). */
  remaining: number;
  /** Entries that cannot be reconciled (no number, unreadable): kept, and counted here. */
  unusable: number;
}

export async function reconcileUnassociated(o: { redis: Redis; key: string; crm: Crm; matchRule: HubspotSettings['matchRule']; pageSize?: number; onAssociated?: (c: UnassociatedCall & { contactId: string }) => void }): Promise<ReconcileResult> {
  const r: ReconcileResult = { checked: 0, associated: 0, remaining: 0, unusable: 0 };
  let cursor = '0';
  do {
    const [next, kv] = await o.redis.hscan(o.key, cursor, 'COUNT', o.pageSize ?? 100);
    cursor = next;
    const calls: UnassociatedCall[] = [];
    for (let i = 1; i < kv.length; i += 2) {
      r.checked += 1;
      try {
        const c = JSON.parse(kv[i]!) as UnassociatedCall;
        if (c.callId && c.number) calls.push(c); else r.unusable += 1;
      } catch { r.unusable += 1; }
    }
    if (!calls.length) continue;
    const found = await o.crm.findContactsByPhone([...new Set(calls.map((c) => c.number))]);
    const matched = calls.flatMap((c) => {
      const chosen = chooseContact(found.get(c.number) ?? [], o.matchRule).chosen;
      return chosen ? [{ ...c, contactId: chosen.id }] : [];
    });
    r.remaining += calls.length - matched.length;
    if (!matched.length) continue;
    await o.crm.associateCalls(matched.map((m) => ({ callId: m.callId, contactId: m.contactId })));
    await o.redis.hdel(o.key, ...matched.map((m) => m.recordId));
    r.associated += matched.length;
    for (const m of matched) o.onAssociated?.(m);
  } while (cursor !== '0');
  return r;
}
