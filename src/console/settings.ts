// Agent console and wallboard settings as ops write them in flows/console.ts: the pause
// reasons agents pick from, the wrap-up disposition codes (optionally mapped to a HubSpot call
// outcome), how long a call's HubSpot log waits for its wrap-up, and the wallboard's colour
// thresholds (defaults plus per-queue overrides). zod-validated, every problem listed. Pure.
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import { DEFAULT_THRESHOLDS } from '../wallboard/levels.ts';
import type { Thresholds } from '../wallboard/types.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, _ and - (max 40)');
const label = z.object({ es: z.string().trim().min(1).max(60), en: z.string().trim().min(1).max(60) }).strict();
const bound = z.object({ warn: z.number().finite().min(0), bad: z.number().finite().min(0) }).strict();
const thresholds = z.object({
  serviceLevelPct: bound.optional(), longestWaitSec: bound.optional(), waiting: bound.optional(),
  abandonedPct: bound.optional(), pausedSec: bound.optional(), wrapUpSec: bound.optional(),
}).strict();

export const consoleSchema = z.object({
  pauseReasons: z.array(z.object({ id, label }).strict()).min(1).max(30),
  dispositions: z.array(z.object({
    id,
    label,
    /** A HubSpot call outcome id (hs_call_disposition), e.g. f240bbac-87c9-4f6e-bf70-924b57d47db7 = Connected. */
    hubspotOutcome: z.string().regex(/^[0-9a-f-]{36}$/i, 'a HubSpot call outcome id (GUID)').optional(),
  }).strict()).max(50).default([]),
  wrapUp: z.object({
    /** The agent must pick a disposition to finish wrap-up. */
    requireDisposition: z.boolean().default(true),
    /** How long (s) the HubSpot log of an agent's call waits for its wrap-up before it goes without one. */
    holdHubspotSec: z.number().int().min(0).max(3600).default(120),
    maxNotes: z.number().int().min(0).max(5000).default(2000),
  }).strict().default({ requireDisposition: true, holdHubspotSec: 120, maxNotes: 2000 }),
  thresholds: thresholds.default({}),
  /** Per-queue threshold overrides, by queue id. */
  queueThresholds: z.record(z.string(), thresholds).default({}),
}).strict();

export type ConsoleInput = z.input<typeof consoleSchema>;
export type ConsoleSettings = z.output<typeof consoleSchema>;

export class ConsoleConfigError extends CentralitaError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONSOLE_CONFIG_INVALID', `invalid console settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function defineConsole(input: ConsoleInput): ConsoleSettings {
  const r = consoleSchema.safeParse(input);
  const problems = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (r.success) {
    for (const [what, list] of [['pauseReasons', r.data.pauseReasons], ['dispositions', r.data.dispositions]] as const) {
      const seen = new Set<string>();
      for (const x of list) { if (seen.has(x.id)) problems.push(`${what}: ${x.id} listed twice`); seen.add(x.id); }
    }
    const check = (where: string, t: z.output<typeof thresholds>) => {
      for (const [k, b] of Object.entries(t)) {
        if (!b) continue;
        // SL is "lower is worse": bad must not be above warn; the others the other way round.
        if (k === 'serviceLevelPct' ? b.bad > b.warn : b.bad < b.warn) problems.push(`${where}.${k}: bad (${b.bad}) is on the wrong side of warn (${b.warn})`);
      }
    };
    check('thresholds', r.data.thresholds);
    for (const [q, t] of Object.entries(r.data.queueThresholds)) check(`queueThresholds.${q}`, t);
  }
  if (!r.success || problems.length) throw new ConsoleConfigError(problems);
  return r.data;
}

/** What a console without flows/console.ts gets: a few common pause reasons and no dispositions. */
export const DEFAULT_CONSOLE: ConsoleSettings = defineConsole({
  pauseReasons: [
    { id: 'break', label: { es: 'Descanso', en: 'Break' } },
    { id: 'lunch', label: { es: 'Almuerzo', en: 'Lunch' } },
    { id: 'training', label: { es: 'Capacitación', en: 'Training' } },
    { id: 'back-office', label: { es: 'Trabajo administrativo', en: 'Back office' } },
  ],
});

/** Thresholds of one queue: defaults, then the file's defaults, then its per-queue override. */
export function thresholdsFor(s: ConsoleSettings, queueId: string): Thresholds {
  return { ...DEFAULT_THRESHOLDS, ...strip(s.thresholds), ...strip(s.queueThresholds[queueId] ?? {}) };
}

function strip(t: z.output<typeof thresholds>): Partial<Thresholds> {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as Partial<Thresholds>;
}
