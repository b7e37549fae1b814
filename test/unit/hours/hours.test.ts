// Business hours: pure evaluation at given instants — weekly ranges, midnight crossing,
// Colombian holidays (moved to Monday), explicit and partial dates, DST, overrides.
import { describe, expect, it } from 'vitest';
import { evaluateHours, hoursBranch, nextScheduleChange, validateSchedule, type HoursOverride, type Schedule } from '../../../src/domain/hours.ts';
import { schedules } from '../../../flows/schedules.ts';

const office = schedules.office;

describe('weekly ranges', () => {
  it('open inside, closed outside, with the next change', () => {
    const r = evaluateHours(office, '2026-03-02T10:00:00-05:00'); // Monday
    expect(r).toMatchObject({ open: true, reason: 'weekly', detail: 'mon 08:00-18:00', nextChange: { at: '2026-03-02T18:00:00.000-05:00', open: false } });
    const night = evaluateHours(office, '2026-03-02T18:00:00-05:00'); // end is exclusive
    expect(night).toMatchObject({ open: false, reason: 'weekly', nextChange: { at: '2026-03-03T08:00:00.000-05:00', open: true } });
  });

  it('Saturday half day, and Sunday closed until Monday', () => {
    expect(evaluateHours(office, '2026-03-07T12:59:00-05:00').open).toBe(true);
    const sun = evaluateHours(office, '2026-03-08T10:00:00-05:00');
    expect(sun).toMatchObject({ open: false, nextChange: { at: '2026-03-09T08:00:00.000-05:00', open: true } });
  });

  it('ranges across midnight belong to the day they start', () => {
    const desk = schedules.nightDesk; // fri+sat 20:00 → 02:00
    expect(evaluateHours(desk, '2026-03-06T23:00:00-05:00').open).toBe(true); // Fri 23:00
    expect(evaluateHours(desk, '2026-03-07T01:30:00-05:00')).toMatchObject({ open: true, detail: 'fri 20:00-02:00' }); // Sat 01:30
    expect(evaluateHours(desk, '2026-03-07T02:00:00-05:00').open).toBe(false);
    expect(evaluateHours(desk, '2026-03-08T01:00:00-05:00')).toMatchObject({ open: true, detail: 'sat 20:00-02:00' }); // Sun 01:00
    expect(evaluateHours(desk, '2026-03-09T01:00:00-05:00').open).toBe(false); // Mon 01:00: Sunday has no range
    expect(evaluateHours(desk, '2026-03-07T01:30:00-05:00').nextChange).toEqual({ at: '2026-03-07T02:00:00.000-05:00', open: false });
  });
});

describe('Colombian holidays (date-holidays, CO)', () => {
  // 2026: Reyes moved to Mon 12 Jan, San José to Mon 23 Mar, Sagrado Corazón Mon 15 Jun,
  // and Ley 2578 de 2026 adds Mon 13 Jul (Monday after 9 July).
  it.each([
    ['2026-01-01', 'Año Nuevo'],
    ['2026-01-12', 'Día de los Reyes Magos'],
    ['2026-03-23', 'San José'],
    ['2026-04-02', 'Jueves Santo'],
    ['2026-04-03', 'Viernes Santo'],
    ['2026-05-01', 'Día del Trabajador'],
    ['2026-06-15', 'Sagrado Corazón de Jesús'],
    ['2026-07-13', 'La virgen de Chiquinquirá'],
    ['2026-07-20', 'Día de la Independencia'],
    ['2026-08-07', 'Batalla de Boyacá'],
    ['2026-10-12', 'Día de la Raza'],
    ['2026-11-16', 'Independencia de Cartagena'],
    ['2026-12-08', 'La inmaculada concepción'],
    ['2026-12-25', 'Navidad'],
  ])('%s is closed: %s', (date, name) => {
    const r = evaluateHours(office, `${date}T10:00:00-05:00`);
    expect(r).toMatchObject({ open: false, reason: 'holiday', detail: name });
    expect(hoursBranch(r)).toBe('holiday');
  });

  it('the weekday before a moved holiday is a normal day, and the original date too', () => {
    expect(evaluateHours(office, '2026-03-19T10:00:00-05:00').open).toBe(true); // 19 Mar (San José's own date), a Thursday
    expect(evaluateHours(office, '2026-01-06T10:00:00-05:00').open).toBe(true); // 6 Jan, Reyes moved to the 12th
  });

  it('Palm Sunday / Easter (observances) do not count as holidays', () => {
    expect(evaluateHours(office, '2026-04-06T10:00:00-05:00').open).toBe(true); // Monday after Easter
  });

  it('the next change skips a holiday', () => {
    const fri = evaluateHours(office, '2026-03-21T14:00:00-05:00'); // Saturday after closing
    expect(fri.nextChange).toEqual({ at: '2026-03-24T08:00:00.000-05:00', open: true }); // Monday 23rd is San José
  });
});

describe('explicit dates and partial days', () => {
  it('Christmas Eve is a half day', () => {
    expect(evaluateHours(office, '2026-12-24T11:59:00-05:00')).toMatchObject({ open: true, reason: 'date', detail: 'Nochebuena (half day) 08:00-12:00' });
    expect(evaluateHours(office, '2026-12-24T12:00:00-05:00')).toMatchObject({ open: false, reason: 'date', detail: 'Nochebuena (half day)' });
  });
  it('a closed date closes a normal weekday', () => {
    expect(evaluateHours(office, '2026-11-27T10:00:00-05:00')).toMatchObject({ open: false, reason: 'date', detail: 'Company offsite' });
  });
});

