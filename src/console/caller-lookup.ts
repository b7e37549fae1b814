// Who is calling, for the screen pop: the CRM contact that has the number (name, company,
// owner, a link to the record) and the last calls from that number in the call history. Either
// source may be missing (no HubSpot token, no database); a failing source degrades to what
// the other knows, never to an error on the agent's screen.
import { normalizeE164 } from '../domain/phone.ts';
import type { CallerContact } from '../wallboard/types.ts';
import type { CallerInfo, CallerLookup } from './offers.ts';

export interface ContactFinder {
  findContactsByPhone(e164s: string[]): Promise<Map<string, { id: string; name?: string; ownerId?: string; company?: string }[]>>;
}

export interface RecentCalls {
  search(q: { number: string; limit: number }): Promise<{ calls: { id: string; startedAt: string; disposition: string; agentId?: string; queueId?: string }[] }>;
}

export interface CallerLookupDeps {
  contacts?: ContactFinder;
  history?: RecentCalls;
  defaultCountry: string;
  /** Link to the contact's record in the CRM, when the portal is known. */
  contactUrl?: (contactId: string) => Promise<string | undefined> | string | undefined;
  /** The owner's name: the agent whose HubSpot owner id it is, when configured. */
  ownerName?: (ownerId: string) => string | undefined;
  /** An agent's display name for the last calls (the history keeps the id). */
  agentName?: (agentId: string) => string | undefined;
  onError?: (err: unknown, what: string) => void;
}

export function createCallerLookup(d: CallerLookupDeps): CallerLookup {
  return {
    async lookup(number) {
      const n = normalizeE164(number, d.defaultCountry);
      if (!n.ok) return { contact: null, lastCalls: [] };
      const [contacts, calls] = await Promise.all([
        d.contacts ? d.contacts.findContactsByPhone([n.e164]).catch((err: unknown) => { d.onError?.(err, 'CRM contact search'); return new Map(); }) : Promise.resolve(new Map()),
        d.history ? d.history.search({ number: n.e164, limit: 5 }).catch((err: unknown) => { d.onError?.(err, 'call history search'); return { calls: [] }; }) : Promise.resolve({ calls: [] }),
      ]);
      const found = (contacts.get(n.e164) ?? []) as { id: string; name?: string; ownerId?: string; company?: string }[];
      const lastCalls = calls.calls.map((x) => ({ id: x.id, at: x.startedAt, disposition: x.disposition, ...(x.agentId ? { agent: d.agentName?.(x.agentId) ?? x.agentId } : {}), ...(x.queueId ? { queue: x.queueId } : {}) }));
      const c = found[0];
      if (!c) return { contact: null, lastCalls } satisfies CallerInfo;
      const out: CallerContact = { id: c.id };
      if (c.name) out.name = c.name;
      if (c.company) out.company = c.company;
      if (c.ownerId) out.owner = d.ownerName?.(c.ownerId) ?? c.ownerId;
      const url = await Promise.resolve(d.contactUrl?.(c.id)).catch(() => undefined);
      if (url) out.url = url;
      return { contact: out, lastCalls };
    },
  };
}
