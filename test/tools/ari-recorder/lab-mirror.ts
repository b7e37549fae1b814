// What the simulator needs to stand in for the recorder's lab: the lab's dialplan
// (/work/shared/asterisk-lab/conf/extensions.conf, context lab-in) plus the recorder's own
// (lab/extensions_rec.conf, context rec) in the simulator's terms, its PJSIP endpoints, and the
// channel variables ari.conf lists. Embedded in every trace, so the replay needs nothing else.
import type { Dialplan, DialplanStep } from '../../../src/sim/types.ts';

const dialThenReport = (ep: string): DialplanStep[] => [
  { app: 'Dial', endpoint: `PJSIP/${ep}`, timeoutSec: 8 },
  { app: 'Stasis', appName: 'rec-app', args: ['after-dial', '${DIALSTATUS}', '${HANGUPCAUSE}'] },
  { app: 'Hangup' },
];

export const LAB_DIALPLAN: Dialplan = {
  'lab-in': {
    '100': [{ app: 'NoOp', text: 'inbound to Stasis lab-app' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound'] }, { app: 'NoOp', text: 'Stasis returned STASISSTATUS=${STASISSTATUS}' }, { app: 'Hangup' }],
    '101': [{ app: 'Answer' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound-answered'] }, { app: 'Hangup' }],
    '200': [{ app: 'Answer' }, { app: 'Wait', seconds: 30 }, { app: 'Hangup' }],
    '300': [{ app: 'Busy' }],
    '301': [{ app: 'Congestion' }],
    '400': [{ app: 'Ringing' }, { app: 'Wait', seconds: 60 }, { app: 'Hangup' }],
    '600': [{ app: 'Answer' }, { app: 'Playback', sound: 'hello-world' }, { app: 'Hangup' }],
    '700': [{ app: 'Answer' }, { app: 'Hangup', cause: 16 }],
    '1000': [{ app: 'Dial', endpoint: 'PJSIP/1000', timeoutSec: 30 }, { app: 'Hangup' }],
    '1001': [{ app: 'Dial', endpoint: 'PJSIP/1001', timeoutSec: 30 }, { app: 'Hangup' }],
  },
  rec: {
    answer: [{ app: 'Answer' }, { app: 'Wait', seconds: 60 }, { app: 'Hangup' }],
    ring: [{ app: 'Ringing' }, { app: 'Wait', seconds: 60 }, { app: 'Hangup' }],
    stasis: [{ app: 'Stasis', appName: 'rec-app', args: ['inbound'] }, { app: 'Hangup' }],
    dial1000: dialThenReport('1000'),
    dial1001: dialThenReport('1001'),
    dial1002: dialThenReport('1002'),
  },
};

/** pjsip.conf of the lab plus lab/pjsip_rec.conf, in the order Asterisk lists them (its hash order, as traced). */
export const LAB_ENDPOINTS = [
  { technology: 'PJSIP', resource: '2000', context: 'rec', dynamic: true },
  { technology: 'PJSIP', resource: '1000', context: 'lab-in' },
  { technology: 'PJSIP', resource: '1001', context: 'lab-in' },
  { technology: 'PJSIP', resource: '1002', context: 'rec' },
  { technology: 'PJSIP', resource: 'sipp', context: 'lab-in' },
];

/** ari.conf [general] channelvars on the recorder's lab. */
export const LAB_CHANNELVARS = ['REC_VAR', 'CENTRALITA_PHONE'];

export const LAB_SOUNDS = { 'hello-world': 2560, 'long-prompt': 14800, 'lab-digits': 1045, beep: 300 };

export function labSim(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dialplan: LAB_DIALPLAN, endpoints: LAB_ENDPOINTS, channelvars: LAB_CHANNELVARS, sounds: LAB_SOUNDS, ...extra };
}
