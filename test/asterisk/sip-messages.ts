// SIP message builders for the sipp scenarios of the real-Asterisk tests and benchmarks (the
// phones and carrier of test/asterisk/lab, the AMI lab's phones, the capacity bench's callers).
// The text is sipp's scenario syntax: [last_*] copies the request's header, [len] is computed,
// [$var] is a scenario variable. Every message ends with a newline.

/** A <send> element: the message in CDATA, retransmitted every 500 ms over UDP when `retrans`. */
export const send = (msg: string, retrans = false) => `  <send${retrans ? ' retrans="500"' : ''}><![CDATA[\n${msg}\n]]></send>\n`;

/** Contact of sipp itself (the UAS phones' and the in-dialog requests'). */
export const LOCAL_CONTACT = '<sip:[local_ip]:[local_port];transport=[transport]>';

/** An SDP offer or answer for PCMU, with RFC 4733 telephone-events on `dtmfPayload` when given. */
export function sdp(o: { mediaPort?: '[auto_media_port]' | '[media_port]'; dtmfPayload?: number; dtmfFmtp?: boolean } = {}): string {
  const pt = o.dtmfPayload;
  return `v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${o.mediaPort ?? '[auto_media_port]'} RTP/AVP 0${pt !== undefined ? ` ${pt}` : ''}
a=rtpmap:0 PCMU/8000
${pt !== undefined ? `a=rtpmap:${pt} telephone-event/8000\n${o.dtmfFmtp ? `a=fmtp:${pt} 0-15\n` : ''}` : ''}`;
}

/**
 * A response to the last request: `tag` goes into the To tag ([pid]<tag>[call_number]) so each
 * tool's dialogs are told apart; `cseq` overrides the copied CSeq (a 487 answers the INVITE, not the CANCEL).
 */
export function response(status: string, o: { tag: string; cseq?: string; contact?: boolean; sdp?: string }): string {
  return `SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]${o.tag}[call_number]
[last_Call-ID:]
${o.cseq ? `CSeq: ${o.cseq}` : '[last_CSeq:]'}
${o.contact ? `Contact: ${LOCAL_CONTACT}\n` : ''}${o.sdp ? `Content-Type: application/sdp\nContent-Length: [len]\n\n${o.sdp}` : 'Content-Length: 0\n'}`;
}

export interface SipRequest {
  method: string;
  uri: string;
  /** From header value, tag included. */
  from: string;
  /** To header value, or '[last_To:]' to copy the whole header of the last response. */
  to: string;
  cseq: number;
  contact: string;
  /** Extra header lines, before Max-Forwards. */
  headers?: string[];
  body?: { type: string; text: string };
}

/** A request: INVITE, ACK, BYE, INFO… (a new Via branch, the scenario's Call-ID). */
export function request(r: SipRequest): string {
  return `${r.method} ${r.uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: ${r.from}
${r.to.startsWith('[last_') ? r.to : `To: ${r.to}`}
Call-ID: [call_id]
CSeq: ${r.cseq} ${r.method}
Contact: ${r.contact}
${(r.headers ?? []).map((h) => `${h}\n`).join('')}Max-Forwards: 70
${r.body ? `Content-Type: ${r.body.type}\nContent-Length: [len]\n\n${r.body.text}` : 'Content-Length: 0\n'}`;
}
