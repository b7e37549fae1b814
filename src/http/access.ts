// Route declarations of who may call them. Every route carries `config.access` (and every
// state-changing route `config.audit`); src/http/security.ts refuses to register a route that
// does not, so "which role does this need?" always has an answer in the route table.
import type { FastifyRequest } from 'fastify';
import { actorLabel, type Identity, type Role } from '../auth/roles.ts';

export type RouteAccess =
  /** Why anyone may call it (probes, the sign-in page). */
  | { public: string; signIn?: true }
  | {
    /** Roles that may call the route; `admin` is always among them. */
    roles: readonly Role[];
    /** Resource rule on top of the role (an agent acts on themselves); false → 403 NOT_YOURS. */
    allow?: (req: FastifyRequest, who: Identity) => boolean | Promise<boolean>;
  };

export interface RouteAudit {
  /** `agent.pause`, `hours.override.set`, `campaign.cancel` … */
  action: string;
  /** What it acted on: `agent:a1`, `schedule:soporte`, `campaign:marzo`. */
  target?: (req: FastifyRequest) => string | undefined;
  /** State of the target before and after the action (recorded in the audit log). */
  snapshot?: (req: FastifyRequest) => unknown;
  /** The handler appends its own entries (sign-in records refused attempts too). */
  manual?: true;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    audit?: RouteAudit;
    /** An HTML page: a browser without a session is sent to /login instead of a 401. */
    page?: boolean;
  }
  interface FastifyRequest {
    identity?: Identity;
  }
}

/** `config` for a route the given roles (and admin) may call. */
export function requires(roles: readonly Role[], opts: { allow?: (req: FastifyRequest, who: Identity) => boolean | Promise<boolean>; audit?: RouteAudit; page?: boolean } = {}) {
  return {
    access: { roles: [...new Set<Role>(['admin', ...roles])], ...(opts.allow ? { allow: opts.allow } : {}) } as RouteAccess,
    ...(opts.audit ? { audit: opts.audit } : {}),
    ...(opts.page ? { page: true } : {}),
  };
}

export function publicRoute(why: string) {
  return { access: { public: why } as RouteAccess };
}

/** The authenticated caller's name for `by` fields; never a value the client sent. */
export function actorOf(req: FastifyRequest): string {
  if (!req.identity) throw Object.assign(new Error('no authenticated identity on this request'), { code: 'UNAUTHENTICATED', statusCode: 401 });
  return actorLabel(req.identity);
}

/** Roles per read/write area, so route files say what they mean (and the matrix test reads them). */
export const ROLES_FOR = {
  /** Queue and agent statistics. */
  acdRead: ['supervisor', 'agent', 'service'],
  /** Agent login/logout/pause (with the per-agent rule). */
  agentState: ['supervisor', 'agent', 'service'],
  /** Business hours: reading and overriding. */
  hours: ['supervisor', 'service'],
  campaignsRead: ['supervisor', 'campaign-operator', 'service'],
  campaignsPauseResume: ['supervisor', 'campaign-operator', 'service'],
  campaignsCancel: ['campaign-operator', 'service'],
  dnc: ['supervisor', 'campaign-operator', 'service'],
  /** The dashboard page, /api/calls, the live stream (numbers masked by role). */
  live: ['supervisor', 'agent', 'campaign-operator', 'service'],
  metrics: ['service'],
  flowsReload: ['service'],
  /** Call history search and single calls (numbers: mask with maskPii unless seesPii). */
  history: ['supervisor', 'service'],
  /** Interval reports (queues, agents, campaigns, IVR). */
  reports: ['supervisor', 'campaign-operator', 'service'],
  /** Listening to recordings in the app, revoking their links. */
  recordings: ['supervisor'],
  /** Click-to-call from a desk phone (an agent: only their own phone). */
  pbxClickToCall: ['supervisor', 'agent', 'service'],
  /** Hanging up any call on the PBX, starting/stopping its recording. */
  pbxSupervise: ['supervisor', 'service'],
  /** Users, tokens, audit: admin only. */
  admin: [],
} as const satisfies Record<string, readonly Role[]>;
