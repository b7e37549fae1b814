// Composition root: config → logger → adapters → services → start/stop.
// Everything is built here and passed down; no module keeps a singleton. Resources are
// pushed on a stack as they start and stopped in reverse order.
import { mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createLogger, createSecretSet, type Logger, type SecretSet } from './logger.ts';
import { startRedisServer, RedisServerMissingError } from './infra/redis-server.ts';
import { createHttpServer, type ReadinessCheck } from './http/server.ts';
import { listenOrExplain } from './http/listen.ts';
import { CentralitaError } from './errors.ts';
import { DeadlineError, shutdownBudget, startProgress, stopInReverse, withDeadline, type Stack, type StartProgress } from './infra/lifecycle.ts';
import { bullConnection, fastConnection, redisReadiness, waitForRedis } from './infra/redis-clients.ts';
import { logErrors } from './jobs/bull.ts';
import { amendAfterSpool, openRecordSpool } from './calls/record-spool.ts';
import { createLiveCallJournal } from './calls/live-journal.ts';
import type { EarlyHandBack } from './calls/early-hand-back.ts';
import { bufferEarlyEvents } from './calls/early-intake.ts';
import { createCallOutcomeChannel } from './jobs/call-outcome.ts';
import { loadOrCreateSecret, removeRuntimeInfo, writeRuntimeInfo } from './infra/local-state.ts';
import { openAuthStores } from './auth/stores.ts';
import { prepareAuth } from './auth/runtime.ts';
import { registerAdminRoutes } from './auth/http.ts';
import { registerFlowsAdminRoutes } from './http/flows-admin.ts';
import type { AuthService } from './auth/service.ts';
import type { RouteInfo } from './http/security.ts';
import { guardDialling } from './telephony/dial-guard.ts';
import { withInternalEndpoints } from './domain/dial-policy.ts';
import type { Telephony } from './telephony/port.ts';
import { startWebApp } from './web/runtime.ts';
import { webAccess } from './web/access.ts';
import { webCsp } from './web/static.ts';
import { actorOf } from './http/access.ts';
import { maskPii, seesPii } from './http/pii.ts';
import type { Identity } from './auth/roles.ts';
import { createWrapUpDesk } from './console/wrapup.ts';
import { DEFAULT_CONSOLE, type ConsoleSettings } from './console/settings.ts';
import { createEventBus, type EventBus } from './domain/event-bus.ts';
import { startSimulator } from './sim/index.ts';
import { createAriTelephony, type AriTelephony } from './telephony/ari/adapter.ts';
import { createNodeFlowSource } from './cli/flows.ts';
import { createFlowRegistry, FlowCheckError } from './flow-dsl/registry.ts';
import { createFlowActors } from './flow-dsl/actors.ts';
import { createHoursService } from './hours/service.ts';
import { createOverrideStore, type OverrideAuditEntry } from './hours/override-store.ts';
import { registerHoursRoutes } from './hours/http.ts';
import type { LookupServices } from './flow-dsl/types.ts';
import { contactRecordUrl, createCrmFromConfig, loadHubspotSettings, resolvePortal } from './integrations/hubspot/index.ts';
import { createCallerLookup, type CallerLookupDeps } from './console/caller-lookup.ts';
import type { CallerLookup } from './console/offers.ts';
import { hubspotKeys, startHubspotLogging } from './workers/hubspot.ts';
import { createAcd, type Acd } from './acd/acd.ts';
import { redisAgentStore } from './acd/agent-store.ts';
import { realClock } from './acd/clock.ts';
import { registerAcdRoutes } from './acd/http.ts';
import { createSoftphoneService } from './softphone/service.ts';
import { registerSoftphoneRoutes } from './softphone/http.ts';
import { registerAcdMetrics } from './acd/metrics.ts';
import type { QueuesConfig } from './acd/queue-config.ts';
import { ARI_CHANNELVARS, STASIS_ROLES } from './calls/contract.ts';
import { createCallRecordPublisher, type CallRecordSink } from './calls/records.ts';
import { mergeQueueFields } from './calls/acd-merge.ts';
import { createCallService, type CallService } from './calls/service.ts';
import { KEY_PREFIX } from './jobs/names.ts';
import { startCampaigns } from './campaigns/runtime.ts';
import { startObservability } from './ops/start.ts';
import { startHistory, type HistoryRuntime } from './history/runtime.ts';
import { toAcdEvent, toAgentStateEvent } from './history/capture.ts';
import { registerHistoryRoutes } from './history/http.ts';
import { startRecordings } from './recordings/runtime.ts';
import { recordingLinks } from './recordings/links.ts';
import type { CallRecord } from './domain/call-record.ts';
import { runRetention, scheduleRetention } from './history/retention.ts';
import { PostgresServerMissingError } from './infra/postgres-server.ts';
import { createAmiPbx } from './telephony/ami/adapter.ts';
import { AMI_EVENTFILTERS, AMI_READ, AMI_WRITE } from './telephony/ami/filters.ts';
import type { PbxManager } from './telephony/pbx-port.ts';
import { startPbxFeatures, type PbxFeatures } from './pbx/runtime.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningApp {
  httpUrl: string;
  redisUrl: string;
  /** Only in embedded mode: the simulated PBX (for `/_sim` calls). */
  sim?: { url: string; user: string; password: string; ami?: { host: string; port: number; user: string; secret: string } };
  /** Every call on the PBX (AMI): undefined when no AMI is configured. */
  pbx?: PbxFeatures;
  /** The local CLI token (also in DATA_DIR/running.json, owner-only). */
  token: string;
  /** First start only: the generated admin password, to be printed once. */
  firstAdmin?: { username: string; password: string };
  auth: AuthService;
  /** Every route with the access it declares (the route × role matrix test walks it). */
  routes: readonly RouteInfo[];
  /** The PBX port as the app uses it (behind the dial allow-list). */
  telephony: Telephony;
  calls: CallService;
  acd: Acd;
  bus: EventBus;
  history: HistoryRuntime;
  /** The ARI connection itself (status, readiness; tests drop its socket). */
  ari: AriTelephony;
  /** The local spool call records pass through on their way to Redis. */
  records: { stats(): { pending: number; delivered: number; failures: number }; flushed(): Promise<void> };
  stop(): Promise<void>;
}

