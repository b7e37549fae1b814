// Campaign API: progress, per-row results (CSV), pause / resume / cancel, do-not-call. Registered by main.ts on the
// shared Fastify instance. Errors carry a stable `error` code.
import type { FastifyInstance } from 'fastify';
import type { CampaignStore } from './store.ts';
import type { DncStore } from './dnc.ts';
import { normalizeE164 } from '../domain/phone.ts';
import { Readable } from 'node:stream';
import { campaignResultsCsv, type CampaignResults } from './results.ts';
import { requires, ROLES_FOR } from '../http/access.ts';

/** Numbers per do-not-call request: larger lists are sent in batches (the CLI does), so one
 *  request never holds the event loop that call control runs on. */
export const DNC_MAX_BATCH = 1000;

export interface CampaignRoutesDeps {
  store: CampaignStore;
  dnc?: DncStore;
  defaultCountry: string;
  /** Per-row results (GET /api/campaigns/:id/results, CSV) and how to format them. */
  results?: CampaignResults;
  resultsFormat?: (campaignId: string) => Promise<{ delimiter: string; timezone: string }>;
  /** Called after a campaign is cancelled: the hopper settles its waiting rows (a state change, no sweep). */
  onCancelled?: (campaignId: string) => void;
  /** Called after a campaign is resumed: the hopper takes its due rows again at once. */
  onResumed?: (campaignId: string) => void;
}

export function registerCampaignRoutes(app: FastifyInstance, deps: CampaignRoutesDeps): void {
  const known = async (id: string) => (await deps.store.list()).includes(id);

  const campaignId = (req: { params: unknown }) => String((req.params as { id?: unknown }).id ?? '');
  const stateOf = async (req: { params: unknown }) => { const id = campaignId(req); return (await known(id)) ? { state: (await deps.store.progress(id)).state } : null; };
  app.get('/api/campaigns', { config: requires(ROLES_FOR.campaignsRead) }, async () => {
    const ids = await deps.store.list();
    return { campaigns: await Promise.all(ids.map((id) => deps.store.progress(id))) };
  });

  app.get<{ Params: { id: string } }>('/api/campaigns/:id', { config: requires(ROLES_FOR.campaignsRead) }, async (req, reply) => {
    const { id } = req.params;
    if (!(await known(id))) return reply.code(404).send({ error: 'CAMPAIGN_NOT_FOUND', message: `no campaign ${id}` });
    const [progress, settings] = await Promise.all([deps.store.progress(id), deps.store.getSettings(id)]);
    return { ...progress, settings };
  });

  app.get<{ Params: { id: string } }>('/api/campaigns/:id/results', { config: requires(ROLES_FOR.campaignsRead) }, async (req, reply) => {
    const { id } = req.params;
    if (!deps.results || !deps.resultsFormat) return reply.code(501).send({ error: 'RESULTS_UNAVAILABLE', message: 'no results store configured' });
    if (!(await known(id))) return reply.code(404).send({ error: 'CAMPAIGN_NOT_FOUND', message: `no campaign ${id}` });
    const f = await deps.resultsFormat(id);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${id}.results.csv"`)
      .send(Readable.from(campaignResultsCsv(deps.results, id, f)));
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post<{ Params: { id: string } }>(`/api/campaigns/:id/${action}`, {
      config: requires(action === 'cancel' ? ROLES_FOR.campaignsCancel : ROLES_FOR.campaignsPauseResume, { audit: { action: `campaign.${action}`, target: (req) => `campaign:${campaignId(req)}`, snapshot: stateOf } }),
    }, async (req, reply) => {
      const { id } = req.params;
      if (!(await known(id))) return reply.code(404).send({ error: 'CAMPAIGN_NOT_FOUND', message: `no campaign ${id}` });
      try {
        await deps.store.setState(id, action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'cancelled');
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'CAMPAIGN_CANCELLED') return reply.code(409).send({ error: code, message: (err as Error).message });
        throw err;
      }
      req.log.info({ campaignId: id, action }, 'campaign state changed');
      if (action === 'cancel') deps.onCancelled?.(id);
      if (action === 'resume') deps.onResumed?.(id);
      return deps.store.progress(id);
    });
  }

  app.post<{ Body: { numbers?: unknown } }>('/api/campaigns/dnc', { config: requires(ROLES_FOR.dnc, { audit: { action: 'dnc.add' } }) }, async (req, reply) => {
    if (!deps.dnc) return reply.code(501).send({ error: 'DNC_UNAVAILABLE', message: 'no do-not-call store configured' });
    const numbers = req.body?.numbers;
    if (!Array.isArray(numbers) || numbers.length === 0 || numbers.some((n) => typeof n !== 'string'))
      return reply.code(400).send({ error: 'DNC_BAD_REQUEST', message: 'body must be {"numbers": ["+573001234567", ...]}' });
    if (numbers.length > DNC_MAX_BATCH)
      return reply.code(413).send({ error: 'DNC_BATCH_TOO_LARGE', message: `at most ${DNC_MAX_BATCH} numbers per request (got ${numbers.length}); send larger lists in batches (centralita campaign dnc-add --file does)` });
    const results = (numbers as string[]).map((raw) => ({ raw, r: normalizeE164(raw, deps.defaultCountry) }));
    const bad = results.filter((x) => !x.r.ok);
    if (bad.length) return reply.code(400).send({ error: 'DNC_INVALID_NUMBER', message: `not valid numbers: ${bad.map((b) => b.raw).join(', ')}`, invalid: bad.map((b) => ({ number: b.raw, reason: (b.r as { reason: string }).reason })) });
    const added = await deps.dnc.add(...results.map((x) => (x.r as { e164: string }).e164));
    return { added };
  });
}
