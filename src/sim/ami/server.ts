// The simulated PBX's manager port: AMI over TCP as Asterisk 22 speaks it — the banner,
// Login with the users of a manager.conf (read/write classes, permit ACL, eventfilters),
// Action/Response by ActionID, list responses, and the events of src/sim/ami/events.ts sent to
// every logged-in session whose read classes, Login `Events:` and filters let them through.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { AmiCore } from '../ami-core.ts';
import type { Chan } from '../model.ts';
import { AmiParser, serializeMessage, type AmiMessage } from '../../telephony/ami/protocol.ts';
import { amiEvents, snapshot, type AmiFields, type AmiOut } from './events.ts';
import { parseFilter, passes, type EventFilter } from './filter.ts';
import { ACTION_CLASSES, runAction } from './actions.ts';

export interface AmiUserConfig {
  username: string;
  secret: string;
  /** manager.conf `read` / `write` classes (`all` for everything). */
  read: string[];
  write: string[];
  /** `eventfilter` lines as in manager.conf: `eventfilter(name(CEL)) =` or `eventfilter = !Event: VarSet`. */
  eventfilter?: string[];
  /** `permit` networks (`127.0.0.1/32`); empty = any address. */
  permit?: string[];
}

export interface AmiServerOptions {
  host?: string;
  port?: number;
  users: AmiUserConfig[];
  /** manager.conf `timestampevents` (default true: records need sub-second times). */
  timestampEvents?: boolean;
  /** cel.conf `[manager] enabled` (default true) and `apps` (default the FreePBX set centralita documents). */
  cel?: boolean;
  celApps?: string[];
  onError?: (err: unknown) => void;
}

export interface SimAmiServer {
  host: string;
  port: number;
  close(): Promise<void>;
  /** Chaos: drops every AMI session (as a network failure or an Asterisk restart would). */
  dropSessions(): void;
  /** `core stop now`: Shutdown event, then every session closed and the port with them. */
  shutdown(): Promise<void>;
  stats(): { sessions: number; eventsSent: number; actions: number; badInput: number };
}

const ALL_CLASSES = ['system', 'call', 'log', 'verbose', 'command', 'agent', 'user', 'config', 'dtmf', 'reporting', 'cdr', 'dialplan', 'originate', 'agi', 'cc', 'aoc', 'test', 'security', 'message'];
const expand = (cls: string[]) => new Set(cls.flatMap((c) => (c.trim() === 'all' ? ALL_CLASSES : [c.trim().toLowerCase()])).filter(Boolean));

interface Session {
  sock: Socket;
  user?: AmiUserConfig;
  read: Set<string>;
  write: Set<string>;
  events: Set<string>;
  filters: EventFilter[];
}

function permitted(ip: string, permit: string[] | undefined): boolean {
  if (!permit?.length) return true;
  const v4 = ip.replace(/^::ffff:/, '');
  const num = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  return permit.some((p) => {
    const [net, bits] = p.split('/');
    const b = bits === undefined ? 32 : bits.includes('.') ? num(bits).toString(2).replace(/0/g, '').length : Number(bits);
    const mask = b === 0 ? 0 : (~0 << (32 - b)) >>> 0;
    return /^\d+\.\d+\.\d+\.\d+$/.test(v4) && (num(v4) & mask) === (num(net!) & mask);
  });
}

