// Agent console and wallboard settings. Ops edit this file; start-up and `flows check`
// validate it. Pause reasons are what an agent picks when pausing; dispositions are the
// wrap-up codes that go onto the HubSpot call (with the agent's notes); thresholds colour the
// wallboard (warn = amber, bad = red). See docs/web.md.
import { defineConsole } from '../src/console/settings.ts';

export const consoleSettings = defineConsole({
  pauseReasons: [
    { id: 'break', label: { es: 'Descanso', en: 'Break' } },
    { id: 'lunch', label: { es: 'Almuerzo', en: 'Lunch' } },
    { id: 'training', label: { es: 'Capacitación', en: 'Training' } },
    { id: 'back-office', label: { es: 'Trabajo administrativo', en: 'Back office' } },
    { id: 'meeting', label: { es: 'Reunión', en: 'Meeting' } },
  ],
  dispositions: [
    { id: 'resolved', label: { es: 'Resuelto', en: 'Resolved' } },
    { id: 'follow-up', label: { es: 'Requiere seguimiento', en: 'Follow-up needed' } },
    { id: 'sale', label: { es: 'Venta', en: 'Sale' } },
    { id: 'complaint', label: { es: 'Queja', en: 'Complaint' } },
    { id: 'wrong-number', label: { es: 'Número equivocado', en: 'Wrong number' } },
  ],
  wrapUp: { requireDisposition: true, holdHubspotSec: 120, maxNotes: 2000 },
  thresholds: {
    serviceLevelPct: { warn: 80, bad: 70 },
    longestWaitSec: { warn: 30, bad: 60 },
    waiting: { warn: 3, bad: 6 },
  },
  queueThresholds: {
    support: { longestWaitSec: { warn: 45, bad: 90 } },
  },
});

export default consoleSettings;
