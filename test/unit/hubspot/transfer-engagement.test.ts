// A transferred call is one HubSpot engagement (one record, one record-id marker), owned by the
// agent the call ended with, its body telling each transfer in the portal's language.
import { describe, expect, it } from 'vitest';
import { buildCallProperties } from '../../../src/integrations/hubspot/call-properties.ts';
import { parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';
import { callRecord } from './records.ts';

const transfers = [
  { kind: 'blind' as const, from: { agentId: 'carla', name: 'Carla' }, to: { type: 'queue' as const, id: 'sales', name: 'Ventas' }, by: 'user:carla', requestedAt: '2026-11-20T15:01:00.000Z', answeredAt: '2026-11-20T15:01:20.000Z', completedAt: '2026-11-20T15:01:20.000Z', answeredBy: { agentId: 'ana', name: 'Ana' }, outcome: 'completed' as const },
  { kind: 'attended' as const, from: { agentId: 'ana', name: 'Ana' }, to: { type: 'agent' as const, id: 'bruno', name: 'Bruno' }, by: 'user:ana', requestedAt: '2026-11-20T15:02:00.000Z', outcome: 'target-hung-up' as const },
];

describe('a transferred call in HubSpot', () => {
  it('is owned by the agent it ended with and tells the transfers (es)', () => {
    const settings = parseHubspotSettings({ owners: { carla: '111', ana: '222' } });
    const r = callRecord({ agent: { id: 'ana', name: 'Ana' }, transfers });
    const p = buildCallProperties({ record: r, settings, choice: { others: [] } });
    expect(p.hubspot_owner_id).toBe('222');
    expect(p.centralita_record_id).toBe(recordMarker(r.id));
    expect(p.hs_call_body).toContain('<p>Transferencia directa de Carla a Ventas: completada (atendida por Ana).</p>');
    expect(p.hs_call_body).toContain('<p>Transferencia con consulta de Ana a Bruno: el destino colgó.</p>');
  });
  it('in English', () => {
    const settings = parseHubspotSettings({ language: 'en', owners: { ana: '222' } });
    const p = buildCallProperties({ record: callRecord({ agent: { id: 'ana', name: 'Ana' }, transfers }), settings, choice: { others: [] } });
    expect(p.hs_call_body).toContain('<p>Blind transfer from Carla to Ventas: completed (answered by Ana).</p>');
    expect(p.hs_call_body).toContain('<p>Attended transfer from Ana to Bruno: the target hung up.</p>');
  });
  it('a call without transfers has no transfer line', () => {
    const p = buildCallProperties({ record: callRecord({}), settings: parseHubspotSettings({}), choice: { others: [] } });
    expect(p.hs_call_body).not.toMatch(/Transfer/i);
  });
});
