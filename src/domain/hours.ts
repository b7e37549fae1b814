// Business hours: pure. The instant to evaluate is always an argument, never the clock.
// Order of precedence (first that applies wins): runtime override → explicit date entry →
// holiday from the calendar library → weekly ranges. Ranges are wall-clock times in the
// schedule's IANA zone, so DST days keep "08:00–17:00" meaning 08:00–17:00 local.
import { DateTime } from 'luxon';
import Holidays from 'date-holidays';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "HH:mm" wall-clock time; "24:00" is allowed as an end. */
export type ClockTime = `${number}:${number}`;

export interface TimeRange {
  from: ClockTime;
  /** Earlier than or equal to `from` means the range runs past midnight into the next day. */
  to: ClockTime;
}

export interface WeeklyRange extends TimeRange {
  days: Weekday[];
}

export interface DateEntry {
  date: string; // YYYY-MM-DD, local to the schedule
  name: string; // why (shown by `hours at` and on the call path)
  /** Omitted or empty: closed all day. Otherwise open only during these ranges (partial day). */
  open?: TimeRange[];
}

export interface Schedule {
  id: string;
  timezone: string; // IANA, e.g. America/Bogota
  weekly: WeeklyRange[];
  /** Public holidays from the date-holidays library close the whole day. */
  holidays?: { country: string; state?: string; region?: string; types?: string[] };
  dates?: DateEntry[];
}

export interface HoursOverride {
  scheduleId: string;
  state: 'open' | 'closed';
  reason: string;
  setBy: string;
  setAt: string; // ISO
  expiresAt: string; // ISO
}

export type HoursReason = 'weekly' | 'holiday' | 'date' | 'override';

export interface HoursResult {
  scheduleId: string;
  open: boolean;
  reason: HoursReason;
  /** Human detail: holiday name, date entry name, override reason, or the weekly range. */
  detail: string;
  /** Local wall-clock time evaluated, with offset. */
  local: string;
  nextChange?: { at: string; open: boolean };
  override?: HoursOverride;
}

export class ScheduleError extends Error {
  readonly code = 'SCHEDULE_INVALID';
}

