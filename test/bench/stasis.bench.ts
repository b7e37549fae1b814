// `npm run bench -- stasis [--seconds N]`: the Stasis core under load. The simulated PBX runs
// in a separate process (stasis-sim.ts); this process runs the real stack (ARI adapter over
// ari-client + WebSocket, call service, one XState actor per call, menu flow).
// Measured at the PBX boundary, where the caller feels it: the simulator (its own process)
// stamps when it sends each event and when the app's next command for that channel reaches it
// (`pbx_p99_ms_*`, GET /_sim/timings), at 1,000 and 2,000 concurrent calls each pressing a
// digit per second; commands the app gave up on unsent (`command_timeouts_*`); the CPU of the
// app and of the simulator in that window; heap bytes per live call. The in-app view (DTMF on
// the socket → command issued) is kept as `p99_ms_*`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { forkSim, runqueueWaitMs } from './stasis-sim.ts';
import { createAriTelephony } from '../../src/telephony/ari/adapter.ts';
import { createCallActors, actorImplementations } from '../../src/calls/actors.ts';
import { createCallService } from '../../src/calls/service.ts';
import { createEventBus } from '../../src/domain/event-bus.ts';
import { testFlows } from '../fakes/test-flows.ts';
import { loadConfig } from '../../src/config.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapNow = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * The peer: app CPU per REST command through each transport (ari-client's swagger/shred vs
 * the adapter's lean HTTP client), same operation and server, same run.
 */
async function restCost(url: string): Promise<{ http: number; ariClient: number }> {
  const out = { http: 0, ariClient: 0 };
  for (const mode of ['http', 'ari-client'] as const) {
    const t = await createAriTelephony({ url, user: 'centralita', password: 'bench-secret', app: 'centralita-peer', requestTimeoutMs: 30_000, logger: pino({ level: 'silent' }), pingIntervalMs: 0, rest: mode });
    const burst = () => Promise.all(Array.from({ length: 1000 }, (_, i) => t.setVariable(`peer-${i}`, 'X', '1').catch(() => {})));
    await burst(); // warm-up
    const c0 = process.cpuUsage();
    await burst();
    await burst();
    const c = process.cpuUsage(c0);
    out[mode === 'http' ? 'http' : 'ariClient'] = Math.round((c.user + c.system) / 2000);
    await t.close();
  }
  return out;
}

