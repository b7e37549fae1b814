// The live statistics of /api/queues and /api/agents (computed by the ACD from its own
// event log) reconcile with the stored ones (SQL over the events the ACD put on the bus,
// through the spool into PostgreSQL); and an ACD restarted with the stored log shows the
// same windowed figures as the one that produced it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { openSpool } from '../../../src/spool/spool.ts';
import { startHistoryCapture, toAcdEvent, toAgentStateEvent, type HistoryEntry } from '../../../src/history/capture.ts';
import type { QueueKpis } from '../../../src/history/ports.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { harness, seededRng } from '../acd/harness.ts';

const AGENTS = Array.from({ length: 8 }, (_, i) => `ag${i + 1}`);
const member = (id: string) => ({ id, name: `Agent ${id}`, endpoint: `PJSIP/${id}` });
const QUEUES = {
  ventas: { strategy: 'rrmemory' as const, members: AGENTS.slice(0, 5).map(member), ringTimeoutSec: 12, retrySec: 2, wrapUpSec: 15, maxWaitSec: 180, exitKey: '0', serviceLevelSec: 30, shortAbandonSec: 8 },
  soporte: { strategy: 'leastrecent' as const, members: AGENTS.slice(3).map(member), ringTimeoutSec: 10, retrySec: 2, wrapUpSec: 10, maxWaitSec: 120, maxCallers: 6, serviceLevelSec: 20 },
};
const FIELDS = ['offered', 'answered', 'answeredWithinSl', 'abandoned', 'abandonedShort', 'timeouts', 'exitKey', 'leftEmpty', 'rejectedFull', 'rejectedNoAgents', 'completed', 'serviceLevelPct', 'asaSec', 'ahtSec', 'avgTalkSec'] as const;

