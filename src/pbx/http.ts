// HTTP API of the PBX beyond Stasis: FreePBX queues for the wallboard (/api/pbx-queues,
// labelled `source: freepbx`, beside the ACD's /api/queues), their members' pause and
// login/logout, click-to-call from a desk phone, and a supervisor's hangup and recording.
// Every route declares its roles (src/http/access.ts); an agent acts only on their own phone
// and queue membership, a supervisor on the members of the queues they supervise.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import { requires, ROLES_FOR } from '../http/access.ts';
import { hasAnyRole, mayActOnAgent, type Identity } from '../auth/roles.ts';
import type { PbxQueueBoard } from './queues.ts';
import type { PbxOperations } from './operations.ts';

export interface PbxRouteDeps {
  board: PbxQueueBoard;
  ops: PbxOperations;
  /** The desk phone of an ACD agent (`PJSIP/1001` → `1001`) for click-to-call by agent id. */
  extensionOf(agentId: string): string | undefined;
  /** The ACD agent behind a queue member interface (`PJSIP/1001` → `ana`), if any. */
  agentOfInterface(iface: string): string | undefined;
  now(): number;
}

const STATUS: Record<string, number> = {
  AMI_DISCONNECTED: 503, AMI_TIMEOUT: 504, AMI_PERMISSION_DENIED: 403, AMI_ACTION_FAILED: 409, PBX_NUMBER_NOT_ALLOWED: 403, PBX_ENDPOINT_NOT_ALLOWED: 403,
  PBX_NUMBER_INVALID: 400, PBX_EXTENSION_INVALID: 400, PBX_CHANNEL_INVALID: 400, PBX_INTERFACE_INVALID: 400, PBX_UNKNOWN_AGENT: 404,
};

const pauseBody = z.object({ reason: z.string().trim().min(1).max(100).optional(), queue: z.string().min(1).max(64).optional() }).strict();
const loginBody = z.object({ interface: z.string().min(3).max(80), memberName: z.string().trim().min(1).max(80).optional(), penalty: z.number().int().min(0).max(100).optional() }).strict();
const callBody = z.union([
  z.object({ extension: z.string().min(2).max(8), number: z.string().min(3).max(32) }).strict(),
  z.object({ agentId: z.string().min(1).max(64), number: z.string().min(3).max(32) }).strict(),
]);

export function registerPbxRoutes(app: FastifyInstance, d: PbxRouteDeps): void {
  const params = (req: FastifyRequest) => req.params as { queue?: string; iface?: string; channel?: string };
  // Fastify has decoded the parameter once already; a literal '%' left in it (not an escape) stays as is, not a 500.
  const decode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  const ifaceOf = (req: FastifyRequest) => decode(params(req).iface ?? (req.body as { interface?: string } | undefined)?.interface ?? '');
  // An agent acts on their own queue membership (the interface of their desk phone), a supervisor on members of their queues.
  const member = (action: string) => ({
    config: requires(ROLES_FOR.agentState, {
      allow: (req, who) => mayActOnAgent(who, d.agentOfInterface(ifaceOf(req)) ?? `pbx:${ifaceOf(req)}`, [...d.board.queuesOf(ifaceOf(req)), params(req).queue ?? ''].filter(Boolean)),
      audit: { action, target: (req) => `pbx-member:${params(req).queue ?? '*'}/${ifaceOf(req)}` },
    }),
  });
  const supervise = (action: string) => ({ config: requires(ROLES_FOR.pbxSupervise, { audit: { action, target: (req) => `pbx-channel:${decode(params(req).channel ?? '')}` } }) });
  // Click-to-call: an agent rings only their own desk phone.
  const ownPhone = (req: FastifyRequest, who: Identity) => {
    if (hasAnyRole(who, ['admin', 'service', 'supervisor'])) return true;
    const b = (req.body ?? {}) as { agentId?: string; extension?: string };
    if (!who.agentId) return false;
    return b.agentId ? b.agentId === who.agentId : b.extension !== undefined && b.extension === d.extensionOf(who.agentId);
  };
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const run = async (reply: FastifyReply, f: () => Promise<unknown>, ok = 200) => {
    try {
      const v = await f();
      return reply.code(ok).send(v ?? { ok: true });
    } catch (err) {
      if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
      throw err;
    }
  };

  app.get('/api/pbx-queues', { config: requires(ROLES_FOR.acdRead) }, async () => ({ at: new Date(d.now()).toISOString(), source: 'freepbx', queues: d.board.list(d.now()) }));
  app.get('/api/pbx-queues/:queue', { config: requires(ROLES_FOR.acdRead) }, async (req, reply) => {
    const q = d.board.get((req.params as { queue: string }).queue, d.now());
    return q ?? reply.code(404).send({ error: 'PBX_UNKNOWN_QUEUE', message: 'no such FreePBX queue' });
  });
  const pause = (paused: boolean) => async (req: { params: unknown; body: unknown }, reply: FastifyReply) => {
    const { queue, iface } = req.params as { queue: string; iface: string };
    const b = pauseBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    return run(reply, () => d.ops.pause(decode(iface), paused, { queue: queue === '*' ? undefined : queue, ...(b.data.reason ? { reason: b.data.reason } : {}) }));
  };
  // `*` as the queue pauses the member in every queue (QueuePause without Queue).
  app.post('/api/pbx-queues/:queue/members/:iface/pause', member('pbx.queue.pause'), pause(true));
  app.post('/api/pbx-queues/:queue/members/:iface/unpause', member('pbx.queue.unpause'), pause(false));
  app.post('/api/pbx-queues/:queue/members', member('pbx.queue.login'), async (req, reply) => {
    const b = loginBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    const { queue } = req.params as { queue: string };
    return run(reply, () => d.ops.login(queue, b.data.interface, { ...(b.data.memberName ? { memberName: b.data.memberName } : {}), ...(b.data.penalty !== undefined ? { penalty: b.data.penalty } : {}) }), 201);
  });
  app.delete('/api/pbx-queues/:queue/members/:iface', member('pbx.queue.logout'), async (req, reply) => {
    const { queue, iface } = req.params as { queue: string; iface: string };
    return run(reply, () => d.ops.logout(queue, decode(iface)));
  });

  app.post('/api/pbx/calls', { config: requires(ROLES_FOR.pbxClickToCall, { allow: ownPhone, audit: { action: 'pbx.call.originate', target: (req) => `pbx-call:${(req.body as { number?: string } | undefined)?.number ?? ''}` } }) }, async (req, reply) => {
    const b = callBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    const agentId = 'agentId' in b.data ? b.data.agentId : undefined;
    const extension = 'extension' in b.data ? b.data.extension : d.extensionOf(b.data.agentId);
    if (!extension) return reply.code(404).send({ error: 'PBX_UNKNOWN_AGENT', message: `agent ${agentId} has no desk phone (PJSIP endpoint) configured` });
    return run(reply, () => d.ops.clickToCall({ extension, number: b.data.number, ...(agentId ? { agentId } : {}) }), 202);
  });
  app.post('/api/pbx/channels/:channel/hangup', supervise('pbx.call.hangup'), async (req, reply) =>
    run(reply, () => d.ops.hangup(decode((req.params as { channel: string }).channel))));
  app.post('/api/pbx/channels/:channel/recording', supervise('pbx.recording.start'), async (req, reply) =>
    run(reply, () => d.ops.startRecording(decode((req.params as { channel: string }).channel)), 201));
  app.delete('/api/pbx/channels/:channel/recording', supervise('pbx.recording.stop'), async (req, reply) =>
    run(reply, () => d.ops.stopRecording(decode((req.params as { channel: string }).channel))));
}
