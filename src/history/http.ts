// HTTP API of the system of record: call search, one stored call, flow deployments, and
// the reports (queues per interval, agents, campaigns, IVR paths) as JSON, CSV or XLSX.
// Registered by main.ts; ranges are in the report time zone, "now" is injected. Numbers (and
// the digits callers typed) are masked for roles that do not see personal data (pii.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import type { CallHistory, CallPage, IvrNodeStats, Reports, ReportRange } from './ports.ts';
import { toCsv, toXlsx, type Sheet } from './export.ts';
import { agentSheet, campaignSheets, ivrSheet, queueSheets } from './report-sheets.ts';
import { requires, ROLES_FOR } from '../http/access.ts';
import { maskPii, seesPii } from '../http/pii.ts';

export interface HistoryRoutesDeps {
  history: CallHistory;
  reports: Reports;
  timeZone: string;
  now: () => number;
}

const DISPOSITIONS = ['answered', 'busy', 'no-answer', 'failed', 'abandoned', 'voicemail'] as const;
const id = z.string().min(1).max(128);
const when = z.string().max(40).refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) || !Number.isNaN(Date.parse(s)), 'an ISO date (YYYY-MM-DD, local day) or instant');

const searchQuery = z.object({
  number: z.string().min(1).max(40).optional(), from: when.optional(), to: when.optional(), queue: id.optional(), agent: id.optional(),
  disposition: z.enum(DISPOSITIONS).optional(), direction: z.enum(['inbound', 'outbound']).optional(), flow: id.optional(), node: id.optional(),
  campaign: id.optional(), limit: z.coerce.number().int().min(1).max(500).optional(), cursor: z.string().max(400).optional(),
}).strict();

const rangeFields = {
  period: z.enum(['today', 'yesterday']).optional(), from: when.optional(), to: when.optional(),
  tz: z.string().max(64).optional(), format: z.enum(['json', 'csv', 'xlsx']).default('json'), locale: z.string().max(20).optional(),
};
const queueReportQuery = z.object({ ...rangeFields, queue: id.optional(), interval: z.enum(['15', '30', '60']).optional() }).strict();
const agentReportQuery = z.object({ ...rangeFields, agent: id.optional() }).strict();
const campaignReportQuery = z.object({ ...rangeFields, campaign: id.optional() }).strict();
const ivrReportQuery = z.object({ ...rangeFields, flow: id.optional() }).strict();
const MAX_RANGE_DAYS = 400;

export class ReportRangeError extends CentralitaError {}

/** period=today|yesterday, or from/to (ISO instants, or YYYY-MM-DD = that local day; `to` day inclusive). Default: today. */
export function resolveRange(q: { period?: string; from?: string; to?: string; tz?: string }, defaultZone: string, now: number): ReportRange {
  const tz = q.tz ?? defaultZone;
  if (!DateTime.now().setZone(tz).isValid) throw new ReportRangeError('REPORT_BAD_TIME_ZONE', `unknown time zone ${tz}`);
  const today = DateTime.fromMillis(now, { zone: tz }).startOf('day');
  const day = (s: string, end: boolean) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? DateTime.fromISO(s, { zone: tz }).plus({ days: end ? 1 : 0 }) : DateTime.fromISO(s, { zone: tz }));
  let from: DateTime;
  let to: DateTime;
  if (q.period === 'yesterday') { from = today.minus({ days: 1 }); to = today; }
  else if (q.period === 'today' || (!q.from && !q.to)) { from = today; to = today.plus({ days: 1 }); }
  else {
    from = q.from ? day(q.from, false) : today;
    to = q.to ? day(q.to, true) : from.plus({ days: 1 });
  }
  if (!from.isValid || !to.isValid) throw new ReportRangeError('REPORT_BAD_RANGE', 'from/to are not valid dates');
  if (to <= from) throw new ReportRangeError('REPORT_BAD_RANGE', '`to` must be after `from`');
  if (to.diff(from, 'days').days > MAX_RANGE_DAYS) throw new ReportRangeError('REPORT_BAD_RANGE', `a report covers at most ${MAX_RANGE_DAYS} days`);
  return { from: from.toUTC().toISO()!, to: to.toUTC().toISO()!, timeZone: tz };
}

