// Asterisk 22's hangup causes as data: one table for the simulator, the ACD, the dialler and
// call records. Transcribed from the Asterisk 22.10.1 sources:
//  - codes and names: include/asterisk/causes.h (AST_CAUSE_*);
//  - text: main/channel.c `causes[]` (ast_cause2str; anything else reads "Unknown");
//  - SIP response -> cause: res/res_pjsip.c ast_sip_hangup_sip2cause (what an outbound PJSIP
//    leg's ChannelDestroyed.cause says after a final failure response);
//  - cause -> SIP response: channels/chan_pjsip.c hangup_cause2sip (what Asterisk answers an
//    unanswered inbound INVITE hung up with that cause; none = 603 Decline, from
//    res_pjsip_session.c ast_sip_session_terminate);
//  - Dial event status: main/dial.c ast_hangup_cause_to_dial_status (the `dialstatus` of the
//    ARI `Dial` event when a dialled channel hangs up unanswered with that cause);
//  - DIALSTATUS: apps/app_dial.c handle_cause (Dial() with one callee that hung up with it).
// Pure data and lookups: no I/O.

/** What an unanswered (or ended) outbound attempt means to a dialler or an ACD. */
export type CauseClass = 'answered' | 'busy' | 'declined' | 'no-answer' | 'unknown-number' | 'congestion' | 'unavailable' | 'failed';

/** Values Asterisk puts in a Dial event's `dialstatus` / the DIALSTATUS variable. */
export type DialStatus = 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL' | 'CONGESTION' | 'CHANUNAVAIL' | 'DONTCALL' | 'TORTURE' | 'INVALIDARGS' | 'RINGING' | 'PROGRESS' | 'PROCEEDING' | '';

export interface HangupCause {
  code: number;
  /** AST_CAUSE_<name>. */
  name: string;
  /** ast_cause2str(code): the `cause_txt` of ChannelDestroyed. */
  text: string;
  /** SIP final responses an outbound PJSIP leg maps to this cause. */
  fromSip: number[];
  /** SIP response Asterisk sends for an unanswered inbound call hung up with this cause. */
  toSip: number;
  /** Dial event `dialstatus` for a callee that hung up unanswered with this cause. */
  dialEvent: DialStatus;
  /** DIALSTATUS of a single-callee Dial() whose callee hung up with this cause. */
  dialStatus: DialStatus;
  class: CauseClass;
}

/** Response chan_pjsip sends when hangup_cause2sip has no mapping (ast_sip_session_terminate). */
export const DEFAULT_REJECT_SIP = 603;

