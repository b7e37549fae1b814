// Issue 13, fix 6: what a CallRecord says when a call ends in the awkward places a real
// Asterisk shows — a caller hanging up to end a voicemail, a caller who chose a language and hung
// up mid-menu, a PBX shutdown, the app's own hangup. Real flows (the DSL compiler and the flow
// actors) over the pure fake telephony, events in the order Asterisk 22 sends them.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { createCallService } from '../../../src/calls/service.ts';
import type { FlowRegistry } from '../../../src/calls/contract.ts';
import type { CallRecordSink } from '../../../src/calls/records.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';
import { compileFlow } from '../../../src/flow-dsl/compile.ts';
import { defineFlow, hangup, menu, play, setLanguage, voicemail } from '../../../src/flow-dsl/index.ts';

const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

const flows = [
  defineFlow({
    id: 'vm', language: 'es', start: 'msg',
    nodes: { msg: voicemail({ prompt: 'leave-message', maxSeconds: 60, next: 'bye' }), bye: hangup('goodbye') },
  }),
  defineFlow({
    id: 'lang', language: 'es', languages: ['es', 'en'], start: 'english',
    nodes: { english: setLanguage('en', 'ask'), ask: menu({ prompt: 'main-menu', options: { '1': 'bye' }, timeoutSec: 30, onFailure: 'bye' }), bye: hangup('goodbye') },
  }),
  defineFlow({ id: 'short', language: 'es', start: 'hi', nodes: { hi: play('welcome', 'bye'), bye: hangup() } }),
].map((f) => compileFlow(f, { version: 'v1' }));

function setup() {
  const telephony = createFakeTelephony();
  const { actors } = createFlowActors({ telephony, newId: (() => { let n = 0; return () => `id${++n}`; })() });
  const registry: FlowRegistry = { get: (id) => flows.find((f) => f.id === id), ids: () => flows.map((f) => f.id) };
  const records: CallRecord[] = [];
  const sink: CallRecordSink = { publish: async (r) => { records.push(r); return true; }, close: async () => {} };
  const svc = createCallService({ telephony, flows: registry, actors, records: sink, bus: createEventBus(), logger: pino({ level: 'silent' }) });
  svc.start();
  return { telephony, records, svc };
}

describe('call records at the edges (issue 13 fix 6)', () => {
  it('a caller hanging up to end a voicemail: RecordingFinished then StasisEnd in one burst still gives a voicemail record', async () => {
    const { telephony, records } = setup();
    const ch = telephony.placeCall({ args: ['vm'] });
    await flush();
    expect(telephony.ops(ch)).toEqual(['answer', 'play', 'record']);
    const name = 'voicemail/voicemail-' + ch;
    // Asterisk 22: ChannelHangupRequest, RecordingFinished, StasisEnd — one WebSocket read, no gap.
    telephony.emit({ type: 'channel.hangupRequested', channelId: ch, at: '2026-01-05T15:00:30.000Z' });
    telephony.emit({ type: 'recording.finished', name, targetUri: `channel:${ch}`, durationSec: 12, at: '2026-01-05T15:00:30.001Z' });
    telephony.emit({ type: 'call.ended', channelId: ch, at: '2026-01-05T15:00:30.002Z' });
    await flush();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ disposition: 'voicemail', voicemail: { name, durationSec: 12 }, hangupSide: 'caller', endedAt: '2026-01-05T15:00:30.002Z' });
  });

  it('calls that did not finish their flow keep the language the caller chose (vanished, StasisEnd without hangup)', async () => {
    const { telephony, records } = setup();
    const gone = telephony.placeCall({ args: ['lang'] });
    const moved = telephony.placeCall({ args: ['lang'] });
    await flush();
    telephony.emit({ type: 'connection', state: 'disconnected', at: '2026-01-05T15:02:00.000Z' });
    telephony.vanish(gone);
    telephony.emit({ type: 'connection', state: 'connected', at: '2026-01-05T15:02:05.000Z' });
    // Another ARI/AMI client redirected this one: StasisEnd with no hangup request.
    telephony.emit({ type: 'call.ended', channelId: moved, at: '2026-01-05T15:02:06.000Z' });
    await flush();
    expect(records.map((r) => [r.id, r.language]).sort()).toEqual([[`cr-${gone}`, 'en'], [`cr-${moved}`, 'en']].sort());
  });

  it('the app hangs up: side app and the cause it asked for (Asterisk reports only soft cause 32)', async () => {
    const { telephony, records } = setup();
    telephony.placeCall({ args: ['short'] });
    await flush();
    await flush();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ hangupSide: 'app', hangupCause: 16 });
  });

  it('a PBX shutdown (core stop now: soft hangup with flag 4) is the system, not the app', async () => {
    const { telephony, records } = setup();
    const ch = telephony.placeCall({ args: ['lang'] });
    await flush();
    telephony.emit({ type: 'channel.hangupRequested', channelId: ch, cause: 4, soft: true, at: '2026-01-05T15:01:00.000Z' });
    telephony.emit({ type: 'channel.hangupRequested', channelId: ch, cause: 0, at: '2026-01-05T15:01:00.001Z' });
    telephony.emit({ type: 'call.ended', channelId: ch, at: '2026-01-05T15:01:00.002Z' });
    await flush();
    expect(records[0]).toMatchObject({ hangupSide: 'system' });
    expect(records[0]).not.toHaveProperty('hangupCause', 4);
  });
});
