// res_http_websocket + res_pjsip_transport_websocket for the simulator: SIP over WebSocket
// (RFC 7118) on the HTTP port's `/ws` path, subprotocol `sip`, as Asterisk serves it. Each
// WebSocket is one reliable transport: REGISTERs go to the registrar, dialog requests and
// responses to the INVITE layer; a malformed message is answered 400 (when it is a request
// we can answer) and counted, never a crash. When the socket closes its contacts and calls go.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SipCore } from '../sip-core.ts';
import { createRegistrar, type Registrar } from './registrar.ts';
import { createSipCalls, type Conn, type SipCalls } from './calls.ts';
import type { MediaStats } from './media.ts';
import { REASON, parseSip, response, stringify } from './wire.ts';

export const SIP_WS_PATH = '/ws';

export interface SipWsOptions {
  core: SipCore;
  /** The address offered in Via/Contact and as the only ICE candidate (loopback by default). */
  host: string;
  recordingsDir: string;
  now: () => number;
  warn(msg: string, data?: Record<string, unknown>): void;
}

export interface SipStats {
  connections: number;
  messagesIn: number;
  messagesOut: number;
  /** Unparseable or malformed messages (answered 400 where possible). */
  badMessages: number;
  registrar: Registrar['counters'];
  /** resource -> the contact it registered. */
  registrations: Record<string, string>;
  dialogs: ReturnType<SipCalls['dialogs']>;
}

export interface SipWs {
  /** Takes the upgrade when it is for `/ws`; false leaves it to the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  stats(): SipStats;
  media(channelId: string): MediaStats | undefined;
  /** Chaos: closes every SIP WebSocket (the softphones' transports go away). */
  dropAll(): void;
  close(): Promise<void>;
}

export function createSipWs(o: SipWsOptions): SipWs {
  const wss = new WebSocketServer({
    noServer: true,
    // RFC 7118 §4: the client offers "sip"; Asterisk refuses a WebSocket without a known protocol.
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  const sockets = new Map<string, WebSocket>();
  let seq = 0;
  const counters = { messagesIn: 0, messagesOut: 0, badMessages: 0 };
  const registrar = createRegistrar(o.core, o.now);
  const conns = new Map<string, Conn>();
  const calls: SipCalls = createSipCalls({
    core: o.core, host: o.host, recordingsDir: o.recordingsDir, warn: o.warn,
    locate(resource) {
      const id = registrar.connectionOf(resource);
      const conn = id ? conns.get(id) : undefined;
      const contact = registrar.contactOf(resource);
      return conn && contact ? { conn, contact } : undefined;
    },
  });

  function onMessage(conn: Conn, text: string): void {
    counters.messagesIn++;
    // RFC 5626 keep-alive: a bare CRLF (JsSIP sends none by default, others do).
    if (text.trim() === '') return;
    const p = parseSip(text);
    if (!p.ok) {
      counters.badMessages++;
      o.warn('sip: malformed message', { reason: p.reason, conn: conn.id });
      // Answer a request we can still address; a broken response is just dropped (RFC 3261 §18.1.2).
      if (/^[A-Z]+ \S+ SIP\/2\.0\r?\n/.test(text)) {
        const loose = parseLoose(text);
        if (loose) conn.send(stringify(response(loose, 400, `${REASON[400]} (${p.reason})`)));
      }
      return;
    }
    const m = p.msg;
    if (m.method === 'REGISTER') {
      const r = registrar.handle(m, conn);
      conn.send(stringify(r.reply));
      return;
    }
    if (m.method) calls.onRequest(m, conn);
    else calls.onResponse(m, conn);
  }

  return {
    handleUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'http://sim.invalid').pathname;
      if (path !== SIP_WS_PATH) return false;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const id = `ws-${++seq}`;
        sockets.set(id, ws);
        const conn: Conn = {
          id,
          send(text) {
            if (ws.readyState !== ws.OPEN) return;
            counters.messagesOut++;
            ws.send(text);
          },
        };
        conns.set(id, conn);
        ws.on('message', (data, isBinary) => {
          try {
            onMessage(conn, isBinary ? Buffer.from(data as Buffer).toString('utf8') : (data as Buffer).toString('utf8'));
          } catch (err) {
            counters.badMessages++;
            o.warn('sip: message handling failed', { err: String(err), conn: id });
          }
        });
        ws.on('close', () => {
          sockets.delete(id);
          conns.delete(id);
          calls.connectionGone(conn);
          registrar.dropConnection(id);
        });
        ws.on('error', () => undefined);
      });
      return true;
    },
    stats() {
      const registrations: Record<string, string> = {};
      for (const r of registrar.resources()) {
        const c = registrar.contactOf(r);
        if (c && registrar.connectionOf(r)) registrations[r] = c;
      }
      return { connections: sockets.size, ...counters, registrar: { ...registrar.counters }, registrations, dialogs: calls.dialogs() };
    },
    media: (id) => calls.media(id),
    dropAll() {
      for (const ws of sockets.values()) ws.terminate();
    },
    async close() {
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      await calls.close();
    },
  };
}

/** The bare minimum of a broken request to send a 400 back (Via, From, To, Call-ID, CSeq as text). */
function parseLoose(text: string) {
  const get = (h: string, short?: string) => new RegExp(`^(?:${h}${short ? `|${short}` : ''})\\s*:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim();
  const via = get('Via', 'v');
  const callId = get('Call-ID', 'i');
  if (!via || !callId) return undefined;
  const p = parseSip(`SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: ${get('From', 'f') ?? '<sip:invalid@invalid>'}\r\nTo: ${get('To', 't') ?? '<sip:invalid@invalid>'}\r\nCall-ID: ${callId}\r\nCSeq: ${get('CSeq') ?? '1 OPTIONS'}\r\nContent-Length: 0\r\n\r\n`);
  return p.ok ? p.msg : undefined;
}
