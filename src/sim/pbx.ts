// The in-memory PBX behind the simulator: channels, Local channel pairs, bridges, playbacks,
// recordings, Stasis applications and their event subscriptions. It speaks in ARI terms
// (snapshots and event payloads shaped like Asterisk 22's) so the HTTP layer is a thin
// translation. Behaviour follows the recorded traces of a real Asterisk (see docs/simulator.md):
// e.g. the order of hangup events on Local channel halves, commands on a channel running
// one at a time behind a playback, and subscriptions that outlive StasisEnd for originated
// channels but not for dialplan ones.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SimClock, TimerHandle } from './clock.ts';
import type { SoundLibrary } from './sounds.ts';
import { silentWav, wavDurationMs } from './wav.ts';
import type { CallerId, CallerScript, Dialplan, DialplanStep, EndpointBehavior, SimChannelView, TranscriptEntry } from './types.ts';

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

export const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown', 1: 'Unallocated (unassigned) number', 3: 'No route to destination', 16: 'Normal Clearing', 17: 'User busy',
  18: 'No user responding', 19: 'User alerting, no answer', 21: 'Call Rejected', 26: 'Answered elsewhere', 27: 'Destination out of order',
  31: 'Normal, unspecified', 32: 'Normal Clearing', 34: 'Circuit/channel congestion', 38: 'Network out of order', 127: 'Interworking, unspecified',
};

export const HANGUP_REASONS: Record<string, number> = {
  normal: 16, busy: 17, congestion: 34, no_answer: 19, timeout: 19, rejected: 21, unallocated: 1, normal_unspecified: 31,
  interworking: 127, answered_elsewhere: 26, '': 16,
};

const RECORDING_FORMATS = new Set(['wav', 'wav16', 'ulaw', 'alaw', 'gsm', 'sln', 'slin', 'slin16', 'g722', 'g729', 'WAV', 'wav49', 'ogg', 'h264']);

export interface EndpointConfig {
  technology: string; // PJSIP
  resource: string; // 1001, sipp, trunk name
  /** A trunk accepts PJSIP/<number>@<resource>; number behaviours apply. */
  trunk?: boolean;
  behavior?: EndpointBehavior;
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
}

export interface EventSink {
  send(data: string): void;
}

type Snapshot = Record<string, unknown>;

interface SimApp {
  name: string;
  sink: EventSink | undefined;
  subscribeAll: boolean;
  sent: number;
  endpoints: Map<string, number>;
  devices: Map<string, number>;
}

interface Cmd {
  /** Starts the command; calls done() when the channel may run the next one. */
  run(done: () => void): (() => void) | void;
  /** The channel died before the command ran. */
  dead?(): void;
}

interface FarEnd {
  transcript: TranscriptEntry[];
  behavior?: EndpointBehavior;
  /** What a simulated caller does once the PBX answers. */
  script?: CallerScript;
  /** The far end is talking until this simulated time (recording silence detection). */
  speakingUntil?: number;
  timers: TimerHandle[];
}

interface Playback {
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
  transcriptEntry?: Extract<TranscriptEntry, { kind: 'prompt' }>;
  /** Start position of the first item (offsetms) and the forward/reverse step (skipms). */
  offsetMs: number;
  skipMs: number;
}

interface LiveRecording {
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
}

interface Bridge {
  id: string;
  type: 'mixing' | 'holding';
  name: string;
  channels: Chan[];
  creationtime: string;
  subs: Map<string, number>;
  moh: string | undefined;
  alive: boolean;
}

