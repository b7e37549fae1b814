// Dialler benchmark on a private redis-server and PostgreSQL with a scripted in-process PBX
// (rows in PostgreSQL, each dialler worker with its hopper, as the app runs them):
//  - pacing: one campaign at 20 and at 50 calls/s (concurrency cap far above need), measured
//    rate = (n-1) / (last originate - first originate) → cps_error_pct_20 / _50;
//  - caps: two dialler workers, two campaigns (cap 6 each), global cap 10, calls of 150-450 ms
//    at 100 calls/s: every change of live channels is checked → max_concurrency_violations.
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../../src/infra/redis-server.ts';
import { startPostgresServer } from '../../src/infra/postgres-server.ts';
import { ensureDatabase, openStore, type Store } from '../../src/store/index.ts';
import { startHopper } from '../../src/campaigns/hopper.ts';
import type { CampaignStore } from '../../src/campaigns/store.ts';
import { createLogger } from '../../src/logger.ts';
import { createDialLimits } from '../../src/campaigns/limits.ts';
import { ingestCampaignFile } from '../../src/campaigns/ingest.ts';
import { createCallOutcomeChannel } from '../../src/jobs/call-outcome.ts';
import { createDialer } from '../../src/workers/dialer.ts';
import { parseCampaignSettings } from '../../src/domain/campaign.ts';
import { createCampaignFakeTelephony } from '../fakes/campaign-fake-telephony.ts';

const OPEN = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] };

