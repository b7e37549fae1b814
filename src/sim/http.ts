// HTTP + WebSocket front of the simulated PBX: /ari/* answers like Asterisk 22 (same paths,
// same JSON, same error bodies and statuses), /ari/events is the event WebSocket, and
// /_sim/* is the control API of the simulated world (callers, phones, dialplan, chaos).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AriError, type Pbx } from './pbx.ts';
import { apiDeclaration, resourceListing } from './api-docs.ts';
import { Req, type Params, type Route } from './routes.ts';
import { ariRoutes } from './routes-ari.ts';
import { simRoutes, type SimSipView } from './routes-sim.ts';

export interface HttpOptions {
  pbx: Pbx;
  user: string;
  password: string;
  /** Counts bad input answered with an error (kept for stats; never a crash). */
  onBadRequest?: (info: { method: string; path: string; status: number; message: string }) => void;
  onError?: (err: unknown) => void;
  /** Other WebSocket services on the same port (SIP over WebSocket on /ws); true = taken. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** The SIP layer's control routes (/_sim/sip). */
  sip?: SimSipView;
}

export interface SimHttp {
  server: Server;
  dropWebSockets(): void;
  /** `core stop now`: every channel hung up, then sockets dropped and the port closed. */
  shutdown(): void;
  close(): Promise<void>;
  badRequests(): number;
}

