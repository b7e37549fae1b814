// The scenarios' queues: every queue the shipped flows use (so a queue ops add keeps working
// here), served by the scenarios' own phones (sipp on the lab, simulated phones on the
// simulator) with short timers. MOH class from the PBX driver: the lab's `default` class is
// empty on purpose, `lab` has sound.
import { defineQueues, type QueueInput } from '../../../src/acd/queue-config.ts';
import { queues as shipped } from '../../../flows/queues.ts';

const agent1 = { id: 'agent1', name: 'Agente Uno', endpoint: 'PJSIP/ct-agent1' };
const agent2 = { id: 'agent2', name: 'Agente Dos', endpoint: 'PJSIP/ct-agent2' };
const mohClass = globalThis.process?.env.CT_MOH_CLASS ?? 'default';
const common: Partial<QueueInput> = { strategy: 'linear', ringTimeoutSec: 6, retrySec: 1, wrapUpSec: 0, maxWaitSec: 60, joinWhenEmpty: true, leaveWhenEmpty: false, mohClass, exitKey: '0', serviceLevelSec: 20, record: false };

const scenarioQueues: Record<string, QueueInput> = {};
for (const [id, q] of Object.entries(shipped)) {
  scenarioQueues[id] = { ...common, name: q.name, members: id === 'support' ? [agent2, agent1] : [agent1, agent2] } as QueueInput;
}
// sales: what the ACD scenarios look at (announcements every 10 s, the bridge recorded).
scenarioQueues.sales = { ...scenarioQueues.sales!, maxWaitSec: 90, announce: { frequencySec: 10, position: true, estimatedWait: false }, record: true };

export const queues = defineQueues(scenarioQueues);
export default queues;
