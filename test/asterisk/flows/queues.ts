// The scenarios' queues: the ids the shipped flows use, served by the scenarios' own phones
// (sipp on the lab, simulated phones on the simulator). MOH class from the PBX driver: the
// lab's `default` class is empty on purpose, `lab` has sound.
import { defineQueues } from '../../../src/acd/queue-config.ts';

const agent1 = { id: 'agent1', name: 'Agente Uno', endpoint: 'PJSIP/ct-agent1' };
const agent2 = { id: 'agent2', name: 'Agente Dos', endpoint: 'PJSIP/ct-agent2' };
const mohClass = globalThis.process?.env.CT_MOH_CLASS ?? 'default';
const common = { ringTimeoutSec: 6, retrySec: 1, wrapUpSec: 0, joinWhenEmpty: true, leaveWhenEmpty: false, mohClass, exitKey: '0', serviceLevelSec: 20 } as const;

export const queues = defineQueues({
  sales: { ...common, name: 'Ventas', strategy: 'linear', members: [agent1, agent2], maxWaitSec: 90, announce: { frequencySec: 10, position: true, estimatedWait: false }, record: true },
  support: { ...common, name: 'Soporte', strategy: 'linear', members: [agent2, agent1], maxWaitSec: 60 },
  billing: { ...common, name: 'Facturación', strategy: 'linear', members: [agent1, agent2], maxWaitSec: 60 },
});

export default queues;
