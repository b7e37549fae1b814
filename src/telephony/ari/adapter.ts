// The Telephony port over ARI. REST goes through `ari-client` (the only module that
// imports it); its known defects are neutralised here:
//  - REST promises that never settle after a connection loss → every command races a
//    timer and rejects with TelephonyTimeoutError;
//  - "Channel not found" rejections → mapped to ChannelGoneError and always handled;
//  - per-instance listener leaks → no ari-client event emitter is used at all: one
//    WebSocket of our own, one parser, events routed centrally to the port's handlers;
//  - reconnect that gives up after ~a minute → our socket reconnects forever with capped
//    exponential backoff and jitter, reporting each state change as a `connection` event;
//  - unbounded REST sockets (no agent: one TCP connection per request, a burst of 2,000
//    calls overflowed the PBX's listen backlog and stalled for seconds on SYN retries) →
//    a keep-alive agent with a socket cap, injected through swagger-client's authorizations hook;
//  - swagger-client's console.log "deprecated version of Swagger" on every connect (and its
//    unbounded `log.history` array) → the global `log` it installs is replaced by a no-op;
//  - swagger-client throwing from an HTTP callback when the API cannot be loaded (a wrong
//    password: uncaught, the process died) → its fail() only reports (see swaggerClient).
import ariClient from 'ari-client';
import WebSocket from 'ws';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from '../../logger.ts';
import {
  CentralitaError, ChannelGoneError, TelephonyCommandError, TelephonyDisconnectedError, TelephonyTimeoutError,
} from '../../errors.ts';
import type {
  BridgeInfo, ChannelInfo, HangupReason, RecordRequest, Telephony, TelephonyEvent, TelephonyEventHandler,
} from '../port.ts';
import { ARI_HANGUP_REASONS } from '../../domain/hangup-causes.ts';
import { AriRequestTimeout, createHttpRest } from './http-rest.ts';
import { checkAriEvent, rejectedAriEvents, toChannelInfo, type RawAriChannel, type RawAriEvent } from './translate.ts';

export interface AriTelephonyOptions {
  url: string; // http(s)://host:port (Asterisk HTTP server)
  user: string;
  password: string;
  app: string;
  requestTimeoutMs: number;
  logger: Logger;
  /** Reconnect backoff: first delay and cap (ms). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** WebSocket ping interval to detect half-open sockets (ms); 0 disables. */
  pingIntervalMs?: number;
  /** Resolve the factory without waiting for the first connection (default false: wait up to the timeout, then keep retrying in the background). */
  waitForConnectionMs?: number;
  /**
   * Whether this process owns the Stasis application (opens its event WebSocket). Default true.
   * Asterisk keeps ONE WebSocket per application name: a second one replaces the first
   * (ApplicationReplaced), so processes that do not own calls (`centralita worker`) pass false
   * and use REST only; their readiness is a periodic `GET /asterisk/ping`.
   */
  events?: boolean;
  /** Concurrent REST connections to Asterisk (keep-alive). Default 32. */
  maxSockets?: number;
  /**
   * REST transport for commands: 'ari-client' (default: the official client, swagger-client/shred)
   * or 'http' (opt-in via ARI_REST_TRANSPORT=http: a lean node:http client with the same operation
   * names, ~1.6–2× less app CPU per command, see docs/stasis.md). ari-client always loads the API at connect.
   */
  rest?: 'http' | 'ari-client';
  /** Timing hook for benchmarks: called when an event arrives and when a command is sent. */
  probe?: (kind: 'event' | 'command', name: string, channelId: string | undefined, tMs: number, eventAt?: string) => void;
}

export interface AriStatus {
  connected: boolean;
  /** ISO instant of the last state change. */
  since: string;
  /** Connection attempts since the last successful connection. */
  attempts: number;
  state: 'connecting' | 'connected' | 'reconnecting' | 'closed';
  reconnects: number;
  lastError?: string;
}

