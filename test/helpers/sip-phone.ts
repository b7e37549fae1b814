// A minimal SIP-over-WebSocket softphone for tests that run without a browser: RFC 7118
// transport (ws, subprotocol "sip"), REGISTER with digest auth, answering the PBX's INVITE,
// INFO DTMF, re-INVITE hold, BYE, and real WebRTC media through the simulator's own media
// leg (werift) so its audio energy can be measured. Messages are built and parsed by the
// `sip` package, the same one the simulator uses — the browser test covers JsSIP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import sip, { type SipMessage } from 'sip';
import digest from 'sip/digest.js';
import { createMediaLeg, toneVoice, type MediaLeg } from '../../src/sim/sip/media.ts';

export interface PhoneCall {
  callId: string;
  invite: SipMessage;
  localTag: string;
  remoteTag: string;
  cseq: number;
  media: MediaLeg;
}

const rand = () => Math.random().toString(36).slice(2, 12);

export class SipPhone {
  readonly received: SipMessage[] = [];
  private ws!: WebSocket;
  private waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
  private readonly contact: string;
  private readonly host = `${rand()}.invalid`;
  private regCseq = 0;
  private readonly regCallId = rand();
  private readonly fromTag = rand();
  call: PhoneCall | undefined;
  /** The audio codecs this phone accepts (default: the simulator's own list). */
  codecs: ('opus' | 'pcmu')[] | undefined;
  /** Answer automatically when the PBX rings (with `answerAfterMs` of ringing). */
  autoAnswer: { afterMs: number } | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'sip-phone-'));
  private readonly url: string;
  private readonly user: string;
  private readonly password: string;
  constructor(url: string, user: string, password: string) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.contact = `sip:${rand()}@${this.host};transport=ws`;
  }

  async connect(): Promise<void> {
    this.ws = new WebSocket(this.url, 'sip');
    this.ws.on('message', (d) => this.onMessage(String(d)));
    await new Promise<void>((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
  }

  send(m: SipMessage | string): void {
    this.ws.send(typeof m === 'string' ? m : sip.stringify(m));
  }

  next(match: (m: SipMessage) => boolean, timeoutMs = 15_000): Promise<SipMessage> {
    const have = this.received.find(match);
    if (have) { this.received.splice(this.received.indexOf(have), 1); return Promise.resolve(have); }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a SIP message')), timeoutMs);
      this.waiters.push({ match, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  private onMessage(text: string): void {
    const m = sip.parse(text);
    if (!m) return;
    if (m.method === 'INVITE' && !this.call) void this.incoming(m);
    const w = this.waiters.find((x) => x.match(m));
    if (w) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(m); } else this.received.push(m);
  }

  private via() { return [{ version: '2.0', protocol: 'WS', host: this.host, params: { branch: `z9hG4bK${rand()}` } }]; }

  /** REGISTER, answering the 401 challenge; resolves with the final response. */
  async register(expires = 600, password = this.password): Promise<SipMessage> {
    const build = (): SipMessage => ({
      method: 'REGISTER', uri: `sip:${new URL(this.url).hostname}`, version: '2.0',
      headers: {
        via: this.via(), 'max-forwards': '70', to: { uri: `sip:${this.user}@sim`, params: {} }, from: { uri: `sip:${this.user}@sim`, params: { tag: this.fromTag } },
        'call-id': this.regCallId, cseq: { seq: ++this.regCseq, method: 'REGISTER' }, contact: [{ uri: this.contact, params: { expires: String(expires) } }],
      },
      content: '',
    });
    const first = build();
    this.send(first);
    const rs = await this.next((m) => m.status !== undefined && m.headers['call-id'] === this.regCallId && m.headers.cseq?.seq === first.headers.cseq!.seq);
    if (rs.status !== 401) return rs;
    const second = build();
    digest.signRequest({}, second, rs, { user: this.user, password, realm: 'asterisk' });
    this.send(second);
    return this.next((m) => m.status !== undefined && m.headers['call-id'] === this.regCallId && m.headers.cseq?.seq === second.headers.cseq!.seq);
  }

  private async incoming(inv: SipMessage): Promise<void> {
    const localTag = rand();
    const media = createMediaLeg({ host: '127.0.0.1', wavPath: join(this.dir, `${rand()}.wav`), voice: toneVoice(1000, 6000), ...(this.codecs ? { codecs: this.codecs } : {}) });
    media.setTalking(true);
    this.call = { callId: inv.headers['call-id']!, invite: inv, localTag, remoteTag: inv.headers.from!.params.tag!, cseq: 0, media };
    const to = { ...inv.headers.to!, params: { ...inv.headers.to!.params, tag: localTag } };
    this.send(sip.makeResponse(inv, 180, 'Ringing', { headers: { to } }));
    const auto = this.autoAnswer;
    if (!auto) return;
    const sdp = await media.answer(inv.content ?? '');
    await new Promise((r) => setTimeout(r, auto.afterMs));
    this.send(sip.makeResponse(inv, 200, 'OK', { headers: { to, contact: [{ uri: this.contact, params: {} }], 'content-type': 'application/sdp' }, content: sdp }));
  }

  /** An in-dialog request on the current call (INFO, re-INVITE, BYE); resolves with its final response. */
  async inDialog(method: string, extra: { headers?: Record<string, unknown>; content?: string } = {}): Promise<SipMessage> {
    const c = this.call!;
    const seq = ++c.cseq + 100;
    const target = (c.invite.headers.contact as { uri: string }[] | undefined)?.[0]?.uri ?? c.invite.headers.from!.uri;
    this.send({
      method, uri: target, version: '2.0',
      headers: {
        via: this.via(), 'max-forwards': '70', from: { uri: c.invite.headers.to!.uri, params: { tag: c.localTag } }, to: { uri: c.invite.headers.from!.uri, params: { tag: c.remoteTag } },
        'call-id': c.callId, cseq: { seq, method }, contact: [{ uri: this.contact, params: {} }], ...extra.headers,
      },
      content: extra.content ?? '',
    });
    return this.next((m) => m.status !== undefined && m.status >= 200 && m.headers['call-id'] === c.callId && m.headers.cseq?.seq === seq);
  }

  dtmf(digit: string): Promise<SipMessage> {
    return this.inDialog('INFO', { headers: { 'content-type': 'application/dtmf-relay' }, content: `Signal=${digit}\r\nDuration=160\r\n` });
  }

  /** A key as an RFC 4733 event in the call's RTP stream (what a browser's RTCDTMFSender does). */
  rtpDtmf(digit: string, durationMs = 100): void {
    this.call!.media.sendDtmf(digit, durationMs);
  }

  /** Hold: a re-INVITE whose offer says sendonly (off hold: sendrecv). */
  hold(on: boolean): Promise<SipMessage> {
    // The phone re-offers its current session with the new direction (RFC 3264 §8.4).
    const offer = this.call!.media.localSdp().replace(/a=(sendrecv|sendonly|recvonly|inactive)/g, on ? 'a=sendonly' : 'a=sendrecv');
    return this.inDialog('INVITE', { headers: { 'content-type': 'application/sdp' }, content: offer });
  }

  async close(): Promise<void> {
    await this.call?.media.close();
    this.ws?.close();
  }
}
