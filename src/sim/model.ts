// The state of the simulated PBX: channels, bridges, playbacks, recordings, Stasis apps,
// endpoints. One `Ctx` per simulator (no module-level state); the modules of src/sim are
// functions over it, split along Asterisk's own layers (see docs/simulator.md).
import type { SimClock, TimerHandle } from './clock.ts';
import type { SoundLibrary } from './sounds.ts';
import { createTimings, type Timings } from './timings.ts';
import type { ChannelObserver } from './observer.ts';
import type { SimQueue } from './app-queue.ts';
import type { CallerId, CallerScript, Dialplan, DialplanStep, EndpointBehavior, HeardSpan, SimChannelView, TranscriptEntry } from './types.ts';

/** An ARI error response: status plus the exact JSON body Asterisk sends. */
export class AriError extends Error {
  readonly status: number;
  readonly body: Record<string, string>;
  constructor(status: number, message: string, key: 'message' | 'error' = 'message') {
    super(message);
    this.status = status;
    this.body = { [key]: message };
  }
}

export type Snapshot = Record<string, unknown>;

export interface EventSink {
  send(data: string): void;
}

export interface EndpointConfig {
  technology: string; // PJSIP
  resource: string; // 1001, sipp, trunk name
  /** A trunk accepts PJSIP/<number>@<resource>; number behaviours apply. */
  trunk?: boolean;
  behavior?: EndpointBehavior;
  /** pjsip.conf `context`: where this endpoint's channels start (default `default`). */
  context?: string;
  /** A phone that registers (dynamic AOR): offline until a contact registers. */
  dynamic?: boolean;
  /** pjsip.conf `webrtc = yes` (the browser softphone template): dynamic, DTLS media, WSS only. */
  webrtc?: boolean;
}

/** A registered contact of a dynamic AOR. */
export interface Contact {
  uri: string;
  aor: string;
  expiresAt: number;
  timer?: TimerHandle;
}

export interface SimApp {
  name: string;
  sink: EventSink | undefined;
  subscribeAll: boolean;
  sent: number;
  endpoints: Map<string, number>;
  devices: Map<string, number>;
  /** PUT /applications/{app}/eventFilter: event types let through / kept out. */
  allowed: { type: string }[];
  disallowed: { type: string }[];
}

/** One command on a channel's control queue (Asterisk runs them one at a time). */
export interface Cmd {
  /** Starts the command; calls done() when the channel may run the next one. */
  run(done: () => void): (() => void) | void;
  /** The channel died before the command ran. */
  dead?(): void;
}

export interface FarEnd {
  transcript: TranscriptEntry[];
  behavior?: EndpointBehavior;
  /** What a simulated caller does once the PBX answers. */
  script?: CallerScript;
  /** The far end is talking until this simulated time (recording silence detection). */
  speakingUntil?: number;
  timers: TimerHandle[];
  /** What it heard (src/sim/hearing.ts) and the state that is not on the channel itself. */
  heard?: HeardSpan[];
  ringing?: boolean;
  dialledPeer?: Chan;
  dialplanPrompt?: string;
  dialplanPromptUntil?: number;
}

export interface Playback {
  id: string;
  media: string[];
  idx: number;
  language: string;
  targetUri: string;
  channel?: Chan;
  bridge?: Bridge;
  state: 'queued' | 'playing' | 'paused' | 'continuing' | 'done' | 'failed';
  timer?: TimerHandle;
  itemStarted: number;
  itemLength: number;
  remaining: number;
  finish?: () => void;
  /** Re-arms the end-of-item timer from `remaining` (unpause, skip). */
  arm?: () => void;
  transcriptEntry?: Extract<TranscriptEntry, { kind: 'prompt' }>;
  /** Start position of the first item (offsetms) and the forward/reverse step (skipms). */
  offsetMs: number;
  skipMs: number;
}

export interface LiveRecording {
  name: string;
  format: string;
  targetUri: string;
  channel: Chan | undefined;
  bridge: Bridge | undefined;
  state: 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';
  startedAt: number;
  pausedTotal: number;
  pausedAt?: number;
  maxTimer?: TimerHandle;
  terminateOn: string;
  muted: boolean;
  finish?: (how: 'done' | 'canceled') => void;
  /** What GET /recordings/live says instead of `state` (a queued recording that was stopped: canceled). */
  shownState?: string;
}

export interface Bridge {
  id: string;
  type: 'mixing' | 'holding';
  name: string;
  channels: Chan[];
  creationtime: string;
  subs: Map<string, number>;
  moh: string | undefined;
  alive: boolean;
  vars: Map<string, string>;
  /** The bridge technology Asterisk picked the last time it looked (snapshots lag behind a join/leave). */
  technology: string;
  videoSource?: string;
}

export interface Origination {
  app?: string;
  appArgs: string[];
  context?: string;
  exten?: string;
  priority?: number;
  timer?: TimerHandle;
}

