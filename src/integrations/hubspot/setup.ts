// `centralita hubspot setup`: checks a portal before a single call is logged — the token's
// scopes (per operation, from the spec), the record-id property (created with its exact
// definition when missing, verified when present), the call outcomes and statuses the settings
// use (custom outcomes included), the voicemail property — and says what is missing.
import type { HubspotHttp } from './sdk-http.ts';
import type { HubspotSettings, OutcomeKey } from './settings.ts';
import { OPERATIONS, type OperationKey } from './api-facts.ts';
import { PATHS } from './requests.ts';
import { CrmRejectedError, bodyMessage } from './port.ts';

/** The record-id property, exactly as centralita creates it (docs/hubspot.md shows the same). */
export function recordIdPropertyDefinition(name: string, groupName: string) {
  return {
    name,
    label: 'centralita record id',
    type: 'string',
    fieldType: 'text',
    groupName,
    description: 'Id of the centralita call record this call was logged from; centralita searches it to log each call exactly once. Do not edit.',
    hasUniqueValue: false,
    formField: false,
  };
}

interface PropertyOut { name: string; type: string; fieldType: string; options: { label: string; value: string; hidden?: boolean }[]; hasUniqueValue?: boolean }

export interface SetupReport {
  ok: boolean;
  portal?: { portalId?: number; timeZone?: string; uiDomain?: string };
  scopes?: string[];
  missing: string[];
  warnings: string[];
  created: string[];
  outcomes: { value: string; label: string }[];
  statuses: { value: string; label: string }[];
}

/** Which operations logging needs, and why (contact creation and property creation only when used). */
function needed(settings: HubspotSettings, create: boolean): [OperationKey, string][] {
  return [
    ['POST /crm/v3/objects/contacts/search', 'find the contact of each call'],
    ['POST /crm/v3/objects/calls/search', 'find calls already logged (exactly once)'],
    ['POST /crm/v3/objects/calls/batch/create', 'log calls'],
    ['POST /crm/v3/objects/calls/batch/update', 'rewrite bodies after `hubspot reconcile`'],
    ['POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', 'associate calls with contacts found later'],
    ['GET /crm/v3/properties/{objectType}/{propertyName}', 'read call outcomes and statuses'],
    ...(settings.createContacts ? [['POST /crm/v3/objects/contacts/batch/create', 'create contacts (createContacts: true)'] as [OperationKey, string]] : []),
    ...(create ? [['POST /crm/v3/properties/{objectType}', `create the ${settings.recordIdProperty} property`] as [OperationKey, string]] : []),
  ];
}

