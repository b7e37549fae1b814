// Each strategy, end to end over the Telephony port: a sequence of calls lands on the
// agents the strategy says, with wrap-up, penalties, unanswered and busy phones.
import { describe, expect, it } from 'vitest';
import type { QueueInput } from '../../../src/acd/queue-config.ts';
import { harness, type Harness } from './harness.ts';

const members = (ids: string[], penalties: Record<string, number> = {}) => ids.map((id) => ({ id, name: id.toUpperCase(), endpoint: `PJSIP/${id}`, penalty: penalties[id] ?? 0 }));

async function setup(q: Partial<QueueInput> & Pick<QueueInput, 'strategy'>, ids = ['a1', 'a2', 'a3'], seed = 7): Promise<Harness> {
  const h = await harness({ q: { members: members(ids), ringTimeoutSec: 15, retrySec: 2, wrapUpSec: 0, ...q } }, { seed });
  for (const id of ids) h.tel.phone(`PJSIP/${id}`, { kind: 'answer', afterMs: 1000, talkMs: 10_000 });
  await h.loginAll();
  return h;
}

/** One call after another (each finished before the next): which agent took each. */
async function sequential(h: Harness, n: number, gapMs = 1000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = h.call('q');
    await h.run(12_000);
    const o = c.outcome();
    if (o?.outcome !== 'answered') throw new Error(`call ${c.id} not answered: ${JSON.stringify(o)}`);
    out.push(o.agentId);
    await h.run(gapMs);
  }
  return out;
}

/** Agents rung per originate, in order. */
const rung = (h: Harness) => h.tel.originates.map((o) => o.endpoint.replace('PJSIP/', ''));

