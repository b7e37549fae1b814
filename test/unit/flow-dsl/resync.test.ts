// Issue 13, fix 5: every pending wait of a flow actor has a resync rule, because Asterisk does
// not replay what happened while the socket was down — a playback, a voicemail recording and a
// dial leg that ended (or answered) in the gap.
import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorLogic } from 'xstate';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';

const flush = async () => { for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r)); };
const gap = (t: ReturnType<typeof createFakeTelephony>, during: () => void) => {
  t.emit({ type: 'connection', state: 'disconnected', at: '2026-01-05T15:00:00.000Z' });
  during();
  t.emit({ type: 'connection', state: 'connected', at: '2026-01-05T15:00:02.000Z' });
};

function run<T>(logic: AnyActorLogic, input: unknown) {
  const actor = createActor(logic, { input });
  let out: T | undefined;
  let error: unknown;
  actor.subscribe({ next: (s) => { if (s.status === 'done') out = s.output as T; }, error: (e) => { error = e; } });
  actor.start();
  return { output: () => out, error: () => error };
}

describe('flow actors resync after a reconnect', () => {
  it('play: a prompt the PBX no longer has ended during the gap', async () => {
    const t = createFakeTelephony({ autoFinishPlayback: false });
    const ch = t.placeCall({});
    const { actors } = createFlowActors({ telephony: t, newId: () => 'pb1' });
    const r = run<{ state: string }>(actors.play!, { channelId: ch, media: ['sound:x'] });
    await flush();
    expect(t.activePlaybacks.has('pb1')).toBe(true);
    gap(t, () => t.activePlaybacks.delete('pb1')); // finished silently
    await flush();
    expect(r.output()).toEqual({ playbackId: 'pb1', state: 'done' });
  });

  it('play: a prompt still playing after the gap keeps being waited for', async () => {
    const t = createFakeTelephony({ autoFinishPlayback: false });
    const ch = t.placeCall({});
    const { actors } = createFlowActors({ telephony: t, newId: () => 'pb2' });
    const r = run(actors.play!, { channelId: ch, media: ['sound:x'] });
    await flush();
    gap(t, () => {});
    await flush();
    expect(r.output()).toBeUndefined();
    t.finishPlayback('pb2');
    await flush();
    expect(r.output()).toMatchObject({ state: 'done' });
  });

  it('record: a voicemail that stopped being live during the gap is finished', async () => {
    const t = createFakeTelephony();
    const ch = t.placeCall({});
    const { actors } = createFlowActors({ telephony: t });
    const r = run(actors.record!, { channelId: ch, callId: 'c1', name: 'vm-1', maxDurationSec: 30, beep: false });
    await flush();
    gap(t, () => {}); // still recording after this gap: still waiting
    await flush();
    expect(r.output()).toBeUndefined();
    gap(t, () => { t.liveRecordingState = async () => undefined; }); // it ended during this one

    await flush();
    expect(r.output()).toEqual({ name: 'voicemail/vm-1' });
  });

  it('dial: a leg that answered during the gap (StasisStart lost) is bridged; one that vanished fails', async () => {
    const t = createFakeTelephony();
    const ch = t.placeCall({});
    let n = 0;
    const { actors } = createFlowActors({ telephony: t, newId: () => `leg${++n}` });
    const answered = run<{ status: string }>(actors.dial!, { callId: 'c1', channelId: ch, endpoint: 'PJSIP/1000', timeoutSec: 20 });
    await flush();
    gap(t, () => t.channels.set('dial-leg1', { ...t.channels.get(ch)!, id: 'dial-leg1', state: 'Up', vars: {} }));
    await flush();
    expect(t.ops().filter((o) => o === 'createBridge' || o === 'addToBridge')).toEqual(['createBridge', 'addToBridge']);
    t.emit({ type: 'channel.destroyed', channelId: 'dial-leg1', cause: 16, causeText: 'Normal Clearing', at: '2026-01-05T15:00:09.000Z' });
    await flush();
    expect(answered.output()).toMatchObject({ status: 'answered' });

    const lost = run<{ status: string }>(actors.dial!, { callId: 'c1', channelId: ch, endpoint: 'PJSIP/1000', timeoutSec: 20 });
    await flush();
    gap(t, () => {}); // dial-leg2 never existed as far as the PBX says now
    await flush();
    expect(lost.output()).toMatchObject({ status: 'failed' });
  });
});
