// Gather edge cases that other IVR engines get wrong (see design notes: jambonz gather bugs):
// digits typed during the prompt are kept, the inter-digit timer starts after a barge-in,
// a partial entry on timeout is evaluated (not dropped), keys during the retry prompt count.
import { describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup } from '../../../src/flow-dsl/index.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const AT = '2026-03-02T10:00:00-05:00';
const pin = defineFlow({
  id: 'pin',
  language: 'en',
  start: 'ask',
  nodes: {
    ask: gather({
      prompt: 'ask', into: 'pin', minDigits: 4, maxDigits: 6, invalidPrompt: 'invalid', timeoutPrompt: 'still-there',
      maxAttempts: 3, next: 'ok', onFailure: 'fail',
    }),
    ok: hangup('ok'),
    fail: hangup('fail'),
  },
});
const steps = (out: { path: { node: string; outcome?: string; digits?: string }[] }) =>
  out.path.filter((s) => s.node === 'ask' && s.outcome).map((s) => `${s.outcome}:${s.digits ?? ''}`);

describe('gather', () => {
  it('digits typed during the prompt interrupt it and are kept', async () => {
    const call = await dialFlow(pin, { at: AT }, {});
    await call.wait(0.5);
    await call.press('12');
    await call.wait(1);
    await call.press('34#');
    const out = await call.finish();
    expect(call.interrupted).toEqual(['en/ask']);
    expect(out.variables?.pin).toBe('1234');
    expect(steps(out)).toEqual(['collected:1234']);
  });

  it('after a barge-in the inter-digit timer runs: a partial entry is evaluated, not dropped', async () => {
    const call = await dialFlow(pin, { at: AT }, {});
    await call.wait(0.5);
    await call.press('12');
    await call.wait(2.9);
    expect(call.heard).toEqual(['en/ask']); // still waiting for more digits
    await call.wait(0.2); // 3 s after the last key
    expect(call.heard.at(-1)).toBe('en/invalid');
    await call.listen();
    await call.press('123456'); // max digits ends the input without '#'
    const out = await call.finish();
    expect(steps(out)).toEqual(['invalid:12', 'collected:123456']);
  });

  it('a key during the retry prompt starts the next attempt at once', async () => {
    const call = await dialFlow(pin, { at: AT }, {});
    await call.listen();
    await call.wait(5); // first-digit timeout
    expect(call.heard.at(-1)).toBe('en/still-there');
    await call.press('9876#'); // while "still there?" plays
    const out = await call.finish();
    expect(call.interrupted).toEqual(['en/still-there']);
    expect(steps(out)).toEqual(['timeout:', 'collected:9876']);
  });

  it('three failures go to onFailure; a lone # is an invalid (empty) entry', async () => {
    const call = await dialFlow(pin, { at: AT }, {});
    await call.listen();
    await call.press('#');
    await call.listen();
    await call.press('1#');
    await call.listen();
    await call.wait(5);
    const out = await call.finish();
    expect(steps(out)).toEqual(['invalid:', 'invalid:1', 'timeout:', 'max-attempts:']);
    expect(call.heard.at(-1)).toBe('en/fail');
  });
});