export function createSimHttp(opts: HttpOptions): SimHttp {
  const { pbx } = opts;
  let sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  let bad = 0;
  const dropWebSockets = () => {
    for (const s of sockets) s.terminate();
    sockets = new Set();
  };
  const ari = ariRoutes(pbx);
  // `core stop now`: the PBX hangs every channel up, then its HTTP side goes away.
  const shutdown = () => {
    pbx.shutdown();
    pbx.clock.setTimer(100, () => void close());
  };
  const sim = simRoutes(pbx, dropWebSockets, shutdown, opts.sip);

  const authOk = (req: IncomingMessage, url: URL): boolean => {
    const key = url.searchParams.get('api_key');
    if (key !== null) return key === `${opts.user}:${opts.password}`;
    const h = req.headers.authorization;
    if (!h?.startsWith('Basic ')) return false;
    const dec = Buffer.from(h.slice(6), 'base64').toString('utf8');
    return dec === `${opts.user}:${opts.password}`;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (status === 204 || body === undefined) {
      res.writeHead(status === 200 && body === undefined ? 204 : status, headers);
      res.end();
      return;
    }
    const data = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers });
    res.end(data);
  };
  const fail = (req: IncomingMessage, res: ServerResponse, path: string, status: number, body: Record<string, string>, headers: Record<string, string> = {}) => {
    bad++;
    opts.onBadRequest?.({ method: req.method ?? '', path, status, message: body.message ?? body.error ?? '' });
    send(res, status, body, headers);
  };

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1_000_000) throw new AriError(413, 'Request body too large');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse, url: URL, sub: string, bodyMode: 'ari' | 'sim'): Promise<void> {
    const method = req.method ?? 'GET';
    const matches = routes.map((r) => ({ r, m: r.re.exec(sub) })).filter((x) => x.m);
    if (matches.length === 0) return fail(req, res, url.pathname, 404, { message: 'Resource not found' });
    // A literal segment wins over a parameter (POST /channels/externalMedia is not originateWithId).
    const hit = matches.filter((x) => x.r.method === method).sort((a, b) => a.r.names.length - b.r.names.length)[0];
    if (!hit) return fail(req, res, url.pathname, 405, { message: 'Invalid method' });
    const params: Params = {};
    for (const [k, v] of url.searchParams) {
      if (k === 'api_key') continue;
      const prev = params[k];
      params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const text = await readBody(req);
    let bodyJson: unknown;
    if (text.trim().length > 0) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return fail(req, res, url.pathname, 400, { message: 'Error parsing request body' });
      }
      // Like Asterisk: a body must parse, but its fields count as parameters only when it is
      // declared as JSON (the control API always reads it).
      const isJson = /^application\/json/i.test(req.headers['content-type'] ?? '');
      if (isJson || bodyMode === 'sim') bodyJson = json;
      if (typeof json === 'object' && json !== null && !Array.isArray(json) && (isJson || bodyMode === 'sim')) {
        // Asterisk reads parameters from a JSON object body as well as the query string.
        for (const [k, v] of Object.entries(json as Record<string, unknown>)) params[k] = v;
        if (bodyMode === 'ari' && 'variables' in (json as object)) params.variables = (json as { variables: unknown }).variables;
      } else if (bodyMode === 'sim') return fail(req, res, url.pathname, 400, { message: 'expected a JSON object body' });
    }
    const path: Record<string, string> = {};
    try {
      hit.r.names.forEach((n, i) => {
        path[n] = decodeURIComponent(hit.m![i + 1]!);
      });
    } catch {
      return fail(req, res, url.pathname, 400, { message: 'Invalid URI encoding' });
    }
    if (bodyMode === 'ari' && pbx.timings.enabled) pbx.timings.command(pbx.commandChannel(path, params), `${method} ${hit.r.pattern}`);
    try {
      const out = await hit.r.handler(new Req(params, path, bodyJson));
      if (out && typeof out === 'object' && !Array.isArray(out) && 'status' in out && typeof out.status === 'number' && ('body' in out || 'raw' in out || 'headers' in out)) {
        const o = out as { status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer; contentType?: string };
        if (o.raw) {
          res.writeHead(o.status, { 'Content-Type': o.contentType ?? 'application/octet-stream', 'Content-Length': o.raw.length });
          res.end(o.raw);
          return;
        }
        return send(res, o.status, o.body, o.headers);
      }
      return send(res, out === undefined ? 204 : 200, out ?? undefined);
    } catch (e) {
      if (e instanceof AriError) return fail(req, res, url.pathname, e.status, e.body);
      opts.onError?.(e);
      return fail(req, res, url.pathname, 500, { message: 'Internal Server Error' });
    }
  }

  const parseUrl = (raw: string | undefined): URL | undefined => {
    try {
      return new URL(raw ?? '/', 'http://sim.invalid');
    } catch {
      return undefined;
    }
  };
  const server = createServer((req, res) => {
    const url = parseUrl(req.url);
    if (!url) return fail(req, res, String(req.url), 400, { message: 'Invalid URI' });
    const p = url.pathname;
    const unauthorized = () =>
      fail(req, res, p, 401, { message: 'Authentication required' }, { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' });
    const run = async () => {
      if (p === '/ari' || p.startsWith('/ari/')) {
        if (!authOk(req, url)) return unauthorized();
        const sub = p.slice(4);
        if (sub.length > 1 && sub.endsWith('/')) return fail(req, res, p, 404, { message: `ARI URLs do not end with a slash. Try /ari${sub.slice(0, -1)}` });
        if (sub.startsWith('/api-docs/')) {
          const base = `http://${req.headers.host ?? '127.0.0.1'}/ari`;
          const file = sub.slice('/api-docs/'.length);
          if (file === 'resources.json') return send(res, 200, resourceListing(base));
          const decl = file.endsWith('.json') ? apiDeclaration(file.slice(0, -5), base) : undefined;
          if (!decl) return fail(req, res, p, 404, { message: 'Resource not found' });
          return send(res, 200, decl);
        }
        if (sub === '/events') return fail(req, res, p, 400, { message: 'WebSocket upgrade required' });
        return dispatch(ari, req, res, url, sub, 'ari');
      }
      if (p.startsWith('/_sim/')) {
        if (!authOk(req, url)) return unauthorized();
        return dispatch(sim, req, res, url, p.slice(5), 'sim');
      }
      return fail(req, res, p, 404, { message: 'Not found' });
    };
    run().catch((e: unknown) => {
      opts.onError?.(e);
      if (!res.headersSent) send(res, e instanceof AriError ? e.status : 500, e instanceof AriError ? e.body : { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = parseUrl(req.url) ?? new URL('http://sim.invalid/invalid');
    if (url.pathname !== '/ari/events' && opts.upgrade?.(req, socket, head)) return;
    const reject = (status: number, type: string, body: string, extra = '') => {
      bad++;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/ari/events') return reject(404, 'application/json', JSON.stringify({ message: 'Resource not found' }));
    if (!authOk(req, url)) return reject(401, 'application/json', JSON.stringify({ message: 'Authentication required' }), 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n');
    const appNames = url.searchParams.getAll('app').flatMap((a) => a.split(',')).filter((a) => a.length > 0);
    if (appNames.length === 0) {
      const html = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n';
      return reject(400, 'text/html', html);
    }
    const subscribeAll = ['true', 'yes', '1'].includes((url.searchParams.get('subscribeAll') ?? '').toLowerCase());
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const sink = {
        send(data: string) {
          if (ws.readyState === ws.OPEN) ws.send(data);
        },
      };
      const disconnect = pbx.connect(appNames, subscribeAll, sink);
      ws.on('close', () => {
        sockets.delete(ws);
        disconnect();
      });
      ws.on('error', () => undefined);
    });
  });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    return (closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  }
  return { server, dropWebSockets, badRequests: () => bad, shutdown, close };
}
