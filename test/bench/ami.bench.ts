// `npm run bench -- ami [concurrent=2000] [seconds=30]`: how many AMI events per second the app's
// AMI side (client + translation + the PBX call log folding conversations into CallRecords)
// handles, and at what CPU. The PBX is ./ami-feeder.ts in its own process, replaying what a real
// Asterisk 22 sent for real calls. Phase 1 runs at the rate of `concurrent` calls of 180 s (a
// contact centre's average handle time) with that many conversations open; phase 2 (the limit,
// same run) feeds events as fast as the socket takes them. Every finished call must give one
// record (none lost, none twice). CPU% is this process's (user+system) over wall time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createAmiPbx } from '../../src/telephony/ami/adapter.ts';
import { createPbxCallLog } from '../../src/pbx/call-log.ts';
import { createLogger } from '../../src/logger.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';
import type { BenchResult } from './run.ts';

const CALL_SECONDS = 180;

export async function run(args: string[]): Promise<BenchResult> {
  const concurrent = Number(args[0] ?? 2000);
  const seconds = Number(args[1] ?? 30);
  const feeder = spawn(process.execPath, ['test/bench/ami-feeder.ts', String(concurrent)], { cwd: new URL('../../', import.meta.url).pathname, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: feeder.stdout! });
  const waitLine = (prefix: string) => new Promise<string>((resolve) => { const on = (l: string) => { if (l.startsWith(prefix)) { lines.off('line', on); resolve(l); } }; lines.on('line', on); });
  try {
    const port = Number((await waitLine('PORT=')).slice(5));
    const logger = createLogger({ level: 'silent' });
    const pbx = await createAmiPbx({ host: '127.0.0.1', port, username: 'bench', secret: 'bench', actionTimeoutMs: 5000, logger, pingIntervalMs: 0 });
    const ids = new Set<string>();
    let dup = 0;
    const log = createPbxCallLog({
      pbx, logger, stasisApp: 'centralita', inboundContexts: ['from-pstn'], ownChannelPrefixes: ['cmp-'], agentFor: () => undefined, normalize: (n) => n, maxOpen: concurrent * 4,
      records: { async publish(r: CallRecord) { if (ids.has(r.id)) { dup++; return false; } ids.add(r.id); return true; }, async close() {} },
    });
    feeder.stdin!.write('warm\n');
    const warmed = Number((await waitLine('WARM')).split(' ')[1]);
    const drained = async (total: number, ms: number) => {
      const until = Date.now() + ms;
      while (pbx.client.stats().events < total && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    };
    await drained(warmed, 60_000);
    let fed = { events: warmed, completed: 0 };
    const measure = async (rate: number, secs: number) => {
      const ev0 = pbx.client.stats().events;
      const rec0 = ids.size;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      feeder.stdin!.write(`run ${rate} ${secs}\n`);
      const [, sent, completed, total, totalCompleted] = (await waitLine('DONE')).split(' ').map(Number) as [number, number, number, number, number];
      fed = { events: total, completed: totalCompleted };
      // Until every event sent is handled: the rate counts the backlog too.
      await drained(total, 120_000);
      await log.idle();
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return { sent, completed, handled: pbx.client.stats().events - ev0, records: ids.size - rec0, wall, cpuPct: ((cpu.user + cpu.system) / 1e6 / wall) * 100 };
    };
    // Events per call as the app receives them (filtered session), averaged over the replayed calls.
    const perCall = 19.5;
    const rate = Math.round((concurrent / CALL_SECONDS) * perCall);
    const steady = await measure(rate, seconds);
    const limit = await measure(0, Math.max(5, Math.round(seconds / 3)));
    const rss = process.memoryUsage().rss;
    await log.idle();
    log.stop();
    await pbx.close();
    return {
      metrics: {
        concurrentCalls: concurrent, targetEventsPerSec: rate, eventsPerSec: Math.round(steady.handled / steady.wall), cpuPct: Math.round(steady.cpuPct * 10) / 10,
        eventsLost: fed.events - pbx.client.stats().events, recordsMissing: fed.completed - ids.size, duplicates: dup,
        openConversations: log.open(), limitEventsPerSec: Math.round(limit.handled / limit.wall), limitCpuPct: Math.round(limit.cpuPct * 10) / 10, rssMb: Math.round(rss / 1048576),
      },
      goal: { eventsPerSecAtLeast: rate, eventsLost: 0, recordsMissing: 0, duplicates: 0, note: `${concurrent} concurrent calls of ${CALL_SECONDS} s ≈ ${rate} AMI events/s after the eventfilter` },
      notes: { steady, limit, rejected: pbx.stats().rejected },
    };
  } finally {
    feeder.kill('SIGTERM');
  }
}
