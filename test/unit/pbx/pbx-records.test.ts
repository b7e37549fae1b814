// The record logic against what a real Asterisk 22.10.1 said (test/fixtures/ami-traces, recorded
// by test/tools/ami-recorder from the manager user the app uses, eventfilters included): the
// CEL and app_queue events are translated and folded exactly as in production.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { translateAmi } from '../../../src/telephony/ami/translate.ts';
import type { AmiMessage } from '../../../src/telephony/ami/protocol.ts';
import { applyEvent, buildPbxRecord, newConversation, type Conversation, type PbxRecordOptions } from '../../../src/domain/pbx-call.ts';
import { normalizeE164 } from '../../../src/domain/phone.ts';

const opts: PbxRecordOptions = {
  stasisApp: 'centralita', inboundContexts: ['from-pstn', 'from-trunk*'], ownChannelPrefixes: ['cmp-'],
  agentFor: (ep) => (ep === 'PJSIP/3103' ? { id: 'ana', name: 'Ana' } : undefined),
  normalize: (n) => { const r = normalizeE164(n, 'CO'); return r.ok ? r.e164 : n; },
};

function conversations(trace: string): Conversation[] {
  const open = new Map<string, Conversation>();
  const done: Conversation[] = [];
  for (const line of readFileSync(`test/fixtures/ami-traces/${trace}.jsonl`, 'utf8').trim().split('\n')) {
    const r = JSON.parse(line) as { who: string; msg: AmiMessage };
    if (r.who !== 'centralita' || !r.msg.Event) continue;
    const t = translateAmi(r.msg, 0);
    if ('rejected' in t) throw new Error(t.rejected);
    for (const e of t.events) {
      // Queue-board events (queue-caller-*, queue-member*) are not conversation facts.
      if (!('linkedId' in e) || e.kind === 'queue-caller-leave' || e.kind === 'queue-caller-abandon') continue;
      let c = open.get(e.linkedId);
      if (!c) open.set(e.linkedId, (c = newConversation(e.linkedId, e.at)));
      applyEvent(c, e);
      if (e.kind === 'end') { open.delete(e.linkedId); done.push(c); }
    }
  }
  return done;
}
const record = (trace: string, i = 0) => {
  const r = buildPbxRecord(conversations(trace)[i]!, opts);
  if (!('record' in r)) throw new Error(`no record: ${r.reason}`);
  return r.record;
};

describe('PBX call records from real Asterisk CEL', () => {
  it('desk phone to desk phone: one internal record, the caller hung up', () => {
    expect(conversations('desk-to-desk')).toHaveLength(1);
    const r = record('desk-to-desk');
    expect(r).toMatchObject({ direction: 'internal', from: '3101', to: '3102', disposition: 'answered', hangupSide: 'agent', hangupCause: 16, source: 'pbx', agent: { id: '3101', endpoint: 'PJSIP/3101' } });
    expect(r.id).toBe(`cr-${r.linkedId}`);
    expect(r.waitSeconds).toBe(1);
    expect(r.talkSeconds).toBe(3);
  });

  it('app_queue call answered by a member: inbound, queue 400, the agent behind PJSIP/3103, FreePBX recording', () => {
    const r = record('queue-answered');
    expect(r).toMatchObject({
      direction: 'inbound', from: '+573001234567', to: '+576015550400', disposition: 'answered', hangupSide: 'agent',
      queue: { id: '400', outcome: 'answered', waitSeconds: 1 }, agent: { id: 'ana', name: 'Ana', endpoint: 'PJSIP/3103' },
    });
    expect(r.recording?.name).toMatch(/^q400-\d+\.\d+\.wav$/);
    expect(r.talkSeconds).toBe(4);
  });

  it('app_queue call the caller gave up on: abandoned with the hold time, no agent', () => {
    const r = record('queue-abandoned');
    expect(r).toMatchObject({ direction: 'inbound', disposition: 'abandoned', hangupSide: 'caller', queue: { id: '400', outcome: 'abandoned', waitSeconds: 4 }, talkSeconds: 0 });
    expect(r.agent).toBeUndefined();
  });

  it('a desk phone dialling out through the trunk: outbound to the customer', () => {
    expect(record('outbound')).toMatchObject({ direction: 'outbound', from: '3101', to: '+573005550123', disposition: 'answered', agent: { endpoint: 'PJSIP/3101' }, talkSeconds: 3 });
  });

  it('a call that entered Stasis(centralita) is left to the call sessions', () => {
    const r = buildPbxRecord(conversations('stasis')[0]!, opts);
    expect(r).toMatchObject({ skip: 'stasis' });
  });

  it('click-to-call (AMI Originate to the desk phone, then the customer): outbound from the extension', () => {
    const r = record('actions');
    expect(r).toMatchObject({ linkedId: 'c2c-rec-1', direction: 'outbound', from: '3101', to: '+573005550199', disposition: 'answered' });
  });

  it('a campaign attempt the app originated itself gives no PBX record', () => {
    const c = conversations('outbound')[0]!;
    const leg = [...c.legs.values()][0]!;
    c.legs.set('cmp-marzo-abc-1-a1', { ...leg, id: 'cmp-marzo-abc-1-a1' });
    expect(buildPbxRecord(c, opts)).toMatchObject({ skip: 'own' });
  });

  it('a malformed event is rejected with a reason, not guessed', () => {
    expect(translateAmi({ Event: 'CEL', EventName: 'HANGUP' }, 0)).toEqual({ rejected: 'CEL without EventName/UniqueID/LinkedID' });
    expect(translateAmi({ Event: 'CEL', EventName: 'BRIDGE_ENTER', UniqueID: '1', LinkedID: '1', Extra: 'not json' }, 0)).toMatchObject({ rejected: expect.stringMatching(/bridge_id/) });
  });
});