// [code, name, text, class, fromSip, toSip (0 = none)]
type Row = [number, string, string, CauseClass, number[], number];
const ROWS: Row[] = [
  [0, 'NOTDEFINED', 'Unknown', 'failed', [], 0],
  [1, 'UNALLOCATED', 'Unallocated (unassigned) number', 'unknown-number', [404, 485, 604], 404],
  [2, 'NO_ROUTE_TRANSIT_NET', 'No route to specified transmit network', 'unknown-number', [], 404],
  [3, 'NO_ROUTE_DESTINATION', 'No route to destination', 'unavailable', [420], 404],
  [5, 'MISDIALLED_TRUNK_PREFIX', 'Misdialed trunk prefix', 'unknown-number', [], 0],
  [6, 'CHANNEL_UNACCEPTABLE', 'Channel unacceptable', 'failed', [], 0],
  [7, 'CALL_AWARDED_DELIVERED', 'Call awarded and being delivered in an established channel', 'failed', [], 0],
  [8, 'PRE_EMPTED', 'Pre-empted', 'failed', [], 0],
  [14, 'NUMBER_PORTED_NOT_HERE', 'Number ported elsewhere', 'unknown-number', [], 0],
  [16, 'NORMAL_CLEARING', 'Normal Clearing', 'answered', [], 0],
  [17, 'USER_BUSY', 'User busy', 'busy', [486, 600], 486],
  [18, 'NO_USER_RESPONSE', 'No user responding', 'no-answer', [408], 408],
  [19, 'NO_ANSWER', 'User alerting, no answer', 'no-answer', [480, 483], 480],
  [20, 'SUBSCRIBER_ABSENT', 'Subscriber absent', 'unavailable', [], 480],
  [21, 'CALL_REJECTED', 'Call Rejected', 'declined', [401, 403, 407, 603], 403],
  [22, 'NUMBER_CHANGED', 'Number changed', 'unknown-number', [410], 410],
  [23, 'REDIRECTED_TO_NEW_DESTINATION', 'Redirected to new destination', 'unavailable', [302], 302],
  [26, 'ANSWERED_ELSEWHERE', 'Answered elsewhere', 'answered', [], 0],
  [27, 'DESTINATION_OUT_OF_ORDER', 'Destination out of order', 'unavailable', [502], 502],
  [28, 'INVALID_NUMBER_FORMAT', 'Invalid number format', 'unknown-number', [484], 484],
  [29, 'FACILITY_REJECTED', 'Facility rejected', 'failed', [501], 501],
  [30, 'RESPONSE_TO_STATUS_ENQUIRY', 'Response to STATus ENQuiry', 'failed', [], 0],
  [31, 'NORMAL_UNSPECIFIED', 'Normal, unspecified', 'no-answer', [], 480],
  [34, 'NORMAL_CIRCUIT_CONGESTION', 'Circuit/channel congestion', 'congestion', [503], 503],
  [38, 'NETWORK_OUT_OF_ORDER', 'Network out of order', 'failed', [500], 500],
  [41, 'NORMAL_TEMPORARY_FAILURE', 'Temporary failure', 'congestion', [409], 0],
  [42, 'SWITCH_CONGESTION', 'Switching equipment congestion', 'congestion', [], 503],
  [43, 'ACCESS_INFO_DISCARDED', 'Access information discarded', 'failed', [], 0],
  [44, 'REQUESTED_CHAN_UNAVAIL', 'Requested channel not available', 'congestion', [], 0],
  [50, 'FACILITY_NOT_SUBSCRIBED', 'Facility not subscribed', 'failed', [], 0],
  [52, 'OUTGOING_CALL_BARRED', 'Outgoing call barred', 'declined', [], 0],
  [54, 'INCOMING_CALL_BARRED', 'Incoming call barred', 'declined', [], 0],
  [57, 'BEARERCAPABILITY_NOTAUTH', 'Bearer capability not authorized', 'failed', [], 0],
  [58, 'BEARERCAPABILITY_NOTAVAIL', 'Bearer capability not available', 'failed', [488, 606], 488],
  [65, 'BEARERCAPABILITY_NOTIMPL', 'Bearer capability not implemented', 'failed', [], 0],
  [66, 'CHAN_NOT_IMPLEMENTED', 'Channel not implemented', 'failed', [], 503],
  [69, 'FACILITY_NOT_IMPLEMENTED', 'Facility not implemented', 'failed', [], 0],
  [81, 'INVALID_CALL_REFERENCE', 'Invalid call reference value', 'failed', [], 0],
  [88, 'INCOMPATIBLE_DESTINATION', 'Incompatible destination', 'failed', [], 0],
  [95, 'INVALID_MSG_UNSPECIFIED', 'Invalid message unspecified', 'failed', [], 0],
  [96, 'MANDATORY_IE_MISSING', 'Mandatory information element is missing', 'failed', [], 0],
  [97, 'MESSAGE_TYPE_NONEXIST', 'Message type nonexist.', 'failed', [], 0],
  [98, 'WRONG_MESSAGE', 'Wrong message', 'failed', [], 0],
  [99, 'IE_NONEXIST', 'Info. element nonexist or not implemented', 'failed', [], 0],
  [100, 'INVALID_IE_CONTENTS', 'Invalid information element contents', 'failed', [], 0],
  [101, 'WRONG_CALL_STATE', 'Message not compatible with call state', 'failed', [], 0],
  [102, 'RECOVERY_ON_TIMER_EXPIRE', 'Recover on timer expiry', 'no-answer', [504], 0],
  [103, 'MANDATORY_IE_LENGTH_ERROR', 'Mandatory IE length error', 'failed', [], 0],
  [111, 'PROTOCOL_ERROR', 'Protocol error, unspecified', 'failed', [], 0],
  [127, 'INTERWORKING', 'Interworking, unspecified', 'failed', [405, 411, 413, 414, 415, 481, 482, 487, 491, 493, 505], 500],
];

/** main/dial.c ast_hangup_cause_to_dial_status. */
function dialEventFor(code: number): DialStatus {
  if (code === 17) return 'BUSY';
  if (code === 34) return 'CONGESTION';
  if (code === 3 || code === 20) return 'CHANUNAVAIL';
  return 'NOANSWER';
}
/** apps/app_dial.c handle_cause with one callee: busy, congestion, "nochan", or nothing (NOANSWER). */
function dialStatusFor(code: number): DialStatus {
  if (code === 17) return 'BUSY';
  if (code === 34) return 'CONGESTION';
  if (code === 19 || code === 16) return 'NOANSWER';
  return 'CHANUNAVAIL';
}