export interface Chan {
  id: string;
  /** The conversation this channel belongs to (Asterisk's linkedid: inherited from the channel that created it). */
  linkedid: string;
  name: string;
  tech: string;
  resource: string;
  state: string;
  caller: CallerId;
  connected: CallerId;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
  protocolId: string;
  vars: Map<string, string>;
  stasisApp: string | undefined;
  /** Entered Stasis from a dialplan (a Stasis() step) rather than as an originate target. */
  stasisFromDialplan: boolean;
  /** The application an originated/created channel showed before Stasis (shown again after it). */
  preStasisApp?: { app_name: string; app_data: string };
  subs: Map<string, number>;
  peer: Chan | undefined;
  half: 1 | 2 | undefined;
  bridge: Bridge | undefined;
  queue: Cmd[];
  busy: boolean;
  abortCurrent: (() => void) | undefined;
  playback: Playback | undefined;
  recording: LiveRecording | undefined;
  moh: string | undefined;
  alive: boolean;
  dying: boolean;
  answered: boolean;
  hangupCause: number | undefined;
  propagatedCause: number | undefined;
  hangupSide: 'far' | 'pbx' | undefined;
  // dialplan execution
  steps: DialplanStep[] | undefined;
  stepIdx: number;
  stepTimer: TimerHandle | undefined;
  pendingDtmf: { digit: string; duration: number }[];
  inDialplanApp: boolean;
  // origination
  originate: Origination | undefined;
  farEnd: FarEnd | undefined;
  snoops: Chan[];
  snoopOf: Chan | undefined;
  /** The other end of a dialplan Dial() (a native bridge, outside Stasis). */
  dialPeer: Chan | undefined;
  timers: TimerHandle[];
  /** Created with /channels/create (dial failures and timeouts end it from Stasis). */
  created: boolean;
  /** Answer() from Ring waits for the first media frame (at most 500 ms): call to stop waiting. */
  awaitingMedia: (() => void) | undefined;
  /** DTMF that began while Answer() waited for media: held back until hangup (traced). */
  deferDtmf: boolean;
  /** The far end's last SIP response (ChannelHangupRequest/Destroyed tech_cause). */
  techCause: number | undefined;
  /** Bridges natively with another such leg (native_rtp): outbound PJSIP legs the PBX set up. */
  nativeRtp: boolean;
  /** TALK_DETECT(set) on this channel: the far end's speech raises ChannelTalkingStarted/Finished. */
  talkDetect?: boolean;
  /** Variables set with report_events: they join the channelvars of every snapshot. */
  reportVars?: Set<string>;
  /** A caller id update from the Local peer, applied when this channel (in Stasis) is torn down. */
  pendingCaller?: CallerId;
  /** Hung up while commands were queued: Stasis runs them before StasisEnd. */
  draining: boolean;
  /** A dialplan application on this channel to stop when the channel is hung up (Dial() cancels its callee). */
  onDying?: () => void;
  /** The basic bridge a dialplan Dial() put this channel in with its peer (AMI/CEL report it). */
  dialBridge?: { id: string; technology: string };
  /** A dialplan application to tell when the channel starts hanging up (app_queue: the caller abandons). */
  onAbort?: () => void;
  /** Told when the channel is destroyed (app_queue: the member's call completes). */
  onEnded?: () => void;
  /** The channel whose hangup ended this one (CEL HANGUP `hangupsource`), passed across a bridge. */
  hangupSource?: string;
}

export interface PbxOptions {
  clock: SimClock;
  sounds: SoundLibrary;
  dialplan: Dialplan;
  recordingsDir: string;
  endpoints?: EndpointConfig[];
  asteriskId?: string;
  /** Delay (simulated ms) for a channel in a dialplan application to notice its peer hung up. */
  dialplanReactMs?: number;
  onWarning?: (msg: string, data?: Record<string, unknown>) => void;
  /** How many ended calls keep their transcript for GET /_sim/channels/{id} (default 10,000). */
  keepEndedCalls?: number;
  /** ari.conf `channelvars`: variables every channel snapshot carries (unset ones as ""). */
  channelvars?: string[];
  /** res_mwi_external loaded (the /mailboxes resource answers); false: 404 like a PBX without it. */
  mailboxes?: boolean;
  /** asterisk.conf astlogdir (GET /asterisk/logging). */
  logDir?: string;
  /** res_pjsip object types ARI may write (sorcery.conf with a writable wizard), e.g. ['auth']. */
  writableSorcery?: string[];
  /** Record PBX-boundary timings (event sent -> command received per channel): GET /_sim/timings. */
  timings?: boolean;
}

