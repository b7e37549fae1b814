// Logins and pauses survive a restart of the app: a second ACD over the same Redis finds
// who was logged in and paused (and why). Real redis-server from the global setup.
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { createAcd } from '../../../src/acd/acd.ts';
import { redisAgentStore } from '../../../src/acd/agent-store.ts';
import { virtualClock } from '../../../src/acd/clock.ts';
import { defineQueues } from '../../../src/acd/queue-config.ts';
import { createAcdFakeTelephony } from '../../fakes/acd-fake-telephony.ts';

const prefix = `test-acd-store-${process.pid}`;
const redis = new Redis(inject('redisUrl'), { lazyConnect: false, maxRetriesPerRequest: 2 });
afterAll(async () => { await redis.quit(); });

const queues = defineQueues({
  ventas: { strategy: 'linear', members: [{ id: 'a1', endpoint: 'PJSIP/a1' }, { id: 'a2', endpoint: 'PJSIP/a2' }, { id: 'a3', endpoint: 'PJSIP/a3' }] },
});

async function boot(storePrefix: string, corrupt: string[] = []) {
  const clock = virtualClock();
  const acd = createAcd({ telephony: createAcdFakeTelephony(clock), queues, clock, store: redisAgentStore(redis, storePrefix, { onCorrupt: (id) => corrupt.push(id) }) });
  await acd.start();
  return { acd, clock };
}

describe('agent state in Redis', () => {
  it('a restarted ACD keeps who is logged in and paused, with the reason', async () => {
    const p = `${prefix}-restart`;
    const first = await boot(p);
    await first.acd.login('a1');
    await first.acd.login('a2');
    await first.acd.pause('a2', 'lunch');
    await first.acd.login('a3');
    await first.acd.logout('a3');
    await first.clock.settle();
    await first.acd.stop();

    const second = await boot(p);
    const view = Object.fromEntries(second.acd.agents().map((a) => [a.id, a]));
    expect(view.a1!.state).toBe('available');
    expect(view.a2).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    expect(view.a3!.state).toBe('loggedOut');
    await second.acd.stop();
  });

  it('corrupt or unknown entries are reported, not fatal', async () => {
    const p = `${prefix}-corrupt`;
    await redis.hset(`${p}:acd:agents`, 'a1', '{not json', 'a2', JSON.stringify({ loggedIn: 'yes' }), 'ghost', JSON.stringify({ loggedIn: true, paused: false, updatedAt: 1 }));
    const corrupt: string[] = [];
    const { acd } = await boot(p, corrupt);
    expect(corrupt.sort()).toEqual(['a1', 'a2']);
    expect(acd.counters.storeUnknownAgents).toBe(1);
    expect(acd.agents().every((a) => a.state === 'loggedOut')).toBe(true);
    // The bad entries are kept for inspection until the agent's state is saved again.
    expect(await redis.hget(`${p}:acd:agents`, 'a1')).toBe('{not json');
    await acd.stop();
  });
});
