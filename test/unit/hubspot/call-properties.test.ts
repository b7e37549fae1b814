import { describe, expect, it } from 'vitest';
import { buildCallProperties, chooseContact, chooseOwner } from '../../../src/integrations/hubspot/call-properties.ts';
import { HUBSPOT_OUTCOMES, parseHubspotSettings, HubspotSettingsError } from '../../../src/integrations/hubspot/settings.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';
import { MAX_TEXT_PROPERTY_CHARS } from '../../../src/integrations/hubspot/api-facts.ts';
import { callRecord } from './records.ts';

const settings = parseHubspotSettings({ owners: { 'agent-7': '5150' } });
const portal = { portalId: 424242, uiDomain: 'app.hubspot.com' };
const INTERNAL = [/agent-7/, /Flow:/, /\bv3\b/, /rec-\d/, /\babandoned\b/, /cr-/];

describe('CallRecord → HubSpot call properties', () => {
  it("maps every field HubSpot shows, in the portal's language (es) and a salesperson's words", () => {
    const r = callRecord({ recording: { name: 'rec-1', url: 'https://pbx.example.com/recordings/a1b2?sig=abc' }, campaign: { campaignId: 'nov-renewals', attempt: 2 }, ivrSeconds: 5 });
    const p = buildCallProperties({ record: r, settings, portal, choice: { others: [{ id: '77', numbers: [], name: 'Pedro Gómez' }], chosen: { id: '42', numbers: [], name: 'Lucía Mora' } } });
    expect(p).toMatchObject({
      hs_timestamp: '2026-11-20T15:00:00.000Z',
      hs_call_direction: 'INBOUND',
      hs_call_disposition: HUBSPOT_OUTCOMES.connected,
      hs_call_status: 'COMPLETED',
      hs_call_duration: '180000',
      hs_call_from_number: '+573001234567',
      hs_call_to_number: '+5716001234',
      hs_call_recording_url: 'https://pbx.example.com/recordings/a1b2?sig=abc',
      hubspot_owner_id: '5150',
      centralita_record_id: r.id,
    });
    expect(p).not.toHaveProperty('hs_call_has_voicemail');
    expect(p.hs_call_title).toBe('Campaña nov-renewals · Llamada entrante de Lucía Mora · atendida por Ana');
    for (const part of [
      '<p>Atendida por Ana (cola ventas).</p>',
      '<p>Campaña: nov-renewals, intento 2.</p>',
      '<p>Tiempos: menú 5 s · espera 20 s · conversación 3 min</p>',
      '<p>Marcó en el menú: 2</p>',
      '<a href="https://pbx.example.com/recordings/a1b2?sig=abc">Escuchar la grabación</a>',
      'Otros contactos con el número +57 300 1234567: <a href="https://app.hubspot.com/contacts/424242/record/0-1/77">Pedro Gómez</a>',
    ]) expect(p.hs_call_body).toContain(part);
    for (const re of INTERNAL) expect(`${p.hs_call_title} ${p.hs_call_body}`).not.toMatch(re);
  });

  it('writes English for an English portal', () => {
    const en = parseHubspotSettings({ language: 'en' });
    const p = buildCallProperties({ record: callRecord(), settings: en, choice: { others: [] } });
    expect(p.hs_call_title).toBe('Inbound call from +57 300 1234567 · answered by Ana');
    expect(p.hs_call_body).toContain('<p>Answered by Ana (ventas queue).</p>');
    expect(p.hs_call_body).toContain('<p>Times: wait 20 s · talk 3 min</p>');
    expect(p.hs_call_body).toContain('No HubSpot contact has +57 300 1234567. centralita will associate this call once the contact exists.');
  });

  it('an inbound voicemail is a missed call with hs_call_has_voicemail, its audio the recording, its length the duration', () => {
    const r = callRecord({
      disposition: 'voicemail', talkSeconds: 0, waitSeconds: 25, agent: undefined, queue: { id: 'ventas', waitSeconds: 25, outcome: 'timeout' },
      voicemail: { name: 'vm-1', durationSec: 35, url: 'https://pbx.example.com/voicemail/vm-1?sig=x' },
    });
    const p = buildCallProperties({ record: r, settings, choice: { others: [] } });
    expect(p).toMatchObject({ hs_call_status: 'MISSED', hs_call_has_voicemail: 'true', hs_call_duration: '35000', hs_call_recording_url: 'https://pbx.example.com/voicemail/vm-1?sig=x' });
    // "Left voicemail" is HubSpot's outcome for a rep who left one: not ours to set here.
    expect(p).not.toHaveProperty('hs_call_disposition');
    expect(p.hs_call_title).toBe('Mensaje de voz de +57 300 1234567 (35 s)');
    expect(p.hs_call_body).toContain('El cliente dejó un mensaje de voz de 35 s.');
    expect(p.hs_call_body).toContain('Escuchar el mensaje');
  });

  it('an abandoned call shows how long the caller waited, is MISSED without voicemail, and goes to the queue owner', () => {
    const s = parseHubspotSettings({ queueOwners: { ventas: '7001' } });
    const r = callRecord({ disposition: 'abandoned', talkSeconds: 0, waitSeconds: 60, agent: undefined, queue: { id: 'ventas', waitSeconds: 60, outcome: 'abandoned' } });
    const p = buildCallProperties({ record: r, settings: s, choice: { others: [] } });
    expect(p).toMatchObject({ hs_call_status: 'MISSED', hs_call_has_voicemail: 'false', hs_call_duration: '0', hubspot_owner_id: '7001', hs_call_disposition: HUBSPOT_OUTCOMES.noAnswer });
    expect(p.hs_call_title).toBe('Llamada perdida de +57 300 1234567 · colgó tras esperar 1 min');
    expect(p.hs_call_body).toContain('Nadie atendió: el cliente colgó tras esperar 1 min en la cola ventas.');
    expect(p.hs_call_body).toContain('espera 1 min · conversación 0 s');
  });

  it('owner rule for calls without an agent: contact owner, then queue owner, then campaign owner, in the configured order', () => {
    const s = parseHubspotSettings({ owners: { 'agent-7': '5150' }, queueOwners: { ventas: '7001' }, campaignOwners: { 'Cobranza-Nov': '8001' } });
    const noAgent = callRecord({ agent: undefined, campaign: { campaignId: 'Cobranza-Nov' } });
    const withOwner = { others: [], chosen: { id: '1', numbers: [], ownerId: '9001' } };
    expect(chooseOwner(noAgent, s, withOwner)).toBe('9001');
    expect(chooseOwner(noAgent, s, { others: [] })).toBe('7001');
    expect(chooseOwner({ ...noAgent, queue: undefined }, s, { others: [] })).toBe('8001');
    expect(chooseOwner(noAgent, { ...s, ownerRule: ['campaign', 'contact'] }, withOwner)).toBe('8001');
    expect(chooseOwner(noAgent, { ...s, ownerRule: [] }, withOwner)).toBeUndefined();
    // The agent who took the call wins; an agent without an owner id falls back to the rule.
    expect(chooseOwner(callRecord(), s, withOwner)).toBe('5150');
    expect(chooseOwner(callRecord({ agent: { id: 'agent-x' } }), s, withOwner)).toBe('9001');
  });

  it('a campaign call says the campaign, the attempt and what the customer did', () => {
    const r = callRecord({ direction: 'outbound', from: '+5716001234', to: '+573001234567', campaign: { campaignId: 'Cobranza-Nov', attempt: 3 }, disposition: 'no-answer', talkSeconds: 0, waitSeconds: 0, agent: undefined, queue: undefined, path: [] });
    const p = buildCallProperties({ record: r, settings, choice: { others: [] } });
    expect(p.hs_call_title).toBe('Campaña Cobranza-Nov · Llamada a +57 300 1234567 · no contestó');
    expect(p.hs_call_body).toContain('<p>El cliente no contestó.</p><p>Campaña: Cobranza-Nov, intento 3.</p>');
    expect(p).toMatchObject({ hs_call_direction: 'OUTBOUND', hs_call_status: 'NO_ANSWER' });
  });

  it('record ids are written lower-case (HubSpot IN needs it), with a hash when the case changed', () => {
    const r = callRecord({ id: 'cr-cmp-Cobranza-Nov-row7-1' });
    const p = buildCallProperties({ record: r, settings, choice: { others: [] } });
    expect(p.centralita_record_id).toBe(recordMarker(r.id));
    expect(p.centralita_record_id).toMatch(/^cr-cmp-cobranza-nov-row7-1~[0-9a-f]{10}$/);
    expect(recordMarker('cr-cmp-cobranza-nov-row7-1')).toBe('cr-cmp-cobranza-nov-row7-1');
    expect(recordMarker('cr-cmp-COBRANZA-nov-row7-1')).not.toBe(p.centralita_record_id); // ids differing in case never share a marker
  });

  it('bounds the body to HubSpot\'s 65,536 characters: a 60,000-step path and 500 look-alike contacts', () => {
    const path = Array.from({ length: 60_000 }, (_, i) => ({ node: `menu-${i}`, at: '2026-11-20T15:00:05.000Z', digits: String(i % 10), outcome: `opcion-${i}` }));
    const others = Array.from({ length: 500 }, (_, i) => ({ id: String(1000 + i), numbers: [], name: `Contacto ${'x'.repeat(100)} ${i}` }));
    const p = buildCallProperties({ record: callRecord({ path }), settings, portal, choice: { others } });
    expect(p.hs_call_body!.length).toBeLessThan(MAX_TEXT_PROPERTY_CHARS);
    expect(p.hs_call_body).toContain('(y 59980 opciones más)');
    expect(p.hs_call_body).toContain(' y 490 más');
    expect(JSON.stringify(p).length).toBeLessThan(10_000);
  });

  it('data collected by gather nodes never reaches the CRM; only menu choices do', () => {
    const r = callRecord({ path: [{ node: 'menu', at: 'x', digits: '2', outcome: 'sales' }, { node: 'cedula', at: 'x', digits: '79123456', outcome: 'collected' }] });
    const body = buildCallProperties({ record: r, settings, choice: { others: [] } }).hs_call_body!;
    expect(body).toContain('Marcó en el menú: 2');
    expect(body).not.toContain('79123456');
  });

  it('omits what does not apply: no owner for unknown agents, no non-HTTPS recording, no outcome when unmapped', () => {
    const s = parseHubspotSettings({ outcomes: {}, ownerRule: [] });
    const r = callRecord({ direction: 'outbound', from: '+5716001234', to: '+573001234567', disposition: 'failed', agent: { id: 'agent-x' }, recording: { name: 'r', uri: 'file:///var/spool/r.wav' }, talkSeconds: 0 });
    const p = buildCallProperties({ record: r, settings: s, choice: { others: [] }, recordingUrl: 'http://insecure/r.wav' });
    expect(p.hs_call_direction).toBe('OUTBOUND');
    expect(p.hs_call_status).toBe('FAILED');
    expect(p.hs_call_duration).toBe('0');
    for (const k of ['hubspot_owner_id', 'hs_call_recording_url', 'hs_call_disposition']) expect(p).not.toHaveProperty(k);
    expect(p.hs_call_title).toBe('Llamada a +57 300 1234567 · no se pudo conectar');
  });

  it('escapes HTML in free text that reaches the body', () => {
    const r = callRecord({ agent: { id: 'a', name: '<script>x</script>' } });
    expect(buildCallProperties({ record: r, settings, choice: { others: [] } }).hs_call_body).not.toContain('<script>');
  });

  it('maps dispositions through configurable outcome ids', () => {
    const s = parseHubspotSettings({ outcomes: { busy: HUBSPOT_OUTCOMES.wrongNumber, 'inbound-voicemail': HUBSPOT_OUTCOMES.noAnswer } });
    expect(buildCallProperties({ record: callRecord({ disposition: 'busy' }), settings: s, choice: { others: [] } }).hs_call_disposition).toBe(HUBSPOT_OUTCOMES.wrongNumber);
    expect(buildCallProperties({ record: callRecord({ disposition: 'voicemail' }), settings: s, choice: { others: [] } }).hs_call_disposition).toBe(HUBSPOT_OUTCOMES.noAnswer);
    expect(() => parseHubspotSettings({ outcomes: { busy: 'not-a-guid' } })).toThrow(HubspotSettingsError);
    expect(() => parseHubspotSettings({ ownerz: {} })).toThrow(/ownerz|Unrecognized/);
    expect(() => parseHubspotSettings({ language: 'fr' })).toThrow(HubspotSettingsError);
    expect(() => parseHubspotSettings({ timeZone: 'Mars/Olympus' })).toThrow(HubspotSettingsError);
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
