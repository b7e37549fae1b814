// CallRecord → HubSpot call engagement properties. Pure: everything it needs comes in.
import type { CallRecord } from '../../domain/call-record.ts';
import type { HubspotSettings } from './settings.ts';
import type { CrmContact } from './port.ts';
import { storedToE164 } from './phone-match.ts';

export interface ContactChoice {
  /** The contact that gets the call, if any. */
  chosen?: CrmContact;
  /** Other contacts that share the number (noted in the body so a person can fix the CRM). */
  others: CrmContact[];
  /** true when the contact was created by us because no contact had the number. */
  created?: boolean;
}

/** The customer's side of the call: the caller for inbound, the callee for outbound. */
export function customerNumber(record: CallRecord, defaultCountry: string): { raw: string; e164?: string } {
  const raw = record.direction === 'inbound' ? record.from : record.to;
  const e164 = storedToE164(raw, defaultCountry);
  return e164 ? { raw, e164 } : { raw };
}

/** Picks the contact for a call when several share the number, by the configured rule. */
export function chooseContact(candidates: CrmContact[], rule: HubspotSettings['matchRule']): ContactChoice {
  if (candidates.length === 0) return { others: [] };
  const sorted = [...candidates].sort((a, b) => {
    const d =
      rule === 'most-recently-active' ? (b.lastActivityAt ?? 0) - (a.lastActivityAt ?? 0)
      : rule === 'oldest' ? (a.createdAt ?? Number.MAX_SAFE_INTEGER) - (b.createdAt ?? Number.MAX_SAFE_INTEGER)
      : (b.createdAt ?? 0) - (a.createdAt ?? 0);
    // Ties broken by id so the choice is deterministic across retries.
    return d !== 0 ? d : Number(a.id) - Number(b.id) || a.id.localeCompare(b.id);
  });
  const [chosen, ...others] = sorted as [CrmContact, ...CrmContact[]];
  return { chosen, others };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmtSec = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

export interface PropertyInputs {
  record: CallRecord;
  settings: HubspotSettings;
  choice: ContactChoice;
  /** HTTPS URL the recording can be fetched from (e.g. presigned S3); omitted when none. */
  recordingUrl?: string;
}

/** Properties of the call engagement. Only properties the calls object defines, plus our record-id marker. */
export function buildCallProperties({ record, settings, choice, recordingUrl }: PropertyInputs): Record<string, string> {
  const inbound = record.direction === 'inbound';
  const customer = customerNumber(record, settings.defaultCountry);
  const agentName = record.agent ? record.agent.name ?? record.agent.id : undefined;
  const p: Record<string, string> = {
    hs_timestamp: new Date(record.startedAt).toISOString(),
    hs_call_title: `${inbound ? 'Inbound call from' : 'Outbound call to'} ${customer.e164 ?? customer.raw}${agentName ? ` — ${agentName}` : ''} (${record.disposition})`,
    hs_call_body: callBody(record, choice, customer),
    hs_call_direction: inbound ? 'INBOUND' : 'OUTBOUND',
    hs_call_duration: String(Math.round(record.talkSeconds * 1000)),
    hs_call_from_number: record.from,
    hs_call_to_number: record.to,
    [settings.recordIdProperty]: record.id,
  };
  const outcome = settings.outcomes[record.disposition];
  if (outcome) p.hs_call_disposition = outcome;
  const status = settings.statuses[record.disposition];
  if (status) p.hs_call_status = status;
  if (recordingUrl && /^https:\/\//i.test(recordingUrl)) p.hs_call_recording_url = recordingUrl;
  const owner = record.agent ? settings.owners[record.agent.id] : undefined;
  if (owner) p.hubspot_owner_id = owner;
  return p;
}

function callBody(r: CallRecord, choice: ContactChoice, customer: { raw: string; e164?: string }): string {
  const lines: string[] = [];
  if (r.path.length) lines.push(`IVR: ${r.path.map((s) => `${s.node}${s.digits ? ` [${s.digits}]` : ''}${s.outcome ? ` → ${s.outcome}` : ''}`).join(' › ')}`);
  if (r.queue) lines.push(`Queue: ${r.queue.id}, waited ${fmtSec(r.queue.waitSeconds)} (${r.queue.outcome})`);
  else if (r.waitSeconds > 0) lines.push(`Waited ${fmtSec(r.waitSeconds)}`);
  if (r.agent) lines.push(`Agent: ${r.agent.name ? `${r.agent.name} (${r.agent.id})` : r.agent.id}`);
  if (r.campaign) lines.push(`Campaign: ${r.campaign.campaignId}${r.campaign.attempt ? `, attempt ${r.campaign.attempt}` : ''}`);
  if (r.flow) lines.push(`Flow: ${r.flow.id} v${r.flow.version}`);
  lines.push(`Talk time: ${fmtSec(r.talkSeconds)}; ended by ${r.hangupSide}${r.hangupCauseText ? ` (${r.hangupCauseText})` : ''}`);
  if (r.voicemail) lines.push(`Voicemail left${r.voicemail.durationSec ? ` (${fmtSec(r.voicemail.durationSec)})` : ''}`);
  if (choice.others.length) lines.push(`Other contacts with ${customer.e164 ?? customer.raw}: ${choice.others.map((c) => `${c.name ? `${c.name} ` : ''}#${c.id}`).join(', ')}`);
  if (!choice.chosen) lines.push(`No HubSpot contact has ${customer.e164 ?? customer.raw}; logged without a contact (centralita keeps it for reconciliation)`);
  if (choice.created) lines.push(`Contact created by centralita for ${customer.e164 ?? customer.raw}`);
  lines.push(`centralita call ${r.id}`);
  return lines.map((l) => `<p>${esc(l)}</p>`).join('');
}
