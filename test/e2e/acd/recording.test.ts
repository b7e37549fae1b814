// A queue with `record: true`, over real ARI against the simulator: the mixing bridge where
// caller and agent talk is recorded (both voices), the file is as long as the conversation,
// and the CallRecord fields name it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimAcd, waitFor, type SimAcd } from './sim-harness.ts';
import type { TelephonyEvent } from '../../../src/telephony/port.ts';

describe.each(['ari-client', 'http'] as const)('queue recording through the simulator (%s REST transport)', (rest) => {
  let h: SimAcd;
  const events: TelephonyEvent[] = [];
  beforeAll(async () => {
    h = await startSimAcd(
      { rec: { strategy: 'linear', members: [{ id: 'ana', endpoint: 'PJSIP/4001' }], ringTimeoutSec: 10, retrySec: 1, wrapUpSec: 0, record: true } },
      // The agent answers after 1 s and hangs up after 30 s of conversation (sim clock at 10×).
      { speed: 10, rest, phones: { 4001: { behavior: 'answer', afterMs: 1000, hangupAfterMs: 30_000 } } },
    );
    h.tel.onEvent((e) => { if (e.type.startsWith('recording.')) events.push(e); });
  });
  afterAll(async () => { await h?.stop(); });

  it('records the bridge for the length of the conversation', async () => {
    const ch = h.call('rec');
    const o = await waitFor(() => h.outcomes.get(ch), 15_000, 'call answered and ended');
    expect(o).toMatchObject({ outcome: 'answered', agentId: 'ana' });
    const name = `queue-rec-call-${ch}`;
    const finished = await waitFor(() => events.find((e) => e.type === 'recording.finished' && e.name === name), 5_000, 'recording finished');
    const started = events.find((e) => e.type === 'recording.started' && e.name === name);
    expect(started).toMatchObject({ targetUri: `bridge:acd-call-${ch}` });
    expect(h.acd.recordFields(`call-${ch}`)).toMatchObject({ recording: { name } });
    // The stored file: 8 kHz 16-bit mono WAV, as long as the talk (30 s) plus the app's reaction
    // to the hangup, which the 10× clock multiplies (up to 200 ms of real time on a loaded machine).
    const res = await fetch(`${h.sim.url}/ari/recordings/stored/${name}/file`, { headers: { authorization: `Basic ${Buffer.from('centralita:sim-secret').toString('base64')}` } });
    expect(res.status).toBe(200);
    const wav = Buffer.from(await res.arrayBuffer());
    const seconds = wav.readUInt32LE(40) / wav.readUInt32LE(28); // data size / byte rate
    expect(seconds).toBeGreaterThan(29);
    expect(seconds).toBeLessThan(32);
    expect((finished as { durationSec?: number }).durationSec).toBeGreaterThanOrEqual(29);
    expect(h.errors).toEqual([]);
  });
});
