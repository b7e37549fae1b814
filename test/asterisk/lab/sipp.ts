// sipp processes playing the phones and the carrier of the real-Asterisk scenarios. Each phone is
// one sipp UAS on its own loopback port (the installed PJSIP endpoints have static contacts
// there); a scenario file is generated for the behaviour asked (answer after N ms, hang up after
// M ms, busy, never answer). The carrier answers each number by its last digit.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NumberKind, PhoneBehaviour } from '../driver.ts';
import { LOCAL_CONTACT, request, response, sdp, send } from '../sip-messages.ts';

const dir = mkdtempSync(join(tmpdir(), 'centralita-sipp-'));

const OK_200 = response('200 OK', { tag: 'ct', contact: true, sdp: sdp({ dtmfPayload: 101, dtmfFmtp: true }) });
const reply = (status: string) => response(status, { tag: 'ct' });

const inDialog = (method: string, cseq: number, body?: { type: string; text: string }) => request({
  method, uri: '[$rcontact]', from: '<sip:phone@[local_ip]:[local_port]>;tag=[pid]ct[call_number]', to: '[$rfrom]', cseq, contact: LOCAL_CONTACT, ...(body ? { body } : {}),
});
const BYE = inDialog('BYE', 3);

/** A key pressed as SIP INFO (the trunk's dtmf_mode is info: sipp's RTP DTMF does not reach Asterisk as a UAS). */
const info = (digit: string) => inDialog('INFO', 2, { type: 'application/dtmf-relay', text: `Signal=${digit}\nDuration=160\n` });

/** The blocks every branch shares: ringing with CANCEL handling, answer, talk, hang-up. */
function branches(): string {
  return `
  <label id="cancelled"/>
  ${send(reply('200 OK'))}
  <send><![CDATA[
${response('487 Request Terminated', { tag: 'ct', cseq: '[$icseq] INVITE' })}]]></send>
  <recv request="ACK" next="end"/>
  <label id="byefar"/>
  ${send(reply('200 OK'))}
  <nop next="end"/>
  <label id="byeus"/>
  ${send(BYE, true)}
  <recv response="200" timeout="5000" ontimeout="end"/>
  <label id="end"/>
`;
}

const HEAD = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="centralita-phone">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="rfrom"/>
      <ereg regexp="sip:[^&gt;;]*" search_in="hdr" header="Contact:" assign_to="rcontact"/>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="icseq"/>
      <ereg regexp="^INVITE sip:[^@]*([0-9])@" search_in="msg" assign_to="ruri,digit"/>
    </action>
  </recv>
  <Reference variables="ruri,digit"/>
  ${send(reply('180 Ringing'))}`;

/** Answers after `afterMs` unless cancelled; then talks until a BYE or `hangupAfterMs`. */
function answerBlock(label: string, afterMs: number, hangupAfterMs: number | undefined, dtmf?: string): string {
  return `
  <label id="${label}"/>
  <recv request="CANCEL" timeout="${Math.max(1, afterMs)}" ontimeout="${label}-up" next="cancelled"/>
  <label id="${label}-up"/>
  ${send(OK_200, true)}
  <recv request="ACK" crlf="true"/>
  ${dtmf ? `<recv request="BYE" timeout="1500" ontimeout="${label}-dtmf" next="byefar"/>\n  <label id="${label}-dtmf"/>\n${send(info(dtmf), true)}  <recv response="200" timeout="5000"/>\n` : ''}
  <recv request="BYE" timeout="${hangupAfterMs ?? 600_000}" ontimeout="byeus" next="byefar"/>`;
}

function rejectBlock(label: string, status: string): string {
  return `
  <label id="${label}"/>
  <pause milliseconds="200"/>
  ${send(reply(status))}
  <recv request="ACK" next="end"/>`;
}

function ringForever(label: string): string {
  return `
  <label id="${label}"/>
  <recv request="CANCEL" next="cancelled"/>`;
}

export function phoneScenario(b: PhoneBehaviour): string {
  const body = b.kind === 'answer' ? answerBlock('go', b.afterMs, b.hangupAfterMs) : b.kind === 'busy' ? rejectBlock('go', '486 Busy Here') : ringForever('go');
  return `${HEAD}\n  <nop next="go"/>${body}\n${branches()}</scenario>\n`;
}

/** Last digit of a campaign number → what the "carrier" does (see NUMBER_DIGIT). */
export const NUMBER_DIGIT: Record<NumberKind, number> = { answer: 1, busy: 2, congestion: 3, noanswer: 4, decline: 5, unknown: 6, 'answer-press-9': 7 };

export function carrierScenario(): string {
  const tests = Object.entries(NUMBER_DIGIT).map(([kind, d]) =>
    `  <nop><action><strcmp assign_to="c${d}" variable="digit" value="${d}"/><test assign_to="is${d}" variable="c${d}" compare="equal" value="0"/></action></nop>\n  <nop test="is${d}" next="k-${kind}"/>`).join('\n');
  return `${HEAD}
${tests}
  <nop next="k-unknown"/>
${answerBlock('k-answer', 300, undefined)}
${answerBlock('k-answer-press-9', 300, undefined, '9')}
${rejectBlock('k-busy', '486 Busy Here')}
${rejectBlock('k-congestion', '503 Service Unavailable')}
${ringForever('k-noanswer')}
${rejectBlock('k-decline', '603 Decline')}
${rejectBlock('k-unknown', '404 Not Found')}
${branches()}</scenario>
`;
}

export interface SippProcess { port: number; child: ChildProcess; stop(): Promise<void> }

/** Starts sipp as a UAS on 127.0.0.1:`port` with this scenario; kept until stop(). */
export function startUas(port: number, scenario: string, name: string): SippProcess {
  const file = join(dir, `${name}-${port}.xml`);
  writeFileSync(file, scenario);
  const child = spawn('sipp', ['-sf', file, '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-trace_err', '-error_file', join(dir, `${name}-${port}.err`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.on('exit', (code) => { if (code && code !== 0 && code !== 99 && !stopping) process.stderr.write(`sipp ${name} on ${port} exited ${code}: ${stderr.slice(0, 500)}\n`); });
  let stopping = false;
  return {
    port, child,
    stop: () => new Promise<void>((resolve) => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 2000).unref();
    }),
  };
}