export async function startAmiServer(core: AmiCore, o: AmiServerOptions): Promise<SimAmiServer> {
  const sessions = new Set<Session>();
  const stats = { eventsSent: 0, actions: 0, badInput: 0 };
  const stamp = o.timestampEvents !== false;
  const recordings = new Map<string, string>();
  const users = o.users.map((u) => ({ ...u, filters: (u.eventfilter ?? []).map((line) => { const eq = line.indexOf('='); return parseFilter(line.slice(0, eq), line.slice(eq + 1)); }) }));
  const clockNow = () => core.clock.now();
  const stampOf = () => { const ms = clockNow(); return `${Math.floor(ms / 1000)}.${String(Math.floor(ms % 1000) * 1000).padStart(6, '0')}`; };

  function publish(e: AmiOut, only?: Session) {
    if (sessions.size === 0) return;
    let text: string | undefined;
    const head = () => `Event: ${e.name}\r\nPrivilege: ${e.cls},all\r\n${stamp ? `Timestamp: ${stampOf()}\r\n` : ''}`;
    const body = () => (text ??= head() + serializeMessage(e.fields as Record<string, string | number>));
    for (const s of only ? [only] : sessions) {
      if (!s.user || !s.read.has(e.cls) || !s.events.has(e.cls)) continue;
      if (!passes(s.filters, e.name, e.fields, body)) continue;
      s.sock.write(body());
      stats.eventsSent++;
    }
  }
  const observer = amiEvents(core, { cel: o.cel !== false, celApps: o.celApps ?? ['dial', 'queue', 'stasis', 'mixmonitor', 'voicemail', 'park'] }, (e) => publish(e));
  const off = core.addObserver(observer);

  function mixEvent(c: Chan, start: boolean) {
    publish({ name: start ? 'MixMonitorStart' : 'MixMonitorStop', cls: 'call', fields: snapshot(c) });
  }

  function handle(s: Session, m: AmiMessage) {
    stats.actions++;
    const name = (m.Action ?? '').toLowerCase();
    const id = m.ActionID;
    const send = (fields: AmiFields) => s.sock.write(serializeMessage({ ...(fields.Response !== undefined ? { Response: fields.Response } : {}), ...(id !== undefined ? { ActionID: id } : {}), ...fields } as Record<string, string | number>));
    if (!name) { stats.badInput++; return send({ Response: 'Error', Message: 'Missing action in request' }); }
    if (name === 'login') return login(s, m, send);
    if (name === 'logoff') { send({ Response: 'Goodbye', Message: 'Thanks for all the fish.' }); s.sock.end(); return; }
    if (!s.user) { stats.badInput++; return send({ Response: 'Error', Message: 'Authentication Required' }); }
    const needs = ACTION_CLASSES[name];
    if (needs === undefined) { stats.badInput++; return send({ Response: 'Error', Message: `Invalid/unknown command: ${m.Action}. Use Action: ListCommands to show available commands.` }); }
    if (needs.length && !needs.some((c) => s.write.has(c))) { stats.badInput++; return send({ Response: 'Error', Message: 'Permission denied' }); }
    if (name === 'events') {
      const mask = (m.EventMask ?? 'on').toLowerCase();
      s.events = mask === 'off' ? new Set() : mask === 'on' ? new Set(s.read) : new Set([...expand(mask.split(','))].filter((c) => s.read.has(c)));
      return send({ Response: 'Success', Events: s.events.size ? 'On' : 'Off' });
    }
    runAction({
      core, send, recordings, mixEvent,
      list(message, completeEvent, items, extra = {}) {
        send({ Response: 'Success', EventList: 'start', Message: message });
        for (const it of items) {
          const { Event: ev, ...rest } = it;
          s.sock.write(serializeMessage({ Event: String(ev ?? completeEvent.replace(/Complete$/, '')), ...(id !== undefined ? { ActionID: id } : {}), ...rest } as Record<string, string | number>));
        }
        s.sock.write(serializeMessage({ Event: completeEvent, ...(id !== undefined ? { ActionID: id } : {}), EventList: 'Complete', ListItems: items.length, ...extra } as Record<string, string | number>));
      },
      emitEvent: (name2, fields) => publish({ name: name2, cls: 'call', fields }, s),
    }, name, m);
  }

  function login(s: Session, m: AmiMessage, send: (f: AmiFields) => void) {
    if (s.user) return send({ Response: 'Success', Message: 'Already authenticated' });
    const u = users.find((x) => x.username === m.Username);
    const ip = s.sock.remoteAddress ?? '';
    if (!u || u.secret !== m.Secret || !permitted(ip, u.permit)) {
      stats.badInput++;
      // Asterisk waits a second, answers, then closes the session.
      setTimeout(() => { send({ Response: 'Error', Message: 'Authentication failed' }); s.sock.end(); }, 1000).unref();
      return;
    }
    s.user = u;
    s.read = expand(u.read);
    s.write = expand(u.write);
    s.filters = u.filters;
    const ev = (m.Events ?? 'on').toLowerCase();
    s.events = ev === 'off' ? new Set() : ev === 'on' ? new Set(s.read) : new Set([...expand(ev.split(','))].filter((c) => s.read.has(c)));
    send({ Response: 'Success', Message: 'Authentication accepted' });
    if (s.read.has('system') && s.events.has('system')) {
      publish({ name: 'FullyBooted', cls: 'system', fields: { Uptime: Math.floor((clockNow() - core.startupTime) / 1000), LastReload: Math.floor((clockNow() - core.startupTime) / 1000), Status: 'Fully Booted' } }, s);
    }
  }

  const server: Server = createServer((sock) => {
    const s: Session = { sock, read: new Set(), write: new Set(), events: new Set(), filters: [] };
    sessions.add(s);
    sock.setEncoding('utf8');
    sock.setNoDelay(true);
    sock.write('Asterisk Call Manager/11.0.0\r\n');
    // Actions come without a banner: feed the parser one first.
    const parser = new AmiParser((m) => {
      try { handle(s, m); } catch (err) { o.onError?.(err); }
    });
    parser.push('Asterisk Call Manager/client\r\n');
    sock.on('data', (chunk: string) => {
      try { parser.push(chunk); } catch { stats.badInput++; sock.destroy(); }
    });
    sock.on('error', () => {});
    sock.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const close = async () => {
    off();
    for (const s of sessions) s.sock.destroy();
    sessions.clear();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    host: addr.address,
    port: addr.port,
    close,
    dropSessions() { for (const s of sessions) s.sock.destroy(); sessions.clear(); },
    async shutdown() {
      publishShutdown();
      await close();
    },
    stats: () => ({ sessions: sessions.size, ...stats }),
  };
  function publishShutdown() {
    publish({ name: 'Shutdown', cls: 'system', fields: { Shutdown: 'Uncleanly', Restart: 'False' } });
  }
}
