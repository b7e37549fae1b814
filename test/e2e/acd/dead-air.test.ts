// No dead air in a queue (issue 14): a waiting caller hears MOH or an announcement all
// along, also when an announcement cannot be played (the ACD stopped the music for it and
// never started it again: the caller sat in silence until an agent answered).
import { afterEach, describe, expect, it } from 'vitest';
import type { Telephony } from '../../../src/telephony/port.ts';
import { startSimAcd, waitFor, type SimAcd } from './sim-harness.ts';
import { deadAirOf } from '../../helpers/dead-air.ts';

let h: SimAcd | undefined;
afterEach(async () => { await h?.stop(); h = undefined; });

/** Announcement playbacks (their ids end in -ann-<time>) fail as a PBX error would. */
function failingAnnouncements(t: Telephony): Telephony {
  return new Proxy(t, {
    get(target, p) {
      if (p === 'play') {
        return (channelId: string, media: string[], o?: { playbackId?: string }) =>
          o?.playbackId?.includes('-ann-') ? Promise.reject(Object.assign(new Error('Failed to queue media for playback'), { code: 'TELEPHONY_ERROR' })) : target.play(channelId, media, o as never);
      }
      const v = Reflect.get(target, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('queue: no dead air', () => {
  it('an announcement that fails to play: the music comes back at once', async () => {
    h = await startSimAcd(
      { q: { strategy: 'ringall', members: [{ id: 'a1', endpoint: 'PJSIP/2001' }], ringTimeoutSec: 60, retrySec: 1, wrapUpSec: 0, announce: { frequencySec: 3, position: true, estimatedWait: false } } },
      { phones: { '2001': { behavior: 'noanswer' } }, wrapTelephony: failingAnnouncements },
    );
    const ch = h.call('q', { hangupAfterMs: 11_000 });
    const sim = h.sim;
    await waitFor(() => sim.control.channel(ch)?.alive === false, 30_000, 'the caller hung up');
    const heard = sim.control.channel(ch)!.heard.map((s) => s.what);
    expect(heard).toContain('moh');
    expect(deadAirOf(sim.control, { ids: [ch] })).toEqual({});
  }, 60_000);

  it('an announcement played: music, announcement, music again, no silence between', async () => {
    h = await startSimAcd(
      { q: { strategy: 'ringall', members: [{ id: 'a1', endpoint: 'PJSIP/2001' }], ringTimeoutSec: 60, retrySec: 1, wrapUpSec: 0, announce: { frequencySec: 3, position: true, estimatedWait: false } } },
      { phones: { '2001': { behavior: 'noanswer' } } },
    );
    const ch = h.call('q', { hangupAfterMs: 8_000 });
    const sim = h.sim;
    await waitFor(() => sim.control.channel(ch)?.alive === false, 30_000, 'the caller hung up');
    const heard = sim.control.channel(ch)!.heard.map((s) => s.what);
    expect(heard).toEqual(expect.arrayContaining(['moh', 'prompt']));
    expect(deadAirOf(sim.control, { ids: [ch] })).toEqual({});
  }, 60_000);

  it('the agent hangs up: a caller whose flow ends there is hung up at once, never left alone in the bridge', async () => {
    h = await startSimAcd(
      { q: { strategy: 'ringall', members: [{ id: 'a1', endpoint: 'PJSIP/2001' }], ringTimeoutSec: 30, retrySec: 1, wrapUpSec: 0 } },
      { phones: { '2001': { behavior: 'answer', afterMs: 300, hangupAfterMs: 1500 } }, afterAgent: 'hangup', flowLagMs: 4000 },
    );
    const ch = h.call('q');
    const sim = h.sim;
    await waitFor(() => sim.control.channel(ch)?.alive === false, 30_000, 'the caller hung up');
    expect(sim.control.channel(ch)!.heard.map((s) => s.what)).toContain('bridged');
    expect(h.outcomes.get(ch)?.outcome).toBe('answered');
    expect(deadAirOf(sim.control, { ids: [ch] })).toEqual({});
  }, 60_000);
});
