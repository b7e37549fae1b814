// Screen pops: when the ACD offers a call to an agent (a `ring` queue event), the agent's
// console gets who is calling (the CRM contact, or "unknown caller"), how long they waited and
// what they chose in the phone menu — the IVR path as the call record keeps it, so digits of a
// sensitive gather are not there. The pop follows the call (ringing → connected → ended) and
// becomes a pending wrap-up when the conversation ends. Kept in memory per agent so a console
// reload shows the same pop.
import type { BusEvents, EventBus } from '../domain/event-bus.ts';
import type { IvrStep } from '../domain/call-record.ts';
import type { LiveHub } from '../live/hub.ts';
import { callRecordId } from '../calls/records.ts';
import { menuVisits } from './ivr.ts';
import type { CallerContact, PastCall, PendingWrapUp, ScreenPop } from '../wallboard/types.ts';

/** Who is calling: the CRM contact with this number (null = unknown) and earlier calls from it. */
export interface CallerInfo { contact: CallerContact | null; lastCalls: PastCall[] }
export interface CallerLookup {
  lookup(number: string): Promise<CallerInfo>;
}

export interface OffersDeps {
  bus: EventBus;
  hub: LiveHub;
  /** The live call's caller and the IVR steps walked so far. */
  liveCall(callId: string): { from: string; path: IvrStep[] } | undefined;
  lookup?: CallerLookup;
  queueName(queueId: string): string;
  now: () => number;
  /** Pending wrap-ups older than this are dropped (the HubSpot log went without them). */
  wrapUpWindowMs: number;
  onError?: (err: unknown, what: string) => void;
}

export interface Offers {
  /** The agent's current pop (ringing, on the call, or just ended). */
  current(agentId: string): ScreenPop | undefined;
  pending(agentId: string): PendingWrapUp[];
  /** A call the agent made (click-to-call) waits for its wrap-up too. */
  addPending(agentId: string, item: PendingWrapUp): void;
  /** Removes a wrapped-up call from the agent's pending list. */
  wrappedUp(agentId: string, callId: string): PendingWrapUp | undefined;
  stop(): void;
}

