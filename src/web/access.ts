// Who may call each route of the web app, in the access layer's terms (src/http/access.ts):
// pages need any signed-in role (a visitor without a session is sent to /login, which is the
// web app's own sign-in view); assets are public (code and styles, no data); the live channel
// and the wallboard snapshot need a role and are filtered per viewer; an agent's console
// routes follow the agent rule (an agent acts on themselves, a supervisor on their queues'
// agents) and every action is audited.
import type { FastifyRequest, RouteShorthandOptions } from 'fastify';
import { mayActOnAgent } from '../auth/roles.ts';
import { publicRoute, requires, ROLES_FOR } from '../http/access.ts';
import type { WebRoute } from './runtime.ts';

export function webAccess(agentQueues: (agentId: string) => readonly string[] | undefined, agentState: (agentId: string) => unknown): (route: WebRoute) => RouteShorthandOptions {
  const agentId = (req: FastifyRequest) => String((req.params as { agentId?: unknown } | undefined)?.agentId ?? '');
  const allow = (req: FastifyRequest, who: Parameters<typeof mayActOnAgent>[0]) => mayActOnAgent(who, agentId(req), agentQueues(agentId(req)) ?? []);
  const audited = (action: string, target: (req: FastifyRequest) => string) => ({ config: requires(ROLES_FOR.agentState, { allow, audit: { action, target, snapshot: (req) => agentState(agentId(req)) } }) });
  return (route) => {
    switch (route) {
      case 'page': return { config: requires(ROLES_FOR.live, { page: true }) };
      case 'assets': return { config: publicRoute("the web app's scripts and styles (no data)") };
      case 'hubspot.calling': return { config: publicRoute('the HubSpot calling extension page (no data; it signs in inside the frame)') };
      case 'live': case 'wallboard': case 'calls': return { config: requires(ROLES_FOR.live) };
      case 'console.read': return { config: requires(ROLES_FOR.agentState, { allow }) };
      case 'console.pause': return audited('agent.pause', (req) => `agent:${agentId(req)}`);
      case 'console.wrapup': return audited('agent.wrap-up', (req) => `agent:${agentId(req)}`);
      case 'console.call': return audited('agent.click-to-call', (req) => `agent:${agentId(req)}`);
      case 'console.hangup': return audited('agent.click-to-call.hangup', (req) => `agent:${agentId(req)}`);
    }
  };
}
