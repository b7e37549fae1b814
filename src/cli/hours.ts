// `centralita hours at <schedule> <ISO time>` (what-if: open or closed, why, next change)
// and audited overrides: `hours override`, `hours clear`, `hours overrides`. Overrides go
// through the running app's API (DATA_DIR/running.json or --url): the audit log records the
// authenticated identity, never a name typed on the command line.
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { evaluateHours, type HoursResult, type Schedule } from '../domain/hours.ts';
import { loadFlows } from '../flow-dsl/registry.ts';
import { loadConfig } from '../config.ts';
import { createNodeFlowSource } from './flows.ts';
import { apiRequest, resolveApi } from './api-client.ts';

/** Typed config (the only reader of env); a bad environment is reported, not thrown raw. */
function config() {
  return loadConfig(process.env);
}

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

interface OverrideView { scheduleId: string; state: string; reason: string; setBy: string; setAt: string; expiresAt: string }
interface OverrideAudit { at: string; action: string; scheduleId: string; state?: string; by: string; reason?: string }

const api = async (url: string | undefined) => resolveApi(url ? { url } : {});
const schedulePath = (name: string) => `/api/hours/${encodeURIComponent(name)}`;

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
    .option('--with-overrides', 'ask the running app, which also applies its live overrides')
    .option('--url <url>', 'API of the running app (default: the one on this machine)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, time: string, opts: { dir?: string; withOverrides?: boolean; json?: boolean; url?: string }) => {
      try {
        const s = scheduleNamed(await loadSchedules(opts.dir), name);
        const at = whatIfInstant(time, s.timezone);
        const r = opts.withOverrides
          ? await apiRequest<HoursResult>(await api(opts.url), 'GET', `${schedulePath(name)}?at=${encodeURIComponent(at.toISO()!)}`)
          : evaluateHours(s, at, []);
        console.log(opts.json ? JSON.stringify(r, null, 2) : describeHours(name, r));
      } catch (err) { fail(err); }
    });
  hours
    .command('override <schedule> <state>')
    .description('force a schedule open or closed until an expiry (in the running app, audited under your identity)')
    .requiredOption('--reason <text>', 'why (shown to whoever checks later)')
    .option('--for <duration>', 'how long: 30m, 2h, 1d')
    .option('--until <time>', 'ISO instant it ends')
    .option('--until-next-change', 'ends when the schedule itself next changes (e.g. at tomorrow\'s opening)')
    .option('--dir <dir>', 'flows folder (checks the schedule id before asking the app)')
    .option('--url <url>', 'API of the running app (default: the one on this machine)')
    .action(async (name: string, state: string, opts: { reason: string; for?: string; until?: string; untilNextChange?: boolean; dir?: string; url?: string }) => {
      try {
        if (state !== 'open' && state !== 'closed') throw new Error(`state must be open or closed, not '${state}'`);
        scheduleNamed(await loadSchedules(opts.dir), name);
        if ([opts.for, opts.until, opts.untilNextChange].filter((v) => v !== undefined).length !== 1) throw new Error('give exactly one of --for <duration>, --until <ISO time> or --until-next-change');
        if (opts.until && Number.isNaN(Date.parse(opts.until))) throw new Error(`--until "${opts.until}" is not an ISO time`);
        const body = { state, reason: opts.reason, ...(opts.for ? { minutes: parseDuration(opts.for) / 60_000 } : {}), ...(opts.until ? { until: new Date(opts.until).toISOString() } : {}), ...(opts.untilNextChange ? { untilNextChange: true } : {}) };
        const ov = await apiRequest<OverrideView>(await api(opts.url), 'PUT', `${schedulePath(name)}/override`, body);
        console.log(`${name}: forced ${ov.state} until ${ov.expiresAt} by ${ov.setBy} (${ov.reason})`);
      } catch (err) { fail(err); }
    });
  hours
    .command('clear <schedule>')
    .description('remove the override of a schedule (audited under your identity)')
    .option('--reason <text>', 'why')
    .option('--url <url>', 'API of the running app (default: the one on this machine)')
    .action(async (name: string, opts: { reason?: string; url?: string }) => {
      try {
        const target = await api(opts.url);
        const removed = await apiRequest<{ cleared: boolean }>(target, 'DELETE', `${schedulePath(name)}/override`, opts.reason ? { reason: opts.reason } : {}).then(() => true, (err: { code?: string }) => {
          if (err.code === 'OVERRIDE_NOT_FOUND') return false;
          throw err;
        });
        console.log(removed ? `${name}: override cleared` : `${name}: no override was active`);
      } catch (err) { fail(err); }
    });
  hours
    .command('overrides')
    .description('active overrides and the recent audit log')
    .option('--audit <n>', 'how many audit entries', '20')
    .option('--url <url>', 'API of the running app (default: the one on this machine)')
    .action(async (opts: { audit: string; url?: string }) => {
      try {
        const r = await apiRequest<{ overrides: OverrideView[]; audit: OverrideAudit[] }>(await api(opts.url), 'GET', '/api/hours/overrides');
        console.log(r.overrides.length ? r.overrides.map((o) => `${o.scheduleId}: ${o.state} until ${o.expiresAt} — ${o.reason} (by ${o.setBy} at ${o.setAt})`).join('\n') : 'no active overrides');
        for (const a of r.audit.slice(0, Number(opts.audit))) console.log(`  ${a.at} ${a.action} ${a.scheduleId}${a.state ? ` ${a.state}` : ''} by ${a.by}${a.reason ? ` — ${a.reason}` : ''}`);
      } catch (err) { fail(err); }
    });
}
