// sipp processes for the AMI scenarios on the real Asterisk: desk phones that answer (UAS) and
// desk phones or a carrier that call (UAC). Scenario files are generated per behaviour; each
// process is on its own loopback port and stops by itself (bounded pauses) or on stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CONTACT, request, response, sdp, send } from '../../sip-messages.ts';

const dir = mkdtempSync(join(tmpdir(), 'centralita-ami-sipp-'));
let n = 0;

const SDP = sdp({ mediaPort: '[media_port]' });
const reply = (status: string, withSdp = false) => response(status, { tag: 'ami', contact: true, ...(withSdp ? { sdp: SDP } : {}) });

/** A phone that rings `answerAfterMs`, answers, and hangs up after `hangupAfterMs` unless the PBX does first. */
export function uasScenario(o: { answerAfterMs: number; hangupAfterMs: number; calls?: number }): string {
  const bye = request({ method: 'BYE', uri: '[$rcontact]', from: '[$rto];tag=[pid]ami[call_number]', to: '[$rfrom]', cseq: 2, contact: LOCAL_CONTACT });
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ami-uas">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="rfrom"/>
      <ereg regexp="&lt;[^&gt;]*&gt;" search_in="hdr" header="To:" assign_to="rto"/>
      <ereg regexp="sip:[^&gt;;]*" search_in="hdr" header="Contact:" assign_to="rcontact"/>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="icseq"/>
    </action>
  </recv>
${send(reply('180 Ringing'))}
  <recv request="CANCEL" timeout="${Math.max(1, o.answerAfterMs)}" ontimeout="answer" next="cancelled"/>
  <label id="answer"/>
${send(reply('200 OK', true), true)}
  <recv request="ACK" crlf="true"/>
  <recv request="BYE" timeout="${o.hangupAfterMs}" ontimeout="byeus" next="byefar"/>
  <label id="byefar"/>
${send(reply('200 OK'))}
  <nop next="end"/>
  <label id="byeus"/>
${send(bye, true)}
  <recv response="200" timeout="5000" ontimeout="end"/>
  <nop next="end"/>
  <label id="cancelled"/>
${send(reply('200 OK'))}
  <send><![CDATA[
${response('487 Request Terminated', { tag: 'ami', cseq: '[$icseq] INVITE' })}]]></send>
  <recv request="ACK"/>
  <label id="end"/>
</scenario>
`;
}

/** A phone or carrier that calls `-s <number>`: From `fromUser`, optional P-Asserted-Identity, hangs up after `hangupAfterMs` unless the PBX does first. */
export function uacScenario(o: { fromUser: string; pai?: string; displayName?: string; hangupAfterMs: number }): string {
  const from = `"${o.displayName ?? o.fromUser}" <sip:${o.fromUser}@[local_ip]:[local_port]>;tag=[pid]ami[call_number]`;
  const contact = `<sip:${o.fromUser}@[local_ip]:[local_port]>`;
  const uri = 'sip:[service]@[remote_ip]:[remote_port]';
  const invite = request({
    method: 'INVITE', uri, from, to: '<sip:[service]@[remote_ip]:[remote_port]>', cseq: 1, contact,
    headers: o.pai ? [`P-Asserted-Identity: "${o.displayName ?? o.pai}" <sip:${o.pai}@[local_ip]>`] : [], body: { type: 'application/sdp', text: SDP },
  });
  const ack = request({ method: 'ACK', uri, from, to: '[last_To:]', cseq: 1, contact });
  const bye = request({ method: 'BYE', uri, from, to: '[last_To:]', cseq: 2, contact });
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ami-uac">
${send(invite, true)}
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
${send(ack)}
  <recv request="BYE" timeout="${o.hangupAfterMs}" ontimeout="byeus" next="byefar"/>
  <label id="byefar"/>
${send(reply('200 OK'))}
  <nop next="end"/>
  <label id="byeus"/>
${send(bye, true)}
  <recv response="200" timeout="5000" ontimeout="end"/>
  <label id="end"/>
</scenario>
`;
}

export interface Sipp { child: ChildProcess; done: Promise<number | null>; stop(): Promise<void> }

/** Runs sipp; `uac` dials `service` at the PBX, otherwise it waits as a UAS on `port`. */
export function runSipp(o: { scenario: string; port: number; name: string; pbx: string; service?: string; calls?: number }): Sipp {
  const file = join(dir, `${o.name}-${++n}.xml`);
  writeFileSync(file, o.scenario);
  const args = ['-sf', file, '-i', '127.0.0.1', '-p', String(o.port), '-m', String(o.calls ?? 1), '-nostdin', '-timeout', '120', '-timeout_error'];
  if (o.service !== undefined) args.push('-s', o.service, o.pbx);
  const child = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, done,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      void err;
    },
  };
}
