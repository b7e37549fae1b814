// HTTP API of the ACD: queue and agent statistics (JSON) and agent login/logout/pause,
// registered by main.ts on the app's Fastify instance. Errors carry the ACD's stable code.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Acd } from './acd.ts';
import { CentralitaError } from '../errors.ts';
import { requires, ROLES_FOR } from '../http/access.ts';
import { mayActOnAgent } from '../auth/roles.ts';
import { registerTransferRoutes } from './transfer-http.ts';

const windowQuery = z.object({ windowSec: z.coerce.number().int().positive().max(31 * 24 * 3600).optional() }).strict();
const agentParams = z.object({ id: z.string().min(1).max(64) });
const pauseBody = z.object({ reason: z.string().trim().min(1).max(100).default('paused') }).strict();

const STATUS: Record<string, number> = { ACD_UNKNOWN_AGENT: 404, ACD_UNKNOWN_QUEUE: 404, ACD_AGENT_LOGGED_OUT: 409 };

export function registerAcdRoutes(app: FastifyInstance, acd: Acd): void {
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
    throw err;
  };

  app.get('/api/queues', { config: requires(ROLES_FOR.acdRead) }, async (req, reply) => {
    const q = windowQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, q.error.issues);
    return { at: new Date().toISOString(), queues: acd.getQueueStats(q.data) };
  });

  app.get('/api/queues/:id', { config: requires(ROLES_FOR.acdRead) }, async (req, reply) => {
    const q = windowQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, q.error.issues);
    const { id } = req.params as { id: string };
    const found = acd.getQueueStats(q.data).find((s) => s.queueId === id);
    if (!found) return reply.code(404).send({ error: 'ACD_UNKNOWN_QUEUE', message: `queue ${id} is not configured` });
    return found;
  });

  app.get('/api/agents', { config: requires(ROLES_FOR.acdRead) }, async (req, reply) => {
    const q = windowQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, q.error.issues);
    const views = new Map(acd.agents().map((a) => [a.id, a]));
    return {
      at: new Date().toISOString(),
      agents: acd.getAgentStats(q.data).map((s) => ({ ...views.get(s.agentId), ...s, pauseReason: views.get(s.agentId)?.pauseReason })),
    };
  });

  // An agent acts only on themselves, a supervisor on the agents of their queues.
  const agentId = (req: { params: unknown }) => String((req.params as { id?: unknown }).id ?? '');
  const stateOf = (id: string) => { const a = acd.agent(id); return a ? { state: a.state, pauseReason: a.pauseReason } : undefined; };
  const action = (name: 'login' | 'logout' | 'pause' | 'unpause') =>
    app.post(`/api/agents/:id/${name}`, {
      config: requires(ROLES_FOR.agentState, {
        allow: (req, who) => mayActOnAgent(who, agentId(req), acd.agent(agentId(req))?.queues ?? []),
        audit: { action: `agent.${name}`, target: (req) => `agent:${agentId(req)}`, snapshot: (req) => stateOf(agentId(req)) },
      }),
    }, async (req, reply) => {
      const p = agentParams.safeParse(req.params);
      if (!p.success) return bad(reply, p.error.issues);
      try {
        if (name === 'pause') {
          const b = pauseBody.safeParse(req.body ?? {});
          if (!b.success) return bad(reply, b.error.issues);
          return await acd.pause(p.data.id, b.data.reason);
        }
        return await acd[name](p.data.id);
      } catch (err) {
        return fail(reply, err);
      }
    });
  action('login');
  action('logout');
  action('pause');
  action('unpause');
  registerTransferRoutes(app, acd);
}
