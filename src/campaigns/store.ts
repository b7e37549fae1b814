// Campaign state in Redis: settings, run state (active / paused / cancelled), the phone →
// row map used for dedupe, and the exactly-once ledgers of attempt and final outcomes.
// Counters only move when a ledger entry is first written (HSETNX in one Lua script), so a
// re-run job or a redelivered S3 event can never count twice.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../jobs/names.ts';
import type { AttemptOutcome, CampaignSettings, FinalOutcome } from '../domain/campaign.ts';
import { luaScript } from './redis-script.ts';
import { DNC_KEY } from './dnc.ts';

export type CampaignRunState = 'active' | 'paused' | 'cancelled';
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
  'no-answer': number;
  failed: number;
  retried: number;
  done: number;
  final: Record<string, number>;
  files: number;
  updatedAt?: string;
}

// Rows: KEYS phones, dnc, stats, dialled-rows; ARGV pairs phone,rowId. Codes index ADMIT_CODES.
const ADMIT = luaScript(`
local out = {}
local added = 0
for i = 1, #ARGV, 2 do
  local phone, row = ARGV[i], ARGV[i + 1]
  local cur = redis.call('HGET', KEYS[1], phone)
  if cur == row then
    if redis.call('HEXISTS', KEYS[4], row) == 1 then out[#out + 1] = 2 else out[#out + 1] = 1 end
  elseif cur then
    out[#out + 1] = 3
  elseif redis.call('SISMEMBER', KEYS[2], phone) == 1 then
    out[#out + 1] = 4
  else
    redis.call('HSET', KEYS[1], phone, row)
    added = added + 1
    out[#out + 1] = 0
  end
end
if added > 0 then redis.call('HINCRBY', KEYS[3], 'queued', added) end
return out`);

// KEYS attempts, final, stats; ARGV rowId, attempt, outcome, decision(final|retry), finalOutcome.
const SETTLE = luaScript(`
local field = ARGV[1] .. ':a' .. ARGV[2]
local first = redis.call('HSETNX', KEYS[1], field, ARGV[3])
if first == 1 and ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[3], 1) end
if ARGV[4] == 'final' then
  if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[5]) == 1 then
    redis.call('HINCRBY', KEYS[3], 'done', 1)
    redis.call('HINCRBY', KEYS[3], 'final:' .. ARGV[5], 1)
  end
elseif first == 1 then
  redis.call('HINCRBY', KEYS[3], 'retried', 1)
end
return first`);

export interface CampaignStore {
  readonly prefix: string;
  key(campaignId: string, part: string): string;
  saveSettings(campaignId: string, settings: CampaignSettings): Promise<void>;
  getSettings(campaignId: string): Promise<CampaignSettings | undefined>;
  getState(campaignId: string): Promise<CampaignRunState>;
  setState(campaignId: string, state: CampaignRunState): Promise<void>;
  list(): Promise<string[]>;
  admit(campaignId: string, rows: { phone: string; rowId: string }[]): Promise<AdmitCode[]>;
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
}

export function createCampaignStore(redis: Redis, opts: { prefix?: string; dncKey?: string } = {}): CampaignStore {
  const prefix = opts.prefix ?? KEY_PREFIX;
  const dncKey = opts.dncKey ?? (opts.prefix ? `${prefix}:dnc` : DNC_KEY);
  const key = (id: string, part: string) => `${prefix}:campaign:${id}:${part}`;
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
      await redis.multi().hset(key(id, 'meta'), 'state', state, 'stateAt', new Date().toISOString()).sadd(`${prefix}:campaigns`, id).exec();
    },
    async list() {
      return (await redis.smembers(`${prefix}:campaigns`)).sort();
    },
    async admit(id, rows) {
      if (rows.length === 0) return [];
      const args: string[] = [];
      for (const r of rows) args.push(r.phone, r.rowId);
      const codes = (await ADMIT(redis, [key(id, 'phones'), dncKey, key(id, 'stats'), key(id, 'dialled-rows')], args)) as number[];
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
      const r = await SETTLE(redis, [key(id, 'attempts'), key(id, 'final'), key(id, 'stats')], [rowId, attempt, outcome, next.final ? 'final' : 'retry', next.final ? next.outcome : '']);
      return r === 1;
    },
    async progress(id) {
      const [stats, state, dialling, fileSummaries] = await Promise.all([
        redis.hgetall(key(id, 'stats')),
        redis.hget(key(id, 'meta'), 'state'),
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
        busy: n('busy'), 'no-answer': n('no-answer'), failed: n('failed'), retried: n('retried'), done: n('done'), final, files,
      };
    },
  };
}
