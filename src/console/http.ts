// The agent console's API: its snapshot (the agent's row, the current screen pop, pending
// wrap-ups and the configured pause reasons and dispositions), pausing with a configured reason,
// and submitting a wrap-up. Login, logout and unpause are the ACD's own routes.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import type { Viewer } from '../live/policy.ts';
import type { LiveHub } from '../live/hub.ts';
import type { AgentRow } from '../wallboard/types.ts';
import type { ConsoleSettings } from './settings.ts';
import type { Offers } from './offers.ts';
import type { WrapUpDesk } from './wrapup.ts';

export interface ConsoleRoutesDeps {
  settings: () => ConsoleSettings;
  offers: Offers;
  desk: WrapUpDesk;
  hub: LiveHub;
  agentRow(agentId: string): AgentRow | undefined;
  queueNames(): Record<string, string>;
  pause(agentId: string, reason: string): Promise<unknown>;
  /** Ends the agent's wrap-up early (they are done with the call). */
  endWrapUp?(agentId: string, callId: string): Promise<unknown>;
  onWrapUp?(agentId: string, callId: string, result: Awaited<ReturnType<WrapUpDesk['submit']>>): void;
  /** Click-to-call: rings the agent's phone, then dials the number (absent: 501). */
  call?(agentId: string, number: string): Promise<{ id: string; number: string }>;
  viewerOf(req: FastifyRequest): Viewer | undefined;
  actorOf(req: FastifyRequest): string;
  /** Route options per route (access declarations), from the composition root. */
  routeOptions?: (route: 'read' | 'pause' | 'wrapup' | 'call') => RouteShorthandOptions;
  now: () => number;
}

const agentParams = z.object({ agentId: z.string().min(1).max(64) }).strict();
const pauseBody = z.object({ reason: z.string().min(1).max(40) }).strict();
const callBody = z.object({ number: z.string().trim().min(3).max(24) }).strict();
const wrapUpBody = z.object({ callId: z.string().min(1).max(128), disposition: z.string().max(40).optional(), notes: z.string().max(5000).optional() }).strict();

const STATUS: Record<string, number> = {
  ACD_UNKNOWN_AGENT: 404, ACD_AGENT_LOGGED_OUT: 409, WRAPUP_NOT_PENDING: 404, CLICK_TO_CALL_AGENT_BUSY: 409,
  DIAL_ENDPOINT_NOT_ALLOWED: 403, DIAL_CALLER_ID_NOT_OWNED: 403, DIAL_VALUE_NOT_DIGITS: 400,
};

export function registerConsoleRoutes(app: FastifyInstance, d: ConsoleRoutesDeps): void {
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
    throw err;
  };
  const opts = (r: 'read' | 'pause' | 'wrapup' | 'call') => d.routeOptions?.(r) ?? {};

  app.get('/api/console/:agentId', opts('read'), async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const agent = d.agentRow(p.data.agentId);
    if (!agent) return reply.code(404).send({ error: 'ACD_UNKNOWN_AGENT', message: `agent ${p.data.agentId} is not a member of any queue` });
    const s = d.settings();
    const names = d.queueNames();
    // liveId first: whatever changes after it reaches the console over the stream.
    const liveId = d.hub.lastId();
    return reply.header('cache-control', 'no-store').send({
      serverTime: d.now(), liveId, agent,
      queues: agent.queues.map((id) => ({ id, name: names[id] ?? id })),
      pop: d.offers.current(agent.id) ?? null,
      pending: d.offers.pending(agent.id),
      pauseReasons: s.pauseReasons, dispositions: s.dispositions.map(({ id, label }) => ({ id, label })),
      requireDisposition: s.wrapUp.requireDisposition && s.dispositions.length > 0, maxNotes: s.wrapUp.maxNotes,
    });
  });

  app.post('/api/console/:agentId/pause', opts('pause'), async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = pauseBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    const reasons = d.settings().pauseReasons;
    if (!reasons.some((r) => r.id === b.data.reason))
      return reply.code(400).send({ error: 'PAUSE_REASON_UNKNOWN', message: `pause reason must be one of: ${reasons.map((r) => r.id).join(', ')}` });
    try {
      return await d.pause(p.data.agentId, b.data.reason);
    } catch (err) { return fail(reply, err); }
  });

  app.post('/api/console/:agentId/wrapup', opts('wrapup'), async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = wrapUpBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    const { agentId } = p.data;
    const item = d.offers.pending(agentId).find((x) => x.callId === b.data.callId);
    if (!item) return reply.code(404).send({ error: 'WRAPUP_NOT_PENDING', message: `call ${b.data.callId} is not waiting for a wrap-up by ${agentId}` });
    try {
      const result = await d.desk.submit(item.recordId, { disposition: b.data.disposition, notes: b.data.notes }, d.actorOf(req));
      d.offers.wrappedUp(agentId, item.callId);
      await d.endWrapUp?.(agentId, item.callId).catch(() => undefined);
      d.onWrapUp?.(agentId, item.callId, result);
      return { callId: item.callId, recordId: item.recordId, ...result };
    } catch (err) { return fail(reply, err); }
  });

  app.post('/api/console/:agentId/call', opts('call'), async (req, reply) => {
    const p = agentParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = callBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    if (!d.call) return reply.code(501).send({ error: 'CLICK_TO_CALL_UNAVAILABLE', message: 'click-to-call is not configured' });
    try {
      return reply.code(202).send(await d.call(p.data.agentId, b.data.number));
    } catch (err) { return fail(reply, err); }
  });
}
