// The ACD over real ARI against the simulated PBX, sharing the simulator's clock (which may
// run faster than real time) so queue timers and phone behaviours agree. The harness plays
// the Stasis router and a flow's queue node: agent legs go to handleAgentLegStart; callers
// are answered, join the queue named by their Stasis args, and are hung up afterwards.
import { pino } from 'pino';
import { createSimClock, startSimulator, type EndpointBehavior, type SimClock, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createAcd, type Acd } from '../../../src/acd/acd.ts';
import { memoryAgentStore } from '../../../src/acd/agent-store.ts';
import type { Clock, TimerHandle } from '../../../src/acd/clock.ts';
import { defineQueues, type QueueInput } from '../../../src/acd/queue-config.ts';
import { STASIS_ROLES, type QueueOutcome } from '../../../src/calls/contract.ts';
import type { OriginateRequest, Telephony } from '../../../src/telephony/port.ts';
import { seededRng } from './harness.ts';
export { waitFor } from '../../helpers/wait.ts';
import { waitFor } from '../../helpers/wait.ts';

export function clockFromSim(sim: SimClock): Clock {
  return {
    now: () => sim.now(),
    setTimeout: (fn, ms) => sim.setTimer(ms, fn) as unknown as TimerHandle,
    clearTimeout: (h) => sim.clearTimer(h as Parameters<SimClock['clearTimer']>[0]),
  };
}


export interface SimAcd {
  sim: Simulator;
  tel: AriTelephony;
  acd: Acd;
  clock: SimClock;
  outcomes: Map<string, QueueOutcome>;
  errors: unknown[];
  /** Places a call into `queueId`; returns the caller's channel id. */
  call(queueId: string, opts?: { from?: string; hangupAfterMs?: number; digits?: string; digitsAfterMs?: number }): string;
  phone(resource: string, b: EndpointBehavior): void;
  stop(): Promise<void>;
}

export async function startSimAcd(queues: Record<string, QueueInput>, opts: { speed?: number; phones: Record<string, EndpointBehavior>; seed?: number; rest?: 'http' | 'ari-client'; soundLengths?: Record<string, number>; beforeOriginate?: (endpoint: string) => void; wrapTelephony?: (t: Telephony) => Telephony; afterAgent?: 'hangup' | 'continue'; flowLagMs?: number }): Promise<SimAcd> {
  const clock = createSimClock({ speed: opts.speed ?? 1 });
  const ids = Object.keys(queues);
  const dids = Object.fromEntries(ids.map((q, i) => [`60155503${String(i).padStart(2, '0')}`, q]));
  const didOf = Object.fromEntries(Object.entries(dids).map(([d, q]) => [q, d]));
  const sim = await startSimulator({
    host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', app: 'centralita', clock, dids,
    soundLengths: { 'vm-goodbye': 500, ...opts.soundLengths },
    endpoints: [
      { technology: 'PJSIP', resource: 'trunk', trunk: true, behavior: { behavior: 'answer', afterMs: 0 } },
      ...Object.entries(opts.phones).map(([resource, behavior]) => ({ technology: 'PJSIP', resource, behavior })),
    ],
  });
  const tel = await createAriTelephony({
    url: sim.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 5000,
    logger: pino({ level: 'silent' }), backoff: { initialMs: 50, maxMs: 300 }, pingIntervalMs: 0, maxSockets: 64,
    ...(opts.rest ? { rest: opts.rest } : {}),
  });
  // Lets a test pick a phone's behaviour for each ring (random answer delays, no answer…).
  const before = opts.beforeOriginate;
  const telForAcd: Telephony = before
    ? new Proxy(tel, {
      get(t, p) {
        if (p === 'originate') return (req: OriginateRequest) => { before(req.endpoint); return t.originate(req); };
        const v = Reflect.get(t, p) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    })
    : tel;
  const acd = createAcd({ telephony: opts.wrapTelephony ? opts.wrapTelephony(telForAcd) : telForAcd, queues: defineQueues(queues), clock: clockFromSim(clock), store: memoryAgentStore(), rng: seededRng(opts.seed ?? 5) });
  const outcomes = new Map<string, QueueOutcome>();
  const errors: unknown[] = [];
  tel.onEvent((e) => {
    if (e.type !== 'call.started') return;
    if (e.args[0] === STASIS_ROLES.agentLeg) { acd.handleAgentLegStart(e); return; }
    const channelId = e.channel.id;
    const ac = new AbortController();
    const off = tel.onEvent((x) => { if ((x.type === 'call.ended' || x.type === 'channel.destroyed') && x.channelId === channelId) { off(); ac.abort(); } });
    void (async () => {
      try {
        await tel.answer(channelId);
        const o = await acd.join({ callId: `call-${channelId}`, channelId, queueId: e.args[0]!, language: 'es', signal: ac.signal, ...(opts.afterAgent ? { afterAgent: opts.afterAgent } : {}) });
        outcomes.set(channelId, o);
        // A flow slow to act on the outcome (a loaded process): the caller must not hear silence meanwhile.
        if (opts.flowLagMs) await new Promise((r) => setTimeout(r, opts.flowLagMs));
        off();
        // A hangup that never completes would leave the caller in silence: retried when it timed
        // out (a loaded machine), an error of the run when the PBX refused it.
        for (let i = 0; ; i++) {
          const err = await tel.hangup(channelId).then(() => undefined, (e: unknown) => e as { code?: string });
          if (!err || err.code === 'CHANNEL_GONE') break;
          if (err.code !== 'TELEPHONY_TIMEOUT' || i === 2) { errors.push(err); break; }
        }
      } catch (err) {
        // A caller who hung up before the answer reached the PBX is not an error.
        if ((err as { code?: string }).code !== 'CHANNEL_GONE') errors.push(err);
        else outcomes.set(channelId, { outcome: 'abandoned', waitSeconds: 0 });
      }
    })();
  });
  await acd.start();
  await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
  for (const a of acd.agents()) await acd.login(a.id);
  let n = 0;
  return {
    sim, tel, acd, clock, outcomes, errors,
    call(queueId, o = {}) {
      const script = { ...(o.hangupAfterMs !== undefined ? { hangupAfterMs: o.hangupAfterMs } : {}), ...(o.digits ? { digits: o.digits, digitsAfterMs: o.digitsAfterMs ?? 0 } : {}) };
      return sim.control.placeCall({ from: o.from ?? `30011${String(++n).padStart(5, '0')}`, to: didOf[queueId]!, script });
    },
    phone(resource, b) { sim.control.setEndpointBehavior('PJSIP', resource, b); },
    async stop() {
      await acd.stop();
      await tel.close();
      await sim.close();
    },
  };
}
