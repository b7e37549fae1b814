// Malformed ARI events on the real socket (issue 14): the adapter and the Stasis core take
// hundreds of fuzzed frames between the PBX's own: no crash, each bad frame counted and kept
// with its reason, the live call goes on and ends with one record.
import { afterEach, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import type { Simulator } from '../../../src/sim/index.ts';
import { checkAriEvent, USED_ARI_EVENTS } from '../../../src/telephony/ari/translate.ts';
import { startAriRelay, type AriRelay } from '../../fakes/ari-ws-relay.ts';
import { startApp, startSim, waitFor, type App } from './harness.ts';

describe('fuzzed ARI events on the socket', () => {
  let sim: Simulator | undefined;
  let app: App | undefined;
  let relay: AriRelay | undefined;
  afterEach(async () => {
    await app?.stop();
    await relay?.close();
    await sim?.close();
    app = undefined; relay = undefined; sim = undefined;
  });

  it('rejects and keeps every malformed frame, the live call carries on', async () => {
    sim = await startSim();
    relay = await startAriRelay(sim.url);
    app = await startApp({ ariUrl: `${relay.url}/ari`, redisUrl: inject('redisUrl'), prefix: `e2e-arifuzz-${process.pid}` });
    const a = app;
    await waitFor(() => sim!.control.isAppConnected('centralita') && relay!.clients() === 1, 5000, 'app registered through the relay');
    const live = sim.control.placeCall({ from: '3001112233', to: '6015550002' });
    await waitFor(() => a.calls.liveCalls().some((c) => c.answeredAt), 3000, 'answered');

    // Used types with broken fields, foreign types, non-JSON, non-objects. Ids never match the live call.
    const junk = fc.oneof(fc.jsonValue(), fc.string(), fc.constant(null));
    const frame = fc.oneof(
      fc.record({ type: fc.constantFrom(...USED_ARI_EVENTS), channel: fc.oneof(junk, fc.record({ id: fc.oneof(junk, fc.constantFrom('', 'nobody-1')), caller: junk })), playback: junk, recording: junk, bridge: junk, peer: junk, digit: junk, cause: junk, endpoint: junk, device_state: junk }, { requiredKeys: ['type'] }).map((e) => JSON.stringify(e)),
      junk.map((v) => JSON.stringify(v) ?? 'undefined'),
      fc.string({ maxLength: 50 }).map((s) => `{${s}`),
    );
    const frames = fc.sample(frame, { numRuns: 400, seed: 14 });
    let rejected = 0;
    for (const f of frames) {
      let parsed: unknown;
      try { parsed = JSON.parse(f); } catch { rejected++; continue; }
      if ('rejected' in checkAriEvent(parsed)) rejected++;
    }
    expect(rejected).toBeGreaterThan(100);
    for (const f of frames) relay.inject(f);
    await waitFor(() => a.telephony.restStats().rejected === rejected, 5000, 'every malformed frame counted');
    const kept = a.telephony.rejectedEvents();
    expect(kept.count).toBe(rejected);
    expect(kept.recent).toHaveLength(100);
    expect(kept.recent.every((r) => r.reason.length > 0 && r.sample.length > 0)).toBe(true);
    expect(a.logs.filter((l) => l.code === 'ARI_EVENT_REJECTED').length).toBeLessThanOrEqual(40); // one line per reason, not per frame

    // Still connected, the call still works: DTMF reaches its menu, the hangup gives one record.
    expect(a.telephony.status().connected).toBe(true);
    expect(a.calls.liveCalls().map((c) => c.channelId)).toEqual([live]);
    sim.control.sendDtmf(live, '4');
    await waitFor(() => sim!.control.transcript(live).some((e) => e.kind === 'prompt' && e.media.includes('digits:4')), 3000, 'DTMF after the fuzz');
    sim.control.hangup(live);
    await waitFor(() => a.records.some((r) => r.id === `cr-${live}`), 3000, 'record');
    expect(a.records.filter((r) => r.id === `cr-${live}`)).toHaveLength(1);
  }, 60_000);
});
