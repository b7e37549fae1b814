// POST /api/flows/reload: re-read flows/ now (what hot reload does on a file change), audited
// with the flow versions before and after. A failing check keeps the running set and says why.
import type { FastifyInstance } from 'fastify';
import type { FlowRegistryHandle } from '../flow-dsl/registry.ts';
import { requires, ROLES_FOR } from './access.ts';

export function registerFlowsAdminRoutes(app: FastifyInstance, d: { flows: Pick<FlowRegistryHandle, 'reload' | 'current'> }): void {
  const versions = () => Object.fromEntries(Object.entries(d.flows.current().flows).map(([id, f]) => [id, (f as { version: string }).version]));
  app.post('/api/flows/reload', { config: requires(ROLES_FOR.flowsReload, { audit: { action: 'flows.reload', target: () => 'flows', snapshot: versions } }) }, async (_req, reply) => {
    const r = await d.flows.reload();
    return reply.code(r.ok ? 200 : 422).send(r.ok ? { reloaded: true, flows: versions() } : { error: 'FLOWS_INVALID', message: 'flows/ has errors; the running flows are unchanged', issues: r.issues });
  });
}