describe('strategies end to end', () => {
  it('linear: always the first free member in list order; wrap-up makes it skip', async () => {
    const h = await setup({ strategy: 'linear' });
    expect(await sequential(h, 3)).toEqual(['a1', 'a1', 'a1']);
    // With wrap-up, a1 is not offered until it has passed.
    const h2 = await setup({ strategy: 'linear', wrapUpSec: 30 });
    expect(await sequential(h2, 3, 1000)).toEqual(['a1', 'a2', 'a3']);
    await h2.run(30_000);
    expect(await sequential(h2, 1)).toEqual(['a1']);
    expect(h.tel.violations).toEqual([]);
  });

  it('ringall: rings the whole lowest-penalty tier, the first to answer wins, the rest are cancelled', async () => {
    const h = await harness({ q: { strategy: 'ringall', members: members(['a1', 'a2', 'a3'], { a3: 5 }), wrapUpSec: 0 } });
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 3000, talkMs: 10_000 });
    h.tel.phone('PJSIP/a2', { kind: 'answer', afterMs: 1000, talkMs: 10_000 });
    h.tel.phone('PJSIP/a3', { kind: 'answer', afterMs: 500, talkMs: 10_000 });
    await h.loginAll();
    const c = h.call('q');
    await h.run(1500);
    expect(rung(h)).toEqual(['a1', 'a2']); // a3 has a higher penalty
    expect(h.acd.agent('a2')!.state).toBe('onCall');
    expect(h.acd.agent('a1')!.state).toBe('available');
    expect(h.tel.hangups).toContainEqual({ channelId: `${c.id}-q1-a1`, reason: 'answered_elsewhere' });
    // Both penalty-0 agents busy: the penalty-5 agent is rung.
    h.call('q');
    await h.run(3500);
    const c3 = h.call('q');
    await h.run(1000);
    expect(rung(h).slice(-1)).toEqual(['a3']);
    await h.run(20_000);
    expect(c3.outcome()).toMatchObject({ outcome: 'answered', agentId: 'a3' });
    expect(h.tel.violations).toEqual([]);
  });

  it('leastrecent: the agent whose last call ended longest ago (never-called first)', async () => {
    const h = await setup({ strategy: 'leastrecent' });
    expect(await sequential(h, 5)).toEqual(['a1', 'a2', 'a3', 'a1', 'a2']);
    // Wrap-up: the least recent agent is in wrap-up, so the next one is used.
    const h2 = await setup({ strategy: 'leastrecent', wrapUpSec: 20 });
    expect(await sequential(h2, 4, 1000)).toEqual(['a1', 'a2', 'a3', 'a1']);
  });

  it('fewestcalls: the agent with fewest answered calls in this queue', async () => {
    const h = await setup({ strategy: 'fewestcalls' });
    await h.acd.pause('a2', 'lunch');
    await h.acd.pause('a3', 'lunch');
    expect(await sequential(h, 2)).toEqual(['a1', 'a1']);
    await h.acd.unpause('a2');
    await h.acd.unpause('a3');
    expect(await sequential(h, 5)).toEqual(['a2', 'a3', 'a2', 'a3', 'a1']);
  });

  it('rrmemory: round robin remembering where it stopped, skipping paused and wrap-up agents', async () => {
    const h = await setup({ strategy: 'rrmemory' });
    expect(await sequential(h, 4)).toEqual(['a1', 'a2', 'a3', 'a1']);
    await h.acd.pause('a2', 'break');
    expect(await sequential(h, 3)).toEqual(['a3', 'a1', 'a3']);
    await h.acd.unpause('a2');
    expect(await sequential(h, 2)).toEqual(['a1', 'a2']);
  });

  it('random: uniform over the free agents of the lowest penalty (seeded)', async () => {
    const h = await setup({ strategy: 'random' }, ['a1', 'a2', 'a3', 'a4'], 11);
    await h.acd.logout('a4');
    const got = await sequential(h, 30, 0);
    const counts = Object.fromEntries(['a1', 'a2', 'a3', 'a4'].map((a) => [a, got.filter((g) => g === a).length]));
    expect(counts.a4).toBe(0);
    for (const a of ['a1', 'a2', 'a3']) expect(counts[a]).toBeGreaterThanOrEqual(4);
  });

  it('wrandom: penalised agents are picked less often, but still picked', async () => {
    const h = await harness({ q: { strategy: 'wrandom', members: members(['a1', 'a2'], { a2: 4 }), wrapUpSec: 0 } }, { seed: 3 });
    for (const id of ['a1', 'a2']) h.tel.phone(`PJSIP/${id}`, { kind: 'answer', afterMs: 1000, talkMs: 10_000 });
    await h.loginAll();
    const got = await sequential(h, 60, 0);
    const a1 = got.filter((g) => g === 'a1').length;
    const a2 = got.length - a1;
    // Weights 1 : 1/5 → a2 expected ~10 of 60.
    expect(a2).toBeGreaterThan(2);
    expect(a1).toBeGreaterThan(a2 * 2);
  });

  it('an unanswered or busy agent is skipped and not rung twice in a row for the same caller', async () => {
    const h = await setup({ strategy: 'linear', ringTimeoutSec: 10, retrySec: 2 });
    h.tel.phone('PJSIP/a1', { kind: 'noanswer' });
    h.tel.phone('PJSIP/a2', { kind: 'busy' });
    h.tel.phone('PJSIP/a3', (n) => (n === 1 ? { kind: 'noanswer' } : { kind: 'answer', afterMs: 1000, talkMs: 5000 }));
    const c = h.call('q');
    await h.run(60_000);
    // a1 (no answer, 10 s) → a2 (busy) → a3 (no answer) → a1 again (not a3) → a2 busy → a3 answers.
    expect(rung(h).slice(0, 6)).toEqual(['a1', 'a2', 'a3', 'a1', 'a2', 'a3']);
    for (let i = 1; i < rung(h).length; i++) expect(rung(h)[i]).not.toBe(rung(h)[i - 1]);
    expect(c.outcome()).toMatchObject({ outcome: 'answered', agentId: 'a3' });
  });

  it('endpoints reported unavailable are not rung until they come back', async () => {
    const h = await setup({ strategy: 'linear' });
    h.tel.emit({ type: 'endpoint.state', technology: 'PJSIP', resource: 'a1', state: 'offline', channelIds: [], at: '' });
    h.tel.emit({ type: 'device.state', device: 'PJSIP/a2', state: 'INUSE', at: '' });
    expect(await sequential(h, 1)).toEqual(['a3']);
    h.tel.emit({ type: 'endpoint.state', technology: 'PJSIP', resource: 'a1', state: 'online', channelIds: [], at: '' });
    expect(await sequential(h, 1)).toEqual(['a1']);
    expect(h.acd.agent('a2')!.device).toBe('in-use');
  });

  it('endpoint reachability is re-read periodically (no endpoint events needed)', async () => {
    const h = await setup({ strategy: 'linear' });
    h.tel.phone('PJSIP/a1', { kind: 'unavailable' });
    await h.run(31_000);
    expect(h.acd.agent('a1')!.device).toBe('unavailable');
    h.tel.phone('PJSIP/a2', { kind: 'answer', afterMs: 1000, talkMs: 5000 });
    expect(await sequential(h, 1)).toEqual(['a2']);
    expect(h.tel.originates.map((o) => o.endpoint)).not.toContain('PJSIP/a1');
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000, talkMs: 5000 });
    await h.run(30_000);
    expect(await sequential(h, 1)).toEqual(['a1']);
  });

  it('an agent in two queues is never offered two calls at once', async () => {
    const h = await harness({
      q1: { strategy: 'ringall', members: members(['x', 'b']), wrapUpSec: 0 },
      q2: { strategy: 'ringall', members: members(['x', 'c']), wrapUpSec: 0 },
    });
    for (const id of ['x', 'b', 'c']) h.tel.phone(`PJSIP/${id}`, { kind: 'noanswer' });
    await h.loginAll();
    h.call('q1');
    h.call('q2');
    await h.run(1000);
    expect(h.tel.originates.filter((o) => o.endpoint === 'PJSIP/x')).toHaveLength(1);
    expect(h.tel.violations).toEqual([]);
  });
});
