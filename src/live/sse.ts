// GET /api/live: the one live channel of the web app, as Server-Sent Events. Resumable: the
// browser's EventSource sends Last-Event-ID when it reconnects (or `?since=` on a fresh
// connection) and gets what it missed. Capped: streams in all and per identity (503
// SSE_LIMIT), and bytes queued per client (the hub cuts a client that falls too far behind).
import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { LiveHub } from './hub.ts';
import type { Viewer } from './policy.ts';

export interface LiveRouteDeps {
  hub: LiveHub;
  viewerOf: (req: FastifyRequest) => Viewer | undefined;
  /** Route options (access declaration) added by the composition root. */
  routeOptions?: RouteShorthandOptions;
  maxStreams?: number;
  maxStreamsPerIdentity?: number;
  heartbeatMs?: number;
}

export function registerLiveRoute(app: FastifyInstance, d: LiveRouteDeps): { open(): number } {
  const maxStreams = d.maxStreams ?? 200;
  const perIdentity = d.maxStreamsPerIdentity ?? 5;
  const heartbeatMs = d.heartbeatMs ?? 15_000;
  const perWho = new Map<string, number>();
  let open = 0;

  app.get('/api/live', d.routeOptions ?? {}, (req, reply) => {
    const who0 = d.viewerOf(req);
    if (!who0) return reply.code(401).send({ error: 'UNAUTHENTICATED', message: 'sign in first' });
    const focus = (req.query as { agent?: unknown } | undefined)?.agent;
    if (focus !== undefined && (typeof focus !== 'string' || focus.length > 64)) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'agent: an agent id' });
    const viewer = focus ? { ...who0, focusAgent: focus } : who0;
    const who = `${viewer.kind ?? 'user'}:${viewer.id ?? 'anonymous'}`;
    if (open >= maxStreams || (perWho.get(who) ?? 0) >= perIdentity)
      return reply.code(503).header('retry-after', '10').send({ error: 'SSE_LIMIT', message: `too many live streams (at most ${maxStreams}, ${perIdentity} per identity)` });
    const header = req.headers['last-event-id'];
    const q = (req.query ?? {}) as { since?: unknown };
    const since = (Array.isArray(header) ? header[0] : header) ?? (typeof q.since === 'string' ? q.since : undefined);
    if (since !== undefined && since.length > 64) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'Last-Event-ID is too long' });

    open += 1;
    perWho.set(who, (perWho.get(who) ?? 0) + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // retry: how soon the browser reconnects after a drop.
    res.write('retry: 1000\n: connected\n\n');
    let closed = false;
    const sub = d.hub.subscribe(viewer, since, {
      write: (frame) => res.write(frame),
      queuedBytes: () => res.writableLength,
      close: () => done(),
    });
    // An event, not a comment: the page's watchdog sees it (no id: resuming is unaffected).
    const ping = setInterval(() => { res.write('event: ping\ndata: {}\n\n'); }, heartbeatMs);
    function done() {
      if (closed) return;
      closed = true;
      open -= 1;
      const n = (perWho.get(who) ?? 1) - 1;
      if (n > 0) perWho.set(who, n); else perWho.delete(who);
      clearInterval(ping);
      sub.close();
      if (!res.writableEnded) res.end();
    }
    req.raw.on('close', done);
    res.on('error', done);
  });
  return { open: () => open };
}
