// HTTP API for business hours, registered by main.ts on the app's Fastify instance:
// what-if (GET /api/hours/:schedule?at=ISO), live state, and audited overrides.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import type { HoursService } from '../flow-dsl/actors.ts';
import { nextScheduleChange, type Schedule } from '../domain/hours.ts';
import type { OverrideStore } from './override-store.ts';
import { actorOf, requires, ROLES_FOR } from '../http/access.ts';

const params = z.object({ schedule: z.string().min(1).max(64) });
const atQuery = z.object({ at: z.iso.datetime({ offset: true }).optional() }).strict();
const overrideBody = z
  .object({
    state: z.enum(['open', 'closed']),
    reason: z.string().trim().min(1).max(200),
    minutes: z.number().positive().max(60 * 24 * 31).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    untilNextChange: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => [b.minutes, b.until, b.untilNextChange].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of minutes, until or untilNextChange' });
// No `by` field: who did it is the authenticated identity, never a claim in the body.
const clearBody = z.object({ reason: z.string().max(200).optional() }).strict();

const STATUS: Record<string, number> = { SCHEDULE_UNKNOWN: 404 };

export interface HoursRoutesDeps {
  hours: HoursService & { schedule(id: string): Schedule };
  overrides: OverrideStore;
  now?: () => Date;
}

export function registerHoursRoutes(app: FastifyInstance, d: HoursRoutesDeps): void {
  const now = d.now ?? (() => new Date());
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
    throw err;
  };

  const schedule = (req: { params: unknown }) => String((req.params as { schedule?: unknown }).schedule ?? '');
  const audit = (action: string) => ({ action, target: (req: { params: unknown }) => `schedule:${schedule(req)}`, snapshot: async (req: { params: unknown }) => (await d.overrides.active(schedule(req)))[0] ?? null });
  app.get('/api/hours/overrides', { config: requires(ROLES_FOR.hours) }, async () => ({ overrides: await d.overrides.list(), audit: await d.overrides.audit(50) }));

  app.get('/api/hours/:schedule', { config: requires(ROLES_FOR.hours) }, async (req, reply) => {
    const p = params.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const q = atQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, q.error.issues);
    try {
      return await d.hours.evaluate(p.data.schedule, q.data.at ?? now().toISOString());
    } catch (err) { return fail(reply, err); }
  });

  app.put('/api/hours/:schedule/override', { config: requires(ROLES_FOR.hours, { audit: audit('hours.override.set') }) }, async (req, reply) => {
    const p = params.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = overrideBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    try {
      const schedule = d.hours.schedule(p.data.schedule); // 404 for an unknown schedule
      const t = now();
      let expiresAt: Date;
      if (b.data.untilNextChange) {
        const next = nextScheduleChange(schedule, t);
        if (!next) return reply.code(400).send({ error: 'OVERRIDE_NO_NEXT_CHANGE', message: `schedule ${p.data.schedule} does not change in the next 14 days; give minutes or until` });
        expiresAt = next;
      } else expiresAt = b.data.minutes !== undefined ? new Date(t.getTime() + b.data.minutes * 60_000) : new Date(b.data.until!);
      const ov = await d.overrides.set({ scheduleId: p.data.schedule, state: b.data.state, reason: b.data.reason, setBy: actorOf(req), now: t, expiresAt });
      return reply.code(201).send(ov);
    } catch (err) { return fail(reply, err); }
  });

  app.delete('/api/hours/:schedule/override', { config: requires(ROLES_FOR.hours, { audit: audit('hours.override.clear') }) }, async (req, reply) => {
    const p = params.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = clearBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    const removed = await d.overrides.clear(p.data.schedule, actorOf(req), now(), b.data.reason);
    return removed ? { cleared: true } : reply.code(404).send({ error: 'OVERRIDE_NOT_FOUND', message: `no active override for ${p.data.schedule}` });
  });
}
