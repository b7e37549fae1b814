// Every strategy through the simulator over real ARI (simulated phones, clock at 20x):
// a sequence of calls lands on the agents the strategy says, including wrap-up, penalties,
// pauses and phones that do not answer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueueInput } from '../../../src/acd/queue-config.ts';
import { startSimAcd, waitFor, type SimAcd } from './sim-harness.ts';

const m = (r: string, penalty = 0) => ({ id: `p${r}`, endpoint: `PJSIP/${r}`, penalty });
const base = { ringTimeoutSec: 8, retrySec: 1, wrapUpSec: 0 };
const QUEUES: Record<string, QueueInput> = {
  linear: { strategy: 'linear', members: [m('3001'), m('3002'), m('3003')], ...base },
  // Long enough (1.5 s real at 20x) that a loaded machine cannot outrun it between two calls.
  wrap: { strategy: 'linear', members: [m('3001'), m('3002'), m('3003')], ...base, wrapUpSec: 30 },
  ringall: { strategy: 'ringall', members: [m('3001'), m('3002'), m('3003', 1)], ...base },
  leastrecent: { strategy: 'leastrecent', members: [m('3001'), m('3002'), m('3003')], ...base },
  fewestcalls: { strategy: 'fewestcalls', members: [m('3001'), m('3002'), m('3003')], ...base },
  rrmemory: { strategy: 'rrmemory', members: [m('3001'), m('3002'), m('3003')], ...base },
  random: { strategy: 'random', members: [m('3001'), m('3002'), m('3003')], ...base },
  wrandom: { strategy: 'wrandom', members: [m('3001'), m('3002', 6)], ...base },
  penalty: { strategy: 'linear', members: [m('3001', 1), m('3002', 0)], ...base },
};
const PHONE = { behavior: 'answer' as const, afterMs: 1000, hangupAfterMs: 2000 };

describe('strategies through the simulator', () => {
  let h: SimAcd;
  beforeAll(async () => {
    h = await startSimAcd(QUEUES, { speed: 20, phones: { 3001: PHONE, 3002: PHONE, 3003: PHONE }, seed: 42 });
  });
  afterEach(async () => {
    expect(h.errors).toEqual([]);
    for (const r of ['3001', '3002', '3003']) h.phone(r, PHONE);
    for (const a of h.acd.agents()) if (a.state === 'paused') await h.acd.unpause(a.id);
    await waitFor(() => h.acd.agents().every((a) => a.state === 'available'), 10_000, 'agents free');
  });
  afterAll(async () => { await h?.stop(); });

  /** Calls one after another; each waits for the previous to finish. */
  async function sequence(queueId: string, n: number, between?: () => Promise<unknown>): Promise<string[]> {
    const got: string[] = [];
    for (let i = 0; i < n; i++) {
      const ch = h.call(queueId);
      const o = await waitFor(() => h.outcomes.get(ch), 10_000, `${queueId} call ${i}`);
      if (o.outcome !== 'answered') throw new Error(`${queueId} call ${i}: ${JSON.stringify(o)}`);
      got.push(o.agentId);
      if (between) await between();
    }
    return got;
  }
  const allFree = () => waitFor(() => h.acd.agents().every((a) => a.state === 'available' || a.state === 'paused'), 10_000, 'agents free');

  it('linear: always the first member', async () => {
    expect(await sequence('linear', 3, allFree)).toEqual(['p3001', 'p3001', 'p3001']);
  });

  it('linear with wrap-up: the agent in wrap-up is skipped until it ends', async () => {
    // No wait between calls: 3001 and then 3002 are still wrapping up (30 s) for the next one.
    expect(await sequence('wrap', 3)).toEqual(['p3001', 'p3002', 'p3003']);
    await allFree();
    expect(await sequence('wrap', 1)).toEqual(['p3001']);
  });

  it('ringall: the lowest-penalty tier rings together, the fastest answers, the penalised agent is not rung', async () => {
    // A wide margin (about 0.2 s of real time) so a loaded machine cannot swap the winner.
    h.phone('3001', { behavior: 'answer', afterMs: 5000, hangupAfterMs: 1000 });
    h.phone('3002', { behavior: 'answer', afterMs: 500, hangupAfterMs: 1000 });
    const ch = h.call('ringall');
    const o = await waitFor(() => h.outcomes.get(ch), 10_000, 'ringall');
    expect(o).toMatchObject({ outcome: 'answered', agentId: 'p3002' });
    expect(h.sim.control.channel(`call-${ch}-q1-p3001`)?.alive).toBe(false);
    expect(h.sim.control.channel(`call-${ch}-q1-p3003`)).toBeUndefined();
  });

  it('leastrecent: never-called first, then the one idle longest', async () => {
    expect(await sequence('leastrecent', 4, allFree)).toEqual(['p3001', 'p3002', 'p3003', 'p3001']);
  });

  it('fewestcalls: after a pause, the agents with fewer calls catch up', async () => {
    await h.acd.pause('p3002', 'break');
    await h.acd.pause('p3003', 'break');
    expect(await sequence('fewestcalls', 2, allFree)).toEqual(['p3001', 'p3001']);
    await h.acd.unpause('p3002');
    await h.acd.unpause('p3003');
    expect(await sequence('fewestcalls', 4, allFree)).toEqual(['p3002', 'p3003', 'p3002', 'p3003']);
  });

  it('rrmemory: round robin that remembers; a phone that does not answer is skipped and not rung twice in a row', async () => {
    expect(await sequence('rrmemory', 3, allFree)).toEqual(['p3001', 'p3002', 'p3003']);
    h.phone('3001', { behavior: 'noanswer' });
    const ch = h.call('rrmemory');
    const o = await waitFor(() => h.outcomes.get(ch), 20_000, 'skip');
    expect(o).toMatchObject({ outcome: 'answered', agentId: 'p3002' });
    expect(h.sim.control.channel(`call-${ch}-q1-p3001`)?.alive).toBe(false);
    expect(h.sim.control.channel(`call-${ch}-q2-p3001`)).toBeUndefined();
  });

  it('random: every free agent gets calls', async () => {
    const got = await sequence('random', 9, allFree);
    for (const a of ['p3001', 'p3002', 'p3003']) expect(got).toContain(a);
  });

  it('wrandom: the penalised agent gets fewer calls but is not starved', async () => {
    const got = await sequence('wrandom', 12, allFree);
    const p2 = got.filter((a) => a === 'p3002').length;
    expect(p2).toBeGreaterThanOrEqual(1);
    expect(got.length - p2).toBeGreaterThan(p2 * 2);
  });

  it('penalties: the higher penalty is rung only when the lower tier is unavailable', async () => {
    expect(await sequence('penalty', 2, allFree)).toEqual(['p3002', 'p3002']);
    await h.acd.pause('p3002', 'meeting');
    expect(await sequence('penalty', 1, allFree)).toEqual(['p3001']);
  });
});
