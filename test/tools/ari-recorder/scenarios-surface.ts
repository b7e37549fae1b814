// Recorder scenarios for the rest of the ARI surface: batch variables, mailboxes, external
// media, endpoint registration state, and what Asterisk answers for operations the app does
// not use (so the simulator's answers can be held against them). Plus PBX shutdown, last.
import { execFile } from 'node:child_process';
import type { Recorder } from './recorder.ts';
import type { Scenario } from './scenarios-dial.ts';

const destroyed = (r: Recorder, id: string, ms = 10_000) => r.waitType('ChannelDestroyed', id, ms).catch(() => r.note(`no ChannelDestroyed for ${id}`));

async function answered(r: Recorder, id: string): Promise<void> {
  await r.rest('POST', '/channels', { endpoint: 'Local/answer@rec', app: 'rec-app', channelId: id, otherChannelId: `${id}-2` });
  await r.waitType('StasisStart', id);
}

export const SURFACE_SCENARIOS: Scenario[] = [
  {
    name: 'variables-mailboxes',
    description: 'Channel and bridge variables one by one and in batches (report_events), functions, missing ones; mailboxes CRUD; Stasis device states.',
    run: async (r) => {
      await r.ws('rec-app');
      await answered(r, 'vm');
      await r.rest('POST', '/channels/vm/variables', undefined, { variables: { A_VAR: 'one', B_VAR: 'two' } });
      await r.rest('POST', '/channels/vm/variable', { variable: 'C_VAR', value: 'three', report_events: true });
      await r.rest('GET', '/channels/vm/variables', { variables: 'A_VAR,B_VAR,C_VAR' });
      await r.rest('GET', '/channels/vm/variables', { variables: 'A_VAR,NOPE_VAR' });
      await r.rest('GET', '/channels/vm/variables', { variables: 'CALLERID(num),CHANNEL(state)' });
      await r.rest('GET', '/channels/vm/variables');
      await r.rest('POST', '/channels/vm/variables', undefined, { nope: 1 });
      await r.rest('POST', '/bridges/vmb', { type: 'mixing' }, { variables: { BR_VAR: 'x' } });
      await r.rest('GET', '/bridges/vmb');
      await r.rest('POST', '/bridges/vmb/variable', { variable: 'BR_2', value: 'y' });
      await r.rest('GET', '/bridges/vmb/variable', { variable: 'BR_2' });
      await r.rest('GET', '/bridges/vmb/variable', { variable: 'NOPE' });
      await r.rest('POST', '/bridges/vmb/variables', undefined, { variables: { BR_3: 'z' } });
      await r.rest('GET', '/bridges/vmb/variables', { variables: 'BR_VAR,BR_2,BR_3' });
      await r.rest('DELETE', '/bridges/vmb');
      await r.rest('GET', '/mailboxes/vm-box');
      await r.rest('PUT', '/mailboxes/vm-box', { oldMessages: 3, newMessages: 1 });
      await r.rest('GET', '/mailboxes/vm-box');
      await r.rest('PUT', '/mailboxes/vm-box', { oldMessages: 4, newMessages: 0 });
      await r.rest('GET', '/mailboxes');
      await r.rest('DELETE', '/mailboxes/vm-box');
      await r.rest('DELETE', '/mailboxes/vm-box');
      await r.rest('PUT', '/deviceStates/Stasis:vm-dev', { deviceState: 'RINGING' });
      await r.rest('GET', '/deviceStates/Stasis:vm-dev');
      await r.rest('PUT', '/deviceStates/PJSIP:1001', { deviceState: 'INUSE' });
      await r.rest('GET', '/deviceStates/PJSIP/1001');
      await r.rest('DELETE', '/deviceStates/Stasis:vm-dev');
      await r.rest('DELETE', '/channels/vm');
      await destroyed(r, 'vm-2');
    },
  },
  {
    name: 'external-media',
    description: 'POST /channels/externalMedia (RTP over UDP to a host:port, AudioSocket over TCP) and its errors.',
    run: async (r) => {
      await r.ws('rec-app');
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', channelId: 'em1', external_host: '127.0.0.1:40000', format: 'ulaw' });
      await r.waitType('StasisStart', 'em1', 5000).catch(() => r.note('no StasisStart for em1'));
      await r.rest('GET', '/channels/em1');
      await r.rest('GET', '/channels/em1/variable', { variable: 'UNICASTRTP_LOCAL_PORT' });
      await r.rest('DELETE', '/channels/em1');
      await destroyed(r, 'em1');
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', external_host: '127.0.0.1', format: 'ulaw' });
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', external_host: '127.0.0.1:40000' });
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', external_host: '127.0.0.1:40000', format: 'ulaw', transport: 'tcp' });
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', format: 'ulaw' });
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', external_host: '127.0.0.1:40001', format: 'ulaw', encapsulation: 'audiosocket', transport: 'tcp' });
      await r.rest('POST', '/channels/externalMedia', { app: 'rec-app', external_host: 'nobody', format: 'ulaw', encapsulation: 'none', transport: 'websocket' });
    },
  },
  {
    name: 'register-phone',
    description: 'PJSIP/2000 (dynamic contact) registers from sipp and unregisters: ContactStatusChange, PeerStatusChange, EndpointStateChange to an app subscribed to endpoint:PJSIP/2000.',
    run: async (r) => {
      await r.ws('rec-app');
      await r.rest('GET', '/endpoints/PJSIP/2000');
      await r.rest('POST', '/applications/rec-app/subscription', { eventSource: 'endpoint:PJSIP/2000' });
      r.world('register', { tech: 'PJSIP', resource: '2000', contact: 'sip:2000@127.0.0.1:5094', expires: 60, holdMs: 2000 });
      const p = r.sipp('uac_register.xml', ['127.0.0.1:5060', '-p', '5094'], { user: '2000', expires: 60, holdms: 2000 });
      await r.sleep(1000);
      await r.rest('GET', '/endpoints/PJSIP/2000');
      await p.exited;
      await r.sleep(500);
      await r.rest('GET', '/endpoints/PJSIP/2000');
      await r.rest('DELETE', '/applications/rec-app/subscription', { eventSource: 'endpoint:PJSIP/2000' });
    },
  },
  {
    name: 'unmodelled-operations',
    description: 'Operations the app does not use, as a plain Asterisk answers them: dynamic config, modules, logging, claim, transfer_progress, rtp_statistics, progress, event filter, sendMessage, refer, video source.',
    run: async (r) => {
      await r.ws('rec-app');
      await answered(r, 'um');
      await r.rest('GET', '/asterisk/config/dynamic/res_nothing/endpoint/1001');
      await r.rest('GET', '/asterisk/config/dynamic/res_pjsip/nothing/1001');
      await r.rest('DELETE', '/asterisk/config/dynamic/res_nothing/endpoint/x');
      await r.rest('PUT', '/asterisk/config/dynamic/res_nothing/endpoint/x', undefined, { fields: [{ attribute: 'a', value: 'b' }] });
      await r.rest('GET', '/asterisk/modules/res_nothing.so');
      await r.rest('POST', '/asterisk/modules/res_ari.so');
      await r.rest('PUT', '/asterisk/modules/res_nothing.so');
      await r.rest('DELETE', '/asterisk/modules/res_nothing.so');
      await r.rest('GET', '/asterisk/logging');
      await r.rest('POST', '/asterisk/logging/rec-log', { configuration: 'notice' });
      await r.rest('POST', '/asterisk/logging/rec-log', { configuration: 'notice' });
      await r.rest('PUT', '/asterisk/logging/rec-log/rotate');
      await r.rest('DELETE', '/asterisk/logging/rec-log');
      await r.rest('DELETE', '/asterisk/logging/rec-log');
      await r.rest('PUT', '/asterisk/logging/nope/rotate');
      await r.rest('POST', '/events/claim', { channelId: 'um', application: 'rec-app' });
      await r.rest('POST', '/events/claim', { channelId: 'nope', application: 'rec-app' });
      await r.rest('POST', '/channels/um/transfer_progress', { states: 'nonsense' });
      await r.rest('POST', '/channels/um/transfer_progress', { states: 'channel_answered' });
      await r.rest('GET', '/channels/um/rtp_statistics');
      await r.rest('POST', '/channels/um/progress');
      await r.rest('PUT', '/applications/rec-app/eventFilter', undefined, { allowed: [{ type: 'StasisStart' }, { type: 'StasisEnd' }] });
      await r.rest('PUT', '/applications/rec-app/eventFilter', undefined, { allowed: 'nonsense' });
      await r.rest('PUT', '/applications/rec-app/eventFilter', undefined, {});
      await r.rest('PUT', '/endpoints/sendMessage', { to: 'pjsip:1001', from: 'rec', body: 'hi' });
      await r.rest('PUT', '/endpoints/PJSIP/9999/sendMessage', { from: 'rec', body: 'hi' });
      await r.rest('POST', '/endpoints/refer', { to: 'pjsip:1001', from: 'rec', refer_to: 'sip:1002@127.0.0.1' });
      await r.rest('POST', '/bridges/umb', { type: 'mixing' });
      await r.rest('POST', '/bridges/umb/videoSource/um');
      await r.rest('DELETE', '/bridges/umb/videoSource');
      await r.rest('DELETE', '/bridges/umb');
      await r.rest('DELETE', '/channels/um');
      await destroyed(r, 'um-2');
    },
  },
  {
    name: 'core-stop-now',
    description: 'The PBX stops under the app (core stop now) with an answered call in Stasis and one ringing: what the app sees before its socket closes.',
    run: async (r) => {
      await r.ws('rec-app');
      await answered(r, 'cs1');
      await r.rest('POST', '/channels/cs1/play', { media: 'sound:long-prompt', playbackId: 'cs1-pb' });
      await r.rest('POST', '/channels', { endpoint: 'Local/ring@rec', app: 'rec-app', channelId: 'cs2', otherChannelId: 'cs2-2', timeout: 60 });
      await r.sleep(800);
      r.world('pbx', { what: 'core stop now' });
      const prefix = process.env.AST_PREFIX ?? `${process.env.HOME}/.cache/centralita-lab/asterisk`;
      // Not execFileSync: the event loop must keep reading the WebSocket meanwhile.
      await new Promise<void>((resolve) => {
        execFile(`${prefix}/sbin/asterisk`, ['-C', `${prefix}/etc/asterisk/asterisk.conf`, '-rx', 'core stop now'], (err) => {
          if (err) r.note(`core stop now: the CLI exited with ${err.message.split('\n')[0]}`);
          resolve();
        });
      });
      await r.sleep(2000);
    },
  },
];
