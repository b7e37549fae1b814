// HTTP API of call transfers (transfer.ts), for the agent console and the CLI: the agent on the
// call, or a supervisor of that agent's queues, moves the call. Targets are agents and queues
// of the ACD's configuration only — never a dial string, so no transfer reaches a trunk.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Acd } from './acd.ts';
import { CentralitaError } from '../errors.ts';
import { actorOf, requires } from '../http/access.ts';
import { mayActOnAgent } from '../auth/roles.ts';

const agentParams = z.object({ id: z.string().min(1).max(64) });
const transferBody = z.object({
  mode: z.enum(['blind', 'attended']),
  to: z.object({ type: z.enum(['queue', 'agent']), id: z.string().min(1).max(64) }).strict(),
}).strict();

const STATUS: Record<string, number> = {
  ACD_UNKNOWN_AGENT: 404, TRANSFER_UNKNOWN_TARGET: 404, TRANSFER_NO_CALL: 409, TRANSFER_IN_PROGRESS: 409, TRANSFER_NOT_READY: 409,
  TRANSFER_TARGET_UNAVAILABLE: 409, TRANSFER_QUEUE_EMPTY: 409, TRANSFER_NO_CONSULT: 409, TRANSFER_CONSULT_NOT_ANSWERED: 409, TRANSFER_TO_SELF: 400,
  TRANSFER_ATTENDED_QUEUE: 400,
};

export function registerTransferRoutes(app: FastifyInstance, acd: Acd): void {
  const agentId = (req: { params: unknown }) => String((req.params as { id?: unknown }).id ?? '');
  const allow = (req: FastifyRequest, who: Parameters<typeof mayActOnAgent>[0]) => mayActOnAgent(who, agentId(req), acd.agent(agentId(req))?.queues ?? []);
  const snapshot = (req: FastifyRequest) => { try { return acd.transfers.state(agentId(req)) ?? null; } catch { return null; } };
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
    throw err;
  };
  const roles = ['agent', 'supervisor'] as const;

  app.get('/api/agents/:id/transfer', { config: requires(roles, { allow }) }, async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'bad agent id' });
    try { return acd.transfers.state(p.data.id) ?? { callId: null, transfers: [] }; } catch (err) { return fail(reply, err); }
  });

  app.post('/api/agents/:id/transfer', {
    config: requires(roles, { allow, audit: { action: 'call.transfer', target: (req) => `agent:${agentId(req)}`, snapshot } }),
  }, async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    const b = transferBody.safeParse(req.body ?? {});
    if (!p.success || !b.success) return reply.code(400).send({ error: 'BAD_REQUEST', message: (b.error ?? p.error)!.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
    try {
      if (b.data.mode === 'attended') {
        if (b.data.to.type !== 'agent') return reply.code(400).send({ error: 'TRANSFER_ATTENDED_QUEUE', message: 'an attended transfer consults an agent; send the caller to a queue with a blind transfer' });
        return await acd.transfers.consult(p.data.id, b.data.to.id, actorOf(req));
      }
      return await acd.transfers.blind(p.data.id, b.data.to, actorOf(req));
    } catch (err) { return fail(reply, err); }
  });

  for (const step of ['complete', 'cancel'] as const) {
    app.post(`/api/agents/:id/transfer/${step}`, {
      config: requires(roles, { allow, audit: { action: `call.transfer.${step}`, target: (req) => `agent:${agentId(req)}`, snapshot } }),
    }, async (req, reply) => {
      const p = agentParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'bad agent id' });
      try { return await acd.transfers[step](p.data.id); } catch (err) { return fail(reply, err); }
    });
  }
}
