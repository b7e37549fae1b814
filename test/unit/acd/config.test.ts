import { describe, expect, it } from 'vitest';
import { agentDirectory, defineQueues, QueueConfigError } from '../../../src/acd/queue-config.ts';

describe('queue configuration', () => {
  it('fills defaults and keeps ids', () => {
    const q = defineQueues({ ventas: { strategy: 'rrmemory', members: [{ id: '1001', endpoint: 'PJSIP/1001' }] } });
    expect(q.ventas).toMatchObject({ id: 'ventas', ringTimeoutSec: 15, retrySec: 5, wrapUpSec: 10, joinWhenEmpty: true, leaveWhenEmpty: false, mohClass: 'default', serviceLevelSec: 20, record: false });
    expect(q.ventas!.members[0]).toEqual({ id: '1001', endpoint: 'PJSIP/1001', penalty: 0, skills: [] });
  });

  it('lists every problem with its path and the stable code', () => {
    let err: unknown;
    try {
      defineQueues({
        Bad: { strategy: 'roundrobin' as never, members: [] },
        ok: { strategy: 'linear', members: [{ id: 'a', endpoint: '1001' }], exitKey: '12' },
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(QueueConfigError);
    const e = err as QueueConfigError;
    expect(e.code).toBe('ACD_CONFIG_INVALID');
    expect(e.problems.length).toBeGreaterThanOrEqual(4);
    expect(e.message).toMatch(/Bad/);
    expect(e.message).toMatch(/ok\.members\.0\.endpoint/);
    expect(e.message).toMatch(/ok\.exitKey/);
  });

  it('rejects cross-field mistakes: duplicate members, one agent with two phones, max wait < ring timeout', () => {
    expect(() => defineQueues({
      a: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/1' }, { id: 'x', endpoint: 'PJSIP/1' }] },
    })).toThrow(/listed twice/);
    expect(() => defineQueues({
      a: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/1' }] },
      b: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/2' }] },
    })).toThrow(/PJSIP\/2 here but PJSIP\/1/);
    expect(() => defineQueues({ a: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/1' }], maxWaitSec: 5, ringTimeoutSec: 15 } })).toThrow(/shorter than ringTimeoutSec/);
    expect(() => defineQueues({ a: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/1' }], exitTarget: 'voicemail' } })).toThrow(/exitKey/);
  });

  it('agent directory: one entry per agent with all its queues', () => {
    const d = agentDirectory(defineQueues({
      a: { strategy: 'linear', members: [{ id: 'x', name: 'Xime', endpoint: 'PJSIP/1' }] },
      b: { strategy: 'linear', members: [{ id: 'x', endpoint: 'PJSIP/1' }, { id: 'y', endpoint: 'PJSIP/2' }] },
    }));
    expect([...d.values()]).toEqual([
      { id: 'x', name: 'Xime', endpoint: 'PJSIP/1', queues: ['a', 'b'] },
      { id: 'y', name: undefined, endpoint: 'PJSIP/2', queues: ['b'] },
    ]);
  });
});
