import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AriHttpError, AriRequestTimeout, createHttpRest, type HttpRest } from '../../../src/telephony/ari/http-rest.ts';

interface Seen { method: string; url: string; body: string; auth: string | undefined }

describe('lean ARI REST transport', () => {
  let server: Server;
  let rest: HttpRest;
  const seen: Seen[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
        if (req.url?.includes('/hang')) return; // never answers
        if (req.url?.startsWith('/ari/channels/gone')) { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"message":"Channel not found"}'); return; }
        if (req.url === '/ari/channels') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[{"id":"a"}]'); return; }
        res.writeHead(204); res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    rest = createHttpRest({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, user: 'u', password: 'p w', maxSockets: 4 });
  });
  afterAll(async () => {
    rest.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('maps operations to ARI paths, query and JSON body, with basic auth', async () => {
    await rest.call('channels.play', { channelId: 'c 1', playbackId: 'pb1', media: ['sound:a', 'digits:12'], lang: 'es' }, 1000);
    await rest.call('channels.originate', { endpoint: 'PJSIP/1001', app: 'centralita', channelId: 'x', variables: { A: '1' } }, 1000);
    await rest.call('channels.hangup', { channelId: 'c1', reason: 'busy' }, 1000);
    expect(seen.slice(-3)).toEqual([
      { method: 'POST', url: '/ari/channels/c%201/play/pb1?media=sound%3Aa%2Cdigits%3A12&lang=es', body: '', auth: `Basic ${Buffer.from('u:p w').toString('base64')}` },
      { method: 'POST', url: '/ari/channels?endpoint=PJSIP%2F1001&app=centralita&channelId=x', body: '{"variables":{"A":"1"}}', auth: expect.any(String) as string },
      { method: 'DELETE', url: '/ari/channels/c1?reason=busy', body: '', auth: expect.any(String) as string },
    ]);
    expect(await rest.call('channels.list', {}, 1000)).toEqual([{ id: 'a' }]);
  });

  it('keeps the HTTP status and ARI message on errors', async () => {
    const err = await rest.call('channels.answer', { channelId: 'gone' }, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriHttpError);
    expect(err).toMatchObject({ status: 404, message: 'Channel not found' });
  });

  it('aborts a request that never gets an answer and frees its socket', async () => {
    const started = Date.now();
    const err = await rest.call('channels.answer', { channelId: 'hang' }, 150).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriRequestTimeout);
    expect(Date.now() - started).toBeLessThan(1000);
    // Four hung requests would starve a 4-socket pool if they kept their sockets.
    await Promise.all([1, 2, 3, 4].map(() => rest.call('channels.answer', { channelId: 'hang' }, 100).catch(() => {})));
    await rest.call('channels.answer', { channelId: 'ok' }, 1000);
  });

  it('rejects an unknown operation clearly', async () => {
    await expect(rest.call('channels.teleport', {}, 100)).rejects.toThrow('no route for ARI operation channels.teleport');
  });
});