export async function run(args: string[]) {
  const scale = Number(args[args.indexOf('--scale') + 1] || 0) || 1;
  const server = await startRedisServer({});
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const dir = await mkdtemp(join(tmpdir(), 'centralita-bench-dialer-'));
  const pg = await startPostgresServer({ dir: join(dir, 'pg') });
  const dbs = new Map<CampaignStore, Store>();
  const logger = createLogger({ level: 'silent' });
  let n = 0;
  const prefix = () => `b${++n}`;
  const cleanup: (() => Promise<void>)[] = [];
  const phone = (i: number) => `+5730${String(10_000_000 + i)}`;

  async function setup(p: string, campaigns: { id: string; rows: number; cps: number; maxConcurrent: number }[]) {
    await ensureDatabase(pg.adminUrl, p);
    const db = await openStore({ url: pg.urlFor(p), defaultCountry: 'CO', poolMax: 8 });
    cleanup.push(() => db.close());
    const store = db.campaigns.store();
    dbs.set(store, db);
    let base = 0;
    for (const c of campaigns) {
      const settings = parseCampaignSettings({ window: OPEN, maxCallsPerSecond: c.cps, maxConcurrentCalls: c.maxConcurrent, ringTimeoutSec: 5, maxCallSec: 10, retry: { busy: { delaySec: 0, maxAttempts: 1 }, 'no-answer': { delaySec: 0, maxAttempts: 1 }, failed: { delaySec: 0, maxAttempts: 1 } } });
      await store.saveSettings(c.id, settings);
      const csv = 'phone\n' + Array.from({ length: c.rows }, (_, i) => phone(base + i)).join('\n');
      base += c.rows;
      const rows = db.campaigns.rowSink(async (ps) => ps.map(() => false));
      await ingestCampaignFile({ campaignId: c.id, file: c.id, fileId: 'f', source: [Buffer.from(csv)], settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: Date.now(), rows, rejected: () => {} });
      await rows.close();
    }
    return store;
  }

  function dialer(p: string, store: CampaignStore, tel: ReturnType<typeof createCampaignFakeTelephony>, g: { cps: number; conc: number }) {
    const outcomes = createCallOutcomeChannel(redis, { prefix: p });
    const ref: { hopper?: ReturnType<typeof startHopper> } = {};
    const d = createDialer({ connection: redis, bullPrefix: `${p}-bull`, store, limits: createDialLimits(redis, { prefix: p, leaseMs: 10_000 }), outcomes, telephony: tel, logger, globalMaxCallsPerSecond: g.cps, globalMaxConcurrentCalls: g.conc, recordGraceMs: 100, onSettled: () => ref.hopper?.kick() });
    const hopper = ref.hopper = startHopper({ store: dbs.get(store)!.campaigns.hopper, queue: d.queue, clock: Date.now, logger, global: { maxCallsPerSecond: g.cps, maxConcurrentCalls: g.conc } });
    const h = hopper;
    cleanup.push(async () => { await h.close(); await d.close(); await outcomes.close(); });
  }

  async function waitDone(store: CampaignStore, ids: string[], rows: number) {
    const deadline = Date.now() + 600_000;
    for (;;) {
      let done = 0;
      for (const id of ids) done += (await store.progress(id)).done;
      if (done >= rows) return;
      if (Date.now() > deadline) throw new Error(`dialer bench: only ${done}/${rows} done`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function pacing(cps: number, rows: number) {
    const p = prefix();
    const store = await setup(p, [{ id: `pace${cps}`, rows, cps, maxConcurrent: 500 }]);
    const outcomes = createCallOutcomeChannel(redis, { prefix: p });
    const tel = createCampaignFakeTelephony({ behaviour: () => 'answer', ringMs: 20, talkMs: 50, publishRecord: (r) => outcomes.publish(r) });
    dialer(p, store, tel, { cps: cps * 2, conc: 1000 });
    await waitDone(store, [`pace${cps}`], rows);
    await outcomes.close();
    const ts = tel.originated.map((o) => o.at).sort((a, b) => a - b);
    const rate = ((ts.length - 1) * 1000) / (ts.at(-1)! - ts[0]!);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!).sort((a, b) => a - b);
    return { rate, errPct: (Math.abs(rate - cps) / cps) * 100, calls: ts.length, p99GapMs: gaps[Math.floor(gaps.length * 0.99)]!, twice: [...tel.perChannel.values()].filter((v) => v > 1).length };
  }

  try {
    const r20 = await pacing(20, Math.round(300 * scale));
    for (const c of cleanup.splice(0).reverse()) await c();
    const r50 = await pacing(50, Math.round(500 * scale));
    for (const c of cleanup.splice(0).reverse()) await c();

    // Caps across two workers and two campaigns.
    const p = prefix();
    const rows = Math.round(200 * scale);
    const store = await setup(p, [{ id: 'capA', rows, cps: 100, maxConcurrent: 6 }, { id: 'capB', rows, cps: 100, maxConcurrent: 6 }]);
    const outcomes = createCallOutcomeChannel(redis, { prefix: p });
    const talk = () => 150 + Math.floor(Math.random() * 300);
    const live = { all: 0, A: 0, B: 0 };
    let maxLive = { all: 0, A: 0, B: 0 };
    let violations = 0;
    const GLOBAL = 10;
    const tel = createCampaignFakeTelephony({ behaviour: () => 'answer', ringMs: 10, talkMs: talk(), publishRecord: (r) => outcomes.publish(r) });
    const which = (id: string) => (id.startsWith('cmp-capA') ? 'A' : 'B');
    const origOriginate = tel.originate.bind(tel);
    tel.originate = async (req) => {
      const k = which(req.channelId!);
      live.all++; live[k]++;
      maxLive = { all: Math.max(maxLive.all, live.all), A: Math.max(maxLive.A, live.A), B: Math.max(maxLive.B, live.B) };
      if (live.all > GLOBAL || live[k] > 6) violations++;
      return origOriginate(req);
    };
    tel.onEvent((ev) => {
      if (ev.type === 'channel.destroyed') { live.all--; live[which(ev.channelId)]--; }
    });
    dialer(p, store, tel, { cps: 100, conc: GLOBAL });
    dialer(p, store, tel, { cps: 100, conc: GLOBAL });
    const t0 = Date.now();
    await waitDone(store, ['capA', 'capB'], rows * 2);
    const capSeconds = (Date.now() - t0) / 1000;
    await outcomes.close();

    return {
      metrics: {
        cps_error_pct_20: +r20.errPct.toFixed(2),
        cps_error_pct_50: +r50.errPct.toFixed(2),
        max_concurrency_violations: violations,
      },
      goal: { cps_error_pct_20: '<= 2', cps_error_pct_50: '<= 2', max_concurrency_violations: 0 },
      notes: {
        measured_cps_20: +r20.rate.toFixed(2), calls_20: r20.calls, p99_gap_ms_20: r20.p99GapMs,
        measured_cps_50: +r50.rate.toFixed(2), calls_50: r50.calls, p99_gap_ms_50: r50.p99GapMs,
        same_attempt_dialled_twice: r20.twice + r50.twice + [...tel.perChannel.values()].filter((v) => v > 1).length,
        caps: { global: GLOBAL, per_campaign: 6, workers: 2, calls: rows * 2, max_live_all: maxLive.all, max_live_A: maxLive.A, max_live_B: maxLive.B, seconds: +capSeconds.toFixed(1) },
        loadavg_1m: +(await import('node:os')).loadavg()[0]!.toFixed(1),
      },
    };
  } finally {
    for (const c of cleanup.splice(0).reverse()) await c();
    redis.disconnect();
    await server.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
