// Ingest benchmark: a generated 1,000,000-row campaign CSV (temp dir) streamed through the real
// ingest (CSV → validate → E.164 → Redis dedupe/DNC → BullMQ addBulk with deterministic ids),
// against raw BullMQ addBulk of the same number of jobs on the same private redis-server.
// Metrics: rows_per_s, addbulk_rows_per_s, peak_rss_mb. Each side runs in its own child
// process (same Node flags, --max-old-space-size=160), so peak_rss_mb is the ingesting
// process's lifetime peak (getrusage maxrss), not polluted by the CSV generation.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { startRedisServer } from '../../src/infra/redis-server.ts';
import { createCampaignStore } from '../../src/campaigns/store.ts';
import { ingestCampaignFile, ORIGINATE_JOB, originateJobOptions, type OriginateJobSpec } from '../../src/campaigns/ingest.ts';
import { parseCampaignSettings } from '../../src/domain/campaign.ts';

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

type ChildResult = { ms: number; rows: number; accepted: number; rejected: number; rejectedByReason: Record<string, number>; queued: number; maxRssMb: number; peakHeapMb: number };

const settings = () => parseCampaignSettings({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, maxCallsPerSecond: 50 });

/** Child side: `node ingest.bench.ts child <ingest|addbulk> <redisUrl> <file> [accepted]`. */
async function child(mode: string, redisUrl: string, file: string, acceptedArg: number): Promise<ChildResult> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let peakHeap = 0;
  const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 20);
  try {
    if (mode === 'ingest') {
      const store = createCampaignStore(redis, { prefix: 'bench' });
      await store.saveSettings('bench', settings());
      const queue = new Queue('originate', { connection: redis, prefix: 'bench-ingest' });
      const t0 = performance.now();
      const summary = await ingestCampaignFile({
        campaignId: 'bench', file, fileId: 'bench1', source: createReadStream(file, { highWaterMark: 256 * 1024 }), settings: settings(), defaultCountry: 'CO', nowMs: Date.now(),
        gate: store, sink: queue, rejected: () => {}, chunkSize: Number(process.env.BENCH_CHUNK ?? 1000),
      });
      const ms = performance.now() - t0;
      const queued = await queue.count();
      await queue.close();
      return { ms, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason, queued, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), peakHeapMb: Math.round(peakHeap / 1048576) };
    }
    // Raw addBulk of the same number of jobs, same job shape, ids and chunk size.
    const raw = new Queue('originate', { connection: redis, prefix: 'bench-raw' });
    const chunk = Number(process.env.BENCH_CHUNK ?? 1000);
    const t1 = performance.now();
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
    return { ms, rows: acceptedArg, accepted: acceptedArg, rejected: 0, rejectedByReason: {}, queued, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), peakHeapMb: Math.round(peakHeap / 1048576) };
  } finally {
    clearInterval(sampler);
    redis.disconnect();
  }
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--max-old-space-size=160', fileURLToPath(import.meta.url), 'child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const redisServer = await startRedisServer({});
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  try {
    const file = join(dir, 'campaña grande.csv');
    await generate(file, rows);
    const size = (await stat(file)).size;
    const ing = await runChild(['ingest', redisServer.url, file]);
    await redis.flushall();
    const raw = await runChild(['addbulk', redisServer.url, file, String(ing.accepted)]);
    const rowsPerS = Math.round((ing.rows * 1000) / ing.ms);
    const addbulkPerS = Math.round((raw.accepted * 1000) / raw.ms);
    const os = await import('node:os');
    return {
      metrics: { rows_per_s: rowsPerS, addbulk_rows_per_s: addbulkPerS, peak_rss_mb: ing.maxRssMb },
      goal: { rows_per_s: '>= 50000', peak_rss_mb: '< 250', addbulk_rows_per_s: 'peer: raw BullMQ addBulk of the same jobs on the same Redis (upper bound for ingest)' },
      notes: {
        rows: ing.rows, accepted: ing.accepted, rejected: ing.rejected, rejectedByReason: ing.rejectedByReason, queued_jobs: ing.queued, file_mb: Math.round(size / 1048576),
        ingest_s: +(ing.ms / 1000).toFixed(2), addbulk_s: +(raw.ms / 1000).toFixed(2), ingest_vs_addbulk: +(rowsPerS / addbulkPerS).toFixed(2),
        ingest_peak_heap_mb: ing.peakHeapMb, addbulk_peak_rss_mb: raw.maxRssMb, node_flags: '--max-old-space-size=160 (both children)',
        cpus: os.cpus().length, loadavg_1m: +os.loadavg()[0]!.toFixed(1),
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
