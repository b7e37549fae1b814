// startSimulator(): the simulated PBX as a running server (ARI on /ari, events on /ari/events,
// control API on /_sim) plus the same control operations as a TypeScript API for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import { ARI_CHANNELVARS } from '../calls/contract.ts';
import { createSimClock, type SimClock } from './clock.ts';
import { createPbx, type EndpointConfig, type Pbx } from './pbx.ts';
import { createSoundLibrary } from './sounds.ts';
import { createSimHttp } from './http.ts';
import type { CallerScript, Dialplan, DialplanStep, EndpointBehavior, HeardSpan, SimChannelView } from './types.ts';
import type { PbxQueueConfig } from './app-queue.ts';
import { startAmiServer, type AmiServerOptions, type AmiUserConfig, type SimAmiServer } from './ami/server.ts';
import { AMI_EVENTFILTERS, AMI_READ, AMI_WRITE } from '../telephony/ami/filters.ts';
import { createSipWs, type SipStats } from './sip/server.ts';
import type { MediaStats } from './sip/media.ts';

export type { CallerScript, Dialplan, DialplanStep, EndpointBehavior, HeardSpan, SimChannelView, TranscriptEntry } from './types.ts';
export { deadAir, deadAirSeconds, type DeadAir, type DeadAirOptions } from './dead-air.ts';
export { createSimClock, createManualClock, type SimClock, type ManualClock } from './clock.ts';
export type { PbxQueueConfig } from './app-queue.ts';
export type { AmiUserConfig } from './ami/server.ts';
export type { SipStats } from './sip/server.ts';
export type { MediaStats } from './sip/media.ts';

export interface SimulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  user: string;
  password: string;
  /** sounds/<lang>/<id>.wav; lengths come from the WAV headers. */
  soundsDir?: string;
  /** Declared sound lengths in ms (used when no file exists). */
  soundLengths?: Record<string, number>;
  /** Full dialplan (replaces the default built from `app`/`dids`). */
  dialplan?: Dialplan;
  /** The Stasis app inbound calls go to in the default dialplan. */
  app?: string;
  /** DID -> Stasis args (flow name) for the default dialplan; unmatched numbers go to `defaultFlow`. */
  dids?: Record<string, string>;
  defaultFlow?: string;
  /** Context inbound calls from /_sim/calls start in (default from-pstn). */
  inboundContext?: string;
  endpoints?: EndpointConfig[];
  /**
   * ari.conf `channelvars`: variables every channel snapshot carries (unset ones as ""). Default: the
   * ones the shipped dialplan/ari_general_custom.conf sets (ARI_CHANNELVARS); [] for a bare Asterisk.
   */
  channelvars?: string[];
  /** false: no res_mwi_external, /ari/mailboxes answers 404 like such a PBX (default true). */
  mailboxes?: boolean;
  /** Record PBX-boundary timings (GET /_sim/timings): event sent -> command received, per channel. */
  timings?: boolean;
  /** Where recordings are written (default: a fresh temp dir removed at close). */
  recordingsDir?: string;
  /** Speed of simulated media time; 1 = real time. Ignored when `clock` is given. */
  clockSpeed?: number;
  clock?: SimClock;
  logger?: Logger;
  /** The manager port (AMI over TCP, same loopback host): its users, CEL and timestamps. Off unless given. */
  ami?: Omit<AmiServerOptions, 'host' | 'onError'>;
  /** res_pjsip object types ARI may write (sorcery.conf `auth=memory`): the app pushes softphone credentials. */
  writableSorcery?: string[];
  /** app_queue queues (FreePBX queues); default: queue 400 ringing PJSIP/1006-1008 (DID 6015550400). */
  pbxQueues?: PbxQueueConfig[];
}

export interface PlaceCallOptions {
  from: string;
  to: string;
  /** The endpoint the call arrives on, default PJSIP/trunk. */
  endpoint?: string;
  context?: string;
  callerName?: string;
  channelId?: string;
  /** What the caller does once answered (press digits, hang up) or when to give up unanswered. */
  script?: CallerScript;
}