describe('stored statistics reconcile with the live ones', () => {
  it('queues and agents over a simulated 40 minutes, per window and per 15-minute interval; a restarted ACD agrees', async () => {
    const url = await createTestDatabase('reconcile');
    const thresholds = Object.fromEntries(Object.entries(QUEUES).map(([id, q]) => [id, { serviceLevelSec: q.serviceLevelSec, shortAbandonSec: 'shortAbandonSec' in q ? q.shortAbandonSec : 5 }]));
    const store = await openStore({ url, defaultCountry: 'CO', thresholds: () => thresholds });
    const h = await harness(QUEUES, { seed: 7 });
    const spool = await openSpool<HistoryEntry>({ dir: mkdtempSync(join(tmpdir(), 'centralita-rec-')) });
    const cap = startHistoryCapture({ spool, history: store.history, bus: h.bus, bootId: 'a', logger: { warn() {}, error() {} } });
    const rng = seededRng(99);
    const between = (a: number, b: number) => a + Math.floor(rng() * (b - a));
    for (const a of AGENTS) h.tel.phone(`PJSIP/${a}`, () => (rng() < 0.15 ? { kind: 'noanswer' } : { kind: 'answer', afterMs: between(1000, 6000), talkMs: between(30_000, 400_000) }));
    await h.loginAll();
    // Wrap-up as agents really do it: some submit early, one pauses during it, the rest let the
    // queue's timer end it. AHT must use what each wrap-up took, not the configured time.
    h.bus.on('queue.event', (e) => {
      if (e.type !== 'complete' || typeof e.agentId !== 'string' || typeof e.callId !== 'string') return;
      const agentId = e.agentId, callId = e.callId;
      const r = rng();
      if (r < 0.5) h.clock.setTimeout(() => { h.acd.endWrapUp(agentId, callId).catch(() => {}); }, between(500, 8_000));
      else if (r < 0.55) h.clock.setTimeout(() => { h.acd.pause(agentId, 'break').then(() => h.clock.setTimeout(() => { void h.acd.unpause(agentId); }, 20_000), () => {}); }, between(500, 5_000));
    });
    const MIN = 60_000;
    for (let i = 0; i < 90; i++) {
      h.clock.setTimeout(() => {
        const c = h.call(rng() < 0.5 ? 'ventas' : 'soporte', `c${i}`);
        c.promise.then(() => { if (h.tel.channels.has(c.channelId)) h.tel.callerHangup(c.channelId); }, () => {});
        const patience = rng() < 0.35 ? between(3_000, 150_000) : undefined;
        if (patience) h.clock.setTimeout(() => { const l = h.acd.liveCalls().find((x) => x.callId === c.id); if (l && l.phase !== 'bridged') h.tel.callerHangup(c.channelId); }, patience);
        if (rng() < 0.05) h.clock.setTimeout(() => h.acd.dtmf(c.channelId, '0'), between(5_000, 60_000));
      }, Math.floor((i / 90) * 35 * MIN));
    }
    h.clock.setTimeout(() => { h.acd.pause('ag2', 'lunch').catch(() => {}); }, 10 * MIN);
    h.clock.setTimeout(() => { void h.acd.unpause('ag2'); }, 18 * MIN);
    h.clock.setTimeout(() => { h.acd.pause('ag6', 'training').catch(() => {}); }, 12 * MIN);
    const t0 = h.clock.now();
    await h.run(40 * MIN);
    await h.clock.advance(1); // nothing lands exactly on the window's edge
    const now = h.clock.now();
    await cap.flushed();

    const windowSec = (now - t0) / 1000 + 60;
    const live = h.acd.getQueueStats({ windowSec });
    const range = { from: new Date(now - windowSec * 1000).toISOString(), to: new Date(now + 1).toISOString(), timeZone: 'UTC' };
    const reports = store.reports(() => thresholds);
    const stored = await reports.queues({ ...range, intervalMin: 15 });
    expect(live.reduce((s, q) => s + q.offered, 0)).toBeGreaterThan(60);
    expect(live.reduce((s, q) => s + q.abandoned, 0)).toBeGreaterThan(3);
    for (const q of live) {
      const s = stored.totals.find((t) => t.queueId === q.queueId)!;
      for (const f of FIELDS) expect(s[f], `${q.queueId}.${f}`).toBe(q[f]);
      // The intervals add up to the totals.
      const parts = stored.intervals.filter((i) => i.queueId === q.queueId);
      expect(parts.length).toBeGreaterThanOrEqual(3);
      for (const f of ['offered', 'answered', 'abandoned', 'timeouts', 'completed'] as const) expect(parts.reduce((n, p: QueueKpis) => n + p[f], 0)).toBe(q[f]);
      expect(parts.every((p) => /^\d{4}-\d\d-\d\d \d\d:(00|15|30|45)$/.test(p.local!))).toBe(true);
    }

    // The wrap-ups were measured: shorter than configured for the agents who submitted early.
    const wraps = h.acd.log().events.filter((e) => e.type === 'wrapup');
    for (const [id, q] of Object.entries(QUEUES)) {
      const mine = wraps.filter((w) => w.queueId === id);
      expect(mine.some((w) => w.wrapUpSec < q.wrapUpSec - 1), `${id}: early wrap-ups`).toBe(true);
      expect(mine.some((w) => Math.abs(w.wrapUpSec - q.wrapUpSec) < 0.01), `${id}: timed-out wrap-ups`).toBe(true);
      const l = live.find((x) => x.queueId === id)!;
      expect(l.ahtSec!).toBeGreaterThan(l.avgTalkSec!);
      expect(l.ahtSec!).toBeLessThan(l.avgTalkSec! + q.wrapUpSec);
    }

    const liveAgents = h.acd.getAgentStats({ windowSec });
    const storedAgents = await reports.agents(range);
    for (const a of liveAgents) {
      const s = storedAgents.find((x) => x.agentId === a.agentId)!;
      expect(s.calls, a.agentId).toBe(a.answered);
      expect(s.ringNoAnswer).toBe(a.ringNoAnswer);
      expect(s.talkSec).toBeCloseTo(a.talkSec, 1);
      for (const st of Object.keys(a.secondsIn) as (keyof typeof a.secondsIn)[]) expect(s.secondsIn[st] ?? 0, `${a.agentId}.${st}`).toBeCloseTo(a.secondsIn[st], 1);
      expect(s.occupancyPct ?? null).toBeCloseTo(a.occupancyPct ?? 0, 1);
      // Stored wrap-up (from the measured wrap-up events) = the time the agent spent in wrap-up
      // (from its states), unless a wrap-up is still going on now.
      if (a.state !== 'wrapUp') expect(s.wrapUpSec, `${a.agentId}.wrapUp`).toBeCloseTo(a.secondsIn.wrapUp, 1);
    }
    // Pause by reason: each agent paused for one reason only here, so it is all of their paused time.
    for (const [agent, reason] of [['ag2', 'lunch'], ['ag6', 'training']] as const) {
      const paused = storedAgents.find((a) => a.agentId === agent)!.pausedByReason[reason]!;
      expect(paused).toBeGreaterThan(60);
      expect(paused).toBeCloseTo(liveAgents.find((a) => a.agentId === agent)!.secondsIn.paused, 1);
    }

    // A new process: its ACD starts empty, takes the stored log, and shows the same window.
    const h2 = await harness(QUEUES, { seed: 8 });
    await h2.clock.advance(now - h2.clock.now());
    const log = await store.history.eventsBetween(now - 24 * 3600_000, now + 1);
    h2.acd.restoreLog({ events: log.events.map(toAcdEvent), states: log.states.map(toAgentStateEvent) });
    const again = h2.acd.getQueueStats({ windowSec });
    for (const q of live) {
      const r = again.find((x) => x.queueId === q.queueId)!;
      for (const f of FIELDS) expect(r[f], `restored ${q.queueId}.${f}`).toBe(q[f]);
    }
    cap.stop();
    await spool.close();
    await store.close();
  }, 60_000);
});
