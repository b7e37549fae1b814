// The ACD HTTP API on a real Fastify instance (inject, no port): stats JSON, agent actions,
// errors with stable codes; and the Prometheus gauges.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { registerAcdRoutes } from '../../../src/acd/http.ts';
import { registerAcdMetrics } from '../../../src/acd/metrics.ts';
import { harness } from '../../e2e/acd/harness.ts';

let app: FastifyInstance | undefined;
afterEach(async () => { await app?.close(); app = undefined; });

async function setup() {
  const h = await harness({ ventas: { strategy: 'ringall', members: [{ id: 'a1', name: 'Ana', endpoint: 'PJSIP/a1' }, { id: 'a2', endpoint: 'PJSIP/a2' }], wrapUpSec: 0 } });
  h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000, talkMs: 20_000 });
  app = Fastify();
  registerAcdRoutes(app, h.acd);
  await app.ready();
  return { h, app };
}

describe('ACD HTTP API', () => {
  it('login, pause with reason, unpause, logout; GET /api/agents reflects them', async () => {
    const { app } = await setup();
    expect((await app.inject({ method: 'POST', url: '/api/agents/a1/login' })).json()).toMatchObject({ id: 'a1', state: 'available' });
    const paused = await app.inject({ method: 'POST', url: '/api/agents/a1/pause', payload: { reason: 'lunch' } });
    expect(paused.json()).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    const list = (await app.inject({ method: 'GET', url: '/api/agents' })).json() as { agents: { agentId: string; state: string; pauseReason?: string; name?: string }[] };
    expect(list.agents.find((a) => a.agentId === 'a1')).toMatchObject({ state: 'paused', pauseReason: 'lunch', name: 'Ana' });
    expect((await app.inject({ method: 'POST', url: '/api/agents/a1/unpause' })).json()).toMatchObject({ state: 'available' });
    expect((await app.inject({ method: 'POST', url: '/api/agents/a1/logout' })).json()).toMatchObject({ state: 'loggedOut' });
  });

  it('errors: unknown agent 404, pause while logged out 409, bad body/query 400 — all with codes', async () => {
    const { app } = await setup();
    const unknown = await app.inject({ method: 'POST', url: '/api/agents/nobody/login' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'ACD_UNKNOWN_AGENT' });
    const loggedOut = await app.inject({ method: 'POST', url: '/api/agents/a2/pause', payload: { reason: 'x' } });
    expect(loggedOut.statusCode).toBe(409);
    expect(loggedOut.json()).toMatchObject({ error: 'ACD_AGENT_LOGGED_OUT' });
    const badBody = await app.inject({ method: 'POST', url: '/api/agents/a1/pause', payload: { reason: 5 } });
    expect(badBody.statusCode).toBe(400);
    const badQuery = await app.inject({ method: 'GET', url: '/api/queues?windowSec=-3' });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json()).toMatchObject({ error: 'BAD_REQUEST' });
    expect((await app.inject({ method: 'GET', url: '/api/queues/nope' })).statusCode).toBe(404);
  });

  it('GET /api/queues returns live and windowed stats; metrics expose the same numbers', async () => {
    const { h, app } = await setup();
    await h.acd.login('a1');
    h.call('ventas');
    const waiting = h.call('ventas');
    await h.run(2000);
    const live = (await app.inject({ method: 'GET', url: '/api/queues' })).json() as { queues: Record<string, unknown>[] };
    expect(live.queues[0]).toMatchObject({ queueId: 'ventas', offered: 2, answered: 1, waitingNow: 1, longestWaitSec: 2, strategy: 'ringall', members: 2, staffed: 1 });
    const one = (await app.inject({ method: 'GET', url: '/api/queues/ventas?windowSec=60' })).json();
    expect(one).toMatchObject({ windowSec: 60, offered: 2 });
    const registry = new Registry();
    registerAcdMetrics(registry, h.acd);
    const text = await registry.metrics();
    expect(text).toContain('centralita_acd_queue_waiting{queue="ventas"} 1');
    expect(text).toContain('centralita_acd_queue_calls_window{queue="ventas",result="answered"} 1');
    expect(text).toContain('centralita_acd_agents{state="onCall"} 1');
    h.tel.callerHangup(waiting.channelId);
  });
});
