// SIP messages on the simulator's WebSocket transport (RFC 7118): parsed and serialised by the
// `sip` package (see docs/decisions.md); this file only adds the checks RFC 3261 §8.2 asks a
// UAS to make before acting on a request, so a malformed message gets a 400 and a count.
import sip, { type SipMessage } from 'sip';

export type { SipMessage, NameAddr } from 'sip';

export type Parsed = { ok: true; msg: SipMessage } | { ok: false; reason: string };

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

export function parseSip(text: string): Parsed {
  let msg: SipMessage | undefined;
  try {
    msg = sip.parse(text);
  } catch (err) {
    return { ok: false, reason: `unparseable: ${(err as Error).message}` };
  }
  if (!msg) return { ok: false, reason: 'not a SIP message' };
  for (const h of REQUIRED) if (msg.headers[h] === undefined) return { ok: false, reason: `missing or malformed ${h}` };
  if (!Array.isArray(msg.headers.via) || msg.headers.via.length === 0) return { ok: false, reason: 'malformed via' };
  if (msg.method && msg.headers.cseq?.method !== msg.method) return { ok: false, reason: 'CSeq method does not match the request' };
  return { ok: true, msg };
}

export const stringify = (m: SipMessage): string => sip.stringify(m);

export function response(rq: SipMessage, status: number, reason: string, extra?: { headers?: Record<string, unknown>; content?: string }): SipMessage {
  return sip.makeResponse(rq, status, reason, extra);
}

/** The user part of a SIP URI (`sip:agent-7@host` → `agent-7`). */
export function uriUser(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  return sip.parseUri(uri)?.user ?? /^sips?:([^@;>]+)@/.exec(uri)?.[1];
}

export const header = (m: SipMessage, name: string): string | undefined => {
  const v = m.headers[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

export function randomToken(n = 10): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += abc[Math.floor(Math.random() * abc.length)];
  return s;
}

/** RFC 3261 reason phrases for the statuses the simulator sends. */
export const REASON: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 491: 'Request Pending', 500: 'Server Internal Error',
  503: 'Service Unavailable', 603: 'Decline',
};