export async function run(args: string[]) {
  const seconds = Number(args[args.indexOf('--seconds') + 1]) || 10;
  // The REST transport of the app under test: the configured default unless --rest says.
  const restArg = args.includes('--rest') ? args[args.indexOf('--rest') + 1] : undefined;
  const rest = (restArg ?? loadConfig({}).ari.restTransport) as 'http' | 'ari-client';
  const sim = await forkSim({ soundLengths: { 'hello-world': 200 }, dids: { '6015550002': 'menu' }, timings: true });
  const simAuth = { authorization: `Basic ${Buffer.from('centralita:bench-secret').toString('base64')}` };
  const pbxTimings = async (op: 'reset' | 'read') => {
    const r = await fetch(`${sim.url}/_sim/timings${op === 'reset' ? '/reset' : ''}`, { method: op === 'reset' ? 'POST' : 'GET', headers: simAuth });
    if (r.status === 404) throw new Error('bench: this simulator has no PBX-boundary timings (GET /_sim/timings: 404) — it comes with the simulator half of issue 13 (--timings)');
    return op === 'read' ? ((await r.json()) as { reactions: { count: number; p50: number; p99: number; max: number }; byCommand: Record<string, { count: number; p99: number }> }) : undefined;
  };
  // DTMF-received → next-command, per channel.
  const dtmfAt = new Map<string, { t: number; sentAt: number }>();
  let samples: number[] = [];
  let e2e: number[] = [];
  let measuring = false;
  const telephony = await createAriTelephony({
    url: sim.url, user: 'centralita', password: 'bench-secret', app: 'centralita', requestTimeoutMs: 5_000, // ARI_REQUEST_TIMEOUT_MS default
    logger: pino({ level: 'warn' }), pingIntervalMs: 0, maxSockets: Number(process.env.BENCH_SOCKETS ?? 32), rest,
    probe: (kind, name, channelId, t, eventAt) => {
      if (!measuring || channelId === undefined) return;
      if (kind === 'event') { if (name === 'dtmf') dtmfAt.set(channelId, { t, sentAt: eventAt ? Date.parse(eventAt) : NaN }); return; }
      const d = dtmfAt.get(channelId);
      if (d !== undefined) {
        dtmfAt.delete(channelId);
        samples.push(t - d.t);
        // From the PBX's event timestamp (ms, same machine clock): includes time the event waited in socket buffers.
        if (Number.isFinite(d.sentAt)) e2e.push(performance.timeOrigin + t - d.sentAt);
      }
    },
  });
  let records = 0;
  const actors = createCallActors({ telephony });
  const calls = createCallService({
    telephony, flows: testFlows(), actors: actorImplementations(actors), bus: createEventBus(), logger: pino({ level: 'warn' }),
    records: { async publish() { records++; return true; }, async close() {} },
  });
  calls.start();

  const waitUntil = async (cond: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}: ${JSON.stringify({ rest: telephony.restStats(), live: calls.liveCalls().length, answered: calls.liveCalls().filter((c) => c.answeredAt).length, stats: calls.stats() })}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  async function phase(n: number) {
    const heap0 = heapNow();
    const rest0 = telephony.restStats();
    const ids: string[] = [];
    for (let i = 0; i < n; i += 250) ids.push(...(await sim.call<string[]>('calls', { n: Math.min(250, n - i), to: '6015550002' })));
    const tA = performance.now();
    // A call whose answer timed out on an overloaded PBX ends (handed back, recorded): count it.
    const ended0 = calls.stats().ended;
    await waitUntil(() => calls.liveCalls().filter((c) => c.answeredAt).length + (calls.stats().ended - ended0) >= n, 90_000, `${n} calls answered`);
    const failedToAnswer = calls.stats().ended - ended0;
    if (process.env.BENCH_DEBUG) console.error(`phase ${n}: answered in ${Math.round(performance.now() - tA)} ms`, telephony.restStats());
    await new Promise((r) => setTimeout(r, 500));
    const heap1 = heapNow();
    samples = [];
    e2e = [];
    dtmfAt.clear();
    measuring = true;
    // The floor: how late this process's event loop runs anyway (GC, OS scheduling on a
    // shared machine), measured over the same window.
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    await pbxTimings('reset');
    const rq0 = runqueueWaitMs();
    const simRq0 = await sim.call<number>('runqueueMs');
    const cpu0 = process.cpuUsage();
    const simCpu0 = await sim.cpuMs();
    const t0 = performance.now();
    const live = new Set(calls.liveCalls().map((c) => c.channelId));
    const { sent, gone } = await sim.call<{ sent: number; gone: number }>('dtmfLoad', { ids: ids.filter((id) => live.has(id)), durationMs: seconds * 1000 });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    const loopP99 = loop.percentile(99) / 1e6;
    const loopP50 = loop.percentile(50) / 1e6;
    const simCpu = (await sim.cpuMs()) - simCpu0;
    const appRunqueuePct = ((runqueueWaitMs() - rq0) / wall) * 100;
    const simRunqueuePct = (((await sim.call<number>('runqueueMs')) - simRq0) / wall) * 100;
    const pbx = (await pbxTimings('read'))!;
    measuring = false;
    const lat = samples;
    const lat2 = e2e;
    const rest = telephony.restStats();
    const recordsBefore = records;
    await sim.call('hangup', { ids });
    await waitUntil(() => calls.liveCalls().length === 0, 90_000, 'all calls ended');
    // Every call that ended has its record (including calls the app gave up on).
    await waitUntil(() => records >= calls.stats().ended && records - recordsBefore >= 0, 10_000, 'records');
    // Let the REST backlog drain so the next phase starts clean.
    await waitUntil(() => telephony.restStats().inFlight === 0, 90_000, 'REST backlog drained');
    return {
      n, sent, gone, samples: lat.length, loopP99, loopP50, pbx, appRunqueuePct, simRunqueuePct, failedToAnswer, restInFlightAtEnd: rest.inFlight, restTimedOut: telephony.restStats().timedOut - rest0.timedOut,
      p50: pct(lat, 50), p99: pct(lat, 99), max: lat.reduce((a, b) => Math.max(a, b), 0),
      e2eP50: pct(lat2, 50), e2eP99: pct(lat2, 99),
      cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
      simCpuPct: (simCpu / wall) * 100,
      heapPerCall: (heap1 - heap0) / n,
    };
  }

  await waitUntil(() => telephony.status().connected, 10_000, 'ARI connection');
  const peer = await restCost(sim.url);
  await phase(200); // warm-up: JIT, sockets, caches
  const p1000 = await phase(1000);
  const p2000 = await phase(2000);
  const leftoverHandlers = telephony.handlerCount();
  await calls.stop(1000);
  actors.dispose();
  await telephony.close();
  await sim.close();

  return {
    metrics: {
      pbx_p99_ms_1000: round(p1000.pbx.reactions.p99),
      pbx_p99_ms_2000: round(p2000.pbx.reactions.p99),
      command_timeouts_2000: p2000.restTimedOut,
      command_timeouts_1000: p1000.restTimedOut,
      p50_ms_1000: round(p1000.p50),
      p99_ms_1000: round(p1000.p99),
      p99_ms_2000: round(p2000.p99),
      heap_bytes_per_call: Math.round(p1000.heapPerCall),
      cpu_pct_1000: round(p1000.cpuPct, 1),
      sim_cpu_pct_1000: round(p1000.simCpuPct, 1),
      cpu_pct_2000: round(p2000.cpuPct, 1),
      sim_cpu_pct_2000: round(p2000.simCpuPct, 1),
    },
    goal: { pbx_p99_ms_1000: '< 20', command_timeouts_2000: '= 0', p99_ms_1000: '< 10', heap_bytes_per_call: '< 20480' },
    notes: {
      pbx_p50_ms_1000: round(p1000.pbx.reactions.p50), pbx_max_ms_1000: round(p1000.pbx.reactions.max), pbx_reactions_1000: p1000.pbx.reactions.count,
      pbx_p50_ms_2000: round(p2000.pbx.reactions.p50), pbx_max_ms_2000: round(p2000.pbx.reactions.max), pbx_reactions_2000: p2000.pbx.reactions.count,
      pbx_by_command_2000: p2000.pbx.byCommand,
      app_runqueue_wait_pct_1000: round(p1000.appRunqueuePct, 1), sim_runqueue_wait_pct_1000: round(p1000.simRunqueuePct, 1),
      app_runqueue_wait_pct_2000: round(p2000.appRunqueuePct, 1), sim_runqueue_wait_pct_2000: round(p2000.simRunqueuePct, 1),
      runqueue_wait_is: "time the process's main thread was runnable but waited for a CPU (/proc/<pid>/schedstat) / wall time of the DTMF window: CPU the machine did not give it",
      pbx_latency_is: 'in the simulator process: the event it sent about a channel (DTMF, playback end…) → the next command it received for that channel',
      seconds_per_phase: seconds, rest_transport: rest,
      p50_ms_2000: round(p2000.p50), max_ms_1000: round(p1000.max), max_ms_2000: round(p2000.max),
      dtmf_sent_1000: p1000.sent, latency_samples_1000: p1000.samples,
      dtmf_sent_2000: p2000.sent, latency_samples_2000: p2000.samples,
      cpu_pct_2000: round(p2000.cpuPct, 1), heap_bytes_per_call_2000: Math.round(p2000.heapPerCall),
      sim_process_cpu_pct_1000: round(p1000.simCpuPct, 1), sim_process_cpu_pct_2000: round(p2000.simCpuPct, 1),
      pbx_sent_to_command_p50_ms_1000: round(p1000.e2eP50), pbx_sent_to_command_p99_ms_1000: round(p1000.e2eP99),
      pbx_sent_to_command_p50_ms_2000: round(p2000.e2eP50), pbx_sent_to_command_p99_ms_2000: round(p2000.e2eP99),
      dtmf_to_gone_calls_1000: p1000.gone, dtmf_to_gone_calls_2000: p2000.gone,
      calls_not_answered_in_time_1000: p1000.failedToAnswer, calls_not_answered_in_time_2000: p2000.failedToAnswer,
      event_loop_delay_p99_ms_1000: round(p1000.loopP99), event_loop_delay_p99_ms_2000: round(p2000.loopP99),
      load_average_at_end: (await import('node:os')).loadavg().map((x) => round(x, 1)),
      rest_in_flight_at_end_of_dtmf_window_1000: p1000.restInFlightAtEnd, rest_timeouts_1000: p1000.restTimedOut,
      rest_in_flight_at_end_of_dtmf_window_2000: p2000.restInFlightAtEnd, rest_timeouts_2000: p2000.restTimedOut,
      rest_cpu_us_per_command_http: peer.http, rest_cpu_us_per_command_ari_client: peer.ariClient,
      records_written: records, handlers_after: leftoverHandlers,
      cpu_pct_is: 'app process user+system CPU time / wall time of the DTMF window (100 = one core)',
      latency_is: 'performance.now() at the WebSocket message for ChannelDtmfReceived → at the REST call (channels.play) issued by the flow for that channel',
      machine_cores: (await import('node:os')).cpus().length,
    },
  };
}
