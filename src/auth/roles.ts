// Who may do what, in domain terms: the five roles, the authenticated identity a request
// carries, and the few resource rules (an agent acts on themselves, a supervisor on their
// queues). Pure: no I/O, no framework types.

export const ROLES = ['admin', 'supervisor', 'agent', 'campaign-operator', 'service'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** The authenticated caller of one request: a signed-in person or an API token. */
export interface Identity {
  kind: 'user' | 'token';
  /** Stable id (user id or token id). */
  id: string;
  /** Username, or the token's name. */
  name: string;
  roles: readonly Role[];
  /** For the `agent` role: the ACD agent id this identity is. */
  agentId?: string;
  /** For the `supervisor` role: the queues they supervise (`*` = all). */
  queues?: readonly string[];
}

/** How the audit log and `by` fields name an identity: `user:ana`, `token:local-cli`. */
export function actorLabel(who: Identity): string {
  return `${who.kind}:${who.name}`;
}

export function hasAnyRole(who: Identity, roles: readonly Role[]): boolean {
  return who.roles.some((r) => roles.includes(r));
}

/** Roles that see caller numbers in full on the live stream and /api/calls. */
export const SEES_PHONE_NUMBERS: readonly Role[] = ['admin', 'supervisor'];

/** Roles that act on any agent and any queue (no resource restriction). */
const UNRESTRICTED: readonly Role[] = ['admin', 'service'];

/**
 * May `who` change agent `agentId`'s state? Admin and service: anyone. A supervisor: agents
 * who are members of one of their queues. An agent: only themselves.
 */
export function mayActOnAgent(who: Identity, agentId: string, agentQueues: readonly string[]): boolean {
  if (hasAnyRole(who, UNRESTRICTED)) return true;
  if (who.roles.includes('supervisor') && supervises(who, agentQueues)) return true;
  return who.roles.includes('agent') && who.agentId !== undefined && who.agentId === agentId;
}

/** Does a supervisor supervise at least one of `queues`? */
export function supervises(who: Identity, queues: readonly string[]): boolean {
  const mine = who.queues ?? [];
  return mine.includes('*') || queues.some((q) => mine.includes(q));
}
