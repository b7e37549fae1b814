// Node semantics not covered by the shipped flows: transfer, setVar, branch on time and
// caller, dial busy/failed, barge-in off, gather validate function + timeout path,
// missing ACD, and the compiled machine's contract (named actors and delays only).
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../../src/flow-dsl/compile.ts';
import { branch, defineFlow, dial, gather, hangup, play, queue, setLanguage, setVar, transfer } from '../../../src/flow-dsl/index.ts';
import { FLOW_ACTOR_NAMES } from '../../../src/flow-dsl/actor-types.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const AT = '2026-03-02T10:00:00-05:00';

const routing = defineFlow({
  id: 'routing',
  language: 'es',
  start: 'tag',
  nodes: {
    tag: setVar('vip', (v) => (v.from.endsWith('999') ? 'yes' : 'no'), 'route'),
    route: branch({
      cases: [
        { label: 'vip', when: (v) => v.vars.vip === 'yes', to: 'vipDesk' },
        { label: 'lunch', when: (v) => v.now.getUTCHours() === 17, to: 'lunch' },
      ],
      otherwise: 'ringGroup',
    }),
    vipDesk: dial({ endpoint: 'PJSIP/{{deskExt}}', callerId: 'VIP <{{from}}>', timeoutSec: 10, busy: 'busyMsg', noAnswer: 'ringGroup', failed: 'ringGroup' }),
    busyMsg: play('busy', 'ringGroup'),
    lunch: play('lunch', 'bye'),
    ringGroup: transfer('ext-group', '600'),
    bye: hangup('bye'),
  },
});

