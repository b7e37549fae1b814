// Ingest benchmark: a generated 1,000,000-row campaign CSV (temp dir) streamed through the real
// ingest as production runs it (the threaded runner: CSV → validate → E.164 → Redis dedupe/DNC →
// BullMQ addBulk with deterministic ids, in a worker thread with the config's default heap
// limit), against raw BullMQ addBulk of the same number of jobs on the same private redis-server.
// Metrics: rows_per_s, addbulk_rows_per_s, peak_rss_mb. Each side runs in its own child process
// with no Node flags, so peak_rss_mb is the ingesting process's lifetime peak (getrusage maxrss,
// all threads), not polluted by the CSV generation. The CPU each side costs in Node and in Redis
// is measured too (getrusage of the child, INFO cpu of redis-server), to show where the ceiling is.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OriginateJobSpec } from '../../src/campaigns/ingest.ts';

const ORIGINATE_QUEUE = 'originate';

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

type ChildResult = { ms: number; rows: number; accepted: number; rejected: number; rejectedByReason: Record<string, number>; queued: number; maxRssMb: number; startRssMb: number; peakHeapMb: number; cpuMs: number };

const SETTINGS = { window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, maxCallsPerSecond: 50 };

/** Child side: `node ingest.bench.ts child <ingest|addbulk> <redisUrl> <file> [accepted]`.
 *  The ingest child is what production runs: the threaded runner with the config's default
 *  heap limit; it loads only the runner (the thread loads the rest), like the app's main thread
 *  would already have. The addbulk child loads only BullMQ. */
