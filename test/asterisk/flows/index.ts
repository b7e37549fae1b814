// The flows the real-Asterisk scenarios run: the shipped main and campaign flows as they are,
// plus two small flows for what the shipped ones do not reach directly (a hand-off to the
// dialplan; a caller put straight into a queue), with queues of the scenarios' own phones.
import { defineRegistry } from '../../../src/flow-dsl/index.ts';

export default defineRegistry({
  flows: {
    main: './main.flow.ts',
    campaign: './campaign.flow.ts',
    handoff: './handoff.flow.ts',
    straight: './straight.flow.ts',
  },
  dids: {
    '6015550100': 'main',
    '6015550200': 'handoff',
    '6015550300': 'straight',
  },
  schedules: './schedules.ts',
  lookups: './lookups.ts',
  queues: './queues.ts',
});