describe('DST (America/New_York)', () => {
  const ny: Schedule = { id: 'ny', timezone: 'America/New_York', weekly: [{ days: ['sun'], from: '01:00', to: '04:00' }, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] };

  it('spring forward (Sun 8 Mar 2026, 02:00 → 03:00): wall-clock ranges still hold', () => {
    expect(evaluateHours(ny, '2026-03-08T06:30:00Z')).toMatchObject({ open: true, local: '2026-03-08T01:30:00.000-05:00' });
    expect(evaluateHours(ny, '2026-03-08T07:30:00Z')).toMatchObject({ open: true, local: '2026-03-08T03:30:00.000-04:00' });
    expect(evaluateHours(ny, '2026-03-08T08:00:00Z')).toMatchObject({ open: false, local: '2026-03-08T04:00:00.000-04:00' });
    // The range is 2 real hours long that night: it closes at 08:00Z, not 09:00Z.
    expect(evaluateHours(ny, '2026-03-08T06:30:00Z').nextChange).toEqual({ at: '2026-03-08T04:00:00.000-04:00', open: false });
    // Monday opens at 09:00 EDT = 13:00Z (it was 14:00Z the week before).
    expect(evaluateHours(ny, '2026-03-09T12:59:00Z').open).toBe(false);
    expect(evaluateHours(ny, '2026-03-09T13:00:00Z').open).toBe(true);
    expect(evaluateHours(ny, '2026-03-02T13:30:00Z').open).toBe(false);
  });

  it('fall back (Sun 1 Nov 2026, 02:00 → 01:00): the repeated hour is open both times', () => {
    expect(evaluateHours(ny, '2026-11-01T05:30:00Z')).toMatchObject({ open: true, local: '2026-11-01T01:30:00.000-04:00' });
    expect(evaluateHours(ny, '2026-11-01T06:30:00Z')).toMatchObject({ open: true, local: '2026-11-01T01:30:00.000-05:00' });
    expect(evaluateHours(ny, '2026-11-01T08:59:00Z')).toMatchObject({ open: true, local: '2026-11-01T03:59:00.000-05:00' });
    expect(evaluateHours(ny, '2026-11-01T09:00:00Z').open).toBe(false);
    // Monday 09:00 EST = 14:00Z.
    expect(evaluateHours(ny, '2026-11-02T13:59:00Z').open).toBe(false);
    expect(evaluateHours(ny, '2026-11-02T14:00:00Z').open).toBe(true);
    expect(evaluateHours(ny, '2026-10-30T13:00:00Z').open).toBe(true); // Friday before: 09:00 EDT
  });

  it('US holidays from the library (Thanksgiving 26 Nov 2026)', () => {
    expect(evaluateHours(schedules.nySales, '2026-11-26T15:00:00Z')).toMatchObject({ open: false, reason: 'holiday', detail: 'Thanksgiving Day' });
  });
});

describe('overrides', () => {
  const closedForDrill: HoursOverride = { scheduleId: 'office', state: 'closed', reason: 'fire drill', setBy: 'ana', setAt: '2026-03-02T14:00:00Z', expiresAt: '2026-03-02T16:00:00Z' };

  it('force closed wins while active; the next change is its expiry', () => {
    const r = evaluateHours(office, '2026-03-02T15:00:00Z', [closedForDrill]);
    expect(r).toMatchObject({ open: false, reason: 'override', detail: 'fire drill (set by ana)', nextChange: { at: '2026-03-02T11:00:00.000-05:00', open: true } });
    expect(hoursBranch(r)).toBe('overrideClosed');
  });
  it('is ignored before it was set and after it expires, and for other schedules', () => {
    expect(evaluateHours(office, '2026-03-02T13:59:00Z', [closedForDrill]).reason).toBe('weekly');
    expect(evaluateHours(office, '2026-03-02T16:00:00Z', [closedForDrill]).open).toBe(true);
    expect(evaluateHours(schedules.nightDesk, '2026-03-02T15:00:00Z', [closedForDrill]).reason).not.toBe('override');
  });
  it('force open on a holiday', () => {
    const open: HoursOverride = { scheduleId: 'office', state: 'open', reason: 'year-end campaign', setBy: 'luis', setAt: '2026-12-25T12:00:00Z', expiresAt: '2026-12-26T00:00:00Z' };
    const r = evaluateHours(office, '2026-12-25T15:00:00Z', [open]);
    expect(r).toMatchObject({ open: true, reason: 'override' });
    expect(hoursBranch(r)).toBe('overrideOpen');
  });
});

describe('until the next change', () => {
  it('is the next instant the schedule changes by itself', () => {
    expect(nextScheduleChange(office, '2026-03-02T10:00:00-05:00')?.toISOString()).toBe('2026-03-02T23:00:00.000Z'); // 18:00 Bogotá
    expect(nextScheduleChange(office, '2026-03-21T14:00:00-05:00')?.toISOString()).toBe('2026-03-24T13:00:00.000Z'); // skips San José
    expect(nextScheduleChange({ id: 'never', timezone: 'UTC', weekly: [] }, '2026-03-02T10:00:00Z')).toBeUndefined();
  });
});

describe('schedule validation', () => {
  it('reports every problem', () => {
    expect(validateSchedule({ id: 'x', timezone: 'Mars/Olympus', weekly: [{ days: ['mon', 'funday' as 'mon'], from: '8:00' as '08:00', to: '18:00' }], holidays: { country: 'XX' } })).toEqual([
      "schedule 'x': unknown time zone 'Mars/Olympus'",
      "schedule 'x': weekly[0] has unknown day 'funday'",
      `schedule 'x' weekly[0]: "8:00" is not a HH:mm time`,
      "schedule 'x': unknown holiday country/region 'XX'",
    ]);
  });
  it('the shipped schedules are valid', () => {
    for (const s of Object.values(schedules)) expect(validateSchedule(s)).toEqual([]);
  });
});