/** A failed or timed-out start: whatever started is stopped within the margin, then the error goes up. */
async function startWithin<T>(config: Config, logger: Logger, progress: StartProgress, stack: Stack, build: () => Promise<T>): Promise<T> {
  const stopAll = stopInReverse(stack, logger, { deadlineMs: config.shutdownMarginMs });
  let timedOut = false;
  const building = build();
  // Given up on: what the hung step still starts is stopped when it finally returns.
  building.catch(() => {}).finally(() => { if (timedOut) void stopAll(); });
  try {
    return await withDeadline(building, config.startupDeadlineMs, () => { timedOut = true; progress.cancel(); return new DeadlineError('STARTUP_DEADLINE', progress.current(), config.startupDeadlineMs, 'start-up'); });
  } catch (err) {
    await stopAll();
    if (timedOut) logger.error({ step: progress.current(), startupDeadlineMs: config.startupDeadlineMs }, 'start-up deadline passed (STARTUP_DEADLINE_MS)');
    throw err;
  }
}

export interface StartOptions {
  /** The wall clock for calling windows and the flows' time (business hours, path stamps); tests inject one. */
  now?: () => number;
  /** Passwords generated at start (embedded Redis, simulator) are added here for log scrubbing. */
  secrets?: SecretSet;
  /** Something the app cannot run without failed for good (runMain exits 1). */
  onFatal?: (err: Error) => void;
  /** What the CLI's early rescue did before this start-up (logged). */
  earlyHandBack?: EarlyHandBack;
}

/** Builds and starts everything for one process. */
export async function startCentralita(config: Config, logger: Logger, opts: StartOptions = {}): Promise<RunningApp> {
  const stack: Stack = [];
  const progress = startProgress();
  return startWithin(config, logger, progress, stack, () => buildCentralita(config, logger, opts, stack, progress));
}

