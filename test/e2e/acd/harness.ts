// Builds an ACD over the fake telephony and a virtual clock, with a tiny stand-in for the
// Stasis router (agent legs → handleAgentLegStart) and for the call session (a caller's
// hangup aborts the join signal, DTMF is forwarded). Used by the ACD end-to-end tests.
import { createAcd, type Acd, type AcdLogger } from '../../../src/acd/acd.ts';
import { memoryAgentStore, type AgentStateStore } from '../../../src/acd/agent-store.ts';
import { virtualClock, type VirtualClock } from '../../../src/acd/clock.ts';
import { defineQueues, type QueueInput } from '../../../src/acd/queue-config.ts';
import { STASIS_ROLES, type QueueOutcome } from '../../../src/calls/contract.ts';
import { createEventBus, type BusEvents, type EventBus } from '../../../src/domain/event-bus.ts';
import { createAcdFakeTelephony, type AcdFakeTelephony } from '../../fakes/acd-fake-telephony.ts';

export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestCall {
  id: string;
  channelId: string;
  promise: Promise<QueueOutcome>;
  outcome(): QueueOutcome | undefined;
}

export interface Harness {
  clock: VirtualClock;
  tel: AcdFakeTelephony;
  acd: Acd;
  bus: EventBus;
  store: AgentStateStore;
  busEvents: { topic: keyof BusEvents; payload: unknown }[];
  call(queueId: string, id?: string, opts?: { skills?: string[] }): TestCall;
  /** Advances virtual time in steps (so long runs stay responsive). */
  run(ms: number): Promise<void>;
  loginAll(): Promise<void>;
}

export async function harness(queues: Record<string, QueueInput>, opts: { seed?: number; store?: AgentStateStore; playbackMs?: number; playFault?: NonNullable<Parameters<typeof createAcdFakeTelephony>[1]>['playFault']; logger?: AcdLogger } = {}): Promise<Harness> {
  const clock = virtualClock();
  const tel = createAcdFakeTelephony(clock, { playbackMs: opts.playbackMs, ...(opts.playFault ? { playFault: opts.playFault } : {}) });
  const bus = createEventBus((topic, err) => { throw new Error(`bus listener for ${topic} failed: ${String(err)}`); });
  const busEvents: Harness['busEvents'] = [];
  bus.on('queue.event', (p) => busEvents.push({ topic: 'queue.event', payload: p }));
  bus.on('agent.state', (p) => busEvents.push({ topic: 'agent.state', payload: p }));
  const store = opts.store ?? memoryAgentStore();
  const config = defineQueues(queues);
  const acd = createAcd({ telephony: tel, queues: config, clock, store, bus, rng: seededRng(opts.seed ?? 1), ...(opts.logger ? { logger: opts.logger } : {}) });
  const aborts = new Map<string, AbortController>();
  tel.onEvent((e) => {
    if (e.type === 'call.started' && e.args[0] === STASIS_ROLES.agentLeg) acd.handleAgentLegStart(e);
    if (e.type === 'call.ended') aborts.get(e.channelId)?.abort();
  });
  await acd.start();
  let n = 0;
  return {
    clock, tel, acd, bus, store, busEvents,
    call(queueId, id, opts) {
      const callId = id ?? `call${++n}`;
      const channelId = `ch-${callId}`;
      tel.placeCaller(channelId);
      const ac = new AbortController();
      aborts.set(channelId, ac);
      let result: QueueOutcome | undefined;
      const promise = acd.join({ callId, channelId, queueId, language: 'es', signal: ac.signal, ...(opts?.skills ? { skills: opts.skills } : {}) });
      promise.then((r) => { result = r; }, () => {});
      return { id: callId, channelId, promise, outcome: () => result };
    },
    async run(ms) {
      const step = 60_000;
      for (let left = ms; left > 0; left -= step) await clock.advance(Math.min(step, left));
    },
    async loginAll() {
      for (const a of acd.agents()) await acd.login(a.id);
    },
  };
}

/** Agent id a caller was connected to, or undefined. */
export function connectedAgent(h: Harness, callId: string): string | undefined {
  return h.acd.liveCalls().find((c) => c.callId === callId)?.agentId;
}
