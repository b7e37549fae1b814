// GET /api/wallboard: everything the supervisor's screen shows, filtered and masked for the
// signed-in viewer, with the live-channel id it reflects (the stream resumes after it).
import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Viewer } from '../live/policy.ts';
import type { Wallboard } from './service.ts';

export function registerWallboardRoutes(app: FastifyInstance, d: { wallboard: Wallboard; viewerOf: (req: FastifyRequest) => Viewer | undefined; routeOptions?: RouteShorthandOptions }): void {
  app.get('/api/wallboard', d.routeOptions ?? {}, async (req, reply) => {
    const viewer = d.viewerOf(req);
    if (!viewer) return reply.code(401).send({ error: 'UNAUTHENTICATED', message: 'sign in first' });
    const agent = (req.query as { agent?: unknown } | undefined)?.agent;
    if (agent !== undefined && (typeof agent !== 'string' || agent.length > 64)) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'agent: an agent id' });
    return reply.header('cache-control', 'no-store').send(await d.wallboard.snapshot(viewer, agent ? { agent } : {}));
  });
}
