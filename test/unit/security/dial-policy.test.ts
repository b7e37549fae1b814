// Toll fraud, below the app: the allow-list itself, the telephony guard every origination
// passes, and flows whose dial/transfer targets substitute call variables (CSV cells, caller
// input, lookup results): a value that is not dial digits dials nothing.
import { describe, expect, it } from 'vitest';
import { checkCampaignDialling, checkHandoff, checkOriginate, DEFAULT_DIAL_POLICY, interpolateDialDigits, withInternalEndpoints, type DialPolicy } from '../../../src/domain/dial-policy.ts';
import { guardDialling } from '../../../src/telephony/dial-guard.ts';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { defineFlow, dial, gather, hangup, transfer } from '../../../src/flow-dsl/define.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const policy: DialPolicy = { ...DEFAULT_DIAL_POLICY, callerIds: ['+57 601 555 0100'] };

describe('dial allow-list', () => {
  it('accepts only allowed templates with dial digits in {n}', () => {
    expect(checkOriginate(policy, 'PJSIP/1001')).toMatchObject({ ok: true, kind: 'internal' });
    expect(checkOriginate(policy, 'PJSIP/+573001234567@trunk')).toMatchObject({ ok: true, kind: 'trunk' });
    for (const bad of ['Local/9001@from-internal', 'PJSIP/1001@evil-trunk', 'PJSIP/1001&PJSIP/9999@trunk', 'PJSIP/100/1', 'PJSIP/', `PJSIP/${'1'.repeat(21)}@trunk`, 'SIP/1001', 'pjsip/1001'])
      expect(checkOriginate(policy, bad), bad).toMatchObject({ ok: false, code: 'DIAL_ENDPOINT_NOT_ALLOWED' });
  });
  it("adds the queues' agent phones as exact internal endpoints, nothing looser", () => {
    const p = withInternalEndpoints(policy, ['PJSIP/ct-agent1', 'PJSIP/ct-agent1', 'PJSIP/{n}']);
    expect(p.internalEndpoints).toEqual(['PJSIP/{n}', 'PJSIP/ct-agent1']);
    expect(checkOriginate(policy, 'PJSIP/ct-agent1')).toMatchObject({ ok: false, code: 'DIAL_ENDPOINT_NOT_ALLOWED' });
    expect(checkOriginate(p, 'PJSIP/ct-agent1')).toMatchObject({ ok: true, kind: 'internal' });
    for (const bad of ['PJSIP/ct-agent12', 'PJSIP/ct-agent1@trunk', 'PJSIP/ct-agent2']) expect(checkOriginate(p, bad), bad).toMatchObject({ ok: false });
    expect(withInternalEndpoints(policy, [])).toBe(policy);
  });
  it('lets a trunk call present only an owned caller ID; internal legs may show the caller', () => {
    expect(checkOriginate(policy, 'PJSIP/+573001234567@trunk', '"Acme" <+576015550100>')).toMatchObject({ ok: true });
    expect(checkOriginate(policy, 'PJSIP/+573001234567@trunk', '+18005550199')).toMatchObject({ ok: false, code: 'DIAL_CALLER_ID_NOT_OWNED' });
    expect(checkOriginate(policy, 'PJSIP/1001', '+18005550199')).toMatchObject({ ok: true });
  });
  it('hands calls only to contexts that reach internal destinations', () => {
    expect(checkHandoff(policy, 'centralita-handoff')).toMatchObject({ ok: true });
    expect(checkHandoff(policy, undefined)).toMatchObject({ ok: true });
    expect(checkHandoff(policy, 'from-internal')).toMatchObject({ ok: false, code: 'HANDOFF_CONTEXT_NOT_ALLOWED' });
  });
  it('campaign settings may name only an allowed trunk template and an owned caller ID', () => {
    expect(checkCampaignDialling(policy, { endpoint: 'PJSIP/{phone}@trunk' })).toEqual([]);
    expect(checkCampaignDialling(policy, { endpoint: 'Local/{digits}@from-internal', callerId: '+15550001111' })).toHaveLength(2);
  });
  it('substituted values must be dial digits', () => {
    expect(interpolateDialDigits('PJSIP/{{ext}}', { ext: '1001' })).toEqual({ ok: true, value: 'PJSIP/1001' });
    for (const v of ['1001@from-internal', '1&PJSIP/2', '', '12345678901234567890123', 'a'])
      expect(interpolateDialDigits('PJSIP/{{ext}}', { ext: v }), v).toMatchObject({ ok: false, code: 'DIAL_VALUE_NOT_DIGITS' });
  });
});

describe('the telephony guard', () => {
  it('refuses before the PBX is asked, and passes allowed commands through', async () => {
    const fake = createFakeTelephony();
    const refused: string[] = [];
    const tel = guardDialling(fake, policy, (r) => refused.push(r.code));
    await expect(tel.originate({ endpoint: 'Local/{digits}@from-internal' })).rejects.toMatchObject({ code: 'DIAL_ENDPOINT_NOT_ALLOWED' });
    await expect(tel.originate({ endpoint: 'PJSIP/+573001234567@trunk', callerId: '+15550001111' })).rejects.toMatchObject({ code: 'DIAL_CALLER_ID_NOT_OWNED' });
    await expect(tel.continueInDialplan('ch-1', { context: 'from-internal', extension: '0057300' })).rejects.toMatchObject({ code: 'HANDOFF_CONTEXT_NOT_ALLOWED' });
    expect(fake.commands.filter((c) => c.op === 'originate' || c.op === 'continueInDialplan')).toEqual([]);
    await tel.originate({ endpoint: 'PJSIP/1001' });
    expect(fake.commands.filter((c) => c.op === 'originate')).toHaveLength(1);
    expect(refused).toEqual(['DIAL_ENDPOINT_NOT_ALLOWED', 'DIAL_CALLER_ID_NOT_OWNED', 'HANDOFF_CONTEXT_NOT_ALLOWED']);
  });
});

describe('flows: dial and transfer targets built from call variables', () => {
  const flow = defineFlow({
    id: 'tf', language: 'es', start: 'ring',
    nodes: {
      ring: dial({ endpoint: 'PJSIP/{{target}}', noAnswer: 'ask', failed: 'ask' }),
      ask: gather({ prompt: 'enter-extension', into: 'ext', maxDigits: 4, next: 'send', onFailure: 'bye' }),
      send: transfer('centralita-handoff', '{{ext}}'),
      bye: hangup(),
    },
  });
  it('a variable that is not dial digits dials nothing and goes to `failed`', async () => {
    const call = await dialFlow(flow, { at: '2026-03-02T10:00:00-05:00', variables: { target: '1000@from-internal' } });
    await call.listen();
    expect(call.telephony.commands.filter((c) => c.op === 'originate')).toEqual([]);
    expect(call.node).toBe('ask');
    await call.hangUp();
  });
  it('dial digits go through', async () => {
    const call = await dialFlow(flow, { at: '2026-03-02T10:00:00-05:00', variables: { target: '1000' } }, { dial: { 'PJSIP/1000': { noAnswer: true } } });
    await call.wait(1);
    expect(call.telephony.commands.filter((c) => c.op === 'originate')).toHaveLength(1);
    await call.hangUp();
  });
});
