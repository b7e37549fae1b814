import { describe, expect, it } from 'vitest';
import { applyWrapUp } from '../../../src/integrations/hubspot/wrap-up.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

describe('wrap-up on the HubSpot call engagement', () => {
  const rec = (wrapUp?: CallRecord['wrapUp']) => ({ id: 'cr-1', ...(wrapUp ? { wrapUp } : {}) } as CallRecord);
  const w = { disposition: 'sale', label: { es: 'Venta', en: 'Sale' }, notes: 'Plan <anual>\nllamar el lunes', by: 'user:ana', at: '2026-12-01T15:00:00Z' };

  it('adds the disposition in the portal language and the notes (escaped, line breaks kept)', () => {
    const p: Record<string, string> = { hs_call_body: '<p>Atendida por Ana.</p>', hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7' };
    applyWrapUp(p, rec(w), 'es', 65_536);
    expect(p.hs_call_body).toBe('<p>Atendida por Ana.</p><p><strong>Cierre del agente:</strong> Venta</p><p>Notas: Plan &lt;anual&gt;<br>llamar el lunes</p>');
    expect(p.hs_call_disposition).toBe('f240bbac-87c9-4f6e-bf70-924b57d47db7'); // no outcome configured: the call's own stays
    const en: Record<string, string> = { hs_call_body: '' };
    applyWrapUp(en, rec({ ...w, hubspotOutcome: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff' }), 'en', 65_536);
    expect(en.hs_call_body).toContain("<strong>Agent's wrap-up:</strong> Sale");
    expect(en.hs_call_disposition).toBe('a4c4c377-d246-4b32-a13b-75a56a4cd0ff');
  });
  it('changes nothing without a wrap-up, and keeps the body within the limit with the notes whole', () => {
    const p: Record<string, string> = { hs_call_body: '<p>x</p>' };
    applyWrapUp(p, rec(), 'es', 65_536);
    expect(p).toEqual({ hs_call_body: '<p>x</p>' });
    const long: Record<string, string> = { hs_call_body: 'y'.repeat(200) };
    applyWrapUp(long, rec({ ...w, notes: 'nota' }), 'es', 120);
    expect(long.hs_call_body!.length).toBe(120);
    expect(long.hs_call_body!.endsWith('<p>Notas: nota</p>')).toBe(true);
  });
});
