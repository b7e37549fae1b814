// POST /api/agents/:id/softphone: the signed-in agent's console gets its softphone credentials
// (rotated at each call). Only the agent themselves: a supervisor or admin has no business
// holding an agent's SIP password. Audited without the secret; never cached.
import type { FastifyInstance } from 'fastify';
import { requires } from '../http/access.ts';
import { SoftphoneError, type SoftphoneService } from './service.ts';

const STATUS: Record<string, number> = { SOFTPHONE_UNKNOWN_AGENT: 404, SOFTPHONE_NO_ENDPOINT: 409, SOFTPHONE_NOT_PJSIP: 409, SOFTPHONE_NOT_WEBRTC: 409, SOFTPHONE_NOT_CONFIGURED: 503 };

export function registerSoftphoneRoutes(app: FastifyInstance, service: SoftphoneService | undefined): void {
  const id = (req: { params: unknown }) => String((req.params as { id?: unknown }).id ?? '');
  app.post('/api/agents/:id/softphone', {
    config: requires(['agent'], {
      allow: (req, who) => who.agentId !== undefined && who.agentId === id(req),
      audit: { action: 'softphone.credentials', target: (req) => `agent:${id(req)}` },
    }),
  }, async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    if (!service) return reply.code(503).send({ error: 'SOFTPHONE_NOT_CONFIGURED', message: 'no SOFTPHONE_WS_URL: agents use their own SIP phones (see dialplan/README.md, "WebRTC agents")' });
    try {
      return await service.issue(id(req));
    } catch (err) {
      if (err instanceof SoftphoneError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
      throw err;
    }
  });
}
