// ARI credentials: a wrong password is one clean error at start-up (swagger-client used to
// throw it from a callback and kill the process), and the event WebSocket carries the
// credentials in its Authorization header, never in the URL (URLs end up in access logs).
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/sim/index.ts';
import { createAriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createLogger } from '../../../src/logger.ts';

describe('ARI credentials', () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  const seen: string[] = [];
  let proxy: ReturnType<typeof createServer>;
  let proxyUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'the-right-password' });
    const simPort = Number(new URL(sim.url).port);
    // A TCP tap in front of the simulator: records what each connection sends first.
    proxy = createServer((client) => {
      const up = connect(simPort, '127.0.0.1');
      sockets.add(client).add(up);
      client.once('data', (d) => seen.push(d.toString('latin1')));
      client.pipe(up).pipe(client);
      const end = () => { client.destroy(); up.destroy(); };
      client.on('error', end); up.on('error', end); client.on('close', end); up.on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
    await sim.close();
  });

  it('a wrong password is a clean ARI_AUTH_FAILED error, not an uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(createAriTelephony({ url: sim.url, user: 'centralita', password: 'wrong-password', app: 'centralita', requestTimeoutMs: 2000, logger: createLogger({ level: 'silent' }) }))
        .rejects.toMatchObject({ code: 'ARI_AUTH_FAILED', message: expect.stringContaining('check ARI_USER and ARI_PASSWORD') });
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('the event socket authenticates with a header; no credential is in any URL', async () => {
    const tel = await createAriTelephony({ url: proxyUrl, user: 'centralita', password: 'the-right-password', app: 'centralita', requestTimeoutMs: 2000, logger: createLogger({ level: 'silent' }) });
    try {
      expect(tel.status().connected).toBe(true);
      const upgrade = seen.find((s) => s.startsWith('GET /ari/events'));
      expect(upgrade).toBeDefined();
      const requestLines = seen.map((s) => s.split('\r\n')[0]!);
      for (const line of requestLines) {
        expect(line).not.toContain('api_key');
        expect(line).not.toContain('the-right-password');
      }
      expect(upgrade).toMatch(/\r\nauthorization: Basic /i);
    } finally {
      await tel.close();
    }
  });
});
