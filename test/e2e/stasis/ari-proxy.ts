// A fault-injecting HTTP proxy in front of the simulator's ARI: forwards REST requests and
// WebSocket upgrades, and can hold chosen requests forever (a PBX that never answers),
// the way a half-dead connection leaves ari-client's promises pending.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface AriProxy {
  url: string;
  /** Requests matching this are never answered (until released or closed). */
  hold(match: (method: string, path: string) => boolean): void;
  release(): void;
  held(): number;
  /** Drops every ARI WebSocket and refuses new ones for `ms` (REST keeps working): an event outage. */
  cutWebSockets(ms: number): void;
  close(): Promise<void>;
}

export async function startAriProxy(target: string): Promise<AriProxy> {
  const t = new URL(target);
  let matcher: ((m: string, p: string) => boolean) | undefined;
  const heldRes = new Set<ServerResponse>();
  const sockets = new Set<Duplex | Socket>();
  const upgraded = new Set<Duplex | Socket>();
  let refuseUntil = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (matcher?.(req.method ?? 'GET', req.url ?? '')) {
      heldRes.add(res);
      req.resume();
      return;
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.destroy(); });
    req.pipe(up);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    if (Date.now() < refuseUntil) { client.destroy(); return; }
    upgraded.add(client);
    client.on('close', () => upgraded.delete(client));
    const upstream = connect(Number(t.port), t.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + '\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const kill = () => { upstream.destroy(); client.destroy(); };
    upstream.on('error', kill);
    client.on('error', kill);
    upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hold(m) { matcher = m; },
    release() { matcher = undefined; for (const r of heldRes) r.destroy(); heldRes.clear(); },
    held: () => heldRes.size,
    cutWebSockets(ms) {
      refuseUntil = Date.now() + ms;
      for (const s of upgraded) s.destroy();
    },
    async close() {
      matcher = undefined;
      for (const r of heldRes) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
