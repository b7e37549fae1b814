// Click-to-call's state and hang-up, for the agent console and the HubSpot calling extension
// (which reports ringing / answered / ended to HubSpot from these states): GET the call, POST
// its hangup. Same agent rule as the other console routes (an agent acts on themselves).
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import type { ClickToCall } from './click-to-call.ts';

export interface ClickToCallRoutesDeps {
  c2c: Pick<ClickToCall, 'status' | 'hangup'>;
  routeOptions: (route: 'status' | 'hangup') => RouteShorthandOptions;
}

const params = z.object({ agentId: z.string().min(1).max(64), id: z.string().regex(/^[0-9a-f-]{1,36}$/, 'a click-to-call id') }).strict();

export function registerClickToCallRoutes(app: FastifyInstance, d: ClickToCallRoutesDeps): void {
  const parse = (raw: unknown) => params.safeParse(raw);
  const bad = (issues: z.core.$ZodIssue[]) => ({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const unknown = (id: string, agentId: string) => ({ error: 'CLICK_TO_CALL_UNKNOWN', message: `no click-to-call ${id} of ${agentId} (live or ended recently)` });

  app.get('/api/console/:agentId/calls/:id', d.routeOptions('status'), async (req, reply) => {
    const p = parse(req.params);
    if (!p.success) return reply.code(400).send(bad(p.error.issues));
    const s = d.c2c.status(p.data.agentId, p.data.id);
    if (!s) return reply.code(404).send(unknown(p.data.id, p.data.agentId));
    return reply.header('cache-control', 'no-store').send(s);
  });

  app.post('/api/console/:agentId/calls/:id/hangup', d.routeOptions('hangup'), async (req, reply) => {
    const p = parse(req.params);
    if (!p.success) return reply.code(400).send(bad(p.error.issues));
    if (!(await d.c2c.hangup(p.data.agentId, p.data.id))) {
      const s = d.c2c.status(p.data.agentId, p.data.id);
      return s ? reply.code(409).send({ error: 'CLICK_TO_CALL_ENDED', message: `click-to-call ${p.data.id} has already ended` }) : reply.code(404).send(unknown(p.data.id, p.data.agentId));
    }
    return { hungUp: true, status: d.c2c.status(p.data.agentId, p.data.id) };
  });
}
