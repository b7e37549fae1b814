// A relay in front of the simulator's ARI that terminates the event WebSocket on both sides
// (so whole frames can be injected between the PBX's own): REST is proxied as is. Used to
// feed the real adapter malformed events, as a buggy proxy or PBX might send them.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export interface AriRelay {
  url: string;
  /** Sends one text frame to every connected app socket. */
  inject(frame: string): void;
  clients(): number;
  close(): Promise<void>;
}

export async function startAriRelay(target: string): Promise<AriRelay> {
  const t = new URL(target);
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.destroy(); });
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const upstream = new WebSocket(`ws://${t.host}${req.url}`, { headers: { ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) } });
    upstream.on('error', () => socket.destroy());
    upstream.once('open', () => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        clients.add(ws);
        upstream.on('message', (d, binary) => { if (ws.readyState === ws.OPEN) ws.send(d, { binary }); });
        ws.on('message', (d, binary) => { if (upstream.readyState === upstream.OPEN) upstream.send(d, { binary }); });
        const end = () => { clients.delete(ws); ws.close(); upstream.close(); };
        ws.on('close', end);
        upstream.on('close', end);
        ws.on('error', () => undefined);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inject(frame) { for (const c of clients) if (c.readyState === c.OPEN) c.send(frame); },
    clients: () => clients.size,
    close: () => new Promise<void>((r) => { for (const c of clients) c.terminate(); wss.close(); server.closeAllConnections(); server.close(() => r()); }),
  };
}
