import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLiveHub, type LiveHub } from '../../../src/live/hub.ts';
import { createLivePolicy } from '../../../src/live/policy.ts';
import { registerLiveRoute } from '../../../src/live/sse.ts';
import { waitFor } from '../../helpers/wait.ts';

// GET /api/live over a real socket: frames with ids, a reconnect with Last-Event-ID gets what
// was published while it was away, and the per-identity stream cap.
describe('live channel (SSE)', () => {
  let app: FastifyInstance;
  let url: string;
  let hub: LiveHub;

  beforeAll(async () => {
    hub = createLiveHub({ policy: createLivePolicy({ seesNumbers: () => true, agentQueues: () => [] }), mask: (x) => x, epoch: 'sse' });
    app = Fastify();
    registerLiveRoute(app, {
      hub, maxStreamsPerIdentity: 2, heartbeatMs: 200,
      viewerOf: (req) => (req.headers['x-user'] ? { kind: 'user', id: String(req.headers['x-user']), roles: ['admin'] } : undefined),
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => { await app.close(); });

  function open(user: string, headers: Record<string, string> = {}, query = '') {
    const ac = new AbortController();
    const frames: string[] = [];
    const res = fetch(`${url}/api/live${query}`, { headers: { 'x-user': user, ...headers }, signal: ac.signal }).then(async (r) => {
      if (r.status !== 200) return r;
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) { frames.push(buf.slice(0, i)); buf = buf.slice(i + 2); }
      }
      return r;
    });
    const ids = () => frames.map((f) => /^id: (.*)$/m.exec(f)?.[1]).filter(Boolean);
    return { res, frames, ids, close: () => ac.abort() };
  }
  const msg = (n: number) => ({ type: 'log' as const, data: { id: n, at: n, kind: 'queue.join' as const, p: {} } });

  it('streams messages with ids and resumes after a dropped connection without losing one', async () => {
    const a = open('ana');
    await waitFor(() => hub.stats().subscribers === 1, 5000, 'subscribed');
    hub.publish(msg(1), { totals: true });
    hub.publish(msg(2), { totals: true });
    await waitFor(() => a.ids().length === 2, 5000, 'two frames');
    a.close(); // the network blips
    await waitFor(() => hub.stats().subscribers === 0, 5000, 'gone');
    hub.publish(msg(3), { totals: true });
    hub.publish(msg(4), { totals: true });
    // The browser's EventSource sends the last id it saw.
    const b = open('ana', { 'last-event-id': 'sse.2' }, '?since=sse.0');
    await waitFor(() => b.ids().length === 2, 5000, 'replayed frames');
    expect(b.ids()).toEqual(['sse.3', 'sse.4']);
    hub.publish(msg(5), { totals: true });
    await waitFor(() => b.ids().length === 3, 5000, 'live again');
    expect(b.frames.some((f) => f.startsWith('event: ping'))).toBe(false);
    await waitFor(() => b.frames.some((f) => f.includes('event: ping')), 5000, 'heartbeat event');
    b.close();
  });

  it('refuses more streams per identity than allowed, and anyone not signed in', async () => {
    const x = [open('bruno'), open('bruno')];
    await waitFor(() => hub.stats().subscribers >= 2, 5000, 'two streams');
    const third = await open('bruno').res;
    expect(third.status).toBe(503);
    expect(await third.json()).toMatchObject({ error: 'SSE_LIMIT' });
    expect((await fetch(`${url}/api/live`)).status).toBe(401);
    for (const s of x) s.close();
  });
});