/** Drives the simulated world from tests (the /_sim HTTP API offers the same). */
export interface SimControl {
  /** An inbound call enters the dialplan (and usually Stasis); returns the channel id. */
  placeCall(opts: PlaceCallOptions): string;
  /** The far end presses digits, gapMs apart. */
  sendDtmf(channelId: string, digits: string, opts?: { gapMs?: number; durationMs?: number }): void;
  /** The far end hangs up (BYE when answered, CANCEL when not). */
  hangup(channelId: string): void;
  /** The far end talks for `ms` (otherwise it is silent: recordings with maxSilenceSeconds stop). */
  speak(channelId: string, ms: number): void;
  /** State and transcript of what the far end heard and did; kept after hangup. */
  channel(channelId: string): SimChannelView | undefined;
  transcript(channelId: string): SimChannelView['transcript'];
  /** What every far end heard, span by span (src/sim/hearing.ts; check it with src/sim/dead-air.ts). */
  hearing(): { at: number; channels: { id: string; alive: boolean; heard: HeardSpan[] }[]; reusedIds: Record<string, number> };
  /** Behaviour of a phone/endpoint when the PBX calls it (originate to PJSIP/1001...). */
  setEndpointBehavior(tech: string, resource: string, behavior: EndpointBehavior, opts?: { trunk?: boolean }): void;
  /** Behaviour of numbers dialled through a trunk, by pattern: exact, prefix glob (+57300*) or /regex/. */
  setNumberBehavior(pattern: string, behavior: EndpointBehavior): void;
  setDialplan(dialplan: Dialplan): void;
  /** A phone with a dynamic AOR registers `uri` (ContactStatusChange...); unregisters after `unregisterAfterMs` or its expiry. */
  registerContact(endpoint: string, o: { uri: string; expiresSec: number; unregisterAfterMs?: number }): void;
  unregisterContact(endpoint: string): void;
  /** pjsip.conf `webrtc = yes` for an endpoint (the browser softphone template): offline until a browser registers. */
  setWebrtc(endpoint: string, on: boolean): void;
  /** The far end puts the call on hold / takes it off (SIP re-INVITE): ChannelHold / ChannelUnhold. */
  farEndHold(channelId: string, on: boolean): void;
  /** `core stop now`: every channel is hung up (cause 4 then 0), then ARI goes away (sockets dropped, port closed). */
  shutdown(): void;
  /** Events sent to an app's WebSocket (or all apps). */
  eventsSent(app?: string): number;
  isAppConnected(app: string): boolean;
  /** Path of a stored recording file, if it exists. */
  recordingPath(name: string): string | undefined;
  /** SIP over WebSocket (softphones on /ws): registrations and counters, and each WebRTC leg's media. */
  sip: {
    stats(): SipStats;
    /** RTP in/out and the energy of what the softphone sent on a channel (kept after hangup). */
    media(channelId: string): MediaStats | undefined;
    /** Chaos: every softphone's WebSocket is closed (their contacts go, as on a transport shutdown). */
    dropConnections(): void;
  };
  readonly clock: SimClock;
}

export interface Simulator {
  url: string;
  ariUrl: string;
  user: string;
  password: string;
  control: SimControl;
  /** The model, for white-box tests. */
  pbx: Pbx;
  /** The manager port when `ami` was given. */
  ami?: { host: string; port: number; server: SimAmiServer };
  close(): Promise<void>;
  /** Chaos: drops every ARI WebSocket (apps stay registered, events meanwhile are lost). */
  dropWebSockets(): void;
  badRequests(): number;
  /** Bugs caught inside the simulator (answered 500 or logged from a timer); 0 in a healthy run. */
  internalErrors(): number;
}

