// A dial node's bridge is talk time in the call record (issue 12: talk = bridged time only).
import { expect, it } from 'vitest';
import { defineFlow, dial, hangup } from '../../../src/flow-dsl/index.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const desk = defineFlow({
  id: 'desk',
  language: 'es',
  start: 'desk',
  nodes: {
    desk: dial({ endpoint: 'PJSIP/1001', timeoutSec: 20, answered: 'bye', noAnswer: 'bye' }),
    bye: hangup('bye'),
  },
});

it('reports the seconds the dialled party was bridged as the flow output talkSeconds', async () => {
  const call = await dialFlow(desk, { at: '2026-03-02T10:00:00-05:00' }, { dial: { 'PJSIP/1001': { answerAfterSec: 4, talkSec: 45 } } });
  const out = await call.finish();
  expect(out.talkSeconds).toBe(45);
  const unanswered = await dialFlow(desk, { at: '2026-03-02T10:00:00-05:00' }, {});
  expect((await unanswered.finish()).talkSeconds ?? 0).toBe(0);
});
