// The dialplan/ files as an admin installs them (dialplan/README.md, "Plain Asterisk"), read
// back from the real Asterisk with the README's own checks. Only a real Asterisk can answer:
// on the simulator this file says so and checks nothing.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';

const lab = targets().includes('lab');

describe.skipIf(!lab)('dialplan/ installed the README way (real Asterisk)', () => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  beforeAll(async () => {
    driver = await driverFor('lab');
    await driver.start();
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 7 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('the README checks: HTTP bound to loopback, the ARI user, the app registered, the contexts loaded, channelvars', async () => {
    const cli = driver.cli!;
    expect(await cli('http show status')).toMatch(/Server Enabled and Bound to 127\.0\.0\.1:8088/);
    expect(await cli('ari show users')).toMatch(/centralita/);
    expect(await cli('ari show apps')).toMatch(/centralita/);
    for (const ctx of ['centralita-stasis', 'centralita-did', 'centralita-fallback', 'centralita-handoff', 'centralita-outbound']) {
      expect(await cli(`dialplan show ${ctx}`)).toMatch(new RegExp(`'${ctx}'`));
    }
    expect(await cli('dialplan show globals')).toMatch(/CENTRALITA_FALLBACK_DEFAULT=ct-fallback,s,1/);
    const r = await fetch(`${driver.ari.url}/ari/asterisk/info`, { headers: { authorization: `Basic ${Buffer.from(`${driver.ari.user}:${driver.ari.password}`).toString('base64')}` } });
    expect(r.status).toBe(200);
  });
});
