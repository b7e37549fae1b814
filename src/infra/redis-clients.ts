// Redis connections with the right failure behaviour for each use:
//  - `bull`: BullMQ workers and long-lived background loops. BullMQ needs
//    maxRetriesPerRequest: null (blocking commands must wait out an outage).
//  - `fast`: the API path, readiness and producers (records, outcomes). No offline queue and
//    a command timeout: while Redis is down a command fails at once (HTTP 503, the record
//    stays in the local spool) instead of piling up in memory and hanging the request.
// Start-up waits for Redis within a deadline and fails with a clear error when it never answers.
import { Redis, type RedisOptions } from 'ioredis';
import { CentralitaError } from '../errors.ts';

export class RedisUnavailableError extends CentralitaError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('REDIS_UNAVAILABLE', `Redis is unavailable: ${detail}`, options);
  }
}

/** Connection errors of ioredis (down, timed out, offline queue off), as opposed to command errors. */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTCONN'].includes(e.code)) return true;
  const m = typeof e.message === 'string' ? e.message : '';
  return /enableOfflineQueue options is false|Command timed out|Connection is closed|Stream isn't writeable|connect ECONNREFUSED|LOADING Redis is loading/.test(m);
}

/** Where a Redis URL points, without its password (for messages). */
export function redisWhere(url: string): string {
  try { const u = new URL(url); return `${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`; } catch { return 'REDIS_URL'; }
}

const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 10), 2000);

export function bullConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: backoff, ...extra });
}

export function fastConnection(url: string, commandTimeoutMs: number, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1000, commandTimeoutMs),
    retryStrategy: backoff,
    ...extra,
  });
}

/** Resolves when `client` answers PING; rejects with a clear REDIS_UNREACHABLE error after `timeoutMs`. */
export async function waitForRedis(client: Redis, o: { url: string; timeoutMs: number; now?: () => number }): Promise<void> {
  const now = o.now ?? Date.now;
  const until = now() + o.timeoutMs;
  let last: unknown;
  const onError = (err: unknown) => { last = err; };
  client.on('error', onError);
  try {
    for (;;) {
      if (client.status === 'ready') {
        try { await client.ping(); return; } catch (err) { last = err; }
      }
      if (now() >= until) break;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, until - now()))));
    }
  } finally {
    client.off('error', onError);
  }
  const detail = last instanceof Error ? last.message : 'no answer';
  throw new CentralitaError('REDIS_UNREACHABLE', `Redis at ${redisWhere(o.url)} did not answer within ${o.timeoutMs} ms (${detail}); check REDIS_URL and that Redis is running (REDIS_CONNECT_TIMEOUT_MS sets the wait)`);
}

/** /readyz: a PING on the fast connection, so an outage shows at once. */
export function redisReadiness(client: Redis): { name: string; check(): Promise<{ ok: boolean; detail?: unknown }> } {
  return {
    name: 'redis',
    async check() {
      const t0 = performance.now();
      try {
        await client.ping();
        return { ok: true, detail: { ms: Math.round(performance.now() - t0) } };
      } catch (err) {
        return { ok: false, detail: { status: client.status, error: (err as Error).message } };
      }
    },
  };
}
