// INVITE dialogs between the simulated PBX and registered softphones (RFC 3261 over RFC 7118
// WebSockets): the PBX rings a softphone (INVITE with a WebRTC offer, CANCEL when it gives
// up, ACK, BYE), a softphone calls the PBX (INVITE into its endpoint's context, answered when
// the channel is), hold by re-INVITE (sendonly/inactive: ChannelHold), DTMF by INFO
// (application/dtmf-relay) or RFC 4733 in the media, BYE from either side. Each dialog owns one WebRTC media leg.
import { join } from 'node:path';
import type { SipMessage } from 'sip';
import type { Chan } from '../model.ts';
import type { SipCore } from '../sip-core.ts';
import type { SipFarEnd } from '../model.ts';
import { causeFromSip, sipForCause } from '../../domain/hangup-causes.ts';
import { createMediaLeg, type MediaLeg, type MediaStats } from './media.ts';
import { REASON, header, randomToken, response, stringify, uriUser } from './wire.ts';

export interface Conn {
  id: string;
  send(text: string): void;
}

interface Dialog {
  callId: string;
  localTag: string;
  remoteTag?: string;
  chan: Chan;
  conn: Conn;
  /** The softphone's Contact (where in-dialog requests go). */
  target: string;
  localCseq: number;
  direction: 'to-phone' | 'from-phone';
  state: 'early' | 'confirmed' | 'ended';
  media: MediaLeg;
  /** Our INVITE (to-phone): its branch and CSeq for CANCEL and ACK. */
  invite?: { branch: string; cseq: number; ruri: string; from: string; to: string };
  /** Their INVITE (from-phone), answered when the channel is. */
  pending?: SipMessage;
  answerSdp?: Promise<string>;
  held: boolean;
  hooks?: Parameters<SipFarEnd['ring']>[1];
}

export interface CallsOptions {
  core: SipCore;
  host: string;
  /** Where each leg's received audio is written. */
  recordingsDir: string;
  /** The connection and contact of a registered resource. */
  locate(resource: string): { conn: Conn; contact: string } | undefined;
  warn(msg: string, data?: Record<string, unknown>): void;
}

export interface SipCalls {
  onRequest(rq: SipMessage, conn: Conn): void;
  onResponse(rs: SipMessage, conn: Conn): void;
  /** The softphone's WebSocket closed: its calls end (Asterisk: transport shutdown). */
  connectionGone(conn: Conn): void;
  media(channelId: string): MediaStats | undefined;
  /** Live dialogs: which channel talks to which registered phone. */
  dialogs(): { channelId: string; resource: string; direction: 'to-phone' | 'from-phone'; state: string; held: boolean }[];
  close(): Promise<void>;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, INFO, OPTIONS';
const MAX_ENDED = 1000;

function directionOf(sdp: string | undefined): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' {
  const m = /a=(sendrecv|sendonly|recvonly|inactive)/.exec(sdp ?? '');
  return (m?.[1] as 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | undefined) ?? 'sendrecv';
}

