// AMI wire format (Asterisk Manager Interface over TCP): a one-line banner
// ("Asterisk Call Manager/11.0.0"), then messages of `Key: Value` lines ended by CRLF, each
// message ended by an empty line. Actions carry `Action` and `ActionID`; Asterisk answers with
// `Response` (+ the same ActionID), list actions with `EventList: start`, events with the
// ActionID, and a final `EventList: Complete` event; everything else is an `Event`.
// This module only frames and serialises: no sockets, no timers.

/** One AMI message. A header that appears several times (ChanVariable, Output) keeps every value, joined with "\n". */
export type AmiMessage = Record<string, string>;

export class AmiFrameError extends Error {
  readonly code = 'AMI_FRAME_INVALID';
}

/** Values with CR or LF would inject headers (a caller-controlled number, a reason text). */
export class AmiFieldError extends Error {
  readonly code = 'AMI_FIELD_INVALID';
}

const BANNER = 'Asterisk Call Manager/';
const MAX_MESSAGE = 1 << 20;

/** Splits a byte stream into the banner and messages. Feed it chunks as they arrive. */
export class AmiParser {
  private buf = '';
  private bannerSeen = false;
  private readonly onMessage: (m: AmiMessage) => void;
  private readonly onBanner: (version: string) => void;
  constructor(onMessage: (m: AmiMessage) => void, onBanner: (version: string) => void = () => {}) {
    this.onMessage = onMessage;
    this.onBanner = onBanner;
  }

  push(chunk: string): void {
    this.buf += chunk;
    if (!this.bannerSeen) {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) {
        if (this.buf.length > 200) throw new AmiFrameError('no AMI banner in the first 200 bytes');
        return;
      }
      const line = this.buf.slice(0, nl);
      if (!line.startsWith(BANNER)) throw new AmiFrameError(`not an AMI banner: ${JSON.stringify(line.slice(0, 60))}`);
      this.bannerSeen = true;
      this.buf = this.buf.slice(nl + 2);
      this.onBanner(line.slice(BANNER.length));
    }
    let start = 0;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n', start);
      if (end < 0) break;
      if (end > start) this.onMessage(parseBlock(this.buf, start, end));
      start = end + 4;
    }
    this.buf = start > 0 ? this.buf.slice(start) : this.buf;
    if (this.buf.length > MAX_MESSAGE) throw new AmiFrameError(`an AMI message exceeds ${MAX_MESSAGE} bytes`);
  }
}

function parseBlock(s: string, start: number, end: number): AmiMessage {
  const m: AmiMessage = {};
  let i = start;
  while (i < end) {
    let nl = s.indexOf('\r\n', i);
    if (nl < 0 || nl > end) nl = end;
    const colon = s.indexOf(':', i);
    if (colon > i && colon < nl) {
      const key = s.slice(i, colon);
      // "Key: Value" — Asterisk writes one space; a value may itself contain ": ".
      const value = s.charCodeAt(colon + 1) === 32 ? s.slice(colon + 2, nl) : s.slice(colon + 1, nl);
      const prev = m[key];
      m[key] = prev === undefined ? value : `${prev}\n${value}`;
    }
    i = nl + 2;
  }
  return m;
}

/** A header's repeated values (ChanVariable: NAME=value, Output: line). */
export function values(m: AmiMessage, key: string): string[] {
  const v = m[key];
  return v === undefined ? [] : v.split('\n');
}

/** `ChanVariable: NAME=value` headers (channelvars in manager.conf) as a map. */
export function chanVariables(m: AmiMessage, key = 'ChanVariable'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of values(m, key)) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export type AmiFieldValue = string | number | boolean | undefined | readonly string[];

/** Serialises an action. Arrays repeat the header (Variable: A=1, Variable: B=2); undefined is left out. */
export function serializeAction(action: string, actionId: string, fields: Record<string, AmiFieldValue> = {}): string {
  let out = `Action: ${clean('Action', action)}\r\nActionID: ${clean('ActionID', actionId)}\r\n`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out += `${k}: ${clean(k, String(item))}\r\n`;
    else out += `${k}: ${clean(k, String(v))}\r\n`;
  }
  return out + '\r\n';
}

function clean(key: string, v: string): string {
  if (/[\r\n]/.test(v) || /[\r\n:]/.test(key)) throw new AmiFieldError(`AMI field ${key} may not contain a line break`);
  return v;
}

/** Serialises a message the way Asterisk writes one (the simulator's side). */
export function serializeMessage(fields: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = String(v);
    if (s.includes('\n')) for (const line of s.split('\n')) out += `${k}: ${line}\r\n`;
    else out += `${k}: ${s}\r\n`;
  }
  return out + '\r\n';
}
