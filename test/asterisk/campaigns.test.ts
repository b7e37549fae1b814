// Campaigns end to end on each PBX target: a file dropped in the app's inbox is dialled through
// `PJSIP/{phone}@trunk` (on the lab a sipp "carrier" answering each number by its last digit),
// and each row ends with the outcome its hangup cause says — answered (the row's variables
// reach the flow: the payment message, in English), opted out with 9, busy (486), congestion
// (503), no answer, declined (603), unknown number (404).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NumberKind, PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';
import { waitFor } from '../helpers/wait.ts';

const KINDS: NumberKind[] = ['answer', 'answer-press-9', 'busy', 'congestion', 'noanswer', 'decline', 'unknown'];

describe.each(targets())('campaigns on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest;

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 11 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('answer, opt-out, busy, congestion, no answer, decline, unknown number; row variables reach the flow', async () => {
    const numbers = new Map<NumberKind, string>();
    for (const [i, k] of KINDS.entries()) numbers.set(k, await driver.campaignNumber(k, i + 1));
    const once = { delaySec: 0, maxAttempts: 1 };
    t.dropCampaign('pbx-paths', {
      flowId: 'campaign', endpoint: 'PJSIP/{phone}@trunk', callerId: '+576015550000', maxCallsPerSecond: 5, maxConcurrentCalls: 7, ringTimeoutSec: 6, maxCallSec: 120,
      window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
      retry: { busy: once, declined: once, 'no-answer': once, failed: once },
    }, 'telefono,nombre,amount,language\n' + KINDS.map((k) => `${numbers.get(k)},Cliente ${k},${k === 'answer' ? '150000' : ''},${k === 'answer' ? 'en' : ''}`).join('\n') + '\n');

    const progress = await waitFor(async () => {
      const r = await fetch(`${t.app.httpUrl}/api/campaigns/pbx-paths`, { headers: { authorization: `Bearer ${t.app.token}` } });
      if (r.status !== 200) return undefined;
      const p = (await r.json()) as { done: number; final: Record<string, number> };
      return p.done === KINDS.length ? p : undefined;
    }, 150_000, 'every row final');
    // The simulator has no SIP 404: its closest, an unreachable number, is a failure there.
    const unknown = driver.name === 'sim' ? { failed: 2 } : { failed: 1, 'unknown-number': 1 };
    expect(progress.final).toEqual({ answered: 2, busy: 1, 'no-answer': 1, declined: 1, ...unknown });

    const records = t.records.filter((r) => r.campaign?.campaignId === 'pbx-paths');
    const answered = records.find((r) => r.to === numbers.get('answer'))!;
    expect(answered.path.map((s) => s.node)).toContain('paymentMessage');
    expect(answered).toMatchObject({ language: 'en', variables: expect.objectContaining({ amount: '150000', language: 'en' }) as object });
    const optedOut = records.find((r) => r.to === numbers.get('answer-press-9'))!;
    expect(optedOut.path.some((s) => s.node === 'optOut' && s.outcome === 'found')).toBe(true);
  }, 240_000);
});
