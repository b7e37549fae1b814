import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localServerHandle, ServerMissingError, startChildServer, type ChildServer, type LocalServerHandle } from './child-server.ts';

export interface RedisServerHandle extends LocalServerHandle {
  url: string;
}

export class RedisServerMissingError extends ServerMissingError<'REDIS_SERVER_MISSING'> {
  constructor() {
    super('REDIS_SERVER_MISSING', 'redis-server was not found on PATH and REDIS_URL is not set. Install it with: sudo apt-get install -y redis-server (or set REDIS_URL=redis://host:6379)');
  }
}

/** Starts a private redis-server on a free loopback port (embedded default and tests). */
export async function startRedisServer(opts: { binary?: string; dir?: string; appendOnly?: boolean; password?: string }): Promise<RedisServerHandle> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'centralita-redis-')));
  const ownsDir = opts.dir === undefined;
  let server: ChildServer;
  try {
    server = await startChildServer({
      name: 'redis-server',
      command: opts.binary ?? 'redis-server',
      args: (port) => [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
        '--appendonly', opts.appendOnly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction',
        '--daemonize', 'no', '--loglevel', 'warning',
        // Loopback is not a boundary between local users: the embedded Redis gets a password. It is
        // handed over on stdin (`-`), never on the command line, where `ps` would show it.
        ...(opts.password ? ['-'] : []),
      ],
      ...(opts.password ? { stdin: `requirepass "${opts.password.replace(/["\\]/g, '\\$&')}"\n` } : {}),
      spawnError: (err) => (err.code === 'ENOENT' ? new RedisServerMissingError() : err),
      readyTimeoutMs: 5_000,
      pollMs: 25,
      stopSignal: 'SIGTERM',
      killAfterMs: 3_000,
    });
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const { port } = server;
  return {
    ...localServerHandle(server, dir, ownsDir ? [dir] : []),
    url: opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
  };
}
