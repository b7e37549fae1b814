// Campaign settings, calling windows in the recipient's local time, and the retry rule.
// Pure: time comes in as epoch milliseconds; time zones resolved with luxon's IANA data.
import { z } from 'zod';
import { DateTime, IANAZone } from 'luxon';

/**
 * Outcome of one dial attempt. `declined`: the callee rejected the call (SIP 603, cause 21);
 * `unknown-number`: the number does not exist (SIP 404/484/410, causes 1, 28, 22) — never retried.
 */
export type AttemptOutcome = 'answered' | 'voicemail' | 'busy' | 'declined' | 'no-answer' | 'unknown-number' | 'failed';
/** Final state of a row: the last attempt's outcome, or why it stopped without one. */
export type FinalOutcome = AttemptOutcome | 'cancelled' | 'expired' | 'do-not-call';
export const RETRYABLE: readonly AttemptOutcome[] = ['busy', 'declined', 'no-answer', 'failed', 'voicemail'];
type RetryableOutcome = 'busy' | 'declined' | 'no-answer' | 'failed' | 'voicemail';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm (24h)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const retryRule = z.object({ delaySec: z.number().int().min(0), maxAttempts: z.number().int().min(1).max(20) }).strict();

export const CampaignSettingsSchema = z
  .object({
    flowId: z.string().min(1).default('campaign'),
    callerId: z.string().optional(),
    /** Dial string; `{phone}` is replaced by the E.164 number (`{digits}` without +). */
    endpoint: z.string().min(1).default('PJSIP/{phone}@trunk'),
    maxCallsPerSecond: z.number().positive().max(500).default(2),
    maxConcurrentCalls: z.number().int().positive().max(10_000).default(10),
    ringTimeoutSec: z.number().int().positive().max(300).default(30),
    /** Longest a call may last; after ring timeout + this, an attempt without outcome is treated as failed. */
    maxCallSec: z.number().int().positive().max(86_400).default(3600),
    window: z
      .object({
        start: hhmm.default('09:00'),
        end: hhmm.default('19:00'),
        /** ISO weekdays, 1 = Monday … 7 = Sunday. */
        days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6]),
      })
      .strict()
      .default({ start: '09:00', end: '19:00', days: [1, 2, 3, 4, 5, 6] }),
    /** First and last calling day, in the recipient's local calendar. */
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
    /** Used when neither the row nor the number's country gives a zone (non-geographic numbers). */
    fallbackTimezone: z.string().refine((z) => IANAZone.isValidZone(z), 'an IANA time zone').default('America/Bogota'),
    defaultCountry: z.string().regex(/^[A-Z]{2}$/).optional(),
    retry: z
      .object({ busy: retryRule.optional(), declined: retryRule.optional(), 'no-answer': retryRule.optional(), failed: retryRule.optional(), voicemail: retryRule.optional() })
      .strict()
      .default({}),
    /** How the CSV reports are written (see reportFormat in src/campaigns/reports.ts). */
    reports: z
      .object({
        /** Locale of the people opening the reports, e.g. es-CO: its decimal comma means `;`. Default: the language of `defaultCountry`. */
        locale: z.string().refine(isLocale, 'a BCP 47 locale such as es-CO').optional(),
        /** Forces the delimiter; otherwise `;` for decimal-comma locales, else the input's. */
        delimiter: z.enum([',', ';', '\t', '|']).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

function isLocale(v: string): boolean {
  try { return Intl.getCanonicalLocales(v).length === 1; } catch { return false; }
}

export type CampaignSettings = z.output<typeof CampaignSettingsSchema>;
export type CampaignSettingsInput = z.input<typeof CampaignSettingsSchema>;

export const DEFAULT_RETRY: Record<RetryableOutcome, { delaySec: number; maxAttempts: number }> = {
  busy: { delaySec: 600, maxAttempts: 3 },
  // Someone pressed "reject": try once more, much later, never in a loop.
  declined: { delaySec: 3600, maxAttempts: 2 },
  'no-answer': { delaySec: 1800, maxAttempts: 3 },
  failed: { delaySec: 900, maxAttempts: 2 },
  voicemail: { delaySec: 3600, maxAttempts: 1 },
};

export class CampaignSettingsError extends Error {
  readonly code = 'CAMPAIGN_SETTINGS_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid campaign settings: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Validates campaign.json content (already JSON-parsed) over `defaults`. */
export function parseCampaignSettings(input: unknown, defaults: CampaignSettingsInput = {}): CampaignSettings {
  const merged = input && typeof input === 'object' && !Array.isArray(input) ? { ...defaults, ...(input as Record<string, unknown>) } : input;
  const r = CampaignSettingsSchema.safeParse(merged);
  if (!r.success) throw new CampaignSettingsError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const s = r.data;
  if (minutes(s.window.end) <= minutes(s.window.start)) throw new CampaignSettingsError([`window: end ${s.window.end} must be after start ${s.window.start}`]);
  if (s.startDate && s.endDate && s.endDate < s.startDate) throw new CampaignSettingsError([`endDate ${s.endDate} is before startDate ${s.startDate}`]);
  return s;
}

/** What campaign settings refer to, as the running app knows it: the flow registry's ids. */
export interface CampaignCatalog {
  flowIds: readonly string[];
}

/**
 * Checks the ids campaign settings refer to (today: `flowId`) against the catalog, so a typo
 * refuses the file before anyone is dialled instead of calls being answered by no flow.
 * (Queues, schedules and prompts are referenced by flows, not by campaign.json: `flows check`
 * checks those.)
 */
export function checkCampaignReferences(s: Pick<CampaignSettings, 'flowId'>, catalog: CampaignCatalog): string[] {
  const problems: string[] = [];
  if (!catalog.flowIds.includes(s.flowId)) {
    const near = closest(s.flowId, catalog.flowIds);
    problems.push(
      `flowId: "${s.flowId}" is not a flow of the registry (flows/index.ts)` +
        (near ? `; did you mean "${near}"?` : '') +
        ` Known flows: ${catalog.flowIds.length ? catalog.flowIds.join(', ') : '(none)'}`,
    );
  }
  return problems;
}

/** Throws CampaignSettingsError when the settings refer to something the catalog does not have. */
export function assertCampaignReferences(s: Pick<CampaignSettings, 'flowId'>, catalog: CampaignCatalog): void {
  const p = checkCampaignReferences(s, catalog);
  if (p.length) throw new CampaignSettingsError(p);
}

/** The nearest id within 2 edits (a typo), if any. */
function closest(id: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of ids) {
    const d = editDistance(id.toLowerCase(), c.toLowerCase(), bestD);
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

/** Optimal string alignment distance: a swapped pair ("campaing") counts as one edit. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export function retryRuleFor(settings: CampaignSettings, outcome: RetryableOutcome): { delaySec: number; maxAttempts: number } {
  return settings.retry[outcome] ?? DEFAULT_RETRY[outcome];
}

/** After attempt `attempt` (1-based) ended with `outcome`: retry later, or stop here. */
export function decideAfterAttempt(
  settings: CampaignSettings,
  outcome: AttemptOutcome,
  attempt: number,
): { final: true; outcome: FinalOutcome } | { final: false; retryInMs: number; nextAttempt: number } {
  // A number that does not exist stays that way: dialling it again only costs money.
  if (outcome === 'answered' || outcome === 'unknown-number') return { final: true, outcome };
  const rule = retryRuleFor(settings, outcome);
  if (attempt >= rule.maxAttempts) return { final: true, outcome };
  return { final: false, retryInMs: rule.delaySec * 1000, nextAttempt: attempt + 1 };
}

function minutes(hm: string): number {
  const [h, m] = hm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export type WindowDecision = { kind: 'open' } | { kind: 'later'; at: number } | { kind: 'expired'; reason: string };

/**
 * Is `now` inside the calling window in every zone of `zones` (a row's zone, or all zones of
 * the number's country — a country spanning zones is only called when it is allowed everywhere,
 * the conservative reading)? If not, when is the next instant it is?
 */
export function windowDecision(nowMs: number, zones: readonly string[], settings: Pick<CampaignSettings, 'window' | 'startDate' | 'endDate'>): WindowDecision {
  if (zones.length === 0) throw new Error('windowDecision needs at least one time zone');
  let t = nowMs;
  // Each step moves t to the latest "next opening" among zones that are closed at t; the
  // loop ends when all are open at t. Bounded: windows are at most a few weeks apart.
  for (let i = 0; i < 64; i++) {
    let latest = t;
    for (const zone of zones) {
      const next = nextOpeningInZone(t, zone, settings);
      if (next === undefined) return { kind: 'expired', reason: `no calling window left before endDate ${settings.endDate ?? ''} in ${zone}` };
      if (next > latest) latest = next;
    }
    if (latest === t) return t === nowMs ? { kind: 'open' } : { kind: 'later', at: t };
    t = latest;
  }
  return { kind: 'expired', reason: `the calling window never opens at the same time in ${zones.join(', ')}` };
}

/** Earliest instant ≥ t inside the window in `zone`, or undefined when none before endDate (or within 400 days). */
function nextOpeningInZone(t: number, zone: string, s: Pick<CampaignSettings, 'window' | 'startDate' | 'endDate'>): number | undefined {
  const now = DateTime.fromMillis(t, { zone });
  let day = now.startOf('day');
  if (s.startDate) {
    const start = DateTime.fromISO(s.startDate, { zone }).startOf('day');
    if (start > day) day = start;
  }
  const [sh, sm] = s.window.start.split(':').map(Number) as [number, number];
  const [eh, em] = s.window.end.split(':').map(Number) as [number, number];
  for (let d = 0; d < 400; d++, day = day.plus({ days: 1 })) {
    const iso = day.toISODate()!;
    if (s.endDate && iso > s.endDate) return undefined;
    if (!s.window.days.includes(day.weekday)) continue;
    const open = day.set({ hour: sh, minute: sm }).toMillis();
    const close = eh === 24 ? day.plus({ days: 1 }).toMillis() : day.set({ hour: eh, minute: em }).toMillis();
    if (t >= close) continue;
    return Math.max(open, t);
  }
  return undefined;
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Deterministic, BullMQ-safe ids (BullMQ refuses `:` in custom ids). */
export function sanitizeId(raw: string): string {
  const s = raw.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 80) || 'campaign';
}

export function originateJobId(campaignId: string, rowId: string, attempt: number): string {
  return `${campaignId}__${rowId}__a${attempt}`;
}

/** Channel id of one attempt: deterministic, so a re-run attempt is recognised, never dialled twice. */
export function campaignChannelId(campaignId: string, rowId: string, attempt: number): string {
  return `cmp-${campaignId}-${rowId}-a${attempt}`;
}

/** Whether a channel id is a campaign attempt's (campaignChannelId). */
export function isCampaignChannelId(id: string): boolean {
  return /^cmp-.+-a\d+$/.test(id);
}

export function dialString(template: string, e164: string): string {
  return template.replaceAll('{phone}', e164).replaceAll('{digits}', e164.replace(/^\+/, ''));
}

/**
 * When dialling `seconds` worth of calls starting at `startMs`, only inside the calling window
 * of `zones`: the instant the last call goes out (dry-run estimate), or undefined if the
 * campaign dates run out first.
 */
export function finishWithinWindows(startMs: number, seconds: number, zones: readonly string[], settings: Pick<CampaignSettings, 'window' | 'startDate' | 'endDate'>): number | undefined {
  let t = startMs;
  let left = seconds * 1000;
  for (let i = 0; i < 2000 && left > 0; i++) {
    const w = windowDecision(t, zones, settings);
    if (w.kind === 'expired') return undefined;
    if (w.kind === 'later') t = w.at;
    // Length of the open stretch: step in 1-minute increments would be slow; find the close by
    // probing the window end in the first zone (all zones are open now, the first to close ends it).
    let close = Number.POSITIVE_INFINITY;
    for (const z of zones) close = Math.min(close, windowCloseInZone(t, z, settings.window));
    const span = close - t;
    if (span >= left) return t + left;
    left -= span;
    t = close;
  }
  return left <= 0 ? t : undefined;
}

function windowCloseInZone(t: number, zone: string, window: CampaignSettings['window']): number {
  const day = DateTime.fromMillis(t, { zone }).startOf('day');
  const [eh, em] = window.end.split(':').map(Number) as [number, number];
  return eh === 24 ? day.plus({ days: 1 }).toMillis() : day.set({ hour: eh, minute: em }).toMillis();
}