async function child(mode: string, redisUrl: string, file: string, acceptedArg: number): Promise<ChildResult> {
  let peakHeap = 0;
  const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 20);
  let startRss = 0;
  let cpu0 = process.cpuUsage();
  const begin = () => { startRss = process.memoryUsage().rss; cpu0 = process.cpuUsage(); return performance.now(); };
  const done = (r: Omit<ChildResult, 'maxRssMb' | 'startRssMb' | 'peakHeapMb' | 'cpuMs'>): ChildResult => {
    const cpu = process.cpuUsage(cpu0); // every thread of the process
    return { ...r, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), startRssMb: Math.round(startRss / 1048576), peakHeapMb: Math.round(peakHeap / 1048576), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  };
  try {
    if (mode === 'ingest') {
      const { createThreadedIngestRunner } = await import('../../src/campaigns/ingest-thread.ts');
      const { loadConfig } = await import('../../src/config.ts');
      const { parseCampaignSettings } = await import('../../src/domain/campaign.ts');
      const settings = () => parseCampaignSettings(SETTINGS);
      const runner = createThreadedIngestRunner({ redisUrl, store: { prefix: 'bench' }, queue: { name: ORIGINATE_QUEUE, prefix: 'bench-ingest' }, maxHeapMb: loadConfig({}).ingest.maxHeapMb });
      const t0 = begin();
      const summary = await runner.run({
        campaignId: 'bench', file, fileId: 'bench1', source: createReadStream(file, { highWaterMark: 256 * 1024 }), settings: settings(), catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: Date.now(),
        rejected: () => {}, chunkSize: Number(process.env.BENCH_CHUNK ?? 1000),
      });
      const ms = performance.now() - t0;
      await runner.close();
      return done({ ms, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason, queued: summary.newlyQueued });
    }
    if (mode === 'pg') {
      // The hopper design's ingest: same reader and validation, rows COPYed into PostgreSQL
      // (redisUrl carries the database URL here); DNC still read from Redis.
      const { openStore } = await import('../../src/store/index.ts');
      const { Redis } = await import('ioredis');
      const { ingestCampaignFile } = await import('../../src/campaigns/ingest.ts');
      const { pgCampaignRows } = await import('../../src/store/campaign-rows.ts');
      const { parseCampaignSettings } = await import('../../src/domain/campaign.ts');
      const [dbUrl, rUrl] = redisUrl.split('|');
      const store = await openStore({ url: dbUrl!, defaultCountry: 'CO', poolMax: 4 });
      const pool = store.database.pool;
      const redis = new Redis(rUrl!, { maxRetriesPerRequest: null });
      const { gate, sink } = pgCampaignRows(pool, { dnc: async (ps) => (await redis.smismember('bench:dnc', ...ps)).map((x) => x === 1) });
      const t0 = begin();
      const summary = await ingestCampaignFile({
        campaignId: 'bench', file, fileId: 'bench1', source: createReadStream(file, { highWaterMark: 256 * 1024 }), settings: parseCampaignSettings(SETTINGS), catalog: { flowIds: ['campaign'] },
        defaultCountry: 'CO', nowMs: Date.now(), gate, sink, rejected: () => {}, chunkSize: Number(process.env.BENCH_PG_CHUNK ?? 5000),
      });
      const ms = performance.now() - t0;
      const stored = (await pool.query('select count(*)::int as n from campaign_rows')).rows[0].n as number;
      await store.close();
      redis.disconnect();
      return done({ ms, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason, queued: stored });
    }
    // Raw addBulk of the same number of jobs, same job shape, ids and chunk size.
    const { Redis } = await import('ioredis');
    const { Queue } = await import('bullmq');
    const { ORIGINATE_JOB, originateJobOptions } = await import('../../src/campaigns/ingest.ts');
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const raw = new Queue(ORIGINATE_QUEUE, { connection: redis, prefix: 'bench-raw' });
    const chunk = Number(process.env.BENCH_CHUNK ?? 1000);
    const t1 = begin();
    for (let i = 0; i < acceptedArg; i += chunk) {
      const jobs: OriginateJobSpec[] = [];
      for (let j = i; j < Math.min(i + chunk, acceptedArg); j++) {
        jobs.push({ name: ORIGINATE_JOB, data: { campaignId: 'bench', rowId: `raw-${j}`, attempt: 1, phone: `+573${String(j).padStart(9, '0')}`, country: 'CO', name: `Persona ${j}`, variables: { ciudad: 'Bogotá', deuda: String(j % 100000), plan: 'oro' }, file }, opts: { jobId: `bench__raw-${j}__a1`, ...originateJobOptions(86_400) } });
      }
      await raw.addBulk(jobs);
    }
    const ms = performance.now() - t1;
    const queued = await raw.count();
    await raw.close();
    redis.disconnect();
    return done({ ms, rows: acceptedArg, accepted: acceptedArg, rejected: 0, rejectedByReason: {}, queued });
  } finally {
    clearInterval(sampler);
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
  const rows = Number(args[args.indexOf('--rows') + 1] || 0) || 1_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'centralita-bench-ingest-'));
  const { startRedisServer } = await import('../../src/infra/redis-server.ts');
  const { Redis } = await import('ioredis');
  const { createCampaignStore } = await import('../../src/campaigns/store.ts');
  const { parseCampaignSettings } = await import('../../src/domain/campaign.ts');
  const redisServer = await startRedisServer({});
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const redisCpuS = async () => {
    const info = await redis.info('cpu');
    const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return v('used_cpu_user') + v('used_cpu_sys');
  };
  try {
    const file = join(dir, 'campaña grande.csv');
    await generate(file, rows);
    const size = (await stat(file)).size;
    await createCampaignStore(redis, { prefix: 'bench' }).saveSettings('bench', parseCampaignSettings(SETTINGS));
    const usedMb = async () => Math.round((Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576) * 10) / 10;
    const redisBaseMb = await usedMb();
    const r0 = await redisCpuS();
    const ing = await runChild(['ingest', redisServer.url, file]);
    const redisAfterJobsMb = await usedMb();
    const r1 = await redisCpuS();
    // What really landed in Redis, counted by BullMQ itself (not the ingest's own summary).
    const { Queue } = await import('bullmq');
    const ingested = new Queue(ORIGINATE_QUEUE, { connection: redis, prefix: 'bench-ingest' });
    const jobsInRedis = await ingested.count();
    await ingested.close();
    await redis.flushall();
    // The hopper design's ingest into PostgreSQL: Redis memory does not grow with the rows.
    const { startPostgresServer } = await import('../../src/infra/postgres-server.ts');
    const { ensureDatabase, openStore } = await import('../../src/store/index.ts');
    const pgServer = await startPostgresServer({ dir: join(dir, 'pg') });
    let pgRun: ChildResult;
    let redisAfterPgMb: number;
    const redisBeforePgMb = await usedMb();
    try {
      await ensureDatabase(pgServer.adminUrl, 'bench');
      const st = await openStore({ url: pgServer.urlFor('bench'), defaultCountry: 'CO' });
      await st.close();
      pgRun = await runChild(['pg', `${pgServer.urlFor('bench')}|${redisServer.url}`, file]);
      redisAfterPgMb = await usedMb();
    } finally {
      await pgServer.stop();
    }
    await redis.flushall();
    const r2 = await redisCpuS();
    const raw = await runChild(['addbulk', redisServer.url, file, String(ing.accepted)]);
    const r3 = await redisCpuS();
    const rowsPerS = Math.round((ing.rows * 1000) / ing.ms);
    const addbulkPerS = Math.round((raw.accepted * 1000) / raw.ms);
    const us = (ms: number, n: number) => +((ms * 1000) / n).toFixed(1);
    const ingNodeUs = us(ing.cpuMs, ing.rows);
    const ingRedisUs = us((r1 - r0) * 1000, ing.rows);
    const rawNodeUs = us(raw.cpuMs, raw.accepted);
    const rawRedisUs = us((r3 - r2) * 1000, raw.accepted);
    return {
      metrics: {
        rows_per_s: rowsPerS, addbulk_rows_per_s: addbulkPerS, peak_rss_mb: ing.maxRssMb,
        // The hopper design (rows COPYed into PostgreSQL) vs the one-job-per-row design above, same file, same run.
        pg_rows_per_s: Math.round((pgRun.rows * 1000) / pgRun.ms), pg_peak_rss_mb: pgRun.maxRssMb, pg_rows_stored: pgRun.queued,
        redis_used_memory_mb_jobs_design: redisAfterJobsMb, redis_used_memory_mb_pg_design: redisAfterPgMb,
      },
      goal: { rows_per_s: '>= 50000', peak_rss_mb: '< 250', addbulk_rows_per_s: 'peer: raw BullMQ addBulk of the same jobs on the same Redis (upper bound for ingest)' },
      notes: {
        rows: ing.rows, accepted: ing.accepted, rejected: ing.rejected, rejectedByReason: ing.rejectedByReason, queued_jobs: ing.queued, jobs_in_redis: jobsInRedis, file_mb: Math.round(size / 1048576),
        ingest_s: +(ing.ms / 1000).toFixed(2), addbulk_s: +(raw.ms / 1000).toFixed(2), ingest_vs_addbulk: +(rowsPerS / addbulkPerS).toFixed(2),
        ingest_rss_before_mb: ing.startRssMb, ingest_added_rss_mb: ing.maxRssMb - ing.startRssMb, ingest_main_thread_peak_heap_mb: ing.peakHeapMb, addbulk_peak_rss_mb: raw.maxRssMb,
        // CPU per row: Node (all threads of the child) and redis-server, for each side.
        ingest_node_us_per_row: ingNodeUs, ingest_redis_us_per_row: ingRedisUs, addbulk_node_us_per_job: rawNodeUs, addbulk_redis_us_per_job: rawRedisUs,
        // What the measured costs allow on this machine if every core were busy all the time.
        cpu_bound_ceiling_rows_per_s: Math.round((cpus().length * 1e6) / (ingNodeUs + ingRedisUs)),
        redis_bound_ceiling_jobs_per_s: Math.round(1e6 / rawRedisUs),
        redis_base_mb: redisBaseMb, redis_before_pg_mb: redisBeforePgMb, pg_ingest_s: +(pgRun.ms / 1000).toFixed(2), pg_accepted: pgRun.accepted, pg_cpu_ms: pgRun.cpuMs,
        node_flags: 'none', cpus: cpus().length, loadavg_1m: +loadavg()[0]!.toFixed(1),
      },
    };
  } finally {
    redis.disconnect();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  const r = await child(process.argv[3]!, process.argv[4]!, process.argv[5]!, Number(process.argv[6] ?? 0));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}