export function createSipCalls(o: CallsOptions): SipCalls {
  const { core } = o;
  const byCallId = new Map<string, Dialog>();
  const byChan = new Map<string, Dialog>();
  const ended = new Map<string, MediaStats>();

  // A key sent in the RTP stream (RFC 4733) reaches the channel like an INFO one: Asterisk's
  // dtmf_mode=rfc4733 (the WebRTC template) and res_pjsip_dtmf_info both raise ChannelDtmfReceived.
  const leg = (chanId: string) => createMediaLeg({
    host: o.host, wavPath: join(o.recordingsDir, `webrtc-${chanId}.wav`),
    onDtmf: (digit, ms) => { const d = byChan.get(chanId); if (d) core.farEndDtmf(d.chan, digit, ms); },
  });
  const ourUri = `sip:asterisk@${o.host}`;

  function finish(d: Dialog): void {
    if (d.state === 'ended') return;
    d.state = 'ended';
    byCallId.delete(d.callId);
    byChan.delete(d.chan.id);
    void d.media.close().then(() => {
      ended.set(d.chan.id, d.media.stats());
      // The last legs' figures stay readable after hangup; older ones go (bounded memory).
      if (ended.size > MAX_ENDED) ended.delete(ended.keys().next().value!);
    }, (err) => o.warn('sip: media close failed', { err: String(err) }));
  }

  function request(d: Dialog, method: string, extra: { headers?: Record<string, unknown>; content?: string } = {}, cseq?: number): void {
    const inv = d.invite;
    const fromUri = d.direction === 'to-phone' ? inv!.from : ourUri;
    const toUri = d.direction === 'to-phone' ? inv!.to : (d.pending?.headers.from?.uri ?? d.target);
    const m: SipMessage = {
      method, uri: d.target, version: '2.0',
      headers: {
        via: [{ version: '2.0', protocol: 'WS', host: o.host, params: { branch: `z9hG4bK${randomToken(16)}` } }],
        'max-forwards': '70',
        from: { uri: fromUri, params: { tag: d.localTag } },
        to: { uri: toUri, params: d.remoteTag ? { tag: d.remoteTag } : {} },
        'call-id': d.callId,
        cseq: { seq: cseq ?? ++d.localCseq, method },
        ...extra.headers,
      },
      content: extra.content ?? '',
    };
    d.conn.send(stringify(m));
  }

  /** The PBX side ended the channel: BYE, CANCEL, or a final response to their INVITE. */
  function pbxEnded(d: Dialog, cause: number): void {
    if (d.state === 'ended') return;
    if (d.state === 'confirmed') request(d, 'BYE', { headers: { reason: `Q.850;cause=${cause}` } });
    else if (d.direction === 'to-phone') {
      const inv = d.invite!;
      const m: SipMessage = {
        method: 'CANCEL', uri: inv.ruri, version: '2.0',
        headers: {
          via: [{ version: '2.0', protocol: 'WS', host: o.host, params: { branch: inv.branch } }], 'max-forwards': '70',
          from: { uri: inv.from, params: { tag: d.localTag } }, to: { uri: inv.to, params: {} }, 'call-id': d.callId,
          cseq: { seq: inv.cseq, method: 'CANCEL' }, reason: `Q.850;cause=${cause}`,
        },
        content: '',
      };
      d.conn.send(stringify(m));
    } else if (d.pending) {
      const status = cause === 16 ? 480 : sipForCause(cause);
      d.conn.send(stringify(response(d.pending, status, REASON[status] ?? 'Temporarily Unavailable', { headers: { to: { ...d.pending.headers.to, params: { ...d.pending.headers.to?.params, tag: d.localTag } } } })));
    }
    finish(d);
  }

  /** Talking while bridged to someone else (or dialled through): the caller's voice flows. */
  function refreshTalking(members: Chan[]): void {
    for (const c of members) {
      const d = byChan.get(c.id);
      if (d) d.media.setTalking(members.some((m) => m !== c && m.alive));
    }
  }

  core.addObserver({
    ended(c, cause) {
      const d = byChan.get(c.id);
      if (d) pbxEnded(d, cause);
    },
    bridge(c, b, entered) {
      refreshTalking(entered ? b.members : [c, ...b.members]);
      if (!entered) byChan.get(c.id)?.media.setTalking(false);
    },
    state(c) {
      const d = byChan.get(c.id);
      if (!d || d.direction !== 'from-phone' || d.state !== 'early' || c.state !== 'Up' || !d.pending || !d.answerSdp) return;
      const rq = d.pending;
      void d.answerSdp.then((sdp) => {
        if (d.state !== 'early') return;
        d.state = 'confirmed';
        d.conn.send(stringify(response(rq, 200, 'OK', {
          headers: {
            to: { ...rq.headers.to, params: { ...rq.headers.to?.params, tag: d.localTag } },
            contact: [{ uri: `${ourUri};transport=ws`, params: {} }], allow: ALLOW, 'content-type': 'application/sdp',
          },
          content: sdp,
        })));
      });
    },
    dial(peer, status, _dialstring, caller) {
      const d = caller ? byChan.get(caller.id) : undefined;
      if (!d || d.direction !== 'from-phone' || d.state !== 'early' || !d.pending || status !== 'RINGING') return;
      d.conn.send(stringify(response(d.pending, 180, 'Ringing', { headers: { to: { ...d.pending.headers.to, params: { ...d.pending.headers.to?.params, tag: d.localTag } } } })));
      void peer;
    },
  });

  // The PBX rings a softphone that registered.
  core.setFarEndDriver((c) => {
    const where = o.locate(c.resource);
    if (!where) return undefined;
    return {
      ring(_timeoutMs, hooks) {
        const callId = randomToken(20);
        // chan_pjsip's From is the outgoing channel's connected line (who is calling the phone);
        // with none, res_pjsip's default_from_user (`asterisk`), as the lab shows.
        const who = c.connected?.number ? c.connected : c.caller;
        const d: Dialog = {
          callId, localTag: randomToken(10), chan: c, conn: where.conn, target: where.contact, localCseq: 1, direction: 'to-phone',
          state: 'early', media: leg(c.id), held: false, hooks,
          invite: {
            branch: `z9hG4bK${randomToken(16)}`, cseq: 1, ruri: where.contact,
            from: `sip:${who.number || 'asterisk'}@${o.host}`, to: `sip:${c.resource}@${o.host}`,
          },
        };
        byCallId.set(callId, d);
        byChan.set(c.id, d);
        void d.media.offer().then((sdp) => {
          if (d.state !== 'early') return;
          const inv = d.invite!;
          const m: SipMessage = {
            method: 'INVITE', uri: inv.ruri, version: '2.0',
            headers: {
              via: [{ version: '2.0', protocol: 'WS', host: o.host, params: { branch: inv.branch } }], 'max-forwards': '70',
              from: { name: who.name ? `"${who.name.replace(/"/g, '')}"` : undefined, uri: inv.from, params: { tag: d.localTag } },
              to: { uri: inv.to, params: {} }, contact: [{ uri: `${ourUri};transport=ws`, params: {} }], 'call-id': callId,
              cseq: { seq: inv.cseq, method: 'INVITE' }, allow: ALLOW, 'content-type': 'application/sdp',
              'x-centralita-channel': c.id,
            },
            content: sdp,
          };
          d.conn.send(stringify(m));
        }, (err) => {
          o.warn('sip: could not make an offer', { err: String(err) });
          hooks.failed(34, 503);
          finish(d);
        });
      },
    };
  });

  function inviteFromPhone(rq: SipMessage, conn: Conn): void {
    const resource = uriUser(rq.headers.from?.uri);
    const to = uriUser(rq.uri);
    const regConn = resource ? o.locate(resource)?.conn : undefined;
    // Only a registered softphone may call, and only over its own connection (no spoofed From).
    if (!resource || !to || regConn?.id !== conn.id) {
      conn.send(stringify(response(rq, 403, REASON[403]!)));
      return;
    }
    if (!rq.content) { conn.send(stringify(response(rq, 488, REASON[488]!))); return; }
    conn.send(stringify(response(rq, 100, 'Trying')));
    const name = rq.headers.from?.name?.replace(/^"|"$/g, '');
    const c = core.placeCall(resource, to, name);
    const d: Dialog = {
      callId: rq.headers['call-id']!, localTag: randomToken(10), remoteTag: rq.headers.from?.params.tag ?? undefined, chan: c, conn,
      target: (Array.isArray(rq.headers.contact) ? rq.headers.contact[0]?.uri : undefined) ?? rq.headers.from!.uri,
      localCseq: 0, direction: 'from-phone', state: 'early', media: leg(c.id), pending: rq, held: false,
    };
    d.answerSdp = d.media.answer(rq.content);
    d.answerSdp.catch((err) => {
      o.warn('sip: could not answer the offer', { err: String(err) });
      core.hangup(c, 58);
    });
    byCallId.set(d.callId, d);
    byChan.set(c.id, d);
  }

  async function reinvite(d: Dialog, rq: SipMessage): Promise<void> {
    const sdp = await d.media.answer(rq.content ?? '');
    const dir = directionOf(rq.content);
    const held = dir === 'sendonly' || dir === 'inactive';
    if (held !== d.held) {
      d.held = held;
      core.farEndHold(d.chan, held);
    }
    d.conn.send(stringify(response(rq, 200, 'OK', { headers: { contact: [{ uri: `${ourUri};transport=ws`, params: {} }], allow: ALLOW, 'content-type': 'application/sdp' }, content: sdp })));
  }

  return {
    onRequest(rq, conn) {
      const d = byCallId.get(rq.headers['call-id'] ?? '');
      switch (rq.method) {
        case 'INVITE':
          if (!d) return inviteFromPhone(rq, conn);
          if (d.state !== 'confirmed') { conn.send(stringify(response(rq, 491, REASON[491]!))); return; }
          void reinvite(d, rq).catch((err) => {
            o.warn('sip: re-INVITE failed', { err: String(err) });
            conn.send(stringify(response(rq, 488, REASON[488]!)));
          });
          return;
        case 'ACK':
          return;
        case 'BYE':
          conn.send(stringify(response(rq, d ? 200 : 481, d ? 'OK' : REASON[481]!)));
          if (d && d.state !== 'ended') { finish(d); core.farEndHangup(d.chan); }
          return;
        case 'CANCEL':
          conn.send(stringify(response(rq, d ? 200 : 481, d ? 'OK' : REASON[481]!)));
          if (d && d.state === 'early' && d.pending) {
            conn.send(stringify(response(d.pending, 487, REASON[487]!, { headers: { to: { ...d.pending.headers.to, params: { ...d.pending.headers.to?.params, tag: d.localTag } } } })));
            finish(d);
            core.farEndHangup(d.chan);
          }
          return;
        case 'INFO': {
          if (!d) { conn.send(stringify(response(rq, 481, REASON[481]!))); return; }
          const type = (header(rq, 'content-type') ?? '').toLowerCase();
          const signal = /Signal\s*=\s*([0-9A-D*#])/i.exec(rq.content ?? '')?.[1];
          const duration = Number(/Duration\s*=\s*(\d+)/i.exec(rq.content ?? '')?.[1] ?? 100);
          if (!type.startsWith('application/dtmf-relay') || !signal) { conn.send(stringify(response(rq, 415, 'Unsupported Media Type'))); return; }
          conn.send(stringify(response(rq, 200, 'OK')));
          core.farEndDtmf(d.chan, signal.toUpperCase(), duration);
          return;
        }
        case 'OPTIONS':
          conn.send(stringify(response(rq, 200, 'OK', { headers: { allow: ALLOW } })));
          return;
        default:
          conn.send(stringify(response(rq, 405, REASON[405]!, { headers: { allow: ALLOW } })));
      }
    },
    onResponse(rs, conn) {
      const d = byCallId.get(rs.headers['call-id'] ?? '');
      if (!d || d.direction !== 'to-phone' || rs.headers.cseq?.method !== 'INVITE') return;
      const status = rs.status ?? 0;
      if (status < 200) { if (status === 180 || status === 183) d.hooks?.ringing(); return; }
      d.remoteTag = rs.headers.to?.params.tag ?? undefined;
      const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]?.uri : undefined;
      // ACK: for a 2xx a new transaction to the Contact; for a failure, the INVITE's own branch.
      const ack = (uri: string, branch: string) => conn.send(stringify({
        method: 'ACK', uri, version: '2.0',
        headers: {
          via: [{ version: '2.0', protocol: 'WS', host: o.host, params: { branch } }], 'max-forwards': '70',
          from: { uri: d.invite!.from, params: { tag: d.localTag } }, to: { uri: d.invite!.to, params: d.remoteTag ? { tag: d.remoteTag } : {} },
          'call-id': d.callId, cseq: { seq: d.invite!.cseq, method: 'ACK' },
        },
        content: '',
      }));
      if (status >= 300) {
        ack(d.invite!.ruri, d.invite!.branch);
        const hooks = d.hooks;
        finish(d);
        if (status !== 487) hooks?.failed(causeFromSip(status), status);
        return;
      }
      if (contact) d.target = contact;
      ack(d.target, `z9hG4bK${randomToken(16)}`);
      if (d.state !== 'early') return;
      void d.media.accept(rs.content ?? '').then(() => {
        if (d.state !== 'early') return;
        d.state = 'confirmed';
        d.hooks?.answered();
      }, (err) => {
        o.warn('sip: bad answer SDP', { err: String(err) });
        request(d, 'BYE');
        finish(d);
        core.hangup(d.chan, 58);
      });
    },
    connectionGone(conn) {
      for (const d of [...byCallId.values()]) {
        if (d.conn.id !== conn.id) continue;
        const hooks = d.hooks;
        const wasEarly = d.state === 'early';
        finish(d);
        if (wasEarly && hooks) hooks.failed(18, 408);
        else core.farEndHangup(d.chan);
      }
    },
    media: (id) => byChan.get(id)?.media.stats() ?? ended.get(id),
    dialogs: () => [...byChan.values()].map((d) => ({ channelId: d.chan.id, resource: d.chan.resource, direction: d.direction, state: d.state, held: d.held })),
    async close() {
      for (const d of [...byCallId.values()]) finish(d);
      await new Promise((r) => setTimeout(r, 10));
    },
  };
}
