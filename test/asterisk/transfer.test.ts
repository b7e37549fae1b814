// Transfers of a queue call (issue 19) on each PBX target, the ARI part: agents are PJSIP phones
// answered by sipp on the lab (the simulator's phones in CI), the transfer asked of the ACD as the
// console's API does. Blind to a queue (MOH, then the queue's agent); blind to an agent who does
// not answer (the caller back in the queue, taken again); attended: the caller on MOH while the
// agents consult, then complete (the caller with the target, the first agent's leg gone) or the
// target hanging up (the caller back with the first agent).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';
import { waitFor } from '../helpers/wait.ts';

describe.each(targets())('transfers on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  let n = 0;
  const from = () => `30019${String(++n).padStart(5, '0')}`;
  const state = (id: string) => t.app.acd.agent(id)?.state;
  const live = (callId: string) => t.app.acd.liveCalls().find((c) => c.callId === callId);
  const alive = async (channelId: string) => (await t.app.telephony.listChannels()).some((c) => c.id === channelId);
  const inBridgeWith = async (channelId: string, other: string) =>
    (await t.app.telephony.listBridges()).some((b) => b.channels.includes(channelId) && b.channels.includes(other));

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 14 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  /** A caller into sales, answered by agent1 (agent2 not rung first: linear). */
  async function callAnsweredByAgent1() {
    const c = await driver.call({ from: from(), to: '6015550300' });
    await c.waitBridged(30_000);
    await waitFor(() => state('agent1') === 'onCall' && live(c.id)?.agentId === 'agent1', 10_000, 'agent1 has the caller');
    return c;
  }

  it('blind to a queue: the caller waits on MOH in support and is answered by agent2; agent1 released', async () => {
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 120_000 });
    await driver.phone('ct-agent2', { kind: 'noanswer' });
    const c = await callAnsweredByAgent1();
    const leg1 = `${c.id}-q1-agent1`;
    // Nobody in support answers at first: the caller waits there on music on hold. agent1 (wrap-up 0,
    // also in support) pauses first, or support would ring them back at once.
    await t.app.acd.pause('agent1', 'test');
    const entry = await t.app.acd.transfers.blind('agent1', { type: 'queue', id: 'support' }, 'test');
    expect(entry).toMatchObject({ kind: 'blind', from: { agentId: 'agent1' }, to: { type: 'queue', id: 'support' }, outcome: 'pending' });
    await waitFor(async () => !(await alive(leg1)), 15_000, "agent1's leg hung up");
    await waitFor(() => live(c.id)?.queueId === 'support', 10_000, 'the caller in support');
    await waitFor(() => c.moh(), 10_000 * driver.slow, 'music on hold in support');
    expect(state('agent1')).toBe('paused');
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 500, hangupAfterMs: 3000 });
    await waitFor(() => live(c.id)?.agentId === 'agent2' && live(c.id)?.phase === 'bridged', 40_000, 'agent2 took the caller');
    await c.waitBridged(10_000);
    const rec = await t.record(c.id, 30_000);
    expect(rec.agent).toMatchObject({ id: 'agent2' });
    expect(rec.queue).toMatchObject({ id: 'support', outcome: 'answered' });
    expect(rec.transfers).toEqual([expect.objectContaining({ kind: 'blind', by: 'test', from: expect.objectContaining({ agentId: 'agent1' }), to: expect.objectContaining({ type: 'queue', id: 'support' }), answeredBy: expect.objectContaining({ agentId: 'agent2' }), outcome: 'completed' })]);
    const xfer = rec.transfers![0]!;
    expect(Date.parse(xfer.completedAt!)).toBeGreaterThanOrEqual(Date.parse(xfer.requestedAt));
    const completes = t.app.acd.log().events.filter((e) => e.type === 'complete' && e.callId === c.id).map((e) => [(e as { agentId: string }).agentId, (e as { endedBy: string }).endedBy]);
    expect(completes[0]).toEqual(['agent1', 'transfer']);
    expect(completes.at(-1)?.[0]).toBe('agent2');
    await t.app.acd.unpause('agent1');
  }, 180_000);

  it('blind to an agent who does not answer: the caller is back in sales and taken again', async () => {
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 120_000 });
    await driver.phone('ct-agent2', { kind: 'noanswer' });
    await waitFor(() => state('agent1') === 'available' && state('agent2') === 'available', 30_000, 'both agents free');
    const c = await callAnsweredByAgent1();
    await t.app.acd.transfers.blind('agent1', { type: 'agent', id: 'agent2' }, 'test');
    await waitFor(() => state('agent2') === 'ringing', 10_000, 'agent2 rings');
    await waitFor(() => c.moh(), 10_000 * driver.slow, 'music on hold while agent2 rings');
    // agent2's 6 s ring timeout: the caller goes back to sales, where agent1 answers again.
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 2000 });
    await waitFor(() => live(c.id)?.agentId === 'agent1' && live(c.id)?.phase === 'bridged', 40_000, 'agent1 has the caller again');
    const rec = await t.record(c.id, 30_000);
    expect(rec.agent).toMatchObject({ id: 'agent1' });
    expect(rec.transfers).toEqual([expect.objectContaining({ kind: 'blind', to: expect.objectContaining({ type: 'agent', id: 'agent2' }), outcome: 'no-answer', requeuedTo: 'sales' })]);
    // sales records its bridges: the first conversation is the record's, the one after the transfer a new segment.
    expect(rec.recording?.name).toBe(`queue-sales-${c.id}`);
    expect(rec.transfers![0]!.recording).toBe(`queue-sales-${c.id}-s1`);
    await waitFor(() => driver.recordingExists(`queue-sales-${c.id}-s1`), 10_000, 'the segment after the transfer stored');
  }, 180_000);

  it('attended: caller on MOH during the consult, complete → the caller with agent2, agent1 released to wrap-up', async () => {
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 120_000 });
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 800, hangupAfterMs: 120_000 });
    await waitFor(() => state('agent1') === 'available' && state('agent2') === 'available', 30_000, 'both agents free');
    const c = await callAnsweredByAgent1();
    const leg1 = `${c.id}-q1-agent1`;
    await t.app.acd.transfers.consult('agent1', 'agent2', 'test');
    await waitFor(() => c.moh(), 10_000 * driver.slow, 'the caller on music on hold');
    await waitFor(() => t.app.acd.transfers.state('agent1')?.consult?.state === 'talking', 20_000, 'agent2 answered the consult');
    const consultLeg = `${c.id}-x1-agent2`;
    await waitFor(() => inBridgeWith(leg1, consultLeg), 10_000, 'the agents talk');
    expect(await inBridgeWith(c.id, leg1)).toBe(false);
    expect(state('agent2')).toBe('onCall');
    await t.app.acd.transfers.complete('agent1');
    await waitFor(() => inBridgeWith(c.id, consultLeg), 10_000, 'the caller bridged with agent2');
    await waitFor(async () => !(await alive(leg1)), 10_000, "agent1's leg hung up");
    expect(await c.moh()).toBe(false);
    expect(state('agent1')).not.toBe('onCall');
    expect(live(c.id)?.agentId).toBe('agent2');
    // agent2 ends the call: the conversation (and the record) end with agent2.
    await t.app.telephony.hangup(consultLeg);
    const rec = await t.record(c.id, 30_000);
    expect(rec.agent).toMatchObject({ id: 'agent2' });
    expect(rec.queue).toMatchObject({ id: 'sales', outcome: 'answered' });
    expect(rec.transfers).toEqual([expect.objectContaining({ kind: 'attended', from: expect.objectContaining({ agentId: 'agent1' }), to: expect.objectContaining({ type: 'agent', id: 'agent2' }), answeredBy: expect.objectContaining({ agentId: 'agent2' }), outcome: 'completed' })]);
    await waitFor(() => state('agent2') === 'wrapUp' || state('agent2') === 'available', 10_000, 'agent2 released');
  }, 180_000);

  it('attended: the target hangs up during the consult → the caller is back with agent1', async () => {
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 120_000 });
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 500, hangupAfterMs: 2500 });
    await waitFor(() => state('agent1') === 'available' && state('agent2') === 'available', 30_000, 'both agents free');
    const c = await callAnsweredByAgent1();
    const leg1 = `${c.id}-q1-agent1`;
    await t.app.acd.transfers.consult('agent1', 'agent2', 'test');
    await waitFor(() => t.app.acd.transfers.state('agent1')?.consult?.state === 'talking', 20_000, 'agent2 answered the consult');
    await waitFor(() => t.app.acd.transfers.state('agent1')?.consult === undefined, 20_000, 'agent2 hung up');
    await waitFor(() => inBridgeWith(c.id, leg1), 10_000, 'the caller back with agent1');
    await waitFor(async () => !(await c.moh()), 10_000, 'music on hold stopped');
    expect(t.app.acd.transfers.state('agent1')?.transfers.at(-1)?.outcome).toBe('target-hung-up');
    await waitFor(() => state('agent2') === 'available', 10_000, 'agent2 free again without wrap-up');
    await c.hangup();
    const rec = await t.record(c.id, 30_000);
    expect(rec.agent).toMatchObject({ id: 'agent1' });
    expect(rec.transfers?.[0]?.outcome).toBe('target-hung-up');
  }, 180_000);
});
