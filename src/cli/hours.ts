// `centralita hours at <schedule> <ISO time>` (what-if: open or closed, why, next change)
// and audited overrides: `hours override`, `hours clear`, `hours overrides`.
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { evaluateHours, nextScheduleChange, type HoursOverride, type HoursResult, type Schedule } from '../domain/hours.ts';
import { loadFlows } from '../flow-dsl/registry.ts';
import { createOverrideStore } from '../hours/override-store.ts';
import { loadConfig } from '../config.ts';
import { KEY_PREFIX } from '../jobs/names.ts';
import { createNodeFlowSource } from './flows.ts';

/** Typed config (the only reader of env); a bad environment is reported, not thrown raw. */
function config() {
  return loadConfig(process.env);
}
const DEFAULT_PREFIX = `${KEY_PREFIX}:`;

async function loadSchedules(dir: string | undefined): Promise<Record<string, Schedule>> {
  const c = config();
  const r = await loadFlows({ dir: dir ?? c.flows.dir, soundsDir: c.soundsDir, source: createNodeFlowSource() });
  return r.schedules;
}

/** The schedule with that id; anything else (a typo, `toString`) is refused with the known ids. */
export function scheduleNamed(schedules: Record<string, Schedule>, name: string): Schedule {
  if (!Object.hasOwn(schedules, name)) throw new Error(`unknown schedule '${name}' (known: ${Object.keys(schedules).join(', ') || 'none'})`);
  return schedules[name]!;
}

/**
 * The instant a what-if asks about. With an offset (or Z) it is exact; without one it is wall
 * time in the schedule's zone ("10:00" at the office means 10:00 in Bogotá, whatever this
 * machine's zone is). A bare date is refused: midnight UTC is never what was meant.
 */
export function whatIfInstant(time: string, timezone: string): DateTime {
  const t = time.trim();
  if (!/T\d{2}:\d{2}/.test(t)) throw new Error(`"${time}" has no time of day: give e.g. ${t.slice(0, 10) || '2026-03-02'}T10:00 (read in ${timezone}) or an ISO instant with an offset`);
  const withOffset = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(t);
  const dt = withOffset ? DateTime.fromISO(t, { setZone: true }) : DateTime.fromISO(t, { zone: timezone });
  if (!dt.isValid) throw new Error(`"${time}" is not an ISO time such as 2026-03-02T10:00 or 2026-03-02T10:00:00-05:00`);
  return dt;
}

export function describeHours(name: string, r: HoursResult): string {
  const state = r.open ? 'OPEN' : 'CLOSED';
  const why = r.reason === 'holiday' ? `holiday: ${r.detail}` : r.reason === 'override' ? `override: ${r.detail}, until ${r.override?.expiresAt}` : r.reason === 'date' ? `special date: ${r.detail}` : r.open ? `weekly hours ${r.detail}` : r.detail;
  const next = r.nextChange ? `next change: ${r.nextChange.open ? 'opens' : 'closes'} at ${r.nextChange.at}` : 'next change: none in the next 14 days';
  return `${name} at ${r.local}: ${state} (${why}); ${next}`;
}

