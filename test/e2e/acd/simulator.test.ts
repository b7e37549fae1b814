// The ACD over real ARI against the simulated PBX (src/sim): the ARI adapter, the
// simulator's phones (answer after N ms, busy, no answer, hang up after N ms) and real
// time, kept short. The test plays the part of the Stasis router and of a flow's queue
// node: agent legs go to handleAgentLegStart, callers are answered and join the queue
// named by their Stasis args.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createAcd, type Acd } from '../../../src/acd/acd.ts';
import { memoryAgentStore } from '../../../src/acd/agent-store.ts';
import { realClock } from '../../../src/acd/clock.ts';
import { defineQueues } from '../../../src/acd/queue-config.ts';
import { STASIS_ROLES, type QueueOutcome } from '../../../src/calls/contract.ts';
import { waitFor } from '../../helpers/wait.ts';
import { deadAirOf } from '../../helpers/dead-air.ts';

const agentsOf = (ids: string[]) => ids.map((r) => ({ id: `a${r}`, endpoint: `PJSIP/${r}` }));
const QUEUES = defineQueues({
  rr: { strategy: 'rrmemory', members: agentsOf(['2001', '2002', '2003']), ringTimeoutSec: 2, retrySec: 0.2, wrapUpSec: 0.3 },
  all: { strategy: 'ringall', members: agentsOf(['2001', '2002', '2003']), ringTimeoutSec: 2, retrySec: 0.2, wrapUpSec: 0 },
  exit: { strategy: 'linear', members: agentsOf(['2004']), ringTimeoutSec: 2, retrySec: 0.2, wrapUpSec: 0, exitKey: '0' },
});


