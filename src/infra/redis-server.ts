import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

export interface RedisServerHandle {
  url: string;
  port: number;
  /** The current server's pid (a supervised server gets a new one when restarted). */
  readonly pid: number;
  dir: string;
  stop(): Promise<void>;
}

export class RedisServerMissingError extends Error {
  readonly code = 'REDIS_SERVER_MISSING';
  constructor() {
    super('redis-server was not found on PATH and REDIS_URL is not set. Install it with: sudo apt-get install -y redis-server (or set REDIS_URL=redis://host:6379)');
  }
}

export interface RedisSupervision {
  /** The server exited on its own (killed, crashed); a restart follows unless it gave up. */
  onExit?(info: { pid: number; code: number | null; signal: NodeJS.Signals | null }): void;
  onRestarted?(info: { pid: number; restarts: number }): void;
  /** Too many restarts in a row (or it cannot start again): the owner should exit so its own supervisor (systemd, Docker) restarts it. */
  onGiveUp?(err: Error): void;
  /** Restarts allowed within `windowMs` before giving up (default 5 in 60 s). */
  maxRestarts?: number;
  windowMs?: number;
}

/**
 * Starts a private redis-server on a free loopback port (embedded default and tests). With
 * `supervise`, a server that dies (killed by PID, OOM, crash) is started again on the same
 * port, directory and password (its AOF brings the data back), so clients simply reconnect.
 */
export async function startRedisServer(opts: { binary?: string; dir?: string; appendOnly?: boolean; password?: string; supervise?: RedisSupervision; /** Default: a free one. */ port?: number }): Promise<RedisServerHandle> {
  const port = opts.port ?? (await freePort());
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
  const launch = () => new Promise<ChildProcess>((resolve, reject) => {
    const c = spawn(opts.binary ?? 'redis-server', args, { stdio: [opts.password ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    if (opts.password) c.stdin?.end(`requirepass "${opts.password.replace(/["\\]/g, '\\$&')}"\n`);
    c.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new RedisServerMissingError() : err));
    c.once('spawn', () => resolve(c));
  });
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await waitForPort(port, 5_000);
  let stopped = false;
  const sup = opts.supervise;
  const restarts: number[] = [];
  const watch = (c: ChildProcess) => {
    if (!sup) return;
    c.once('exit', (code, signal) => {
      if (stopped) return;
      sup.onExit?.({ pid: c.pid ?? -1, code, signal });
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0]! < now - (sup.windowMs ?? 60_000)) restarts.shift();
      if (restarts.length > (sup.maxRestarts ?? 5)) { sup.onGiveUp?.(new Error(`redis-server exited ${restarts.length} times within ${(sup.windowMs ?? 60_000) / 1000} s`)); return; }
      // A short pause: the port is free again once the old process is fully gone.
      setTimeout(() => {
        if (stopped) return;
        launch().then(async (next) => {
          child = next;
          watch(next);
          await waitForPort(port, 5_000);
          sup.onRestarted?.({ pid: next.pid ?? -1, restarts: restarts.length });
        }).catch((err: unknown) => sup.onGiveUp?.(err instanceof Error ? err : new Error(String(err))));
      }, 100);
    });
  };
  watch(child);
  return {
    url: opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    port,
    get pid() { return child.pid ?? -1; },
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
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