export async function runSetupCheck(o: { http: HubspotHttp; token: string; settings: HubspotSettings; create: boolean; say: (line: string) => void }): Promise<SetupReport> {
  const { http, settings, say } = o;
  const r: SetupReport = { ok: false, missing: [], warnings: [], created: [], outcomes: [], statuses: [] };
  const get = async <T,>(path: string) => (await http.request<T>('GET', path, undefined, 'general')).body;
  const notFound = (e: unknown) => e instanceof CrmRejectedError && e.status === 404;

  // 1. The token's scopes (private-app token info; an OAuth token has none to show, then the probes below tell).
  try {
    const info = (await http.request<{ hubId?: number; scopes?: string[] }>('POST', PATHS.tokenInfo, { tokenKey: o.token }, 'general')).body;
    r.scopes = [...(info.scopes ?? [])].sort();
    const granted = new Set(r.scopes);
    for (const [op, why] of needed(settings, o.create)) {
      const alternatives = OPERATIONS[op].scopes as readonly string[];
      if (!alternatives.some((s) => granted.has(s))) r.missing.push(`scope: the token needs ${alternatives.length === 1 ? alternatives[0] : `one of ${alternatives.join(', ')}`} to ${why}`);
    }
    say(`token scopes: ${r.scopes.join(', ') || '(none)'}`);
  } catch (e) {
    r.warnings.push(`could not read the token's scopes (${bodyMessage((e as { body?: unknown }).body ?? (e as Error).message)}); is it a private-app token?`);
  }

  // 2. The portal: time zone (daily limit) and id (links).
  try {
    const d = await get<{ portalId?: number; timeZone?: string; uiDomain?: string }>(PATHS.accountDetails);
    r.portal = { ...(d.portalId ? { portalId: d.portalId } : {}), ...(d.timeZone ? { timeZone: d.timeZone } : {}), ...(d.uiDomain ? { uiDomain: d.uiDomain } : {}) };
    say(`portal ${d.portalId ?? '?'} at ${d.uiDomain ?? '?'}, time zone ${d.timeZone ?? '?'} (the daily limit resets at its midnight)`);
    if (settings.timeZone && d.timeZone && settings.timeZone !== d.timeZone) r.warnings.push(`settings say timeZone ${settings.timeZone} but the portal's is ${d.timeZone}`);
  } catch (e) {
    r.warnings.push(`account details unavailable (${(e as Error).message}); set timeZone and portalId in hubspot.yaml`);
  }

  // 3. The record-id property, created with its exact definition when missing.
  const name = settings.recordIdProperty;
  try {
    const p = await get<PropertyOut>(`${PATHS.callProperties}/${name}`);
    if (p.type !== 'string' || !['text', 'textarea'].includes(p.fieldType)) r.missing.push(`property ${name}: it is ${p.type}/${p.fieldType}, centralita needs a single-line text property (string/text)`);
    else say(`property ${name}: present (string/text)`);
  } catch (e) {
    if (!notFound(e)) throw e;
    if (!o.create) r.missing.push(`property ${name}: missing on calls (run without --check to create it, or create it as docs/hubspot.md shows)`);
    else {
      try {
        const groups = (await get<{ results: { name: string; archived?: boolean }[] }>(PATHS.callPropertyGroups)).results.filter((g) => !g.archived);
        const group = groups.find((g) => g.name === 'callinformation')?.name ?? groups[0]?.name ?? 'callinformation';
        await http.request('POST', PATHS.callProperties, recordIdPropertyDefinition(name, group), 'general');
        r.created.push(name);
        say(`property ${name}: created (string/text, group ${group})`);
      } catch (ce) {
        r.missing.push(`property ${name}: missing and could not be created (${(ce as Error).message}); create it by hand as docs/hubspot.md shows`);
      }
    }
  }

  // 4. Outcomes and statuses the settings map to, against the portal's options (custom ones included).
  const options = async (prop: string) => (await get<PropertyOut>(`${PATHS.callProperties}/${prop}`)).options.filter((x) => !x.hidden).map((x) => ({ value: x.value, label: x.label }));
  r.outcomes = await options('hs_call_disposition');
  r.statuses = await options('hs_call_status');
  say(`call outcomes: ${r.outcomes.map((x) => `${x.label} (${x.value})`).join(', ')}`);
  say(`call statuses: ${r.statuses.map((x) => x.value).join(', ')}`);
  for (const [key, guid] of Object.entries(settings.outcomes) as [OutcomeKey, string][]) {
    if (!r.outcomes.some((x) => x.value === guid)) r.missing.push(`outcome for ${key}: ${guid} is not one of the portal's call outcomes (set outcomes.${key} to one listed above)`);
  }
  for (const [key, status] of Object.entries(settings.statuses) as [OutcomeKey, string][]) {
    if (!r.statuses.some((x) => x.value === status)) r.missing.push(`status for ${key}: ${status} is not one of hs_call_status's options (set statuses.${key} to one listed above)`);
  }

  // 5. The voicemail flag (inbound calling portals have it).
  try { await get(`${PATHS.callProperties}/hs_call_has_voicemail`); } catch (e) {
    if (!notFound(e)) throw e;
    r.missing.push('property hs_call_has_voicemail: missing; inbound voicemails and missed calls set it (HubSpot\'s voicemail convention)');
  }
  r.ok = r.missing.length === 0;
  return r;
}
