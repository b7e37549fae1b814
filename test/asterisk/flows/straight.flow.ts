// Straight into the sales queue; 0 leaves it for voicemail; after the conversation, goodbye.
import { defineFlow, hangup, queue, voicemail } from '../../../src/flow-dsl/index.ts';

export default defineFlow({
  id: 'straight',
  language: 'es',
  start: 'sales',
  nodes: {
    sales: queue({ queue: 'sales', timeout: 'message', noAgents: 'message', exitKey: 'message', answered: 'goodbye' }),
    message: voicemail({ prompt: 'leave-message', maxSeconds: 30, mailbox: 'sales', next: 'goodbye' }),
    goodbye: hangup('goodbye'),
  },
});
