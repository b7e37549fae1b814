// Redis dying under a running app (issue 14), with the app as a real process (`centralita
// start`) on a real redis-server that the test kills by PID:
//  - /readyz says not ready at once; API requests answer 503 fast (no hang, no offline queue);
//  - calls made during the outage are kept in the local spool and, after a SIGKILL of the app
//    and a restart, still get their records (BullMQ call-records job and the HubSpot outbox);
//  - SIGTERM during the outage stops within SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS;
//  - everything the app prints during the outage is JSON (no raw stack dumps);
//  - start-up with an unreachable Redis fails within REDIS_CONNECT_TIMEOUT_MS with a clear line;
//  - the embedded redis-server killed by PID is started again and the app carries on.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/infra/net.ts';
import { startRedisServer, type RedisServerHandle } from '../../../src/infra/redis-server.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { spawnApp, type AppProcess } from '../../helpers/app-process.ts';
import { waitFor } from '../../helpers/wait.ts';

const DEADLINE = { SHUTDOWN_DEADLINE_MS: '2000', SHUTDOWN_MARGIN_MS: '3000' };
const apps: AppProcess[] = [];
const servers: RedisServerHandle[] = [];
afterAll(async () => {
  for (const a of apps) a.kill('SIGKILL');
  for (const s of servers) await s.stop().catch(() => {});
});

const isAlive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
/** Record ids of the calls created in HubSpot (the local outbox of HubSpot requests). */
const outboxIds = (dataDir: string): string[] => {
  const f = join(dataDir, 'hubspot-outbox.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; body?: { inputs?: { properties?: Record<string, string> }[] } })
    .filter((l) => l.path === '/crm/v3/objects/calls/batch/create')
    .flatMap((l) => (l.body?.inputs ?? []).map((i) => i.properties?.centralita_record_id ?? ''));
};
const spooled = (dataDir: string): string => {
  const dir = join(dataDir, 'spool', 'records');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(dir, f), 'utf8')).join('') : '';
};
/** A call that is answered by the main flow and hung up by the caller after a moment. */
async function shortCall(app: AppProcess, from: string): Promise<string> {
  const id = await app.sipCall(from, '6015550100');
  await new Promise((r) => setTimeout(r, 1200));
  await app.simHangup(id);
  return id;
}

function baseEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'), REDIS_COMMAND_TIMEOUT_MS: '1000', ...DEADLINE, ...extra };
}

