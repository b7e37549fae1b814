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
import {
  ChannelGoneError, TelephonyCommandError, TelephonyDisconnectedError, TelephonyTimeoutError,
} from '../../errors.ts';
import type { TelephonyEvent, TelephonyEventHandler } from '../port.ts';
import { AriRequestTimeout, createHttpRest } from './http-rest.ts';
import { checkAriEvent, rejectedAriEvents, type RawAriEvent } from './translate.ts';
import type { AriStatus, AriTelephony, AriTelephonyOptions } from './adapter-types.ts';
import { AriHttpAgent, AriHttpsAgent, describeAriError, silenceSwaggerLog, swaggerAuthorizations } from './ari-client-fixes.ts';
import { ariProbeError, probeAri } from './probe.ts';
import { createAriCommands } from './commands.ts';

export type { AriStatus, AriTelephony, AriTelephonyOptions } from './adapter-types.ts';

type Op = (params?: Record<string, unknown>) => Promise<unknown>;
type AriRest = Record<string, Record<string, Op>>;
let agentSeq = 0;

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
    ...createAriCommands({ call, app: o.app, base, user: o.user, password: o.password, requestTimeoutMs: o.requestTimeoutMs, nowIso, requestedHangups }),
    async subscribe(eventSources) {
      if (o.events === false) throw new TelephonyCommandError('applications.subscribe', undefined, 'this process does not own the Stasis application (REST only): it receives no events');
      const fresh = eventSources.filter((s) => !subscriptions.has(s));
      for (const s of fresh) subscriptions.add(s);
      if (fresh.length && status.connected) await applySubscriptions(fresh);
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
