import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

export interface RedisServerHandle {
  url: string;
  port: number;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export class RedisServerMissingError extends Error {
  readonly code = 'REDIS_SERVER_MISSING';
  constructor() {
    super('redis-server was not found on PATH and REDIS_URL is not set. Install it with: sudo apt-get install -y redis-server (or set REDIS_URL=redis://host:6379)');
  }
}

/** Starts a private redis-server on a free loopback port (embedded default and tests). */
export async function startRedisServer(opts: { binary?: string; dir?: string; appendOnly?: boolean; password?: string }): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'centralita-redis-')));
  const ownsDir = opts.dir === undefined;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', opts.appendOnly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no', '--loglevel', 'warning',
    // Loopback is not a boundary between local users: the embedded Redis gets a password. It is
    // handed over on stdin (`-`), never on the command line, where `ps` would show it.
    ...(opts.password ? ['-'] : []),
  ];
  let child: ChildProcess;
  try {
    child = await new Promise<ChildProcess>((resolve, reject) => {
      const c = spawn(opts.binary ?? 'redis-server', args, { stdio: [opts.password ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
      if (opts.password) c.stdin?.end(`requirepass "${opts.password.replace(/["\\]/g, '\\$&')}"\n`);
      c.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new RedisServerMissingError() : err));
      c.once('spawn', () => resolve(c));
    });
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await waitForPort(port, 5_000);
  let stopped = false;
  return {
    url: opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(t);
      }
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.end(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
