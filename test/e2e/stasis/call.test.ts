import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Simulator } from '../../../src/sim/index.ts';
import { startApp, startSim, waitFor, type App } from './harness.ts';

describe.each(['http', 'ari-client'] as const)('Stasis end to end (simulator over real ARI, REST via %s)', (rest) => {
  let sim: Simulator;
  let app: App;
  beforeAll(async () => {
    sim = await startSim();
    app = await startApp({ ariUrl: sim.ariUrl, redisUrl: inject('redisUrl'), prefix: `e2e-call-${rest}-${process.pid}`, rest });
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.close();
  });

  it('a call answers, plays a prompt, caller hangs up: exactly one CallRecord in call-records', async () => {
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550001' });
    await waitFor(() => sim.control.transcript(ch).some((e) => e.kind === 'prompt' && e.outcome === 'done'), 5000, 'prompt played');
    expect(sim.control.transcript(ch).some((e) => e.kind === 'answered')).toBe(true);
    await waitFor(() => app.calls.liveCalls().find((c) => c.channelId === ch)?.answeredAt, 2000, 'answer seen');
    // The PBX finished the prompt; wait until the app has seen it too (the flow moved on).
    await waitFor(() => app.calls.liveCalls().find((c) => c.channelId === ch)?.node === 'waiting', 5000, 'flow past the prompt');
    sim.control.hangup(ch);
    await waitFor(() => app.records.length === 1, 5000, 'record');
    const jobs = await waitFor(async () => { const j = await app.queue.getJobs(['waiting', 'active', 'completed']); return j.length ? j : undefined; }, 3000, 'job');
    expect(jobs).toHaveLength(1);
    const rec = jobs[0]!.data as typeof app.records[number];
    expect(jobs[0]!.id).toBe(rec.id);
    expect(rec).toMatchObject({
      id: `cr-${ch}`, direction: 'inbound', from: '+573001112233', to: '+576015550001', did: '+576015550001',
      disposition: 'answered', hangupSide: 'caller', flow: { id: 'hello', version: 'v1' },
    });
    expect(rec.path).toEqual([expect.objectContaining({ node: 'greeting', outcome: 'played' })]);
    expect(Date.parse(rec.answeredAt!)).toBeGreaterThanOrEqual(Date.parse(rec.startedAt));
    expect(Date.parse(rec.endedAt)).toBeGreaterThanOrEqual(Date.parse(rec.answeredAt!));
    // No second record arrives later (e.g. from ChannelDestroyed after StasisEnd).
    await new Promise((r) => setTimeout(r, 100));
    expect(app.records).toHaveLength(1);
    expect(app.calls.liveCalls()).toHaveLength(0);
  });

  it('the app hangs a call up: the record says app, with the cause it asked for (Asterisk reports only soft 32)', async () => {
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550001' });
    await waitFor(() => app.calls.liveCalls().find((c) => c.channelId === ch)?.answeredAt, 3000, 'answered');
    await app.telephony.hangup(ch, 'busy');
    const rec = await waitFor(() => app.records.find((r) => r.id === `cr-${ch}`), 3000, 'record');
    expect(rec).toMatchObject({ hangupSide: 'app', hangupCause: 17 });
  });

  it('unknown flow: logged and continued in the dialplan, nobody stranded', async () => {
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550003' });
    await waitFor(() => app.calls.rejected().some((r) => r.channelId === ch), 3000, 'rejection');
    await waitFor(() => sim.control.channel(ch)?.stasisApp === undefined, 3000, 'left Stasis');
    expect(app.calls.liveCalls().some((c) => c.channelId === ch)).toBe(false);
  });

  it('DTMF reaches the flow and a 404 on a gone channel never escapes as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const ch = sim.control.placeCall({ from: '3001112233', to: '6015550002' });
      await waitFor(() => app.calls.liveCalls().find((c) => c.channelId === ch)?.answeredAt, 3000, 'answered');
      sim.control.sendDtmf(ch, '7');
      await waitFor(() => sim.control.transcript(ch).some((e) => e.kind === 'prompt' && e.media.includes('digits:7')), 3000, 'digit echoed');
      sim.control.hangup(ch);
      await waitFor(() => app.records.some((r) => r.id === `cr-${ch}`), 3000, 'record');
      await expect(app.telephony.answer(ch)).rejects.toMatchObject({ code: 'CHANNEL_GONE' });
      await expect(app.telephony.play(ch, ['sound:hello-world'])).rejects.toMatchObject({ code: 'CHANNEL_GONE' });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
