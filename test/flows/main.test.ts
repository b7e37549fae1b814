// Ops-facing tests of flows/main.flow.ts: each scripted call runs on a simulated clock.
import { describe, expect, it } from 'vitest';
import mainFlow from '../../flows/main.flow.ts';
import { schedules } from '../../flows/schedules.ts';
import { lookups } from '../../flows/lookups/index.ts';
import { dialFlow, type HarnessOptions } from '../fakes/flow-harness.ts';

// Monday 2 March 2026, 10:00 in Bogotá: the office is open.
const OPEN = '2026-03-02T10:00:00-05:00';
const NIGHT = '2026-03-02T21:30:00-05:00';
const HOLIDAY = '2026-03-23T10:00:00-05:00'; // San José, moved to Monday

const base: HarnessOptions = { schedules, lookups };

async function toMainMenuInEnglish(at = OPEN, o: HarnessOptions = base) {
  const call = await dialFlow(mainFlow, { at }, o);
  await call.listen(); // welcome
  await call.press('2'); // English, during the language prompt
  return call;
}

describe('main flow', () => {
  it('greets, asks for the language and reads the main menu in English', async () => {
    const call = await dialFlow(mainFlow, { at: OPEN }, base);
    await call.wait(2.5); // welcome (2 s) is over, the language prompt is playing
    await call.press('2');
    await call.listen();
    expect(call.heard).toEqual(['es/welcome', 'es/choose-language', 'en/main-menu']);
    expect(call.interrupted).toEqual(['es/choose-language']);
    expect(call.node).toBe('mainMenu');
  });

  it('1 → sales queue when the caller is not a known customer', async () => {
    const call = await toMainMenuInEnglish();
    await call.press('1');
    await call.wait(3);
    expect(call.queue).toBe('sales');
    const out = await call.finish();
    expect(out.queue).toMatchObject({ id: 'sales', outcome: 'answered' });
    expect(out.hungUpBy).toBe('app');
    expect(call.nodes()).toEqual(['welcome', 'chooseLanguage', 'english', 'officeHours', 'mainMenu', 'salesOwner', 'sales']);
  });

  it('1 → rings the contact owner when the CRM knows the caller', async () => {
    const call = await toMainMenuInEnglish(OPEN, {
      ...base,
      lookupServices: {
        crm: { findContactsByPhone: async (n: string[]) => new Map(n[0] === '+573001112233' ? [[n[0], [{ id: 'hs-42' }]]] : []) },
        owners: { extensionFor: async (id: string) => (id === 'hs-42' ? '1007' : undefined) },
      },
      dial: { 'PJSIP/1007': { answerAfterSec: 5, talkSec: 120 } },
    });
    await call.press('1');
    const out = await call.finish();
    expect(call.nodes()).toEqual(expect.arrayContaining(['salesOwner', 'hasOwner', 'ringOwner', 'goodbye']));
    expect(call.ops()).toContain('addToBridge');
    expect(out.hubspotContactId).toBe('hs-42');
    expect(call.heard.at(-1)).toBe('en/goodbye');
  });

  it('1 → known caller whose owner has no extension, or several contacts with the number → sales queue', async () => {
    const noOwner = await toMainMenuInEnglish(OPEN, { ...base, lookupServices: { crm: { findContactsByPhone: async (n: string[]) => new Map([[n[0]!, [{ id: 'hs-7' }]]]) } } });
    await noOwner.press('1');
    const out = await noOwner.finish();
    expect(noOwner.queue).toBe('sales');
    expect(out.hubspotContactId).toBe('hs-7');
    const twins = await toMainMenuInEnglish(OPEN, { ...base, lookupServices: { crm: { findContactsByPhone: async (n: string[]) => new Map([[n[0]!, [{ id: 'a' }, { id: 'b' }]]]) } } });
    await twins.press('1');
    const out2 = await twins.finish();
    expect(out2.hubspotContactId).toBeUndefined();
    expect(out2.path.find((s) => s.node === 'salesOwner' && s.outcome)?.outcome).toBe('not-found');
  });

  it('2 → account number with validation and read-back, then support queue', async () => {
    const call = await toMainMenuInEnglish();
    await call.press('2');
    await call.listen();
    await call.press('0123456#'); // starts with 0: invalid
    await call.listen();
    await call.press('1234567#');
    await call.listen();
    expect(call.heard).toContain('en/invalid-account');
    expect(call.heard).toContain('digits:1234567');
    expect(call.queue).toBe('support');
    const out = await call.finish();
    expect(out.variables?.account).toBe('1234567');
    expect(out.path.filter((s) => s.node === 'supportAccount' && s.digits).map((s) => [s.digits, s.outcome])).toEqual([
      ['0123456', 'invalid'],
      ['1234567', 'collected'],
    ]);
  });

  it('gather ends on max digits and on the inter-digit timeout', async () => {
    const call = await toMainMenuInEnglish();
    await call.press('2');
    await call.press('12345678'); // 8 digits = maxDigits, no # needed
    expect(call.node).toBe('supportAccount');
    await call.listen(); // read-back
    expect(call.queue).toBe('support');

    const slow = await toMainMenuInEnglish();
    await slow.press('2');
    await slow.press('123456', { gapSec: 1 });
    await slow.wait(3.5); // inter-digit timeout (3 s) ends input
    await slow.listen();
    expect(slow.heard).toContain('digits:123456');
  });

  it('3 → billing queue; queue timeout overflows to voicemail', async () => {
    const call = await toMainMenuInEnglish(OPEN, { ...base, queues: { billing: { outcome: 'timeout', afterSec: 300 } } });
    await call.press('3');
    await call.wait(301);
    await call.listen();
    expect(call.heard.slice(-2)).toEqual(['en/all-agents-busy', 'en/leave-message']);
    const out = await call.finish();
    expect(out.queue).toMatchObject({ id: 'billing', outcome: 'timeout' });
    expect(out.voicemail?.name).toMatch(/^voicemail\/voicemail-call-/);
    expect(out.disposition).toBe('voicemail');
  });

  it('0 → operator; no answer overflows to voicemail', async () => {
    const call = await toMainMenuInEnglish();
    await call.press('0');
    const out = await call.finish();
    expect(call.ops()).toContain('play');
    expect(call.nodes()).toEqual(expect.arrayContaining(['operator', 'overflow', 'overflowVoicemail', 'goodbye']));
    expect(out.voicemail).toBeDefined();
  });

  it('invalid digit and timeout replay the menu with their own prompts; third failure goes to the operator', async () => {
    const call = await toMainMenuInEnglish();
    await call.listen();
    await call.press('7');
    await call.listen();
    expect(call.heard.slice(-2)).toEqual(['en/invalid-option', 'en/main-menu']);
    await call.wait(5); // timeout
    await call.listen();
    expect(call.heard.slice(-2)).toEqual(['en/no-input', 'en/main-menu']);
    await call.press('9');
    await call.wait(1);
    expect(call.node).toBe('operator');
    expect(call.output).toBeUndefined();
    const steps = (await call.finish()).path.filter((s) => s.node === 'mainMenu' && s.outcome);
    expect(steps.map((s) => s.outcome)).toEqual(['invalid', 'timeout', 'invalid', 'max-attempts']);
  });

  it('a key pressed during the menu prompt interrupts it', async () => {
    const call = await toMainMenuInEnglish();
    await call.wait(0.5);
    await call.press('3');
    expect(call.interrupted).toContain('en/main-menu');
    expect(call.queue).toBe('billing');
  });

  it('no language choice defaults to Spanish after two silent attempts', async () => {
    const call = await dialFlow(mainFlow, { at: OPEN }, base);
    await call.wait(30);
    expect(call.heard.filter((h) => h === 'es/choose-language')).toHaveLength(2);
    expect(call.heard).toContain('es/main-menu');
  });

  it('after hours: closed message, then voicemail, and the recording goes on the record', async () => {
    const call = await dialFlow(mainFlow, { at: NIGHT }, base);
    await call.listen();
    await call.press('1');
    await call.listen();
    expect(call.heard.slice(-2)).toEqual(['es/closed', 'es/leave-message']);
    await call.wait(8); // speaks for 8 s
    await call.hangUp();
    expect(call.done).toBe(true);
    expect(call.output?.voicemail).toMatchObject({ durationSec: 8 });
    expect(call.output?.disposition).toBe('voicemail');
    expect(call.output?.hungUpBy).toBe('caller');
    expect(call.output?.path.find((s) => s.node === 'officeHours' && s.outcome)?.outcome).toBe('closed:outside opening hours');
  });

  it('on a Colombian holiday: holiday message then voicemail', async () => {
    const call = await dialFlow(mainFlow, { at: HOLIDAY }, base);
    await call.listen();
    await call.press('2');
    await call.listen();
    expect(call.heard.slice(-2)).toEqual(['en/holiday', 'en/leave-message']);
    expect(call.output).toBeUndefined();
    expect((await call.finish()).path.find((s) => s.node === 'officeHours' && s.outcome)?.outcome).toBe('holiday:San José');
  });

  it('an override (force closed) sends callers to the closed message during office hours', async () => {
    const call = await dialFlow(mainFlow, { at: OPEN }, {
      ...base,
      overrides: [{ scheduleId: 'office', state: 'closed', reason: 'fire drill', setBy: 'ana', setAt: '2026-03-02T14:00:00Z', expiresAt: '2026-03-02T17:00:00Z' }],
    });
    await call.listen();
    await call.press('1');
    await call.listen();
    expect(call.heard).toContain('es/closed');
  });

  it('caller hanging up mid-menu ends the flow with hungUpBy caller and the path so far', async () => {
    const call = await toMainMenuInEnglish();
    await call.hangUp();
    expect(call.output?.hungUpBy).toBe('caller');
    expect(call.output?.path.at(-1)?.node).toBe('mainMenu');
    expect(call.ops()).not.toContain('hangup');
  });
});

describe('main flow: hanging up in a queue', () => {
  it('the record still names the queue (abandoned, with the wait)', async () => {
    const call = await dialFlow(mainFlow, { at: OPEN }, { ...base, queues: { billing: { outcome: 'timeout', afterSec: 600 } } });
    await call.listen();
    await call.press('2');
    await call.press('3');
    await call.wait(42);
    await call.hangUp();
    expect(call.output?.queue).toEqual({ id: 'billing', waitSeconds: 42, outcome: 'abandoned' });
    expect(call.output?.path.at(-1)).toMatchObject({ node: 'billing', outcome: 'caller-hangup' });
  });
});

describe('docs/flows.md example', () => {
  it('billing, after one wrong key', async () => {
    const call = await dialFlow(mainFlow, { at: '2026-03-02T10:00:00-05:00' }, { schedules, lookups });
    await call.listen();
    await call.press('2');
    await call.press('7');
    await call.listen();
    await call.wait(5);
    await call.press('3');
    expect(call.heard).toContain('en/invalid-option');
    expect(call.queue).toBe('billing');
    const out = await call.finish();
    expect(out.queue?.outcome).toBe('answered');
  });
});
