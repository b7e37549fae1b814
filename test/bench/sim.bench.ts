// Load on the simulated PBX: N concurrent simulated calls (default 2,000), each caller pressing
// a digit every second, in ONE simulator process (`centralita sim`, spawned so its CPU is
// measured alone), with a raw `ws` consumer (no ari-client) counting every event.
// Reports events/s and the simulator's CPU%, and checks that no event is lost: each call must
// deliver StasisStart, one ChannelDtmfReceived per digit, ChannelHangupRequest and StasisEnd.
// Usage: npm run bench -- sim [calls=2000] [digits=20]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import type { BenchResult } from './run.ts';

const TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 are utime and stime (after the parenthesised name).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export async function run(args: string[]): Promise<BenchResult> {
  const calls = Number(args[0] ?? 2000);
  const digits = Number(args[1] ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
  const dialplanFile = join(dir, 'dialplan.json');
  writeFileSync(dialplanFile, JSON.stringify({ bench: { '_X.': [{ app: 'Answer' }, { app: 'Stasis', appName: 'bench', args: ['load'] }] } }));
  const child = spawn(process.execPath, ['src/cli.ts', 'sim', '--port', '0', '--user', 'bench', '--password', 'bench-pw', '--app', 'bench', '--dialplan', dialplanFile, '--recordings', join(dir, 'rec')], {
    cwd: new URL('../../', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (l) => {
        if (l.startsWith('ARI_URL=')) resolve(l.slice('ARI_URL='.length));
      });
      child.once('exit', (code) => reject(new Error(`sim exited with ${code}`)));
    });
    const auth = 'Basic ' + Buffer.from('bench:bench-pw').toString('base64');
    const counts = new Map<string, number>();
    const perCall = new Map<string, { dtmf: number; end: boolean }>();
    let received = 0;
    let lastEventAt = 0;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ari/events?app=bench&api_key=bench:bench-pw`);
    ws.on('message', (d) => {
      received++;
      lastEventAt = performance.now();
      const e = JSON.parse(String(d)) as { type: string; channel?: { id: string } };
      counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
      const id = e.channel?.id;
      if (!id) return;
      const c = perCall.get(id) ?? { dtmf: 0, end: false };
      if (e.type === 'ChannelDtmfReceived') c.dtmf++;
      if (e.type === 'StasisEnd') c.end = true;
      perCall.set(id, c);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });

    const t0 = performance.now();
    const cpu0 = cpuTicks(child.pid!);
    // A digit every second: 100 ms tone + 900 ms gap; hang up one second after the last one.
    const script = { digits: '1234567890'.repeat(Math.ceil(digits / 10)).slice(0, digits), digitsAfterMs: 1000, digitGapMs: 900, digitDurationMs: 100, hangupAfterMs: (digits + 1) * 1000 };
    // All callers at once through the control API's bulk endpoint (one request, one process).
    const placed = await fetch(`${url}/_sim/calls/bulk`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ count: calls, fromPrefix: '+5760', to: '6015550100', context: 'bench', script }),
    });
    if (placed.status !== 201) throw new Error(`bulk call placement failed: ${placed.status} ${await placed.text()}`);
    const ids = ((await placed.json()) as { channelIds: string[] }).channelIds;
    // Concurrency check: how many calls were up at once, as the simulator counts them.
    let peakChannels = 0;
    const peakTimer = setInterval(() => {
      void fetch(`${url}/_sim/stats`, { headers: { authorization: auth } })
        .then(async (r) => ((await r.json()) as { channels: number }).channels)
        .then((n) => {
          peakChannels = Math.max(peakChannels, n);
        }, () => undefined);
    }, 1000);
    const placedMs = performance.now() - t0;
    const expected = calls * (digits + 3);
    // Wait until every event arrived, or until the stream has been quiet for 5 s.
    while (received < expected && (lastEventAt === 0 || performance.now() - lastEventAt < 5000)) await new Promise((r) => setTimeout(r, 100));
    const wallMs = performance.now() - t0;
    clearInterval(peakTimer);
    const cpu1 = cpuTicks(child.pid!);
    const statsRes = await fetch(`${url}/_sim/stats`, { headers: { authorization: auth } });
    const stats = (await statsRes.json()) as { eventsSent: number; channels: number };
    const mainReceived = received;
    const mainCounts = new Map(counts);
    const mainComplete = ids.filter((id) => {
      const c = perCall.get(id);
      return c && c.dtmf === digits && c.end;
    }).length;
    // Headroom, measured in the same run: the same number of callers pressing 10 digits as fast
    // as DTMF allows (50 ms tones, no gap) — the event rate the simulator sustains at the limit.
    const burstDigits = 10;
    const before = received;
    const sentBefore = stats.eventsSent;
    const b0 = performance.now();
    const bc0 = cpuTicks(child.pid!);
    lastEventAt = 0;
    const burst = await fetch(`${url}/_sim/calls/bulk`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ count: calls, fromPrefix: '+5761', to: '6015550100', context: 'bench', script: { digits: '1234567890', digitsAfterMs: 0, digitGapMs: 0, digitDurationMs: 50, hangupAfterMs: 600 } }),
    });
    if (burst.status !== 201) throw new Error(`burst placement failed: ${burst.status}`);
    const burstIds = ((await burst.json()) as { channelIds: string[] }).channelIds;
    const burstExpected = calls * (burstDigits + 3);
    while (received - before < burstExpected && (lastEventAt === 0 || performance.now() - lastEventAt < 5000)) await new Promise((r) => setTimeout(r, 50));
    const burstMs = (lastEventAt || performance.now()) - b0;
    const bc1 = cpuTicks(child.pid!);
    const stats2 = (await (await fetch(`${url}/_sim/stats`, { headers: { authorization: auth } })).json()) as { eventsSent: number };
    ws.close();
    const burstComplete = burstIds.filter((id) => {
      const c = perCall.get(id);
      return c && c.dtmf === burstDigits && c.end;
    }).length;
    const cpuSeconds = (cpu1 - cpu0) / TICKS;
    return {
      metrics: {
        calls,
        peakConcurrentCalls: peakChannels,
        digitsPerCall: digits,
        eventsExpected: expected,
        eventsSentBySim: stats.eventsSent,
        eventsReceived: mainReceived,
        eventsLost: stats.eventsSent - mainReceived,
        callsComplete: mainComplete,
        eventsPerSec: Math.round((mainReceived / wallMs) * 1000),
        dtmfPerSec: Math.round(((mainCounts.get('ChannelDtmfReceived') ?? 0) / wallMs) * 1000),
        simCpuPercent: Math.round((cpuSeconds / (wallMs / 1000)) * 1000) / 10,
        wallSeconds: Math.round(wallMs / 100) / 10,
        placeCallsSeconds: Math.round(placedMs / 100) / 10,
        burstEventsPerSec: Math.round(((received - before) / burstMs) * 1000),
        burstEventsLost: stats2.eventsSent - sentBefore - (received - before),
        burstEventsExpected: burstExpected,
        burstEventsReceived: received - before,
        burstCallsComplete: burstComplete,
        burstSimCpuPercent: Math.round((((bc1 - bc0) / TICKS) / (burstMs / 1000)) * 1000) / 10,
      },
      goal: { eventsLost: 0, callsComplete: calls, peakConcurrentCalls: calls, eventsReceived: expected, burstEventsLost: 0, burstEventsPerSecAbove: 'eventsPerSec (headroom over the 1 DTMF/s load)', note: 'every call: StasisStart + 1 DTMF/s + HangupRequest + StasisEnd, nothing lost' },
      notes: { eventTypes: Object.fromEntries(mainCounts), simCpuNote: 'CPU of the simulator process alone (/proc/<pid>/stat), over the whole run; 100% = one core' },
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
