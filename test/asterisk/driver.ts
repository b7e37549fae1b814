// The small interface every scenario of test/asterisk is written against. Two implementations:
// `sim` (the simulated PBX through its /_sim control API) and `lab` (a real Asterisk: callers
// are Local channels of a tester ARI app, phones and the trunk are sipp processes, MOH is seen
// on AMI, the rest through the Asterisk CLI). A scenario never knows which one it runs on.

/** What a phone (agent, operator) does when Asterisk rings it. */
export type PhoneBehaviour =
  | { kind: 'answer'; afterMs: number; hangupAfterMs?: number }
  | { kind: 'busy' }
  | { kind: 'noanswer' };

/** What a number behind the campaign trunk does (SIP final response). */
export type NumberKind = 'answer' | 'answer-press-9' | 'busy' | 'congestion' | 'noanswer' | 'decline' | 'unknown';

export interface Caller {
  /** The caller's channel as the app sees it (CallRecord id is `cr-<id>`). */
  readonly id: string;
  press(digits: string, opts?: { gapMs?: number }): Promise<void>;
  hangup(): Promise<void>;
  /** Media the app played to the caller, in order (`sound:welcome`, `digits:123`, `tone:ring`). */
  heard(): Promise<string[]>;
  /** Waits until the nth playback of `media` has started (default 1st). */
  waitPrompt(media: string, opts?: { nth?: number; timeoutMs?: number }): Promise<void>;
  /** Waits until the caller is in a bridge with somebody else. */
  waitBridged(timeoutMs?: number): Promise<void>;
  /** Whether music on hold is playing to the caller right now. */
  moh(): Promise<boolean>;
  /** Waits until the channel is gone. */
  waitGone(timeoutMs?: number): Promise<void>;
  /** Waits until the call left the app and reached the dialplan's fallback (centralita-fallback). */
  waitFallback(timeoutMs?: number): Promise<void>;
  /** Waits until the call was handed off to the dialplan and dialled `endpoint` there (answered). */
  waitHandedOffTo(endpoint: string, timeoutMs?: number): Promise<void>;
}

export interface PbxDriver {
  readonly name: 'sim' | 'lab';
  /** What the app under test connects to. */
  readonly ari: { url: string; user: string; password: string };
  /** MOH class with sound on this PBX (the lab's `default` class is empty on purpose). */
  readonly mohClass: string;
  /** Multiplies the scenarios' waits: real prompts take real time on the lab. */
  readonly slow: number;
  start(): Promise<void>;
  close(): Promise<void>;
  /** A caller dials `to` (a DID) from `from`; returns once the app has the channel (or not: see waitFallback). */
  call(o: { from: string; to: string }): Promise<Caller>;
  /** A direct call to the phone `PJSIP/<resource>` through the dialplan (not through the app), e.g. an agent's personal call. */
  callPhone(resource: string): Promise<Caller>;
  /** How the PJSIP phone `PJSIP/<resource>` answers from now on. */
  phone(resource: string, b: PhoneBehaviour): Promise<void>;
  /** A number behind `PJSIP/<number>@trunk` that behaves as `kind`; unique per `index`. */
  campaignNumber(kind: NumberKind, index: number): Promise<string>;
  /** Whether a stored recording exists (voicemail, bridge recordings), by ARI recording name. */
  recordingExists(name: string): Promise<boolean>;
  /** `core restart now`: Asterisk hangs every channel up (soft hangup) and restarts; resolves when ARI answers again. */
  restart(): Promise<void>;
  /** The PBX process dies (kill -9: nothing is reported) and is started again; resolves when ARI answers. */
  crash(): Promise<void>;
  /** `core stop now`; resolves once stopped. `start()` brings it back. */
  stopNow(): Promise<void>;
  /** Extra checks only a real Asterisk can answer (CLI), or undefined. */
  cli?(command: string): Promise<string>;
}
