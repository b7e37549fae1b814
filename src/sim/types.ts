// Shapes shared by the simulated PBX model, its HTTP layer and its TypeScript control API.

export interface CallerId {
  name: string;
  number: string;
}

/** One dialplan step: a FreePBX-like destination or an Asterisk application. */
export type DialplanStep =
  | { app: 'Stasis'; appName: string; args?: string[] }
  | { app: 'Answer' }
  | { app: 'Ringing' }
  | { app: 'Wait'; seconds: number }
  | { app: 'Busy' }
  | { app: 'Congestion' }
  | { app: 'Echo' }
  | { app: 'Playback'; sound: string }
  | { app: 'SendDTMF'; digits: string; gapMs?: number; durationMs?: number }
  | { app: 'Hangup'; cause?: number }
  /** FreePBX-style ring of a phone/trunk number; answered = both ends connected; sets DIALSTATUS. */
  | { app: 'Dial'; endpoint: string; timeoutSec?: number }
  | { app: 'NoOp'; text?: string }
  /** Goto(context,exten,1): continues there (FreePBX destinations: ext-queues, ext-local…). */
  | { app: 'Goto'; context: string; exten: string; priority?: number }
  /** app_queue (a FreePBX queue): waits for a member of `queue`; leaves after `timeoutSec` (QUEUESTATUS). */
  | { app: 'Queue'; queue: string; timeoutSec?: number }
  /** MixMonitor(file): FreePBX's call recording (reported to AMI/CEL; no audio is written). */
  | { app: 'MixMonitor'; file: string };

/** context -> extension -> steps. */
export type Dialplan = Record<string, Record<string, DialplanStep[]>>;

/** What a simulated far end does after the call is answered (callers and phones). */
export interface CallerScript {
  /** Digits pressed, the first `digitsAfterMs` after answer, then every digitDurationMs + digitGapMs. */
  digits?: string;
  digitsAfterMs?: number;
  digitGapMs?: number;
  digitDurationMs?: number;
  /** Hangs up (BYE) this long after answer. */
  hangupAfterMs?: number;
  /** Inbound callers only: gives up (CANCEL) if not answered within this time from the call. */
  cancelAfterMs?: number;
}

/**
 * answer; busy (486), reject (603 or `sipStatus`), congestion (503): after ringing `afterMs`;
 * noanswer: rings until the PBX gives up; silent: never answers at SIP level (the SIP
 * transaction times out after 32 s: cause 18); unreachable: no contact (offline endpoint).
 */
export type EndpointBehaviorKind = 'answer' | 'busy' | 'noanswer' | 'reject' | 'congestion' | 'unreachable' | 'silent';

/** What a simulated phone (or a number behind a trunk) does when the PBX calls it. */
export interface EndpointBehavior extends CallerScript {
  behavior: EndpointBehaviorKind;
  /** Ringing time before answering / rejecting (ms of simulated time). Default 0. */
  afterMs?: number;
  /** The final SIP response of a rejecting phone (reject: default 603; busy 486; congestion 503). */
  sipStatus?: number;
  /** Answered phones: put the call on hold (re-INVITE sendonly) this long after answer... */
  holdAfterMs?: number;
  /** ...and take it off hold this much later. */
  holdMs?: number;
}

export type TranscriptEntry =
  | { at: number; kind: 'ringing' }
  | { at: number; kind: 'answered' }
  | { at: number; kind: 'prompt'; media: string; playbackId: string; durationMs: number; outcome: 'done' | 'stopped' | 'failed' | 'playing' }
  | { at: number; kind: 'moh'; on: boolean; mohClass?: string }
  | { at: number; kind: 'hold'; on: boolean; by?: 'far' }
  | { at: number; kind: 'bridged'; bridgeId: string; with: string[] }
  | { at: number; kind: 'unbridged'; bridgeId: string }
  | { at: number; kind: 'dtmf-sent'; digit: string }
  | { at: number; kind: 'dtmf-heard'; digit: string }
  | { at: number; kind: 'recorded'; name: string }
  | { at: number; kind: 'redirected'; to: string }
  | { at: number; kind: 'spoke'; ms: number }
  | { at: number; kind: 'hangup'; side: 'far' | 'pbx'; cause: number };

export interface SimChannelView {
  id: string;
  name: string;
  state: string;
  alive: boolean;
  stasisApp: string | undefined;
  bridgeId: string | undefined;
  caller: CallerId;
  hangupCause: number | undefined;
  hangupSide: 'far' | 'pbx' | undefined;
  transcript: TranscriptEntry[];
  /** What the far end heard, span by span (the last one open while the call lasts). */
  heard: HeardSpan[];
}

/** What a far end hears (src/sim/hearing.ts). */
/** `recording`: the channel is being recorded (voicemail, a message): the caller is the one speaking, not waiting on us. */
export type Heard = 'ringing' | 'prompt' | 'moh' | 'bridged' | 'recording' | 'silence';
export interface HeardSpan { what: Heard; from: number; to?: number; media?: string }