export function createOffers(d: OffersDeps): Offers {
  const current = new Map<string, ScreenPop>();
  const pending = new Map<string, PendingWrapUp[]>();
  const lookups = new Map<string, Promise<CallerInfo>>();
  const joins = new Map<string, number>();

  const publish = (pop: ScreenPop) => d.hub.publish({ type: 'offer', data: pop }, { agentOnly: pop.agentId }, { pii: true });
  const publishPending = (agentId: string) => d.hub.publish({ type: 'wrapup', data: { agentId, pending: pendingOf(agentId) } }, { agentOnly: agentId }, { pii: true });
  const pendingOf = (agentId: string) => {
    const cut = d.now() - d.wrapUpWindowMs;
    const list = (pending.get(agentId) ?? []).filter((p) => p.endedAt >= cut);
    if (list.length) pending.set(agentId, list); else pending.delete(agentId);
    return list;
  };

  const unknown: CallerInfo = { contact: null, lastCalls: [] };
  function lookupOnce(callId: string, number: string): Promise<CallerInfo> {
    let p = lookups.get(callId);
    if (!p) {
      p = d.lookup ? d.lookup.lookup(number).catch((err: unknown) => { d.onError?.(err, 'caller lookup'); return unknown; }) : Promise.resolve(unknown);
      lookups.set(callId, p);
    }
    return p;
  }

  function onRing(e: BusEvents['queue.event']) {
    const callId = e.callId;
    const agentIds = Array.isArray(e.agentIds) ? (e.agentIds as string[]) : e.agentId ? [e.agentId] : [];
    if (!callId || agentIds.length === 0) return;
    const call = d.liveCall(callId);
    const caller = call?.from ?? '';
    const at = Date.parse(e.at) || d.now();
    const ivr = menuVisits(call?.path ?? []);
    const lookup = lookupOnce(callId, caller);
    let resolved: CallerInfo | undefined;
    void lookup.then((c) => { resolved = c; });
    for (const agentId of agentIds) {
      const pop: ScreenPop = {
        callId, agentId, queueId: e.queueId, queueName: d.queueName(e.queueId), caller, state: 'ringing', offeredAt: at,
        waitedSec: Math.max(0, Math.round((at - (joins.get(callId) ?? at)) / 1000)), ivr,
        contact: resolved?.contact ?? null, lastCalls: resolved?.lastCalls ?? [], lookingUp: resolved === undefined && d.lookup !== undefined,
      };
      current.set(agentId, pop);
      publish(pop);
    }
    void lookup.then((info) => {
      for (const agentId of agentIds) {
        const pop = current.get(agentId);
        if (!pop || pop.callId !== callId || !pop.lookingUp) continue;
        const next = { ...pop, contact: info.contact, lastCalls: info.lastCalls, lookingUp: false };
        current.set(agentId, next);
        publish(next);
      }
    });
  }

  function end(agentId: string, callId: string, outcome: 'missed' | 'gone' | 'answered-elsewhere') {
    const pop = current.get(agentId);
    if (!pop || pop.callId !== callId || pop.state !== 'ringing') return;
    current.delete(agentId);
    d.hub.publish({ type: 'offer.end', data: { callId, agentId, outcome } }, { agentOnly: agentId });
  }

  const off = d.bus.on('queue.event', (e) => {
    try {
      const callId = e.callId;
      switch (e.type) {
        case 'join': if (callId) joins.set(callId, Date.parse(e.at) || d.now()); return;
        case 'ring': onRing(e); return;
        case 'ring-failed': if (e.agentId && callId) end(e.agentId, callId, 'missed'); return;
        case 'connect': {
          if (!callId || !e.agentId) return;
          for (const [agentId, pop] of current) if (pop.callId === callId && agentId !== e.agentId) end(agentId, callId, 'answered-elsewhere');
          const pop = current.get(e.agentId);
          if (pop && pop.callId === callId) {
            const next: ScreenPop = { ...pop, state: 'connected', connectedAt: Date.parse(e.at) || d.now() };
            current.set(e.agentId, next);
            publish(next);
          }
          joins.delete(callId);
          return;
        }
        case 'leave':
          if (!callId) return;
          for (const [agentId, pop] of current) if (pop.callId === callId) end(agentId, callId, 'gone');
          joins.delete(callId);
          lookups.delete(callId);
          return;
        case 'complete': {
          if (!callId || !e.agentId) return;
          const pop = current.get(e.agentId);
          const endedAt = Date.parse(e.at) || d.now();
          const item: PendingWrapUp = {
            callId, recordId: callRecordId(callId), caller: pop?.callId === callId ? pop.caller : '', queueId: e.queueId,
            ...(pop?.callId === callId && pop.contact?.name ? { contactName: pop.contact.name } : {}),
            endedAt, talkSec: Math.round(Number(e.talkSec) || 0),
          };
          pending.set(e.agentId, [...pendingOf(e.agentId).filter((p) => p.callId !== callId), item]);
          if (pop && pop.callId === callId) {
            const next: ScreenPop = { ...pop, state: 'ended' };
            current.set(e.agentId, next);
            publish(next);
          }
          publishPending(e.agentId);
          lookups.delete(callId);
          return;
        }
        default: return;
      }
    } catch (err) {
      d.onError?.(err, 'screen pop');
    }
  });

  return {
    current: (agentId) => current.get(agentId),
    pending: (agentId) => pendingOf(agentId),
    addPending(agentId, item) {
      pending.set(agentId, [...pendingOf(agentId).filter((p) => p.callId !== item.callId), item]);
      publishPending(agentId);
    },
    wrappedUp(agentId, callId) {
      const list = pendingOf(agentId);
      const item = list.find((p) => p.callId === callId);
      if (!item) return undefined;
      pending.set(agentId, list.filter((p) => p.callId !== callId));
      const pop = current.get(agentId);
      if (pop?.callId === callId && pop.state === 'ended') {
        current.delete(agentId);
        d.hub.publish({ type: 'offer.end', data: { callId, agentId, outcome: 'wrapped-up' } }, { agentOnly: agentId });
      }
      publishPending(agentId);
      return item;
    },
    stop: () => off(),
  };
}
