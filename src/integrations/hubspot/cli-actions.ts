// What the `centralita hubspot` commands do, kept out of src/cli so the command table stays small.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQueue } from '../../jobs/bull.ts';
import { Redis } from 'ioredis';
import { loadConfig, ConfigError, type Config } from '../../config.ts';
import { QUEUES, KEY_PREFIX } from '../../jobs/names.ts';
import type { CallRecord } from '../../domain/call-record.ts';
import { CallRecordSchema, hubspotKeys, type DeadLetter } from '../../workers/hubspot.ts';
import { loadHubspotSettings, createCrmFromConfig, resolvePortal } from './index.ts';
import { createCallLogger, type LogOutcome } from './call-logger.ts';
import { createRedisLedger } from './ledger.ts';
import { createFileLedger, createFileUnassociatedStore } from './local-state.ts';
import { createRedisUnassociatedStore } from './unassociated.ts';
import { replayDeadLetters, replayFailed } from './replay.ts';
import { reconcileUnassociated } from './reconcile.ts';
import { runSetupCheck } from './setup.ts';
import { createHubspotHttp } from './sdk-http.ts';
import { createMemoryBudget } from './budget.ts';
import { budgetLimits } from './settings.ts';

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(`centralita hubspot: ${line}\n`);

function config(env: Record<string, string | undefined>) {
  try { return loadConfig(env); } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); return undefined; }
    throw e;
  }
}

/** Where the commands keep their state: the shared Redis, or files in DATA_DIR without REDIS_URL. */
function localState(cfg: Config, redis: Redis | undefined) {
  const keys = hubspotKeys(KEY_PREFIX);
  return {
    where: redis ? 'Redis' : `files in ${cfg.dataDir}`,
    calls: redis ? createRedisLedger(redis, keys.ledger) : createFileLedger(join(cfg.dataDir, 'hubspot-ledger.json')),
    contacts: redis ? createRedisLedger(redis, keys.contacts) : createFileLedger(join(cfg.dataDir, 'hubspot-contacts-ledger.json')),
    unassociated: redis ? createRedisUnassociatedStore(redis, keys.unassociated) : createFileUnassociatedStore(join(cfg.dataDir, 'hubspot-unassociated.json')),
  };
}

export async function runLog(env: Record<string, string | undefined>, file: string, settingsFile?: string): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { err(`cannot read ${file}: ${(e as Error).message}`); return 1; }
  const list = Array.isArray(raw) ? raw : [raw];
  const records: CallRecord[] = [];
  for (const [i, r] of list.entries()) {
    const p = CallRecordSchema.safeParse(r);
    if (!p.success) { err(`record ${i} is not a valid CallRecord (HUBSPOT_BAD_RECORD): ${p.error.issues.map((x) => `${x.path.join('.') || '(root)'}: ${x.message}`).join('; ')}`); return 1; }
    records.push(p.data as unknown as CallRecord);
  }
  const settings = loadHubspotSettings(cfg, settingsFile);
  // With REDIS_URL the shared ledger and budget are used; otherwise a ledger file in DATA_DIR,
  // so a repeat is recognised with or without a token.
  const redis = cfg.redis.mode === 'external' ? new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 }) : undefined;
  const keys = hubspotKeys(KEY_PREFIX);
  const handle = createCrmFromConfig(cfg, settings, redis, keys.budget);
  const state = localState(cfg, redis);
  try {
    out(handle.describe);
    const portal = handle.mode === 'api' ? await resolvePortal({ settings, crm: handle.crm, ...(redis ? { redis, key: keys.portal } : {}) }) : undefined;
    handle.setTimeZone(portal?.timeZone);
    const known = await state.calls.get(records.map((r) => r.id));
    if (!redis && handle.mode === 'api') {
      // No shared ledger: another machine may have logged it; HubSpot knows (record-id search).
      const unknown = records.filter((r) => !known.has(r.id)).map((r) => r.id);
      const existing = unknown.length ? await handle.crm.findCallsByRecordId(unknown) : new Map<string, string>();
      await state.calls.markDone([...existing].map(([key, id]) => ({ key, id })), Date.now());
    }
    const logger = createCallLogger({
      crm: handle.crm, settings, calls: state.calls, contacts: state.contacts,
      ...(portal ? { portal: () => portal } : {}),
      onUnassociated: (calls) => state.unassociated.put(calls),
    });
    const results = records.length ? await logger.logBatch(records, Date.now()) : new Map<string, LogOutcome>();
    let failed = 0;
    for (const [id, o] of results) {
      out(JSON.stringify({ recordId: id, ...o }));
      if (o.kind !== 'logged' && o.kind !== 'duplicate') failed++;
    }
    return failed ? 2 : 0;
  } finally {
    handle.close();
    redis?.disconnect();
  }
}

