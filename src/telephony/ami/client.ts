// An AMI connection that stays up: TCP to Asterisk's manager port, banner, Login, then
// actions correlated by ActionID (list actions collected until `EventList: Complete`) and
// events handed to listeners. Every action races a timer (AmiTimeoutError); a Ping every
// `pingIntervalMs` finds half-open sockets; a lost connection rejects what was pending
// (AmiDisconnectedError) and reconnects forever with capped exponential backoff and jitter,
// like the ARI adapter. Why our own client and not an npm one: docs/decisions.md.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger.ts';
import { AmiActionError, AmiDisconnectedError, AmiTimeoutError } from '../../errors.ts';
import { AmiParser, serializeAction, type AmiFieldValue, type AmiMessage } from './protocol.ts';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** Login `Events:` — `on`, `off` or event classes (`call,agent`). The user's `read=` still bounds it. */
  events?: string;
  actionTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** AMI `Ping` interval to detect a half-open socket (ms); 0 disables. */
  pingIntervalMs?: number;
  logger: Logger;
}

export type AmiConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface AmiConnectionEvent {
  state: 'connected' | 'disconnected' | 'reconnecting';
  attempt?: number;
  /** Asterisk's AMI version from the banner. */
  version?: string;
  error?: string;
}

export interface AmiStatus {
  state: AmiConnectionState;
  connected: boolean;
  since: number;
  attempts: number;
  reconnects: number;
  lastError?: string;
  version?: string;
}

export interface AmiListResult {
  response: AmiMessage;
  events: AmiMessage[];
}

export interface AmiClient {
  /** Starts connecting; resolves at the first login or after `waitMs` (it keeps retrying either way). */
  start(waitMs?: number): Promise<void>;
  action(name: string, fields?: Record<string, AmiFieldValue>, opts?: { timeoutMs?: number; actionId?: string }): Promise<AmiMessage>;
  /** A list action (Status, QueueStatus, CoreShowChannels…): its events until `EventList: Complete`. */
  list(name: string, fields?: Record<string, AmiFieldValue>, opts?: { timeoutMs?: number }): Promise<AmiListResult>;
  onEvent(h: (m: AmiMessage) => void): () => void;
  onConnection(h: (e: AmiConnectionEvent) => void): () => void;
  status(): AmiStatus;
  stats(): { events: number; actions: number; failed: number; timedOut: number; bytes: number };
  /** Chaos in tests: drops the socket as a network failure would. */
  dropSocket(): void;
  close(): Promise<void>;
}

interface Pending {
  name: string;
  resolve(v: AmiMessage | AmiListResult): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
  list?: { response?: AmiMessage; events: AmiMessage[] };
}

