// ACD queues the flows' `queue` nodes refer to by id. Ops edit this file; `flows check`
// and start-up validate it (every problem listed with its path). Agents are identified by
// id; the same agent may serve several queues (same endpoint everywhere) and is never
// offered two calls at once. See docs/queues.md for every option.
import { defineQueues } from '../src/acd/queue-config.ts';

const ana = { id: 'ana', name: 'Ana Gómez', endpoint: 'PJSIP/1001' };
const bruno = { id: 'bruno', name: 'Bruno Díaz', endpoint: 'PJSIP/1002' };
const carla = { id: 'carla', name: 'Carla Ruiz', endpoint: 'PJSIP/1003' };
const diego = { id: 'diego', name: 'Diego Mora', endpoint: 'PJSIP/1004' };
const elena = { id: 'elena', name: 'Elena Paz', endpoint: 'PJSIP/1005' };

export const queues = defineQueues({
  sales: {
    name: 'Ventas',
    // Spread the calls evenly; Elena (support) helps only when sales is saturated.
    strategy: 'rrmemory',
    members: [ana, bruno, carla, { ...elena, penalty: 2 }],
    ringTimeoutSec: 15,
    retrySec: 3,
    wrapUpSec: 15,
    maxWaitSec: 300, // then the flow's `timeout` target (voicemail / callback)
    maxCallers: 30,
    joinWhenEmpty: false,
    leaveWhenEmpty: true,
    mohClass: 'default',
    announce: { frequencySec: 45, position: true, estimatedWait: true },
    exitKey: '0',
    exitTarget: 'voicemail',
    serviceLevelSec: 20,
    shortAbandonSec: 5,
    record: true,
  },
  support: {
    name: 'Soporte',
    strategy: 'leastrecent',
    members: [diego, elena, { ...carla, penalty: 1 }],
    ringTimeoutSec: 20,
    retrySec: 5,
    wrapUpSec: 30,
    maxWaitSec: 600,
    joinWhenEmpty: true,
    leaveWhenEmpty: false,
    announce: { frequencySec: 60, position: true, estimatedWait: true },
    exitKey: '0',
    exitTarget: 'callback',
    serviceLevelSec: 30,
  },
  billing: {
    name: 'Facturación',
    strategy: 'ringall',
    members: [bruno, diego],
    ringTimeoutSec: 20,
    wrapUpSec: 10,
    maxWaitSec: 240,
    announce: { frequencySec: 60, position: false, estimatedWait: true },
    exitKey: '0',
    exitTarget: 'voicemail',
    serviceLevelSec: 30,
  },
});

export default queues;
