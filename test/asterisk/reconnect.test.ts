// The app against PBX trouble on each target: its ARI socket dropped mid-call (the call goes on),
// Asterisk restarted mid-call (the call's record says it vanished, by the system, when it was
// last seen) and idle (the app reconnects by itself and takes the next call), `core stop now`
// mid-call (the system hung up, not the app), and a wrong ARI password (a clean start-up error, and
// the caller lands on the dialplan's fallback instead of silence).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';
import { waitFor } from '../helpers/wait.ts';

describe.each(targets())('reconnect on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest | undefined;
  let n = 0;
  const from = () => `30014${String(++n).padStart(5, '0')}`;
  const ready = async (a: AppUnderTest) => waitFor(async () => ((await fetch(`${a.app.httpUrl}/readyz`)).status === 200 ? true : undefined), 60_000, 'the app ready again');
  const answersACall = async (a: AppUnderTest) => {
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:welcome', { timeoutMs: 20_000 });
    await c.hangup();
    return a.record(c.id);
  };

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    await driver.phone('ct-agent1', { kind: 'noanswer' });
    await driver.phone('ct-agent2', { kind: 'noanswer' });
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 8 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('socket dropped mid-call: the call goes on after the reconnect, nothing lost', async () => {
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:choose-language', { timeoutMs: 20_000 });
    const before = t!.app.ari.status().reconnects;
    t!.app.ari.dropSocket();
    await waitFor(() => t!.app.ari.status().reconnects > before && t!.app.ari.status().connected, 20_000, 'reconnected');
    await c.press('1'); // Spanish, after the gap
    await c.waitPrompt('sound:main-menu', { timeoutMs: 30_000 });
    await c.hangup();
    const rec = await t!.record(c.id);
    expect(rec.error).toBeUndefined();
    expect(rec.path.map((s) => s.node)).toEqual(expect.arrayContaining(['spanish', 'officeHours', 'mainMenu']));
  }, 180_000);

  it('Asterisk restarts mid-call (core restart now): the system ended it; the app reconnects and takes calls; idle restart too', async () => {
    await ready(t!);
    const c = await driver.call({ from: from(), to: '6015550300' }); // waits in the sales queue
    await waitFor(() => c.moh(), 15_000 * driver.slow, 'waiting in the queue');
    await driver.restart();
    const rec = await t!.record(c.id, 60_000);
    expect(rec.hangupSide).toBe('system');
    await ready(t!);
    expect((await answersACall(t!)).flow?.id).toBe('main');
    // Idle: nobody on the line.
    await driver.restart();
    await ready(t!);
    expect((await answersACall(t!)).flow?.id).toBe('main');
  }, 240_000);

  it('Asterisk crashes with an agent ringing: the call vanished (ended when last seen); the agent is rung again at once, not after 120 s', async () => {
    await ready(t!);
    const c = await driver.call({ from: from(), to: '6015550300' });
    await waitFor(() => t!.app.acd.agent('agent1')?.state === 'ringing', 15_000 * driver.slow, 'agent1 ringing');
    const down = Date.now();
    await driver.crash();
    const rec = await t!.record(c.id, 60_000);
    expect(rec).toMatchObject({ hangupSide: 'system', error: { code: 'CALL_VANISHED' } });
    expect(Date.parse(rec.endedAt)).toBeLessThanOrEqual(Date.parse(rec.startedAt) + (Date.now() - down) + 60_000);
    await ready(t!);
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 500, hangupAfterMs: 2000 });
    const next = await driver.call({ from: from(), to: '6015550300' });
    await next.waitBridged(20_000); // the 120 s backstop would have kept agent1's phone blocked
    const nextRec = await t!.record(next.id);
    expect(nextRec.agent).toMatchObject({ id: 'agent1' });
    await driver.phone('ct-agent1', { kind: 'noanswer' });
  }, 240_000);

  it('core stop now mid-call: the system hung up (not the app); after Asterisk is back the app is too', async () => {
    await ready(t!);
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:welcome', { timeoutMs: 20_000 });
    await driver.stopNow();
    await driver.start();
    // Asterisk says so as it stops (soft hangup, flag 4); a PBX that just vanishes is found at the resync.
    const rec = await t!.record(c.id, 60_000);
    expect(rec.hangupSide).toBe('system');
    await ready(t!);
    expect((await answersACall(t!)).flow?.id).toBe('main');
  }, 240_000);

  it('wrong ARI password: a clean ARI_AUTH_FAILED at start-up (401), and a caller reaches the dialplan fallback instead of silence', async () => {
    await t!.stop();
    t = undefined;
    await expect(startApp(driver, { redisUrl: inject('redisUrl'), db: 8, password: 'not-the-password', waitReady: false }))
      .rejects.toMatchObject({ code: 'ARI_AUTH_FAILED', message: expect.stringMatching(/HTTP 401/) });
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitFallback(30_000);
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 8 });
  }, 180_000);
});