export interface AriTelephony extends Telephony {
  close(): Promise<void>;
  status(): AriStatus;
  /** For /readyz: ok when the event socket is up. */
  readiness(): { name: string; check(): { ok: boolean; detail?: unknown } };
  /** Malformed events received (counted, the last 100 kept with their reason). */
  rejectedEvents(): { count: number; recent: { reason: string; type?: string; at: string; sample: string }[] };
  /** REST counters (metrics, leak checks). */
  restStats(): { inFlight: number; ok: number; failed: number; timedOut: number; events: number; rejected: number };
  /** Number of event handlers registered (leak checks). */
  handlerCount(): number;
  /** Drops the current socket (tests). */
  dropSocket(): void;
  /**
   * res_pjsip dynamic configuration over ARI (sorcery.conf puts `auth` on a writable wizard):
   * creates or replaces the auth object a softphone's REGISTER is checked against.
   */
  setSipAuth(id: string, username: string, password: string): Promise<void>;
  /** Endpoint events (registration: EndpointStateChange, ContactStatusChange) for `PJSIP/<name>`. */
  subscribeEndpoint(endpoint: string): Promise<void>;
  /** A res_pjsip endpoint's configuration as sorcery reports it (attribute → value); undefined when there is none. */
  sipEndpointConfig(name: string): Promise<Record<string, string> | undefined>;
}

type Op = (params?: Record<string, unknown>) => Promise<unknown>;
type AriRest = Record<string, Record<string, Op>>;

interface SwaggerAuthorizations { add(name: string, auth: { apply(obj: Record<string, unknown>): boolean }): unknown; remove(name: string): boolean }
interface SwaggerModule { authorizations: SwaggerAuthorizations; SwaggerApi: { prototype: { fail(message: unknown): void; failure(message: unknown): void; __noThrow?: boolean } } }
/** The swagger-client instance ari-client itself loaded (it is a dependency of ari-client). */
function swaggerClient(): SwaggerModule {
  const fromHere = createRequire(import.meta.url);
  const fromAri = createRequire(fromHere.resolve('ari-client'));
  const swagger = fromAri('swagger-client') as SwaggerModule;
  // swagger-client's fail() reports through ari-client's failure callback (which rejects
  // connect) and then THROWS from inside the HTTP response handler: with a wrong ARI password
  // (401 on resources.json) that throw was an uncaught exception that killed the process.
  const proto = swagger.SwaggerApi.prototype;
  if (!proto.__noThrow) {
    proto.__noThrow = true;
    proto.fail = function fail(message: unknown) { this.failure(message); };
  }
  return swagger;
}
function swaggerAuthorizations(): SwaggerAuthorizations {
  return swaggerClient().authorizations;
}

// shred copies `agent` into the User-Agent header too (a known FIXME there): give it a name.
class AriHttpAgent extends HttpAgent { override toString() { return 'centralita'; } }
class AriHttpsAgent extends HttpsAgent { override toString() { return 'centralita'; } }
let agentSeq = 0;

let swaggerSilenced = false;
/** swagger-client installs a global `log` that console.logs and keeps every message forever. */
function silenceSwaggerLog() {
  if (swaggerSilenced) return;
  swaggerSilenced = true;
  (globalThis as { log?: unknown }).log = () => {};
}

const HANGUP_REASONS: Record<HangupReason, string> = {
  normal: 'normal', busy: 'busy', congestion: 'congestion', no_answer: 'no_answer', timeout: 'no_answer',
  rejected: 'rejected', unallocated: 'unallocated', answered_elsewhere: 'answered_elsewhere',
};

/** Parses ari-client's rejection (an Error whose message is the JSON body) into status-ish info. */
function describeAriError(err: unknown): { message: string; notFound: boolean; status?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  let message = raw;
  try {
    const body = JSON.parse(raw) as { message?: string; error?: string };
    message = body.message ?? body.error ?? raw;
  } catch {}
  const status = (err as { status?: number; statusCode?: number } | undefined)?.status ?? (err as { statusCode?: number } | undefined)?.statusCode;
  return { message, notFound: status === 404 || /not found/i.test(message), ...(typeof status === 'number' ? { status } : {}) };
}

