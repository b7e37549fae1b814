// The agent's wrap-up on the HubSpot call engagement: the disposition (in the portal's
// language) and the agent's notes as the last paragraph of the body, and the disposition's
// configured HubSpot call outcome (hs_call_disposition) instead of the one derived from how
// the call ended. Pure.
import type { CallRecord } from '../../domain/call-record.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const WORDS = { es: { label: 'Cierre del agente', notes: 'Notas' }, en: { label: "Agent's wrap-up", notes: 'Notes' } } as const;

export function applyWrapUp(p: Record<string, string>, r: CallRecord, lang: 'es' | 'en', maxBody: number): void {
  const w = r.wrapUp;
  if (!w) return;
  const t = WORDS[lang];
  const label = w.label?.[lang] ?? w.disposition;
  // Line breaks in the notes stay line breaks in HubSpot's rich-text body.
  const notes = w.notes ? `<p>${t.notes}: ${esc(w.notes).replace(/\r?\n/g, '<br>')}</p>` : '';
  const add = `<p><strong>${t.label}:</strong> ${esc(label)}</p>${notes}`.slice(0, maxBody);
  // Within HubSpot's limit for a text property; the agent's words are kept over the summary.
  p.hs_call_body = `${(p.hs_call_body ?? '').slice(0, Math.max(0, maxBody - add.length))}${add}`;
  if (w.hubspotOutcome) p.hs_call_disposition = w.hubspotOutcome;
}
