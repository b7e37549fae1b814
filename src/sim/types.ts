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
  | { app: 'NoOp'; text?: string };

/** context -> extension -> steps. */
export type Dialplan = Record<string, Record<string, DialplanStep[]>>;

export type EndpointBehaviorKind = 'answer' | 'busy' | 'noanswer' | 'reject' | 'congestion' | 'unreachable';

/** What a simulated phone (or a number behind a trunk) does when the PBX calls it. */
export interface EndpointBehavior {
  behavior: EndpointBehaviorKind;
  /** Ringing time before answering / rejecting (ms of simulated time). Default 0 for answer, 0 for others. */
  afterMs?: number;
  /** After answering: digits the far end presses, starting `digitsAfterMs` after answer. */
  digits?: string;
  digitsAfterMs?: number;
  digitGapMs?: number;
  /** After answering: the far end hangs up after this many ms. */
  hangupAfterMs?: number;
}

export type TranscriptEntry =
  | { at: number; kind: 'ringing' }
  | { at: number; kind: 'answered' }
  | { at: number; kind: 'prompt'; media: string; playbackId: string; durationMs: number; outcome: 'done' | 'stopped' | 'failed' | 'playing' }
  | { at: number; kind: 'moh'; on: boolean; mohClass?: string }
  | { at: number; kind: 'hold'; on: boolean }
  | { at: number; kind: 'bridged'; bridgeId: string; with: string[] }
  | { at: number; kind: 'unbridged'; bridgeId: string }
  | { at: number; kind: 'dtmf-sent'; digit: string }
  | { at: number; kind: 'dtmf-heard'; digit: string }
  | { at: number; kind: 'recorded'; name: string }
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
}
