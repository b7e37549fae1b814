// The web app's server side in one call for main.ts: the live channel (hub + SSE route), the
// wallboard aggregation and its route, the agent console (screen pops, wrap-up, pause with a
// configured reason) and the built single-page app itself. Everything it reads comes in as
// ports; access declarations come from `access` so this file knows no auth internals.
import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { evaluateHours, nextScheduleChange, type HoursOverride, type Schedule } from '../domain/hours.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { IvrStep } from '../domain/call-record.ts';
import type { Logger } from '../logger.ts';
import { createLiveHub, type LiveHub } from '../live/hub.ts';
import { createLivePolicy, type Viewer } from '../live/policy.ts';
import { registerLiveRoute } from '../live/sse.ts';
import { createWallboard, type AcdSource, type CampaignSource, type TodayHistory, type Wallboard } from '../wallboard/service.ts';
import { registerWallboardRoutes } from '../wallboard/http.ts';
import type { SessionIn } from '../wallboard/rows.ts';
import type { HoursRow } from '../wallboard/types.ts';
import { thresholdsFor, type ConsoleSettings } from '../console/settings.ts';
import { createOffers, type CallerLookup, type Offers } from '../console/offers.ts';
import { registerConsoleRoutes } from '../console/http.ts';
import type { WrapUpDesk } from '../console/wrapup.ts';
import { registerWebApp } from './static.ts';
import { CLICK_TO_CALL_ROLE, createClickToCall, type ClickToCallDeps } from '../console/click-to-call.ts';
import type { StasisRoleHandler } from '../calls/contract.ts';
import { toE164 } from '../calls/records.ts';
import { registerClickToCallRoutes } from '../console/click-to-call-http.ts';
import { registerHubspotCallingPage } from './hubspot-calling.ts';

/** Paths of the single-page app (index.html for each). */
export const WEB_PAGES = ['/', '/wallboard', '/agent', '/reports', '/calls', '/calls/:id'] as const;

export type WebRoute =
  | 'page' | 'assets' | 'hubspot.calling' | 'live' | 'wallboard' | 'calls' | 'console.read' | 'console.pause' | 'console.wrapup' | 'console.call' | 'console.hangup';

export interface WebAppOptions {
  http: FastifyInstance;
  bus: EventBus;
  logger: Logger;
  acd: AcdSource & {
    agent(id: string): { queues: string[]; endpoint: string; name?: string; state: string } | undefined;
    pause(agentId: string, reason: string): Promise<unknown>;
  };
  calls: { liveCalls(): SessionIn[]; liveCall(callId: string): { from: string; path: IvrStep[] } | undefined };
  campaigns?: CampaignSource;
  hours?: { schedules(): Record<string, Schedule>; overrides(id: string): Promise<HoursOverride[]> };
  today?: TodayHistory;
  queues: Record<string, { serviceLevelSec: number; name?: string }>;
  settings: () => ConsoleSettings;
  desk: WrapUpDesk;
  lookup?: CallerLookup;
  /** Click-to-call through the app (the router hands its legs back by role). */
  clickToCall?: Omit<ClickToCallDeps, 'agent' | 'onEnded' | 'logger'> & { registerRole(role: string, h: StasisRoleHandler): () => void };
  /** Ends an agent's wrap-up early when they submit it (when the ACD supports it). */
  endWrapUp?: (agentId: string, callId: string) => Promise<unknown>;
  viewerOf(req: FastifyRequest): Viewer | undefined;
  actorOf(req: FastifyRequest): string;
  seesNumbers(v: Viewer): boolean;
  mask(data: unknown): unknown;
  /** Route options (roles, audit) per route of this module. */
  access(route: WebRoute): RouteShorthandOptions;
  distDir: string;
  /** Content-Security-Policy of the pages (webCsp). */
  csp: string;
  /** CSP of the HubSpot calling extension page (framed by HubSpot only); absent: no such page. */
  hubspotCallingCsp?: string;
  defaultCountry: string;
  timeZone: string;
  now: () => number;
  flushMs?: number;
}

export interface WebApp {
  hub: LiveHub;
  wallboard: Wallboard;
  offers: Offers;
  built: boolean;
  /** A business-hours override was set or cleared (from any route or the CLI). */
  hoursChanged(e: { action: 'set' | 'clear'; scheduleId: string; by: string; state?: string; reason?: string; expiresAt?: string }): void;
  stop(): void;
}