/** The embedded default: every DID enters Stasis(<app>, <flow>); agents are PJSIP/1001..1010. */
export function defaultDialplan(app: string, dids: Record<string, string> = {}, defaultFlow = 'main'): Dialplan {
  const pstn: Record<string, DialplanStep[]> = {};
  for (const [did, flow] of Object.entries(dids)) pstn[did] = [{ app: 'Stasis', appName: app, args: [flow] }];
  pstn['_X!'] = [{ app: 'Stasis', appName: app, args: [defaultFlow] }];
  pstn['_+X!'] = [{ app: 'Stasis', appName: app, args: [defaultFlow] }];
  // A DID of FreePBX's own (app_queue) queue: calls that never enter Stasis.
  pstn[PBX_QUEUE_DID] ??= [{ app: 'Goto', context: 'ext-queues', exten: '400' }];
  return {
    'from-pstn': pstn,
    // FreePBX's from-internal: desk phones dial each other (10XX), the queue, or out the trunk.
    'from-internal': {
      '_10XX': [{ app: 'Dial', endpoint: 'PJSIP/${EXTEN}', timeoutSec: 20 }, { app: 'Hangup' }],
      '400': [{ app: 'Goto', context: 'ext-queues', exten: '400' }],
      '_X.': [{ app: 'Dial', endpoint: 'PJSIP/${EXTEN}@trunk', timeoutSec: 60 }, { app: 'Hangup' }],
      '_+X.': [{ app: 'Dial', endpoint: 'PJSIP/${EXTEN}@trunk', timeoutSec: 60 }, { app: 'Hangup' }],
    },
    'ext-queues': { '400': [{ app: 'Answer' }, { app: 'Queue', queue: '400', timeoutSec: 300 }, { app: 'Hangup' }] },
  };
}

/** The manager user centralita gets on FreePBX (dialplan/manager_custom.conf: classes, eventfilters, permit). */
export function centralitaAmiUser(username: string, secret: string): AmiUserConfig {
  return { username, secret, read: [...AMI_READ], write: [...AMI_WRITE], eventfilter: [...AMI_EVENTFILTERS], permit: ['127.0.0.1/32'] };
}

/** The DID of the default simulator's app_queue queue 400. */
export const PBX_QUEUE_DID = '6015550400';

export function defaultPbxQueues(): PbxQueueConfig[] {
  return [{ name: '400', strategy: 'ringall', timeoutSec: 15, retrySec: 5, members: ['1006', '1007', '1008'].map((e) => ({ interface: `PJSIP/${e}`, name: `Agent ${e}` })) }];
}

export function defaultEndpoints(): EndpointConfig[] {
  // pjsip.conf contexts as FreePBX sets them: the trunk's calls start in from-pstn, the phones' in from-internal.
  const eps: EndpointConfig[] = [{ technology: 'PJSIP', resource: 'trunk', trunk: true, context: 'from-pstn', behavior: { behavior: 'answer', afterMs: 2000 } }];
  for (let i = 1001; i <= 1010; i++) eps.push({ technology: 'PJSIP', resource: String(i), context: 'from-internal', behavior: { behavior: 'answer', afterMs: 1000 } });
  return eps;
}

