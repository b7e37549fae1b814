import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Simulator } from '../../../src/sim/index.ts';
import { startApp, startSim, waitFor, type App } from './harness.ts';
import { startAriProxy, type AriProxy } from './ari-proxy.ts';

const prefix = (name: string) => `e2e-chaos-${name}-${process.pid}`;

describe.each(['http', 'ari-client'] as const)('Stasis chaos (simulator over real ARI, REST via %s)', (rest) => {
  let sim: Simulator | undefined;
  let app: App | undefined;
  let proxy: AriProxy | undefined;
  afterEach(async () => {
    await app?.stop();
    await proxy?.close();
    await sim?.close();
    app = undefined; proxy = undefined; sim = undefined;
  });

  it('ARI WebSocket dropped mid-call: live calls continue, app reconnects and resyncs, nothing leaks', async () => {
    sim = await startSim();
    app = await startApp({ ariUrl: sim.ariUrl, redisUrl: inject('redisUrl'), prefix: prefix(`drop-${rest}`), rest });
    const a = app;
    await waitFor(() => sim!.control.isAppConnected('centralita'), 5000, 'app registered');
    const handlers0 = a.telephony.handlerCount();
    const connEvents: string[] = [];
    a.bus.on('telephony.connection', (e) => connEvents.push(e.state));
    const live = sim.control.placeCall({ from: '3001112233', to: '6015550002' });
    const lost = sim.control.placeCall({ from: '3001112244', to: '6015550002' });
    await waitFor(() => a.calls.liveCalls().filter((c) => c.answeredAt).length === 2, 3000, 'both answered');

    sim.dropWebSockets();
    sim.control.hangup(lost); // its StasisEnd is sent to nobody: lost in the gap
    await waitFor(() => a.telephony.status().reconnects >= 1 && a.telephony.status().connected, 5000, 'reconnected');
    expect(connEvents).toEqual(expect.arrayContaining(['disconnected', 'reconnecting', 'connected']));

    // The vanished call ends with a proper record after the resync.
    const vanished = await waitFor(() => a.records.find((r) => r.id === `cr-${lost}`), 3000, 'vanished record');
    expect(vanished).toMatchObject({ hangupSide: 'system', error: { code: 'CALL_VANISHED' } });
    // The live call continues: DTMF still reaches its flow.
    expect(a.calls.liveCalls().map((c) => c.channelId)).toEqual([live]);
    sim.control.sendDtmf(live, '4');
    await waitFor(() => sim!.control.transcript(live).some((e) => e.kind === 'prompt' && e.media.includes('digits:4')), 3000, 'DTMF after reconnect');
    sim.control.hangup(live);
    await waitFor(() => a.records.some((r) => r.id === `cr-${live}`), 3000, 'live record');
    expect(a.records.filter((r) => r.id === `cr-${live}`)).toHaveLength(1);
    expect(a.records.find((r) => r.id === `cr-${live}`)).toMatchObject({ hangupSide: 'caller', disposition: 'answered' });
    // Nothing left behind.
    expect(a.calls.liveCalls()).toHaveLength(0);
    expect(a.telephony.handlerCount()).toBe(handlers0);
    await waitFor(() => a.actors.pendingPlaybacks() === 0, 2000, 'no pending playbacks');
    expect(a.records).toHaveLength(2);
  });

  it('simulator restarted: app waits, reconnects forever, readiness reflects it, old calls end with a record', async () => {
    sim = await startSim();
    const port = Number(new URL(sim.url).port);
    app = await startApp({ ariUrl: sim.ariUrl, redisUrl: inject('redisUrl'), prefix: prefix(`restart-${rest}`), rest, requestTimeoutMs: 500, backoff: { initialMs: 20, maxMs: 100 } });
    const a = app;
    await waitFor(() => sim!.control.isAppConnected('centralita'), 5000, 'app registered');
    const readiness = a.telephony.readiness();
    expect(readiness.check().ok).toBe(true);
    const before = sim.control.placeCall({ from: '3001112233', to: '6015550001' });
    await waitFor(() => a.calls.liveCalls().some((c) => c.channelId === before && c.answeredAt), 3000, 'answered');
    // Greeting over, the flow waits: no REST command in flight when the PBX goes away.
    await waitFor(() => sim!.control.transcript(before).some((e) => e.kind === 'prompt' && e.outcome === 'done'), 3000, 'greeting played');

    await sim.close();
    sim = undefined;
    await waitFor(() => !readiness.check().ok, 3000, 'not ready');
    // Keeps trying well past what ari-client's own reconnect would (it gives up).
    await waitFor(() => a.telephony.status().attempts >= 8, 5000, 'many attempts');
    expect(a.telephony.status()).toMatchObject({ connected: false, state: 'reconnecting' });
    expect(readiness.check().detail).toMatchObject({ connected: false });

    sim = await startSim(port);
    await waitFor(() => readiness.check().ok, 5000, 'ready again');
    const rec = await waitFor(() => a.records.find((r) => r.id === `cr-${before}`), 3000, 'record of the call lost with the PBX');
    expect(rec.error?.code).toBe('CALL_VANISHED');
    expect(a.calls.liveCalls()).toHaveLength(0);

    // New calls work after the restart.
    const s = sim;
    const after = s.control.placeCall({ from: '3001112233', to: '6015550001' });
    await waitFor(() => s.control.transcript(after).some((e) => e.kind === 'prompt' && e.outcome === 'done'), 3000, 'prompt after restart');
    s.control.hangup(after);
    await waitFor(() => a.records.some((r) => r.id === `cr-${after}`), 3000, 'record after restart');
  });

  it('a REST call that hangs: times out with a typed error, the call is handed back and recorded', async () => {
    sim = await startSim();
    proxy = await startAriProxy(sim.url);
    app = await startApp({ ariUrl: proxy.url, redisUrl: inject('redisUrl'), prefix: prefix(`hang-${rest}`), rest, requestTimeoutMs: 300 });
    const a = app;
    await waitFor(() => sim!.control.isAppConnected('centralita'), 5000, 'app registered');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      proxy.hold((m, p) => m === 'POST' && p.includes(`/channels/hang-${rest}/answer`));
      const ch = sim.control.placeCall({ from: '3001112233', to: '6015550001', channelId: `hang-${rest}` });
      const rec = await waitFor(() => a.records.find((r) => r.id === `cr-${ch}`), 4000, 'record');
      expect(proxy.held()).toBe(1);
      expect(rec).toMatchObject({ disposition: 'failed', error: { code: 'TELEPHONY_TIMEOUT' } });
      expect(a.calls.liveCalls()).toHaveLength(0);
      await waitFor(() => sim!.control.channel(ch)?.stasisApp === undefined, 2000, 'handed back to dialplan');
      const err = a.logs.find((l) => l.msg === 'call actor failed; handing the channel back to the dialplan');
      expect(err).toMatchObject({ channelId: ch, flowId: 'hello' });
      // The held request finally fails: ari-client's late rejection must not escape.
      proxy.release();
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