export function registerHistoryRoutes(app: FastifyInstance, deps: HistoryRoutesDeps): void {
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(400).send({ error: err.code, message: err.message });
    throw err;
  };
  const localeOf = (req: FastifyRequest, q: { locale?: string }) => q.locale ?? String(req.headers['accept-language'] ?? 'en').split(',')[0]!.trim();

  async function send(reply: FastifyReply, req: FastifyRequest, q: { format: string; locale?: string }, name: string, range: ReportRange, json: unknown, sheets: Sheet[]) {
    const file = `${name}-${range.from.slice(0, 10)}`;
    if (q.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}.csv"`).send(toCsv(sheets[0]!, localeOf(req, q)));
    }
    if (q.format === 'xlsx') {
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${file}.xlsx"`).send(await toXlsx(sheets));
    }
    return { range, ...(json as object) };
  }

  app.get('/api/history/calls', { config: requires(ROLES_FOR.history) }, async (req, reply) => {
    const p = searchQuery.safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    const q = p.data;
    try {
      const range = q.from || q.to ? resolveRange({ ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) }, deps.timeZone, deps.now()) : undefined;
      const page: CallPage = await deps.history.search({
        ...(q.number ? { number: q.number } : {}), ...(range && q.from ? { from: range.from } : {}), ...(range && q.to ? { to: range.to } : {}),
        ...(q.queue ? { queueId: q.queue } : {}), ...(q.agent ? { agentId: q.agent } : {}), ...(q.disposition ? { disposition: q.disposition } : {}),
        ...(q.direction ? { direction: q.direction } : {}), ...(q.flow ? { flowId: q.flow } : {}), ...(q.node ? { node: q.node } : {}),
        ...(q.campaign ? { campaignId: q.campaign } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return seesPii(req.identity) ? page : maskPii(page);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/history/calls/:id', { config: requires(ROLES_FOR.history) }, async (req, reply) => {
    const p = z.object({ id }).safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const rec = await deps.history.get(p.data.id);
    if (!rec) return reply.code(404).send({ error: 'CALL_NOT_FOUND', message: `no stored call ${p.data.id}` });
    return seesPii(req.identity) ? rec : maskPii(rec);
  });

  app.get('/api/flows/deployments', { config: requires(ROLES_FOR.history) }, async (req, reply) => {
    const p = z.object({ flow: id.optional() }).strict().safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    return { deployments: await deps.history.flowDeployments(p.data.flow) };
  });

  app.get('/api/reports/today', { config: requires(ROLES_FOR.reports) }, async (req, reply) => {
    const p = z.object({ tz: z.string().max(64).optional() }).strict().safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const range = resolveRange({ period: 'today', ...(p.data.tz ? { tz: p.data.tz } : {}) }, deps.timeZone, deps.now());
      const [calls, queues] = await Promise.all([deps.reports.calls(range), deps.reports.queues(range)]);
      return { range, calls, queues: queues.totals };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/reports/queues', { config: requires(ROLES_FOR.reports) }, async (req, reply) => {
    const p = queueReportQuery.safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const range = resolveRange(p.data, deps.timeZone, deps.now());
      const intervalMin = p.data.interval ? (Number(p.data.interval) as 15 | 30 | 60) : undefined;
      const r = await deps.reports.queues({ ...range, ...(p.data.queue ? { queueId: p.data.queue } : {}), ...(intervalMin ? { intervalMin } : {}) });
      return await send(reply, req, p.data, 'queues', range, { intervalMin: intervalMin ?? null, ...r }, queueSheets(r, !!intervalMin));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/reports/agents', { config: requires(ROLES_FOR.reports) }, async (req, reply) => {
    const p = agentReportQuery.safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const range = resolveRange(p.data, deps.timeZone, deps.now());
      const agents = await deps.reports.agents({ ...range, ...(p.data.agent ? { agentId: p.data.agent } : {}) });
      return await send(reply, req, p.data, 'agents', range, { agents }, [agentSheet(agents)]);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/reports/campaigns', { config: requires(ROLES_FOR.reports) }, async (req, reply) => {
    const p = campaignReportQuery.safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const range = resolveRange(p.data, deps.timeZone, deps.now());
      const campaigns = await deps.reports.campaigns({ ...range, ...(p.data.campaign ? { campaignId: p.data.campaign } : {}) });
      return await send(reply, req, p.data, 'campaigns', range, { campaigns }, campaignSheets(campaigns));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/reports/ivr', { config: requires(ROLES_FOR.reports) }, async (req, reply) => {
    const p = ivrReportQuery.safeParse(req.query ?? {});
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const range = resolveRange(p.data, deps.timeZone, deps.now());
      const stored = await deps.reports.ivr({ ...range, ...(p.data.flow ? { flowId: p.data.flow } : {}) });
      const nodes = seesPii(req.identity) ? stored : maskTypedInput(stored);
      return await send(reply, req, p.data, 'ivr', range, { nodes }, [ivrSheet(nodes)]);
    } catch (err) {
      return fail(reply, err);
    }
  });
}

/** A menu choice (one or two keys) is not personal data; anything longer a caller typed (an
 *  account or document number in a gather) is, and is grouped as masked input. */
export function maskTypedInput(nodes: IvrNodeStats[]): IvrNodeStats[] {
  return nodes.map((n) => {
    const kept = new Map<string, number>();
    for (const o of n.options) {
      const key = o.digits.length <= 2 ? o.digits : '•'.repeat(Math.min(o.digits.length, 12));
      kept.set(key, (kept.get(key) ?? 0) + o.count);
    }
    return { ...n, options: [...kept].map(([digits, count]) => ({ digits, count })).sort((a, b) => b.count - a.count || a.digits.localeCompare(b.digits)) };
  });
}