export interface Ctx {
  clock: SimClock;
  sounds: SoundLibrary;
  recordingsDir: string;
  dialplan: Dialplan;
  defaultContext: string;
  asteriskId: string;
  reactMs: number;
  startupTime: number;
  warn: (msg: string, data?: Record<string, unknown>) => void;
  apps: Map<string, SimApp>;
  channels: Map<string, Chan>;
  bridges: Map<string, Bridge>;
  playbacks: Map<string, Playback>;
  liveRecordings: Map<string, LiveRecording>;
  bridgeRecordings: Set<LiveRecording>;
  endpoints: Map<string, EndpointConfig>;
  numberBehaviors: { pattern: RegExp; behavior: EndpointBehavior; source: string }[];
  /** Stasis:<name> device states set over REST. */
  deviceStates: Map<string, string>;
  /** Last DeviceStateChanged sent per PJSIP device (only sent on change). */
  deviceLast: Map<string, string>;
  endpointChans: Map<string, Set<Chan>>;
  /** Far-end views kept after hangup. */
  ended: Map<string, SimChannelView>;
  /** Channel ids used so far (bounded like `ended`) and those used more than once: a call dialled twice (chaos). */
  seenIds: Set<string>;
  reusedIds: Map<string, number>;
  maxEnded: number;
  seq: { local: number; chan: number; unique: number; snoop: number };
  eventsTotal: number;
  /** REST requests waiting behind a channel's running command. */
  blocked: number;
  globals: Map<string, string>;
  channelvars: string[];
  mailboxes: Map<string, { old: number; new: number }> | undefined;
  contacts: Map<string, Contact>;
  logChannels: { channel: string; type: string; status: string; configuration: string }[];
  logDir: string;
  shutdown: boolean;
  timings: Timings;
  /** Layers beside ARI that watch the channel core (the AMI server); empty costs nothing. */
  observers: ChannelObserver[];
  /** app_queue's queues (FreePBX queues, calls outside Stasis) and its device watcher. */
  pbxQueues: Map<string, SimQueue>;
  pbxQueueWatcher?: ChannelObserver;
  /** The SIP-over-WebSocket layer (src/sim/sip) rings the far ends it has a registration for. */
  sipFarEnd?: (c: Chan) => SipFarEnd | undefined;
  /** res_pjsip auth objects pushed over ARI (sorcery.conf puts auth on a writable wizard). */
  sipAuths: Map<string, { username: string; password: string }>;
  /** Object types ARI may create/update (dynamic configuration); none by default, as with pjsip.conf only. */
  writableSorcery: Set<string>;
}

/** A far end reached over the SIP layer: it rings a real softphone instead of following a behaviour. */
export interface SipFarEnd {
  ring(timeoutMs: number, hooks: { ringing(): void; answered(): void; failed(cause: number, sipStatus: number | undefined): void }): void;
}

export function createCtx(opts: PbxOptions): Ctx {
  const ctx: Ctx = {
    clock: opts.clock, sounds: opts.sounds, recordingsDir: opts.recordingsDir, dialplan: opts.dialplan, defaultContext: 'from-pstn',
    asteriskId: opts.asteriskId ?? '02:fc:00:00:00:01', reactMs: opts.dialplanReactMs ?? 20, startupTime: opts.clock.now(),
    warn: opts.onWarning ?? (() => undefined),
    apps: new Map(), channels: new Map(), bridges: new Map(), playbacks: new Map(), liveRecordings: new Map(), bridgeRecordings: new Set(),
    endpoints: new Map(), numberBehaviors: [], deviceStates: new Map(), deviceLast: new Map(), endpointChans: new Map(),
    ended: new Map(), seenIds: new Set(), reusedIds: new Map(), maxEnded: opts.keepEndedCalls ?? 10_000,
    seq: { local: 0x30, chan: 0x10, unique: 200, snoop: 0 }, eventsTotal: 0, blocked: 0, globals: new Map(),
    channelvars: opts.channelvars ?? [], mailboxes: opts.mailboxes === false ? undefined : new Map(), contacts: new Map(),
    logDir: opts.logDir ?? '/var/log/asterisk', logChannels: [], shutdown: false,
    timings: createTimings(opts.timings === true),
    observers: [], pbxQueues: new Map(), sipAuths: new Map(), writableSorcery: new Set(opts.writableSorcery ?? []),
  };
  ctx.logChannels.push(
    { channel: `${ctx.logDir}/messages.log`, type: 'File', status: 'Enabled', configuration: 'NOTICE WARNING ERROR VERBOSE DTMF ' },
    { channel: '', type: 'Console', status: 'Enabled', configuration: 'NOTICE WARNING ERROR VERBOSE ' },
  );
  for (const e of opts.endpoints ?? []) ctx.endpoints.set(`${e.technology}/${e.resource}`, e);
  return ctx;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Asterisk's timestamp format: 2026-11-24T01:28:22.848+0000. */
export function ariTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** Parses `"Name" <number>`, `Name <number>` or a bare number. */
export function parseCallerId(s: string | undefined): CallerId {
  if (!s) return { name: '', number: '' };
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(s);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), number: (m[3] ?? '').trim() };
  return { name: '', number: s.trim() };
}
