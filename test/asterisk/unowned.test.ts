// A call whose StasisStart reached a process that died before taking it (issue 14): the channel
// stays in the app (Asterisk keeps an app with channels registered, inactive, when its WebSocket
// goes), and Asterisk sends no StasisStart again when the next process connects. The next app's
// start-up sweep (GET /channels, dialplan.app_name Stasis / app_data "centralita,…") finds it and
// runs its flow from the beginning, on each target.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAriTelephony } from '../../src/telephony/ari/adapter.ts';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';

describe.each(targets())('calls nobody owns on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest | undefined;

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('a call left in the app by a process that died is adopted by the next start-up: its flow starts from the welcome', async () => {
    // "The previous process": registered, got the StasisStart, never acted on it, gone.
    const dying = await createAriTelephony({ url: driver.ari.url, user: driver.ari.user, password: driver.ari.password, app: 'centralita', requestTimeoutMs: 5000, logger: pino({ level: 'silent' }), pingIntervalMs: 0 });
    const seen = new Promise<string>((resolve) => dying.onEvent((e) => { if (e.type === 'call.started') resolve(e.channel.id); }));
    const c = await driver.call({ from: '3001555777', to: '6015550100' });
    expect(await seen).toBe(c.id);
    await dying.close();
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 9 });
    await c.waitPrompt('sound:welcome', { timeoutMs: 30_000 });
    expect(t.app.calls.stats().adopted).toBe(1);
    await c.hangup();
    const rec = await t.record(c.id);
    expect(rec.flow?.id).toBe('main');
  }, 180_000);
});