/** ARI query parameters of a channel or bridge recording. */
function recordParams(req: RecordRequest): Record<string, unknown> {
  return {
    name: req.name, format: req.format ?? 'wav',
    ...(req.maxDurationSec !== undefined ? { maxDurationSeconds: req.maxDurationSec } : {}),
    ...(req.maxSilenceSec !== undefined ? { maxSilenceSeconds: req.maxSilenceSec } : {}),
    ...(req.beep !== undefined ? { beep: req.beep } : {}),
    ...(req.terminateOn ? { terminateOn: req.terminateOn } : {}),
    ...(req.ifExists ? { ifExists: req.ifExists } : {}),
  };
}

export async function createAriTelephony(o: AriTelephonyOptions): Promise<AriTelephony> {
  const log = o.logger.child({ component: 'ari' });
  const base = o.url.replace(/\/+$/, '');
  const initialMs = o.backoff?.initialMs ?? 250;
  const maxMs = o.backoff?.maxMs ?? 10_000;
  const pingMs = o.pingIntervalMs ?? 15_000;
  const handlers = new Set<TelephonyEventHandler>();
  const nowIso = () => new Date().toISOString();
  const probe = o.probe;
  // Hangups this process asked for: a channel that entered Stasis from the dialplan reports only
  // `ChannelHangupRequest {cause: 32, soft: true}` for them (no ChannelDestroyed), so the cause we
  // asked for and who asked are known only here.
  const requestedHangups = new Map<string, number>();
  let lastTimeoutLog = 0;
  let timeoutsUnlogged = 0;

  let rest: AriRest | undefined;
  const counters = { inFlight: 0, ok: 0, failed: 0, timedOut: 0, events: 0, rejected: 0 };
  // Malformed events from the socket: counted, the last ones kept with their reason, logged
  // (at most one line per reason and minute), never a crash.
  const rejectedLog = rejectedAriEvents();
  const loggedReasonAt = new Map<string, number>();
  const reject = (raw: unknown, reason: string, text?: string) => {
    counters.rejected++;
    rejectedLog.add(raw, reason, nowIso(), text);
    const t = Date.now();
    if (t - (loggedReasonAt.get(reason) ?? -Infinity) >= 60_000) {
      loggedReasonAt.set(reason, t);
      if (loggedReasonAt.size > 200) loggedReasonAt.clear();
      log.warn({ reason, code: 'ARI_EVENT_REJECTED', rejected: counters.rejected }, 'malformed ARI event rejected');
    }
  };
  // One keep-alive agent with a cap per adapter; swagger-client's (process-global)
  // authorizations are the only hook that reaches every request it builds.
  const agentOpts = { keepAlive: true, maxSockets: o.maxSockets ?? 32, maxFreeSockets: o.maxSockets ?? 32 };
  const agent = base.startsWith('https:') ? new AriHttpsAgent(agentOpts) : new AriHttpAgent(agentOpts);
  const authKey = `centralita-agent-${++agentSeq}`;
  const mode = o.rest ?? 'ari-client';
  const httpRest = mode === 'http' ? createHttpRest({ baseUrl: base, user: o.user, password: o.password, maxSockets: o.maxSockets ?? 32 }) : undefined;
  const authz = swaggerAuthorizations();
  authz.add(authKey, { apply(obj) { obj.agent = agent; return true; } });
  let ws: WebSocket | undefined;
  let closed = false;
  let replaced = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let awaitingPong = false;
  const status: AriStatus = { connected: false, since: nowIso(), attempts: 0, state: 'connecting', reconnects: 0 };
  let firstConnected: (() => void) | undefined;
  const firstConnection = new Promise<void>((r) => { firstConnected = r; });

  function emit(ev: TelephonyEvent) {
    for (const h of handlers) {
      try { h(ev); } catch (err) { log.error({ err, event: ev.type }, 'telephony event handler threw'); }
    }
  }

  function setState(state: AriStatus['state'], err?: unknown) {
    const prev = status.state;
    status.state = state;
    status.connected = state === 'connected';
    status.since = nowIso();
    if (err) status.lastError = err instanceof Error ? err.message : String(err);
    if (prev === state && state !== 'reconnecting') return;
    if (state === 'connected') log.info({ attempts: status.attempts, reconnects: status.reconnects }, 'ARI connected');
    else if (state === 'reconnecting') log.warn({ attempt: status.attempts, err: status.lastError }, 'ARI connection down; reconnecting');
    if (state === 'connected') emit({ type: 'connection', state: 'connected', at: status.since });
    else if (state === 'reconnecting') {
      if (prev === 'connected') emit({ type: 'connection', state: 'disconnected', at: status.since });
      emit({ type: 'connection', state: 'reconnecting', attempt: status.attempts, at: status.since });
    }
  }

  function scheduleRetry(err?: unknown) {
    if (closed) return;
    if (replaced) { setState('closed', err ?? new Error('application replaced')); return; }
    if (retryTimer) return;
    status.attempts++;
    setState('reconnecting', err);
    // Capped exponential backoff with jitter (50–100 % of the step) so many apps don't stampede.
    const step = Math.min(maxMs, initialMs * 2 ** Math.min(status.attempts - 1, 20));
    const delay = Math.round(step * (0.5 + Math.random() * 0.5));
    retryTimer = setTimeout(() => { retryTimer = undefined; void connect(); }, delay);
  }

  async function loadRest(): Promise<void> {
    if (rest) return;
    // swagger-client throws a 401 (or 404) from a callback, which no promise can catch: the
    // process would die with its stack. Ask Asterisk ourselves first.
    const probe = await probeAri(base, o.user, o.password, Math.max(o.requestTimeoutMs, 2_000));
    if (probe !== 200) throw ariProbeError(base, o.user, probe);
    silenceSwaggerLog();
    const client = await withTimeout('connect', ariClient.connect(base, o.user, o.password) as unknown as Promise<unknown>, Math.max(o.requestTimeoutMs, 5_000));
    silenceSwaggerLog();
    rest = client as unknown as AriRest;
  }

  async function connect(): Promise<void> {
    if (closed) return;
    try {
      await loadRest();
    } catch (err) {
      scheduleRetry(err);
      return;
    }
    if (closed) return;
    // Credentials in the upgrade request's Authorization header, never in the URL (URLs end up
    // in proxy and access logs; Asterisk accepts Basic auth on /ari/events like on REST).
    if (o.events === false) { restOnly(); return; }
    const wsUrl = `${base.replace(/^http/, 'ws')}/ari/events?app=${encodeURIComponent(o.app)}&subscribeAll=false`;
    const sock = new WebSocket(wsUrl, { handshakeTimeout: Math.max(o.requestTimeoutMs, 2_000), headers: { authorization: `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}` } });
    ws = sock;
    let failed = false;
    const fail = (err?: unknown) => {
      if (failed) return;
      failed = true;
      if (ws === sock) ws = undefined;
      clearInterval(pingTimer);
      pingTimer = undefined;
      sock.removeAllListeners();
      sock.on('error', () => {});
      try { sock.terminate(); } catch {}
      if (!closed) scheduleRetry(err);
    };
    sock.on('open', () => {
      status.attempts = 0;
      if (status.state === 'reconnecting') status.reconnects++;
      if (subscriptions.size) {
        applySubscriptions([...subscriptions]).catch((err: unknown) => log.warn({ err, sources: subscriptions.size }, 'could not subscribe the app to its event sources'));
      }
      setState('connected');
      firstConnected?.();
      if (pingMs > 0) {
        awaitingPong = false;
        pingTimer = setInterval(() => {
          if (awaitingPong) { fail(new Error('no pong from ARI')); return; }
          awaitingPong = true;
          try { sock.ping(); } catch (err) { fail(err); }
        }, pingMs);
        pingTimer.unref?.();
      }
    });
    sock.on('pong', () => { awaitingPong = false; });
    sock.on('message', (data: WebSocket.RawData) => onMessage(data));
    sock.on('unexpected-response', (_req, res) => fail(new Error(`ARI WebSocket refused: HTTP ${res.statusCode ?? '?'}`)));
    sock.on('error', (err) => fail(err));
    sock.on('close', (code) => fail(new Error(`ARI WebSocket closed (${code})`)));
  }

  /** Event sources the app asked for; an Asterisk restart forgets them, so each connection re-applies them. */
  const subscriptions = new Set<string>();
  async function applySubscriptions(sources: string[]): Promise<void> {
    // One request per batch of sources (Asterisk takes a comma-separated list).
    for (let i = 0; i < sources.length; i += 50) {
      await call('applications', 'subscribe', { applicationName: o.app, eventSource: sources.slice(i, i + 50).join(',') });
    }
  }

  /** REST only (no Stasis subscription): "connected" means Asterisk answers a ping. */
  function restOnly(): void {
    const ping = async () => {
      try {
        await call('asterisk', 'ping', {});
        if (status.state !== 'connected') {
          status.attempts = 0;
          if (status.state === 'reconnecting') status.reconnects++;
          setState('connected');
          firstConnected?.();
        }
      } catch (err) {
        if (status.state === 'connected' || status.state === 'connecting') { status.attempts++; setState('reconnecting', err); }
      }
    };
    void ping();
    pingTimer = setInterval(() => { void ping(); }, pingMs > 0 ? pingMs : 15_000);
    pingTimer.unref?.();
  }

  function onMessage(data: WebSocket.RawData) {
    const t = probe ? performance.now() : 0;
    let raw: RawAriEvent;
    try {
      raw = JSON.parse(data.toString()) as RawAriEvent;
    } catch {
      const text = data.toString();
      reject(text, 'not JSON', text);
      return;
    }
    // `null`, a number or an array on the socket is rejected below, not a crash here.
    if (raw && typeof raw === 'object' && raw.type === 'ApplicationReplaced') {
      // Another process registered the same app: we get nothing more on this socket.
      // Reconnecting would steal it back and the two would flap: stay down and say so.
      log.error({ app: o.app }, 'ARI application replaced by another connection; not reconnecting');
      replaced = true;
      ws?.close();
      return;
    }
    const checked = checkAriEvent(raw, nowIso);
    if ('rejected' in checked) { reject(raw, checked.rejected); return; }
    if (!('event' in checked)) return;
    const ev = checked.event;
    if (ev.type === 'channel.hangupRequested' && ev.soft) {
      const cause = requestedHangups.get(ev.channelId);
      if (cause !== undefined) ev.byApp = { cause };
    } else if (ev.type === 'call.ended' || ev.type === 'channel.destroyed') requestedHangups.delete(ev.channelId);
    counters.events++;
    if (probe) probe('event', ev.type, 'channelId' in ev ? ev.channelId : undefined, t, ev.at);
    emit(ev);
  }

  function withTimeout<T>(operation: string, p: Promise<T>, ms = o.requestTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TelephonyTimeoutError(operation, ms)), ms);
      timer.unref?.();
      p.then(
        (v) => { clearTimeout(timer); resolve(v); },
        (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); },
      );
    });
  }

  /** Runs one REST operation with a timeout and typed errors. */
  async function call<T = unknown>(resource: string, op: string, params: Record<string, unknown>, channelId?: string): Promise<T> {
    const name = `${resource}.${op}`;
    if (!rest) throw new TelephonyDisconnectedError(name);
    const fn = rest[resource]?.[op];
    if (!fn) throw new TelephonyCommandError(name, undefined, 'operation not available on this Asterisk');
    if (probe) probe('command', name, channelId, performance.now());
    // A promise may reject after we timed out: attach a handler so it is never unhandled.
    const p = httpRest ? httpRest.call(name, params, o.requestTimeoutMs) : fn.call(rest[resource], params);
    p.catch(() => {});
    counters.inFlight++;
    try {
      const v = (await withTimeout(name, p)) as T;
      counters.ok++;
      return v;
    } catch (caught) {
      counters.failed++;
      const err = caught instanceof AriRequestTimeout ? new TelephonyTimeoutError(name, o.requestTimeoutMs) : caught;
      if (err instanceof TelephonyTimeoutError) {
        counters.timedOut++;
        // Under overload thousands time out per second: one line per second, with the count,
        // so logging does not take the CPU the commands are starved of.
        const now = Date.now();
        if (now - lastTimeoutLog >= 1000) {
          log.warn({ operation: name, channelId, timeoutMs: o.requestTimeoutMs, inFlight: counters.inFlight, ...(timeoutsUnlogged ? { alsoTimedOutSinceLastLine: timeoutsUnlogged } : {}) }, 'ARI request timed out');
          lastTimeoutLog = now;
          timeoutsUnlogged = 0;
        } else timeoutsUnlogged++;
        throw err;
      }
      if ((err as { code?: string }).code === 'ECONNREFUSED') throw new TelephonyDisconnectedError(name);
      const d = describeAriError(err);
      if (d.notFound && channelId) throw new ChannelGoneError(channelId, { cause: err });
      throw new TelephonyCommandError(name, d.status, d.message, { cause: err });
    } finally {
      counters.inFlight--;
    }
  }

  const tel: AriTelephony = {
    async answer(channelId) { await call('channels', 'answer', { channelId }, channelId); },
    async ring(channelId) { await call('channels', 'ring', { channelId }, channelId); },
    async play(channelId, media, opts) {
      const playbackId = opts?.playbackId ?? globalThis.crypto.randomUUID();
      await call('channels', 'play', { channelId, media, playbackId, ...(opts?.language ? { lang: opts.language } : {}) }, channelId);
      return { playbackId };
    },
    async stopPlayback(playbackId) {
      try {
        await call('playbacks', 'stop', { playbackId });
      } catch (err) {
        // Already finished: nothing to stop.
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return;
        throw err;
      }
    },
    async startMoh(channelId, mohClass) { await call('channels', 'startMoh', { channelId, ...(mohClass ? { mohClass } : {}) }, channelId); },
    async stopMoh(channelId) { await call('channels', 'stopMoh', { channelId }, channelId); },
    async hangup(channelId, reason) {
      // Noted before the request: the event may come before the response.
      requestedHangups.set(channelId, ARI_HANGUP_REASONS[HANGUP_REASONS[reason ?? 'normal']] ?? 16);
      if (requestedHangups.size > 20_000) requestedHangups.delete(requestedHangups.keys().next().value!);
      try {
        await call('channels', 'hangup', { channelId, ...(reason ? { reason: HANGUP_REASONS[reason] } : {}) }, channelId);
      } catch (err) {
        if (err instanceof ChannelGoneError) requestedHangups.delete(channelId);
        throw err;
      }
    },
    async continueInDialplan(channelId, target) {
      const p: Record<string, unknown> = { channelId };
      if (target?.context) p.context = target.context;
      if (target?.extension) p.extension = target.extension;
      if (target?.priority !== undefined) p.priority = target.priority;
      if (target?.label) p.label = target.label;
      await call('channels', 'continueInDialplan', p, channelId);
    },
    async setVariable(channelId, name, value) { await call('channels', 'setChannelVar', { channelId, variable: name, value }, channelId); },
    async getVariable(channelId, name) {
      try {
        const r = await call<{ value?: string }>('channels', 'getChannelVar', { channelId, variable: name }, channelId);
        return r?.value;
      } catch (err) {
        // "Provided variable was not found" is an unset variable, not a gone channel.
        if (err instanceof ChannelGoneError && /variable/i.test(String((err.cause as Error | undefined)?.message))) return undefined;
        throw err;
      }
    },
    async sendDtmf(channelId, dtmf, opts) { await call('channels', 'sendDTMF', { channelId, dtmf, ...(opts?.betweenMs ? { between: opts.betweenMs } : {}) }, channelId); },
    async record(channelId, req) {
      await call('channels', 'record', { channelId, ...recordParams(req) }, channelId);
      return { name: req.name };
    },
    async recordBridge(bridgeId, req) {
      await call('bridges', 'record', { bridgeId, ...recordParams(req) });
      return { name: req.name };
    },
    async stopRecording(name) { await call('recordings', 'stop', { recordingName: name }); },
    async storedRecordingFile(name) {
      // Binary body: a plain GET (swagger-client would decode it as text), same credentials.
      const r = await fetch(`${base}/ari/recordings/stored/${encodeURIComponent(name)}/file`, {
        headers: { authorization: `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}` },
        signal: AbortSignal.timeout(Math.max(30_000, o.requestTimeoutMs)),
      });
      if (r.status === 404) return undefined;
      if (!r.ok) throw new CentralitaError('ARI_RECORDING_FETCH_FAILED', `GET recordings/stored/${name}/file answered ${r.status}`);
      return { data: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream' };
    },
    async originate(req) {
      const channelId = req.channelId ?? globalThis.crypto.randomUUID();
      const p: Record<string, unknown> = { endpoint: req.endpoint, app: o.app, channelId };
      if (req.appArgs !== undefined) p.appArgs = req.appArgs;
      if (req.otherChannelId) p.otherChannelId = req.otherChannelId;
      if (req.callerId) p.callerId = req.callerId;
      if (req.timeoutSec !== undefined) p.timeout = req.timeoutSec;
      if (req.originator) p.originator = req.originator;
      if (req.variables) p.variables = req.variables;
      const ch = await call<{ id?: string }>('channels', 'originate', p);
      return { channelId: ch?.id ?? channelId };
    },
    async createBridge(opts) {
      const bridgeId = opts?.bridgeId ?? globalThis.crypto.randomUUID();
      await call('bridges', 'create', { type: opts?.type ?? 'mixing', bridgeId, ...(opts?.name ? { name: opts.name } : {}) });
      return { bridgeId };
    },
    async addToBridge(bridgeId, channelIds) { await call('bridges', 'addChannel', { bridgeId, channel: channelIds.join(',') }, channelIds.length === 1 ? channelIds[0] : undefined); },
    async removeFromBridge(bridgeId, channelIds) { await call('bridges', 'removeChannel', { bridgeId, channel: channelIds.join(',') }, channelIds.length === 1 ? channelIds[0] : undefined); },
    async destroyBridge(bridgeId) { await call('bridges', 'destroy', { bridgeId }); },
    async startBridgeMoh(bridgeId, mohClass) { await call('bridges', 'startMoh', { bridgeId, ...(mohClass ? { mohClass } : {}) }); },
    async listChannels(): Promise<ChannelInfo[]> {
      const list = await call<RawAriChannel[]>('channels', 'list', {});
      return (list ?? []).map((c) => toChannelInfo(c, nowIso));
    },
    async listBridges(): Promise<BridgeInfo[]> {
      const list = await call<{ id: string; bridge_type?: string; channels?: string[] }[]>('bridges', 'list', {});
      return (list ?? []).map((b) => ({ id: b.id, type: b.bridge_type === 'holding' ? 'holding' : 'mixing', channels: [...(b.channels ?? [])] }));
    },
    async endpointState(technology, resource) {
      try {
        const ep = await call<{ state?: string }>('endpoints', 'get', { tech: technology, resource });
        return ep?.state;
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async deviceState(device) {
      try {
        return (await call<{ state?: string }>('deviceStates', 'get', { deviceName: device }))?.state;
      } catch (err) {
        if (err instanceof TelephonyCommandError && (err.status === 404 || /not found/i.test(err.message))) return undefined;
        throw err;
      }
    },
    async playbackState(playbackId) {
      try {
        return (await call<{ state?: string }>('playbacks', 'get', { playbackId }))?.state ?? 'unknown';
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async liveRecordingState(name) {
      try {
        return (await call<{ state?: string }>('recordings', 'getLive', { recordingName: name }))?.state ?? 'unknown';
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async subscribe(eventSources) {
      if (o.events === false) throw new TelephonyCommandError('applications.subscribe', undefined, 'this process does not own the Stasis application (REST only): it receives no events');
      const fresh = eventSources.filter((s) => !subscriptions.has(s));
      for (const s of fresh) subscriptions.add(s);
      if (fresh.length && status.connected) await applySubscriptions(fresh);
    },
    async setSipAuth(id, username, password) {
      await call('asterisk', 'updateObject', {
        configClass: 'res_pjsip', objectType: 'auth', id,
        fields: { fields: [{ attribute: 'auth_type', value: 'userpass' }, { attribute: 'username', value: username }, { attribute: 'password', value: password }] },
      });
    },
    async sipEndpointConfig(name) {
      try {
        const tuples = await call<{ attribute: string; value: string }[]>('asterisk', 'getObject', { configClass: 'res_pjsip', objectType: 'endpoint', id: name });
        return Object.fromEntries((tuples ?? []).map((t) => [t.attribute, t.value]));
      } catch (err) {
        if (err instanceof TelephonyCommandError && (err.status === 404 || /not found/i.test(err.message))) return undefined;
        throw err;
      }
    },
    async subscribeEndpoint(endpoint) {
      // Through subscribe(): kept and applied again after every reconnect.
      await tel.subscribe([`endpoint:${endpoint}`]);
    },
    onEvent(handler) {
      handlers.add(handler);
      return () => { handlers.delete(handler); };
    },
    handlerCount: () => handlers.size,
    restStats: () => ({ ...counters }),
    rejectedEvents: () => ({ count: rejectedLog.count(), recent: rejectedLog.recent() }),
    status: () => ({ ...status }),
    readiness: () => ({ name: 'ari', check: () => ({ ok: status.connected, detail: { ...status } }) }),
    dropSocket() { ws?.terminate(); },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      const sock = ws;
      ws = undefined;
      if (sock) {
        sock.removeAllListeners();
        sock.on('error', () => {});
        await new Promise<void>((resolve) => {
          if (sock.readyState === WebSocket.CLOSED) return resolve();
          sock.once('close', () => resolve());
          sock.close();
          setTimeout(() => { sock.terminate(); resolve(); }, 1000).unref();
        });
      }
      authz.remove(authKey);
      agent.destroy();
      httpRest?.close();
      setState('closed');
    },
  };

  // Wrong credentials or not an ARI server at start-up: a clean error, not endless retries.
  const first = await probeAri(base, o.user, o.password, Math.max(o.requestTimeoutMs, 2_000));
  if (first === 401 || first === 403 || first === 404) {
    authz.remove(authKey);
    agent.destroy();
    httpRest?.close();
    throw ariProbeError(base, o.user, first);
  }
  void connect();
  const wait = o.waitForConnectionMs ?? o.requestTimeoutMs;
  if (wait > 0) {
    const t = new Promise<void>((r) => setTimeout(r, wait).unref());
    await Promise.race([firstConnection, t]);
  }
  return tel;
}

/** GET /ari/api-docs/resources.json with the credentials: the HTTP status, or 0 when unreachable. */
async function probeAri(base: string, user: string, password: string, timeoutMs: number): Promise<number> {
  try {
    const r = await fetch(`${base}/ari/api-docs/resources.json`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }, signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel();
    return r.status;
  } catch {
    return 0;
  }
}

function ariProbeError(base: string, user: string, status: number): CentralitaError {
  if (status === 401 || status === 403)
    return new CentralitaError('ARI_AUTH_FAILED', `Asterisk at ${base} refused ARI user '${user}' (HTTP ${status}): check ARI_USER and ARI_PASSWORD against ari_additional_custom.conf (see dialplan/README.md)`);
  if (status === 404) return new CentralitaError('ARI_NOT_FOUND', `${base} has no ARI (HTTP 404 for /ari/api-docs/resources.json): check ARI_URL and that Asterisk's HTTP server and res_ari are enabled`);
  return new CentralitaError('ARI_UNREACHABLE', status === 0 ? `cannot reach Asterisk at ${base}` : `Asterisk at ${base} answered HTTP ${status} for the ARI API description`);
}
