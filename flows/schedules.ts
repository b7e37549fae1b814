// Business-hours schedules the flows' `hours` nodes refer to by id. Times are wall-clock in
// the schedule's zone. Precedence: override (CLI) → `dates` → holidays → `weekly`.
import { defineSchedule } from '../src/flow-dsl/index.ts';

export const schedules = {
  // Bogotá office: Monday–Friday 08:00–18:00, Saturday 09:00–13:00, closed on Colombian
  // public holidays (including the ones moved to Monday by the Ley Emiliani).
  office: defineSchedule({
    id: 'office',
    timezone: 'America/Bogota',
    weekly: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
      { days: ['sat'], from: '09:00', to: '13:00' },
    ],
    holidays: { country: 'CO' },
    dates: [
      { date: '2026-12-24', name: 'Nochebuena (half day)', open: [{ from: '08:00', to: '12:00' }] },
      { date: '2026-12-31', name: 'Fin de año (half day)', open: [{ from: '08:00', to: '12:00' }] },
      { date: '2026-11-27', name: 'Company offsite' },
    ],
  }),
  // A night desk that runs past midnight: Friday and Saturday 20:00 → 02:00 the next day.
  nightDesk: defineSchedule({
    id: 'nightDesk',
    timezone: 'America/Bogota',
    weekly: [{ days: ['fri', 'sat'], from: '20:00', to: '02:00' }],
  }),
  // New York sales line (DST applies): weekdays 09:00–17:00 Eastern.
  nySales: defineSchedule({
    id: 'nySales',
    timezone: 'America/New_York',
    weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
    holidays: { country: 'US' },
  }),
};
