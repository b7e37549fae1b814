// One queue, sales, served by the lab's WebRTC agent; the conversation's bridge is recorded so
// the test can hear the agent's (Chromium's fake microphone) audio at Asterisk's side.
import { defineQueues } from '../../../../src/acd/queue-config.ts';

export const queues = defineQueues({
  sales: {
    name: 'Ventas', strategy: 'linear', ringTimeoutSec: 30, retrySec: 1, wrapUpSec: 0, maxWaitSec: 90, joinWhenEmpty: true, leaveWhenEmpty: false,
    mohClass: 'lab', exitKey: '0', serviceLevelSec: 20, record: true,
    members: [{ id: 'lab', name: 'Lab Agent', endpoint: 'PJSIP/agent-lab' }],
  },
});
export default queues;