export function createAmiClient(o: AmiClientOptions): AmiClient {
  const log = o.logger.child({ component: 'ami' });
  const timeoutMs = o.actionTimeoutMs ?? 5_000;
  const initialMs = o.backoff?.initialMs ?? 250;
  const maxMs = o.backoff?.maxMs ?? 10_000;
  const pingMs = o.pingIntervalMs ?? 15_000;
  const prefix = randomBytes(4).toString('hex');
  let seq = 0;
  const pending = new Map<string, Pending>();
  const eventHandlers = new Set<(m: AmiMessage) => void>();
  const connHandlers = new Set<(e: AmiConnectionEvent) => void>();
  const st: AmiStatus = { state: 'connecting', connected: false, since: Date.now(), attempts: 0, reconnects: 0 };
  const counters = { events: 0, actions: 0, failed: 0, timedOut: 0, bytes: 0 };
  let sock: Socket | undefined;
  let loggedIn = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let firstLogin: (() => void) | undefined;
  const firstLoginP = new Promise<void>((r) => { firstLogin = r; });

  const emitConn = (e: AmiConnectionEvent) => {
    for (const h of connHandlers) {
      try { h(e); } catch (err) { log.error({ err }, 'AMI connection listener threw'); }
    }
  };
  const setState = (state: AmiConnectionState, err?: unknown) => {
    st.state = state;
    st.connected = state === 'connected';
    st.since = Date.now();
    if (err !== undefined) st.lastError = err instanceof Error ? err.message : String(err);
  };

  function failAll(reason: () => Error) {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(reason());
    }
  }

  function teardown(err: unknown) {
    const s = sock;
    if (!s) return;
    sock = undefined;
    const wasUp = loggedIn;
    loggedIn = false;
    clearInterval(pingTimer);
    pingTimer = undefined;
    s.removeAllListeners();
    s.on('error', () => {});
    s.destroy();
    failAll(() => new AmiDisconnectedError('(in flight)'));
    if (closed) return;
    if (wasUp) emitConn({ state: 'disconnected', error: errText(err) });
    scheduleRetry(err);
  }

  function scheduleRetry(err: unknown) {
    if (closed || retryTimer) return;
    st.attempts++;
    setState('reconnecting', err);
    log.warn({ attempt: st.attempts, err: st.lastError }, 'AMI connection down; reconnecting');
    emitConn({ state: 'reconnecting', attempt: st.attempts, error: st.lastError });
    const step = Math.min(maxMs, initialMs * 2 ** Math.min(st.attempts - 1, 20));
    const delay = Math.round(step * (0.5 + Math.random() * 0.5));
    retryTimer = setTimeout(() => { retryTimer = undefined; open(); }, delay);
  }

  function onMessage(m: AmiMessage) {
    const id = m.ActionID;
    const p = id !== undefined ? pending.get(id) : undefined;
    if (p) {
      if (m.Response !== undefined) {
        if (m.Response === 'Error') return settle(id!, p, new AmiActionError(p.name, m.Message ?? 'error'));
        if (p.list && m.EventList === 'start') { p.list.response = m; return; }
        if (p.list) { p.list.response = m; return settle(id!, p, undefined, { response: m, events: p.list.events }); }
        return settle(id!, p, undefined, m);
      }
      if (p.list && m.Event !== undefined) {
        if (m.EventList === 'Complete') return settle(id!, p, undefined, { response: p.list.response ?? m, events: p.list.events });
        p.list.events.push(m);
        return;
      }
    }
    if (m.Event === undefined) return;
    counters.events++;
    for (const h of eventHandlers) {
      try { h(m); } catch (err) { log.error({ err, event: m.Event }, 'AMI event listener threw'); }
    }
  }

  function settle(id: string, p: Pending, err?: Error, value?: AmiMessage | AmiListResult) {
    clearTimeout(p.timer);
    pending.delete(id);
    if (err) { counters.failed++; p.reject(err); } else p.resolve(value!);
  }

  function send<T extends AmiMessage | AmiListResult>(name: string, fields: Record<string, AmiFieldValue>, opts: { timeoutMs?: number; actionId?: string; list?: boolean; beforeLogin?: boolean }): Promise<T> {
    const s = sock;
    if (!s || (!loggedIn && !opts.beforeLogin)) return Promise.reject(new AmiDisconnectedError(name));
    const id = opts.actionId ?? `${prefix}-${++seq}`;
    // serializeAction throws on a field with a line break before anything is written.
    const wire = serializeAction(name, id, fields);
    const ms = opts.timeoutMs ?? timeoutMs;
    counters.actions++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!pending.delete(id)) return;
        counters.timedOut++;
        log.warn({ action: name, timeoutMs: ms }, 'AMI action timed out');
        reject(new AmiTimeoutError(name, ms));
      }, ms);
      timer.unref?.();
      pending.set(id, { name, resolve: resolve as (v: AmiMessage | AmiListResult) => void, reject, timer, ...(opts.list ? { list: { events: [] } } : {}) });
      s.write(wire);
    });
  }

  function open() {
    if (closed) return;
    const s = connect({ host: o.host, port: o.port });
    sock = s;
    s.setNoDelay(true);
    s.setKeepAlive(true, 10_000);
    s.setEncoding('utf8');
    // No banner within the action timeout: not an AMI port (or a hung Asterisk).
    const bannerTimer = setTimeout(() => teardown(new Error('no AMI banner')), Math.max(timeoutMs, 2_000));
    const parser = new AmiParser(onMessage, (version) => {
      clearTimeout(bannerTimer);
      st.version = version;
      void login(s, version);
    });
    s.on('data', (chunk: string) => {
      counters.bytes += chunk.length;
      try { parser.push(chunk); } catch (err) { log.error({ err }, 'AMI stream unreadable; reconnecting'); teardown(err); }
    });
    s.on('error', (err) => { clearTimeout(bannerTimer); teardown(err); });
    s.on('close', () => { clearTimeout(bannerTimer); teardown(new Error('AMI connection closed')); });
  }

  async function login(s: Socket, version: string) {
    try {
      await send('Login', { Username: o.username, Secret: o.secret, Events: o.events ?? 'on' }, { beforeLogin: true });
    } catch (err) {
      if (sock !== s) return;
      log.error({ err: errText(err), user: o.username }, 'AMI login refused');
      teardown(err);
      return;
    }
    if (sock !== s) return;
    loggedIn = true;
    if (st.state === 'reconnecting') st.reconnects++;
    st.attempts = 0;
    setState('connected');
    log.info({ version, reconnects: st.reconnects }, 'AMI connected');
    if (pingMs > 0) {
      pingTimer = setInterval(() => {
        send('Ping', {}, {}).catch((err: unknown) => { if (err instanceof AmiTimeoutError && sock === s) teardown(err); });
      }, pingMs);
      pingTimer.unref?.();
    }
    firstLogin?.();
    emitConn({ state: 'connected', version });
  }

  return {
    async start(waitMs = 5_000) {
      if (!sock && !retryTimer && !closed) open();
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([firstLoginP, new Promise<void>((r) => { t = setTimeout(r, waitMs); })]);
      clearTimeout(t);
    },
    action: (name, fields = {}, opts = {}) => send<AmiMessage>(name, fields, opts),
    list: (name, fields = {}, opts = {}) => send<AmiListResult>(name, fields, { ...opts, list: true }),
    onEvent(h) { eventHandlers.add(h); return () => eventHandlers.delete(h); },
    onConnection(h) { connHandlers.add(h); return () => connHandlers.delete(h); },
    status: () => ({ ...st }),
    stats: () => ({ ...counters }),
    dropSocket() { sock?.destroy(new Error('dropped (test)')); },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retryTimer);
      const s = sock;
      if (s && loggedIn) await send('Logoff', {}, { timeoutMs: 1_000 }).catch(() => undefined);
      setState('closed');
      if (sock) {
        sock.removeAllListeners();
        sock.on('error', () => {});
        sock.destroy();
        sock = undefined;
      }
      clearInterval(pingTimer);
      failAll(() => new AmiDisconnectedError('(closing)'));
    },
  };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