describe('ACD through the simulator over real ARI', () => {
  let sim: Simulator;
  let tel: AriTelephony;
  let acd: Acd;
  const outcomes = new Map<string, QueueOutcome>();
  const errors: unknown[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', app: 'centralita',
      dids: { '6015550201': 'rr', '6015550202': 'all', '6015550203': 'exit' },
      soundLengths: { 'queue-youarenext': 300, 'vm-goodbye': 200 },
      endpoints: [
        { technology: 'PJSIP', resource: 'trunk', trunk: true, behavior: { behavior: 'answer', afterMs: 0 } },
        ...['2001', '2002', '2003', '2004'].map((r) => ({ technology: 'PJSIP', resource: r, behavior: { behavior: 'answer' as const, afterMs: 200, hangupAfterMs: 500 } })),
      ],
    });
    tel = await createAriTelephony({
      url: sim.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 2000,
      logger: pino({ level: 'silent' }), backoff: { initialMs: 50, maxMs: 300 }, pingIntervalMs: 0,
    });
    acd = createAcd({ telephony: tel, queues: QUEUES, clock: realClock(), store: memoryAgentStore() });
    // Router + queue node stand-in.
    tel.onEvent((e) => {
      if (e.type !== 'call.started') return;
      if (e.args[0] === STASIS_ROLES.agentLeg) { acd.handleAgentLegStart(e); return; }
      const channelId = e.channel.id;
      void (async () => {
        try {
          await tel.answer(channelId);
          const o = await acd.join({ callId: `call-${channelId}`, channelId, queueId: e.args[0]!, language: 'es', signal: new AbortController().signal });
          outcomes.set(channelId, o);
          await tel.hangup(channelId).catch(() => {});
        } catch (err) { errors.push(err); }
      })();
    });
    await acd.start();
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
    for (const a of acd.agents()) await acd.login(a.id);
  });
  afterEach(async () => {
    expect(errors).toEqual([]);
    // No dead air (issue 14): every caller heard music, an announcement or the agent (real time).
    await waitFor(() => [...outcomes.keys()].every((id) => sim.control.channel(id)?.alive === false), 5000, 'callers hung up');
    expect(deadAirOf(sim.control, { ids: outcomes.keys() })).toEqual({});
  });
  afterAll(async () => {
    await acd?.stop();
    await tel?.close();
    await sim?.close();
  });

  it('rrmemory: consecutive calls go round the members; caller hears MOH, then is bridged with the agent', async () => {
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ch = sim.control.placeCall({ from: `300111220${i}`, to: '6015550201' });
      const o = await waitFor(() => outcomes.get(ch), 8000, `call ${i} outcome`);
      expect(o.outcome).toBe('answered');
      got.push((o as { agentId: string }).agentId);
      const t = sim.control.transcript(ch);
      expect(t.some((e) => e.kind === 'moh' && e.on)).toBe(true);
      expect(t.some((e) => e.kind === 'bridged')).toBe(true);
      await waitFor(() => acd.agents().every((a) => a.state === 'available'), 3000, 'wrap-up over');
    }
    expect(got).toEqual(['a2001', 'a2002', 'a2003', 'a2001']);
  });

  it('ringall: a busy phone and a silent one are skipped, the answering one wins and the other leg is cancelled', async () => {
    sim.control.setEndpointBehavior('PJSIP', '2001', { behavior: 'busy', afterMs: 50 });
    sim.control.setEndpointBehavior('PJSIP', '2002', { behavior: 'noanswer' });
    sim.control.setEndpointBehavior('PJSIP', '2003', { behavior: 'answer', afterMs: 400, hangupAfterMs: 300 });
    try {
      const ch = sim.control.placeCall({ from: '3001112299', to: '6015550202' });
      const o = await waitFor(() => outcomes.get(ch), 8000, 'outcome');
      expect(o).toMatchObject({ outcome: 'answered', agentId: 'a2003' });
      const leg2002 = `call-${ch}-q1-a2002`;
      expect(sim.control.channel(leg2002)?.alive).toBe(false);
      expect(acd.counters.lateAgentAnswer).toBe(0);
    } finally {
      for (const r of ['2001', '2002', '2003']) sim.control.setEndpointBehavior('PJSIP', r, { behavior: 'answer', afterMs: 200, hangupAfterMs: 500 });
    }
  });

  it('abandon: the caller hangs up while agents ring; the ringing legs are cancelled', async () => {
    for (const r of ['2001', '2002', '2003']) sim.control.setEndpointBehavior('PJSIP', r, { behavior: 'noanswer' });
    try {
      const ch = sim.control.placeCall({ from: '3001112298', to: '6015550202' });
      await waitFor(() => acd.liveCalls().find((c) => c.callId === `call-${ch}` && c.phase === 'ringing'), 5000, 'ringing');
      const legs = ['2001', '2002', '2003'].map((r) => `call-${ch}-q1-a${r}`);
      await waitFor(() => legs.every((l) => sim.control.channel(l)?.alive), 3000, 'legs up');
      sim.control.hangup(ch);
      await waitFor(() => legs.every((l) => sim.control.channel(l)?.alive === false), 3000, 'legs cancelled');
      await waitFor(() => acd.getQueueStats().find((q) => q.queueId === 'all')!.abandoned === 1, 3000, 'abandon counted');
      await waitFor(() => acd.agents().every((a) => a.state === 'available'), 3000, 'agents free');
    } finally {
      for (const r of ['2001', '2002', '2003']) sim.control.setEndpointBehavior('PJSIP', r, { behavior: 'answer', afterMs: 200, hangupAfterMs: 500 });
    }
  });

  it('exit key pressed on the phone (PBX DTMF event) leaves the queue with exit-key', async () => {
    sim.control.setEndpointBehavior('PJSIP', '2004', { behavior: 'noanswer' });
    const ch = sim.control.placeCall({ from: '3001112297', to: '6015550203' });
    await waitFor(() => acd.liveCalls().find((c) => c.callId === `call-${ch}`), 5000, 'queued');
    sim.control.sendDtmf(ch, '0');
    const o = await waitFor(() => outcomes.get(ch), 5000, 'outcome');
    expect(o).toMatchObject({ outcome: 'exit-key', digit: '0' });
  });
});
