// `npm run bench -- asterisk-capacity [--levels 10,20,40,80] [--hold 25]`: how many concurrent
// calls in the main flow a REAL Asterisk sustains on this machine, and its CPU per call next to
// the app's CPU per call — so "the app is never the bottleneck" is a measured ratio.
// Needs a real Asterisk (the settings of test/asterisk, TEST_ASTERISK_ARI_URL…); without one it
// says so and measures nothing. Load: sipp UAC callers over PJSIP into the DID of the shipped
// main flow (dialplan/ installed the README way), each pressing 1 (barge-in) and 1 (Spanish)
// and listening to the menus until it hangs up after --hold seconds. Per level: Asterisk's CPU
// (/proc/<pid>/stat), the app's (process.cpuUsage, the app runs in this process), sipp's
// (the load generator, reported apart) over the steady window; a level is sustained when every
// call was answered and ended normally, and every call has its CallRecord with the welcome played.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSettings } from '../asterisk/settings.ts';
import { createLabDriver } from '../asterisk/lab/driver.ts';
import { startApp } from '../asterisk/app.ts';
import { startRedisServer } from '../../src/infra/redis-server.ts';
import type { BenchResult } from './run.ts';
import { request, sdp, send } from '../asterisk/sip-messages.ts';

const TICK = 100; // USER_HZ on Linux
const cpuOfPid = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) / TICK; // utime + stime, seconds
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function uacScenario(did: string, holdMs: number): string {
  const caller = { uri: `sip:${did}@[remote_ip]:[remote_port]`, from: '<sip:ct-caller@[local_ip]:[local_port]>;tag=[pid]cap[call_number]', contact: '<sip:ct-caller@[local_ip]:[local_port]>' };
  const to = `<sip:${did}@[remote_ip]:[remote_port]>`;
  // This scenario's messages close their CDATA right after the last line (no blank line).
  const tight = (msg: string, retrans = false) => send(msg.slice(0, -1), retrans);
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="centralita-capacity-caller">
${tight(request({ method: 'INVITE', ...caller, to, cseq: 1, body: { type: 'application/sdp', text: sdp({ dtmfPayload: 96 }) } }), true)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
${tight(request({ method: 'ACK', ...caller, to: `${to}[peer_tag_param]`, cseq: 1 }))}  <pause milliseconds="1200"/>
  <nop><action><exec play_dtmf="1"/></action></nop>
  <pause milliseconds="3000"/>
  <nop><action><exec play_dtmf="1"/></action></nop>
  <pause milliseconds="${Math.max(1000, holdMs - 4200)}"/>
${tight(request({ method: 'BYE', ...caller, to: `${to}[peer_tag_param]`, cseq: 2 }), true)}  <recv response="200" crlf="true"/>
</scenario>
`;
}

interface Level { calls: number; ok: boolean; successful: number; failed: number; records: number; withWelcome: number; asteriskCpuPct: number; appCpuPct: number; sippCpuPct: number; channelsSeen: number }

export async function run(args: string[]): Promise<BenchResult> {
  const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
  const levels = arg('--levels', '10,20,40,80').split(',').map(Number);
  const holdSec = Number(arg('--hold', '25'));
  const goal = { asterisk_to_app_cpu_per_call: '> 1 (the app is not the bottleneck)', sustained: 'every call answered, ended normally and recorded' };
  const s = labSettings();
  if (!s) return { metrics: {}, goal, notes: { skipped: 'no real Asterisk configured: set TEST_ASTERISK_ARI_URL (see test/asterisk/README.md)' } };
  const pid = Number(process.env.TEST_ASTERISK_PID ?? readFileSync(s.pidFile!, 'utf8').trim());
  // Each call's RTP takes two ports of rtp.conf's range (the lab's 10000-10999: 500 calls). To
  // find the CPU limit instead, --rtp-end widens it for this run (restored at the end).
  const rtpEnd = args.includes('--rtp-end') ? Number(arg('--rtp-end', '0')) : undefined;
  const rtpConf = join(s.etcDir, 'rtp.conf');
  const rtpSaved = rtpEnd ? readFileSync(rtpConf, 'utf8') : undefined;
  const redis = await startRedisServer({});
  const driver = await createLabDriver(s);
  await driver.start();
  if (rtpEnd) {
    writeFileSync(rtpConf, `[general]\nrtpstart = 10000\nrtpend = ${rtpEnd}\n`);
    await driver.cli!('module reload res_rtp_asterisk.so');
  }
  const t = await startApp(driver, { redisUrl: redis.url, db: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'centralita-capacity-'));
  const scenario = join(dir, 'caller.xml');
  writeFileSync(scenario, uacScenario('6015550100', holdSec * 1000));
  const results: Level[] = [];
  try {
    for (const L of levels) {
      const before = t.records.length;
      const rate = Math.max(1, Math.ceil(L / 4));
      const sipp = spawn('sipp', ['-sf', scenario, `${s.sip.host}:${s.sip.port}`, '-i', '127.0.0.1', '-p', String(s.sippBasePort + 20), '-l', String(L), '-r', String(rate), '-m', String(L), '-nostdin', '-trace_err', '-error_file', join(dir, `err-${L}.log`), '-timeout', String(holdSec + 60), '-timeout_error'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      sipp.stdout.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
      sipp.stderr.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
      const exited = new Promise<number>((r) => sipp.on('exit', (c) => r(c ?? -1)));
      // Steady window: after the calls are in (L / rate s + the welcome), before the first hang-ups.
      const fillMs = Math.ceil(L / rate) * 1000 + 3000;
      const windowMs = Math.max(5000, holdSec * 1000 - fillMs - 2000);
      await new Promise((r) => setTimeout(r, fillMs));
      const a0 = cpuOfPid(pid); const p0 = process.cpuUsage(); const s0 = cpuOfPid(sipp.pid!); const w0 = Date.now();
      let channelsSeen = 0;
      const sampler = setInterval(() => {
        fetch(`${s.ariUrl}/ari/channels`, { headers: { authorization: `Basic ${Buffer.from(`${s.ariUser}:${s.ariPassword}`).toString('base64')}` } })
          .then((r) => r.json()).then((list) => { channelsSeen = Math.max(channelsSeen, (list as unknown[]).length); }, () => {});
      }, 2000);
      await new Promise((r) => setTimeout(r, windowMs));
      clearInterval(sampler);
      const wall = (Date.now() - w0) / 1000;
      const asteriskCpu = cpuOfPid(pid) - a0;
      const pc = process.cpuUsage(p0);
      let sippCpu = 0;
      try { sippCpu = cpuOfPid(sipp.pid!) - s0; } catch { /* already gone */ }
      const code = await exited;
      const successful = Number(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? 0);
      const failed = Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? (code === 0 ? 0 : L));
      await new Promise((r) => setTimeout(r, 3000)); // the last records
      const recs = t.records.slice(before);
      const level: Level = {
        calls: L, successful, failed, records: recs.length, withWelcome: recs.filter((r) => r.path.some((p) => p.node === 'welcome')).length,
        asteriskCpuPct: round((asteriskCpu / wall) * 100), appCpuPct: round(((pc.user + pc.system) / 1e6 / wall) * 100), sippCpuPct: round((sippCpu / wall) * 100), channelsSeen,
        ok: false,
      };
      level.ok = level.failed === 0 && level.successful === L && level.records >= L && level.withWelcome >= L;
      results.push(level);
      process.stderr.write(`asterisk-capacity: ${JSON.stringify(level)}\n`);
      if (!level.ok) break;
    }
  } finally {
    await t.stop();
    if (rtpSaved !== undefined) { writeFileSync(rtpConf, rtpSaved); await driver.cli!('module reload res_rtp_asterisk.so').catch(() => ''); }
    await driver.close();
    await redis.stop();
  }
  const best = [...results].reverse().find((l) => l.ok);
  const perCall = (pct: number, n: number) => round(pct / n, 3);
  const metrics: Record<string, number> = { asterisk_max_sustained_calls: best?.calls ?? 0 };
  if (best) {
    metrics.asterisk_cpu_pct_per_call = perCall(best.asteriskCpuPct, best.calls);
    metrics.app_cpu_pct_per_call = perCall(best.appCpuPct, best.calls);
    metrics.asterisk_to_app_cpu_per_call = round(best.asteriskCpuPct / Math.max(0.01, best.appCpuPct), 2);
  }
  return { metrics, goal, notes: { levels: results, hold_sec: holdSec, rtp_ports: rtpEnd ? `10000-${rtpEnd}` : 'as configured', load_average: loadavg().map((x) => round(x)), cores: 2, limit: results.find((l) => !l.ok) ?? 'every level tried was sustained: raise --levels' } };
}
