// Recorder scenarios about calls in Stasis: channel variables and caller id, bridging PJSIP
// legs, recordings queued behind a playback, commands queued at hangup, hold, hangup reasons,
// the order of lists, and a PBX that stops under the app.
import { idOf, type Recorder } from './recorder.ts';
import { phone, type Scenario } from './scenarios-dial.ts';

const destroyed = (r: Recorder, id: string, ms = 10_000) => r.waitType('ChannelDestroyed', id, ms).catch(() => r.note(`no ChannelDestroyed for ${id}`));

/** Originates Local/answer@rec into rec-app and waits until the ;1 half is in Stasis. */
async function answered(r: Recorder, id: string, extra: Record<string, unknown> = {}, body?: unknown): Promise<void> {
  await r.rest('POST', '/channels', { endpoint: 'Local/answer@rec', app: 'rec-app', channelId: id, otherChannelId: `${id}-2`, ...extra }, body);
  await r.waitType('StasisStart', id);
}

export const CALL_SCENARIOS: Scenario[] = [
  {
    name: 'channelvars-callerid',
    description: 'ari.conf channelvars = REC_VAR,CENTRALITA_PHONE: snapshots carry them (unset ones ""); originate variables set REC_VAR and CALLERID(name)/CALLERID(num); callerId and CALLERID() together.',
    run: async (r) => {
      await r.ws('rec-app');
      await answered(r, 'cv1', {}, { variables: { REC_VAR: 'from-originate', 'CALLERID(name)': 'Alice Caller', 'CALLERID(num)': '3001' } });
      await r.rest('GET', '/channels/cv1');
      await r.rest('GET', '/channels/cv1-2');
      await r.rest('POST', '/channels/cv1/variable', { variable: 'CENTRALITA_PHONE', value: '+573001112233' });
      await r.rest('GET', '/channels/cv1');
      await r.rest('GET', '/channels/cv1/variable', { variable: 'CALLERID(name)' });
      await r.rest('GET', '/channels/cv1/variable', { variable: 'REC_VAR' });
      await r.rest('DELETE', '/channels/cv1');
      await destroyed(r, 'cv1-2');
      await answered(r, 'cv2', { callerId: '"Param Name" <3003>' }, { variables: { 'CALLERID(name)': 'Var Name' } });
      await r.rest('GET', '/channels/cv2');
      await r.rest('DELETE', '/channels/cv2');
      await destroyed(r, 'cv2-2');
    },
  },
  {
    name: 'bridge-pjsip-legs',
    description: 'Two answered PJSIP legs in a mixing bridge (technology, caller/connected after bridging), a third (Local) leg joins and leaves, then hangups.',
    run: async (r) => {
      await r.ws('rec-app');
      const p1 = await phone(r, '1001', 'answer', { ringMs: 500 });
      const p2 = await phone(r, '1002', 'answer', { ringMs: 500 });
      await r.sleep(400);
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'rec-app', channelId: 'bp1', callerId: '"Caller A" <4001>' });
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1002', app: 'rec-app', channelId: 'bp2', callerId: '"Caller B" <4002>' });
      await Promise.all([r.waitType('StasisStart', 'bp1'), r.waitType('StasisStart', 'bp2')]);
      await r.rest('POST', '/bridges', { type: 'mixing', bridgeId: 'bpb', name: 'pair' });
      await r.rest('POST', '/bridges/bpb/addChannel', { channel: 'bp1,bp2' });
      await r.sleep(600);
      await r.rest('GET', '/bridges/bpb');
      await r.rest('GET', '/channels/bp1');
      await r.rest('GET', '/channels/bp2');
      await answered(r, 'bp3');
      await r.rest('POST', '/bridges/bpb/addChannel', { channel: 'bp3' });
      await r.sleep(600);
      await r.rest('GET', '/bridges/bpb');
      await r.rest('POST', '/bridges/bpb/removeChannel', { channel: 'bp3' });
      await r.sleep(600);
      await r.rest('GET', '/bridges/bpb');
      await r.rest('DELETE', '/channels/bp1');
      await destroyed(r, 'bp1');
      await r.sleep(300);
      await r.rest('GET', '/bridges/bpb');
      await r.rest('DELETE', '/channels/bp2');
      await r.rest('DELETE', '/channels/bp3');
      await Promise.all([destroyed(r, 'bp2'), destroyed(r, 'bp3-2'), p1.exited, p2.exited]);
      await r.rest('DELETE', '/bridges/bpb');
    },
  },
  {
    name: 'recording-queued',
    description: 'The ;2 half of an inbound Local call (rec-tester plays MOH to it from ;1, so it hears audio) records behind a 14.8 s playback: GET, pause, mute, stop while queued; then maxDurationSeconds 2 and 1 (beep), stop and cancel.',
    run: async (r) => {
      await r.ws('rec-app');
      await r.ws('rec-tester');
      const fin = (name: string) => r.waitFor((e) => e.type === 'RecordingFinished' && (e.recording as { name?: string }).name === name, 10_000, `${name} finished`);
      await r.rest('POST', '/channels', { endpoint: 'Local/stasis@rec', app: 'rec-tester', channelId: 'rqc', otherChannelId: 'rqx' });
      await r.waitType('StasisStart', 'rqx');
      await r.rest('POST', '/channels/rqx/answer');
      await r.waitType('StasisStart', 'rqc');
      await r.rest('POST', '/channels/rqc/moh', { mohClass: 'lab' });
      await r.rest('POST', '/channels/rqx/play', { media: 'sound:long-prompt', playbackId: 'rq-long' });
      await r.rest('POST', '/channels/rqx/record', { name: 'rq-a', format: 'wav', maxDurationSeconds: 2, ifExists: 'overwrite' });
      await r.rest('GET', '/recordings/live/rq-a');
      await r.rest('POST', '/recordings/live/rq-a/pause');
      await r.rest('DELETE', '/recordings/live/rq-a/pause');
      await r.rest('POST', '/recordings/live/rq-a/mute');
      await r.rest('DELETE', '/recordings/live/rq-a/mute');
      await r.rest('POST', '/channels/rqx/record', { name: 'rq-b', format: 'wav', maxDurationSeconds: 1, ifExists: 'overwrite' });
      await r.rest('POST', '/recordings/live/rq-b/stop');
      await r.rest('GET', '/recordings/live/rq-b');
      await r.sleep(1000);
      await r.rest('DELETE', '/playbacks/rq-long');
      await fin('rq-a');
      await fin('rq-b').catch(() => r.note('rq-b did not finish'));
      await r.rest('GET', '/recordings/stored/rq-a');
      await r.rest('POST', '/channels/rqx/record', { name: 'rq-c', format: 'wav', maxDurationSeconds: 1, beep: true, ifExists: 'overwrite' });
      await fin('rq-c');
      await r.rest('POST', '/channels/rqx/record', { name: 'rq-d', format: 'wav', ifExists: 'overwrite' });
      await r.waitFor((e) => e.type === 'RecordingStarted' && (e.recording as { name?: string }).name === 'rq-d', 5000, 'rq-d started');
      await r.sleep(1500);
      await r.rest('POST', '/recordings/live/rq-d/stop');
      await fin('rq-d');
      await r.rest('GET', '/recordings/stored/rq-d');
      await r.rest('POST', '/channels/rqx/record', { name: 'rq-e', format: 'wav', ifExists: 'overwrite' });
      await r.sleep(1200);
      await r.rest('DELETE', '/recordings/live/rq-e');
      await fin('rq-e');
      await r.rest('GET', '/recordings/stored/rq-e');
      for (const n of ['rq-a', 'rq-b', 'rq-c', 'rq-d']) await r.rest('DELETE', `/recordings/stored/${n}`);
      await r.rest('DELETE', '/channels/rqx');
      await destroyed(r, 'rqc');
    },
  },
  {
    name: 'app-operations',
    description: 'What the app does on an inbound call (Local ;2 in rec-app, ;1 in rec-tester): ring, answer, MOH, play + stop, DTMF both ways, variables, a bridge with a second call (record, MOH), continue in the dialplan, hangup.',
    run: async (r) => {
      await r.ws('rec-app');
      await r.ws('rec-tester');
      await r.rest('POST', '/channels', { endpoint: 'Local/stasis@rec', app: 'rec-tester', channelId: 'aoc', otherChannelId: 'aox', callerId: '"Ana Caller" <3105550100>' });
      await r.waitType('StasisStart', 'aox');
      await r.rest('POST', '/channels/aox/ring');
      await r.sleep(300);
      await r.rest('POST', '/channels/aox/answer');
      await r.waitType('StasisStart', 'aoc');
      await r.rest('POST', '/channels/aox/moh', { mohClass: 'lab' });
      await r.sleep(300);
      await r.rest('DELETE', '/channels/aox/moh');
      await r.rest('POST', '/channels/aox/play', { media: 'sound:hello-world', playbackId: 'ao-pb', lang: 'en' });
      await r.sleep(500);
      await r.rest('DELETE', '/playbacks/ao-pb');
      await r.rest('POST', '/channels/aoc/dtmf', { dtmf: '12', between: 200 });
      await r.sleep(800);
      await r.rest('POST', '/channels/aox/dtmf', { dtmf: '9' });
      await r.sleep(400);
      await r.rest('POST', '/channels/aox/variable', { variable: 'CENTRALITA_PHONE', value: '+13105550100' });
      await r.rest('GET', '/channels/aox/variable', { variable: 'CENTRALITA_PHONE' });
      await r.rest('GET', '/channels/aox/variable', { variable: 'NOT_SET_VAR' });
      await answered(r, 'ao-agent');
      await r.rest('POST', '/bridges', { type: 'mixing', bridgeId: 'ao-br', name: 'ao' });
      await r.rest('POST', '/bridges/ao-br/addChannel', { channel: 'aox,ao-agent' });
      await r.sleep(300);
      await r.rest('POST', '/bridges/ao-br/record', { name: 'ao-bridge-rec', format: 'wav', ifExists: 'overwrite' });
      await r.sleep(1200);
      await r.rest('POST', '/recordings/live/ao-bridge-rec/stop');
      await r.rest('POST', '/bridges/ao-br/moh', { mohClass: 'lab' });
      await r.sleep(300);
      await r.rest('DELETE', '/bridges/ao-br/moh');
      await r.rest('POST', '/bridges/ao-br/removeChannel', { channel: 'aox' });
      await r.rest('DELETE', '/bridges/ao-br');
      await r.rest('GET', '/bridges');
      await r.rest('POST', '/channels/aox/continue', { context: 'rec', extension: 'answer', priority: 1 });
      await r.sleep(600);
      await r.rest('GET', '/channels/aox');
      await r.rest('DELETE', '/channels/aoc');
      await destroyed(r, 'aox');
      await r.rest('DELETE', '/channels/ao-agent', { reason: 'normal' });
      await destroyed(r, 'ao-agent-2');
      await r.rest('DELETE', '/recordings/stored/ao-bridge-rec');
    },
  },
  {
    name: 'queued-at-hangup',
    description: 'Behind a playing 14.8 s prompt: a second play, DTMF, a recording, MOH and an answer (not awaited) are queued; the app hangs the channel up.',
    run: async (r) => {
      await r.ws('rec-app');
      await answered(r, 'qh');
      await r.rest('POST', '/channels/qh/play', { media: 'sound:long-prompt', playbackId: 'qh-1' });
      await r.rest('POST', '/channels/qh/play', { media: 'sound:hello-world', playbackId: 'qh-2' });
      await r.rest('POST', '/channels/qh/dtmf', { dtmf: '12' });
      await r.rest('POST', '/channels/qh/record', { name: 'qh-rec', format: 'wav', ifExists: 'overwrite' });
      await r.rest('POST', '/channels/qh/moh');
      const answer = r.restAsync('POST', '/channels/qh/answer');
      await r.sleep(1000);
      await r.rest('DELETE', '/channels/qh');
      await destroyed(r, 'qh-2');
      await answer;
      await r.sleep(500);
      await r.rest('GET', '/recordings/stored/qh-rec');
    },
  },
  {
    name: 'hangup-reasons',
    description: 'DELETE /channels with reason=busy, reason=timeout, reason_code=21 and both (400) on answered Local halves: the causes each half reports.',
    run: async (r) => {
      await r.ws('rec-app');
      for (const [id, q] of [['hr1', { reason: 'busy' }], ['hr2', { reason: 'timeout' }], ['hr3', { reason_code: 21 }], ['hr4', { reason: 'no_answer' }]] as const) {
        await answered(r, id);
        await r.rest('DELETE', `/channels/${id}`, q);
        await destroyed(r, `${id}-2`);
      }
      await answered(r, 'hr5');
      await r.rest('DELETE', '/channels/hr5', { reason: 'busy', reason_code: 17 });
      await r.rest('DELETE', '/channels/hr5', { reason: 'nonsense' });
      await r.rest('DELETE', '/channels/hr5-2', { reason: 'rejected' });
      await destroyed(r, 'hr5');
    },
  },
  {
    name: 'hold-far-end',
    description: 'An answered PJSIP phone puts the call on hold (re-INVITE sendonly) and takes it off; the app also holds/unholds it over ARI.',
    run: async (r) => {
      await r.ws('rec-app');
      const p = await phone(r, '1001', 'hold', { ringMs: 500, holdAfterMs: 1500, holdMs: 1500 });
      await r.sleep(400);
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'rec-app', channelId: 'ho' });
      await r.waitType('StasisStart', 'ho');
      await r.waitType('ChannelUnhold', 'ho', 8000).catch(() => r.note('no ChannelUnhold'));
      await r.sleep(300);
      await r.rest('POST', '/channels/ho/hold');
      await r.sleep(300);
      await r.rest('DELETE', '/channels/ho/hold');
      await r.sleep(300);
      await r.rest('DELETE', '/channels/ho');
      await destroyed(r, 'ho');
      await p.exited;
    },
  },
  {
    name: 'list-order',
    description: 'Lists with several items created out of order: channels, bridges, endpoints, device states, mailboxes, applications, stored recordings.',
    run: async (r) => {
      await r.ws('rec-app');
      for (const id of ['lo-b', 'lo-c', 'lo-a']) await answered(r, id);
      for (const id of ['lob-2', 'lob-3', 'lob-1']) await r.rest('POST', `/bridges/${id}`, { type: 'mixing' });
      for (const n of ['Stasis:lo-b', 'Stasis:lo-a']) await r.rest('PUT', `/deviceStates/${encodeURIComponent(n)}`, { deviceState: 'INUSE' });
      for (const n of ['lo-mb-2', 'lo-mb-1']) await r.rest('PUT', `/mailboxes/${n}`, { oldMessages: 1, newMessages: 2 });
      await r.rest('GET', '/channels');
      await r.rest('GET', '/bridges');
      await r.rest('GET', '/endpoints');
      await r.rest('GET', '/endpoints/PJSIP');
      await r.rest('GET', '/deviceStates');
      await r.rest('GET', '/mailboxes');
      await r.rest('GET', '/applications');
      for (const n of ['Stasis:lo-b', 'Stasis:lo-a']) await r.rest('DELETE', `/deviceStates/${encodeURIComponent(n)}`);
      for (const n of ['lo-mb-2', 'lo-mb-1']) await r.rest('DELETE', `/mailboxes/${n}`);
      for (const id of ['lob-2', 'lob-3', 'lob-1']) await r.rest('DELETE', `/bridges/${id}`);
      for (const id of ['lo-b', 'lo-c', 'lo-a']) {
        await r.rest('DELETE', `/channels/${id}`);
        await destroyed(r, `${id}-2`);
      }
    },
  },
  {
    name: 'inbound-bridged',
    description: 'A sipp caller into Stasis(lab-app) is answered and bridged with a PJSIP phone the app dials: caller/connected on both legs before and after bridging.',
    run: async (r) => {
      await r.ws('lab-app');
      const ph = await phone(r, '1001', 'answer', { ringMs: 500 });
      r.world('call', { from: 'sipp', callerName: 'sipp', to: '100', endpoint: 'PJSIP/sipp', context: 'lab-in', script: { digits: '1#', digitsAfterMs: 1650, digitDurationMs: 280, digitGapMs: 1230 } });
      const caller = r.sipp('/work/shared/asterisk-lab/sipp/uac_dtmf.xml', ['-s', '100', '127.0.0.1:5060', '-p', '5061', '-mp', '6061']);
      const start = await r.waitType('StasisStart', undefined, 10_000);
      const inId = idOf(start)!;
      await r.rest('POST', `/channels/${inId}/answer`);
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'lab-app', channelId: 'ib-out', callerId: '"Front Desk" <5000>' });
      await r.waitType('StasisStart', 'ib-out');
      await r.rest('POST', '/bridges', { type: 'mixing', bridgeId: 'ibb' });
      await r.rest('POST', '/bridges/ibb/addChannel', { channel: `${inId},ib-out` });
      await r.sleep(800);
      await r.rest('GET', `/channels/${inId}`);
      await r.rest('GET', '/channels/ib-out');
      await r.rest('DELETE', '/channels/ib-out');
      await destroyed(r, 'ib-out');
      await r.rest('DELETE', `/channels/${inId}`);
      await r.rest('DELETE', '/bridges/ibb');
      await Promise.all([ph.exited, caller.exited]);
    },
  },
];
