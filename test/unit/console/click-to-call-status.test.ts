// Click-to-call's states (what the HubSpot calling extension reports to HubSpot) and its hang-up:
// ringing the agent → dialling → connected → ended with the record's disposition and the
// call id of its wrap-up; only the agent's own calls; a call never dialled has no wrap-up.
import { describe, expect, it } from 'vitest';
import { createClickToCall } from '../../../src/console/click-to-call.ts';
import { createLogger } from '../../../src/logger.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';

function setup() {
  const telephony = createFakeTelephony();
  const records: CallRecord[] = [];
  let t = Date.parse('2026-12-01T15:00:00.000Z');
  const c2c = createClickToCall({
    telephony, agent: (id) => (id === 'bruno' ? { endpoint: 'PJSIP/1002', name: 'Bruno', state: 'available' } : undefined),
    trunkTemplate: 'PJSIP/{n}@trunk', defaultCountry: 'CO', publish: async (r) => { records.push(r); }, logger: createLogger({ level: 'silent' }),
    now: () => new Date((t += 1000)),
  });
  // The leg exists on the PBX (answered), then the router hands it to click-to-call by its role.
  const start = (channelId: string, id: string, side: 'agent' | 'far') => (telephony.placeCall({ channelId, args: ['click-to-call', id, side], state: 'Up' }), c2c.handleStart({ type: 'call.started', channel: { id: channelId, state: 'Up', caller: { number: '' }, dialplan: { context: '', exten: '', priority: 1 } } as never, args: ['click-to-call', id, side], at: new Date(t).toISOString() }));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { telephony, records, c2c, start, settle };
}

describe('click-to-call status and hang-up', () => {
  it('follows ringing-agent → dialling → connected → ended, then hangs up both legs', async () => {
    const { c2c, start, settle, records, telephony } = setup();
    const { id, number } = await c2c.call('bruno', '300 555 1234');
    expect(number).toBe('+573005551234');
    expect(c2c.status('bruno', id)).toMatchObject({ state: 'ringing-agent', number: '+573005551234' });
    expect(c2c.status('ana', id)).toBeUndefined(); // not hers
    start(`c2c-${id}-a`, id, 'agent');
    await settle();
    expect(c2c.status('bruno', id)).toMatchObject({ state: 'dialling', callId: `c2c-${id}-b` });
    start(`c2c-${id}-b`, id, 'far');
    await settle(); await settle();
    const connected = c2c.status('bruno', id)!;
    expect(connected.state).toBe('connected');
    expect(connected.answeredAt).toBeTruthy();
    expect(await c2c.hangup('ana', id)).toBe(false);
    expect(await c2c.hangup('bruno', id)).toBe(true);
    const ended = c2c.status('bruno', id)!;
    expect(ended).toMatchObject({ state: 'ended', disposition: 'answered', hungUpBy: 'agent', callId: `c2c-${id}-b` });
    expect(records).toHaveLength(1);
    expect(records[0]!.id).toBe(`cr-c2c-${id}-b`);
    expect(telephony.ops(`c2c-${id}-a`)).toContain('hangup');
    expect(telephony.ops(`c2c-${id}-b`)).toContain('hangup');
    expect(await c2c.hangup('bruno', id)).toBe(false); // already ended
  });

  it('a call the agent never answered ends as not-dialled, with no wrap-up call id and no record', async () => {
    const { c2c, records } = setup();
    const { id } = await c2c.call('bruno', '3005551234');
    expect(await c2c.hangup('bruno', id)).toBe(true);
    expect(c2c.status('bruno', id)).toMatchObject({ state: 'ended', disposition: 'not-dialled' });
    expect(c2c.status('bruno', id)!.callId).toBeUndefined();
    expect(records).toHaveLength(0);
    expect(c2c.status('bruno', 'ffffffffffff')).toBeUndefined();
  });
});
