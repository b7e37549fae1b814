// In-process event bus (dashboard, metrics, tests). Typed topics; a throwing listener is
// isolated so one bad subscriber never breaks call handling.
import type { CallRecord } from './call-record.ts';

export interface BusEvents {
  'call.record': CallRecord;
  'call.started': { callId: string; channelId: string; flowId?: string; from: string; to: string; at: string; direction?: 'inbound' | 'outbound' };
  'call.step': { callId: string; node: string; digits?: string; at: string };
  'queue.event': { queueId: string; type: string; callId?: string; agentId?: string; at: string; [k: string]: unknown };
  'agent.state': { agentId: string; state: string; reason?: string; at: string };
  'campaign.progress': { campaignId: string; [k: string]: unknown };
  'telephony.connection': { state: string; at: string };
}

export type BusListener<K extends keyof BusEvents> = (payload: BusEvents[K]) => void;

export interface EventBus {
  on<K extends keyof BusEvents>(topic: K, listener: BusListener<K>): () => void;
  emit<K extends keyof BusEvents>(topic: K, payload: BusEvents[K]): void;
}

export function createEventBus(onListenerError: (topic: string, err: unknown) => void = () => {}): EventBus {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  return {
    on(topic, listener) {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      return () => set.delete(listener as (p: unknown) => void);
    },
    emit(topic, payload) {
      const set = listeners.get(topic);
      if (!set) return;
      for (const l of set) {
        try { l(payload); } catch (err) { onListenerError(topic, err); }
      }
    },
  };
}
