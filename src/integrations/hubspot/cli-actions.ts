// What the `centralita hubspot` commands do, kept out of src/cli so the command table stays small.
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, ConfigError } from '../../config.ts';
import { QUEUES, KEY_PREFIX } from '../../jobs/names.ts';
import type { CallRecord } from '../../domain/call-record.ts';
import { CallRecordSchema, hubspotKeys, type DeadLetter } from '../../workers/hubspot.ts';
import { loadHubspotSettings, createCrmFromConfig } from './index.ts';
import { createCallLogger } from './call-logger.ts';
import { createMemoryLedger, createRedisLedger } from './ledger.ts';
import { replayDeadLetters, replayFailed } from './replay.ts';
import { reconcileUnassociated } from './reconcile.ts';

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(`centralita hubspot: ${line}\n`);

function config(env: Record<string, string | undefined>) {
  try { return loadConfig(env); } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); return undefined; }
    throw e;
  }
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
  // With REDIS_URL the shared ledger and budget are used; otherwise the record-id search guards repeats.
  const redis = cfg.redis.mode === 'external' ? new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 }) : undefined;
  const keys = hubspotKeys(KEY_PREFIX);
  const handle = createCrmFromConfig(cfg, settings, redis, keys.budget);
  try {
    out(handle.describe);
    if (!redis && handle.mode === 'api') {
      const existing = await handle.crm.findCallsByRecordId(records.map((r) => r.id));
      for (const [id, callId] of existing) out(JSON.stringify({ recordId: id, kind: 'duplicate', callId }));
      records.splice(0, records.length, ...records.filter((r) => !existing.has(r.id)));
    }
    const logger = createCallLogger({
      crm: handle.crm, settings,
      calls: redis ? createRedisLedger(redis, keys.ledger) : createMemoryLedger(),
      contacts: redis ? createRedisLedger(redis, keys.contacts) : createMemoryLedger(),
    });
    const results = records.length ? await logger.logBatch(records, Date.now()) : new Map();
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

export async function runReplay(env: Record<string, string | undefined>, dlq: boolean): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  if (cfg.redis.mode !== 'external') {
    err('replay needs the Redis of the running instance: set REDIS_URL (the embedded redis-server only runs inside `centralita start`)');
    return 1;
  }
  const redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: null });
  const callRecords = new Queue(QUEUES.callRecords, { connection: redis });
  const dead = new Queue<DeadLetter>(QUEUES.hubspotDlq, { connection: redis });
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
  if (cfg.redis.mode !== 'external') { err('set REDIS_URL to the Redis of the running instance'); return 1; }
  const redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 });
  try {
    const key = hubspotKeys(KEY_PREFIX).unassociated;
    let cursor = '0';
    do {
      const [next, kv] = await redis.hscan(key, cursor, 'COUNT', 500);
      for (let i = 1; i < kv.length; i += 2) out(kv[i]!);
      cursor = next;
    } while (cursor !== '0');
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** Associates calls logged without a contact to contacts that exist now (same matching and rule as logging). */
export async function runReconcile(env: Record<string, string | undefined>, settingsFile?: string): Promise<number> {
  const cfg = config(env);
  if (!cfg) return 1;
  if (cfg.redis.mode !== 'external') { err('set REDIS_URL to the Redis of the running instance'); return 1; }
  const redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 });
  const keys = hubspotKeys(KEY_PREFIX);
  const settings = loadHubspotSettings(cfg, settingsFile);
  const handle = createCrmFromConfig(cfg, settings, redis, keys.budget);
  try {
    out(handle.describe);
    const r = await reconcileUnassociated({ redis, key: keys.unassociated, crm: handle.crm, matchRule: settings.matchRule, onAssociated: (c) => out(JSON.stringify({ recordId: c.recordId, callId: c.callId, contactId: c.contactId, kind: 'associated' })) });
    out(JSON.stringify({ summary: r }));
    return 0;
  } catch (e) {
    err(`reconcile stopped (${(e as { code?: string }).code ?? 'ERROR'}): ${(e as Error).message}; associated entries are already removed, run it again later`);
    return 2;
  } finally {
    handle.close();
    redis.disconnect();
  }
}