async function buildCentralita(config: Config, logger: Logger, opts: StartOptions, stack: Stack, progress: StartProgress): Promise<RunningApp> {
  const stopAll = stopInReverse(stack, logger, { deadlineMs: shutdownBudget(config).totalMs });
  const step = (name: string) => progress.step(name);
  {
    step('data dir');
    if (opts.earlyHandBack) logger.warn({ ...opts.earlyHandBack }, 'calls left live by the previous run handed back before start-up (records follow)');
    await mkdir(config.dataDir, { recursive: true });
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'centralita_' });
    const readiness: ReadinessCheck[] = [];
    const bus = createEventBus((topic, err) => logger.error({ err, topic }, 'event bus listener failed'));

    // Flows first: a broken flow must stop start-up before anything answers a call.
    step('flows');
    const source = createNodeFlowSource();
    // On a good reload: the history records the deployment, campaigns re-publish the flow ids.
    const onFlowsReloaded: (() => void)[] = [];
    const flows = await createFlowRegistry({ dir: config.flows.dir, soundsDir: config.soundsDir, source, hotReload: config.flows.hotReload, logger: logger.child({ component: 'flows' }), onReload: (r) => { if (r.ok) for (const f of onFlowsReloaded) f(); }, ...(opts.now ? { now: () => new Date(opts.now!()) } : {}) });
    stack.push({ name: 'flows', stop: () => flows.close() });

    const queues = await loadQueues(config.flows.dir);
    // The system of record (PostgreSQL) before anything produces history; the queues' SL
    // thresholds are known before the first event (left in the spool by a previous run) is stored.
    step('history (PostgreSQL)');
    const history = await startHistory({ config, logger, bus, metrics, thresholds: Object.fromEntries(Object.values(queues).map((q) => [q.id, { serviceLevelSec: q.serviceLevelSec, shortAbandonSec: q.shortAbandonSec }])) });
    stack.push({ name: 'history', stop: () => history.stop() });
    await recordFlowDeployments(history, flows.current().flows.values(), 'startup', logger);
    onFlowsReloaded.push(() => { void recordFlowDeployments(history, flows.current().flows.values(), 'hot-reload', logger); });

    const secrets = opts.secrets ?? createSecretSet();
    step('redis');
    const redisUrl = await startRedis(config, logger, stack, secrets, opts.onFatal);
    const { redis, fast } = await connectRedis(config, redisUrl, logger, stack);
    readiness.push(redisReadiness(fast));

    step('telephony');
    const { telephony: ari, sim } = await startTelephony(config, logger, stack, flows.current().dids, secrets);
    // From here Asterisk may send StasisStart (once, never again): held until the call service takes them.
    const roleArgs = new Set<string>(Object.values(STASIS_ROLES).filter((r) => r !== STASIS_ROLES.campaign));
    const earlyIntake = bufferEarlyEvents(ari, logger.child({ component: 'calls' }), { isRole: (a) => roleArgs.has(a) });
    // Browser softphones register here: the simulator's /ws in the embedded default, SOFTPHONE_WS_URL with an Asterisk.
    const softphoneWs = config.softphone.wsUrl ?? (sim ? `${sim.url.replace(/^http/, 'ws')}/ws` : undefined);
    // Toll-fraud guard: every origination and hand-off of this process checks the allow-list.
    const agentPhones = Object.values(queues).flatMap((q) => q.members.map((m) => m.endpoint));
    const telephony = guardDialling(ari, withInternalEndpoints(config.dial, agentPhones), (r) => logger.warn({ refused: r }, 'dial refused by the allow-list (DIAL_*_ENDPOINTS, DIAL_CALLER_IDS, HANDOFF_CONTEXTS)'));
    readiness.push(telephony.readiness());
    const pbxManager = await startAmi(config, logger, stack, sim?.ami);
    if (pbxManager) readiness.push(pbxManager.readiness());
    telephony.onEvent((e) => { if (e.type === 'connection') bus.emit('telephony.connection', { state: e.state, at: e.at }); });

    step('acd');
    const acd = createAcd({
      telephony, queues, clock: realClock(), bus, logger: logger.child({ component: 'acd' }), resyncOnReconnect: false,
      store: redisAgentStore(redis, KEY_PREFIX, { onCorrupt: (agentId) => logger.warn({ agentId }, 'corrupt agent state ignored') }),
    });
    // Windowed statistics continue across a restart: the last day of stored events first.
    await restoreAcdLog(acd, history, logger);
    await acd.start();
    stack.push({ name: 'acd', stop: () => acd.stop() });
    // Every agent's phone registering or going away reaches the ACD as it happens (EndpointStateChange;
    // the adapter applies subscriptions again after reconnects; the endpoint poll stays the backstop).
    await telephony.subscribe([...new Set(acd.agents().map((a) => `endpoint:${a.endpoint}`))]).catch((err: unknown) => logger.warn({ err }, 'could not subscribe to agent endpoints; polling endpoints only'));
    registerAcdMetrics(metrics, acd);

    // The web app (started later) is told of every override change: the wallboard and its log.
    let onOverrideChange: (entry: OverrideAuditEntry) => void = () => {};
    // Hours overrides are read during calls and by the API: the fast connection, so an outage
    // means "the schedule alone decides" at once, never a caller waiting on Redis.
    const overrides = createOverrideStore({ redis: fast, prefix: `${KEY_PREFIX}:`, onChange: (entry) => { logger.warn({ override: entry }, 'business-hours override changed'); onOverrideChange(entry); } });
    const hours = createHoursService({ schedules: () => flows.current().schedules, overrides, onOverrideError: (err, scheduleId) => logger.error({ err, scheduleId }, 'hours override store unavailable; schedule alone decides') });
    // Routes are registered as features start; the server listens last. Users, tokens and the
    // audit log come first: every route goes through the security layer.
    step('auth');
    const { auth, stores, http: httpSecurity } = await prepareAuth(config, history.store.auth);
    const csp = webCsp({ https: httpSecurity.security.https, connect: softphoneWs ? [new URL(softphoneWs).origin] : [] });
    const http = await createHttpServer({ logger, metrics, readiness, version: VERSION, ...httpSecurity, webPage: webIndexHtml(csp) });
    // Recordings: archived from the PBX into S3 / DATA_DIR, played with Range, stable signed links.
    const recordings = await startRecordings({ config, logger, connection: redis, telephony, catalog: history.store.recordings, http, now: Date.now });
    stack.push({ name: 'recordings', stop: () => recordings.close() });
    const retention = scheduleRetention(
      () => runRetention({ retention: history.store.retention, catalog: history.store.recordings, stores: recordings.stores, policy: config.retention, now: Date.now(), onError: (err, what) => logger.warn({ err, what }, 'retention: could not delete') }),
      { onResult: (r) => { if (r.records || r.recordings || r.audit) logger.info(r, 'retention: expired data deleted'); }, onError: (err) => logger.warn({ err }, 'retention job failed; it runs again within the hour') },
    );
    stack.push({ name: 'retention', stop: () => retention.stop() });
    // Campaigns: ingest (SQS or the local inbox), the dialler, progress API, DNC list.
    step('campaigns');
    // The dialler's records of attempts nobody recorded go where PBX-side records go (set below;
    // an attempt ends no sooner than seconds after start-up, and waits for it if not).
    let attemptSinkReady!: (sink: CallRecordSink) => void;
    const attemptSink = new Promise<CallRecordSink>((r) => { attemptSinkReady = r; });
    const campaigns = startCampaigns({ config, redis, apiRedis: fast, redisUrl, db: history.store.campaigns, logger: logger.child({ component: 'campaigns' }), metrics, telephony, http, flows, dialer: config.dialer, stasisOwner: true, holdWithoutStasisOwner: true, attemptRecords: { publish: async (r) => (await attemptSink).publish(r) }, ...(config.campaigns.mode === 's3' && config.campaigns.sqsDeadLetterQueueUrl ? { sqsDeadLetterQueueUrl: config.campaigns.sqsDeadLetterQueueUrl } : {}), ...(opts.now ? { now: opts.now } : {}) });
    stack.push({ name: 'campaigns', stop: () => campaigns.stop() });
    onFlowsReloaded.push(() => void campaigns.flowsChanged());
    const { dnc } = campaigns;
    // Lookups get the DNC list (campaign opt-out); CRM lookups degrade to "not found" when the
    // CRM is the local outbox.
    const lookupServices: LookupServices = { dnc, defaultCountry: config.defaultCountry };
    // The agents' screen pops: the caller's CRM contact (with a token) and their last calls.
    let popCrm: Pick<CallerLookupDeps, 'contacts' | 'contactUrl' | 'ownerName'> = {};
    if (config.hubspot.mode === 'api') {
      // Flow lookups (route to the contact's owner) and the agents' screen pops share the
      // HubSpot request budget in Redis (the fast connection: a caller never waits on an outage).
      const hsSettings = loadHubspotSettings(config);
      const crm = createCrmFromConfig(config, hsSettings, fast, hubspotKeys().budget, { extraContactProperties: ['company'] });
      stack.push({ name: 'lookup-crm', stop: () => crm.close() });
      lookupServices.crm = crm.crm;
      const agentOfOwner = new Map(Object.entries(hsSettings.owners).map(([agentId, ownerId]) => [ownerId, agentId]));
      popCrm = {
        contacts: crm.crm,
        contactUrl: async (id) => contactRecordUrl(await resolvePortal({ settings: hsSettings, crm: crm.crm, redis, key: hubspotKeys().portal }), id),
        ownerName: (ownerId) => { const a = agentOfOwner.get(ownerId); return a ? acd.agent(a)?.name ?? a : undefined; },
      };
    }
    const callerLookup: CallerLookup = createCallerLookup({
      ...popCrm, history: history.store.history, defaultCountry: config.defaultCountry, agentName: (id) => acd.agent(id)?.name,
      onError: (err, what) => logger.warn({ err }, `screen pop: ${what} failed`),
    });
    const flowActors = createFlowActors({ telephony, acd, hours, lookups: () => flows.current().lookups, lookupServices });
    stack.push({ name: 'flow-actors', stop: () => flowActors.dispose() });

    // Call records: durable on local disk first (the history's spool for PostgreSQL, the record
    // spool for Redis), then delivered from there — never lost while Redis or PostgreSQL is down.
    step('call records');
    const publisher = createCallRecordPublisher({ connection: fast, bus, logger: logger.child({ component: 'records' }) });
    stack.push({ name: 'record-publisher', stop: () => publisher.close() });
    // An agent's call waits (held in the queue) for the agent's wrap-up to go onto its HubSpot
    // engagement. The hold travels in the record's spool entry; a wrap-up that comes while the
    // record is still on disk (Redis down, delivery behind) waits for the spool, then amends.
    const consoleSettings = await loadConsoleSettings(config.flows.dir);
    const desk = createWrapUpDesk({ settings: () => consoleSettings, amend: (id, patch) => amendAfterSpool(publisher, recordSpool, id, patch), now: Date.now });
    // The dialler waits on the outcome channel; HubSpot and reports consume the queue.
    const outcomeWriter = createCallOutcomeChannel(fast);
    const recordSpool = await openRecordSpool({ dir: resolve(config.dataDir, 'spool', 'records'), publisher, alsoDeliver: (r) => outcomeWriter.publish(r), logger: logger.child({ component: 'record-spool' }) });
    stack.push({ name: 'record-spool', stop: () => recordSpool.closeWithin(Math.floor(config.shutdownMarginMs / 4)) });
    registerRecordSpoolMetrics(metrics, recordSpool);
    const records: CallRecordSink = {
      async publish(built) {
        // The ACD keys callers by call id (= the caller's channel id; record id is `cr-<channel>`).
        const held = desk.beforePublish(mergeQueueFields(built, acd.recordFields(built.id.replace(/^cr-/, ''))));
        const record = held.record;
        await history.capture.record(record).catch((err: unknown) => logger.error({ err, recordId: record.id }, 'call record not spooled for the history'));
        await recordings.enqueue(record).catch((err: unknown) => logger.error({ err, recordId: record.id }, 'recording not queued for archiving'));
        return recordSpool.publish(record, { delayMs: held.delayMs });
      },
      close: async () => {},
    };

    const journal = createLiveCallJournal(resolve(config.dataDir, 'live-calls'), (err, channelId) => logger.warn({ err, channelId }, 'live-call journal not written'));
    const calls = createCallService({ telephony, flows, actors: flowActors.actors, records, bus, logger: logger.child({ component: 'calls' }), defaultCountry: config.defaultCountry, didMap: flows.current().dids, afterResync: [() => acd.resync()], journal, stasisApp: config.ari.app });
    calls.registerRole(STASIS_ROLES.agentLeg, acd.handleAgentLegStart);
    calls.registerRole(STASIS_ROLES.consultLeg, acd.handleConsultLegStart);
    // Every role has its owner: a `dial` node's legs belong to the flow actors.
    for (const [role, handler] of Object.entries(flowActors.roles)) calls.registerRole(role, handler);
    calls.start(earlyIntake);
    await calls.recoverInterrupted();
    // Calls whose StasisStart no process handled (it came in the instant before a kill) are in our app with no owner.
    void calls.sweep().catch((err: unknown) => logger.warn({ err }, 'start-up sweep for unowned calls failed'));
    stack.push({ name: 'calls', stop: () => calls.stop(config.shutdownDeadlineMs), budgetMs: shutdownBudget(config).drainMs });
    // Stopped before the call drain: nothing is ingested or dialled while calls finish.
    stack.push({ name: 'campaign-intake', stop: () => campaigns.stopIntake(), budgetMs: shutdownBudget(config).intakeMs });

    step('hubspot');
    const hubspot = await startHubspotLogging({ config, redis, connection: redis, logger: logger.child({ component: 'hubspot' }), metrics, recordingUrl: recordings.recordingUrl });
    stack.push({ name: 'hubspot', stop: () => hubspot.close() });
    hubspot.worker.worker.on('completed', (job, result: { callId?: string } | undefined) => {
      const recordId = (job.data as { id?: unknown } | undefined)?.id;
      if (typeof recordId === 'string' && result?.callId) history.capture.hubspotLogged(recordId, result.callId);
    });

    const ops = startObservability({ config, registry: metrics, logger, bus, readiness, redis: fast, calls, ari: telephony, ...(opts.now ? { now: opts.now } : {}) });
    stack.push({ name: 'observability', stop: () => ops.stop() });

    // Calls outside Stasis (AMI): the history and the same record spool as Stasis records (one id, published once).
    const pbxRecords: CallRecordSink = {
      async publish(record) {
        await history.capture.record(record).catch((err: unknown) => logger.error({ err, recordId: record.id }, 'PBX call record not spooled for the history'));
        return recordSpool.publish(record);
      },
      close: async () => {},
    };
    attemptSinkReady(pbxRecords);
    const pbx = pbxManager ? startPbxFeatures({ config, pbx: pbxManager, records: pbxRecords, bus, http, logger, agents: () => acd.agents() }) : undefined;
    if (pbx) stack.push({ name: 'pbx-features', stop: () => pbx.stop() });

    const reports = history.store.reports(history.thresholds);
    // The web app: wallboard, agent console, reports; one live channel (/api/live).
    const web = await startWebApp({
      http, bus, logger, acd, calls,
      campaigns: { list: () => campaigns.store.list(), progress: (id) => campaigns.store.progress(id), settings: (id) => campaigns.store.getSettings(id) },
      hours: { schedules: () => flows.current().schedules, overrides: (id) => overrides.active(id) },
      // Submitting the wrap-up ends the agent's wrap-up time (the ACD offers them the next call).
      endWrapUp: (agentId, callId) => acd.endWrapUp(agentId, callId),
      queues, settings: () => consoleSettings, desk, distDir: resolve(import.meta.dirname, '../web/dist'), csp, lookup: callerLookup,
      // The HubSpot calling extension page: the same CSP, framed by HubSpot's origins only.
      hubspotCallingCsp: webCsp({ https: httpSecurity.security.https, connect: softphoneWs ? [new URL(softphoneWs).origin] : [], frameAncestors: config.hubspotCalling.frameAncestors }),
      // Click-to-call dials through the first allowed trunk template with the first owned caller ID.
      clickToCall: {
        telephony, trunkTemplate: config.dial.trunkEndpoints[0] ?? 'PJSIP/{n}@trunk', ...(config.dial.callerIds[0] ? { callerId: config.dial.callerIds[0] } : {}),
        defaultCountry: config.defaultCountry, publish: (r) => records.publish(r), registerRole: (role, h) => calls.registerRole(role, h),
      },
      // The signed-in identity (session or API token) is the viewer; numbers masked per role.
      viewerOf: (req) => req.identity, actorOf: (req) => actorOf(req), seesNumbers: (v) => seesPii(v as Identity), mask: (x) => maskPii(x),
      access: webAccess((id) => acd.agent(id)?.queues, (id) => { const a = acd.agent(id); return a ? { state: a.state, pauseReason: a.pauseReason } : undefined; }),
      // Today's totals from the system of record (then this process's records); "today" in the reports' zone.
      today: (range) => reports.calls(range), timeZone: config.reports.timeZone,
      defaultCountry: config.defaultCountry, now: Date.now, // the ACD's clock (realClock)
    });
    stack.push({ name: 'web', stop: () => web.stop() });
    onOverrideChange = (e) => web.hoursChanged(e);
    registerAcdRoutes(http, acd);
    registerSoftphoneRoutes(http, softphoneWs ? createSoftphoneService({
      pbx: ari, wsUrl: softphoneWs, ...(config.softphone.domain ? { domain: config.softphone.domain } : {}),
      agent: (id) => acd.agent(id), secret: (v) => secrets.add(v),
    }) : undefined);
    registerHoursRoutes(http, { hours, overrides });
    registerAdminRoutes(http, { auth, sessions: stores.sessions, audit: stores.audit });
    registerFlowsAdminRoutes(http, { flows });
    registerHistoryRoutes(http, { history: history.store.history, reports, timeZone: config.reports.timeZone, now: Date.now });
    step('http');
    const httpUrl = await listenOrExplain(http, config.http, ` (is centralita already running? see ${config.dataDir}/running.json)`);
    stack.push({ name: 'http', stop: () => http.close() });
    // Zero-config first start: an admin with a random password (printed once by runMain), and
    // a fresh token for the CLI on this machine, written with where everything listens.
    const firstAdmin = await auth.ensureFirstAdmin();
    const token = await auth.issueLocalCliToken();
    await writeRuntimeInfo(config.dataDir, { pid: process.pid, startedAt: new Date().toISOString(), version: VERSION, api: { url: httpUrl, token }, redis: { url: redisUrl }, ...(sim ? { sim } : {}) });
    stack.push({ name: 'runtime-file', stop: () => removeRuntimeInfo(config.dataDir) });
    secrets.add(token);
    step('running');
    return { httpUrl, redisUrl, sim, token, ...(firstAdmin ? { firstAdmin } : {}), auth, routes: http.routeTable(), telephony, ari, calls, acd, bus, history, records: recordSpool, ...(pbx ? { pbx } : {}), stop: async () => { await stopAll(); } };
  }
}

