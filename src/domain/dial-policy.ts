// Toll-fraud defence: what the app may dial and hand calls to, decided by a server-side
// allow-list (config), never by a campaign file, a CSV value or what a caller typed. A dial
// string must match one allowed endpoint template whose `{n}` stands for dial digits only
// ([0-9+*#], at most 20); a caller ID on a trunk call must be one the business owns; a
// hand-off may only target contexts that reach internal extensions. Pure.

export interface DialPolicy {
  /** Endpoints on the PBX itself (agents, extensions): e.g. `PJSIP/{n}`. */
  internalEndpoints: readonly string[];
  /** Endpoints that leave the PBX (trunks): e.g. `PJSIP/{n}@trunk`. Caller ID restricted. */
  trunkEndpoints: readonly string[];
  /** Caller IDs the business owns (E.164); a trunk call may present only these (or none). */
  callerIds: readonly string[];
  /** Dialplan contexts a transfer / hand-off may target. */
  handoffContexts: readonly string[];
}

export const DIAL_DIGITS = /^[0-9+*#]{1,20}$/;
const PLACEHOLDER = /\{(?:n|phone|digits)\}/g;

export const DEFAULT_DIAL_POLICY: DialPolicy = {
  internalEndpoints: ['PJSIP/{n}'],
  trunkEndpoints: ['PJSIP/{n}@trunk', 'Local/{n}@centralita-outbound'],
  callerIds: [],
  // FreePBX contexts that reach extensions, voicemail, ring groups and queues only — never
  // from-internal, which carries the outbound routes.
  handoffContexts: ['centralita-handoff', 'ext-local', 'ext-group', 'ext-queues', 'from-did-direct'],
};

/** The policy with these exact endpoints added as internal ones: the agents' phones that ops
 * configured in flows/queues.ts are as trusted as the env's list, and listing them twice
 * would only break the ACD when one is forgotten. */
export function withInternalEndpoints(p: DialPolicy, endpoints: Iterable<string>): DialPolicy {
  const extra = [...new Set(endpoints)].filter((e) => !p.internalEndpoints.includes(e)).map((e) => e.replace(PLACEHOLDER, ''));
  return extra.length ? { ...p, internalEndpoints: [...p.internalEndpoints, ...extra] } : p;
}

export type DialCheck = { ok: true; kind: 'internal' | 'trunk' } | { ok: false; code: 'DIAL_ENDPOINT_NOT_ALLOWED' | 'DIAL_CALLER_ID_NOT_OWNED' | 'HANDOFF_CONTEXT_NOT_ALLOWED' | 'DIAL_VALUE_NOT_DIGITS'; reason: string };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const compiled = new WeakMap<readonly string[], RegExp[]>();
function regexes(templates: readonly string[]): RegExp[] {
  let r = compiled.get(templates);
  if (!r) {
    r = templates.map((t) => new RegExp(`^${t.split(PLACEHOLDER).map(escape).join('[0-9+*#]{1,20}')}$`));
    compiled.set(templates, r);
  }
  return r;
}

/** `{phone}`, `{digits}` and `{n}` all mean "dial digits here". */
export function normalizeTemplate(t: string): string {
  return t.trim().replace(PLACEHOLDER, '{n}');
}

const digitsOf = (s: string) => s.replace(/[^0-9]/g, '');

/** May the app originate to `endpoint` presenting `callerId`? */
export function checkOriginate(p: DialPolicy, endpoint: string, callerId?: string): DialCheck {
  const kind = regexes(p.trunkEndpoints).some((re) => re.test(endpoint)) ? 'trunk' : regexes(p.internalEndpoints).some((re) => re.test(endpoint)) ? 'internal' : undefined;
  if (!kind) return { ok: false, code: 'DIAL_ENDPOINT_NOT_ALLOWED', reason: `dial string ${JSON.stringify(endpoint)} matches no allowed endpoint (DIAL_TRUNK_ENDPOINTS / DIAL_INTERNAL_ENDPOINTS)` };
  if (kind === 'trunk' && callerId !== undefined && callerId !== '' && !ownsCallerId(p, callerId))
    return { ok: false, code: 'DIAL_CALLER_ID_NOT_OWNED', reason: `caller ID ${JSON.stringify(callerId)} is not one of the numbers the business owns (DIAL_CALLER_IDS)` };
  return { ok: true, kind };
}

export function ownsCallerId(p: DialPolicy, callerId: string): boolean {
  // "Name" <+57...> or a bare number: the number part decides.
  const num = digitsOf(/<([^>]*)>/.exec(callerId)?.[1] ?? callerId);
  return num.length > 0 && p.callerIds.some((c) => digitsOf(c) === num);
}

export function checkHandoff(p: DialPolicy, context: string | undefined): DialCheck {
  if (context === undefined) return { ok: true, kind: 'internal' }; // back where the call came from
  return p.handoffContexts.includes(context) ? { ok: true, kind: 'internal' } : { ok: false, code: 'HANDOFF_CONTEXT_NOT_ALLOWED', reason: `hand-off to context ${JSON.stringify(context)} is not allowed (HANDOFF_CONTEXTS); it could reach outbound routes` };
}

/** A campaign's endpoint template must be one of the allowed trunk templates, its caller ID owned. */
export function checkCampaignDialling(p: DialPolicy, s: { endpoint: string; callerId?: string }): string[] {
  const problems: string[] = [];
  const t = normalizeTemplate(s.endpoint);
  if (!p.trunkEndpoints.map(normalizeTemplate).includes(t))
    problems.push(`endpoint: ${JSON.stringify(s.endpoint)} is not an allowed trunk template (allowed: ${p.trunkEndpoints.join(', ') || 'none'}); campaign files cannot choose where calls go`);
  if (s.callerId !== undefined && s.callerId !== '' && !ownsCallerId(p, s.callerId))
    problems.push(`callerId: ${JSON.stringify(s.callerId)} is not one of the business's own numbers (DIAL_CALLER_IDS)`);
  return problems;
}

/**
 * `{{var}}` substitution for dial strings, caller IDs and hand-off extensions: every substituted
 * value must be dial digits, so a CSV cell or a caller's input cannot add `@context`, `&` or `/`.
 */
export function interpolateDialDigits(template: string, vars: Record<string, string>): { ok: true; value: string } | { ok: false; code: 'DIAL_VALUE_NOT_DIGITS'; reason: string } {
  let bad: string | undefined;
  const value = template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, k: string) => {
    const v = vars[k] ?? '';
    if (!DIAL_DIGITS.test(v)) bad ??= k;
    return v;
  });
  return bad === undefined ? { ok: true, value } : { ok: false, code: 'DIAL_VALUE_NOT_DIGITS', reason: `{{${bad}}} is not dial digits (0-9 + * #, at most 20)` };
}