/** A model bug inside a timer must not kill the process hosting the PBX: log it and count it. */
function guarded(clock: SimClock, onError: (err: unknown) => void): SimClock {
  return {
    now: () => clock.now(),
    setTimer: (ms, fn) =>
      clock.setTimer(ms, () => {
        try {
          fn();
        } catch (err) {
          onError(err);
        }
      }),
    clearTimer: (h) => clock.clearTimer(h),
    dispose: () => clock.dispose(),
  };
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  let internalErrors = 0;
  const baseClock = opts.clock ?? createSimClock({ speed: opts.clockSpeed ?? 1 });
  const clock = guarded(baseClock, (err) => {
    internalErrors++;
    opts.logger?.error({ err }, 'sim: internal error in a timer');
  });
  const ownDir = opts.recordingsDir === undefined;
  const recordingsDir = opts.recordingsDir ?? mkdtempSync(join(tmpdir(), 'centralita-sim-rec-'));
  const holder: { pbx?: Pbx } = {};
  const sounds = createSoundLibrary({
    soundsDir: opts.soundsDir,
    declared: opts.soundLengths,
    recordingLength: (name) => holder.pbx?.storedDurationMs(name),
  });
  const log = opts.logger;
  const app = opts.app ?? 'centralita';
  const pbx = createPbx({
    clock, sounds, recordingsDir,
    dialplan: opts.dialplan ?? defaultDialplan(app, opts.dids, opts.defaultFlow),
    endpoints: opts.endpoints ?? defaultEndpoints(),
    channelvars: opts.channelvars ?? [...ARI_CHANNELVARS], mailboxes: opts.mailboxes, timings: opts.timings, writableSorcery: opts.writableSorcery,
    onWarning: (msg, data) => log?.warn({ ...data }, msg),
  });
  holder.pbx = pbx;
  if (opts.inboundContext) pbx.setDefaultContext(opts.inboundContext);
  const core = pbx.amiCore();
  core.queues.configure(opts.pbxQueues ?? defaultPbxQueues());
  const sipWs = createSipWs({
    core: pbx.sipCore(), host: opts.host ?? '127.0.0.1', recordingsDir, now: () => clock.now(),
    warn: (msg, data) => log?.warn({ ...data }, msg),
  });
  const http = createSimHttp({
    pbx, user: opts.user, password: opts.password,
    upgrade: (req, socket, head) => sipWs.handleUpgrade(req, socket, head),
    sip: sipWs,
    onBadRequest: (info) => log?.debug(info, 'sim: request answered with an error'),
    onError: (err) => {
      internalErrors++;
      log?.error({ err }, 'sim: internal error');
    },
  });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = http.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  const ami = opts.ami ? await startAmiServer(core, { ...opts.ami, host: addr.address, onError: (err) => { internalErrors++; log?.error({ err }, 'sim: internal error in AMI'); } }) : undefined;
  const control: SimControl = {
    placeCall: (o) => pbx.placeCall(o),
    sendDtmf: (id, digits, o) => pbx.farEndDtmf(id, digits, o?.gapMs ?? 250, o?.durationMs ?? 100),
    hangup: (id) => pbx.farEndHangup(id),
    speak: (id, ms) => pbx.farEndSpeak(id, ms),
    channel: (id) => pbx.channelView(id),
    transcript: (id) => pbx.channelView(id)?.transcript ?? [],
    hearing: () => pbx.hearing(),
    setEndpointBehavior: (tech, resource, behavior, o) => pbx.setEndpoint(tech, resource, behavior, o?.trunk),
    setNumberBehavior: (pattern, behavior) => pbx.setNumberBehavior(pattern, behavior),
    setDialplan: (d) => pbx.setDialplan(d),
    registerContact: (ep, o) => pbx.registerContact(ep, o),
    unregisterContact: (ep) => pbx.unregisterContact(ep),
    farEndHold: (id, on) => pbx.farEndHold(id, on),
    setWebrtc: (ep, on) => pbx.setWebrtc(ep, on),
    shutdown: () => {
      http.shutdown();
      if (ami) baseClock.setTimer(100, () => void ami.shutdown());
    },
    eventsSent: (a) => pbx.eventsSent(a),
    isAppConnected: (a) => pbx.isAppActive(a),
    recordingPath: (n) => pbx.recordingPath(n),
    sip: { stats: () => sipWs.stats(), media: (id) => sipWs.media(id), dropConnections: () => sipWs.dropAll() },
    clock: baseClock,
  };
  log?.info({ url: `${url}/ari`, user: opts.user }, 'simulated PBX listening');
  return {
    url,
    ariUrl: `${url}/ari`,
    user: opts.user,
    password: opts.password,
    control,
    pbx,
    ...(ami ? { ami: { host: ami.host, port: ami.port, server: ami } } : {}),
    dropWebSockets: () => http.dropWebSockets(),
    badRequests: () => http.badRequests(),
    internalErrors: () => internalErrors,
    async close() {
      await ami?.close();
      await sipWs.close();
      pbx.dispose();
      await http.close();
      if (!opts.clock) baseClock.dispose();
      if (ownDir) rmSync(recordingsDir, { recursive: true, force: true });
    },
  };
}