export const HANGUP_CAUSES: readonly HangupCause[] = ROWS.map(([code, name, text, cls, fromSip, toSip]) => ({
  code, name, text, fromSip, toSip: toSip || DEFAULT_REJECT_SIP, dialEvent: dialEventFor(code), dialStatus: dialStatusFor(code), class: cls,
}));

const BY_CODE = new Map(HANGUP_CAUSES.map((c) => [c.code, c]));
const BY_SIP = new Map(HANGUP_CAUSES.flatMap((c) => c.fromSip.map((s) => [s, c.code] as const)));

export function hangupCause(code: number): HangupCause | undefined {
  return BY_CODE.get(code);
}

/** The `cause_txt` Asterisk sends with a cause ("Unknown" for codes it does not know, e.g. 32). */
export function causeText(code: number): string {
  return BY_CODE.get(code)?.text ?? 'Unknown';
}

/** The hangup cause of an outbound PJSIP leg that got this final SIP response (ast_sip_hangup_sip2cause). */
export function causeFromSip(status: number): number {
  const mapped = BY_SIP.get(status);
  if (mapped !== undefined) return mapped;
  if (status >= 400 && status < 500) return 127;
  if (status >= 500 && status < 600) return 34;
  if (status >= 600 && status < 700) return 127;
  return 16;
}

/** chan_pjsip's hangup_cause2sip as it is: undefined where it has no mapping (ChannelDestroyed then has no tech_cause). */
export function sipOfCause(code: number): number | undefined {
  const row = ROWS.find((r) => r[0] === code);
  return row && row[5] ? row[5] : undefined;
}

/** The SIP response Asterisk rejects an unanswered inbound call with when hung up with `code`. */
export function sipForCause(code: number): number {
  return BY_CODE.get(code)?.toSip ?? DEFAULT_REJECT_SIP;
}

/** The Dial event's `dialstatus` for a dialled channel that hung up unanswered with `code`. */
export function dialEventStatus(code: number): DialStatus {
  return dialEventFor(code);
}

/** DIALSTATUS of Dial() to one callee that hung up with `code`. */
export function dialStatusOfCause(code: number): DialStatus {
  return dialStatusFor(code);
}

/** What a cause means to a dialler; unknown codes are failures. */
export function classifyCause(code: number): CauseClass {
  return BY_CODE.get(code)?.class ?? 'failed';
}

/** What a dial status alone says (when the cause says nothing: 0, or 16 on a Local half). */
export function classifyDialStatus(status: string | undefined): CauseClass {
  switch ((status ?? '').toUpperCase()) {
    case 'ANSWER': return 'answered';
    case 'BUSY': return 'busy';
    case 'NOANSWER': case 'CANCEL': return 'no-answer';
    case 'CONGESTION': return 'congestion';
    case 'CHANUNAVAIL': return 'unavailable';
    case 'DONTCALL': case 'TORTURE': return 'declined';
    default: return 'failed';
  }
}

/**
 * An unanswered attempt: the cause is more precise than the dial status (603 Decline is
 * cause 21 but dial status NOANSWER; 404 is cause 1, NOANSWER), so it wins whenever it
 * says something. Cause 0 (the `;1` half of a Local pair) and 16 defer to the dial status.
 */
export function classifyUnansweredAttempt(dialStatus: string | undefined, cause: number | undefined): CauseClass {
  if (cause !== undefined && cause !== 0 && cause !== 16) {
    const cls = classifyCause(cause);
    if (cls !== 'answered') return cls;
  }
  const fromStatus = classifyDialStatus(dialStatus);
  return fromStatus === 'answered' ? 'failed' : fromStatus;
}

/** ARI `DELETE /channels/{id}?reason=` values (res/ari/resource_channels.c convert_reason_to_hangup_code). */
export const ARI_HANGUP_REASONS: Readonly<Record<string, number>> = {
  normal: 16, busy: 17, congestion: 34, no_answer: 19, timeout: 18, rejected: 21, unallocated: 1, normal_unspecified: 31,
  number_incomplete: 28, codec_mismatch: 58, interworking: 127, failure: 38, answered_elsewhere: 26,
};