interface Chan {
  id: string;
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
  originate: { app?: string; appArgs: string[]; context?: string; exten?: string; priority?: number; timer?: TimerHandle } | undefined;
  farEnd: FarEnd | undefined;
  snoops: Chan[];
  snoopOf: Chan | undefined;
  /** The other end of a dialplan Dial() (a native bridge, outside Stasis). */
  dialPeer: Chan | undefined;
  timers: TimerHandle[];
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

export type Pbx = ReturnType<typeof createPbx>;

/** The application data Asterisk shows in a channel's dialplan location. */
function appData(step: DialplanStep): string {
  switch (step.app) {
    case 'Wait':
      return Number.isFinite(step.seconds) ? String(step.seconds) : '';
    case 'Stasis':
      return [step.appName, ...(step.args ?? [])].join(',');
    case 'Playback':
      return step.sound;
    case 'SendDTMF':
      return step.digits;
    case 'Hangup':
      return step.cause === undefined ? '' : String(step.cause);
    case 'Dial':
      return `${step.endpoint},${step.timeoutSec ?? ''}`;
    case 'NoOp':
      return step.text ?? '';
    default:
      return '';
  }
}

/** Asterisk extension pattern (without the leading _) to a RegExp. */
export function patternRegex(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === 'X') re += '[0-9]';
    else if (ch === 'Z') re += '[1-9]';
    else if (ch === 'N') re += '[2-9]';
    else if (ch === '.') re += '.+';
    else if (ch === '!') re += '.*';
    else if (ch === '[') {
      const end = p.indexOf(']', i);
      re += `[${p.slice(i + 1, end < 0 ? p.length : end)}]`;
      i = end < 0 ? p.length : end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function createPbx(opts: PbxOptions) {
  const { clock, sounds } = opts;
  let dialplan = opts.dialplan;
  const asteriskId = opts.asteriskId ?? '02:fc:00:00:00:01';
  const reactMs = opts.dialplanReactMs ?? 20;
  const warn = opts.onWarning ?? (() => undefined);
  const apps = new Map<string, SimApp>();
  const channels = new Map<string, Chan>();
  const bridges = new Map<string, Bridge>();
  const playbacks = new Map<string, Playback>();
  const liveRecordings = new Map<string, LiveRecording>();
  const endpoints = new Map<string, EndpointConfig>();
  const numberBehaviors: { pattern: RegExp; behavior: EndpointBehavior; source: string }[] = [];
  const deviceStates = new Map<string, string>();
  const ended = new Map<string, SimChannelView>(); // far-end views kept after hangup
  const maxEnded = opts.keepEndedCalls ?? 10_000;
  let localSeq = 0x30;
  let chanSeq = 0x10;
  let uniqueSeq = 200;
  let snoopSeq = 0;
  let eventsTotal = 0;
  const startupTime = clock.now();
  for (const e of opts.endpoints ?? []) endpoints.set(`${e.technology}/${e.resource}`, e);
  mkdirSync(opts.recordingsDir, { recursive: true });

  const now = () => clock.now();
  const ts = () => ariTime(now());
  const uniqueId = () => `${Math.floor(now() / 1000)}.${uniqueSeq++}`;
  const uuid = () => {
    const h = () => Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
    return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
  };

  // ---------- snapshots ----------
  function chanJson(c: Chan): Snapshot {
    return {
      id: c.id, name: c.name, state: c.state, protocol_id: c.protocolId, caller: { ...c.caller }, connected: { ...c.connected }, accountcode: '',
      dialplan: { ...c.dialplan }, creationtime: c.creationtime, language: c.language,
    };
  }
  function bridgeJson(b: Bridge): Snapshot {
    return {
      id: b.id, technology: b.type === 'holding' ? 'holding_bridge' : 'simple_bridge', bridge_type: b.type, bridge_class: 'stasis', creator: 'Stasis',
      name: b.name, channels: b.channels.map((c) => c.id), creationtime: b.creationtime, video_mode: 'talker',
    };
  }
  function playbackJson(p: Playback): Snapshot {
    const j: Snapshot = { id: p.id, media_uri: p.media[p.idx] ?? p.media[0] };
    const next = p.media[p.idx + 1];
    if (next !== undefined) j.next_media_uri = next;
    j.target_uri = p.targetUri;
    j.language = p.language;
    j.state = p.state;
    return j;
  }
  function recordingJson(r: LiveRecording, duration?: number): Snapshot {
    const j: Snapshot = { name: r.name, format: r.format, state: r.state === 'canceled' ? 'done' : r.state, target_uri: r.targetUri };
    if (duration !== undefined) j.duration = duration;
    return j;
  }
  function appJson(a: SimApp): Snapshot {
    const channelIds: string[] = [];
    for (const c of channels.values()) if (c.stasisApp === a.name || (c.subs.get(a.name) ?? 0) > 0) channelIds.push(c.id);
    const bridgeIds: string[] = [];
    for (const b of bridges.values()) if ((b.subs.get(a.name) ?? 0) > 0) bridgeIds.push(b.id);
    return {
      name: a.name, channel_ids: channelIds, bridge_ids: bridgeIds, endpoint_ids: [...a.endpoints.keys()], device_names: [...a.devices.keys()],
      events_allowed: [], events_disallowed: [],
    };
  }

  // ---------- event delivery ----------
  function deliver(recipients: Iterable<string>, ev: Snapshot): void {
    for (const name of recipients) {
      const a = apps.get(name);
      if (!a?.sink) continue; // events while an app is disconnected are lost, as on Asterisk
      a.sent++;
      eventsTotal++;
      a.sink.send(JSON.stringify({ ...ev, asterisk_id: asteriskId, application: name }));
    }
  }
  function allApps(set: Set<string>): Set<string> {
    for (const a of apps.values()) if (a.subscribeAll) set.add(a.name);
    return set;
  }
  function chanRecipients(c: Chan): Set<string> {
    const s = new Set<string>();
    if (c.stasisApp) s.add(c.stasisApp);
    for (const [a, n] of c.subs) if (n > 0) s.add(a);
    return allApps(s);
  }
  function bridgeRecipients(b: Bridge): Set<string> {
    const s = new Set<string>();
    for (const [a, n] of b.subs) if (n > 0) s.add(a);
    return allApps(s);
  }
  function chanEvent(c: Chan, type: string, extra: Snapshot = {}, recipients?: Set<string>): void {
    deliver(recipients ?? chanRecipients(c), { type, timestamp: ts(), ...extra, channel: chanJson(c) });
  }
  function subscribe(map: Map<string, number>, app: string, delta: number): void {
    const n = (map.get(app) ?? 0) + delta;
    if (n <= 0) map.delete(app);
    else map.set(app, n);
  }

  function setState(c: Chan, state: string): void {
    if (c.state === state) return;
    c.state = state;
    chanEvent(c, 'ChannelStateChange');
    touchEndpoint(c);
  }
  function setVar(c: Chan, name: string, value: string, announce = true): void {
    c.vars.set(name, value);
    if (announce) deliver(chanRecipients(c), { variable: name, value, type: 'ChannelVarset', timestamp: ts(), channel: chanJson(c) });
  }
  function dial(peer: Chan, dialstatus: string, dialstring: string): void {
    deliver(chanRecipients(peer), { type: 'Dial', timestamp: ts(), dialstatus, forward: '', dialstring, peer: chanJson(peer) });
  }
  function note(c: Chan, e: TranscriptEntry): void {
    c.farEnd?.transcript.push(e);
  }

  // ---------- per-channel command queue (Asterisk runs a channel's commands one at a time) ----------
  function pump(c: Chan): void {
    while (!c.busy && c.queue.length > 0 && c.alive && !c.dying) {
      const cmd = c.queue.shift()!;
      c.busy = true;
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        c.busy = false;
        c.abortCurrent = undefined;
        pump(c);
      };
      const abort = cmd.run(done);
      if (!finished) c.abortCurrent = abort ?? undefined;
    }
  }
  function enqueue(c: Chan, cmd: Cmd): void {
    c.queue.push(cmd);
    pump(c);
  }
  /** Queues a command and resolves when it has run (REST calls Asterisk answers synchronously). */
  function enqueueSync(c: Chan, fn: () => void): Promise<void> {
    blocked++;
    return new Promise<void>((resolve, reject) => {
      enqueue(c, {
        run(done) {
          blocked--;
          try {
            fn();
            resolve();
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
          done();
        },
        dead() {
          blocked--;
          reject(new AriError(404, 'Channel not found'));
        },
      });
    });
  }
  let blocked = 0;
  const globals = new Map<string, string>();

  // ---------- endpoint and device state (phones in use, ringing, idle) ----------
  const deviceLast = new Map<string, string>();
  function endpointJson(e: EndpointConfig): Snapshot {
    return {
      technology: e.technology, resource: e.resource, state: e.behavior?.behavior === 'unreachable' ? 'offline' : 'online',
      channel_ids: [...(endpointChans.get(`${e.technology}/${e.resource}`) ?? [])].filter((c) => c.alive).map((c) => c.id),
    };
  }
  const endpointChans = new Map<string, Set<Chan>>();
  function touchEndpoint(c: Chan): void {
    if (c.tech !== 'PJSIP') return;
    const key = `${c.tech}/${c.resource}`;
    const e = endpoints.get(key);
    if (!e) return;
    let mine = endpointChans.get(key);
    if (!mine) endpointChans.set(key, (mine = new Set()));
    if (c.alive) mine.add(c);
    else mine.delete(c);
    const epRec = allApps(new Set<string>());
    for (const a of apps.values()) if (a.endpoints.has(key) || a.endpoints.has(c.tech)) epRec.add(a.name);
    // Snapshots are built only for someone listening: a busy trunk has thousands of channels.
    if (epRec.size > 0) deliver(epRec, { type: 'EndpointStateChange', timestamp: ts(), endpoint: endpointJson(e) });
    const devRec = allApps(new Set<string>());
    for (const a of apps.values()) if (a.devices.has(key)) devRec.add(a.name);
    if (devRec.size === 0) {
      deviceLast.delete(key);
      return;
    }
    // Asterisk's aggregation of channel states into a device state.
    let up = false;
    let ringing = false;
    let busy = false;
    for (const x of mine) {
      if (x.state === 'Up') up = true;
      else if (x.state === 'Ringing' || x.state === 'Ring') ringing = true;
      else if (x.state === 'Busy') busy = true;
    }
    const state = up && ringing ? 'RINGINUSE' : up ? 'INUSE' : ringing ? 'RINGING' : busy ? 'BUSY' : 'NOT_INUSE';
    if ((deviceLast.get(key) ?? 'NOT_INUSE') === state) return;
    deviceLast.set(key, state);
    deliver(devRec, { type: 'DeviceStateChanged', timestamp: ts(), device_state: { name: key, state } });
  }

  // ---------- channels ----------
  function newChan(p: { id?: string; name: string; tech: string; resource: string; state: string; caller?: CallerId; context: string; exten: string; priority?: number; appName?: string; appData?: string; language?: string; protocolId?: string }): Chan {
    const c: Chan = {
      id: p.id ?? uniqueId(), name: p.name, tech: p.tech, resource: p.resource, state: p.state, caller: p.caller ?? { name: '', number: '' },
      connected: { name: '', number: '' },
      dialplan: { context: p.context, exten: p.exten, priority: p.priority ?? 1, app_name: p.appName ?? '', app_data: p.appData ?? '' },
      creationtime: ts(), language: p.language ?? 'en', protocolId: p.protocolId ?? '', vars: new Map(), stasisApp: undefined, stasisFromDialplan: false,
      subs: new Map(), peer: undefined, half: undefined, bridge: undefined, queue: [], busy: false, abortCurrent: undefined, playback: undefined,
      recording: undefined, moh: undefined, alive: true, dying: false, answered: false, hangupCause: undefined, propagatedCause: undefined,
      hangupSide: undefined, steps: undefined, stepIdx: 0, stepTimer: undefined, pendingDtmf: [], inDialplanApp: false, originate: undefined,
      farEnd: undefined, snoops: [], snoopOf: undefined, dialPeer: undefined, timers: [],
    };
    channels.set(c.id, c);
    deliver(allApps(new Set()), { type: 'ChannelCreated', timestamp: ts(), channel: chanJson(c) });
    touchEndpoint(c);
    return c;
  }
  function later(c: Chan, ms: number, fn: () => void): void {
    const h = clock.setTimer(ms, () => {
      c.timers = c.timers.filter((t) => t !== h);
      if (c.alive) fn();
    });
    c.timers.push(h);
  }

  function enterStasis(c: Chan, app: string, args: string[], fromDialplan: boolean): boolean {
    const a = apps.get(app);
    if (!a?.sink) return false;
    c.stasisApp = app;
    c.stasisFromDialplan = fromDialplan;
    c.inDialplanApp = false;
    c.dialplan = { ...c.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    if (fromDialplan) setVar(c, 'STASISSTATUS', '', false);
    // Stasis events go to the owning app only, never to other subscribers (as traced).
    chanEvent(c, 'StasisStart', { args }, new Set([app]));
    return true;
  }
  function leaveStasis(c: Chan): void {
    if (!c.stasisApp) return;
    chanEvent(c, 'StasisEnd', {}, new Set([c.stasisApp]));
    c.stasisApp = undefined;
  }

  /** Stops what a dying channel was doing: playback fails, recording finishes, queued plays fail. */
  function abortActivity(c: Chan): void {
    c.dying = true;
    const abort = c.abortCurrent;
    c.abortCurrent = undefined;
    abort?.();
    const queued = c.queue.splice(0);
    for (const q of queued) q.dead?.();
    c.busy = false;
    if (c.stepTimer) clock.clearTimer(c.stepTimer);
    c.stepTimer = undefined;
  }
  function leaveBridgeOnDeath(c: Chan): void {
    if (c.bridge) bridgeLeave(c, 'hangup');
  }
  function endSnoops(c: Chan): void {
    for (const s of c.snoops.splice(0)) {
      if (!s.alive) continue;
      abortActivity(s);
      leaveBridgeOnDeath(s);
      leaveStasis(s);
      destroy(s, 16);
    }
  }
  function destroy(c: Chan, cause: number): void {
    if (!c.alive) return;
    c.alive = false;
    c.dying = true;
    c.hangupCause = cause;
    for (const t of c.timers) clock.clearTimer(t);
    c.timers = [];
    if (c.originate?.timer) clock.clearTimer(c.originate.timer);
    if (c.farEnd) for (const t of c.farEnd.timers) clock.clearTimer(t);
    if (c.stepTimer) clock.clearTimer(c.stepTimer);
    chanEvent(c, 'ChannelDestroyed', { cause, cause_txt: CAUSE_TEXT[cause] ?? 'Unknown' });
    channels.delete(c.id);
    touchEndpoint(c);
    const peer = c.dialPeer;
    c.dialPeer = undefined;
    if (peer?.alive) {
      peer.dialPeer = undefined;
      // The other end of a Dial(): it was ringing (caller gave up) or connected (normal clearing).
      if (peer.farEnd && !peer.answered) hangup(peer, null, 0);
      else if (peer.tech === 'Local' && peer.half === 2) hangupLocal2(peer, null, 16);
      else hangup(peer, { cause: 16 }, 16);
    }
    if (c.farEnd) {
      if (!c.farEnd.transcript.some((t) => t.kind === 'hangup')) note(c, { at: now(), kind: 'hangup', side: c.hangupSide ?? 'pbx', cause });
      ended.set(c.id, view(c));
      // Keep the far-end views of the latest calls only: a long-running embedded PBX must not grow.
      if (ended.size > maxEnded) ended.delete(ended.keys().next().value!);
    }
  }
  /** Hangup of one channel up to (not including) ChannelDestroyed. */
  function endPart(c: Chan, hr: Snapshot | null): void {
    if (hr) chanEvent(c, 'ChannelHangupRequest', hr);
    abortActivity(c);
    leaveBridgeOnDeath(c);
    leaveStasis(c);
    endSnoops(c);
  }
  function flushDtmf(c: Chan): void {
    for (const d of c.pendingDtmf.splice(0)) chanEvent(c, 'ChannelDtmfReceived', { digit: d.digit, duration_ms: d.duration });
  }
  function finalCause(c: Chan, fallback: number): number {
    return c.hangupCause ?? c.propagatedCause ?? fallback;
  }

  /** Any channel ends. `hr` is the ChannelHangupRequest payload (null: no request event). */
  function hangup(c: Chan, hr: Snapshot | null, cause: number, side: 'far' | 'pbx' = 'pbx'): void {
    if (!c.alive || c.dying) return;
    c.hangupSide = side;
    if (c.tech === 'Local' && c.half === 1) return hangupLocal1(c, hr, cause);
    if (c.tech === 'Local' && c.half === 2) return hangupLocal2(c, hr, cause);
    endPart(c, hr);
    if (c.farEnd && side === 'pbx') note(c, { at: now(), kind: 'hangup', side: 'pbx', cause });
    destroy(c, cause);
  }

  function hangupLocal1(c1: Chan, hr: Snapshot | null, cause: number): void {
    endPart(c1, hr);
    const c2 = c1.peer;
    if (c2?.alive && !c2.dying) {
      c2.propagatedCause = cause === 0 ? c2.propagatedCause : cause;
      chanEvent(c2, 'ChannelHangupRequest', { cause });
    }
    destroy(c1, cause);
    if (!c2?.alive || c2.dying) return;
    if (c2.stasisApp) {
      endPart(c2, null);
      chanEvent(c2, 'ChannelHangupRequest', { cause: 16, soft: true });
      destroy(c2, finalCause(c2, 16));
    } else {
      // A dialplan application (Wait, Busy...) notices the hangup a moment later.
      c2.dying = true;
      abortActivity(c2);
      const h = clock.setTimer(reactMs, () => {
        if (!c2.alive) return;
        flushDtmf(c2);
        leaveBridgeOnDeath(c2);
        chanEvent(c2, 'ChannelHangupRequest', { cause: 16, soft: true });
        destroy(c2, finalCause(c2, 16));
      });
      c2.timers.push(h);
    }
  }

  function dialStatusFor(cause: number): string {
    return cause === 17 ? 'BUSY' : cause === 34 ? 'CONGESTION' : cause === 21 ? 'BUSY' : 'NOANSWER';
  }

  function hangupLocal2(c2: Chan, hr: Snapshot | null, cause: number): void {
    endPart(c2, hr);
    chanEvent(c2, 'ChannelHangupRequest', { cause: 16, soft: true });
    const c1 = c2.peer;
    if (c1?.alive && !c1.dying) {
      chanEvent(c1, 'ChannelHangupRequest', { cause });
      endPart(c1, null);
    }
    destroy(c2, cause);
    if (c1?.alive) {
      if (!c1.answered) dial(c1, dialStatusFor(cause), `${c1.dialplan.exten}@${c1.dialplan.context}`);
      destroy(c1, cause);
    }
  }

  // ---------- dialplan ----------
  function findSteps(context: string, exten: string): DialplanStep[] | undefined {
    const ctx = dialplan[context];
    if (!ctx) return undefined;
    const exact = ctx[exten];
    if (exact) return exact;
    // Asterisk-style patterns (_X., _NXXNXXXXXX, _+57X.): the most specific match wins.
    let best: { steps: DialplanStep[]; score: number } | undefined;
    for (const [pat, steps] of Object.entries(ctx)) {
      if (!pat.startsWith('_')) continue;
      const re = patternRegex(pat.slice(1));
      if (!re.test(exten)) continue;
      const score = pat.replace(/[.!]/g, '').length * 10 - (pat.includes('.') || pat.includes('!') ? 5 : 0);
      if (!best || score > best.score) best = { steps, score };
    }
    return best?.steps;
  }
  function extensionExists(context: string, exten: string): boolean {
    return findSteps(context, exten) !== undefined;
  }
  function runDialplan(c: Chan, context: string, exten: string, priority: number): void {
    const steps = findSteps(context, exten);
    if (!steps) {
      // Falling into a missing extension ends the call with an unknown cause, as traced.
      failDialplan(c);
      return;
    }
    c.steps = steps;
    c.stepIdx = Math.max(0, priority - 1);
    c.dialplan = { ...c.dialplan, context, exten, priority };
    nextStep(c);
  }
  function failDialplan(c: Chan): void {
    if (c.tech === 'Local' && c.half === 2) hangupLocal2(c, null, 0);
    else hangup(c, { cause: 16 }, 0);
  }
  function nextStep(c: Chan): void {
    if (!c.alive || c.dying || c.stasisApp) return;
    const steps = c.steps ?? [];
    const step = steps[c.stepIdx];
    if (!step) {
      c.inDialplanApp = false;
      // End of the extension: Asterisk hangs up with the channel's cause (16 if none).
      if (c.tech === 'Local' && c.half === 2) hangupLocal2(c, null, finalCause(c, 16));
      else hangup(c, { cause: 16 }, finalCause(c, 16));
      return;
    }
    c.stepIdx++;
    c.dialplan = { ...c.dialplan, priority: c.stepIdx, app_name: step.app, app_data: appData(step) };
    const next = (ms = 0) => {
      c.inDialplanApp = true;
      c.stepTimer = clock.setTimer(ms, () => {
        c.stepTimer = undefined;
        nextStep(c);
      });
    };
    const forever = () => {
      c.inDialplanApp = true;
    };
    switch (step.app) {
      case 'NoOp':
        return nextStep(c);
      case 'Answer':
        answer(c);
        return nextStep(c);
      case 'Ringing':
        indicateRinging(c);
        return nextStep(c);
      case 'Wait':
        return Number.isFinite(step.seconds) ? next(step.seconds * 1000) : forever();
      case 'Echo':
        return forever();
      case 'Busy':
      case 'Congestion': {
        c.hangupCause = step.app === 'Busy' ? 17 : 34;
        setState(c, 'Busy');
        if (c.tech === 'Local' && c.half === 2 && c.peer?.alive && !c.peer.answered) {
          const c1 = c.peer;
          dial(c1, step.app === 'Busy' ? 'BUSY' : 'CONGESTION', `${c.dialplan.exten}@${c.dialplan.context}`);
          hangupLocal1(c1, null, 0);
          return;
        }
        return forever();
      }
      case 'Playback': {
        const len = sounds.lengthOf(`sound:${step.sound}`, c.language);
        return next(len.kind === 'ms' ? len.ms : 0);
      }
      case 'SendDTMF': {
        const gap = step.gapMs ?? 250;
        const dur = step.durationMs ?? 100;
        let t = 0;
        for (const d of step.digits) {
          t += gap;
          const at = t;
          later(c, at, () => dtmfFrom(c, d, dur));
          t += dur;
        }
        return next(t);
      }
      case 'Dial':
        return dialFromDialplan(c, step.endpoint, step.timeoutSec, () => nextStep(c));
      case 'Hangup':
        c.hangupCause = step.cause ?? 16;
        if (c.tech === 'Local' && c.half === 2) return hangupLocal2(c, null, c.hangupCause);
        return hangup(c, { cause: c.hangupCause }, c.hangupCause);
      case 'Stasis': {
        const ok = enterStasis(c, step.appName, step.args ?? [], true);
        if (!ok) {
          warn(`Stasis app '${step.appName}' not active`, { channel: c.id });
          setVar(c, 'STASISSTATUS', 'FAILED', false);
          return nextStep(c);
        }
        return;
      }
    }
  }

  /** Dial() in the dialplan: rings a phone; when it answers, caller and phone are connected. */
  function dialFromDialplan(c: Chan, endpoint: string, timeoutSec: number | undefined, next: () => void): void {
    c.inDialplanApp = true;
    const slash = endpoint.indexOf('/');
    const tech = endpoint.slice(0, slash);
    const resource = endpoint.slice(slash + 1);
    const b = slash > 0 ? behaviorFor(tech, resource) : { ok: false as const };
    const finish = (status: string) => {
      setVar(c, 'DIALSTATUS', status, false);
      if (status !== 'ANSWER') next();
    };
    if (!b.ok) return finish('CHANUNAVAIL');
    const epName = resource.includes('@') ? resource.slice(resource.indexOf('@') + 1) : resource;
    const pc = newChan({ name: `${tech}/${epName}-${(chanSeq++).toString(16).padStart(8, '0')}`, tech, resource: epName, state: 'Down', caller: { ...c.caller }, context: 'from-internal', exten: 's' });
    pc.connected = b.number ? { name: '', number: b.number } : { name: '', number: resource };
    pc.farEnd = { transcript: [], behavior: b.behavior, timers: [] };
    c.dialPeer = pc;
    pc.dialPeer = c;
    const beh = b.behavior;
    const fail = (status: string, cause: number) => {
      c.dialPeer = undefined;
      pc.dialPeer = undefined;
      hangup(pc, null, cause);
      finish(status);
    };
    if (beh.behavior === 'unreachable') return fail('CHANUNAVAIL', 3);
    if (beh.behavior === 'congestion') return fail('CONGESTION', 34);
    setState(pc, 'Ringing');
    note(pc, { at: now(), kind: 'ringing' });
    note(c, { at: now(), kind: 'ringing' });
    const timeoutMs = timeoutSec && timeoutSec > 0 ? timeoutSec * 1000 : Infinity;
    if (Number.isFinite(timeoutMs)) later(pc, timeoutMs, () => {
      if (!pc.answered) fail('NOANSWER', 19);
    });
    if (beh.behavior === 'noanswer') return;
    later(pc, beh.afterMs ?? 0, () => {
      if (pc.answered || !c.alive) return;
      if (beh.behavior === 'busy') return fail('BUSY', 17);
      if (beh.behavior === 'reject') return fail('BUSY', 21);
      pc.answered = true;
      setState(pc, 'Up');
      note(pc, { at: now(), kind: 'answered' });
      if (c.state !== 'Up') answer(c);
      note(c, { at: now(), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [pc.id] });
      note(pc, { at: now(), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [c.id] });
      finish('ANSWER');
      scheduleFarEndScript(pc, beh);
    });
  }

  /** DTMF sent by `from`: received by the other end of the media path. */
  function dtmfFrom(from: Chan, digit: string, duration: number): void {
    const to = from.peer;
    if (to?.alive) receiveDtmf(to, digit, duration);
  }
  function receiveDtmf(c: Chan, digit: string, duration: number): void {
    if (!c.alive) return;
    if (!c.stasisApp && c.inDialplanApp && c.tech === 'Local') {
      // A channel sitting in Wait() does not read frames: the digit surfaces at hangup.
      c.pendingDtmf.push({ digit, duration });
      return;
    }
    chanEvent(c, 'ChannelDtmfReceived', { digit, duration_ms: duration });
    const r = c.recording;
    if (r && r.state === 'recording' && (r.terminateOn === 'any' || r.terminateOn.includes(digit))) r.finish?.('done');
  }

  // ---------- answer / ringing ----------
  function answer(c: Chan): void {
    if (c.state === 'Up') return;
    c.answered = true;
    setState(c, 'Up');
    note(c, { at: now(), kind: 'answered' });
    if (c.farEnd?.script) scheduleFarEndScript(c, c.farEnd.script);
    if (c.tech === 'Local' && c.half === 2) {
      const c1 = c.peer;
      if (c1?.alive && !c1.answered) {
        c1.answered = true;
        if (c1.originate?.timer) clock.clearTimer(c1.originate.timer);
        setState(c1, 'Up');
        dial(c1, 'ANSWER', `${c.dialplan.exten}@${c.dialplan.context}`);
        originateTarget(c1);
      }
    }
  }
  function indicateRinging(c: Chan): void {
    note(c, { at: now(), kind: 'ringing' });
    if (c.tech === 'Local' && c.half === 2) {
      const c1 = c.peer;
      if (c1?.alive && !c1.answered && c1.state !== 'Ringing') {
        setState(c1, 'Ringing');
        dial(c1, 'RINGING', `${c.dialplan.exten}@${c.dialplan.context}`);
      }
    }
  }
  /** An answered originated channel goes where the originate said: a Stasis app or the dialplan. */
  function originateTarget(c: Chan): void {
    const o = c.originate;
    // Created with /channels/create and dialled: already in Stasis, nothing more to do.
    if (!o || (!o.app && !o.exten)) return;
    if (o.app) {
      setVar(c, 'STASISSTATUS', '', false);
      if (!enterStasis(c, o.app, o.appArgs, false)) {
        // Not registered: Asterisk hangs the channel up silently.
        hangup(c, null, 16);
      }
    } else {
      runDialplan(c, o.context ?? 'default', o.exten ?? 's', o.priority ?? 1);
    }
  }

  // ---------- origination ----------
  interface OriginateParams {
    endpoint?: string; extension?: string; context?: string; priority?: number; label?: string; app?: string; appArgs?: string;
    callerId?: string; timeout?: number; channelId?: string; otherChannelId?: string; originator?: string; variables?: Record<string, string>;
  }
  function behaviorFor(tech: string, resource: string): { ok: true; behavior: EndpointBehavior; number?: string } | { ok: false } {
    const at = resource.indexOf('@');
    if (at >= 0) {
      const number = resource.slice(0, at);
      const trunk = endpoints.get(`${tech}/${resource.slice(at + 1)}`);
      if (!trunk) return { ok: false };
      const nb = numberBehaviors.find((n) => n.pattern.test(number));
      return { ok: true, behavior: nb?.behavior ?? trunk.behavior ?? { behavior: 'answer' }, number };
    }
    const ep = endpoints.get(`${tech}/${resource}`);
    if (!ep) return { ok: false };
    return { ok: true, behavior: ep.behavior ?? { behavior: 'answer' } };
  }

  function originate(p: OriginateParams): Snapshot {
    if (!p.endpoint) throw new AriError(400, 'Endpoint must be specified');
    if (!p.app && !p.extension) throw new AriError(400, 'Application or extension must be specified');
    const slash = p.endpoint.indexOf('/');
    if (slash <= 0) throw new AriError(400, 'Invalid endpoint specified');
    if (p.channelId && channels.has(p.channelId)) throw new AriError(409, 'Channel with given unique ID already exists');
    if (p.otherChannelId && channels.has(p.otherChannelId)) throw new AriError(409, 'Channel with given unique ID already exists');
    const tech = p.endpoint.slice(0, slash);
    const resource = p.endpoint.slice(slash + 1);
    const caller = parseCallerId(p.callerId);
    const timeoutMs = p.timeout === undefined ? 30_000 : p.timeout < 0 ? Infinity : p.timeout * 1000;
    const appArgs = p.appArgs ? p.appArgs.split(',') : [];
    const target = { app: p.app, appArgs, context: p.context, exten: p.extension, priority: p.priority };
    const subscribeApp = (c: Chan) => {
      if (p.app) subscribe(c.subs, p.app, 1);
    };
    if (tech.toLowerCase() === 'local') {
      const at = resource.indexOf('@');
      const exten = at < 0 ? resource : resource.slice(0, at);
      const context = at < 0 ? 'default' : resource.slice(at + 1);
      const n = (localSeq++).toString(16).padStart(8, '0');
      const base = `Local/${exten}@${context}-${n}`;
      const c1 = newChan({ id: p.channelId, name: `${base};1`, tech: 'Local', resource, state: 'Down', caller, context, exten, appName: 'AppDial2', appData: '(Outgoing Line)' });
      const c2 = newChan({ id: p.otherChannelId ?? `${c1.id};2`, name: `${base};2`, tech: 'Local', resource, state: 'Ring', caller, context, exten });
      c1.connected = { ...caller };
      c2.connected = { ...caller };
      c1.peer = c2;
      c2.peer = c1;
      c1.half = 1;
      c2.half = 2;
      c1.originate = target;
      for (const [k, v] of Object.entries(p.variables ?? {})) c1.vars.set(k, v);
      subscribeApp(c1);
      subscribeApp(c2);
      const snap = chanJson(c1);
      const h = clock.setTimer(0, () => {
        if (!c1.alive) return;
        if (!extensionExists(context, exten)) {
          c1.dying = c2.dying = true;
          destroy(c2, 0);
          destroy(c1, 0);
          return;
        }
        dial(c1, '', `${exten}@${context}`);
        if (Number.isFinite(timeoutMs)) {
          c1.originate!.timer = clock.setTimer(timeoutMs, () => {
            if (c1.alive && !c1.answered) hangupLocal1(c1, null, 19);
          });
        }
        runDialplan(c2, context, exten, 1);
      });
      c1.timers.push(h);
      return snap;
    }
    const b = behaviorFor(tech, resource);
    if (!b.ok) throw new AriError(500, 'Allocation failed', 'error');
    const n = (chanSeq++).toString(16).padStart(8, '0');
    const epName = resource.includes('@') ? resource.slice(resource.indexOf('@') + 1) : resource;
    const c = newChan({ id: p.channelId, name: `${tech}/${epName}-${n}`, tech, resource: epName, state: 'Down', caller, context: 'default', exten: 's', appName: 'AppDial2', appData: '(Outgoing Line)' });
    c.connected = b.number ? { name: '', number: b.number } : { name: '', number: resource };
    c.originate = target;
    c.farEnd = { transcript: [], behavior: b.behavior, timers: [] };
    for (const [k, v] of Object.entries(p.variables ?? {})) c.vars.set(k, v);
    subscribeApp(c);
    const snap = chanJson(c);
    later(c, 0, () => dialPhone(c, b.behavior, timeoutMs));
    return snap;
  }

  /** The PBX rings a simulated phone and it does what its behaviour says. */
  function dialPhone(c: Chan, beh: EndpointBehavior, timeoutMs: number): void {
    const ds = `${c.resource}`;
    dial(c, '', ds);
    const after = beh.afterMs ?? 0;
    const fail = (status: string, cause: number) => {
      dial(c, status, ds);
      hangup(c, null, cause);
    };
    if (beh.behavior === 'unreachable') return fail('CHANUNAVAIL', 3);
    if (beh.behavior !== 'congestion') {
      setState(c, 'Ringing');
      dial(c, 'RINGING', ds);
      note(c, { at: now(), kind: 'ringing' });
    }
    if (Number.isFinite(timeoutMs)) {
      c.originate!.timer = clock.setTimer(timeoutMs, () => {
        if (c.alive && !c.answered) {
          dial(c, 'NOANSWER', ds);
          hangup(c, null, 19);
        }
      });
    }
    if (beh.behavior === 'noanswer') return;
    later(c, after, () => {
      if (c.answered) return;
      switch (beh.behavior) {
        case 'busy':
          return fail('BUSY', 17);
        case 'reject':
          return fail('BUSY', 21);
        case 'congestion':
          return fail('CONGESTION', 34);
        case 'answer': {
          if (c.originate?.timer) clock.clearTimer(c.originate.timer);
          c.answered = true;
          setState(c, 'Up');
          note(c, { at: now(), kind: 'answered' });
          dial(c, 'ANSWER', ds);
          scheduleFarEndScript(c, beh);
          originateTarget(c);
        }
      }
    });
  }

  function scheduleFarEndScript(c: Chan, beh: CallerScript): void {
    if (beh.digits) {
      const gap = beh.digitGapMs ?? 300;
      const dur = beh.digitDurationMs ?? 100;
      let t = beh.digitsAfterMs ?? 1000;
      for (const d of beh.digits) {
        later(c, t, () => farEndDtmf(c, d, dur));
        t += gap + dur;
      }
    }
    if (beh.hangupAfterMs !== undefined) later(c, beh.hangupAfterMs, () => farEndHangup(c));
  }

  // ---------- far end (simulated callers and phones) ----------
  function farEndDtmf(c: Chan, digit: string, duration: number): void {
    note(c, { at: now(), kind: 'dtmf-sent', digit });
    receiveDtmf(c, digit, duration);
  }
  function farEndHangup(c: Chan): void {
    if (!c.alive || c.dying) return;
    c.hangupSide = 'far';
    note(c, { at: now(), kind: 'hangup', side: 'far', cause: c.answered ? 16 : 127 });
    if (c.answered) hangup(c, {}, 16, 'far');
    else hangup(c, { cause: 127, tech_cause: 487 }, 127, 'far');
  }

  /** An inbound call from the outside world (a SIP trunk or phone) into the dialplan. */
  function placeCall(p: { from: string; to: string; endpoint?: string; context?: string; callerName?: string; channelId?: string; language?: string; script?: CallerScript }): Chan {
    const ep = p.endpoint ?? 'PJSIP/trunk';
    const slash = ep.indexOf('/');
    const tech = slash > 0 ? ep.slice(0, slash) : 'PJSIP';
    const resource = slash > 0 ? ep.slice(slash + 1) : ep;
    const n = (chanSeq++).toString(16).padStart(8, '0');
    const context = p.context ?? defaultContext;
    const c = newChan({
      id: p.channelId, name: `${tech}/${resource}-${n}`, tech, resource, state: 'Ring', caller: { name: p.callerName ?? p.from, number: p.from },
      context, exten: p.to, language: p.language, protocolId: `${uniqueSeq}-${n}@127.0.0.1`,
    });
    c.farEnd = { transcript: [], timers: [], script: p.script };
    if (p.script?.cancelAfterMs !== undefined) later(c, p.script.cancelAfterMs, () => {
      if (!c.answered) farEndHangup(c);
    });
    later(c, 0, () => runDialplan(c, context, p.to, 1));
    return c;
  }
  let defaultContext = 'from-pstn';

  // ---------- playback ----------
  function startPlayback(p: Playback, done: () => void): () => void {
    let finished = false;
    const end = (state: 'done' | 'failed') => {
      if (finished) return;
      finished = true;
      if (p.timer) clock.clearTimer(p.timer);
      p.state = state;
      if (p.transcriptEntry) p.transcriptEntry.outcome = state === 'done' && p.remaining > 0 && now() - p.itemStarted < p.itemLength ? 'stopped' : state;
      playbacks.delete(p.id);
      emitPlayback(p, 'PlaybackFinished');
      done();
    };
    p.finish = () => end('done');
    const playItem = () => {
      const uri = p.media[p.idx]!;
      p.state = 'playing';
      emitPlayback(p, 'PlaybackStarted');
      const len = sounds.lengthOf(uri, p.language);
      p.itemStarted = now();
      if (p.channel) {
        p.transcriptEntry = { at: now(), kind: 'prompt', media: uri, playbackId: p.id, durationMs: 0, outcome: 'playing' };
        note(p.channel, p.transcriptEntry);
      } else if (p.bridge) {
        // Everyone in the bridge hears an announcement played to it.
        const len = sounds.lengthOf(uri, p.language);
        for (const o of p.bridge.channels) note(o, { at: now(), kind: 'prompt', media: uri, playbackId: p.id, durationMs: len.kind === 'ms' ? len.ms : 0, outcome: 'playing' });
      }
      if (len.kind === 'missing') return end('failed');
      if (len.kind === 'unsupported') {
        // Asterisk reports it started and never finishes it; the channel is not blocked.
        finished = true;
        done();
        return;
      }
      p.itemLength = len.kind === 'ms' ? len.ms : Infinity;
      p.remaining = p.idx === 0 ? Math.max(0, p.itemLength - p.offsetMs) : p.itemLength;
      arm();
    };
    const arm = () => {
      if (!Number.isFinite(p.remaining)) return;
      p.itemStarted = now() - (p.itemLength - p.remaining);
      p.timer = clock.setTimer(p.remaining, () => {
        p.timer = undefined;
        p.remaining = 0;
        // Played to the end: the far end heard the whole prompt (timer jitter is not media time).
        if (p.transcriptEntry) p.transcriptEntry.durationMs = p.itemLength;
        if (p.idx + 1 < p.media.length) {
          p.state = 'continuing';
          emitPlayback(p, 'PlaybackContinuing');
          p.idx++;
          playItem();
        } else end('done');
      });
    };
    (p as Playback & { arm?: () => void }).arm = arm;
    playItem();
    return () => {
      if (p.transcriptEntry) p.transcriptEntry.durationMs = now() - p.transcriptEntry.at;
      end('failed');
    };
  }
  function emitPlayback(p: Playback, type: string): void {
    const rec = p.channel ? chanRecipients(p.channel) : p.bridge ? bridgeRecipients(p.bridge) : new Set<string>();
    deliver(rec, { type, timestamp: ts(), playback: playbackJson(p) });
  }

  function play(target: { channel?: Chan; bridge?: Bridge }, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs = 0, skipMs = 3000): Snapshot {
    if (offsetMs < 0) throw new AriError(400, 'offsetms cannot be negative');
    if (skipMs < 0) throw new AriError(400, 'skipms cannot be negative');
    if (media.length === 0 || media.some((m) => m === '')) throw new AriError(500, 'Failed to queue media for playback');
    const id = playbackId ?? uuid();
    if (playbacks.has(id)) throw new AriError(409, 'Playback with given id already exists');
    const p: Playback = {
      id, media, idx: 0, language: lang ?? target.channel?.language ?? 'en', targetUri: target.channel ? `channel:${target.channel.id}` : `bridge:${target.bridge!.id}`,
      channel: target.channel, bridge: target.bridge, state: 'queued', itemStarted: 0, itemLength: 0, remaining: 0, offsetMs, skipMs,
    };
    playbacks.set(id, p);
    const snap = playbackJson(p);
    if (target.channel) {
      const c = target.channel;
      enqueue(c, {
        run(done) {
          if (!playbacks.has(p.id)) {
            done();
            return;
          }
          c.playback = p;
          const abort = startPlayback(p, () => {
            if (c.playback === p) c.playback = undefined;
            done();
          });
          return abort;
        },
        dead() {
          // Queued behind a playback when the channel died: it starts and fails at once.
          p.state = 'playing';
          emitPlayback(p, 'PlaybackStarted');
          p.state = 'failed';
          playbacks.delete(p.id);
          emitPlayback(p, 'PlaybackFinished');
        },
      });
    } else {
      startPlayback(p, () => undefined);
    }
    return snap;
  }

  function controlPlayback(id: string, op: string): void {
    const p = playbacks.get(id);
    if (!p) throw new AriError(404, 'Playback not found');
    const valid = ['restart', 'pause', 'unpause', 'reverse', 'forward'];
    if (!valid.includes(op)) throw new AriError(400, `Invalid operation ${op}`);
    if (p.state === 'queued') throw new AriError(409, 'Playback not playing');
    const arm = (p as Playback & { arm?: () => void }).arm;
    const elapsed = () => now() - p.itemStarted;
    switch (op) {
      case 'pause':
        if (p.state !== 'playing') return;
        if (p.timer) clock.clearTimer(p.timer);
        p.timer = undefined;
        p.remaining = Math.max(0, p.itemLength - elapsed());
        p.state = 'paused';
        return;
      case 'unpause':
        if (p.state !== 'paused') return;
        p.state = 'playing';
        emitPlayback(p, 'PlaybackStarted');
        arm?.();
        return;
      case 'restart':
      case 'forward':
      case 'reverse': {
        const pos = p.state === 'paused' ? p.itemLength - p.remaining : elapsed();
        const nextPos = op === 'restart' ? 0 : op === 'forward' ? Math.min(p.itemLength, pos + p.skipMs) : Math.max(0, pos - p.skipMs);
        p.remaining = p.itemLength - nextPos;
        if (p.state === 'playing') {
          if (p.timer) clock.clearTimer(p.timer);
          arm?.();
        }
      }
    }
  }
  function stopPlayback(id: string): void {
    const p = playbacks.get(id);
    if (!p) throw new AriError(404, 'Playback not found');
    if (p.state === 'queued') {
      playbacks.delete(id);
      return;
    }
    p.finish?.();
  }

  // ---------- recording ----------
  function storedPath(name: string, format?: string): string | undefined {
    if (format) return join(opts.recordingsDir, `${name}.${format}`);
    for (const f of safeList()) if (f.name === name) return join(opts.recordingsDir, `${f.name}.${f.format}`);
    return undefined;
  }
  function safeList(): { name: string; format: string }[] {
    try {
      return readdirSync(opts.recordingsDir)
        .filter((f) => f.includes('.'))
        .map((f) => ({ name: f.slice(0, f.lastIndexOf('.')), format: f.slice(f.lastIndexOf('.') + 1) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return [];
    }
  }
  function validRecordingName(name: string): boolean {
    return !name.includes('..') && !name.startsWith('/') && !name.includes('\\');
  }

  type RecordQuery = { name?: string; format?: string; maxDurationSeconds?: number; maxSilenceSeconds?: number; ifExists?: string; beep?: boolean; terminateOn?: string };
  /** Records a channel (queued behind its running command) or a bridge's mix (at once). */
  function record(target: { channel?: Chan; bridge?: Bridge }, q: RecordQuery): Snapshot {
    if (!q.name) throw new AriError(500, 'Error parsing request');
    if (!validRecordingName(q.name)) throw new AriError(400, 'Invalid recording name');
    if (!q.format || !RECORDING_FORMATS.has(q.format)) throw new AriError(422, 'specified format is unknown on this system');
    const ifExists = q.ifExists ?? 'fail';
    if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw new AriError(400, `ifExists invalid: ${ifExists}`);
    const terminateOn = q.terminateOn ?? 'none';
    if (!/^(none|any|[0-9*#]+)$/.test(terminateOn)) throw new AriError(400, `terminateOn invalid: ${terminateOn}`);
    if (liveRecordings.has(q.name)) throw new AriError(409, `Recording '${q.name}' already exists and can not be overwritten`);
    if (ifExists === 'fail' && storedPath(q.name)) throw new AriError(409, `Recording '${q.name}' already exists and can not be overwritten`);
    const c = target.channel;
    const b = target.bridge;
    const recipients = () => (c ? chanRecipients(c) : b ? bridgeRecipients(b) : new Set<string>());
    const r: LiveRecording = {
      name: q.name, format: q.format, targetUri: c ? `channel:${c.id}` : `bridge:${b!.id}`, channel: c, bridge: b, state: 'queued', startedAt: 0, pausedTotal: 0,
      terminateOn: terminateOn === 'none' ? '' : terminateOn, muted: false,
    };
    liveRecordings.set(r.name, r);
    const snap = recordingJson(r);
    const maxMs = q.maxDurationSeconds && q.maxDurationSeconds > 0 ? q.maxDurationSeconds * 1000 : Infinity;
    const silenceMs = q.maxSilenceSeconds && q.maxSilenceSeconds > 0 ? q.maxSilenceSeconds * 1000 : Infinity;
    const priorMs = ifExists === 'append' ? (storedDurationMs(r.name) ?? 0) : 0;
    const start = (done: () => void): (() => void) => {
      let over = false;
      let silenceTimer: TimerHandle | undefined;
      let trimMs = 0;
      const finish = (how: 'done' | 'canceled') => {
        if (over) return;
        over = true;
        if (r.maxTimer) clock.clearTimer(r.maxTimer);
        clock.clearTimer(silenceTimer);
        const paused = r.pausedTotal + (r.pausedAt !== undefined ? now() - r.pausedAt : 0);
        // Silence that ended the recording is trimmed from it, as Asterisk does.
        const ms = Math.max(0, now() - r.startedAt - paused - trimMs);
        r.state = how === 'canceled' ? 'canceled' : 'done';
        liveRecordings.delete(r.name);
        if (c?.recording === r) c.recording = undefined;
        if (b) bridgeRecordings.delete(r);
        // Cancel discards the file; stop keeps it (append adds to what was there).
        if (how === 'done') writeRecording(r.name, r.format, priorMs + ms);
        if (c) note(c, { at: now(), kind: 'recorded', name: r.name });
        deliver(recipients(), { type: 'RecordingFinished', timestamp: ts(), recording: recordingJson(r, Math.floor(ms / 1000)) });
        done();
      };
      r.finish = finish;
      r.state = 'recording';
      r.startedAt = now() + (q.beep ? 300 : 0);
      if (c) c.recording = r;
      if (b) bridgeRecordings.add(r);
      deliver(recipients(), { type: 'RecordingStarted', timestamp: ts(), recording: recordingJson(r) });
      if (Number.isFinite(maxMs)) r.maxTimer = clock.setTimer(maxMs + (q.beep ? 300 : 0), () => finish('done'));
      if (c && Number.isFinite(silenceMs)) {
        // maxSilenceSeconds: the far end is silent unless it speaks (control speak) or, for a
        // Local half, its peer is playing something.
        let lastSound = r.startedAt;
        const check = () => {
          const t = now();
          const until = c.farEnd?.speakingUntil ?? 0;
          if (until > lastSound) lastSound = Math.min(t, until);
          if (c.peer?.playback?.state === 'playing' || until > t) lastSound = t;
          if (r.state === 'recording' && t - lastSound >= silenceMs) {
            trimMs = silenceMs;
            finish('done');
            return;
          }
          silenceTimer = clock.setTimer(Math.max(1, lastSound + silenceMs - t), check);
        };
        silenceTimer = clock.setTimer(silenceMs + (q.beep ? 300 : 0), check);
      }
      return () => finish('done');
    };
    if (c) {
      enqueue(c, {
        run: start,
        dead() {
          liveRecordings.delete(r.name);
          r.state = 'failed';
          deliver(recipients(), { type: 'RecordingFailed', timestamp: ts(), recording: { ...recordingJson(r), cause: 'Channel hung up' } });
        },
      });
    } else start(() => undefined);
    return snap;
  }
  const bridgeRecordings = new Set<LiveRecording>();
  function storedDurationMs(name: string): number | undefined {
    const f = safeList().find((x) => x.name === name);
    if (!f) return undefined;
    const path = join(opts.recordingsDir, `${f.name}.${f.format}`);
    try {
      if (f.format.startsWith('wav')) return wavDurationMs(readFileSync(path));
      return Math.round(statSync(path).size / 8);
    } catch {
      return undefined;
    }
  }
  function writeRecording(name: string, format: string, ms: number): void {
    for (const f of safeList()) if (f.name === name) rmSync(join(opts.recordingsDir, `${f.name}.${f.format}`), { force: true });
    const path = join(opts.recordingsDir, `${name}.${format}`);
    mkdirSync(join(path, '..'), { recursive: true });
    if (format === 'wav' || format === 'wav16') writeFileSync(path, silentWav(ms));
    else writeFileSync(path, Buffer.alloc(Math.round(ms * 8), format === 'ulaw' ? 0xff : format === 'alaw' ? 0xd5 : 0));
  }
  function liveRecording(name: string): LiveRecording {
    const r = liveRecordings.get(name);
    if (!r) throw new AriError(404, 'Recording not found');
    return r;
  }

  // ---------- bridges ----------
  function createBridge(p: { bridgeId?: string; type?: string; name?: string }): Snapshot {
    const types = (p.type ?? 'mixing').split(',').map((s) => s.trim());
    const known = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];
    if (types.some((t) => !known.includes(t))) throw new AriError(500, "Unable to create bridge. Possible duplicate bridge id '(null)'");
    if (p.bridgeId && bridges.has(p.bridgeId)) {
      const b = bridges.get(p.bridgeId)!;
      return bridgeJson(b);
    }
    const b: Bridge = {
      id: p.bridgeId ?? uuid(), type: types.includes('holding') ? 'holding' : 'mixing', name: p.name ?? '', channels: [], creationtime: ts(), subs: new Map(),
      moh: undefined, alive: true,
    };
    bridges.set(b.id, b);
    deliver(allApps(new Set()), { type: 'BridgeCreated', timestamp: ts(), bridge: bridgeJson(b) });
    return bridgeJson(b);
  }
  function getBridge(id: string): Bridge {
    const b = bridges.get(id);
    if (!b) throw new AriError(404, 'Bridge not found');
    return b;
  }
  // Bridge membership events reach the apps subscribed to the bridge (the app whose channel
  // joined subscribes), not other subscribers of the channel: traced with an originator app.
  function bridgeEnter(c: Chan, b: Bridge): void {
    let at = b.channels.length;
    if (c.bridge === b) at = b.channels.indexOf(c);
    if (c.bridge) bridgeLeave(c, c.bridge === b ? 'readd' : 'remove');
    c.bridge = b;
    b.channels.splice(Math.min(at, b.channels.length), 0, c);
    if (c.stasisApp) subscribe(b.subs, c.stasisApp, 1);
    deliver(bridgeRecipients(b), { type: 'ChannelEnteredBridge', timestamp: ts(), bridge: bridgeJson(b), channel: chanJson(c) });
    for (const o of b.channels) {
      if (o.farEnd) note(o, { at: now(), kind: 'bridged', bridgeId: b.id, with: b.channels.filter((x) => x !== o).map((x) => x.id) });
    }
  }
  /** reason 'hangup' keeps the app's bridge subscription (Asterisk does not drop it), as traced. */
  function bridgeLeave(c: Chan, reason: 'remove' | 'hangup' | 'destroy' | 'readd'): void {
    const b = c.bridge;
    if (!b) return;
    b.channels = b.channels.filter((x) => x !== c);
    c.bridge = undefined;
    deliver(bridgeRecipients(b), { type: 'ChannelLeftBridge', timestamp: ts(), bridge: bridgeJson(b), channel: chanJson(c) });
    if (reason !== 'hangup' && c.stasisApp) subscribe(b.subs, c.stasisApp, -1);
    note(c, { at: now(), kind: 'unbridged', bridgeId: b.id });
  }
  function destroyBridge(b: Bridge): void {
    for (const r of [...bridgeRecordings]) if (r.bridge === b) r.finish?.('done');
    for (const c of [...b.channels]) bridgeLeave(c, 'destroy');
    b.alive = false;
    bridges.delete(b.id);
    deliver(bridgeRecipients(b), { type: 'BridgeDestroyed', timestamp: ts(), bridge: bridgeJson(b) });
  }

  // ---------- channel lookup ----------
  function getChan(id: string): Chan {
    const c = channels.get(id);
    if (!c || !c.alive) throw new AriError(404, 'Channel not found');
    return c;
  }
  function inStasis(id: string, status = 409): Chan {
    const c = getChan(id);
    if (!c.stasisApp) throw new AriError(status, 'Channel not in Stasis application');
    return c;
  }

  function view(c: Chan): SimChannelView {
    return {
      id: c.id, name: c.name, state: c.state, alive: c.alive, stasisApp: c.stasisApp, bridgeId: c.bridge?.id, caller: { ...c.caller },
      hangupCause: c.alive ? undefined : c.hangupCause, hangupSide: c.alive ? undefined : c.hangupSide, transcript: [...(c.farEnd?.transcript ?? [])],
    };
  }

  // ---------- applications / websockets ----------
  function ensureApp(name: string): SimApp {
    let a = apps.get(name);
    if (!a) {
      a = { name, sink: undefined, subscribeAll: false, sent: 0, endpoints: new Map(), devices: new Map() };
      apps.set(name, a);
    }
    return a;
  }
  function connect(names: string[], subscribeAll: boolean, sink: EventSink): () => void {
    const mine: SimApp[] = [];
    for (const n of names) {
      const a = ensureApp(n);
      if (a.sink && a.sink !== sink) {
        // A second socket for the same app replaces the first, which hears no more.
        a.sink.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: ts(), application: n, asterisk_id: asteriskId }));
      }
      a.sink = sink;
      a.subscribeAll = subscribeAll;
      mine.push(a);
    }
    return () => {
      for (const a of mine) if (a.sink === sink) a.sink = undefined;
    };
  }

  function subscription(appName: string, sources: string[], add: boolean): Snapshot {
    const a = apps.get(appName);
    if (!a) throw new AriError(404, 'Application not found');
    const actions: (() => void)[] = [];
    for (const src of sources) {
      const colon = src.indexOf(':');
      const scheme = colon < 0 ? src : src.slice(0, colon);
      const id = colon < 0 ? '' : src.slice(colon + 1);
      switch (scheme) {
        case 'channel': {
          const c = channels.get(id);
          if (!c) throw new AriError(422, 'Event source does not exist');
          actions.push(() => subscribe(c.subs, appName, add ? 1 : -(c.subs.get(appName) ?? 0)));
          break;
        }
        case 'bridge': {
          const b = bridges.get(id);
          if (!b) throw new AriError(422, 'Event source does not exist');
          actions.push(() => subscribe(b.subs, appName, add ? 1 : -(b.subs.get(appName) ?? 0)));
          break;
        }
        case 'endpoint': {
          if (id !== 'PJSIP' && id !== 'Local' && !endpoints.has(id)) throw new AriError(422, 'Event source does not exist');
          actions.push(() => subscribe(a.endpoints, id, add ? 1 : -(a.endpoints.get(id) ?? 0)));
          break;
        }
        case 'deviceState':
          actions.push(() => subscribe(a.devices, id, add ? 1 : -(a.devices.get(id) ?? 0)));
          break;
        default:
          throw new AriError(400, 'Invalid event source URI scheme');
      }
    }
    for (const f of actions) f();
    return appJson(a);
  }

  // ---------- the operations the REST layer and the control API call ----------
  return {
    clock,
    setDialplan(d: Dialplan) {
      dialplan = d;
    },
    getDialplan: () => dialplan,
    setDefaultContext(ctx: string) {
      defaultContext = ctx;
    },
    connect,
    isAppActive: (name: string) => apps.get(name)?.sink !== undefined,
    eventsSent: (app?: string) => (app ? (apps.get(app)?.sent ?? 0) : eventsTotal),
    channelCount: () => channels.size,
    /** REST requests waiting behind a channel's running command (e.g. answer during a playback). */
    blockedRequests: () => blocked,

    asteriskInfo(): Snapshot {
      return {
        build: { os: 'Linux', kernel: 'centralita-sim', machine: process.arch, options: 'OPTIONAL_API', date: ariTime(startupTime), user: 'centralita' },
        system: { version: '22.10.1', entity_id: asteriskId },
        config: { name: 'centralita-sim', default_language: 'en', setid: { user: '', group: '' } },
        status: { startup_time: ariTime(startupTime), last_reload_time: ariTime(startupTime) },
      };
    },
    ping: () => ({ ping: 'pong', timestamp: ts(), asterisk_id: asteriskId }),

    // applications
    listApps: () => [...apps.values()].map(appJson),
    getApp(name: string) {
      const a = apps.get(name);
      if (!a) throw new AriError(404, 'Application not found');
      return appJson(a);
    },
    subscribe: (app: string, sources: string[]) => subscription(app, sources, true),
    unsubscribe: (app: string, sources: string[]) => subscription(app, sources, false),

    // channels
    listChannels: () => [...channels.values()].filter((c) => c.alive).map(chanJson),
    getChannel: (id: string) => chanJson(getChan(id)),
    originate,
    /** POST /channels/create: the channel exists and sits in Stasis (Down) until /dial. */
    createChannel(p: { endpoint?: string; app?: string; appArgs?: string; channelId?: string; otherChannelId?: string; originator?: string }) {
      if (!p.endpoint) throw new AriError(400, 'Endpoint must be specified');
      if (!p.app) throw new AriError(400, 'Application must be specified');
      const slash = p.endpoint.indexOf('/');
      if (slash <= 0) throw new AriError(400, 'Invalid endpoint specified');
      if (p.channelId && channels.has(p.channelId)) throw new AriError(409, 'Channel with given unique ID already exists');
      if (!apps.get(p.app)?.sink) throw new AriError(400, `Stasis app '${p.app}' is not registered`);
      const tech = p.endpoint.slice(0, slash);
      const resource = p.endpoint.slice(slash + 1);
      const args = p.appArgs ? p.appArgs.split(',') : [];
      let c: Chan;
      if (tech.toLowerCase() === 'local') {
        const at = resource.indexOf('@');
        const exten = at < 0 ? resource : resource.slice(0, at);
        const context = at < 0 ? 'default' : resource.slice(at + 1);
        const base = `Local/${exten}@${context}-${(localSeq++).toString(16).padStart(8, '0')}`;
        c = newChan({ id: p.channelId, name: `${base};1`, tech: 'Local', resource, state: 'Down', context, exten });
        const c2 = newChan({ id: p.otherChannelId ?? `${c.id};2`, name: `${base};2`, tech: 'Local', resource, state: 'Down', context, exten });
        c.peer = c2;
        c2.peer = c;
        c.half = 1;
        c2.half = 2;
        subscribe(c2.subs, p.app, 1);
      } else {
        const b = behaviorFor(tech, resource);
        if (!b.ok) throw new AriError(500, 'Allocation failed', 'error');
        const epName = resource.includes('@') ? resource.slice(resource.indexOf('@') + 1) : resource;
        c = newChan({ id: p.channelId, name: `${tech}/${epName}-${(chanSeq++).toString(16).padStart(8, '0')}`, tech, resource: epName, state: 'Down', context: 'default', exten: 's' });
        c.connected = { name: '', number: b.number ?? resource };
        c.farEnd = { transcript: [], behavior: b.behavior, timers: [] };
      }
      subscribe(c.subs, p.app, 1);
      const snap = chanJson(c);
      enterStasis(c, p.app, args, false);
      return snap;
    },
    /** POST /channels/{id}/dial: rings a created channel's endpoint. */
    dial(id: string, timeout: number | undefined) {
      const c = inStasis(id);
      if (c.answered || c.state !== 'Down' || c.originate) throw new AriError(409, 'Channel is not in the Down state');
      const timeoutMs = timeout === undefined || timeout <= 0 ? Infinity : timeout * 1000;
      c.originate = { appArgs: [] };
      if (c.tech === 'Local' && c.peer) {
        const c2 = c.peer;
        c2.state = 'Ring';
        const { context, exten } = c2.dialplan;
        if (!extensionExists(context, exten)) {
          hangupLocal2(c2, null, 0);
          return;
        }
        dial(c, '', `${exten}@${context}`);
        if (Number.isFinite(timeoutMs)) c.originate.timer = clock.setTimer(timeoutMs, () => {
          if (c.alive && !c.answered) hangupLocal1(c, null, 19);
        });
        runDialplan(c2, context, exten, 1);
        return;
      }
      const beh = c.farEnd?.behavior ?? { behavior: 'answer' as const };
      dialPhone(c, beh, timeoutMs);
    },
    /** POST /channels/{id}/move: to another Stasis app (ApplicationMoveFailed if it is not there). */
    move(id: string, app: string | undefined, appArgs: string | undefined) {
      const c = inStasis(id);
      if (!app) throw new AriError(400, 'Required parameter app not provided');
      const args = appArgs ? appArgs.split(',') : [];
      if (!apps.get(app)?.sink) {
        deliver(new Set([c.stasisApp!]), { type: 'ApplicationMoveFailed', timestamp: ts(), destination: app, args, channel: chanJson(c) });
        return;
      }
      leaveStasis(c);
      enterStasis(c, app, args, c.stasisFromDialplan);
    },
    /** POST /events/user/{eventName}: a user event to one app, optionally about sources. */
    userEvent(eventName: string, application: string | undefined, sources: string[], variables: Record<string, string> | undefined) {
      if (!application) throw new AriError(400, 'Missing parameter application');
      if (!apps.has(application)) throw new AriError(404, 'Application not found');
      const ev: Snapshot = { type: 'ChannelUserevent', timestamp: ts(), eventname: eventName, userevent: variables ?? {} };
      for (const src of sources) {
        const [scheme, ...rest] = src.split(':');
        const sid = rest.join(':');
        if (scheme === 'channel') {
          const c = channels.get(sid);
          if (!c) throw new AriError(422, 'Event source not found');
          ev.channel = chanJson(c);
        } else if (scheme === 'bridge') {
          const b = bridges.get(sid);
          if (!b) throw new AriError(422, 'Event source not found');
          ev.bridge = bridgeJson(b);
        } else if (scheme === 'endpoint' || scheme === 'deviceState') {
          continue;
        } else throw new AriError(400, 'Invalid event source URI scheme');
      }
      deliver(new Set([application]), ev);
    },
    hangup(id: string, reason: string | undefined, reasonCode: number | undefined) {
      const c = getChan(id);
      let cause = 16;
      if (reasonCode !== undefined) cause = reasonCode;
      else if (reason !== undefined) {
        const mapped = HANGUP_REASONS[reason];
        if (mapped === undefined) throw new AriError(400, `Invalid reason ${reason}`);
        cause = mapped;
      }
      if (c.dying) {
        // Already on its way out (a Local half noticing its peer left): the request is
        // still announced, the pending teardown finishes the channel.
        chanEvent(c, 'ChannelHangupRequest', { cause: 32, soft: true });
        return;
      }
      if (c.tech === 'Local' && c.half === 2) c.hangupCause = cause;
      hangup(c, { cause: 32, soft: true }, cause);
    },
    answer(id: string) {
      const c = inStasis(id);
      return enqueueSync(c, () => answer(c));
    },
    ring(id: string) {
      const c = inStasis(id);
      return enqueueSync(c, () => indicateRinging(c));
    },
    ringStop(id: string) {
      const c = inStasis(id);
      return enqueueSync(c, () => undefined);
    },
    continueInDialplan(id: string, p: { context?: string; extension?: string; priority?: number; label?: string }) {
      const c = inStasis(id);
      return enqueueSync(c, () => {
        const context = p.context ?? c.dialplan.context;
        const exten = p.extension ?? c.dialplan.exten;
        const priority = p.priority ?? (p.context || p.extension ? 1 : c.dialplan.priority + 1);
        if (c.bridge) bridgeLeave(c, 'remove');
        leaveStasis(c);
        setVar(c, 'STASISSTATUS', 'SUCCESS', false);
        if (!extensionExists(context, exten)) {
          failDialplan(c);
          return;
        }
        runDialplan(c, context, exten, priority);
      });
    },
    redirect(id: string, endpoint: string | undefined) {
      const c = inStasis(id);
      if (!endpoint) throw new AriError(400, 'Required parameter endpoint not provided');
      const slash = endpoint.indexOf('/');
      const tech = slash < 0 ? endpoint : endpoint.slice(0, slash);
      if (tech.toLowerCase() !== c.tech.toLowerCase()) throw new AriError(422, `Endpoint technology '${tech}' does not match channel technology '${c.tech}'`);
      if (slash < 0 || slash === endpoint.length - 1) throw new AriError(400, 'Invalid endpoint specified');
      if (c.tech !== 'PJSIP') throw new AriError(422, `Channel technology '${c.tech}' does not support redirect`);
      // A 302 to the caller: it calls the new target itself, our leg ends normally.
      return enqueueSync(c, () => {
        note(c, { at: now(), kind: 'redirected', to: endpoint.slice(slash + 1) });
        hangup(c, { cause: 16 }, 16);
      });
    },
    dtmf(id: string, p: { dtmf?: string; before?: number; between?: number; duration?: number; after?: number }) {
      const c = inStasis(id);
      if (!p.dtmf) throw new AriError(400, 'DTMF is required');
      const digits = [...p.dtmf].filter((d) => /[0-9A-D*#]/i.test(d));
      const before = p.before ?? 0;
      const between = p.between ?? 100;
      const duration = p.duration ?? 100;
      enqueue(c, {
        run(done) {
          // Timing measured on Asterisk: first digit lands before+100+duration ms after the
          // request, then one every duration+between; the channel is busy until the last gap.
          let t = before + 100;
          for (const d of digits) {
            const at = t + duration;
            later(c, at, () => {
              if (c.farEnd) note(c, { at: now(), kind: 'dtmf-heard', digit: d });
              if (c.tech === 'Local') dtmfFrom(c, d, duration);
            });
            t += duration + between;
          }
          later(c, digits.length === 0 ? 0 : t, done);
        },
      });
    },
    play(id: string, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs?: number, skipMs?: number) {
      const c = inStasis(id);
      return play({ channel: c }, media, playbackId, lang, offsetMs, skipMs);
    },
    record(id: string, q: RecordQuery) {
      const c = inStasis(id);
      return record({ channel: c }, q);
    },
    getVar(id: string, name: string | undefined) {
      const c = channels.get(id);
      if (!name) throw new AriError(400, 'Variable name is required');
      if (!c || !c.alive) throw new AriError(404, 'Provided channel was not found');
      if (name === 'CHANNEL(pjsip,remote_addr)' && c.tech === 'PJSIP') return { value: '127.0.0.1:5061' };
      if (name === 'CHANNEL(name)') return { value: c.name };
      if (name === 'CALLERID(num)') return { value: c.caller.number };
      if (name === 'CALLERID(name)') return { value: c.caller.name };
      const v = c.vars.get(name);
      if (v === undefined) throw new AriError(404, 'Provided variable was not found');
      return { value: v };
    },
    setVar(id: string, name: string | undefined, value: string | undefined) {
      if (!name) throw new AriError(400, 'Variable name is required');
      const c = getChan(id);
      setVar(c, name, value ?? '');
    },
    moh(id: string, on: boolean, mohClass: string | undefined) {
      const c = inStasis(id);
      enqueue(c, {
        run(done) {
          if (on && mohClass !== undefined && mohClass !== 'default' && mohClass !== 'lab') warn(`MOH class '${mohClass}' not found`);
          c.moh = on ? (mohClass ?? 'default') : undefined;
          note(c, { at: now(), kind: 'moh', on, ...(on ? { mohClass: c.moh } : {}) });
          done();
        },
      });
    },
    hold(id: string, on: boolean) {
      const c = inStasis(id);
      enqueue(c, {
        run(done) {
          note(c, { at: now(), kind: 'hold', on });
          done();
        },
      });
    },
    simpleOp(id: string) {
      const c = inStasis(id);
      enqueue(c, { run: (done) => done() });
    },
    snoop(id: string, p: { spy?: string; whisper?: string; app?: string; appArgs?: string; snoopId?: string }) {
      const target = getChan(id);
      if (!p.app) throw new AriError(400, 'Required parameter app not provided');
      const dirs = ['none', 'both', 'out', 'in'];
      if ((p.spy && !dirs.includes(p.spy)) || (p.whisper && !dirs.includes(p.whisper))) throw new AriError(400, 'Invalid direction specified');
      if (p.snoopId && channels.has(p.snoopId)) throw new AriError(409, 'Channel with given unique ID already exists');
      snoopSeq++;
      const s = newChan({ id: p.snoopId, name: `Snoop/${target.id}-${snoopSeq.toString(16).padStart(8, '0')}`, tech: 'Snoop', resource: target.id, state: 'Up', context: 'default', exten: 's' });
      s.answered = true;
      s.snoopOf = target;
      target.snoops.push(s);
      const snap = chanJson(s);
      if (!enterStasis(s, p.app, p.appArgs ? p.appArgs.split(',') : [], false)) {
        destroy(s, 16);
        throw new AriError(500, 'Snoop channel could not be created');
      }
      return snap;
    },

    // bridges
    listBridges: () => [...bridges.values()].map(bridgeJson),
    createBridge,
    getBridge: (id: string) => bridgeJson(getBridge(id)),
    destroyBridge(id: string) {
      destroyBridge(getBridge(id));
    },
    async addChannel(bridgeId: string, ids: string[]) {
      const b = getBridge(bridgeId);
      const chans = ids.map((cid) => {
        const c = channels.get(cid);
        if (!c?.alive) throw new AriError(400, 'Channel not found');
        return c;
      });
      for (const c of chans) if (!c.stasisApp) throw new AriError(422, 'Channel not in Stasis application');
      await Promise.all(chans.map((c) => enqueueSync(c, () => {
        if (b.alive && c.stasisApp) bridgeEnter(c, b);
      })));
    },
    async removeChannel(bridgeId: string, ids: string[]) {
      const b = getBridge(bridgeId);
      const chans = ids.map((cid) => {
        const c = channels.get(cid);
        if (!c?.alive) throw new AriError(400, 'Channel not found');
        return c;
      });
      for (const c of chans) if (c.bridge !== b) throw new AriError(422, 'Channel not in this bridge');
      for (const c of chans) bridgeLeave(c, 'remove');
    },
    bridgePlay(id: string, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs?: number, skipMs?: number) {
      return play({ bridge: getBridge(id) }, media, playbackId, lang, offsetMs, skipMs);
    },
    bridgeMoh(id: string, on: boolean, mohClass: string | undefined) {
      const b = getBridge(id);
      if (!on && b.moh === undefined) throw new AriError(409, "Bridge isn't playing music");
      b.moh = on ? (mohClass ?? 'default') : undefined;
      for (const c of b.channels) note(c, { at: now(), kind: 'moh', on, ...(on ? { mohClass: b.moh } : {}) });
    },
    bridgeRecord(id: string, q: RecordQuery) {
      return record({ bridge: getBridge(id) }, q);
    },

    // playbacks
    getPlayback(id: string) {
      const p = playbacks.get(id);
      if (!p) throw new AriError(404, 'Playback not found');
      return playbackJson(p);
    },
    stopPlayback,
    controlPlayback,

    // recordings
    getLiveRecording: (name: string) => recordingJson(liveRecording(name)),
    stopRecording(name: string) {
      liveRecording(name).finish?.('done');
    },
    cancelRecording(name: string) {
      liveRecording(name).finish?.('canceled');
    },
    pauseRecording(name: string, on: boolean) {
      const r = liveRecording(name);
      if (on && r.pausedAt === undefined) {
        r.pausedAt = now();
        r.state = 'paused';
      } else if (!on && r.pausedAt !== undefined) {
        r.pausedTotal += now() - r.pausedAt;
        r.pausedAt = undefined;
        r.state = 'recording';
      }
    },
    muteRecording(name: string, on: boolean) {
      liveRecording(name).muted = on;
    },
    listStored: () => safeList(),
    getStored(name: string) {
      const f = safeList().find((x) => x.name === name);
      if (!f) throw new AriError(404, 'Recording not found');
      return f;
    },
    storedFile(name: string): { data: Buffer; contentType: string } {
      const f = safeList().find((x) => x.name === name);
      if (!f) throw new AriError(404, 'Recording not found');
      const data = readFileSync(join(opts.recordingsDir, `${f.name}.${f.format}`));
      return { data, contentType: f.format.startsWith('wav') ? 'audio/wav' : 'application/octet-stream' };
    },
    deleteStored(name: string) {
      const f = safeList().find((x) => x.name === name);
      if (!f) throw new AriError(404, 'Recording not found');
      rmSync(join(opts.recordingsDir, `${f.name}.${f.format}`), { force: true });
    },
    copyStored(name: string, dest: string | undefined) {
      if (!dest) throw new AriError(400, 'Required parameter destinationRecordingName not provided');
      const f = safeList().find((x) => x.name === name);
      if (!f) throw new AriError(404, 'Recording not found');
      if (!validRecordingName(dest)) throw new AriError(400, 'Invalid destination recording name');
      if (safeList().some((x) => x.name === dest)) throw new AriError(409, 'A recording with the same name already exists on the system');
      copyFileSync(join(opts.recordingsDir, `${f.name}.${f.format}`), join(opts.recordingsDir, `${dest}.${f.format}`));
      return { name: dest, format: f.format };
    },
    storedDurationMs,

    // endpoints / device states
    listEndpoints(tech?: string) {
      const list = [...endpoints.values()].filter((e) => !tech || e.technology === tech);
      if (tech && list.length === 0 && tech !== 'PJSIP') throw new AriError(404, 'No Endpoints found - invalid tech ' + tech);
      return list.map(endpointJson);
    },
    getEndpoint(tech: string, resource: string) {
      const e = endpoints.get(`${tech}/${resource}`);
      if (!e) throw new AriError(404, 'Endpoint not found');
      return endpointJson(e);
    },
    listDeviceStates: () => [...deviceStates.entries()].map(([name, state]) => ({ name, state })),
    getDeviceState(name: string) {
      const s = deviceStates.get(name);
      return { name, state: s ?? 'UNKNOWN' };
    },
    setDeviceState(name: string, state: string | undefined) {
      if (!name.startsWith('Stasis:')) throw new AriError(409, 'Uncontrolled device specified');
      const valid = ['NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD', 'UNKNOWN'];
      if (!state || !valid.includes(state)) throw new AriError(400, 'Invalid device state');
      deviceStates.set(name, state);
      const rec = allApps(new Set<string>());
      for (const a of apps.values()) if (a.devices.has(name)) rec.add(a.name);
      deliver(rec, { type: 'DeviceStateChanged', timestamp: ts(), device_state: { name, state } });
    },
    deleteDeviceState(name: string) {
      if (!name.startsWith('Stasis:')) throw new AriError(409, 'Uncontrolled device specified');
      if (!deviceStates.delete(name)) throw new AriError(404, 'Device name is missing');
    },
    listSounds: () => sounds.list(),
    getSound(id: string) {
      const s = sounds.list().find((x) => x.id === id);
      if (!s) throw new AriError(404, 'Sound not found');
      return s;
    },
    setGlobalVar(name: string | undefined, value: string | undefined) {
      if (!name) throw new AriError(400, 'Variable name is required');
      globals.set(name, value ?? '');
    },
    globalVar(name: string | undefined) {
      if (!name) throw new AriError(400, 'Variable name is required');
      // Functions such as ASTERISK_VERSION are not global variables: Asterisk answers "".
      return { value: globals.get(name) ?? '' };
    },

    // ---------- simulated world (control API) ----------
    placeCall(p: Parameters<typeof placeCall>[0]): string {
      return placeCall(p).id;
    },
    farEndDtmf(id: string, digits: string, gapMs = 250, durationMs = 100): void {
      const c = getChan(id);
      let t = 0;
      for (const d of digits) {
        if (!/[0-9A-D*#]/i.test(d)) throw new AriError(400, `Invalid DTMF digit '${d}'`);
      }
      for (const d of digits) {
        later(c, t, () => farEndDtmf(c, d, durationMs));
        t += gapMs + durationMs;
      }
    },
    farEndHangup(id: string): void {
      farEndHangup(getChan(id));
    },
    /** The far end talks for `ms` from now (a message for a recording with maxSilenceSeconds). */
    farEndSpeak(id: string, ms: number): void {
      const c = getChan(id);
      if (!(ms >= 0)) throw new AriError(400, 'ms: expected a non-negative number');
      c.farEnd ??= { transcript: [], timers: [] };
      c.farEnd.speakingUntil = Math.max(c.farEnd.speakingUntil ?? 0, now() + ms);
      note(c, { at: now(), kind: 'spoke', ms });
    },
    channelView(id: string): SimChannelView | undefined {
      const c = channels.get(id);
      return c ? view(c) : ended.get(id);
    },
    setEndpoint(tech: string, resource: string, behavior: EndpointBehavior | undefined, trunk?: boolean): void {
      const key = `${tech}/${resource}`;
      const e = endpoints.get(key) ?? { technology: tech, resource };
      const wasOnline = e.behavior?.behavior !== 'unreachable';
      if (behavior) e.behavior = behavior;
      if (wasOnline !== (e.behavior?.behavior !== 'unreachable')) {
        const rec = allApps(new Set<string>());
        for (const a of apps.values()) if (a.endpoints.has(key) || a.endpoints.has(tech)) rec.add(a.name);
        deliver(rec, { type: 'EndpointStateChange', timestamp: ts(), endpoint: endpointJson(e) });
      }
      if (trunk !== undefined) e.trunk = trunk;
      endpoints.set(key, e);
    },
    setNumberBehavior(pattern: string, behavior: EndpointBehavior): void {
      // Patterns: a regular expression in /.../, or a prefix glob like +57300* or an exact number.
      let re: RegExp;
      if (pattern.startsWith('/') && pattern.endsWith('/') && pattern.length > 1) re = new RegExp(pattern.slice(1, -1));
      else re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      const i = numberBehaviors.findIndex((n) => n.source === pattern);
      if (i >= 0) numberBehaviors.splice(i, 1);
      numberBehaviors.unshift({ pattern: re, behavior, source: pattern });
    },
    clearBehaviors(): void {
      numberBehaviors.length = 0;
    },
    recordingPath(name: string): string | undefined {
      const p = storedPath(name);
      return p && existsSync(p) ? p : undefined;
    },
    dispose(): void {
      for (const c of channels.values()) {
        for (const t of c.timers) clock.clearTimer(t);
        if (c.stepTimer) clock.clearTimer(c.stepTimer);
        if (c.originate?.timer) clock.clearTimer(c.originate.timer);
      }
      for (const p of playbacks.values()) if (p.timer) clock.clearTimer(p.timer);
    },
  };
}
