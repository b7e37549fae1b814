// Hours for running calls: the pure evaluator plus the live overrides. An unreachable
// override store must not break routing: the schedule alone decides and the fault is logged.
import { evaluateHours, type HoursOverride, type HoursResult, type Schedule } from '../domain/hours.ts';
import { CentralitaError } from '../errors.ts';
import type { HoursService } from '../flow-dsl/actors.ts';

export interface OverrideSource {
  active(scheduleId: string): Promise<HoursOverride[]>;
}

export class UnknownScheduleError extends CentralitaError {
  constructor(id: string, known: string[]) {
    super('SCHEDULE_UNKNOWN', `unknown schedule '${id}' (known: ${known.join(', ') || 'none'})`);
  }
}

export function createHoursService(o: {
  /** The schedules, or a getter so a hot-reloaded flows/schedules.ts is seen by new calls. */
  schedules: Record<string, Schedule> | (() => Record<string, Schedule>);
  overrides?: OverrideSource;
  onOverrideError?: (err: unknown, scheduleId: string) => void;
}): HoursService & { schedule(id: string): Schedule } {
  const all = () => (typeof o.schedules === 'function' ? o.schedules() : o.schedules);
  const schedule = (id: string) => {
    const schedules = all();
    // Own keys only: `toString` or `__proto__` is an unknown schedule, not Object's.
    if (!Object.hasOwn(schedules, id)) throw new UnknownScheduleError(id, Object.keys(schedules));
    return schedules[id]!;
  };
  return {
    schedule,
    async evaluate(scheduleId: string, at: string): Promise<HoursResult> {
      const s = schedule(scheduleId);
      let overrides: HoursOverride[] = [];
      if (o.overrides) {
        try {
          overrides = await o.overrides.active(scheduleId);
        } catch (err) {
          o.onOverrideError?.(err, scheduleId);
        }
      }
      return evaluateHours(s, at, overrides);
    },
  };
}
