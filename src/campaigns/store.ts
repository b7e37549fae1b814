// Campaign state in Redis: settings, run state (active / paused / cancelled / completed), the
// phone → row map used for dedupe, each file's rows in file order, and the exactly-once ledgers
// of attempt and final outcomes. Counters only move when a ledger entry is first written (HSETNX
// in one Lua script), so a re-run job or a redelivered S3 event can never count twice.
// A campaign is `completed` when every queued row has its final outcome and no file is being
// ingested (an ingest holds a lease); a new file's rows make it active again.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../jobs/names.ts';
import type { AttemptOutcome, CampaignSettings, FinalOutcome } from '../domain/campaign.ts';
import { luaScript } from './redis-script.ts';
import { DNC_KEY } from './dnc.ts';

export type CampaignRunState = 'active' | 'paused' | 'cancelled' | 'completed';
/** Result of admitting one row: new, re-ingest of a row not dialled yet (re-add), already handled, duplicate number, on DNC. */
export type AdmitCode = 'new' | 'again' | 'handled' | 'duplicate' | 'do-not-call';
const ADMIT_CODES: AdmitCode[] = ['new', 'again', 'handled', 'duplicate', 'do-not-call'];

export interface CampaignProgress {
  campaignId: string;
  state: CampaignRunState;
  queued: number;
  rejected: number;
  dialling: number;
  answered: number;
  voicemail: number;
  busy: number;
  declined: number;
  'no-answer': number;
  'unknown-number': number;
  failed: number;
  retried: number;
  done: number;
  final: Record<string, number>;
  files: number;
  /** When the last row became final (state `completed`). */
  completedAt?: string;
  updatedAt?: string;
}

// Lua: marks the campaign completed when every queued row is final and no ingest holds a lease.
// Needs locals meta, stats, ingesting (keys) and now (ms).
const COMPLETE_IF_DONE = `
local function complete_if_done(meta, stats, ingesting, now)
  local st = redis.call('HGET', meta, 'state')
  if st == 'cancelled' or st == 'completed' then return 0 end
  redis.call('ZREMRANGEBYSCORE', ingesting, '-inf', now)
  if redis.call('ZCARD', ingesting) > 0 then return 0 end
  local q = tonumber(redis.call('HGET', stats, 'queued') or '0')
  local d = tonumber(redis.call('HGET', stats, 'done') or '0')
  if d < q then return 0 end
  redis.call('HSET', meta, 'state', 'completed', 'completedAt', now)
  return 1
end`;
const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Rows: KEYS phones, dnc, stats, dialled-rows, meta, file rows (zset, or '' ); ARGV triples
// phone,rowId,rowNumber. Codes index ADMIT_CODES. New rows of a completed campaign reopen it.
const ADMIT = luaScript(`
local out = {}
local added = 0
for i = 1, #ARGV, 3 do
  local phone, row, n = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local cur = redis.call('HGET', KEYS[1], phone)
  if cur == row then
    if redis.call('HEXISTS', KEYS[4], row) == 1 then out[#out + 1] = 2 else out[#out + 1] = 1 end
  elseif cur then
    out[#out + 1] = 3
  elseif redis.call('SISMEMBER', KEYS[2], phone) == 1 then
    out[#out + 1] = 4
  else
    redis.call('HSET', KEYS[1], phone, row)
    if KEYS[6] ~= '' and n ~= '' then redis.call('ZADD', KEYS[6], tonumber(n), phone) end
    added = added + 1
    out[#out + 1] = 0
  end
end
if added > 0 then
  redis.call('HINCRBY', KEYS[3], 'queued', added)
  if redis.call('HGET', KEYS[5], 'state') == 'completed' then redis.call('HSET', KEYS[5], 'state', 'active') redis.call('HDEL', KEYS[5], 'completedAt') end
end
return out`);

// KEYS attempts, final, stats, row-log, final-at, meta, ingesting; ARGV rowId, attempt, outcome,
// decision(final|retry), finalOutcome. row-log: rowId → "attempts|last outcome|ended at ms".
// Returns {first write of this attempt, campaign completed by this call}.
const SETTLE = luaScript(`${COMPLETE_IF_DONE}
${NOW_MS}
local field = ARGV[1] .. ':a' .. ARGV[2]
local first = redis.call('HSETNX', KEYS[1], field, ARGV[3])
if first == 1 and ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. now)
end
local completed = 0
if ARGV[4] == 'final' then
  if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[5]) == 1 then
    redis.call('HINCRBY', KEYS[3], 'done', 1)
    redis.call('HINCRBY', KEYS[3], 'final:' .. ARGV[5], 1)
    redis.call('HSET', KEYS[5], ARGV[1], now)
    completed = complete_if_done(KEYS[6], KEYS[3], KEYS[7], now)
  end
elseif first == 1 then
  redis.call('HINCRBY', KEYS[3], 'retried', 1)
end
return {first, completed}`);

