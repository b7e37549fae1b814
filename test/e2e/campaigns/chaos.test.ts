// Chaos: two dialler worker processes SIGKILLed at random moments during a 1,000-row campaign
// and restarted, each with its hopper (rows in PostgreSQL, a few due attempts in BullMQ). Afterwards every row has exactly one final outcome, no attempt was dialled
// twice, nothing was lost, and each row's attempts are numbered 1..k without gaps.
import { describe, it, expect, afterAll, inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ingestCampaignFile } from '../../../src/campaigns/ingest.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createCallOutcomeChannel } from '../../../src/jobs/call-outcome.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import type { OriginateRequest, TelephonyEvent } from '../../../src/telephony/port.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

const P = 'e2e-chaos';
const ROWS = 1000;
const url = inject('redisUrl');
const redis = new Redis(url, { maxRetriesPerRequest: null });
const pbxConn = new Redis(url, { maxRetriesPerRequest: null });
const children = new Set<ChildProcess>();
let stopPbx = false;
let cdb: CampaignTestDb | undefined;
afterAll(async () => {
  await cdb?.close();
  stopPbx = true;
  for (const c of children) c.kill('SIGKILL');
  pbxConn.disconnect();
  redis.disconnect();
});

function startWorker(): Promise<ChildProcess> {
  const c = spawn(process.execPath, [fileURLToPath(new URL('./chaos-worker.ts', import.meta.url)), url, P, cdb!.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(c);
  c.once('exit', () => children.delete(c));
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(c); });
    c.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

/** The PBX, in this process: answers 60 %, busy 20 % (answers on a later attempt), never answers 20 %. */
async function runPbx() {
  const outcomes = createCallOutcomeChannel(redis, { prefix: P });
  const emit = (e: TelephonyEvent) => void redis.publish(`${P}:pbx:events`, JSON.stringify(e));
  const at = () => new Date().toISOString();
  while (!stopPbx) {
    const item = await pbxConn.blpop(`${P}:pbx:calls`, 0.2);
    if (!item) continue;
    const req = JSON.parse(item[1]) as OriginateRequest;
    const id = req.channelId!;
    const [, campaignId, rowId, attemptS] = (req.appArgs ?? '').split(',');
    const attempt = Number(attemptS);
    const n = Number(rowId!.split('-').pop());
    const kind = n % 5 === 0 ? (attempt >= 2 ? 'answer' : 'busy') : n % 5 === 1 ? 'noanswer' : 'answer';
    if (kind === 'busy') setTimeout(() => { emit({ type: 'dial', peerId: id, status: 'BUSY', at: at() }); emit({ type: 'channel.destroyed', channelId: id, cause: 0, causeText: 'Unknown', at: at() }); }, 30);
    else if (kind === 'noanswer') setTimeout(() => { emit({ type: 'dial', peerId: id, status: 'NOANSWER', at: at() }); emit({ type: 'channel.destroyed', channelId: id, cause: 19, causeText: 'No answer', at: at() }); }, 250);
    else {
      setTimeout(() => {
        const started = at();
        emit({ type: 'call.started', channel: { id, name: id, state: 'Up', caller: { number: '', name: '' }, connected: { number: '', name: '' }, dialplan: { context: 'x', exten: 's', priority: 1 }, language: 'es', creationTime: started }, args: (req.appArgs ?? '').split(','), at: started });
        setTimeout(() => {
          const rec: CallRecord = { id: `rec-${id}`, linkedId: id, direction: 'outbound', from: '', to: req.endpoint, startedAt: started, answeredAt: started, endedAt: at(), talkSeconds: 0.1, waitSeconds: 0, disposition: 'answered', hangupSide: 'far-end', path: [], campaign: { campaignId: campaignId!, rowId, attempt } };
          void outcomes.publish(rec).then(() => { emit({ type: 'call.ended', channelId: id, at: at() }); emit({ type: 'channel.destroyed', channelId: id, cause: 16, causeText: 'Normal Clearing', at: at() }); });
        }, 50 + Math.floor(Math.random() * 250));
      }, 20);
    }
  }
  await outcomes.close();
}

describe('chaos: dialler workers SIGKILLed during a 1,000-row campaign', () => {
  it('ends every row with exactly one final outcome, never dials an attempt twice, loses nothing', { timeout: 300_000 }, async () => {
    for (const k of await redis.keys(`${P}*`)) await redis.del(k);
    cdb = await openCampaignTestDb('chaos');
    const store = cdb.db.store();
    const settings = parseCampaignSettings({
      window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, maxCallsPerSecond: 60, maxConcurrentCalls: 25, ringTimeoutSec: 1, maxCallSec: 2,
      retry: { busy: { delaySec: 0, maxAttempts: 3 }, 'no-answer': { delaySec: 0, maxAttempts: 2 }, failed: { delaySec: 0, maxAttempts: 3 } },
    });
    await store.saveSettings('chaos', settings);
    const csv = 'phone\n' + Array.from({ length: ROWS }, (_, i) => `+5731${String(10_000_000 + i)}`).join('\n');
    const sink = cdb.db.rowSink(async (ps) => ps.map(() => false));
    await ingestCampaignFile({ campaignId: 'chaos', file: 'chaos.csv', fileId: 'f', source: [Buffer.from(csv)], settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: Date.now(), rows: sink, rejected: () => {} });
    await sink.close();
    const pbx = runPbx();
    const workers = [await startWorker(), await startWorker()];
    let kills = 0;
    const deadline = Date.now() + 240_000;
    while ((await store.progress('chaos')).done < ROWS) {
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(await store.progress('chaos'))}`);
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 1800));
      if ((await store.progress('chaos')).done >= ROWS) break;
      const i = Math.floor(Math.random() * workers.length);
      const victim = workers[i]!;
      const exited = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await exited;
      kills += 1;
      workers[i] = await startWorker();
    }
    stopPbx = true;
    await pbx;
    for (const w of workers) w.kill('SIGKILL');

    const p = await store.progress('chaos');
    const q = async (text: string) => (await cdb!.store.database.pool.query(text)).rows as Record<string, unknown>[];
    const finals = Object.fromEntries((await q("select 'f-' || row_no as row, final_outcome from campaign_rows where final_outcome is not null")).map((r) => [r.row as string, r.final_outcome as string]));
    // Every attempt with its outcome (dialled attempts have a ledger entry from their "dialled" mark on).
    const attempts = Object.fromEntries((await q("select 'f-' || row_no || ':a' || attempt as k, outcome from campaign_attempts")).map((r) => [r.k as string, r.outcome as string]));
    const originates = await redis.hgetall(`${P}:pbx:originates`);
    expect(kills).toBeGreaterThanOrEqual(3);
    // Exactly one final outcome per row, and the counters agree with the ledger.
    expect(Object.keys(finals)).toHaveLength(ROWS);
    expect(p.done).toBe(ROWS);
    expect(Object.values(p.final).reduce((a, b) => a + b, 0)).toBe(ROWS);
    // Nothing dialled twice at the same attempt.
    expect(Object.values(originates).filter((v) => v !== '1')).toEqual([]);
    // Attempts numbered 1..k without gaps, each dialled at most once, the last one's outcome is the
    // row's final. An attempt killed between its "dialled" mark and the originate request never
    // reached the PBX: it ends as 'failed' (uncertain) after the outcome timeout and is retried
    // as the next attempt; it is never re-dialled under the same attempt number.
    let neverReached = 0;
    const byRow = new Map<string, number[]>();
    // Rows still in the hopper or waiting: none.
    expect(await q('select row_no from campaign_rows where state <> 2')).toEqual([]);
    for (const field of Object.keys(attempts)) {
      const m = /^(.*):a(\d+)$/.exec(field)!;
      byRow.set(m[1]!, [...(byRow.get(m[1]!) ?? []), Number(m[2])]);
    }
    expect(byRow.size).toBe(ROWS);
    for (const [row, list] of byRow) {
      const sorted = list.sort((a, b) => a - b);
      expect(sorted).toEqual(sorted.map((_, i) => i + 1));
      for (const a of sorted) {
        const n = originates[`cmp-chaos-${row}-a${a}`];
        if (n === undefined) {
          neverReached += 1;
          expect(attempts[`${row}:a${a}`]).toBe('failed');
        } else expect(n).toBe('1');
      }
      expect(finals[row]).toBe(attempts[`${row}:a${sorted.at(-1)}`]);
    }
    expect(neverReached).toBeLessThanOrEqual(kills * 2);
    console.log(JSON.stringify({ kills, neverReached, final: p.final, attempts: Object.keys(attempts).length, originates: Object.keys(originates).length }));
  });
});