/** ISO duration-ish: 30m, 2h, 1d. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|h|d)$/.exec(s.trim());
  if (!m) throw Object.assign(new Error(`"${s}" is not a duration like 30m, 2h or 1d`), { code: 'DURATION_INVALID' });
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

function redisUrl(): string {
  const r = config().redis;
  if (r.mode !== 'external') throw Object.assign(new Error('overrides live in Redis: set REDIS_URL (the one the running app uses)'), { code: 'REDIS_URL_REQUIRED' });
  return r.url;
}

async function withStore<T>(prefix: string | undefined, fn: (store: ReturnType<typeof createOverrideStore>) => Promise<T>): Promise<T> {
  const url = redisUrl();
  // Loaded on demand: `hours at` without overrides needs no Redis client at all.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await fn(createOverrideStore({ redis, prefix: prefix ?? DEFAULT_PREFIX }));
  } finally {
    redis.disconnect();
  }
}

function fail(err: unknown): void {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
}

export function registerHoursCommands(program: Command): void {
  const hours = program.command('hours').description('business hours: what-if and overrides');
  hours
    .command('at <schedule> <time>')
    .description('open or closed at an ISO instant (2026-03-23T10:00:00-05:00; without an offset, wall time in the schedule\'s zone), why, and the next change')
    .option('--dir <dir>', 'flows folder (default FLOWS_DIR or ./flows)')
    .option('--with-overrides', 'also apply the live overrides stored in Redis (REDIS_URL)')
    .option('--json', 'print the result as JSON')
    .option('--key-prefix <prefix>', 'Redis key prefix', DEFAULT_PREFIX)
    .action(async (name: string, time: string, opts: { dir?: string; withOverrides?: boolean; json?: boolean; keyPrefix?: string }) => {
      try {
        const s = scheduleNamed(await loadSchedules(opts.dir), name);
        const at = whatIfInstant(time, s.timezone);
        const overrides: HoursOverride[] = opts.withOverrides ? await withStore(opts.keyPrefix, (st) => st.active(name)) : [];
        const r = evaluateHours(s, at, overrides);
        console.log(opts.json ? JSON.stringify(r, null, 2) : describeHours(name, r));
      } catch (err) { fail(err); }
    });
  hours
    .command('override <schedule> <state>')
    .description('force a schedule open or closed until an expiry (stored in Redis, audited)')
    .requiredOption('--reason <text>', 'why (shown to whoever checks later)')
    .option('--for <duration>', 'how long: 30m, 2h, 1d')
    .option('--until <time>', 'ISO instant it ends')
    .option('--until-next-change', 'ends when the schedule itself next changes (e.g. at tomorrow\'s opening)')
    .requiredOption('--by <name>', 'who sets it (kept in the audit log)')
    .option('--dir <dir>', 'flows folder')
    .option('--key-prefix <prefix>', 'Redis key prefix', DEFAULT_PREFIX)
    .action(async (name: string, state: string, opts: { reason: string; for?: string; until?: string; untilNextChange?: boolean; by?: string; dir?: string; keyPrefix?: string }) => {
      try {
        if (state !== 'open' && state !== 'closed') throw new Error(`state must be open or closed, not '${state}'`);
        const schedule = scheduleNamed(await loadSchedules(opts.dir), name);
        if ([opts.for, opts.until, opts.untilNextChange].filter((v) => v !== undefined).length !== 1) throw new Error('give exactly one of --for <duration>, --until <ISO time> or --until-next-change');
        const now = new Date();
        let expiresAt: Date;
        if (opts.untilNextChange) {
          const next = nextScheduleChange(schedule, now);
          if (!next) throw new Error(`schedule '${name}' does not change in the next 14 days; give --for or --until`);
          expiresAt = next;
        } else expiresAt = opts.for ? new Date(now.getTime() + parseDuration(opts.for)) : new Date(opts.until!);
        if (Number.isNaN(expiresAt.getTime())) throw new Error(`--until "${opts.until}" is not an ISO time`);
        const by = opts.by ?? '';
        const ov = await withStore(opts.keyPrefix, (st) => st.set({ scheduleId: name, state, reason: opts.reason, setBy: by, now, expiresAt }));
        console.log(`${name}: forced ${ov.state} until ${ov.expiresAt} by ${ov.setBy} (${ov.reason})`);
      } catch (err) { fail(err); }
    });
  hours
    .command('clear <schedule>')
    .description('remove the override of a schedule')
    .requiredOption('--by <name>', 'who clears it (kept in the audit log)')
    .option('--reason <text>', 'why')
    .option('--key-prefix <prefix>', 'Redis key prefix', DEFAULT_PREFIX)
    .action(async (name: string, opts: { by?: string; reason?: string; keyPrefix?: string }) => {
      try {
        const removed = await withStore(opts.keyPrefix, (st) => st.clear(name, opts.by ?? '', new Date(), opts.reason));
        console.log(removed ? `${name}: override cleared` : `${name}: no override was active`);
      } catch (err) { fail(err); }
    });
  hours
    .command('overrides')
    .description('active overrides and the recent audit log')
    .option('--audit <n>', 'how many audit entries', '20')
    .option('--key-prefix <prefix>', 'Redis key prefix', DEFAULT_PREFIX)
    .action(async (opts: { audit: string; keyPrefix?: string }) => {
      try {
        await withStore(opts.keyPrefix, async (st) => {
          const list = await st.list();
          console.log(list.length ? list.map((o) => `${o.scheduleId}: ${o.state} until ${o.expiresAt} — ${o.reason} (by ${o.setBy} at ${o.setAt})`).join('\n') : 'no active overrides');
          for (const a of await st.audit(Number(opts.audit))) console.log(`  ${a.at} ${a.action} ${a.scheduleId}${a.state ? ` ${a.state}` : ''} by ${a.by}${a.reason ? ` — ${a.reason}` : ''}`);
        });
      } catch (err) { fail(err); }
    });
}
