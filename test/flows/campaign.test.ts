// Ops-facing tests of flows/campaign.flow.ts (outbound message, agent, opt-out, no input).
import { describe, expect, it } from 'vitest';
import campaignFlow from '../../flows/campaign.flow.ts';
import { lookups } from '../../flows/lookups/index.ts';
import { dialFlow, type HarnessOptions } from '../fakes/flow-harness.ts';

const AT = '2026-03-03T11:00:00-05:00';
const campaign = { campaignId: 'cobranza-marzo', rowId: '17', attempt: 1 };
const payment = { amount: '150000' };

function dnc() {
  const added: string[] = [];
  return { added, add: async (...n: string[]) => { added.push(...n); return n.length; } };
}
const opts = (extra: Partial<HarnessOptions> = {}): HarnessOptions => ({ lookups, ...extra });
// Campaign legs: `to` is the number called, as written in the campaign file (local form here).
const outbound = (variables: Record<string, string>) => ({ at: AT, direction: 'outbound' as const, from: '6015550100', to: '3001234567', variables, campaign });

describe('campaign flow', () => {
  it('plays the personalised payment message (amount read as a number) without answering again', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts());
    await call.listen();
    expect(call.heard).toEqual(['es/campaign-payment', 'number:150000', 'es/campaign-options']);
    expect(call.ops()).not.toContain('answer');
    expect(call.nodes()).toEqual(['pickMessage', 'paymentMessage']);
  });

  it('uses the generic message when the row has no amount, in the row language', async () => {
    const call = await dialFlow(campaignFlow, outbound({ language: 'en' }), opts());
    await call.listen();
    expect(call.heard).toEqual(['en/campaign-generic', 'en/campaign-options']);
  });

  it('1 → sales queue; an answered call ends with the agent on the record', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts({ queues: { sales: { outcome: 'answered', afterSec: 8, agentId: 'maria', talkSec: 90 } } }));
    await call.wait(1);
    await call.press('1'); // during the message: barge-in
    expect(call.interrupted).toContain('es/campaign-payment');
    const out = await call.finish();
    expect(out.queue).toEqual({ id: 'sales', waitSeconds: 8, outcome: 'answered' });
    expect(out.agent).toEqual({ id: 'maria' });
  });

  it('1 with no agents → apology and hang up', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts({ queues: { sales: { outcome: 'no-agents' } } }));
    await call.listen();
    await call.press('1');
    const out = await call.finish();
    expect(call.heard.at(-1)).toBe('es/campaign-sorry');
    expect(out.queue?.outcome).toBe('no-agents');
    expect(call.ops().at(-1)).toBe('hangup');
  });

  it('9 → number added to the do-not-call list, confirmation, hang up', async () => {
    const list = dnc();
    const call = await dialFlow(campaignFlow, outbound(payment), opts({ lookupServices: { dnc: list } }));
    await call.listen();
    await call.press('9');
    const out = await call.finish();
    expect(list.added).toEqual(['+573001234567']);
    expect(call.heard.at(-1)).toBe('es/campaign-optout-done');
    expect(out.variables?.dnc).toBe('added');
  });

  it('9 uses the dialler\'s CENTRALITA_PHONE when the channel does not carry the number', async () => {
    const list = dnc();
    const call = await dialFlow(campaignFlow, { ...outbound({ ...payment, CENTRALITA_PHONE: '+573009998877' }), to: 's' }, opts({ lookupServices: { dnc: list } }));
    await call.listen();
    await call.press('9');
    await call.finish();
    expect(list.added).toEqual(['+573009998877']);
  });

  it('9 with no usable number → failure message, nothing wrong added to the list', async () => {
    const list = dnc();
    const call = await dialFlow(campaignFlow, { ...outbound(payment), to: 's' }, opts({ lookupServices: { dnc: list } }));
    await call.listen();
    await call.press('9');
    await call.finish();
    expect(list.added).toEqual([]);
    expect(call.heard.at(-1)).toBe('es/campaign-optout-failed');
  });

  it('9 when the do-not-call list fails → says so (never a silent opt-out) and the path shows the error', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts({ lookupServices: { dnc: { add: async () => { throw new Error('db down'); } } } }));
    await call.listen();
    await call.press('9');
    const out = await call.finish();
    expect(call.heard.at(-1)).toBe('es/campaign-optout-failed');
    expect(out.path.find((s) => s.node === 'optOut' && s.outcome)?.outcome).toBe('error');
  });

  it('9 when the do-not-call list hangs → lookup timeout (3 s) → failure message', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts({ lookupServices: { dnc: { add: () => new Promise<void>(() => {}) } } }));
    await call.listen();
    await call.press('9');
    await call.wait(3.1);
    expect(call.nodes().at(-1)).toBe('optOutFailed');
    expect((await call.finish()).path.find((s) => s.node === 'optOut' && s.outcome)?.outcome).toBe('timeout');
  });

  it('no input → the message plays once more, then goodbye', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts());
    const out = await call.finish();
    expect(call.heard.filter((h) => h === 'es/campaign-payment')).toHaveLength(2);
    expect(call.heard.at(-1)).toBe('es/goodbye');
    expect(out.path.filter((s) => s.node === 'paymentMessage' && s.outcome).map((s) => s.outcome)).toEqual(['timeout', 'timeout', 'max-attempts']);
    expect(out.hungUpBy).toBe('app');
  });

  it('an invalid key counts as an attempt too', async () => {
    const call = await dialFlow(campaignFlow, outbound(payment), opts());
    await call.listen();
    await call.press('5');
    await call.listen();
    await call.press('5');
    const out = await call.finish();
    expect(call.heard.at(-1)).toBe('es/goodbye');
    expect(out.path.filter((s) => s.node === 'paymentMessage' && s.digits).map((s) => s.digits)).toEqual(['5', '5']);
  });
});
