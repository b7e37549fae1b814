// The ACD end to end on each PBX target: agents are PJSIP endpoints answered by sipp (the
// simulator's phones in CI), the caller waits on music on hold, hears the periodic announcement
// and gets MOH back after it, the agent who does not answer within the ring timeout is skipped
// for the next one, the conversation's bridge is recorded, and the exit key leaves for voicemail.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';
import { waitFor } from '../helpers/wait.ts';

describe.each(targets())('ACD on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  let n = 0;
  const from = () => `30013${String(++n).padStart(5, '0')}`;

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 15 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('ring timeout: agent1 never answers, agent2 does; MOH while waiting; the bridge is recorded', async () => {
    await driver.phone('ct-agent1', { kind: 'noanswer' });
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 1500, hangupAfterMs: 4000 });
    const c = await driver.call({ from: from(), to: '6015550300' });
    await waitFor(() => c.moh(), 10_000 * driver.slow, 'music on hold while agent1 rings');
    await c.waitBridged(40_000); // after agent1's 6 s ring timeout and the 1 s retry
    const rec = await t.record(c.id);
    expect(rec.queue).toMatchObject({ id: 'sales', outcome: 'answered' });
    expect(rec.agent).toMatchObject({ id: 'agent2' });
    expect(rec.queue!.waitSeconds).toBeGreaterThanOrEqual(6);
    const ringFailed = t.app.acd.log().events.filter((e) => e.type === 'ring-failed' && e.callId === c.id).map((e) => (e as { agentId: string }).agentId);
    expect(ringFailed).toContain('agent1');
    expect(rec.recording?.name).toBe(`queue-sales-${c.id}`);
    await waitFor(() => driver.recordingExists(rec.recording!.name), 10_000, 'the bridge recording stored');
    expect(t.app.acd.agent('agent1')?.state).toBe('available');
  }, 180_000);

  it('device state: agent1 is talking on a direct call (not from the queue), so the queue call goes to agent2', async () => {
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 300, hangupAfterMs: 60_000 });
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 1000, hangupAfterMs: 3000 });
    const direct = await driver.callPhone('ct-agent1');
    await waitFor(() => t.app.acd.agent('agent1')?.device === 'in-use', 15_000 * driver.slow, 'agent1 in use (device state event)');
    expect(t.app.acd.agent('agent1')?.state).toBe('available'); // logged in and idle as far as the queue knows
    const c = await driver.call({ from: from(), to: '6015550300' });
    await c.waitBridged(30_000);
    expect((await t.record(c.id)).agent).toMatchObject({ id: 'agent2' });
    await direct.hangup();
    await waitFor(() => t.app.acd.agent('agent1')?.device === 'available', 15_000 * driver.slow, 'agent1 free again');
  }, 180_000);

  it('announcements: the caller waits, the announcement plays (or fails), music on hold comes back; 0 leaves for voicemail', async () => {
    await driver.phone('ct-agent1', { kind: 'noanswer' });
    await driver.phone('ct-agent2', { kind: 'noanswer' });
    const c = await driver.call({ from: from(), to: '6015550300' });
    await waitFor(() => c.moh(), 10_000 * driver.slow, 'music on hold');
    await c.waitPrompt('sound:queue-youarenext', { timeoutMs: 20_000 }); // every 10 s
    // Whether the prompt exists on this PBX or not, MOH comes back: no dead air.
    await waitFor(() => c.moh(), 15_000 * driver.slow, 'music on hold again after the announcement');
    await c.press('0'); // exit key
    await c.waitPrompt('sound:leave-message', { timeoutMs: 20_000 });
    await c.hangup();
    const rec = await t.record(c.id);
    expect(rec.queue).toMatchObject({ id: 'sales', outcome: 'exit-key' });
    expect(rec.path.some((s) => s.node === 'sales' && s.outcome === 'exit-key' && s.digits === '0')).toBe(true);
  }, 180_000);
});