describe('flow nodes', () => {
  it('setVar + branch on caller data → dial with interpolated endpoint; busy → message → dialplan ring group', async () => {
    const call = await dialFlow(routing, { at: AT, from: '+573001112999', variables: { deskExt: '1099' } }, { dial: { 'PJSIP/1099': { busy: true } } });
    const out = await call.finish();
    expect(call.telephony.commands.find((c) => c.op === 'originate')?.args[0]).toMatchObject({ endpoint: 'PJSIP/1099', callerId: 'VIP <+573001112999>', timeoutSec: 10, appArgs: expect.stringMatching(/^dial-leg,call-/) });
    expect(call.heard).toEqual(['tone:ring', 'es/busy']); // ringback while the desk rings, never silence
    expect(out.handedBack).toEqual({ context: 'ext-group', extension: '600' });
    expect(call.ops()).toContain('continueInDialplan');
    expect(call.ops()).not.toContain('hangup'); // the dialplan owns the call now
    expect(out.path.map((s) => [s.node, s.outcome ?? ''])).toEqual([
      ['tag', ''], ['route', ''], ['route', 'vip'], ['vipDesk', ''], ['vipDesk', 'busy'], ['busyMsg', ''], ['ringGroup', ''], ['ringGroup', 'dialplan:ext-group,600'],
    ]);
  });

  it('branch on time of day uses the injected clock (12:00 Bogotá = 17:00 UTC)', async () => {
    const call = await dialFlow(routing, { at: '2026-03-02T12:00:00-05:00' }, {});
    await call.listen();
    expect(call.heard).toEqual(['es/lunch', 'es/bye']);
  });

  it('dial failure (congestion) takes the failed branch', async () => {
    const call = await dialFlow(routing, { at: AT, from: '999', variables: { deskExt: '1' } }, { dial: { 'PJSIP/1': { failed: true } } });
    const out = await call.finish();
    expect(out.path.find((s) => s.node === 'vipDesk' && s.outcome)?.outcome).toBe('failed');
  });

  const account = defineFlow({
    id: 'account',
    language: 'en',
    start: 'intro',
    nodes: {
      intro: play(['intro', 'more'], 'ask'), // no barge-in
      ask: gather({
        prompt: 'ask', into: 'pin', minDigits: 4, maxDigits: 4, finishOnKey: null, firstDigitTimeoutSec: 4,
        validate: (d) => d !== '0000', maxAttempts: 2, timeoutPrompt: 'still-there', next: 'ok', onFailure: 'fail',
      }),
      ok: hangup('ok'),
      fail: hangup('fail'),
    },
  });

  it('without barge-in a key during the prompt is ignored; gather validate function and first-digit timeout', async () => {
    const call = await dialFlow(account, { at: AT }, {});
    await call.wait(1);
    await call.press('5');
    expect(call.interrupted).toEqual([]);
    await call.listen(); // intro+more (4 s) then ask
    await call.wait(4); // no first digit
    await call.listen();
    expect(call.heard).toEqual(['en/intro', 'en/more', 'en/ask', 'en/still-there', 'en/ask']);
    await call.press('0000'); // 4 digits = maxDigits, but invalid; second failure
    const out = await call.finish();
    expect(call.heard.at(-1)).toBe('en/fail');
    expect(out.path.filter((s) => s.node === 'ask' && s.outcome).map((s) => `${s.outcome}:${s.digits ?? ''}`)).toEqual(['timeout:', 'invalid:0000', 'max-attempts:']);
  });

  it('a queue node asks the ACD for its skills, plus the caller\'s language when languageSkill is set', async () => {
    const flow = defineFlow({
      id: 'sk', language: 'es', languages: ['es', 'en'], start: 'lang',
      nodes: { lang: setLanguage('en', 'q'), q: queue({ queue: 'billing', skills: ['billing-disputes'], languageSkill: true, timeout: 'bye' }), bye: hangup() },
    });
    const call = await dialFlow(flow, { at: AT });
    await call.finish();
    expect(call.queue).toBe('billing');
    expect(call.queueSkills).toEqual(['billing-disputes', 'en']);
    const plain = await dialFlow(defineFlow({ id: 'p', language: 'es', start: 'q', nodes: { q: queue({ queue: 'sales', timeout: 'bye' }), bye: hangup() } }), { at: AT });
    await plain.finish();
    expect(plain.queueSkills).toBeUndefined();
  });

  it('a queue node without an ACD takes its timeout branch and notes the error', async () => {
    const flow = defineFlow({ id: 'q', language: 'es', start: 'q', nodes: { q: queue({ queue: 'sales', timeout: 'bye' }), bye: hangup() } });
    const compiled = compileFlow(flow);
    // The harness always wires a fake ACD, so run the actor contract directly here:
    const { createFlowActors } = await import('../../../src/flow-dsl/actors.ts');
    const { createFakeTelephony } = await import('../../fakes/fake-telephony.ts');
    const { createActor, toPromise } = await import('xstate');
    const tel = createFakeTelephony();
    const ch = tel.placeCall({});
    const actor = createActor(compiled.machine.provide({ actors: createFlowActors({ telephony: tel }).actors }), {
      input: { callId: 'c1', channelId: ch, direction: 'inbound', from: '1', to: '2', language: 'es', variables: {}, startedAt: AT },
    });
    actor.start();
    const out = (await toPromise(actor)) as { path: { node: string; outcome?: string }[] };
    expect(out.path.map((s) => `${s.node}:${s.outcome ?? ''}`)).toEqual(['q:', 'q:error', 'bye:']);
    expect(tel.ops(ch)).toEqual(['answer', 'hangup']);
  });

  it('compiles to a machine whose side effects are only the named actors and whose timeouts are named delays', () => {
    const compiled = compileFlow(account);
    const impl = compiled.machine.implementations as { actors: Record<string, unknown>; delays: Record<string, unknown> };
    expect(Object.keys(impl.actors).sort()).toEqual([...FLOW_ACTOR_NAMES].sort());
    expect(impl.delays).toEqual({ ask__firstDigit: 4000, ask__interDigit: 3000 });
    expect(compiled.version).toMatch(/^[0-9a-f]{8}$/);
    expect(compileFlow(account).version).toBe(compiled.version); // deterministic
  });
});

describe('answer', () => {
  it('a failed answer (channel already up, PBX refusal) does not drop the caller', async () => {
    const { createFlowActors } = await import('../../../src/flow-dsl/actors.ts');
    const { createFakeTelephony } = await import('../../fakes/fake-telephony.ts');
    const { createActor } = await import('xstate');
    const { TelephonyCommandError } = await import('../../../src/errors.ts');
    const flow = compileFlow(defineFlow({ id: 'a', language: 'es', start: 'hi', nodes: { hi: play('hi', 'bye'), bye: hangup() } }));
    const tel = createFakeTelephony();
    const ch = tel.placeCall({});
    tel.fault('answer', () => new TelephonyCommandError('answer', 409, 'channel already answered'));
    const actor = createActor(flow.machine.provide({ actors: createFlowActors({ telephony: tel }).actors }), {
      input: { callId: 'c1', channelId: ch, direction: 'inbound', from: '1', to: '2', language: 'es', variables: {}, startedAt: AT },
    });
    actor.start();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(tel.ops(ch)).toEqual(['answer', 'play', 'hangup']); // the flow ran to its end
    expect((actor.getSnapshot() as { context: { error?: { code: string } } }).context.error?.code).toBe('TELEPHONY_COMMAND_FAILED');
    actor.stop();
  });
});