describe('Redis outage under a running app (external Redis)', () => {
  it('readyz 503, API 503 fast, calls spooled and recorded after SIGKILL + restart, bounded SIGTERM, JSON-only output', async () => {
    const port = await freePort();
    const redisDir = mkdtempSync(join(tmpdir(), 'centralita-outage-redis-'));
    let redis = await startRedisServer({ port, dir: redisDir, appendOnly: true });
    servers.push(redis);
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-outage-'));
    const env = baseEnv(dataDir, { REDIS_URL: redis.url, DATABASE_URL: await createTestDatabase('outage') });
    const app1 = await spawnApp(env);
    apps.push(app1);
    const check = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: false });
    check.on('error', () => {});
    try {
      expect((await app1.api('/readyz')).status).toBe(200);
      const before = await shortCall(app1, '3001110000');
      await waitFor(() => outboxIds(dataDir).includes(`cr-${before}`), 15_000, 'record of the call before the outage');

      // Redis killed by PID.
      process.kill(redis.pid, 'SIGKILL');
      await waitFor(async () => (await app1.api('/readyz')).status === 503, 5_000, 'readyz 503');
      const ready = (await (await app1.api('/readyz')).json()) as { checks: { redis: { ok: boolean } } };
      expect(ready.checks.redis.ok).toBe(false);
      // The API fails fast with a reason instead of hanging (hours overrides live in Redis;
      // campaign rows and progress moved to PostgreSQL and keep answering).
      const t0 = Date.now();
      const r = await app1.api('/api/hours/overrides', { timeoutMs: 8_000 });
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ error: 'REDIS_UNAVAILABLE' });

      // Two calls during the outage: answered, run, ended; their records wait in the spool.
      const during = [await shortCall(app1, '3002220001'), await shortCall(app1, '3002220002')];
      await waitFor(() => during.every((id) => spooled(dataDir).includes(`"cr-${id}"`)), 10_000, 'outage records in the local spool');
      app1.kill('SIGKILL');
      await app1.exited;
      expect(app1.nonJsonLines(), 'everything printed after the banner is JSON').toEqual([]);

      // Redis back (same port and AOF), the app started again: the spooled records are delivered.
      redis = await startRedisServer({ port, dir: redisDir, appendOnly: true });
      servers.push(redis);
      const app2 = await spawnApp(env);
      apps.push(app2);
      await waitFor(() => during.every((id) => outboxIds(dataDir).includes(`cr-${id}`)), 30_000, 'records of the outage calls after restart');
      await check.connect();
      for (const id of during) expect(await check.exists(`bull:call-records:cr-${id}`), `call-records job for ${id}`).toBe(1);
      // Exactly once each, the earlier call included.
      const ids = outboxIds(dataDir);
      for (const id of [before, ...during]) expect(ids.filter((x) => x === `cr-${id}`)).toHaveLength(1);
      check.disconnect();

      // SIGTERM during an outage: the stop keeps its deadline (the bug: 45 s past it).
      process.kill(redis.pid, 'SIGKILL');
      await waitFor(async () => (await app2.api('/readyz')).status === 503, 5_000, 'readyz 503 again');
      const during2 = await shortCall(app2, '3002220003');
      await waitFor(() => spooled(dataDir).includes(`"cr-${during2}"`), 10_000, 'third outage record spooled');
      const t1 = Date.now();
      app2.kill('SIGTERM');
      const exit = await app2.exited;
      expect(exit.at - t1, 'stop within SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS').toBeLessThan(2000 + 3000 + 1500);
      expect(app2.nonJsonLines()).toEqual([]);
      // Still on disk for the next start.
      expect(spooled(dataDir)).toContain(`"cr-${during2}"`);
    } finally {
      check.disconnect();
    }
  }, 180_000);

  it('start-up with an unreachable Redis fails within REDIS_CONNECT_TIMEOUT_MS with one clear line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-noredis-'));
    const closed = await freePort();
    const t0 = Date.now();
    const err = await spawnApp(baseEnv(dataDir, { REDIS_URL: `redis://127.0.0.1:${closed}/0`, REDIS_CONNECT_TIMEOUT_MS: '1500', DATABASE_URL: await createTestDatabase('noredis') }), { startTimeoutMs: 30_000 }).then(
      (a) => { apps.push(a); return undefined; },
      (e: Error) => e.message,
    );
    expect(err).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(err).toContain(`centralita: Redis at 127.0.0.1:${closed}/0 did not answer within 1500 ms`);
    expect(err).toContain('check REDIS_URL');
    expect(err).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('embedded redis-server supervised', () => {
  it('killed by PID, it is started again and the app carries on (readyz, call records)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-embedded-redis-'));
    const app = await spawnApp(baseEnv(dataDir, { DATABASE_URL: await createTestDatabase('embredis') }));
    apps.push(app);
    const started = await app.waitForLog((l) => typeof l.redisPid === 'number' && String(l.msg).startsWith('started embedded redis-server'));
    const pid = started.redisPid as number;
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    const restarted = await app.waitForLog((l) => l.msg === 'embedded redis-server restarted', 15_000);
    const newPid = restarted.redisPid as number;
    expect(newPid).not.toBe(pid);
    expect(isAlive(newPid)).toBe(true);
    await waitFor(async () => (await app.api('/readyz')).status === 200, 10_000, 'ready again');
    const id = await shortCall(app, '3003330001');
    await waitFor(() => outboxIds(dataDir).includes(`cr-${id}`), 20_000, 'record after the restart');
    app.kill('SIGINT');
    expect((await app.exited).code).toBe(0);
    expect(isAlive(newPid), 'no orphan redis-server').toBe(false);
    expect(app.nonJsonLines()).toEqual([]);
  }, 120_000);
});
