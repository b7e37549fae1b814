// Colour levels of wallboard figures against their thresholds. Pure, and shared with the web
// app: the server sends the thresholds, the browser colours ticking values (longest wait,
// time in state) with the same rules.
import type { Bound, Level, Thresholds } from './types.ts';

/** Higher is worse (waits, counts): ≥ bad → bad, ≥ warn → warn. */
export function levelAbove(value: number | null | undefined, b: Bound): Level {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'ok';
  return value >= b.bad ? 'bad' : value >= b.warn ? 'warn' : 'ok';
}

/** Lower is worse (service level): ≤ bad → bad, ≤ warn → warn; no figure yet → ok. */
export function levelBelow(value: number | null | undefined, b: Bound): Level {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'ok';
  return value <= b.bad ? 'bad' : value <= b.warn ? 'warn' : 'ok';
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  serviceLevelPct: { warn: 80, bad: 70 },
  longestWaitSec: { warn: 30, bad: 60 },
  waiting: { warn: 3, bad: 6 },
  abandonedPct: { warn: 5, bad: 10 },
  pausedSec: { warn: 900, bad: 1800 },
  wrapUpSec: { warn: 60, bad: 120 },
};

export function abandonedPct(offered: number, abandoned: number): number | null {
  return offered > 0 ? Math.round((1000 * abandoned) / offered) / 10 : null;
}

/** The worst of several levels (a queue card takes its worst figure's colour). */
export function worst(...levels: Level[]): Level {
  return levels.includes('bad') ? 'bad' : levels.includes('warn') ? 'warn' : 'ok';
}
