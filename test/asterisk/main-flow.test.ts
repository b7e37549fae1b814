// The shipped main flow, end to end, on each PBX target (simulator always; the real Asterisk
// when configured): menus with barge-in, an invalid key and a timeout, a gather ended with `#`
// and read back, the operator dialled on a PJSIP phone answered by sipp, a hand-off to the
// dialplan, and an after-hours voicemail whose file Asterisk keeps.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PbxDriver } from './driver.ts';
import { CLOSED, OPEN, startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';

const steps = (r: { path: { node: string; outcome?: string; digits?: string }[] }) => r.path.filter((s) => s.outcome).map((s) => `${s.node}:${s.outcome}${s.digits ? `:${s.digits}` : ''}`);

describe.each(targets())('main flow on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  let n = 0;
  const from = () => `30012${String(++n).padStart(5, '0')}`;

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    await driver.phone('ct-agent1', { kind: 'answer', afterMs: 1000, hangupAfterMs: 3000 });
    await driver.phone('ct-agent2', { kind: 'answer', afterMs: 1000, hangupAfterMs: 3000 });
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 14 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('menus: barge-in, English, an invalid key, a timeout, then billing; an agent answers on a PJSIP phone', async () => {
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:welcome');
    await c.press('1'); // barge-in: the welcome stops
    await c.waitPrompt('sound:choose-language');
    await c.press('2'); // English
    await c.waitPrompt('sound:main-menu');
    await c.press('7'); // no such option
    await c.waitPrompt('sound:invalid-option');
    await c.waitPrompt('sound:no-input', { timeoutMs: 40_000 }); // then silence: the menu times out
    await c.waitPrompt('sound:main-menu', { nth: 3, timeoutMs: 20_000 });
    await c.press('3'); // billing
    await c.waitBridged(30_000);
    const rec = await t.record(c.id);
    expect(rec.language).toBe('en');
    expect(rec.queue).toMatchObject({ id: 'billing', outcome: 'answered' });
    expect(rec.agent).toMatchObject({ id: 'agent1' });
    expect(steps(rec)).toEqual(expect.arrayContaining(['welcome:barge-in:1', 'chooseLanguage:option:2', 'mainMenu:invalid:7', 'mainMenu:timeout', 'mainMenu:option:3', 'billing:answered']));
    expect(rec.hangupSide).toBe('app'); // the flow said goodbye and hung up after the agent
    expect(rec.hangupCause).toBe(16);
  }, 180_000);

  it('gather: an account number ended with # is read back, then support', async () => {
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:welcome');
    await c.press('1');
    await c.waitPrompt('sound:choose-language');
    await c.press('1'); // Spanish
    await c.waitPrompt('sound:main-menu');
    await c.press('2'); // support: the account first
    await c.waitPrompt('sound:enter-account');
    await c.press('123456#', { gapMs: 300 });
    await c.waitPrompt('digits:123456', { timeoutMs: 20_000 });
    await c.waitBridged(30_000);
    const rec = await t.record(c.id);
    expect(steps(rec)).toEqual(expect.arrayContaining(['supportAccount:collected:123456', 'support:answered']));
    expect(rec.variables?.account).toBe('123456');
    expect(rec.agent).toMatchObject({ id: 'agent2' });
  }, 180_000);

  it('operator: the dial node rings PJSIP/1000 (sipp), the caller hears ringback and is bridged with it', async () => {
    await driver.phone('1000', { kind: 'answer', afterMs: 2000, hangupAfterMs: 3000 });
    const c = await driver.call({ from: from(), to: '6015550100' });
    await c.waitPrompt('sound:welcome');
    await c.press('1');
    await c.waitPrompt('sound:choose-language');
    await c.press('1');
    await c.waitPrompt('sound:main-menu');
    await c.press('0'); // operator
    await c.waitPrompt('tone:ring');
    await c.waitBridged(30_000);
    const rec = await t.record(c.id);
    expect(steps(rec)).toEqual(expect.arrayContaining(['operator:answered']));
    expect(await c.heard()).toEqual(expect.arrayContaining(['tone:ring', 'sound:goodbye']));
  }, 180_000);

  it('transfer: the flow hands the call to the dialplan, which dials extension 2001 (sipp)', async () => {
    await driver.phone('ct-desk', { kind: 'answer', afterMs: 500, hangupAfterMs: 2000 });
    const c = await driver.call({ from: from(), to: '6015550200' });
    await c.waitHandedOffTo('PJSIP/ct-desk', 30_000);
    const rec = await t.record(c.id);
    expect(steps(rec)).toEqual(['desk:dialplan:centralita-handoff,2001']);
    expect(rec.hangupSide).not.toBe('app');
  }, 120_000);

  it('after hours: closed message, then voicemail; the caller hangs up to end it and the file is kept', async () => {
    t.setClock(CLOSED);
    try {
      const c = await driver.call({ from: from(), to: '6015550100' });
      await c.waitPrompt('sound:welcome');
      await c.press('1');
      await c.waitPrompt('sound:choose-language');
      await c.press('1');
      await c.waitPrompt('sound:closed');
      await c.waitPrompt('sound:leave-message', { timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 9_000)); // the 6 s prompt, the beep, three seconds of message
      await c.hangup();
      const rec = await t.record(c.id);
      expect(rec.disposition).toBe('voicemail');
      expect(rec.voicemail?.name).toBe(`voicemail/voicemail-${c.id}`);
      expect(steps(rec).some((x) => x.startsWith('officeHours:closed'))).toBe(true);
      expect(steps(rec)).toContain('afterHoursVoicemail:recorded');
      expect(await driver.recordingExists(rec.voicemail!.name)).toBe(true);
    } finally {
      t.setClock(OPEN);
    }
  }, 180_000);
});
