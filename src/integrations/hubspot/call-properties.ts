// CallRecord → HubSpot call engagement properties, as a HubSpot user reads them: title and body
// in the portal's language (call-text.ts), wait and talk both shown, an owner for calls no agent
// took (owner rule), links to other contacts sharing the number, HubSpot's voicemail convention
// (status MISSED + hs_call_has_voicemail) and bodies bounded to HubSpot's 65,536 characters.
// Pure: everything it needs comes in.
import type { CallRecord } from '../../domain/call-record.ts';
import type { HubspotSettings, OutcomeKey } from './settings.ts';
import { applyWrapUp } from './wrap-up.ts';
import type { CrmContact } from './port.ts';
import { prettyNumber, storedToE164 } from './phone-match.ts';
import { recordMarker } from './record-marker.ts';
import { MAX_TEXT_PROPERTY_CHARS } from './api-facts.ts';
import { callText, duration, type CallText } from './call-text.ts';

export interface ContactChoice {
  /** The contact that gets the call, if any. */
  chosen?: CrmContact;
  /** Other contacts that share the number (listed, with links, so a person can fix the CRM). */
  others: CrmContact[];
  /** true when the contact was created by us because no contact had the number. */
  created?: boolean;
}

/** Where links to HubSpot records point (from the account details or settings). */
export interface PortalLinks { portalId?: number; uiDomain?: string }

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

/** The call's owner: the agent's, else the first the owner rule finds (contact, queue, campaign owner). */
export function chooseOwner(record: CallRecord, settings: HubspotSettings, choice: ContactChoice): string | undefined {
  const agentOwner = record.agent ? settings.owners[record.agent.id] : undefined;
  if (agentOwner) return agentOwner;
  for (const source of settings.ownerRule) {
    const o = source === 'contact' ? choice.chosen?.ownerId
      : source === 'queue' ? (record.queue ? settings.queueOwners[record.queue.id] : undefined)
      : record.campaign ? settings.campaignOwners[record.campaign.campaignId] : undefined;
    if (o) return o;
  }
  return undefined;
}

const isInboundVoicemail = (r: CallRecord) => r.disposition === 'voicemail' && r.direction === 'inbound';
/** Which outcome/status row applies: an inbound voicemail is a missed call with a message. */
export const outcomeKey = (r: CallRecord): OutcomeKey => (isInboundVoicemail(r) ? 'inbound-voicemail' : r.disposition);

/** Seconds in the phone menu: the record's own figure, or what the answered span leaves after wait and talk. */
function ivrSeconds(r: CallRecord): number {
  if (r.ivrSeconds !== undefined) return r.ivrSeconds;
  if (!r.answeredAt) return 0;
  const span = Math.max(0, Math.round((Date.parse(r.endedAt) - Date.parse(r.answeredAt)) / 1000));
  return Math.max(0, span - (r.queue ? r.queue.waitSeconds : 0) - r.talkSeconds);
}

export interface PropertyInputs {
  record: CallRecord;
  settings: HubspotSettings;
  choice: ContactChoice;
  /** HTTPS URL the recording can be fetched from; when omitted, the record's own `url` is used. */
  recordingUrl?: string;
  portal?: PortalLinks;
  /** The body is rewritten after `hubspot reconcile` found the contact. */
  reconciled?: boolean;
}

/** Properties every call carries: HubSpot refusing one of them is about the portal, not a record. */
export function alwaysWritten(settings: HubspotSettings): Set<string> {
  return new Set(['hs_timestamp', 'hs_call_title', 'hs_call_body', 'hs_call_direction', 'hs_call_duration', 'hs_call_from_number', 'hs_call_to_number', settings.recordIdProperty]);
}

