// Ingest benchmark, hopper design vs one BullMQ job per row, in the same run, at 100,000 and
// 1,000,000 rows (`--rows N` for one size). A generated campaign CSV (temp dir) goes through:
//   - hopper (production): the threaded runner as the app runs it (CSV → validate → E.164 →
//     DNC from Redis → rows COPYed into PostgreSQL, in a worker thread with the config's heap
//     limit). Then the same process dials the stored rows for a few seconds — the hopper refills
//     BullMQ from PostgreSQL and the dialler originates to an in-process fake PBX — while Redis
//     used_memory is sampled: "rows stored and dialable", and Redis memory during the campaign.
//   - jobs (peer, the previous design): the same reader and validation with a sink that dedupes
//     in Redis (one hash field per number) and adds one BullMQ job per accepted row (the previous
//     design's job options, deterministic ids). The previous code is gone from src; this peer keeps
//     only its Redis writes per row (the old store also kept per-row hashes, so it used more).
// Each side runs in its own child process with no Node flags: peak_rss_mb is that process's
// lifetime peak (getrusage maxrss, all threads) at the end of the ingest.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const w = async (s: string) => { if (!out.write(s)) await once(out, 'drain'); };
  await w('\uFEFFTeléfono;Nombre;Ciudad;Deuda;Plan\r\n');
  const formats = [(n: number) => `3${String(n).padStart(9, '0')}`, (n: number) => `+57 3${String(n).padStart(9, '0').replace(/(\d{2})(\d{3})(\d{4})/, '$1 $2 $3')}`, (n: number) => `(3${String(n).padStart(2, '0').slice(0, 2)}) ${String(n).padStart(9, '0').slice(2, 5)}-${String(n).padStart(9, '0').slice(5)}`];
  let buf = '';
  let prev = '';
  for (let i = 0; i < rows; i++) {
    const n = 10_000_000 + i * 7; // 3xx xxx xxxx, all valid Colombian mobiles
    let phone = formats[i % 3]!(n);
    if (i % 200 === 0) phone = '3.0012E+9'; // 0.5 % spreadsheet damage
    else if (i % 333 === 0 && prev) phone = prev; // 0.3 % duplicates
    prev = phone;
    buf += `${phone};"Persona ${i}";Bogotá;${(i * 13) % 100000};oro\r\n`;
    if (buf.length > 64 * 1024) { await w(buf); buf = ''; }
  }
  await w(buf);
  out.end();
  await once(out, 'close');
}

type ChildResult = {
  ms: number; rows: number; accepted: number; rejected: number; stored: number; maxRssMb: number; cpuMs: number;
  dial?: { seconds: number; dialled: number; done: number; redisPeakMb: number; redisMeanMb: number; hopperPeakJobs: number; duplicates: number };
};

const SETTINGS = { window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, maxCallsPerSecond: 100, maxConcurrentCalls: 50, ringTimeoutSec: 5, maxCallSec: 10 };
const usedMb = async (redis: import('ioredis').Redis) => Math.round((Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576) * 10) / 10;