/** Checks (and prepares) the portal before logging: scopes, record-id property, outcomes, statuses. */
export async function runSetup(env: Record<string, string | undefined>, opts: { settingsFile?: string; check?: boolean }): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  if (cfg.hubspot.mode !== 'api') { err('set HUBSPOT_TOKEN (a private-app token) to check a portal; without it calls go to the local outbox'); return 1; }
  const settings = loadHubspotSettings(cfg, opts.settingsFile);
  const http = createHubspotHttp({ baseUrl: cfg.hubspot.baseUrl, token: cfg.hubspot.token, budget: createMemoryBudget({ limits: budgetLimits(settings) }), requestTimeoutMs: settings.requestTimeoutMs });
  try {
    const r = await runSetupCheck({ http, token: cfg.hubspot.token, settings, create: !opts.check, say: out });
    for (const w of r.warnings) out(`warning: ${w}`);
    for (const m of r.missing) out(`MISSING: ${m}`);
    out(r.ok ? 'ready: HubSpot has everything centralita needs' : `not ready: ${r.missing.length} thing(s) missing (see above)`);
    out(JSON.stringify({ ok: r.ok, missing: r.missing.length, created: r.created, warnings: r.warnings.length, portal: r.portal }));
    return r.ok ? 0 : 2;
  } catch (e) {
    err(`setup check stopped (${(e as { code?: string }).code ?? 'ERROR'}): ${(e as Error).message}`);
    return 2;
  }
}

export async function runReplay(env: Record<string, string | undefined>, dlq: boolean): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  if (cfg.redis.mode !== 'external') {
    err('replay needs the Redis of the running instance: set REDIS_URL (the embedded redis-server only runs inside `centralita start`)');
    return 1;
  }
  const redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: null });
  // A Redis outage shows as the command's own error; reconnect noise goes to stderr as JSON.
  const errors = { warn: (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`), error: (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`) };
  const callRecords = createQueue(QUEUES.callRecords, { connection: redis }, errors);
  const dead = createQueue<DeadLetter>(QUEUES.hubspotDlq, { connection: redis }, errors);
  try {
    const r = dlq ? await replayDeadLetters(callRecords, dead) : await replayFailed(callRecords);
    out(JSON.stringify({ source: dlq ? QUEUES.hubspotDlq : `${QUEUES.callRecords} (failed)`, ...r }));
    return 0;
  } finally {
    await callRecords.close();
    await dead.close();
    redis.disconnect();
  }
}

export async function runUnassociated(env: Record<string, string | undefined>): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  const redis = cfg.redis.mode === 'external' ? new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 }) : undefined;
  const state = localState(cfg, redis);
  try {
    if (!redis) err(`no REDIS_URL: listing the calls \`hubspot log\` kept in ${state.where} (the running app keeps its own in its Redis)`);
    for await (const page of state.unassociated.pages(500)) for (const e of page) out(e.raw);
    return 0;
  } finally {
    redis?.disconnect();
  }
}

/** Associates calls logged without a contact to contacts that exist now (same matching and rule as logging). */
export async function runReconcile(env: Record<string, string | undefined>, settingsFile?: string): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  const redis = cfg.redis.mode === 'external' ? new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 }) : undefined;
  const keys = hubspotKeys(KEY_PREFIX);
  const settings = loadHubspotSettings(cfg, settingsFile);
  const handle = createCrmFromConfig(cfg, settings, redis, keys.budget);
  const state = localState(cfg, redis);
  try {
    out(handle.describe);
    if (!redis) err(`no REDIS_URL: reconciling the calls kept in ${state.where}`);
    const portal = handle.mode === 'api' ? await resolvePortal({ settings, crm: handle.crm, ...(redis ? { redis, key: keys.portal } : {}) }) : undefined;
    handle.setTimeZone(portal?.timeZone);
    const r = await reconcileUnassociated({
      store: state.unassociated, crm: handle.crm, settings, ...(portal ? { portal } : {}),
      onAssociated: (c) => out(JSON.stringify({ recordId: c.recordId, callId: c.callId, contactId: c.contactId, kind: 'associated' })),
      onRefused: (c, reason) => out(JSON.stringify({ recordId: c.recordId, callId: c.callId, kind: 'refused', reason })),
    });
    out(JSON.stringify({ summary: r }));
    return 0;
  } catch (e) {
    err(`reconcile stopped (${(e as { code?: string }).code ?? 'ERROR'}): ${(e as Error).message}; associated entries are already removed, run it again later`);
    return 2;
  } finally {
    handle.close();
    redis?.disconnect();
  }
}
