// Soak: 200 callers and 20 agents for a simulated hour (virtual clock, fake telephony:
// the simulator package was not usable yet when this was written). Phones answer after
// random delays, talk random times, sometimes do not answer or are busy; callers give up,
// press the exit key, and agents pause and log out during the run. Checks: no agent is
// ever offered two calls, no caller is left without a record, no caller hears more than 2 s
// of silence (issue 14), and the statistics equal what the per-call records say.
import { describe, expect, it } from 'vitest';
import type { QueueOutcome } from '../../../src/calls/contract.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { PhoneBehaviour } from '../../fakes/acd-fake-telephony.ts';
import { harness, seededRng } from './harness.ts';
import { deadAirOf } from '../../helpers/dead-air.ts';

const AGENTS = Array.from({ length: 20 }, (_, i) => `ag${String(i + 1).padStart(2, '0')}`);
const member = (id: string, penalty = 0) => ({ id, name: `Agent ${id}`, endpoint: `PJSIP/${id}`, penalty });

describe('ACD soak', () => {
  it('200 callers, 20 agents, one simulated hour: no double booking, no lost caller, stats == records', async () => {
    // ACD_SOAK_SEED lets a developer try other runs; the default is the reviewed one.
    const seed = Number(process.env.ACD_SOAK_SEED ?? 2026);
    const rng = seededRng(seed);
    const between = (a: number, b: number) => a + Math.floor(rng() * (b - a));
    const h = await harness({
      // Agents 9-12 serve both queues: the multi-queue double-booking case.
      ventas: { strategy: 'rrmemory', members: AGENTS.slice(0, 12).map((a, i) => member(a, i >= 8 ? 1 : 0)), ringTimeoutSec: 15, retrySec: 3, wrapUpSec: 10, maxWaitSec: 300, exitKey: '0', announce: { frequencySec: 45 }, serviceLevelSec: 30 },
      soporte: { strategy: 'leastrecent', members: AGENTS.slice(8).map((a) => member(a)), ringTimeoutSec: 12, retrySec: 2, wrapUpSec: 20, maxWaitSec: 240, maxCallers: 25, serviceLevelSec: 20 },
    }, { seed: seed + 1 });
    for (const a of AGENTS) {
      h.tel.phone(`PJSIP/${a}`, () => {
        const x = rng();
        if (x < 0.1) return { kind: 'noanswer' };
        if (x < 0.15) return { kind: 'busy' };
        return { kind: 'answer', afterMs: between(1000, 9000), talkMs: between(120_000, 720_000) } satisfies PhoneBehaviour;
      });
    }
    await h.loginAll();

    const HOUR = 3600_000;
    const results = new Map<string, { queueId: string; outcome?: QueueOutcome }>();
    let bridgesOverTwo = 0;
    for (let i = 0; i < 200; i++) {
      const at = Math.floor((i / 200) * HOUR * 0.95 + rng() * 10_000);
      const queueId = rng() < 0.55 ? 'ventas' : 'soporte';
      const patienceMs = rng() < 0.3 ? between(10_000, 240_000) : undefined;
      const pressAtMs = queueId === 'ventas' && rng() < 0.05 ? between(20_000, 120_000) : undefined;
      h.clock.setTimeout(() => {
        const c = h.call(queueId, `c${i}`);
        results.set(c.id, { queueId });
        c.promise.then((o) => {
          results.get(c.id)!.outcome = o;
          // The flow is over: the session hangs the caller up.
          if (h.tel.channels.has(c.channelId)) h.tel.callerHangup(c.channelId);
        }, () => {});
        if (patienceMs !== undefined) h.clock.setTimeout(() => {
          const live = h.acd.liveCalls().find((l) => l.callId === c.id);
          if (live && live.phase !== 'bridged') h.tel.callerHangup(c.channelId);
        }, patienceMs);
        if (pressAtMs !== undefined) h.clock.setTimeout(() => h.acd.dtmf(c.channelId, '0'), pressAtMs);
      }, at);
    }
    // Agents come and go: a pause every 10 minutes for 5, one logout for 10 minutes.
    for (let m = 5; m < 60; m += 10) {
      const a = AGENTS[between(0, AGENTS.length)]!;
      // Pausing a logged-out agent is refused (ACD_AGENT_LOGGED_OUT): fine here.
      h.clock.setTimeout(() => { h.acd.pause(a, 'break').catch(() => {}); }, m * 60_000);
      h.clock.setTimeout(() => { void h.acd.unpause(a); }, (m + 5) * 60_000);
    }
    h.clock.setTimeout(() => { void h.acd.logout('ag05'); }, 30 * 60_000);
    h.clock.setTimeout(() => { void h.acd.login('ag05'); }, 40 * 60_000);
    h.bus.on('queue.event', () => {
      for (const b of h.tel.bridges.values()) if (b.size > 2) bridgesOverTwo++;
    });

    const t0 = h.clock.now();
    await h.run(HOUR);
    // No new callers after the hour; everyone still queued leaves by max wait at the latest.
    for (let i = 0; i < 30 && [...results.values()].some((r) => !r.outcome); i++) await h.run(60_000);

    // --- nobody lost: every caller joined got exactly one outcome ---
    expect(results.size).toBe(200);
    const unfinished = [...results].filter(([, r]) => !r.outcome).map(([id]) => id);
    expect(unfinished).toEqual([]);
    expect(h.acd.liveCalls()).toEqual([]);

    // --- no dead air: every caller heard music, an announcement or the agent, never > 2 s of silence ---
    // (virtual time, I/O takes none: any silence here is the ACD's own doing)
    const dead = deadAirOf(h.tel, { ids: [...results.keys()].map((id) => `ch-${id}`) });
    for (const id of Object.keys(dead).slice(0, 5)) console.error(`dead air ${id}: ${JSON.stringify(dead[id])} heard ${JSON.stringify(h.tel.hearing().channels.find((c) => c.id === id)?.heard)}`);
    expect(dead).toEqual({});
    expect(h.tel.hearing().channels).toHaveLength(200);

    // --- no double booking ---
    expect(h.tel.violations).toEqual([]);
    expect(bridgesOverTwo).toBe(0);
    // Agent state sequences are legal: ringing only from available, one call at a time.
    const perAgent = new Map<string, string[]>();
    for (const s of h.acd.log().states) perAgent.set(s.agentId, [...(perAgent.get(s.agentId) ?? []), s.state]);
    for (const [agent, seq] of perAgent) {
      for (let i = 1; i < seq.length; i++) {
        if (seq[i] === 'ringing') expect(seq[i - 1], `${agent} rang from ${seq[i - 1]}`).toBe('available');
        if (seq[i] === 'onCall') expect(seq[i - 1], `${agent} on call from ${seq[i - 1]}`).toBe('ringing');
      }
    }
    // Offers to one agent never overlap in time (each OFFER → RING_END/CALL_END before the next).
    const ringsPerAgent = new Map<string, number>();
    for (const e of h.acd.log().events) if (e.type === 'ring') for (const a of e.agentIds) ringsPerAgent.set(a, (ringsPerAgent.get(a) ?? 0) + 1);
    expect([...ringsPerAgent.values()].reduce((s, n) => s + n, 0)).toBe(h.tel.originates.length);

    // --- records, as the call session builds them from recordFields ---
    const records: Pick<CallRecord, 'id' | 'queue' | 'agent'>[] = [...results.keys()].map((id) => ({ id, ...h.acd.recordFields(id) }));
    for (const r of records) {
      expect(r.queue, `record ${r.id}`).toBeDefined();
      const o = results.get(r.id)!.outcome!;
      expect(r.queue!.outcome).toBe(o.outcome);
      expect(r.queue!.waitSeconds).toBe(o.waitSeconds);
      if (o.outcome === 'answered') expect(r.agent?.id).toBe(o.agentId);
    }
    const outcomes = records.map((r) => r.queue!.outcome);
    const count = (o: string, q?: string) => records.filter((r) => r.queue!.outcome === o && (!q || r.queue!.id === q)).length;
    // The run is meant to exercise every path.
    for (const o of ['answered', 'abandoned', 'timeout', 'exit-key']) expect(outcomes, o).toContain(o);

    // --- stats == records, per queue, over a window covering the whole run ---
    const windowSec = Math.ceil((h.clock.now() - t0) / 1000) + 60;
    const stats = Object.fromEntries(h.acd.getQueueStats({ windowSec }).map((s) => [s.queueId, s]));
    for (const q of ['ventas', 'soporte']) {
      const recs = records.filter((r) => r.queue!.id === q);
      const rejected = count('full', q) + count('no-agents', q);
      const st = stats[q]!;
      expect(st.offered + st.rejectedFull + st.rejectedNoAgents, q).toBe(recs.length);
      expect(st.rejectedFull).toBe(count('full', q));
      expect(st.answered).toBe(count('answered', q));
      expect(st.completed).toBe(count('answered', q));
      expect(st.abandoned).toBe(count('abandoned', q));
      expect(st.timeouts).toBe(count('timeout', q));
      expect(st.exitKey).toBe(count('exit-key', q));
      expect(st.offered).toBe(recs.length - rejected);
      expect(st.waitingNow).toBe(0);
      const answered = recs.filter((r) => r.queue!.outcome === 'answered');
      const sl = q === 'ventas' ? 30 : 20;
      const asa = answered.reduce((s, r) => s + r.queue!.waitSeconds, 0) / answered.length;
      expect(st.asaSec).toBeCloseTo(asa, 1);
      const abandonedLong = recs.filter((r) => r.queue!.outcome === 'abandoned' && r.queue!.waitSeconds >= 5).length;
      const slPct = (100 * answered.filter((r) => r.queue!.waitSeconds <= sl).length) / (answered.length + abandonedLong + count('timeout', q));
      expect(st.serviceLevelPct).toBeCloseTo(slPct, 1);
    }
    // Per agent: answered calls equal the records naming them.
    const agentStats = h.acd.getAgentStats({ windowSec });
    for (const a of agentStats) expect(a.answered, a.agentId).toBe(records.filter((r) => r.agent?.id === a.agentId).length);
    expect(agentStats.reduce((s, a) => s + a.answered, 0)).toBe(count('answered'));
    for (const a of agentStats) if (a.occupancyPct !== null) expect(a.occupancyPct).toBeLessThanOrEqual(100);
  });
});