/** Child side: `node ingest.bench.ts child <hopper|jobs> <redisUrl> <databaseUrl|-> <file> <dialSeconds>`. */
async function child(mode: string, redisUrl: string, dbUrl: string, file: string, dialSeconds: number): Promise<ChildResult> {
  const { parseCampaignSettings } = await import('../../src/domain/campaign.ts');
  const { Redis } = await import('ioredis');
  const settings = parseCampaignSettings(SETTINGS);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let cpu0 = process.cpuUsage();
  const begin = () => { cpu0 = process.cpuUsage(); return performance.now(); };
  const cpuMs = () => { const c = process.cpuUsage(cpu0); return Math.round((c.user + c.system) / 1000); };
  const input = { campaignId: 'bench', file, fileId: 'bench1', settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: Date.now(), rejected: () => {} };
  try {
    if (mode === 'hopper') {
      const { createThreadedIngestRunner } = await import('../../src/campaigns/ingest-thread.ts');
      const { loadConfig } = await import('../../src/config.ts');
      const runner = createThreadedIngestRunner({ redisUrl, databaseUrl: dbUrl, maxHeapMb: loadConfig({}).ingest.maxHeapMb });
      const t0 = begin();
      const summary = await runner.run({ ...input, source: createReadStream(file, { highWaterMark: 256 * 1024 }) });
      const ms = performance.now() - t0;
      const ingestCpu = cpuMs();
      await runner.close();
      const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      // Dial the stored rows: the hopper + dialler as startCampaigns wires them, fake PBX in process.
      const { openStore } = await import('../../src/store/index.ts');
      const { startHopper } = await import('../../src/campaigns/hopper.ts');
      const { createDialer } = await import('../../src/workers/dialer.ts');
      const { createDialLimits } = await import('../../src/campaigns/limits.ts');
      const { createCallOutcomeChannel } = await import('../../src/jobs/call-outcome.ts');
      const { createLogger } = await import('../../src/logger.ts');
      const { createCampaignFakeTelephony } = await import('../fakes/campaign-fake-telephony.ts');
      const store = await openStore({ url: dbUrl, defaultCountry: 'CO', poolMax: 6 });
      const stored = (await store.database.pool.query('select count(*)::int as n from campaign_rows')).rows[0].n as number;
      const outcomes = createCallOutcomeChannel(redis);
      const telephony = createCampaignFakeTelephony({ behaviour: () => 'answer', ringMs: 20, talkMs: 200, publishRecord: (r) => outcomes.publish(r) });
      const logger = createLogger({ level: 'silent' });
      const global = { maxCallsPerSecond: 100, maxConcurrentCalls: 50 };
      const ref: { hopper?: ReturnType<typeof startHopper> } = {};
      const dialer = createDialer({
        connection: redis, store: store.campaigns.store(), limits: createDialLimits(redis), outcomes, telephony, logger,
        globalMaxCallsPerSecond: global.maxCallsPerSecond, globalMaxConcurrentCalls: global.maxConcurrentCalls, recordGraceMs: 500, onSettled: () => ref.hopper?.kick(),
      });
      const hopper = ref.hopper = startHopper({ store: store.campaigns.hopper, queue: dialer.queue, clock: Date.now, logger, global });
      const samples: number[] = [];
      let hopperPeakJobs = 0;
      const t1 = performance.now();
      while (performance.now() - t1 < dialSeconds * 1000) {
        await new Promise((r) => setTimeout(r, 250));
        samples.push(await usedMb(redis));
        hopperPeakJobs = Math.max(hopperPeakJobs, await dialer.queue.count());
      }
      const seconds = (performance.now() - t1) / 1000;
      await hopper.close();
      await dialer.close();
      await outcomes.close();
      const done = (await store.campaigns.store().progress('bench')).done;
      await store.close();
      const duplicates = [...telephony.perChannel.values()].filter((n) => n > 1).length;
      return {
        ms, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, stored, maxRssMb, cpuMs: ingestCpu,
        dial: { seconds: +seconds.toFixed(1), dialled: telephony.originated.length, done, redisPeakMb: Math.max(...samples), redisMeanMb: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1), hopperPeakJobs, duplicates },
      };
    }
    // The peer: one BullMQ job per accepted row, dedupe in Redis, same reader and chunks.
    const { Queue } = await import('bullmq');
    const { ingestCampaignFile } = await import('../../src/campaigns/ingest.ts');
    const queue = new Queue('originate', { connection: redis, prefix: 'bench-jobs' });
    const opts = { attempts: 5, backoff: { type: 'exponential' as const, delay: 5000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } };
    const rows: import('../../src/campaigns/ingest.ts').RowSink = {
      async admit(t, batch) {
        const dnc = (await redis.smismember('bench:dnc', ...batch.map((r) => r.phone))).map((x) => x === 1);
        const m = redis.pipeline();
        batch.forEach((r, i) => { if (!dnc[i]) m.hsetnx(`bench:campaign:${t.campaignId}:phones`, r.phone, r.rowId); });
        const res = (await m.exec()) ?? [];
        let k = 0;
        const codes = batch.map((_r, i) => (dnc[i] ? 'do-not-call' as const : res[k++]?.[1] === 1 ? 'new' as const : 'duplicate' as const));
        const jobs = batch.filter((_r, i) => codes[i] === 'new').map((r) => {
          const data: Record<string, unknown> = { campaignId: t.campaignId, rowId: r.rowId, attempt: 1, phone: r.phone, variables: r.variables, file: t.file };
          if (r.country) data.country = r.country;
          if (r.name) data.name = r.name;
          const delay = r.dueAt - input.nowMs;
          return { name: 'originate', data, opts: { jobId: `${t.campaignId}__${r.rowId}__a1`, ...(delay > 0 ? { delay } : {}), ...opts } };
        });
        await queue.addBulk(jobs);
        return codes;
      },
    };
    const t0 = begin();
    const summary = await ingestCampaignFile({ ...input, source: createReadStream(file, { highWaterMark: 256 * 1024 }), rows, chunkSize: 1000 });
    const ms = performance.now() - t0;
    const c = cpuMs();
    const stored = await queue.count();
    await queue.close();
    return { ms, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, stored, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), cpuMs: c };
  } finally {
    redis.disconnect();
  }
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.once('error', reject);
    c.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child exited with ${code}`));
      try { resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult); } catch (err) { reject(err as Error); }
    });
  });
}

export async function run(args: string[]) {
  const one = Number(args[args.indexOf('--rows') + 1] || 0);
  const sizes = args.includes('--rows') && one > 0 ? [one] : [100_000, 1_000_000];
  const dialSeconds = Number(args[args.indexOf('--dial-seconds') + 1] || 0) || 8;
  const dir = await mkdtemp(join(tmpdir(), 'centralita-bench-ingest-'));
  const { startRedisServer } = await import('../../src/infra/redis-server.ts');
  const { startPostgresServer } = await import('../../src/infra/postgres-server.ts');
  const { ensureDatabase, openStore } = await import('../../src/store/index.ts');
  const { parseCampaignSettings } = await import('../../src/domain/campaign.ts');
  const { Redis } = await import('ioredis');
  const redisServer = await startRedisServer({});
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const pgServer = await startPostgresServer({ dir: join(dir, 'pg') });
  const load: number[] = [+loadavg()[0]!.toFixed(1)];
  const metrics: Record<string, number> = {};
  const notes: Record<string, unknown> = {};
  try {
    for (const rows of sizes) {
      const tag = rows >= 1_000_000 ? `${rows / 1_000_000}m` : `${rows / 1000}k`;
      const file = join(dir, `campaña ${tag}.csv`);
      await generate(file, rows);
      const fileMb = Math.round((await stat(file)).size / 1048576);
      // Hopper design: a fresh database with the campaign's settings saved (as the ingest service does).
      await redis.flushall();
      const dbName = `bench_${tag}`;
      await ensureDatabase(pgServer.adminUrl, dbName);
      const st = await openStore({ url: pgServer.urlFor(dbName), defaultCountry: 'CO' });
      await st.campaigns.store().saveSettings('bench', parseCampaignSettings(SETTINGS));
      await st.close();
      const redisBaseMb = await usedMb(redis);
      const h = await runChild(['hopper', redisServer.url, pgServer.urlFor(dbName), file, String(dialSeconds)]);
      load.push(+loadavg()[0]!.toFixed(1));
      // Peer: one job per row on the same (flushed) Redis.
      await redis.flushall();
      const j = await runChild(['jobs', redisServer.url, '-', file, '0']);
      const redisJobsMb = await usedMb(redis);
      await redis.flushall();
      load.push(+loadavg()[0]!.toFixed(1));
      Object.assign(metrics, {
        [`rows_per_s_${tag}`]: Math.round((h.rows * 1000) / h.ms),
        [`peak_rss_mb_${tag}`]: h.maxRssMb,
        [`redis_used_memory_mb_${tag}`]: h.dial!.redisPeakMb,
        [`peer_rows_per_s_${tag}`]: Math.round((j.rows * 1000) / j.ms),
        [`peer_peak_rss_mb_${tag}`]: j.maxRssMb,
        [`peer_redis_used_memory_mb_${tag}`]: redisJobsMb,
      });
      notes[tag] = {
        file_mb: fileMb, rows: h.rows, accepted: h.accepted, rejected: h.rejected, rows_stored_pg: h.stored, peer_jobs_in_redis: j.stored,
        ingest_s: +(h.ms / 1000).toFixed(2), peer_ingest_s: +(j.ms / 1000).toFixed(2),
        node_cpu_us_per_row: +((h.cpuMs * 1000) / h.rows).toFixed(1), peer_node_cpu_us_per_row: +((j.cpuMs * 1000) / j.rows).toFixed(1),
        redis_base_mb: redisBaseMb, dial: h.dial,
      };
    }
    return {
      metrics,
      goal: {
        rows_per_s: '>= 100000', peak_rss_mb: '< 250', redis_used_memory_mb: '< 50 during the campaign, flat as rows grow (100k vs 1M)',
        peer: 'one BullMQ job per row (previous design), same file, same Redis, same run',
      },
      notes: { ...notes, node_flags: 'none', cpus: cpus().length, loadavg_1m: load },
    };
  } finally {
    redis.disconnect();
    await pgServer.stop();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  const r = await child(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6]!, Number(process.argv[7] ?? 0));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}