// KEYS ingesting; ARGV fileId, leaseMs (0 = release)
const INGEST_LEASE = luaScript(`${NOW_MS}
if ARGV[2] == '0' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
return 1`);

// KEYS meta, stats, ingesting → 1 when this call completed the campaign
const CHECK_COMPLETED = luaScript(`${COMPLETE_IF_DONE}
${NOW_MS}
return complete_if_done(KEYS[1], KEYS[2], KEYS[3], now)`);

export interface CampaignStore {
  readonly prefix: string;
  key(campaignId: string, part: string): string;
  saveSettings(campaignId: string, settings: CampaignSettings): Promise<void>;
  getSettings(campaignId: string): Promise<CampaignSettings | undefined>;
  getState(campaignId: string): Promise<CampaignRunState>;
  setState(campaignId: string, state: CampaignRunState): Promise<void>;
  list(): Promise<string[]>;
  /** Dedupe + DNC; with `fileId`, new rows are also kept in file order for the results report. */
  admit(campaignId: string, rows: { phone: string; rowId: string; rowNumber?: number }[], fileId?: string): Promise<AdmitCode[]>;
  addRejected(campaignId: string, n: number): Promise<void>;
  noteFile(campaignId: string, fileId: string, summary: unknown): Promise<void>;
  /** Marks that attempt's channel as dialled; false when it already was (crash recovery: do not dial again). */
  markDialled(campaignId: string, rowId: string, channelId: string, atMs: number): Promise<boolean>;
  dialledAt(campaignId: string, channelId: string): Promise<number | undefined>;
  attemptOutcome(campaignId: string, rowId: string, attempt: number): Promise<string | undefined>;
  finalOutcome(campaignId: string, rowId: string): Promise<string | undefined>;
  /** Records an attempt's outcome and what follows; returns true the first time only. */
  settle(campaignId: string, rowId: string, attempt: number, outcome: AttemptOutcome | '', next: { final: true; outcome: FinalOutcome } | { final: false }): Promise<boolean>;
  progress(campaignId: string): Promise<CampaignProgress>;
  /** An ingest of `fileId` is running (renewed on progress): the campaign cannot complete meanwhile. */
  holdIngest(campaignId: string, fileId: string, leaseMs: number): Promise<void>;
  releaseIngest(campaignId: string, fileId: string): Promise<void>;
  /** Marks the campaign completed if every row is final; true when this call did it. */
  checkCompleted(campaignId: string): Promise<boolean>;
}

export interface CampaignStoreOptions {
  prefix?: string;
  dncKey?: string;
  /** Called (once, by the process whose call completed it) when a campaign becomes completed. */
  onCompleted?: (campaignId: string) => void;
}

