// Conformance of the simulated PBX with recordings of a real Asterisk 22.10.1:
//  - ../shared/ari-traces: the first recordings (lab README there), compared on ids, names,
//    states and the event fields that matter;
//  - test/fixtures/ari-traces: recorded by test/tools/ari-recorder from the lab, each with the
//    simulator setup it needs; compared in full: snapshots' caller, connected, dialplan and
//    channelvars too, and the orderings across subjects Asterisk guarantees.
// Each trace's REST requests are replayed in order against a simulator on a virtual clock
// (engine.ts); what is compared and what is left out, and why: compare.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Dialplan } from '../../../src/sim/index.ts';
import { replay, type SimSetup } from './replay/engine.ts';

const SHARED_DIR = fileURLToPath(new URL('../../../../shared/ari-traces/', import.meta.url));
const OWN_DIR = fileURLToPath(new URL('../../fixtures/ari-traces/', import.meta.url));
const NOT_SCENARIOS = new Set(['resources.json', 'event-samples.json', 'error-responses.json']);
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && !NOT_SCENARIOS.has(f)).sort() : []);
const sharedFiles = list(SHARED_DIR);
const ownFiles = list(OWN_DIR);

// The lab dialplan of the shared traces, as their README describes it.
const SHARED_DIALPLAN: Dialplan = {
  'lab-in': {
    '100': [{ app: 'NoOp', text: 'inbound to Stasis lab-app' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound'] }],
    '101': [{ app: 'Answer' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound-answered'] }],
    '200': [{ app: 'Answer' }, { app: 'Wait', seconds: 30 }],
    '201': [{ app: 'Answer' }, { app: 'Echo' }],
    '300': [{ app: 'Busy' }],
    '301': [{ app: 'Congestion' }],
    '400': [{ app: 'Ringing' }, { app: 'Wait', seconds: 60 }],
    '500': [{ app: 'Answer' }, { app: 'Wait', seconds: 1 }, { app: 'SendDTMF', digits: '1234#', gapMs: 250, durationMs: 150 }, { app: 'Wait', seconds: Infinity }],
    '600': [{ app: 'Answer' }, { app: 'Playback', sound: 'hello-world' }, { app: 'Hangup' }],
    '700': [{ app: 'Answer' }, { app: 'Hangup' }],
  },
};
const SHARED_SETUP: SimSetup = {
  dialplan: SHARED_DIALPLAN,
  // Lengths of the lab's generated files as measured in the traces (README rounds them).
  sounds: { 'hello-world': 2560, 'long-prompt': 14800, 'lab-digits': 1045, beep: 300 },
  endpoints: [{ technology: 'PJSIP', resource: '1000' }, { technology: 'PJSIP', resource: '1001' }, { technology: 'PJSIP', resource: 'sipp' }],
};

function expectReproduced(r: Awaited<ReturnType<typeof replay>>): void {
  expect(r.requests + r.events).toBeGreaterThan(0);
  const all = [...r.restMismatches, ...r.eventMismatches, ...r.orderMismatches.map((o) => `order: ${o}`)];
  expect(all, all.join('\n')).toEqual([]);
  expect(r.internalErrors).toBe(0);
}

describe.skipIf(sharedFiles.length === 0)('trace conformance with a real Asterisk 22 (../shared/ari-traces)', () => {
  it('finds the traces', () => {
    expect(sharedFiles.length).toBeGreaterThan(10);
  });
  for (const file of sharedFiles) it(`replays ${file}`, async () => expectReproduced(await replay(join(SHARED_DIR, file), SHARED_SETUP, 'basic')));
});

describe.runIf(sharedFiles.length === 0)('trace conformance (shared)', () => {
  it.skip(`skipped: no traces at ${SHARED_DIR} (the replay needs ../shared/ari-traces next to the repo)`, () => undefined);
});

describe('trace conformance with a real Asterisk 22 (test/fixtures/ari-traces, recorded by test/tools/ari-recorder)', () => {
  it('finds the traces', () => {
    expect(ownFiles.length).toBeGreaterThanOrEqual(20);
  });
  for (const file of ownFiles) {
    it(`replays ${file}`, async () => {
      const path = join(OWN_DIR, file);
      const sim = (JSON.parse(readFileSync(path, 'utf8')) as { sim: SimSetup }).sim;
      expectReproduced(await replay(path, sim, 'full'));
    });
  }
});