const https = (u: string | undefined) => (u && /^https:\/\//i.test(u) ? u : undefined);

/** The recording to attach: the voicemail's audio for a voicemail, else the call's recording. */
export function recordingLink(r: CallRecord, given?: string): string | undefined {
  if (isInboundVoicemail(r)) return https(r.voicemail?.url) ?? https(given) ?? https(r.recording?.url);
  return https(given) ?? https(r.recording?.url) ?? https(r.recording?.uri);
}

/** Properties of the call engagement: only properties the calls object defines, plus our record-id marker. */
export function buildCallProperties(inputs: PropertyInputs): Record<string, string> {
  const { record, settings, choice } = inputs;
  const t = callText(settings.language);
  const customer = customerNumber(record, settings.defaultCountry);
  const recording = recordingLink(record, inputs.recordingUrl);
  const voicemailIn = isInboundVoicemail(record);
  const talk = voicemailIn ? (record.voicemail?.durationSec ?? record.talkSeconds) : record.talkSeconds;
  const p: Record<string, string> = {
    hs_timestamp: new Date(record.startedAt).toISOString(),
    hs_call_title: title(record, choice, customer, t).slice(0, 500),
    hs_call_body: callBody(record, choice, customer, t, { ...inputs, recording }),
    hs_call_direction: record.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND',
    hs_call_duration: String(Math.round(talk * 1000)),
    hs_call_from_number: record.from,
    hs_call_to_number: record.to,
    [settings.recordIdProperty]: recordMarker(record.id),
  };
  const key = outcomeKey(record);
  const outcome = settings.outcomes[key];
  if (outcome) p.hs_call_disposition = outcome;
  const status = settings.statuses[key];
  if (status) p.hs_call_status = status;
  // The calls guide: a voicemail is status MISSED with hs_call_has_voicemail=true, its audio the recording.
  if (voicemailIn) p.hs_call_has_voicemail = 'true';
  else if (status === 'MISSED') p.hs_call_has_voicemail = 'false';
  if (recording) p.hs_call_recording_url = recording;
  const owner = chooseOwner(record, settings, choice);
  if (owner) p.hubspot_owner_id = owner;
  applyWrapUp(p, record, settings.language, MAX_TEXT_PROPERTY_CHARS);
  return p;
}

function who(choice: ContactChoice, customer: { raw: string; e164?: string }): string {
  return choice.chosen?.name ?? prettyNumber(customer.e164 ?? customer.raw);
}

function title(r: CallRecord, choice: ContactChoice, customer: { raw: string; e164?: string }, t: CallText): string {
  const name = who(choice, customer);
  const agent = r.agent ? r.agent.name ?? t.anAgent : undefined;
  const prefix = r.campaign ? `${t.campaign(r.campaign.campaignId)} · ` : '';
  if (r.direction === 'inbound') {
    switch (r.disposition) {
      case 'answered': return `${prefix}${t.inFrom(name)} · ${agent ? t.answeredBy(agent) : t.byMenu}`;
      case 'voicemail': return `${prefix}${t.voicemailFrom(name)}${r.voicemail?.durationSec ? ` (${duration(r.voicemail.durationSec)})` : ''}`;
      case 'abandoned': return `${prefix}${t.missedFrom(name)} · ${r.waitSeconds > 0 ? t.hungUpAfter(duration(r.waitSeconds)) : t.hungUpBefore}`;
      default: return `${prefix}${t.inFrom(name)} · ${t.failedIn}`;
    }
  }
  const outcome = r.disposition === 'answered' ? (agent ? t.talkedWith(agent) : t.answeredOut)
    : r.disposition === 'busy' ? t.busy : r.disposition === 'no-answer' ? t.noAnswer : r.disposition === 'voicemail' ? t.reachedVoicemail
    : r.disposition === 'abandoned' ? (r.waitSeconds > 0 ? t.hungUpAfter(duration(r.waitSeconds)) : t.hungUpBefore) : t.failedOut;
  return `${prefix}${t.outTo(name)} · ${outcome}`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const MAX_DIGIT_STEPS = 20;
const MAX_OTHER_CONTACTS = 10;

function callBody(r: CallRecord, choice: ContactChoice, customer: { raw: string; e164?: string }, t: CallText, o: PropertyInputs & { recording?: string }): string {
  const number = prettyNumber(customer.e164 ?? customer.raw);
  const agent = r.agent ? r.agent.name ?? t.anAgent : undefined;
  const paras: string[] = []; // HTML paragraphs, text already escaped
  const text = (s: string) => { if (s) paras.push(`<p>${esc(s)}</p>`); };

  // What happened, in one sentence.
  if (r.direction === 'inbound') {
    if (r.disposition === 'answered') text(agent ? t.summaryAnswered(agent, r.queue?.id) : t.summaryMenu);
    else if (r.disposition === 'abandoned') text(r.waitSeconds > 0 ? t.summaryAbandoned(duration(r.waitSeconds), r.queue?.id) : t.summaryAbandonedNoWait);
    else if (r.disposition === 'voicemail') text(t.summaryVoicemailIn(r.voicemail?.durationSec ? duration(r.voicemail.durationSec) : undefined));
    else text(t.summaryFailedIn);
  } else {
    text(`${t.summaryOut[r.disposition]}${agent && r.disposition === 'answered' ? ` ${t.summaryAnswered(agent, r.queue?.id)}` : ''}`);
  }
  if (r.campaign) text(t.campaignLine(r.campaign.campaignId, r.campaign.attempt));
  // Transfers (issue 19): one engagement for the whole call, owned by the agent it ended with.
  for (const x of (r.transfers ?? []).slice(0, 10)) {
    text(t.transferLine(x.kind, x.from.name ?? x.from.agentId, x.to.name ?? x.to.id, x.outcome, x.to.type === 'queue' && x.answeredBy ? x.answeredBy.name ?? x.answeredBy.agentId : undefined));
  }

  // Times: menu (when any), wait and talk, always both.
  const ivr = ivrSeconds(r);
  text(t.times([...(ivr > 0 ? [t.menu(duration(ivr))] : []), t.wait(duration(r.waitSeconds)), t.talk(duration(r.talkSeconds))]));

  // Menu choices (digits pressed at menus; data collected by gather nodes is not copied to the CRM).
  const choices = r.path.filter((s) => s.digits && s.outcome !== 'collected' && s.outcome !== 'invalid').map((s) => s.digits!);
  if (choices.length) text(t.digits(choices.slice(0, MAX_DIGIT_STEPS).join(' › '), Math.max(0, choices.length - MAX_DIGIT_STEPS)));
  const hung = t.hungUp[r.hangupSide];
  if (hung && r.disposition === 'answered') text(hung);

  if (o.recording) paras.push(`<p><a href="${esc(o.recording)}">${esc(r.disposition === 'voicemail' && r.direction === 'inbound' ? t.listenVoicemail : t.listen)}</a></p>`);
  if (choice.others.length) {
    const shown = choice.others.slice(0, MAX_OTHER_CONTACTS).map((c) => contactLink(c, o.portal));
    paras.push(`<p>${esc(t.others(number))}${shown.join(', ')}${choice.others.length > MAX_OTHER_CONTACTS ? esc(t.othersMore(choice.others.length - MAX_OTHER_CONTACTS)) : ''}</p>`);
  }
  if (!choice.chosen) text(t.noContact(number));
  if (choice.created) text(t.createdContact(number));
  if (o.reconciled) text(t.reconciled);
  return bound(paras, t);
}

function contactLink(c: CrmContact, portal: PortalLinks | undefined): string {
  const label = esc(c.name ?? `#${c.id}`);
  if (!portal?.portalId) return label;
  const url = `https://${portal.uiDomain ?? 'app.hubspot.com'}/contacts/${portal.portalId}/record/0-1/${encodeURIComponent(c.id)}`;
  return `<a href="${esc(url)}">${label}</a>`;
}

/** Keeps whole paragraphs while they fit HubSpot's text limit (every part above is bounded too). */
function bound(paras: string[], t: CallText): string {
  const limit = MAX_TEXT_PROPERTY_CHARS - 100;
  let out = '';
  for (const p of paras) {
    if (out.length + p.length > limit) return `${out}<p>${esc(t.truncated)}</p>`;
    out += p;
  }
  return out;
}