export function createCampaignStore(redis: Redis, opts: CampaignStoreOptions = {}): CampaignStore {
  const prefix = opts.prefix ?? KEY_PREFIX;
  const dncKey = opts.dncKey ?? (opts.prefix ? `${prefix}:dnc` : DNC_KEY);
  const key = (id: string, part: string) => `${prefix}:campaign:${id}:${part}`;
  const checkCompleted = async (id: string) => {
    const done = (await CHECK_COMPLETED(redis, [key(id, 'meta'), key(id, 'stats'), key(id, 'ingesting')], [])) === 1;
    if (done) opts.onCompleted?.(id);
    return done;
  };
  return {
    prefix,
    key,
    async saveSettings(id, settings) {
      await redis.multi().hset(key(id, 'meta'), 'settings', JSON.stringify(settings)).hsetnx(key(id, 'meta'), 'state', 'active').sadd(`${prefix}:campaigns`, id).exec();
    },
    async getSettings(id) {
      const s = await redis.hget(key(id, 'meta'), 'settings');
      return s ? (JSON.parse(s) as CampaignSettings) : undefined;
    },
    async getState(id) {
      return ((await redis.hget(key(id, 'meta'), 'state')) as CampaignRunState | null) ?? 'active';
    },
    async setState(id, state) {
      const cur = await redis.hget(key(id, 'meta'), 'state');
      // Cancel is final: a cancelled campaign is never resumed by mistake.
      if (cur === 'cancelled' && state !== 'cancelled') throw Object.assign(new Error(`campaign ${id} is cancelled; it cannot be ${state === 'active' ? 'resumed' : 'paused'}`), { code: 'CAMPAIGN_CANCELLED' });
      await redis.multi().hset(key(id, 'meta'), 'state', state, 'stateAt', new Date().toISOString()).hdel(key(id, 'meta'), 'completedAt').sadd(`${prefix}:campaigns`, id).exec();
      // Resuming a campaign with nothing left to dial completes it again.
      if (state === 'active') await checkCompleted(id);
    },
    async list() {
      return (await redis.smembers(`${prefix}:campaigns`)).sort();
    },
    async admit(id, rows, fileId) {
      if (rows.length === 0) return [];
      const args: string[] = [];
      for (const r of rows) args.push(r.phone, r.rowId, r.rowNumber === undefined ? '' : String(r.rowNumber));
      const codes = (await ADMIT(redis, [key(id, 'phones'), dncKey, key(id, 'stats'), key(id, 'dialled-rows'), key(id, 'meta'), fileId ? key(id, `rows:${fileId}`) : ''], args)) as number[];
      return codes.map((c) => ADMIT_CODES[c]!);
    },
    async addRejected(id, n) {
      if (n > 0) await redis.hincrby(key(id, 'stats'), 'rejected', n);
    },
    async noteFile(id, fileId, summary) {
      await redis.hset(key(id, 'files'), fileId, JSON.stringify(summary));
    },
    async markDialled(id, rowId, channelId, atMs) {
      const r = await redis.multi().hsetnx(key(id, 'dialled'), channelId, String(atMs)).hset(key(id, 'dialled-rows'), rowId, channelId).exec();
      return r?.[0]?.[1] === 1;
    },
    async dialledAt(id, channelId) {
      const v = await redis.hget(key(id, 'dialled'), channelId);
      return v === null ? undefined : Number(v);
    },
    async attemptOutcome(id, rowId, attempt) {
      return (await redis.hget(key(id, 'attempts'), `${rowId}:a${attempt}`)) ?? undefined;
    },
    async finalOutcome(id, rowId) {
      return (await redis.hget(key(id, 'final'), rowId)) ?? undefined;
    },
    async settle(id, rowId, attempt, outcome, next) {
      const [first, completed] = (await SETTLE(redis, [key(id, 'attempts'), key(id, 'final'), key(id, 'stats'), key(id, 'row-log'), key(id, 'final-at'), key(id, 'meta'), key(id, 'ingesting')], [rowId, attempt, outcome, next.final ? 'final' : 'retry', next.final ? next.outcome : ''])) as [number, number];
      if (completed === 1) opts.onCompleted?.(id);
      return first === 1;
    },
    async holdIngest(id, fileId, leaseMs) {
      await INGEST_LEASE(redis, [key(id, 'ingesting')], [fileId, Math.max(1, Math.round(leaseMs))]);
    },
    async releaseIngest(id, fileId) {
      await INGEST_LEASE(redis, [key(id, 'ingesting')], [fileId, 0]);
    },
    checkCompleted,
    async progress(id) {
      const [stats, [state, completedAt], dialling, fileSummaries] = await Promise.all([
        redis.hgetall(key(id, 'stats')),
        redis.hmget(key(id, 'meta'), 'state', 'completedAt'),
        redis.zcard(key(id, 'sem')),
        redis.hvals(key(id, 'files')),
      ]);
      // Rejected rows are counted per file version (a re-ingest overwrites its own entry).
      let rejectedRows = 0;
      for (const f of fileSummaries) rejectedRows += Number((JSON.parse(f) as { rejected?: number }).rejected ?? 0);
      const files = fileSummaries.length;
      const n = (k: string) => Number(stats[k] ?? 0);
      const final: Record<string, number> = {};
      for (const [k, v] of Object.entries(stats)) if (k.startsWith('final:')) final[k.slice(6)] = Number(v);
      return {
        campaignId: id,
        state: (state as CampaignRunState | null) ?? 'active',
        queued: n('queued'), rejected: rejectedRows + n('rejected'), dialling, answered: n('answered'), voicemail: n('voicemail'),
        busy: n('busy'), declined: n('declined'), 'no-answer': n('no-answer'), 'unknown-number': n('unknown-number'), failed: n('failed'), retried: n('retried'), done: n('done'), final, files,
        ...(state === 'completed' && completedAt ? { completedAt: new Date(Number(completedAt)).toISOString() } : {}),
      };
    },
  };
}
