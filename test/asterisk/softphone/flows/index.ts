// The lab softphone scenario's flows: the scenarios' straight-to-queue flow on 6015550300, whose
// sales queue is served by one agent on the browser softphone (PJSIP/agent-lab, lab-setup.sh).
import { defineRegistry } from '../../../../src/flow-dsl/index.ts';

export default defineRegistry({
  flows: { straight: './straight.flow.ts' },
  dids: { '6015550300': 'straight' },
  schedules: '../../flows/schedules.ts',
  lookups: '../../flows/lookups.ts',
  queues: './queues.ts',
});
