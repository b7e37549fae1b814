// The registry: every flow the Stasis app may run, explicitly. A flow file that is not
// listed here is never loaded. Keys are flow ids (they must match the file's `id`).
import { defineRegistry } from '../src/flow-dsl/index.ts';

export default defineRegistry({
  flows: {
    main: './main.flow.ts',
    campaign: './campaign.flow.ts',
  },
  // Inbound routes in FreePBX send these DIDs to Stasis(centralita); EXTEN picks the flow.
  dids: {
    '6015550100': 'main',
    '+576015550100': 'main',
  },
  schedules: './schedules.ts',
  lookups: './lookups/index.ts',
  queues: './queues.ts',
});