const TIME_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutes(t: string, where: string): number {
  const m = TIME_RE.exec(t);
  if (!m) throw new ScheduleError(`${where}: "${t}" is not a HH:mm time`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (v > 1440) throw new ScheduleError(`${where}: "${t}" is after 24:00`);
  return v;
}

/** Checks a schedule once (at load) so evaluation never meets malformed data. Returns problems. */
export function validateSchedule(s: Schedule): string[] {
  const problems: string[] = [];
  // A schedule from a JS edit may hold anything: wrong shapes are problems, never exceptions.
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (typeof s.timezone !== 'string' || !DateTime.local().setZone(s.timezone).isValid) problems.push(`schedule '${String(s.id)}': unknown time zone '${String(s.timezone)}'`);
  if (!Array.isArray(s.weekly)) problems.push(`schedule '${String(s.id)}': weekly must be a list of { days, from, to }`);
  else s.weekly.forEach((r, i) => {
    if (!isObj(r) || !Array.isArray(r.days)) { problems.push(`schedule '${String(s.id)}': weekly[${i}] must be { days: [...], from: 'HH:MM', to: 'HH:MM' }`); return; }
    for (const d of r.days) if (!WEEKDAYS.includes(d)) problems.push(`schedule '${String(s.id)}': weekly[${i}] has unknown day '${String(d)}'`);
    for (const t of [r.from, r.to]) {
      try { minutes(t, `schedule '${String(s.id)}' weekly[${i}]`); } catch (e) { problems.push((e as Error).message); }
    }
  });
  if (s.dates !== undefined && !Array.isArray(s.dates)) problems.push(`schedule '${String(s.id)}': dates must be a list`);
  for (const d of Array.isArray(s.dates) ? s.dates : []) {
    if (!isObj(d) || typeof d.date !== 'string' || !DateTime.fromISO(d.date).isValid || !/^\d{4}-\d{2}-\d{2}$/.test(d.date)) { problems.push(`schedule '${String(s.id)}': date '${String(isObj(d) ? d.date : d)}' is not YYYY-MM-DD`); continue; }
    if (d.open !== undefined && !Array.isArray(d.open)) { problems.push(`schedule '${String(s.id)}': date ${d.date} open must be a list`); continue; }
    for (const r of d.open ?? []) for (const t of isObj(r) ? [r.from, r.to] : [undefined]) {
      try { minutes(t as string, `schedule '${String(s.id)}' date ${d.date}`); } catch (e) { problems.push((e as Error).message); }
    }
  }
  if (s.holidays !== undefined) {
    const countries = new Holidays().getCountries();
    if (!isObj(s.holidays) || typeof s.holidays.country !== 'string' || !countries[s.holidays.country]) problems.push(`schedule '${String(s.id)}': unknown holiday country/region '${String(isObj(s.holidays) ? s.holidays.country : s.holidays)}'`);
  }
  return problems;
}

export function defineSchedule(s: Schedule): Schedule {
  return s;
}

interface Interval { start: number; end: number; label: string } // minutes from local midnight of the owning day; end may exceed 1440

interface DayInfo { intervals: Interval[]; closedReason: HoursReason; closedDetail: string }

// Holiday calendars are costly to build; memoised per schedule object (not global state:
// entries die with the schedule).
const calendars = new WeakMap<Schedule, { hd: Holidays; byYear: Map<number, Map<string, string>> }>();

function holidayOn(s: Schedule, date: DateTime): string | undefined {
  if (!s.holidays) return undefined;
  let cal = calendars.get(s);
  if (!cal) {
    const hd = new Holidays(s.holidays.country, s.holidays.state ?? '', s.holidays.region ?? '');
    cal = { hd, byYear: new Map() };
    calendars.set(s, cal);
  }
  let year = cal.byYear.get(date.year);
  if (!year) {
    const types = s.holidays.types ?? ['public'];
    year = new Map();
    for (const h of cal.hd.getHolidays(date.year)) if (types.includes(h.type)) year.set(h.date.slice(0, 10), h.name);
    cal.byYear.set(date.year, year);
  }
  return year.get(date.toISODate()!);
}

function dayInfo(s: Schedule, date: DateTime): DayInfo {
  const iso = date.toISODate()!;
  const entry = s.dates?.find((d) => d.date === iso);
  const toIntervals = (ranges: TimeRange[], label: (r: TimeRange) => string): Interval[] =>
    ranges.map((r) => {
      const start = minutes(r.from, s.id);
      let end = minutes(r.to, s.id);
      if (end <= start) end += 1440; // past midnight
      return { start, end, label: label(r) };
    });
  if (entry) {
    return { intervals: toIntervals(entry.open ?? [], (r) => `${entry.name} ${r.from}-${r.to}`), closedReason: 'date', closedDetail: entry.name };
  }
  const holiday = holidayOn(s, date);
  if (holiday) return { intervals: [], closedReason: 'holiday', closedDetail: holiday };
  const wd = WEEKDAYS[date.weekday - 1]!;
  const ranges = s.weekly.filter((r) => r.days.includes(wd));
  return { intervals: toIntervals(ranges, (r) => `${wd} ${r.from}-${r.to}`), closedReason: 'weekly', closedDetail: 'outside opening hours' };
}

function toDateTime(instant: Date | string | DateTime, zone: string): DateTime {
  const dt = instant instanceof DateTime ? instant : typeof instant === 'string' ? DateTime.fromISO(instant, { setZone: true }) : DateTime.fromJSDate(instant);
  if (!dt.isValid) throw new ScheduleError(`invalid instant ${String(instant)}`);
  return dt.setZone(zone);
}

/** Open/closed from the schedule alone (no overrides) at a local time. */
function baseState(s: Schedule, local: DateTime): { open: boolean; reason: HoursReason; detail: string } {
  const day = local.startOf('day');
  const m = local.hour * 60 + local.minute + local.second / 60;
  const today = dayInfo(s, day);
  const hit = today.intervals.find((i) => m >= i.start && m < i.end);
  if (hit) return { open: true, reason: today.closedReason === 'date' ? 'date' : 'weekly', detail: hit.label };
  // A range that started yesterday and runs past midnight belongs to yesterday.
  const yesterday = dayInfo(s, day.minus({ days: 1 }));
  const spill = yesterday.intervals.find((i) => i.end > 1440 && m + 1440 >= i.start && m + 1440 < i.end);
  if (spill) return { open: true, reason: yesterday.closedReason === 'date' ? 'date' : 'weekly', detail: spill.label };
  return { open: false, reason: today.closedReason, detail: today.closedDetail };
}

function atWallClock(day: DateTime, mins: number, zone: string): DateTime {
  const d = day.plus({ days: Math.floor(mins / 1440) });
  const mm = mins % 1440;
  return DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: Math.floor(mm / 60), minute: mm % 60 }, { zone });
}