async function restoreAcdLog(acd: Acd, history: HistoryRuntime, logger: Logger): Promise<void> {
  try {
    // What the previous process left in the spool reaches the database first (bounded wait).
    await Promise.race([history.capture.flushed(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    const to = Date.now();
    const log = await history.store.history.eventsBetween(to - 24 * 3600_000, to + 1);
    const n = acd.restoreLog({ events: log.events.map(toAcdEvent), states: log.states.map(toAgentStateEvent) });
    if (n.events || n.states) logger.info(n, 'queue statistics restored from the system of record');
  } catch (err) {
    logger.warn({ err }, 'queue statistics not restored (database unavailable); live figures start from now');
  }
}

/** Two connections to one Redis: `redis` for BullMQ and background loops, `fast` for the API path and producers. */
async function connectRedis(config: Config, url: string, logger: Logger, stack: Stack): Promise<{ redis: Redis; fast: Redis }> {
  const redis = logErrors(bullConnection(url), logger, { redis: 'bullmq' });
  stack.push({ name: 'redis-client', stop: async () => { await withDeadline(redis.quit(), 1000, () => new Error('quit')).catch(() => redis.disconnect()); } });
  const fast = logErrors(fastConnection(url, config.redisTimeouts.commandMs), logger, { redis: 'api' });
  stack.push({ name: 'redis-client-api', stop: async () => { await withDeadline(fast.quit(), 1000, () => new Error('quit')).catch(() => fast.disconnect()); } });
  await waitForRedis(fast, { url, timeoutMs: config.redisTimeouts.connectMs });
  return { redis, fast };
}

function registerRecordSpoolMetrics(metrics: Registry, spool: { stats(): { pending: number; failures: number } }): void {
  new Gauge({ name: 'centralita_record_spool_pending', help: 'Call records on local disk not yet delivered to Redis (HubSpot, dialler)', registers: [metrics], collect() { this.set(spool.stats().pending); } });
  new Gauge({ name: 'centralita_record_spool_failures', help: 'Failed deliveries of spooled call records to Redis (since start)', registers: [metrics], collect() { this.set(spool.stats().failures); } });
}

/** Flow deployments (id, version = content hash, who, when); idempotent per flow version. */
async function recordFlowDeployments(history: HistoryRuntime, flows: Iterable<{ id: string; version: string }>, by: string, logger: Logger): Promise<void> {
  const at = new Date().toISOString();
  const ds = [...flows].map((f) => ({ flowId: f.id, version: f.version, hash: f.version, by, at }));
  await history.store.history.saveFlowDeployments(ds).catch((err: unknown) => logger.warn({ err }, 'flow deployments not recorded'));
}

async function startRedis(config: Config, logger: Logger, stack: Stack, secrets: SecretSet, onFatal?: (err: Error) => void): Promise<string> {
  if (config.redis.mode === 'external') return config.redis.url;
  const dir = `${config.dataDir}/redis`;
  await mkdir(dir, { recursive: true });
  const password = await loadOrCreateSecret(config.dataDir, 'redis-password', 24);
  secrets.add(password);
  // Supervised: killed or crashed, it is started again on the same port and AOF; if it keeps
  // dying, the app exits so systemd/Docker restarts the whole thing.
  const redis = await startRedisServer({
    dir, appendOnly: true, password,
    supervise: {
      onExit: (e) => logger.error({ redisPid: e.pid, code: e.code, signal: e.signal }, 'embedded redis-server exited; restarting it'),
      onRestarted: (e) => logger.warn({ redisPid: e.pid, restarts: e.restarts }, 'embedded redis-server restarted'),
      onGiveUp: (err) => { logger.fatal({ err: { message: err.message } }, 'embedded redis-server keeps failing; exiting so the service manager restarts centralita'); onFatal?.(err); },
    },
  });
  stack.push({ name: 'redis-server', stop: () => redis.stop() });
  logger.info({ redisPort: redis.port, redisPid: redis.pid }, 'started embedded redis-server with a password (no REDIS_URL configured)');
  return redis.url;
}

async function startTelephony(config: Config, logger: Logger, stack: Stack, dids: Record<string, string>, secrets?: SecretSet, o: { events?: boolean } = {}): Promise<{ telephony: AriTelephony; sim?: RunningApp['sim'] }> {
  const log = logger;
  if (config.ari.mode === 'external') {
    const telephony = await createAriTelephony({ url: config.ari.url, user: config.ari.user, password: config.ari.password, app: config.ari.app, requestTimeoutMs: config.ari.requestTimeoutMs, rest: config.ari.restTransport, logger: log, waitForConnectionMs: 5_000, ...(o.events === false ? { events: false } : {}) });
    stack.push({ name: 'ari', stop: () => telephony.close() });
    return { telephony };
  }
  // Embedded default: the simulated PBX in-process, reached over real ARI like Asterisk. Its
  // password is kept in DATA_DIR, so it stays the same from one start to the next.
  const password = await loadOrCreateSecret(config.dataDir, 'sim-password', 18);
  secrets?.add(password);
  const amiSecret = await loadOrCreateSecret(config.dataDir, 'sim-ami-secret', 18);
  secrets?.add(amiSecret);
  const sim = await startSimulator({
    host: '127.0.0.1', port: 0, user: config.ari.user, password, soundsDir: config.soundsDir, app: config.ari.app, dids, logger: logger.child({ component: 'sim' }),
    // Configured like the shipped ari.conf, so the embedded default runs the same code path as Asterisk.
    channelvars: [...ARI_CHANNELVARS],
    // sorcery.conf as dialplan/README.md sets it for WebRTC agents: the app pushes their auth objects.
    writableSorcery: ['auth'],
    // Its manager port too (AMI), with the user dialplan/manager_custom.conf describes.
    ami: { users: [{ username: config.ami.user, secret: amiSecret, read: [...AMI_READ], write: [...AMI_WRITE], eventfilter: [...AMI_EVENTFILTERS], permit: ['127.0.0.1/32'] }] },
  });
  stack.push({ name: 'simulator', stop: () => sim.close() });
  logger.info({ simUrl: sim.url }, 'no ARI_URL configured: started the simulated PBX (place calls with POST /_sim/calls)');
  const telephony = await createAriTelephony({ url: sim.url, user: config.ari.user, password, app: config.ari.app, requestTimeoutMs: config.ari.requestTimeoutMs, rest: config.ari.restTransport, logger: log });
  stack.push({ name: 'ari', stop: () => telephony.close() });
  return { telephony, sim: { url: sim.url, user: config.ari.user, password, ...(sim.ami ? { ami: { host: sim.ami.host, port: sim.ami.port, user: config.ami.user, secret: amiSecret } } : {}) } };
}

/** The AMI session: the configured Asterisk, the simulator's manager port, or none. */
async function startAmi(config: Config, logger: Logger, stack: Stack, simAmi?: { host: string; port: number; user: string; secret: string }): Promise<PbxManager | undefined> {
  const target = config.ami.mode === 'external' ? { host: config.ami.host, port: config.ami.port, user: config.ami.user, secret: config.ami.secret } : config.ami.mode === 'embedded' ? simAmi : undefined;
  if (!target) {
    logger.info('no AMI_HOST configured: only calls that enter Stasis are recorded (see dialplan/README.md, "Every call on the PBX")');
    return undefined;
  }
  const pbx = await createAmiPbx({ host: target.host, port: target.port, username: target.user, secret: target.secret, actionTimeoutMs: config.ami.actionTimeoutMs, logger, waitForConnectionMs: config.ami.mode === 'external' ? 5_000 : 2_000 });
  stack.push({ name: 'ami', stop: () => pbx.close() });
  return pbx;
}

/** The built web app's page, when there is a build (served at /login: it signs people in). */
function webIndexHtml(csp: string): () => { html: string; csp: string } | undefined {
  const f = resolve(import.meta.dirname, '../web/dist/index.html');
  return () => (existsSync(f) ? { html: readFileSync(f, 'utf8'), csp } : undefined);
}

/** flows/console.ts (pause reasons, dispositions, wallboard thresholds); defaults without it. */
async function loadConsoleSettings(flowsDir: string): Promise<ConsoleSettings> {
  const file = resolve(flowsDir, 'console.ts');
  if (!existsSync(file)) return DEFAULT_CONSOLE;
  const mod = (await import(pathToFileURL(file).href)) as { consoleSettings?: ConsoleSettings; default?: ConsoleSettings };
  return mod.consoleSettings ?? mod.default ?? DEFAULT_CONSOLE;
}

async function loadQueues(flowsDir: string): Promise<QueuesConfig> {
  const mod = (await import(pathToFileURL(resolve(flowsDir, 'queues.ts')).href)) as { queues?: QueuesConfig };
  if (!mod.queues) throw new ConfigError([{ variable: 'FLOWS_DIR', problem: `${flowsDir}/queues.ts exports no \`queues\``, form: 'a flows folder with queues.ts', example: './flows' }]);
  return mod.queues;
}

/**
 * Workers only (`centralita worker`): HubSpot logging, campaign ingest and the dialler, for
 * scaling them out beside the app. They must share the app's Redis and Asterisk, and never
 * open the Stasis app's WebSocket (it would replace the app's): ARI REST only; how unanswered
 * attempts ended comes from the app through Redis (docs/stasis.md, "Who owns the Stasis app").
 */
export async function startWorkerProcess(config: Config, logger: Logger): Promise<{ httpUrl: string; stop(): Promise<void> }> {
  if (config.redis.mode !== 'external' || config.ari.mode !== 'external' || config.database.mode !== 'external') {
    const variable = config.redis.mode !== 'external' ? 'REDIS_URL' : config.ari.mode !== 'external' ? 'ARI_URL' : 'DATABASE_URL';
    const example = { REDIS_URL: 'redis://127.0.0.1:6379/0', ARI_URL: 'http://127.0.0.1:8088', DATABASE_URL: 'postgres://centralita:…@127.0.0.1:5432/centralita' }[variable];
    throw new ConfigError([{ variable, problem: 'is required by `centralita worker` (it must share the app\'s Redis, database and Asterisk; with embedded defaults `centralita start` already runs the workers)', form: 'see .env.example', example }]);
  }
  const redisUrl = config.redis.url;
  const stack: Stack = [];
  const progress = startProgress();
  return startWithin(config, logger, progress, stack, async () => {
    const stopAll = stopInReverse(stack, logger, { deadlineMs: shutdownBudget(config).totalMs });
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'centralita_worker_' });
    progress.step('redis');
    const { redis, fast } = await connectRedis(config, redisUrl, logger, stack);
    progress.step('telephony');
    // REST only: Asterisk keeps one WebSocket per app name, and the app process owns it.
    const { telephony: ari } = await startTelephony(config, logger, stack, {}, undefined, { events: false });
    const telephony = guardDialling(ari, config.dial, (r) => logger.warn({ refused: r }, 'dial refused by the allow-list (DIAL_*_ENDPOINTS, DIAL_CALLER_IDS, HANDOFF_CONTEXTS)'));
    progress.step('auth');
    const authStores = await openAuthStores(config, logger);
    stack.push({ name: 'auth-stores', stop: () => authStores.close() });
    const { http: httpSecurity } = await prepareAuth(config, authStores.stores);
    const http = await createHttpServer({ logger, metrics, readiness: [telephony.readiness(), redisReadiness(fast)], version: VERSION, ...httpSecurity });
    // The shared database: campaign rows (the hopper's source), HubSpot engagement ids for the
    // call history, and (with a shared RECORDING_LINK_SECRET) the app's stable recording links.
    progress.step('history (PostgreSQL)');
    const history: HistoryRuntime = await startHistory({ config, logger, bus: createEventBus(), metrics });
    stack.push({ name: 'history', stop: () => history.stop() });
    // Records of dialled attempts nobody else recorded (the dialler's, src/campaigns/attempt-record.ts):
    // the history, and a durable local spool in front of Redis, as in the app.
    progress.step('call records');
    const publisher = createCallRecordPublisher({ connection: fast, bus: createEventBus(), logger: logger.child({ component: 'records' }) });
    stack.push({ name: 'record-publisher', stop: () => publisher.close() });
    const outcomeWriter = createCallOutcomeChannel(fast);
    const recordSpool = await openRecordSpool({ dir: resolve(config.dataDir, 'spool', 'records'), publisher, alsoDeliver: (r) => outcomeWriter.publish(r), logger: logger.child({ component: 'record-spool' }) });
    stack.push({ name: 'record-spool', stop: () => recordSpool.closeWithin(Math.floor(config.shutdownMarginMs / 4)) });
    const attemptRecords = {
      async publish(record: CallRecord) {
        await history.capture.record(record).catch((err: unknown) => logger.error({ err, recordId: record.id }, 'campaign attempt record not spooled for the history'));
        return recordSpool.publish(record);
      },
    };
    progress.step('campaigns');
    const campaigns = startCampaigns({ config, redis, apiRedis: fast, redisUrl, db: history.store.campaigns, logger: logger.child({ component: 'campaigns' }), metrics, telephony, http, dialer: config.dialer, holdWithoutStasisOwner: true, attemptRecords, ...(config.campaigns.mode === 's3' && config.campaigns.sqsDeadLetterQueueUrl ? { sqsDeadLetterQueueUrl: config.campaigns.sqsDeadLetterQueueUrl } : {}) });
    stack.push({ name: 'campaigns', stop: () => campaigns.stop() });
    // Intake (ingest, dialling) stops first, as in the app.
    stack.push({ name: 'campaign-intake', stop: () => campaigns.stopIntake(), budgetMs: shutdownBudget(config).intakeMs });
    const links = config.recordings.linkSecret ? recordingLinks(config.recordings.linkSecret, config.publicBaseUrl) : undefined;
    if (!links && config.publicBaseUrl) logger.warn('RECORDING_LINK_SECRET is not set: calls logged by this worker carry no recording link (set the same secret as the app)');
    const recordingUrl = links ? async (r: CallRecord) => {
      const name = r.recording?.name ?? r.voicemail?.name;
      return name ? links.url(name, (await history.store.recordings.get(name).catch(() => undefined))?.linkVersion ?? 1) : undefined;
    } : undefined;
    progress.step('hubspot');
    const hubspot = await startHubspotLogging({ config, redis, connection: redis, logger: logger.child({ component: 'hubspot' }), metrics, ...(recordingUrl ? { recordingUrl } : {}) });
    stack.push({ name: 'hubspot', stop: () => hubspot.close() });
    hubspot.worker.worker.on('completed', (job, result: { callId?: string } | undefined) => {
      const recordId = (job.data as { id?: unknown } | undefined)?.id;
      if (typeof recordId === 'string' && result?.callId) history.capture.hubspotLogged(recordId, result.callId);
    });
    progress.step('http');
    const httpUrl = await listenOrExplain(http, config.http);
    stack.push({ name: 'http', stop: () => http.close() });
    progress.step('running');
    return { httpUrl, stop: async () => { await stopAll(); } };
  });
}

export async function runMain(env: Record<string, string | undefined>, opts: { workersOnly?: boolean; earlyHandBack?: EarlyHandBack } = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
  const secrets = createSecretSet(config.secrets);
  const logger = createLogger({ level: config.logLevel, secrets });
  // Anything that escapes is one JSON line, never a raw stack dump on stderr.
  process.on('uncaughtException', (err) => { logger.fatal({ err, code: 'UNCAUGHT_EXCEPTION' }, 'uncaught exception; exiting'); logger.flush?.(); process.exit(1); });
  process.on('unhandledRejection', (err) => { logger.error({ err, code: 'UNHANDLED_REJECTION' }, 'unhandled promise rejection'); });
  let app: Pick<RunningApp, 'httpUrl' | 'stop' | 'sim' | 'firstAdmin'> | undefined;
  let stopping = false;
  const budget = shutdownBudget(config);
  const exitWithin = (code: number, why: string) => {
    // The stop keeps its own deadline per step; this is the last guard (SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS).
    const t = setTimeout(() => { logger.error({ deadlineMs: budget.totalMs, code: 'SHUTDOWN_DEADLINE' }, 'shutdown deadline passed; exiting now'); logger.flush?.(); process.exit(1); }, budget.totalMs + 500);
    t.unref();
    const done = app ? app.stop() : Promise.resolve();
    done.then(
      () => { logger.info({ exitCode: code }, why); logger.flush?.(); process.exit(code); },
      (err: unknown) => { logger.error({ err }, 'shutdown failed'); logger.flush?.(); process.exit(1); },
    );
  };
  // The app cannot go on (the embedded Redis keeps dying): stop within the deadline, exit 1.
  const onFatal = () => { if (stopping) return; stopping = true; exitWithin(1, 'stopped after a fatal error'); };
  try {
    app = opts.workersOnly ? await startWorkerProcess(config, logger) : await startCentralita(config, logger, { secrets, onFatal, ...(opts.earlyHandBack ? { earlyHandBack: opts.earlyHandBack } : {}) });
  } catch (err) {
    if (err instanceof RedisServerMissingError || err instanceof PostgresServerMissingError || err instanceof FlowCheckError || err instanceof ConfigError || err instanceof CentralitaError) {
      process.stderr.write(`${err instanceof ConfigError ? '' : 'centralita: '}${err.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err }, 'start-up failed');
    logger.flush?.();
    process.exit(1);
  }
  process.stdout.write(
    `centralita ${VERSION} ${opts.workersOnly ? 'worker ' : ''}running\n  API and dashboard: ${app.httpUrl}/  (sign in at ${app.httpUrl}/login)\n  health: ${app.httpUrl}/healthz  readiness: ${app.httpUrl}/readyz  metrics: ${app.httpUrl}/metrics (API token)\n` +
      // Printed here once, never logged: only the argon2 hash is stored.
      (app.firstAdmin ? `  first start: created user '${app.firstAdmin.username}' with password ${app.firstAdmin.password}\n    (shown only this once; sign in and keep it, or create your own users: npx centralita users add)\n` : '') +
      (opts.workersOnly ? '' : `  the CLI on this machine finds this app through ${config.dataDir}/running.json (owner-only)\n`) +
      (app.sim
        ? `  simulated PBX (ARI): ${app.sim.url}/ari  user ${app.sim.user}  password ${app.sim.password}\n` +
          `  place a call: curl -u ${app.sim.user}:${app.sim.password} -XPOST ${app.sim.url}/_sim/calls -H 'content-type: application/json' -d '{"from":"3001234567","to":"6015550100"}'\n`
        : '') +
      '  Ctrl-C to stop\n',
  );
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.shutdownDeadlineMs, deadlineMs: budget.totalMs }, 'shutting down: intake and dialling stop first; live calls get SHUTDOWN_DEADLINE_MS to finish');
    exitWithin(0, 'stopped cleanly');
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