export async function startWebApp(o: WebAppOptions): Promise<WebApp> {
  const log = o.logger.child({ component: 'web' });
  const onError = (err: unknown, what: string) => log.warn({ err }, `${what} failed`);
  const policy = createLivePolicy({ seesNumbers: o.seesNumbers, agentQueues: (id) => o.acd.agent(id)?.queues ?? [] });
  const hub = createLiveHub({ policy, mask: o.mask });
  const names = () => Object.fromEntries(Object.entries(o.queues).map(([id, q]) => [id, q.name ?? id]));

  const hoursSource = o.hours ? {
    ids: () => Object.keys(o.hours!.schedules()).sort(),
    async state(id: string, at: Date): Promise<HoursRow> {
      const s = o.hours!.schedules()[id]!;
      const r = evaluateHours(s, at, await o.hours!.overrides(id));
      const next = r.nextChange ?? (() => { const n = nextScheduleChange(s, at); return n ? { at: n.toISOString(), open: !r.open } : undefined; })();
      return {
        scheduleId: id, open: r.open, reason: r.reason, detail: r.detail,
        ...(r.override ? { override: { state: r.override.state, reason: r.override.reason, setBy: r.override.setBy, expiresAt: r.override.expiresAt } } : {}),
        ...(next ? { nextChange: next } : {}),
      };
    },
  } : undefined;

  const offers = createOffers({
    bus: o.bus, hub, liveCall: (id) => { const c = o.calls.liveCall(id); return c ? { ...c, from: toE164(c.from, o.defaultCountry) } : undefined; }, ...(o.lookup ? { lookup: o.lookup } : {}),
    queueName: (id) => names()[id] ?? id, now: o.now, wrapUpWindowMs: Math.max(60, o.settings().wrapUp.holdHubspotSec) * 1000 * 10, onError,
  });

  const wallboard = createWallboard({
    bus: o.bus, hub, policy, mask: o.mask, acd: o.acd, calls: o.calls, number: (n) => toE164(n, o.defaultCountry), ...(o.campaigns ? { campaigns: o.campaigns } : {}),
    ...(hoursSource ? { hours: hoursSource } : {}), ...(o.today ? { today: o.today } : {}),
    queues: o.queues, thresholds: (q) => thresholdsFor(o.settings(), q), pauseReasons: () => o.settings().pauseReasons,
    consoleOf: (agentId) => ({ pop: offers.current(agentId) ?? null, pending: offers.pending(agentId) }), now: o.now, timeZone: o.timeZone, onError,
    ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
  });
  const c2c = o.clickToCall ? createClickToCall({
    ...o.clickToCall, logger: log, agent: (id) => o.acd.agent(id),
    onEnded: (agentId, r) => offers.addPending(agentId, { callId: r.id.replace(/^cr-/, ''), recordId: r.id, caller: r.to, queueId: '', endedAt: Date.parse(r.endedAt), talkSec: r.talkSeconds }),
  }) : undefined;
  const unregister = c2c ? o.clickToCall!.registerRole(CLICK_TO_CALL_ROLE, c2c.handleStart) : undefined;
  if (c2c) registerClickToCallRoutes(o.http, { c2c, routeOptions: (r) => o.access(r === 'status' ? 'console.read' : 'console.hangup') });

  registerLiveRoute(o.http, { hub, viewerOf: o.viewerOf, routeOptions: o.access('live') });
  // Live calls for the CLI and scripts (numbers masked for roles that may not see them).
  o.http.get('/api/calls', o.access('calls'), async (req) => {
    const v = o.viewerOf(req);
    const list = o.calls.liveCalls();
    return { at: new Date(o.now()).toISOString(), calls: v && o.seesNumbers(v) ? list : o.mask(list) };
  });
  registerWallboardRoutes(o.http, { wallboard, viewerOf: o.viewerOf, routeOptions: o.access('wallboard') });
  registerConsoleRoutes(o.http, {
    settings: o.settings, offers, desk: o.desk, hub, agentRow: (id) => wallboard.agentRow(id), queueNames: names,
    pause: (id, reason) => o.acd.pause(id, reason), ...(o.endWrapUp ? { endWrapUp: o.endWrapUp } : {}),
    onWrapUp: (agentId, callId, r) => {
      wallboard.log.add('wrapup', { agent: agentId, disposition: r.wrapUp.disposition, hubspot: r.hubspot }, { agent: agentId, queues: o.acd.agent(agentId)?.queues ?? [] });
      if (r.hubspot === 'too-late' || r.hubspot === 'not-held') log.warn({ agentId, callId, hubspot: r.hubspot }, 'wrap-up came after the call was logged to HubSpot; kept in the audit log only');
    },
    viewerOf: o.viewerOf, actorOf: o.actorOf, now: o.now, ...(c2c ? { call: (agentId: string, number: string) => c2c.call(agentId, number) } : {}),
    routeOptions: (r) => o.access(`console.${r}`),
  });
  const { built } = await registerWebApp(o.http, {
    distDir: o.distDir, csp: o.csp, pages: WEB_PAGES,
    pageOptions: () => o.access('page'), assetOptions: o.access('assets'),
  });
  if (o.hubspotCallingCsp) registerHubspotCallingPage(o.http, { distDir: o.distDir, csp: o.hubspotCallingCsp, options: o.access('hubspot.calling') });
  if (!built) log.warn({ distDir: o.distDir }, 'the web app is not built: run `npm run build:web` (pages answer 503 until then)');
  return {
    hub, wallboard, offers, built,
    hoursChanged(e) {
      wallboard.log.add(e.action === 'set' ? 'hours.override' : 'hours.cleared', { schedule: e.scheduleId, state: e.state, by: e.by, reason: e.reason }, { hours: true });
      wallboard.touch('hours');
    },
    stop() { wallboard.stop(); offers.stop(); c2c?.stop(); unregister?.(); },
  };
}