const LOOKAHEAD_DAYS = 14;

/** Evaluates a schedule at an instant. Overrides: active ones (setAt ≤ t < expiresAt) win. */
export function evaluateHours(s: Schedule, instant: Date | string | DateTime, overrides: HoursOverride[] = []): HoursResult {
  const local = toDateTime(instant, s.timezone);
  const t = local.toMillis();
  const active = overrides
    .filter((o) => o.scheduleId === s.id && Date.parse(o.setAt) <= t && t < Date.parse(o.expiresAt))
    .sort((a, b) => Date.parse(b.setAt) - Date.parse(a.setAt))[0];
  const base = baseState(s, local);
  const current = active ? { open: active.state === 'open', reason: 'override' as const, detail: `${active.reason} (set by ${active.setBy})` } : base;

  // Next change: candidate instants are range boundaries around now and the override expiry;
  // the first one where the state differs is the answer.
  const candidates = new Set<number>();
  const day0 = local.startOf('day');
  for (let i = -1; i <= LOOKAHEAD_DAYS; i++) {
    const day = day0.plus({ days: i });
    candidates.add(day.toMillis());
    for (const iv of dayInfo(s, day).intervals) {
      for (const b of [iv.start, iv.end]) {
        const at = atWallClock(day, b, s.timezone);
        if (at.isValid) candidates.add(at.toMillis());
      }
    }
  }
  if (active) candidates.add(Date.parse(active.expiresAt));
  let nextChange: HoursResult['nextChange'];
  for (const c of [...candidates].filter((c) => c > t).sort((a, b) => a - b)) {
    const when = DateTime.fromMillis(c, { zone: s.timezone });
    const stillOverridden = active && c < Date.parse(active.expiresAt);
    const open = stillOverridden ? active.state === 'open' : baseState(s, when).open;
    if (open !== current.open) {
      nextChange = { at: when.toISO()!, open };
      break;
    }
  }
  return {
    scheduleId: s.id,
    open: current.open,
    reason: current.reason,
    detail: current.detail,
    local: local.toISO()!,
    ...(nextChange ? { nextChange } : {}),
    ...(active ? { override: active } : {}),
  };
}

/** The branch a flow's `hours` node takes for a result. */
export function hoursBranch(r: HoursResult): 'open' | 'closed' | 'holiday' | 'overrideOpen' | 'overrideClosed' {
  if (r.reason === 'override') return r.open ? 'overrideOpen' : 'overrideClosed';
  if (r.open) return 'open';
  return r.reason === 'holiday' ? 'holiday' : 'closed';
}

/**
 * Expiry for an override "until the next change" (FreePBX's temporary override): the next
 * instant the schedule itself changes state, so the override ends when it would have
 * stopped mattering. Undefined when nothing changes in the look-ahead window.
 */
export function nextScheduleChange(s: Schedule, instant: Date | string | DateTime): Date | undefined {
  const next = evaluateHours(s, instant).nextChange;
  return next ? new Date(next.at) : undefined;
}
