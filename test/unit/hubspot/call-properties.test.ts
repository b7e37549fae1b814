import { describe, expect, it } from 'vitest';
import { buildCallProperties, chooseContact } from '../../../src/integrations/hubspot/call-properties.ts';
import { HUBSPOT_OUTCOMES, parseHubspotSettings, HubspotSettingsError } from '../../../src/integrations/hubspot/settings.ts';
import { callRecord } from './records.ts';

const settings = parseHubspotSettings({ owners: { 'agent-7': '5150' } });

describe('CallRecord → HubSpot call properties', () => {
  it('maps every field HubSpot shows on the timeline', () => {
    const r = callRecord({ recording: { name: 'rec-1', uri: 's3://bucket/rec-1.wav' }, campaign: { campaignId: 'nov-renewals', attempt: 2 } });
    const p = buildCallProperties({ record: r, settings, choice: { others: [{ id: '77', numbers: [], name: 'Pedro Gómez' }], chosen: { id: '42', numbers: [] } }, recordingUrl: 'https://bucket.s3.amazonaws.com/rec-1.wav?X-Amz-Signature=abc' });
    expect(p).toMatchObject({
      hs_timestamp: '2026-11-20T15:00:00.000Z',
      hs_call_direction: 'INBOUND',
      hs_call_disposition: HUBSPOT_OUTCOMES.connected,
      hs_call_status: 'COMPLETED',
      hs_call_duration: '180000',
      hs_call_from_number: '+573001234567',
      hs_call_to_number: '+5716001234',
      hs_call_recording_url: 'https://bucket.s3.amazonaws.com/rec-1.wav?X-Amz-Signature=abc',
      hubspot_owner_id: '5150',
      centralita_record_id: r.id,
    });
    expect(p.hs_call_title).toBe('Inbound call from +573001234567 — Ana (answered)');
    for (const part of ['IVR: menu [2] → sales', 'Queue: ventas, waited 15 s (answered)', 'Agent: Ana (agent-7)', 'Campaign: nov-renewals, attempt 2', 'Flow: main v3', 'Pedro Gómez #77']) expect(p.hs_call_body).toContain(part);
  });

  it('omits what does not apply: no owner for unknown agents, no non-HTTPS recording, no outcome when unmapped', () => {
    const s = parseHubspotSettings({ outcomes: {} });
    const r = callRecord({ direction: 'outbound', from: '+5716001234', to: '+573001234567', disposition: 'failed', agent: { id: 'agent-x' }, recording: { name: 'r', uri: 'file:///var/spool/r.wav' }, talkSeconds: 0 });
    const p = buildCallProperties({ record: r, settings: s, choice: { others: [] }, recordingUrl: 'http://insecure/r.wav' });
    expect(p.hs_call_direction).toBe('OUTBOUND');
    expect(p.hs_call_status).toBe('FAILED');
    expect(p.hs_call_duration).toBe('0');
    for (const k of ['hubspot_owner_id', 'hs_call_recording_url', 'hs_call_disposition']) expect(p).not.toHaveProperty(k);
    expect(p.hs_call_title).toContain('Outbound call to +573001234567');
    expect(p.hs_call_body).toContain('No HubSpot contact has +573001234567');
  });

  it('escapes HTML in free text that reaches the body', () => {
    const r = callRecord({ agent: { id: 'a', name: '<script>x</script>' } });
    expect(buildCallProperties({ record: r, settings, choice: { others: [] } }).hs_call_body).not.toContain('<script>');
  });

  it('maps dispositions through configurable outcome ids', () => {
    const s = parseHubspotSettings({ outcomes: { busy: HUBSPOT_OUTCOMES.wrongNumber } });
    expect(buildCallProperties({ record: callRecord({ disposition: 'busy' }), settings: s, choice: { others: [] } }).hs_call_disposition).toBe(HUBSPOT_OUTCOMES.wrongNumber);
    expect(() => parseHubspotSettings({ outcomes: { busy: 'not-a-guid' } })).toThrow(HubspotSettingsError);
    expect(() => parseHubspotSettings({ ownerz: {} })).toThrow(/ownerz|Unrecognized/);
  });

  it('chooses among contacts deterministically by rule', () => {
    const cs = [
      { id: '10', numbers: [], createdAt: 1, lastActivityAt: 50 },
      { id: '11', numbers: [], createdAt: 5, lastActivityAt: 90 },
      { id: '12', numbers: [], createdAt: 3 },
    ];
    expect(chooseContact(cs, 'most-recently-active').chosen?.id).toBe('11');
    expect(chooseContact(cs, 'oldest').chosen?.id).toBe('10');
    expect(chooseContact(cs, 'newest').chosen?.id).toBe('11');
    expect(chooseContact(cs, 'oldest').others.map((c) => c.id)).toEqual(['12', '11']);
    expect(chooseContact([], 'oldest')).toEqual({ others: [] });
  });
});
