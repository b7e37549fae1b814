// The flow test harness as docs/flows.md describes it: which argument takes what (a misplaced
// or malformed one is refused instead of silently changing the call) and how time moves.
import { describe, expect, it } from 'vitest';
import { defineFlow, dial, hangup, menu, play, sayNumber } from '../../../src/flow-dsl/index.ts';
import { dialFlow, type CallOptions, type HarnessOptions } from '../../fakes/flow-harness.ts';

const AT = '2026-03-02T10:00:00-05:00';
const flow = defineFlow({
  id: 'demo', language: 'es', start: 'hello',
  nodes: {
    hello: play(['welcome', sayNumber('amount')], 'menu'),
    menu: menu({ prompt: 'main-menu', options: { '0': 'operator' }, timeoutSec: 5, timeoutPrompt: 'no-input', onFailure: 'bye' }),
    operator: dial({ endpoint: 'PJSIP/1000', noAnswer: 'bye' }),
    bye: hangup('goodbye'),
  },
});

describe('dialFlow arguments', () => {
  it.each([
    [{ at: AT, schedules: {} }, {}, "dialFlow(flow, call, options): 'schedules' is a harness option: pass it in the third argument, e.g. dialFlow(flow, { at }, { schedules })"],
    [{ at: AT }, { from: '+573001112233' }, "dialFlow(flow, call, options): 'from' describes the call: pass it in the second argument, e.g. dialFlow(flow, { at, from }, options)"],
    [{ at: AT, fromm: 'x' }, {}, 'dialFlow(flow, call, options): unknown call option \'fromm\' (the second argument takes at, from, did, to, direction, variables, campaign)'],
    [{ at: AT }, { dial: { 'PJSIP/1000': { answerAfter: 5, talkSec: 60 } } }, 'dialFlow(flow, call, options): dial[\'PJSIP/1000\'] is {"answerAfter":5,"talkSec":60}; a dial script is { answerAfterSec, talkSec }, { busy: true }, { noAnswer: true } or { failed: true }'],
    [{ at: AT }, { queues: { sales: { outcome: 'answerd' } } }, "dialFlow(flow, call, options): queues['sales'] is {\"outcome\":\"answerd\"}; a queue script is { outcome: 'answered' | 'timeout' | 'no-agents' | 'full' | 'exit-key', afterSec?, talkSec?, agentId?, agentName?, digit? }"],
  ])('refuses %j / %j', async (call, options, message) => {
    await expect(dialFlow(flow, call as unknown as CallOptions, options as unknown as HarnessOptions)).rejects.toThrow(message);
  });

  it('plays a well-shaped dial script', async () => {
    const call = await dialFlow(flow, { at: AT, variables: { amount: '12' } }, { dial: { 'PJSIP/1000': { answerAfterSec: 3, talkSec: 30 } } });
    await call.listen();
    await call.press('0');
    await call.finish();
    expect(call.nodes()).toEqual(['hello', 'menu', 'operator']); // answered: hang up after the conversation
    expect(call.ops()).toContain('addToBridge');
  });
});

describe('time in the harness', () => {
  it('listen() stops at silence without running the menu timeout; wait() lets it run', async () => {
    const call = await dialFlow(flow, { at: AT, variables: { amount: '12' } }, { promptSeconds: 2 });
    await call.listen();
    // Two media items of 2 s each, then the menu prompt's 2 s: the menu now waits for a key.
    expect(call.elapsedSec).toBe(6);
    expect(call.heard).toEqual(['es/welcome', 'number:12', 'es/main-menu']);
    expect(call.node).toBe('menu');
    await call.listen(); // nothing is playing: no time passes, the timeout does not fire
    expect(call.elapsedSec).toBe(6);
    await call.wait(5); // the caller says nothing for the menu's timeoutSec
    expect(call.heard.slice(3)).toEqual(['es/no-input']);
  });
});
